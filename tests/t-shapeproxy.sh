#!/usr/bin/env bash
# The bench's shaping proxy: what goes through it arrives exactly, and it
# does slow things down as it says, so that the bench's "far away" rows
# measure distance and not a proxy that forgot to delay. Only lower bounds
# on time: a busy machine can make a run slower, never faster.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/shape.sh"
need_s3
trap 'shape_stop; cleanup' EXIT
SHAPEPROXY=$TOOLS/shapeproxy
B=shape
new_bucket $B || { done_testing; exit; }
head -c $((4 << 20)) /dev/urandom >"$T/blob"
aws s3 cp --quiet "$T/blob" "s3://$B/blob" || not_ok "upload the object"
printf x | aws s3 cp --quiet - "s3://$B/tiny" || not_ok "upload the tiny object"

# secs CMD...: the seconds CMD took, stdout to $T/got.
secs() {
	local t0=$EPOCHREALTIME
	"$@" >"$T/got" || echo "failed: $*" >&2
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'
}
at_least() {	# at_least NAME MIN GOT
	if awk -v m="$2" -v g="$3" 'BEGIN { exit !(g + 0 >= m + 0) }'; then ok "$1 (${3}s)"
	else not_ok "$1" "took ${3}s, at least ${2}s expected"; fi
}

shape_start "$T" -d 0 -r 0 || { not_ok "start the proxy"; done_testing; exit; }
check "r2get through the proxy" env R2_ENDPOINT="$SHAPE" r2get -o "$T/via" "s3://$B/blob"
check_cmp "the bytes arrive exactly" "$T/blob" "$T/via"
check "r2put through the proxy" sh -c "R2_ENDPOINT=$SHAPE r2put -q s3://$B/up <$T/blob"
check "r2get of what went up" r2get -o "$T/up" "s3://$B/up"
check_cmp "the bytes go up exactly" "$T/blob" "$T/up"

# 100 ms each way: the handshake's round trip, then the request's.
shape_start "$T" -d 100 -r 0
at_least "a one-byte GET waits two round trips" 0.4 "$(secs curl -sf "$SHAPE/$B/tiny")"
check_eq "and gets its byte" x "$(cat "$T/got")"

# 8 MB/s: 4 MiB cannot come faster than in 0.52 s.
shape_start "$T" -d 0 -r 8
at_least "4 MiB at 8 MB/s takes half a second" 0.5 "$(secs curl -sf "$SHAPE/$B/blob")"
check_cmp "and arrives whole" "$T/blob" "$T/got"
shape_stop
done_testing
