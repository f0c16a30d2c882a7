#!/usr/bin/env bash
# What r2get asks the service, counted by the recording proxy: no HEAD
# before the first GET. The first GET is a range whose answer also tells
# the size and the ETag, so an object smaller than one range is one
# request, and a larger one is its ranges and nothing more (with one range
# in flight, the first range and the rest); the later
# ranges are pinned to that ETag, so a replaced object is never spliced.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/proxy.sh"
need_s3
B=r2get-requests
new_bucket $B || { done_testing; exit; }
MiB=$((1024 * 1024))
requests() { grep -cE '^[A-Z]+ /' "$PROXY_LOG"; }

# --- a small object: one GET
head -c 100 /dev/urandom >"$T/small"
r2put -q "s3://$B/small" <"$T/small"
proxy_start
check_exit 0 "r2get of a 100-byte object" via_proxy r2get "s3://$B/small"
check_cmp "... writes its bytes" "$T/small" "$T/out"
check_eq "... in one request" 1 "$(requests)"
check_grep "... a GET of the first range" "^GET /$B/small range=bytes=0-4194303 " "$PROXY_LOG"

# --- an answer that carries more than was asked is the first range, whole
proxy_start
check_exit 0 "r2get --chunk-size 1 of a 100-byte object" via_proxy r2get --chunk-size 1 "s3://$B/small"
check_cmp "... writes its bytes" "$T/small" "$T/out"
check_eq "... in one request, though the range asked for one byte" 1 "$(requests)"

# --- an empty object: one GET, nothing written
r2put -q --allow-empty "s3://$B/empty" </dev/null
proxy_start
check_exit 0 "r2get of an empty object" via_proxy r2get "s3://$B/empty"
check_eq "... writes nothing" 0 "$(stat -c %s "$T/out")"
check_eq "... in one request" 1 "$(requests)"

# --- three ranges: three GETs, no HEAD
head -c $((5 * MiB / 2)) /dev/urandom >"$T/three"
r2put -q "s3://$B/three" <"$T/three"
proxy_start
check_exit 0 "r2get --chunk-size 1M of a 2.5 MiB object" \
	via_proxy r2get --chunk-size 1M "s3://$B/three"
check_cmp "... writes its bytes" "$T/three" "$T/out"
check_eq "... in 3 requests" 3 "$(requests)"
check_eq "... all of them ranged GETs" 3 "$(grep -c "^GET /$B/three range=bytes=" "$PROXY_LOG")"
check_eq "... none a HEAD" 0 "$(grep -c '^HEAD ' "$PROXY_LOG")"
for r in 0-1048575 1048576-2097151 2097152-2621439; do
	check_grep "... one of them bytes=$r" "^GET /$B/three range=bytes=$r " "$PROXY_LOG"
done
check_exit 0 "-o FILE of the same, the ranges in parallel" \
	via_proxy r2get -j 3 --chunk-size 1M -o "$T/three.got" "s3://$B/three"
check_cmp "... writes its bytes in order" "$T/three" "$T/three.got"

# --- one range in flight: the one due is never held, so after the first
# it is all the rest, as one plain stream
proxy_start
check_exit 0 "r2get -j 1 --chunk-size 1M of a 2.5 MiB object" \
	via_proxy r2get -j 1 --chunk-size 1M "s3://$B/three"
check_cmp "... writes its bytes" "$T/three" "$T/out"
check_eq "... in 2 requests" 2 "$(requests)"
check_grep "... the first range, then the rest" "^GET /$B/three range=bytes=1048576-2621439 " \
	"$PROXY_LOG"

# --- replaced after the first range: the later ones are pinned to its ETag
head -c $((5 * MiB / 2)) /dev/urandom >"$T/v2"
proxy_start --match "^GET /$B/three range=bytes=1048576-" --count 1 --reset-after 1000 \
	--then-run "r2put -q s3://$B/three <'$T/v2'"
check_exit 1 "r2get of an object replaced after its first range exits 1" \
	via_proxy r2get -j 1 --chunk-size 1M -o "$T/spliced" "s3://$B/three"
check_grep "... saying it changed while it was read" \
	"^r2get: s3://$B/three changed while it was read" "$T/err"
check "... and writes no file" test ! -e "$T/spliced"

# --- a missing key: one request, exit 4, the message of before
proxy_start
check_exit 4 "r2get of a missing key exits 4" via_proxy r2get "s3://$B/no/such/key"
check_eq "... saying it is not found" "r2get: s3://$B/no/such/key: not found (HTTP 404)" \
	"$(cat "$T/err")"
check_eq "... after one request" 1 "$(requests)"
proxy_stop
done_testing
