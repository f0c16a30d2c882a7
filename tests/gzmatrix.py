#!/usr/bin/env python3
"""The corruption matrix of t-gzverify.sh: a corpus of gzip files (gzip -1
and -9, pigz, multi-member, an empty member, a member with every optional
header field), each truncated, bit-flipped in header, body and trailer, and
followed by garbage. For every case gzverify must agree with `gzip -t`
(trailing garbage, which gzip -t only warns about, is rejected: the
documented difference), exit 1 when it rejects, and never let the withheld
tail out. Every case runs through both inflate backends (DRKIT_INFLATE=isal
and zlib), which must give the same exit status and the same message; only
for invalid deflate data may the decoders' detail and byte offset differ
(ISA-L reads ahead), never the member. Prints TAP lines, one per corpus
file, backend and claim.

With --sha256 s3://BUCKET/PREFIX, the same cases go through
`sha256sum-r2 --verify` instead, against each corpus file uploaded there
by r2put: every damaged copy must exit 1 and keep its last 64 KiB back.

usage: gzmatrix.py BINDIR [--sha256 s3://BUCKET/PREFIX]"""
import concurrent.futures
import os
import random
import re
import struct
import subprocess
import sys
import zlib

HOLD = 64 * 1024
BIN = sys.argv[1]
GZVERIFY = os.path.join(BIN, "gzverify")
rng = random.Random(20261125)


BACKENDS = ("isal", "zlib")
DEFLATE_ERR = re.compile(rb"member (\d+), byte offset (\d+): invalid deflate data \(.*\)")


def sh(cmd, data, backend=None):
    env = dict(os.environ, DRKIT_INFLATE=backend) if backend else None
    return subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def same_answer(a, b):
    """The two backends' answers agree: exit status and message, but for
    invalid deflate data only the member and an offset within 32 bytes."""
    if a.returncode != b.returncode:
        return False
    ma, mb = DEFLATE_ERR.search(a.stderr), DEFLATE_ERR.search(b.stderr)
    if ma and mb:
        return ma.group(1) == mb.group(1) and abs(int(ma.group(2)) - int(mb.group(2))) <= 32
    return a.stderr == b.stderr


def text(n_lines, seed):
    r = random.Random(seed)
    words = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(2, 9)))
             for _ in range(800)]
    return "".join("%d\t%s\t%s\n" % (i, r.choice(words), " ".join(r.choice(words) for _ in range(3)))
                   for i in range(n_lines)).encode()


def fields_member(data):
    """One member with FEXTRA, FNAME, FCOMMENT and FHCRC, assembled by hand
    around zlib's raw deflate."""
    extra = b"AP\x04\x00drkt"
    hdr = b"\x1f\x8b\x08" + bytes([0x02 | 0x04 | 0x08 | 0x10]) + struct.pack("<I", 1764000000) + b"\x00\x03"
    hdr += struct.pack("<H", len(extra)) + extra + b"dump.sql\0" + b"nightly backup\0"
    hdr += struct.pack("<H", zlib.crc32(hdr) & 0xFFFF)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = co.compress(data) + co.flush()
    return hdr + body + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF), len(hdr)


def gzip_cli(cmd, data):
    return sh(cmd, data).stdout


big = text(12000, 1)
small = b"CREATE TABLE t (a int);\nCOPY t FROM stdin;\n1\n\\.\n"
fields, fields_hdr = fields_member(small)
half = len(big) // 2
corpus = [
    # name, compressed, original, header length, every offset?
    ("gzip -1", gzip_cli(["gzip", "-1", "-c"], big), big, 10, False),
    ("gzip -9", gzip_cli(["gzip", "-9", "-n", "-c"], big), big, 10, False),
    ("pigz", gzip_cli(["pigz", "-p", "2", "-b", "32", "-c"], big), big, 10, False),
    ("multi-member", gzip_cli(["gzip", "-1", "-c"], big[:half]) + gzip_cli(["gzip", "-9", "-c"], big[half:]),
     big, 10, False),
    ("empty input gzipped", gzip_cli(["gzip", "-c"], b""), b"", 10, True),
    ("every header field", fields, small, fields_hdr, True),
    ("small multi-member", gzip_cli(["gzip", "-c"], small[:20]) + gzip_cli(["gzip", "-c"], b""),
     small[:20], 10, True),
]


def cases(gz, hdr_len, every):
    """(label, bytes) pairs: truncations, flips in header, body and trailer,
    trailing garbage."""
    n = len(gz)
    cuts = range(n) if every else sorted(set(
        [0, 1, 2, 9, 10, 11, n - 1, n - 2, n - 4, n - 5, n - 8, n - 9] + rng.sample(range(n), 36)))
    for c in cuts:
        yield "cut at %d" % c, gz[:c]
    for i in range(hdr_len):
        b = rng.randrange(8)
        yield "header byte %d bit %d" % (i, b), gz[:i] + bytes([gz[i] ^ (1 << b)]) + gz[i + 1:]
    body = range(hdr_len, n - 8)
    for i in (rng.sample(body, min(6, len(body))) if len(body) else []):
        yield "body byte %d" % i, gz[:i] + bytes([gz[i] ^ 0x10]) + gz[i + 1:]
    for i in range(n - 8, n):
        b = rng.randrange(8)
        yield "trailer byte %d bit %d" % (i, b), gz[:i] + bytes([gz[i] ^ (1 << b)]) + gz[i + 1:]
    for g in (b"x", b"garbage\n", b"\0\0\0x", b"\x1f\x8b", b"\x1f\x8b\x08\x00"):
        yield "garbage %r" % g, gz + g


def run_case(data):
    """gzip -t's verdict, then for each backend gzverify's and gzverify -d's
    results and gzip -t's verdict on what the pass-through let out."""
    ref = sh(["gzip", "-t"], data).returncode
    runs = {}
    for b in BACKENDS:
        p = sh([GZVERIFY], data, b)
        d = sh([GZVERIFY, "-d"], data, b)
        out_ok = bool(p.stdout) and sh(["gzip", "-t"], p.stdout).returncode == 0
        runs[b] = (p, d, out_ok)
    return ref, runs


def sha256_main(prefix):
    """Every case through sha256sum-r2 --verify against the recorded sum."""
    total = 0
    pool = concurrent.futures.ThreadPoolExecutor(2)
    for n, (name, gz, orig, hdr_len, every) in enumerate(corpus):
        key = "%s/corpus%d.gz" % (prefix.rstrip("/"), n)
        put = sh([os.path.join(BIN, "r2put"), "-q", "--allow-empty", key], gz)
        if put.returncode != 0:
            print("not ok - %s: upload with r2put\n#   %s" % (name, put.stderr[:300]))
            continue
        todo = [(label, data) for label, data in cases(gz, hdr_len, every) if data != gz]
        verify = [os.path.join(BIN, "sha256sum-r2"), "--verify", key]
        results = pool.map(lambda d: sh(verify, d), [d for _, d in todo])
        exits, leaks = [], []
        for (label, data), r in zip(todo, results):
            if r.returncode != 1 or b"SHA-256 mismatch" not in r.stderr:
                exits.append("%s: exit %d %s" % (label, r.returncode, r.stderr[:200]))
            if len(r.stdout) > max(0, len(data) - HOLD) or data[:len(r.stdout)] != r.stdout:
                leaks.append("%s: %d of %d bytes out" % (label, len(r.stdout), len(data)))
        total += len(todo)
        for bad, claim in ((exits, "sha256sum-r2 --verify exits 1 with a mismatch on every damaged copy"),
                           (leaks, "and lets out only a prefix short of its last 64 KiB")):
            print("%s - %s, %d cases: %s" % ("not ok" if bad else "ok", name, len(todo), claim))
            for b in bad[:5]:
                print("#   " + b)
    print("# %d cases" % total)


def main():
    total = 0
    pool = concurrent.futures.ThreadPoolExecutor(2)
    claims = [
        ("agree", "accepts exactly what gzip -t accepts (trailing garbage rejected)"),
        ("exit", "exits 1 on every rejected case"),
        ("pass", "pass-through of a rejected case is a prefix short of its last 64 KiB, and fails gzip -t"),
        ("dec", "-d of a rejected case never writes the original's last 64 KiB"),
        ("good", "accepted cases pass through unchanged and decompress to the original"),
    ]
    for name, gz, orig, hdr_len, every in corpus:
        fails = {(b, k): [] for b in BACKENDS for k, _ in claims}
        same = []
        todo = list(cases(gz, hdr_len, every))
        count = len(todo)
        for (label, data), (ref, runs) in zip(todo, pool.map(run_case, [c[1] for c in todo])):
            if not same_answer(runs["isal"][0], runs["zlib"][0]):
                same.append("%s: isal %d %s / zlib %d %s" % (label, runs["isal"][0].returncode,
                            runs["isal"][0].stderr[:120], runs["zlib"][0].returncode, runs["zlib"][0].stderr[:120]))
            for b, (p, d, out_ok) in runs.items():
                check_case(fails, b, label, data, orig, ref, p, d, out_ok)
        total += count
        for b in BACKENDS:
            for key, claim in claims:
                report(fails[(b, key)], "%s, %s, %d cases: %s" % (name, b, count, claim))
        report(same, "%s, %d cases: ISA-L and zlib give the same exit status and message" % (name, count))
    print("# %d cases, each through %d backends" % (total, len(BACKENDS)))


def check_case(fails, b, label, data, orig, ref, p, d, out_ok):
    """One case's results through backend b against gzip -t's verdict ref."""
    if (p.returncode == 0) != (ref == 0) or (d.returncode == 0) != (ref == 0):
        fails[(b, "agree")].append("%s: gzip -t %d, gzverify %d, -d %d" % (label, ref, p.returncode, d.returncode))
    if ref == 0:
        if p.stdout != data or d.stdout != orig:
            fails[(b, "good")].append(label)
        return
    if p.returncode != 1 or d.returncode != 1:
        fails[(b, "exit")].append("%s: %d %d %s" % (label, p.returncode, d.returncode, p.stderr[:200]))
    out = p.stdout
    if len(out) > max(0, len(data) - HOLD) or data[:len(out)] != out or out_ok:
        fails[(b, "pass")].append("%s: %d of %d bytes out" % (label, len(out), len(data)))
    tail = orig[-HOLD:]
    if d.stdout if len(orig) <= HOLD else tail in d.stdout:
        fails[(b, "dec")].append("%s: %d bytes out" % (label, len(d.stdout)))


def report(bad, claim):
    print("%s - %s" % ("not ok" if bad else "ok", claim))
    for b in bad[:5]:
        print("#   " + str(b))


if len(sys.argv) == 4 and sys.argv[2] == "--sha256":
    sha256_main(sys.argv[3])
else:
    main()
