#!/usr/bin/env python3
"""Signs a few hundred randomized S3 requests with botocore's S3 signers
(S3SigV4Auth for the Authorization header, S3SigV4QueryAuth for presigned
URLs) and with drkit's, through the test driver sigv4_sign, and compares
them exactly. Prints TAP: one line per group of requests; a mismatch shows
the request, both results and the diff of the canonical requests.

usage: sigv4_botocore.py DRIVER [--seed N] [--count N]

The seed is printed first; passing it back replays the same requests.
Each request is signed as the S3 client sends it: its path percent-encoded
once (S3 does not encode twice), its Host header what the URL gives
(the port left out when it is the scheme's default)."""

import argparse
import datetime
import difflib
import hashlib
import random
import subprocess
import sys
import types
from urllib.parse import quote, urlsplit

import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

GROUPS = [
    'object keys: spaces, non-ASCII, + = ~ / %, !*\'(), empty segments',
    'query strings: bare names, repeated names, odd characters',
    'payloads: empty, hashed, UNSIGNED-PAYLOAD',
    'session tokens',
    'extra headers: x-amz-meta-*, odd case and white space',
    'regions and times: auto, us-east-1, others, any second',
    'presigned URLs',
]

KEY_PIECES = ['a', 'Z', '0', 'backup', '.', '-', '_', '~', ' ', '  ', '+', '=',
              '/', '//', '%', '%20', '!', '*', "'", '(', ')', '&', '?', '#',
              ';', ':', '@', ',', '$', '[', ']', '{', '}', '|', '^', '`',
              '"', '<', '>', '\\', '\t', '\n', '\u00e9', '\u00fc\u00df',
              '\u65e5\u672c', '\U0001f600', '\u00a0', 'pg_dump.sql.gz',
              '2026-11-25T03:00:00Z']
PARAM_NAMES = ['prefix', 'delimiter', 'max-keys', 'list-type', 'uploads',
               'uploadId', 'partNumber', 'continuation-token', 'start-after',
               'versionId', 'delete', 'response-content-disposition',
               'encoding-type', 'x-id', 'a b', 'caf\u00e9', 'Z', 'a-b', 'a_b',
               'a.b', 'A', '~x']
VALUE_PIECES = ['', 'J', '2', '/', ' ', '+', '=', '&', '%', '~', '*', '!',
                "'", '(', ')', ',', ';', ':', '?', '#', '\u00e9', '\u6587',
                'attachment; filename="x y.gz"', 'abc123', '1/2+3=4', '\U0001f4be']
REGIONS = ['us-east-1', 'auto', 'eu-west-1', 'ap-southeast-2', 'eu-central-1',
           'wnam', 'us-gov-west-1', 'cn-north-1']
HOSTS = [('https', 'examplebucket.s3.amazonaws.com', False),
         ('https', 'acct.r2.cloudflarestorage.com', True),
         ('http', '127.0.0.1:9000', True),
         ('http', 'localhost:4568', True),
         ('https', 's3.eu-west-1.amazonaws.com', True),
         ('https', 'minio.example.org:9443', True)]
METHODS = ['GET', 'PUT', 'HEAD', 'DELETE', 'POST']
B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'


class Frozen:
    """botocore reads the clock itself: freeze it at each request's time.
    botocore >= 1.31 calls botocore.auth.get_current_datetime(), older
    ones datetime.datetime.utcnow()."""
    now = None

    @classmethod
    def install(cls):
        if hasattr(botocore.auth, 'get_current_datetime'):
            botocore.auth.get_current_datetime = lambda *a, **k: cls.now
        else:
            class FrozenDatetime(datetime.datetime):
                @classmethod
                def utcnow(klass):
                    return cls.now
            botocore.auth.datetime = types.SimpleNamespace(datetime=FrozenDatetime)


def rand_key(rnd):
    parts = [rnd.choice(KEY_PIECES) for _ in range(rnd.randint(1, 8))]
    return ''.join(parts)


def rand_value(rnd):
    return ''.join(rnd.choice(VALUE_PIECES) for _ in range(rnd.randint(0, 4)))


def rand_b64(rnd, n):
    return ''.join(rnd.choice(B64) for _ in range(n))


def rand_params(rnd, n, unique):
    params = []
    for _ in range(n):
        name = rnd.choice(PARAM_NAMES)
        if unique and any(p[0] == name for p in params):
            continue
        params.append((name, rnd.choice(['', rand_value(rnd)])))
    return params


def rand_ws(rnd):
    return ''.join(rnd.choice([' ', '  ', '\t', ' \t ']) for _ in range(rnd.randint(0, 2)))


def rand_headers(rnd, n):
    headers = []
    for _ in range(n):
        kind = rnd.randrange(5)
        if kind == 0:
            name = 'x-amz-meta-' + rnd.choice(['sha256', 'note', 'a', 'Mixed-Case', 'x_y'])
            name = rnd.choice([name, name.upper(), name.title()])
            words = [rand_b64(rnd, rnd.randint(0, 6)) for _ in range(rnd.randint(0, 4))]
            value = rand_ws(rnd) + rand_ws(rnd).join(words) + rand_ws(rnd)
        elif kind == 1:
            name, value = 'Range', 'bytes=%d-%d' % (rnd.randint(0, 99), rnd.randint(100, 10**12))
        elif kind == 2:
            name, value = 'Content-Type', rnd.choice(['application/gzip', 'text/plain; charset=utf-8'])
        elif kind == 3:
            name, value = rnd.choice([('If-None-Match', '*'), ('Content-MD5', rand_b64(rnd, 22) + '=='),
                                      ('x-amz-storage-class', 'REDUCED_REDUNDANCY')])
        else:
            name = 'x-amz-copy-source'
            value = quote('/bucket/' + rand_key(rnd), safe='/')
        headers.append((name, value))
    return headers


def base_request(rnd, group):
    scheme, host, path_style = rnd.choice(HOSTS)
    key = rand_key(rnd) if group == 0 else rnd.choice(['backup.gz', 'a/b c', 'k'])
    path = '/' + ('bucket/' if path_style else '') + key
    if group == 0 and rnd.random() < 0.3:
        path = rnd.choice(['/', '//', '/bucket//', '/bucket/a//b/', '/bucket/', '/bucket/%2F'])
    when = rnd.randint(946684800, 2145916799)	# 2000 to 2037
    return {
        'method': rnd.choice(METHODS), 'scheme': scheme, 'host': host, 'path': path,
        'params': rand_params(rnd, rnd.randint(0, 2), group == 6),
        'headers': [], 'body': None, 'when': when,
        'region': rnd.choice(REGIONS[:2]),
        'access': ''.join(rnd.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567') for _ in range(20)),
        'secret': rand_b64(rnd, 40), 'token': None, 'expires': None,
    }


def rand_request(rnd, group):
    r = base_request(rnd, group)
    if group == 1:
        r['params'] = rand_params(rnd, rnd.randint(1, 8), False)
    elif group == 2:
        r['method'] = rnd.choice(['PUT', 'POST'])
        r['body'] = rnd.choice([b'', bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 300))),
                                b'Welcome to Amazon S3.', None])
    elif group == 3:
        r['token'] = rand_b64(rnd, rnd.randint(16, 400)) + rnd.choice(['', '=', '=='])
    elif group == 4:
        r['headers'] = rand_headers(rnd, rnd.randint(1, 6))
    elif group == 5:
        r['region'] = rnd.choice(REGIONS)
        r['when'] = rnd.choice([r['when'], r['when'] - r['when'] % 86400,
                                r['when'] - r['when'] % 86400 + 86399])
        if rnd.random() < 0.3:
            r['secret'] = rnd.choice(['s p a c e', 'caf\u00e9/+=', '', 'x' * 100])
    elif group == 6:
        r['method'] = rnd.choice(['GET', 'PUT', 'HEAD'])
        r['path'] = '/' + ('bucket/' if rnd.random() < 0.5 else '') + rand_key(rnd)
        r['expires'] = rnd.choice([1, 60, 3600, 86400, 604800, rnd.randint(1, 604800)])
        if rnd.random() < 0.4:
            r['token'] = rand_b64(rnd, rnd.randint(16, 200)) + '=='
        r['region'] = rnd.choice(REGIONS)
    if group != 2 and rnd.random() < 0.3:
        r['body'] = None if rnd.random() < 0.5 else b''
    return r


def payload_hash(r):
    """What the S3 client puts in x-amz-content-sha256."""
    if r['body'] is None:
        return 'UNSIGNED-PAYLOAD'
    return hashlib.sha256(r['body']).hexdigest()


def url_of(r):
    # The path as the C client sends it: each byte outside RFC 3986's
    # unreserved set percent-encoded, once, '/' kept.
    return '%s://%s%s' % (r['scheme'], r['host'], quote(r['path'], safe='/'))


def botocore_sign(r):
    """Returns (result, canonical request) as botocore computes them."""
    Frozen.now = datetime.datetime.fromtimestamp(r['when'], datetime.timezone.utc).replace(tzinfo=None)
    creds = Credentials(r['access'], r['secret'], r['token'])
    req = AWSRequest(method=r['method'], url=url_of(r), params=list(r['params']),
                     data=r['body'] if r['body'] is not None else b'')
    for name, value in r['headers']:
        req.headers[name] = value
    if r['expires'] is not None:
        signer = botocore.auth.S3SigV4QueryAuth(creds, 's3', r['region'], expires=r['expires'])
    else:
        signer = botocore.auth.S3SigV4Auth(creds, 's3', r['region'])
        req.context['client_config'] = Config(s3={'payload_signing_enabled': r['body'] is not None})
    seen = []
    orig = signer.canonical_request
    signer.canonical_request = lambda q: seen.append(orig(q)) or seen[-1]
    signer.add_auth(req)
    if req.context['timestamp'] != Frozen.now.strftime('%Y%m%dT%H%M%SZ'):
        raise SystemExit('botocore did not take the frozen time')
    if r['expires'] is not None:
        return normalize_url(req.url), seen[0]
    return req.headers['Authorization'], seen[0]


def normalize_url(url):
    """The same URL with its query parameters sorted, the signature last:
    parameter order is free in a URL, and the signature is what counts."""
    base, _, query = url.partition('?')
    pairs = query.split('&')
    sig = [p for p in pairs if p.startswith('X-Amz-Signature=')]
    rest = sorted((p for p in pairs if not p.startswith('X-Amz-Signature=')),
                  key=lambda p: p.partition('=')[::2])
    return base + '?' + '&'.join(rest + sig)


def esc(s):
    out = []
    for ch in s:
        if ch == '\\':
            out.append('\\\\')
        elif ch == '\t':
            out.append('\\t')
        elif ch == '\n':
            out.append('\\n')
        elif ord(ch) < 0x20 or ch == '\x7f':
            out.append('\\x%02x' % ord(ch))
        else:
            out.append(ch)
    return ''.join(out)


def unesc(s):
    return s.encode('utf-8').decode('unicode_escape').encode('latin-1').decode('utf-8')


def describe(i, r):
    lines = [('id', str(i)), ('method', r['method']), ('path', r['path'])]
    lines += [('param', n, v) for n, v in r['params']]
    host = urlsplit(url_of(r)).netloc
    lines.append(('header', 'Host', host))
    lines += [('header', n, v) for n, v in r['headers']]
    lines += [('payload', payload_hash(r)), ('time', str(r['when'])),
              ('region', r['region']), ('access', r['access']), ('secret', r['secret'])]
    if r['token'] is not None:
        lines.append(('token', r['token']))
    if r['expires'] is not None:
        lines.append(('presign', r['scheme'], str(r['expires'])))
    lines.append(('end',))
    return ''.join('\t'.join(esc(f) for f in line) + '\n' for line in lines)


def run_driver(driver, text):
    p = subprocess.run([driver, '-c'], input=text.encode('utf-8'),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise SystemExit('%s exited %d: %s' % (driver, p.returncode, p.stderr.decode(errors='replace')))
    results, canon = {}, {}
    for line in p.stdout.decode('utf-8').splitlines():
        rid, kind, value = line.split('\t', 2)
        if kind == 'canonical':
            canon[int(rid)] = unesc(value)
        else:
            results[int(rid)] = normalize_url(value) if kind == 'presign' else value
    return results, canon


def report_mismatch(desc, want, got, want_cr, got_cr):
    print('#   request:')
    for line in desc.splitlines():
        print('#     ' + line)
    print('#   botocore: ' + want)
    print('#   drkit:    ' + (got if got is not None else '(nothing)'))
    if got_cr is not None and got_cr != want_cr:
        print('#   canonical request, botocore (-) against drkit (+):')
        for line in difflib.unified_diff(want_cr.split('\n'), got_cr.split('\n'), lineterm='', n=1):
            print('#     ' + line)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('driver')
    ap.add_argument('--seed', type=int, default=None)
    ap.add_argument('--count', type=int, default=350)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**9)
    print('# botocore %s (%s), python %s' % (botocore.__version__, botocore.__file__,
                                             sys.version.split()[0]))
    print('# seed %d: replay with tests/sigv4_botocore.py DRIVER --seed %d --count %d'
          % (seed, seed, args.count))
    Frozen.install()
    rnd = random.Random(seed)
    reqs = [rand_request(rnd, i % len(GROUPS)) for i in range(args.count)]
    descs = [describe(i, r) for i, r in enumerate(reqs)]
    want = [botocore_sign(r) for r in reqs]
    got, got_cr = run_driver(args.driver, ''.join(descs))
    failed = 0
    for g, name in enumerate(GROUPS):
        ids = [i for i in range(len(reqs)) if i % len(GROUPS) == g]
        bad = [i for i in ids if got.get(i) != want[i][0]]
        if not bad:
            print('ok - botocore %s signs as drkit: %s (%d requests)'
                  % (botocore.__version__, name, len(ids)))
            continue
        failed += 1
        print('not ok - botocore %s signs as drkit: %s: %d of %d differ (seed %d)'
              % (botocore.__version__, name, len(bad), len(ids), seed))
        for i in bad[:3]:
            report_mismatch(descs[i], want[i][0], got.get(i), want[i][1], got_cr.get(i))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
