#!/usr/bin/env python3
# Writes a plain pg_dump-shaped script of about MB megabytes (argv[1]) to
# stdout: one table, its COPY data, the trailer. For the memory test of
# pgrestore-stream: generated on the fly, never stored.
import sys

mb = int(sys.argv[1])
out = sys.stdout.buffer
out.write(b"--\n-- PostgreSQL database dump\n--\n\nSET standard_conforming_strings = on;\n"
          b"CREATE TABLE public.big (id bigint, payload text);\n\n"
          b"COPY public.big (id, payload) FROM stdin;\n")
payload = b"x\\\\y;z\\t" * 12          # escapes and semicolons in every row
rows_per_block = 10000
block_no = 0
written = 0
while written < mb * 1024 * 1024:
    base = block_no * rows_per_block
    block = b"".join(b"%d\t%s\n" % (base + i, payload) for i in range(rows_per_block))
    out.write(block)
    written += len(block)
    block_no += 1
out.write(b"\\.\n\n\n--\n-- PostgreSQL database dump complete\n--\n\n")
sys.stderr.write("%d\n" % (block_no * rows_per_block))
