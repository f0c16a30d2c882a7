#!/usr/bin/env bash
# make soak: r2get, r2put, r2ls, r2rm and sha256sum-r2 --remote through the
# fault proxy, each run under a seeded schedule of resets, stalls, 5xx, 429,
# truncated bodies and lost answers (tests/faultproxy.py --schedule). Every
# run is judged as an operator would judge it afterwards:
#   survived        exit 0 and the result is right
#   failed honestly exit non-zero, and nothing wrong was left behind
#   lied            exit 0 and the result is wrong (must be 0)
#   partial left    a failed run left a partial file or object, or a
#                   multipart upload it did not try to abort (must be 0)
# usage: tests/soak.sh [SCHEDULES [FIRST_SEED]]   (default 1000, seed 1)
# A schedule that lied is printed with its seed: replay it with
#   tests/soak.sh 1 SEED
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/proxy.sh"
need_s3

SCHEDULES=${1:-${SOAK_SCHEDULES:-1000}}
SEED0=${2:-${SOAK_SEED:-1}}
RATE=${SOAK_RATE:-0.3}
B=soak
new_bucket "$B" || exit 1

head -c 3000000 /dev/urandom >"$T/big"
head -c 7000000 /dev/urandom >"$T/put"
printf 'a small object\n' >"$T/small"
direct() { R2_ENDPOINT=http://127.0.0.1:$S3_PORT "$@"; }
direct r2put -q "s3://$B/big" <"$T/big" || exit 1
direct r2put -q "s3://$B/sum" <"$T/small" || exit 1
printf '%s\0' $(seq -f 'list/k%05g' 1 1100) | seed_keys "$B" 10
direct r2ls --recursive "s3://$B/list/" >"$T/list.want" || exit 1
direct sha256sum-r2 --remote "s3://$B/sum" >"$T/sum.want" || exit 1

# Stalls are given up on after a second, so that a schedule costs seconds.
export DRKIT_STALL_TIMEOUT=1 DRKIT_RETRIES=${DRKIT_RETRIES:-4}
declare -A runs survived honest lied partial
PROGS="r2get r2put r2ls r2rm sha256sum-r2"
for p in $PROGS; do runs[$p]=0 survived[$p]=0 honest[$p]=0 lied[$p]=0 partial[$p]=0; done

# judge PROG SEED RC RIGHT LEFT: RIGHT 1 when the result is right, LEFT 1
# when a failure left something behind.
judge() {
	local p=$1 seed=$2 rc=$3 right=$4 left=$5
	runs[$p]=$((runs[$p] + 1))
	if [ "$rc" = 0 ] && [ "$right" = 1 ]; then survived[$p]=$((survived[$p] + 1))
	elif [ "$rc" = 0 ]; then lied[$p]=$((lied[$p] + 1)); echo "soak: $p lied under schedule $SEED0..: seed $seed" >&2
	elif [ "$left" = 1 ]; then partial[$p]=$((partial[$p] + 1)); echo "soak: $p left a partial result: seed $seed (exit $rc)" >&2
	else honest[$p]=$((honest[$p] + 1)); fi
}

soak_r2get() {
	rm -rf "$T/dl"; mkdir "$T/dl"
	via_proxy r2get -q -o "$T/dl/big" "s3://$B/big" 2>/dev/null; local rc=$? right=0 left=0
	cmp -s "$T/big" "$T/dl/big" && right=1
	[ "$rc" != 0 ] && [ -n "$(ls -A "$T/dl")" ] && left=1
	judge r2get "$1" "$rc" "$right" "$left"
}

soak_r2put() {
	local key=put-$1 rc right=0 left=0
	via_proxy r2put -q --part-size 5M "s3://$B/$key" <"$T/put" 2>/dev/null; rc=$?
	direct r2get -q "s3://$B/$key" >"$T/put.got" 2>/dev/null
	local got=$?
	[ "$got" = 0 ] && cmp -s "$T/put" "$T/put.got" && right=1
	# A failure may leave the whole object (its answer was lost), never
	# another one; and every multipart upload it began it tried to abort.
	[ "$rc" != 0 ] && [ "$got" = 0 ] && [ "$right" = 0 ] && left=1
	local began aborted done
	began=$(grep -c "^-> 200 for POST /$B/$key?uploads" "$PROXY_LOG")
	done=$(grep -c "^-> 200 for POST /$B/$key?uploadId" "$PROXY_LOG")
	aborted=$(grep -c "^DELETE /$B/$key?uploadId" "$PROXY_LOG")
	[ "$rc" != 0 ] && [ "$began" -gt $((done + aborted)) ] && left=1
	judge r2put "$1" "$rc" "$right" "$left"
	rm -rf "$S3_DATA/$B/$key"* "$S3_DATA/$B/$key.sha256"*
}

# A page of a thousand keys takes the test server longer than a second.
soak_r2ls() {
	DRKIT_STALL_TIMEOUT=4 via_proxy r2ls --recursive "s3://$B/list/" >"$T/list.got" 2>/dev/null; local rc=$? right=0
	cmp -s "$T/list.want" "$T/list.got" && right=1
	judge r2ls "$1" "$rc" "$right" 0
}

soak_r2rm() {
	local i keys=()
	for i in 1 2 3 4 5; do keys+=("s3://$B/rm-$1-$i"); done
	printf '%s\0' "${keys[@]#s3://$B/}" | seed_keys "$B" 10
	via_proxy r2rm -q "${keys[@]}" >/dev/null 2>&1; local rc=$? right=1
	for i in 1 2 3 4 5; do [ -e "$S3_DATA/$B/rm-$1-$i._S3rver_object" ] && right=0; done
	judge r2rm "$1" "$rc" "$right" 0
	rm -f "$S3_DATA/$B/rm-$1-"*
}

soak_sha256sum_r2() {
	via_proxy sha256sum-r2 --remote "s3://$B/sum" >"$T/sum.got" 2>/dev/null; local rc=$? right=0
	cmp -s "$T/sum.want" "$T/sum.got" && right=1
	judge sha256sum-r2 "$1" "$rc" "$right" 0
}

table() {
	local p
	printf '| program | schedules | survived | failed honestly | lied | partial left |\n'
	printf '|---|---|---|---|---|---|\n'
	for p in $PROGS; do
		printf '| %s | %d | %d | %d | %d | %d |\n' "$p" "${runs[$p]}" "${survived[$p]}" \
			"${honest[$p]}" "${lied[$p]}" "${partial[$p]}"
	done
}

set -- $PROGS
for ((i = 0; i < SCHEDULES; i++)); do
	seed=$((SEED0 + i))
	p=$(eval echo "\${$((i % $# + 1))}")
	proxy_start --schedule "$seed" --rate "$RATE"
	"soak_${p//-/_}" "$seed"
	proxy_stop
	# So far, for a long run watched from another terminal.
	[ $(( (i + 1) % 100 )) = 0 ] && table >&2
done

table
bad=0
for p in $PROGS; do bad=$((bad + lied[$p] + partial[$p])); done
if [ "$bad" = 0 ]; then ok "soak: $SCHEDULES schedules from seed $SEED0, none lied or left a partial result"
else not_ok "soak: $bad schedules lied or left a partial result"; fi
done_testing
