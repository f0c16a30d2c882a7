#!/usr/bin/env python3
"""TLS in front of the S3 test server, for a client that speaks S3 only over
HTTPS (pgBackRest), with the one change of spelling its signatures need.
Standard library only. Never re-signs: the test server still checks every
signature against the secret, so a wrong secret still fails.

usage: s3tls.py UPSTREAM_PORT CERT KEY

Prints its own port on stdout once it listens, and on stderr each request
whose target it respelled.

The respelling: pgBackRest signs its ListObjectsV2, "GET /BUCKET/?list-type=2
&prefix=...", over the canonical URI "/BUCKET/", the path as sent, which is
what Signature V4 asks. The test server verifies every request on a bucket
over "/" + the bucket name its router found, without the trailing slash, and
refuses it with SignatureDoesNotMatch (query and headers agree). Sent as
"/BUCKET%2F", the name the router decodes is "BUCKET/", the server verifies
over "/BUCKET/", what was signed, and finds the bucket's directory; but its
listing then matches no key ("BUCKET/" + "/" + prefix): an empty list, which
is the true answer only where the client expects none (archive-push's
duplicate check of a new segment), not where it must find a key
(archive-get). No other spelling makes the server verify over "/BUCKET/":
only re-signing would. Every other request passes byte for byte.
"""
import asyncio
import re
import signal
import ssl
import sys

BUCKET_ROOT = re.compile(rb"^/([a-z0-9][a-z0-9.-]*)/(\?.*)?$")


def respell(target):
    """The target the test server must see for TARGET."""
    m = BUCKET_ROOT.match(target)
    if not m:
        return target
    return b"/" + m.group(1) + b"%2F" + (m.group(2) or b"")


def body_length(head):
    """The request body's length from its Content-Length (0 when none);
    None for a chunked body, which this proxy does not parse."""
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"transfer-encoding" and value.strip().lower() != b"identity":
            return None
        if name == b"content-length":
            length = int(value.strip())
    return length


async def pipe(reader, writer):
    """Copies READER to WRITER until EOF: the answers, unchanged."""
    try:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def copy_exact(reader, writer, n):
    while n > 0:
        data = await reader.read(min(n, 1 << 16))
        if not data:
            raise ConnectionError("request body cut short")
        writer.write(data)
        await writer.drain()
        n -= len(data)


async def requests(reader, writer):
    """Forwards each request of a kept-alive connection, its target
    respelled where needed and its body as it came."""
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        method, target, rest = head.split(b" ", 2)
        new = respell(target)
        if new != target:
            print(f"{method.decode()} {target.decode()} -> {new.decode()}",
                  file=sys.stderr, flush=True)
        length = body_length(head)
        if length is None:
            print("chunked request bodies are not supported", file=sys.stderr, flush=True)
            return
        writer.write(b" ".join((method, new, rest)))
        await copy_exact(reader, writer, length)


async def handle(client_r, client_w, upstream_port):
    try:
        up_r, up_w = await asyncio.open_connection("127.0.0.1", upstream_port)
    except OSError:
        client_w.close()
        return
    answers = asyncio.ensure_future(pipe(up_r, client_w))
    try:
        await requests(client_r, up_w)
    except (ConnectionError, OSError):
        pass
    finally:
        up_w.close()
    await answers


async def serve(upstream_port, ctx):
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, upstream_port), "127.0.0.1", 0, ssl=ctx)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


def main():
    if len(sys.argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    signal.signal(signal.SIGINT, signal.SIG_DFL)    # ^C ends it quietly
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    asyncio.run(serve(int(sys.argv[1]), ctx))


if __name__ == "__main__":
    main()
