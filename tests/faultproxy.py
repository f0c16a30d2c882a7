#!/usr/bin/env python3
"""An HTTP/1.1 proxy between drkit and the S3 test server that records every
request and injects the faults a real network and a busy service produce.
Standard library only.

usage: faultproxy.py UPSTREAM_PORT LOG [--match REGEX] [--count N]
                     [--status CODE | --drop | --reset-after BYTES |
                      --close-after BYTES | --stall-after BYTES]
                     [--then-run COMMAND] [--reply-file FILE]
                     [--drop-header NAME | --endless | --list-tokens KIND]
       faultproxy.py UPSTREAM_PORT LOG --schedule SEED [--rate P]

Prints its own port on stdout once it listens. Each request is logged as
"METHOD TARGET [range=RANGE] LENGTH" when it arrives (and, when the request
has one, "If-None-Match: VALUE on METHOD TARGET") and "-> STATUS for
METHOD TARGET" (or the fault) when answered, so that tests can see which requests were sent,
in which order, with how large a body. The fault applies to the first N requests whose
"METHOD TARGET [range=RANGE]" matches REGEX (every request when no --match):

  --status CODE        answer CODE with an S3 error document (SlowDown for
                       503, InternalError otherwise) without forwarding;
                       the body is FILE's instead with --reply-file
  --drop               reset the connection without forwarding or answering
  --reset-after BYTES  forward, then reset the connection after BYTES bytes
                       of the response body
  --close-after BYTES  forward, then close the connection cleanly after BYTES
                       bytes of the response body: a truncated answer
  --stall-after BYTES  forward, then send nothing more after BYTES bytes of
                       the response body, until the client gives up
  --then-run COMMAND   run COMMAND (sh -c) when a body is cut, before the
                       client sees the cut (to change the object meanwhile)
  --drop-header NAME   forward, but leave response header NAME out (a HEAD
                       answer without Content-Length)
  --endless            answer CODE (--status, default 200) without
                       forwarding, with a body that never ends: FILE's bytes
                       (--reply-file) then filler, until the client hangs up
  --list-tokens KIND   answer a ListObjectsV2 request without forwarding, with
                       one key and a truncated page whose continuation token
                       never lets the listing end: "cycle:N" hands out tokens
                       tok-0 .. tok-(N-1) and then tok-0 again, "fresh" a new
                       one every time

--schedule SEED draws each request's fault from a generator seeded with SEED,
so that a failing soak schedule can be replayed: with probability P (default
0.3) one of a 500, a 503 SlowDown, a 429 (R2's answer to writes too close on
one key), a reset before forwarding, a lost answer (forwarded and done
upstream, then reset), or an answer reset, closed or stalled after a random
number of body bytes.
"""
import argparse
import asyncio
import random
import re
import socket
import struct
import sys
import urllib.parse

ERROR_CODES = {503: ("SlowDown", "Please reduce your request rate."),
               500: ("InternalError", "We encountered an internal error."),
               429: ("TooManyRequests", "Reduce your rate of writes to this key.")}
SCHEDULE_FAULTS = ("500", "503", "429", "drop", "lost", "reset", "close", "stall")


class Proxy:
    def __init__(self, args):
        self.args = args
        self.match = re.compile(args.match) if args.match else None
        self.left = args.count
        self.rng = random.Random(args.schedule) if args.schedule is not None else None
        self.log = open(args.log, "a", buffering=1, encoding="utf-8", errors="replace")

    def note(self, line):
        self.log.write(line + "\n")

    def take_fault(self, what):
        """The fault this request gets, as a dict of the options' names
        (status, drop, lost, reset_after, close_after, stall_after), or
        None."""
        if self.rng is not None:
            return self.scheduled_fault()
        if self.left <= 0 or (self.match and not self.match.search(what)):
            return None
        self.left -= 1
        a = self.args
        return {"status": a.status, "drop": a.drop, "lost": False, "reset_after": a.reset_after,
                "close_after": a.close_after, "stall_after": a.stall_after}

    def special(self, what):
        """Whether the options ask for an answer made here (endless body,
        crafted listing) rather than forwarded or an error document."""
        a = self.args
        return a.endless or (a.list_tokens and "list-type=2" in what)

    def scheduled_fault(self):
        if self.rng.random() >= self.args.rate:
            return None
        kind = self.rng.choice(SCHEDULE_FAULTS)
        f = {"status": None, "drop": False, "lost": False, "reset_after": None,
             "close_after": None, "stall_after": None}
        if kind.isdigit():
            f["status"] = int(kind)
        elif kind in ("drop", "lost"):
            f[kind] = True
        else:
            f[kind + "_after"] = self.rng.randrange(0, 1 << 20)
        return f

    async def handle(self, reader, writer):
        try:
            while await self.one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def one_request(self, reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        length, rng, inm = 0, "", None
        for h in lines[1:]:
            name, _, value = h.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
            elif name.strip().lower() == "range":
                rng = " range=" + value.strip()
            elif name.strip().lower() == "if-none-match":
                inm = value.strip()
        body = await reader.readexactly(length) if length else b""
        what = f"{method} {target}{rng}"
        self.note(f"{what} {length}")
        if inm is not None:
            self.note(f"If-None-Match: {inm} on {what}")
        fault = self.take_fault(what)
        if fault and self.special(what):
            if self.args.endless:
                await self.answer_endless(reader, writer, what)
                return False
            await self.answer_list(writer, target, what)
            return True
        if fault and fault["status"]:
            await self.answer_error(writer, fault["status"], what)
            return True
        if fault and fault["drop"]:
            self.note(f"-> reset (injected) for {what}")
            reset(writer)
            return False
        return await self.forward(head, body, reader, writer, fault, what)

    async def answer_error(self, writer, status, what):
        code, message = ERROR_CODES.get(status, ERROR_CODES[500])
        doc = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
               f"<Message>{message}</Message></Error>").encode()
        if self.args.reply_file:
            doc = open(self.args.reply_file, "rb").read()
        writer.write(f"HTTP/1.1 {status} {code}\r\nContent-Type: application/xml\r\n"
                     f"Content-Length: {len(doc)}\r\n\r\n".encode() + doc)
        await writer.drain()
        self.note(f"-> {status} (injected) for {what}")

    async def answer_endless(self, reader, writer, what):
        status = self.args.status or 200
        writer.write(f"HTTP/1.1 {status} Endless\r\nContent-Type: application/xml\r\n"
                     "Connection: close\r\n\r\n".encode())
        if self.args.reply_file:
            writer.write(open(self.args.reply_file, "rb").read())
        self.note(f"-> {status} endless (injected) for {what}")
        filler, sent = b" " * 65536, 0
        try:
            while True:
                writer.write(filler)
                await writer.drain()
                sent += len(filler)
        except (ConnectionError, OSError):
            pass
        self.note(f"endless body ended by the client after {sent} bytes")

    async def answer_list(self, writer, target, what):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
        token = query.get("continuation-token", [""])[0]
        i = int(token[4:]) if token.startswith("tok-") else -1
        kind = self.args.list_tokens
        nxt = (i + 1) % int(kind[6:]) if kind.startswith("cycle:") else i + 1
        doc = ('<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult>'
               f"<Name>b</Name><Prefix></Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys>"
               f"<IsTruncated>true</IsTruncated><NextContinuationToken>tok-{nxt}"
               f"</NextContinuationToken><Contents><Key>page-{i + 1}</Key>"
               "<LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>&quot;x&quot;</ETag>"
               "<Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>"
               "</ListBucketResult>").encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
                     + f"Content-Length: {len(doc)}\r\n\r\n".encode() + doc)
        await writer.drain()
        self.note(f"-> 200 listing with token tok-{nxt} (injected) for {what}")

    async def forward(self, head, body, reader, writer, fault, what):
        """Sends the request upstream on a connection of its own and relays
        the answer; the client's connection is closed after it, so that the
        answer needs no parsing of its framing."""
        up_r, up_w = await asyncio.open_connection("127.0.0.1", self.args.upstream)
        up_w.write(head + body)
        await up_w.drain()
        resp_head = await up_r.readuntil(b"\r\n\r\n")
        if fault and fault["lost"]:
            # Done upstream, but the client never hears of it.
            await up_r.read()
            up_w.close()
            self.note(f"-> answer lost (injected) for {what}")
            reset(writer)
            return False
        lines = resp_head.decode("latin-1").split("\r\n")
        dropped = ("connection:", "keep-alive:")
        if fault and self.args.drop_header:
            dropped += (self.args.drop_header.lower() + ":",)
        kept = [l for l in lines[1:] if l and not l.lower().startswith(dropped)]
        writer.write(("\r\n".join([lines[0]] + kept + ["Connection: close", "", ""])).encode("latin-1"))
        self.note(f"-> {lines[0].split(' ')[1]} for {what}")
        limit = None
        if fault:
            limit = next((n for n in (fault["reset_after"], fault["close_after"],
                                      fault["stall_after"]) if n is not None), None)
        sent = 0
        while True:
            chunk = await up_r.read(65536)
            if not chunk:
                break
            if limit is not None and sent + len(chunk) >= limit:
                writer.write(chunk[: limit - sent])
                await writer.drain()
                up_w.close()
                if self.args.then_run:
                    proc = await asyncio.create_subprocess_shell(self.args.then_run)
                    await proc.wait()
                if fault["close_after"] is not None:
                    self.note(f"closed after {limit} bytes")
                elif fault["reset_after"] is not None:
                    self.note(f"reset after {limit} bytes")
                    # Lets the client read what was sent: a reset drops
                    # whatever is still unread in its buffers.
                    await asyncio.sleep(0.2)
                    reset(writer)
                else:
                    self.note(f"stall after {limit} bytes")
                    await reader.read()  # until the client hangs up
                return False
            writer.write(chunk)
            sent += len(chunk)
            await writer.drain()
        up_w.close()
        return False


def reset(writer):
    """Closes the client's connection with a TCP reset."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("upstream", type=int)
    p.add_argument("log")
    p.add_argument("--match")
    p.add_argument("--count", type=int, default=0)
    p.add_argument("--status", type=int)
    p.add_argument("--reset-after", type=int)
    p.add_argument("--stall-after", type=int)
    p.add_argument("--close-after", type=int)
    p.add_argument("--drop", action="store_true")
    p.add_argument("--then-run")
    p.add_argument("--reply-file")
    p.add_argument("--drop-header")
    p.add_argument("--endless", action="store_true")
    p.add_argument("--list-tokens")
    p.add_argument("--schedule", type=int)
    p.add_argument("--rate", type=float, default=0.3)
    args = p.parse_args()
    proxy = Proxy(args)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
