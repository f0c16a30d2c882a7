# Sourced by the WAL tests after lib.sh: WAL files as PostgreSQL writes them.
#   wal_segment FILE SEED [SIZE]  a segment of SIZE bytes (16 MiB) whose first
#                                 page has the long header stating 16 MiB;
#                                 SEED makes its bytes differ
#   sha FILE                      the SHA-256 of FILE, in hex

wal_segment() {
	python3 -c '
import random, struct, sys
path, seed = sys.argv[1], int(sys.argv[2])
size = int(sys.argv[3]) if len(sys.argv) > 3 else 16 << 20
rng = random.Random(seed)
head = struct.pack("<HHIQI4xQII", 0xD110, 0x0002, 1, 0, 0, 7, 16 << 20, 8192)
body = bytes(rng.getrandbits(8) for _ in range(4096)) * ((size - len(head)) // 4096 + 1)
open(path, "wb").write((head + body)[:size])' "$@"
}

sha() { sha256sum <"$1" | cut -d' ' -f1; }
