#!/usr/bin/env bash
# r2get's defaults find the ranges in flight that a path needs. Through the
# shaping proxy, which caps each connection, more connections move more:
# the default climbs to what its 48 MiB of ranges allow, and a larger
# --chunk-size allows fewer. A -j given is never changed. Whatever the
# width, the bytes come in order. No time limit: a busy machine slows every
# width alike, and a capped connection keeps one range far below several.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/shape.sh"
need_s3
trap 'shape_stop; cleanup' EXIT
SHAPEPROXY=$TOOLS/shapeproxy
B=r2get-ramp
new_bucket $B || { done_testing; exit; }
head -c $((48 << 20)) /dev/urandom >"$T/blob"
r2put -q "s3://$B/blob" <"$T/blob" || not_ok "upload the object"
widths() { sed -n 's/^r2get: ranges in flight: \([0-9]*\).*/\1/p' "$T/err" | tr '\n' ' '; }

# 10 MB/s a connection, 5 ms each way.
shape_start "$T" -d 5 -r 10 || { not_ok "start the proxy"; done_testing; exit; }
check_exit 0 "r2get -v through a path that caps each connection" \
	env R2_ENDPOINT="$SHAPE" r2get -v -o "$T/got" "s3://$B/blob"
check_cmp "... writes the object's bytes" "$T/blob" "$T/got"
check_grep "... measures one range alone first" '^r2get: one range alone moved [0-9]+ MB/s$' "$T/err"
check_grep "... climbs to the 12 ranges of 4 MiB that 48 MiB allow" \
	'^r2get: ranges in flight: 12( |,|$)' "$T/err"
check_eq "... four times 4, at once, as 4 moved nearly 4 times what one did" \
	"12" "$(widths | cut -d' ' -f1)"

check_exit 0 "r2get -v --chunk-size 8M through the same path" \
	env R2_ENDPOINT="$SHAPE" r2get -v --chunk-size 8M -o "$T/got" "s3://$B/blob"
check_cmp "... writes the object's bytes" "$T/blob" "$T/got"
check_eq "... climbs to 6 ranges of 8 MiB, and never more" \
	"6" "$(widths | tr ' ' '\n' | sort -n | tail -1)"

check_exit 0 "r2get -v -j 2 through the same path" \
	env R2_ENDPOINT="$SHAPE" r2get -v -j 2 -o "$T/got" "s3://$B/blob"
check_cmp "... writes the object's bytes" "$T/blob" "$T/got"
check_eq "... keeps the 2 it was given" "" "$(widths)"
check_eq "... and measures nothing" "0" "$(grep -c 'one range alone' "$T/err")"
shape_stop
done_testing
