#!/usr/bin/env bash
# r2put streams a backup of any size in bounded memory: for 2 GiB, the
# peak stays under (jobs + 1) x part size + 32 MiB. Measured on the release
# build (ASan's shadow memory would hide what the program holds), by
# /usr/bin/time's peak resident set size. Memory only, never time.
. "$(dirname "$0")/lib.sh"
need_s3
B=memb
new_bucket $B || { done_testing; exit; }
R2PUT=${DRKIT_RELEASE_BIN:-$TOP/build/bin}/r2put
SIZE=$((2 * 1024 * 1024 * 1024))

# r2put's defaults: up to 8 parts in flight (as many as pay), of 8 MiB.
head -c $SIZE /dev/zero | /usr/bin/time -v "$R2PUT" "s3://$B/pg-2gib" 2>"$T/time"
rc=$?
check_eq "r2put of a 2 GiB stream exits 0" 0 "$rc"
peak=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$T/time")
limit=$(((8 + 1) * 8 * 1024 + 32 * 1024))
if [ -n "$peak" ] && [ "$peak" -lt "$limit" ]; then
	ok "... peak memory ${peak} KiB is under (8 + 1) x 8 MiB + 32 MiB = $limit KiB"
else
	not_ok "... peak memory is under (8 + 1) x 8 MiB + 32 MiB = $limit KiB" "peak: ${peak:-unknown} KiB" "$(head -5 "$T/time")"
fi
check_eq "... and the object holds 2 GiB" "$SIZE" \
	"$(r2ls --ndjson "s3://$B/pg-2gib" | python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["size"])')"

# The same bound with other settings: 2 jobs of 8 MiB parts.
head -c $((256 * 1024 * 1024)) /dev/zero |
	/usr/bin/time -v "$R2PUT" -j 2 --part-size 8M "s3://$B/pg-256mib" 2>"$T/time"
check_eq "r2put -j 2 --part-size 8M of 256 MiB exits 0" 0 $?
peak=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$T/time")
limit=$(((2 + 1) * 8 * 1024 + 32 * 1024))
if [ -n "$peak" ] && [ "$peak" -lt "$limit" ]; then
	ok "... peak memory ${peak} KiB is under (2 + 1) x 8 MiB + 32 MiB = $limit KiB"
else
	not_ok "... peak memory is under (2 + 1) x 8 MiB + 32 MiB = $limit KiB" "peak: ${peak:-unknown} KiB"
fi

# Spare the disk.
r2rm -q "s3://$B/pg-2gib" "s3://$B/pg-2gib.sha256" "s3://$B/pg-256mib" "s3://$B/pg-256mib.sha256"
check_eq "the objects are deleted afterwards" "" "$(r2ls --recursive "s3://$B/")"
aws s3 rb "s3://$B" >/dev/null
done_testing
