#!/usr/bin/env bash
# make soak: r2get, r2put, r2ls, r2rm, sha256sum-r2 --remote, walpush and
# walfetch through the fault proxy, each run under a seeded schedule of
# resets, stalls, 5xx, 429, truncated bodies and lost answers
# (tests/faultproxy.py --schedule). Every run is judged as an operator would
# judge it afterwards:
#   survived        exit 0 and the result is right
#   failed honestly exit non-zero, and nothing wrong was left behind
#   lied            exit 0 and the result is wrong; for walfetch also a
#                   status of 1 to 125 (PostgreSQL's "not in the archive")
#                   for an object that is there (must be 0)
#   partial left    a failed run left a partial file or object, a different
#                   object, or a multipart upload it did not try to abort
#                   (must be 0)
# usage: tests/soak.sh [SCHEDULES [FIRST_SEED]]   (default 1000, seed 1)
# SOAK_PROGS="walpush walfetch" soaks only the programs it names.
# A schedule that lied is printed with its seed: replay it with
#   tests/soak.sh 1 SEED
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/proxy.sh"
. "$TOP/tests/wal.sh"
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
# WAL: a segment for walpush to store, another of the same name that it
# must never store over, and three archived for walfetch to restore.
SEG=000000010000000000000001
mkdir "$T/wal" "$T/wal2" "$T/arch" || exit 1
wal_segment "$T/wal/$SEG" 1 && wal_segment "$T/wal2/$SEG" 2 || exit 1
for n in 1 2 3; do
	wal_segment "$T/arch/00000001000000000000000$n" $((10 + n)) || exit 1
	direct walpush -q --look-ahead 0 "$T/arch/00000001000000000000000$n" "s3://$B/walf" || exit 1
done

# Stalls are given up on after a second, so that a schedule costs seconds.
export DRKIT_STALL_TIMEOUT=1 DRKIT_RETRIES=${DRKIT_RETRIES:-4}
declare -A runs survived honest lied partial
PROGS=${SOAK_PROGS:-r2get r2put r2ls r2rm sha256sum-r2 walpush walfetch}
for p in $PROGS; do runs[$p]=0 survived[$p]=0 honest[$p]=0 lied[$p]=0 partial[$p]=0; done

# judge PROG SEED RC RIGHT LEFT [LIE]: RIGHT 1 when the result is right,
# LEFT 1 when a failure left something behind, LIE 1 when the exit status
# itself is false whatever the result.
judge() {
	local p=$1 seed=$2 rc=$3 right=$4 left=$5 lie=${6:-0}
	runs[$p]=$((runs[$p] + 1))
	if [ "$lie" = 1 ] || { [ "$rc" = 0 ] && [ "$right" = 0 ]; }; then
		lied[$p]=$((lied[$p] + 1)); echo "soak: $p lied under schedule $SEED0..: seed $seed (exit $rc)" >&2
	elif [ "$rc" = 0 ]; then survived[$p]=$((survived[$p] + 1))
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

# walpush, as archive_command: by the seed, the name is new, already holds
# this segment (PostgreSQL archiving again after a crash), or holds another
# one. Exit 0 only when the object is this segment, by its bytes and its
# recorded SHA-256; another segment stored there is never replaced.
soak_walpush() {
	local dest=s3://$B/wp-$1 obj=s3://$B/wp-$1/$SEG.gz case=$(($1 % 3)) rc right=0 left=0 got=0
	case $case in
	1) direct walpush -q --look-ahead 0 "$T/wal/$SEG" "$dest" || return;;
	2) direct walpush -q --look-ahead 0 "$T/wal2/$SEG" "$dest" || return;;
	esac
	via_proxy walpush -q --look-ahead 0 "$T/wal/$SEG" "$dest" 2>/dev/null; rc=$?
	direct r2get -q "$obj" 2>/dev/null | gzip -dc >"$T/wp.got" 2>/dev/null && got=1
	if [ "$case" = 2 ]; then
		# Exit 0 would be a lie; what is stored must still be the other.
		cmp -s "$T/wal2/$SEG" "$T/wp.got" || left=1
	elif [ "$got" = 1 ] && cmp -s "$T/wal/$SEG" "$T/wp.got" &&
		direct sha256sum-r2 --verify "$obj" <"$T/wp.got" >/dev/null 2>&1; then
		right=1
	elif [ "$got" = 1 ]; then
		left=1
	fi
	judge walpush "$1" "$rc" "$right" "$left"
	rm -rf "$S3_DATA/$B/wp-$1"
}

# walfetch, as restore_command into pg_wal/RECOVERYXLOG, with two segments
# prefetched into the spool and the next one served from it; every fourth
# name is not in the archive. Exit 0 only with the exact file in place, 1
# only for the missing name, above 125 otherwise; no temporary file, no
# file at PATH after a failure, no spool entry but a verified one.
soak_walfetch() {
	local d=$T/pg_wal name=$SEG want=$T/arch/$SEG rc rc2=0 right=0 left=0 lie=0 f n
	rm -rf "$d"; mkdir "$d"
	[ $(($1 % 4)) = 0 ] && name=000000010000000000000009
	via_proxy walfetch -q --prefetch 2 "$name" "$d/RECOVERYXLOG" "s3://$B/walf" 2>/dev/null; rc=$?
	if [ "$name" != "$SEG" ]; then
		# Here exit 1 is the right answer, 0 a lie.
		[ "$rc" = 0 ] || [ "$rc" -gt 125 ] || [ "$rc" = 1 ] || lie=1
		[ "$rc" = 0 ] && lie=1
		[ "$rc" = 1 ] && [ ! -e "$d/RECOVERYXLOG" ] && right=1 rc=0
	else
		[ "$rc" -ge 1 ] && [ "$rc" -le 125 ] && lie=1
		cmp -s "$want" "$d/RECOVERYXLOG" && right=1
		if [ "$rc" = 0 ] && [ "$right" = 1 ]; then
			# The next segment, from the spool or fetched again.
			rm -f "$d/RECOVERYXLOG"
			via_proxy walfetch -q --prefetch 2 000000010000000000000002 "$d/RECOVERYXLOG" \
				"s3://$B/walf" 2>/dev/null; rc2=$?
			[ "$rc2" -ge 1 ] && [ "$rc2" -le 125 ] && lie=1
			want=$T/arch/000000010000000000000002
			cmp -s "$want" "$d/RECOVERYXLOG" || right=0
			[ "$rc2" = 0 ] || rc=$rc2
		fi
	fi
	[ "$rc" != 0 ] && [ -e "$d/RECOVERYXLOG" ] && left=1
	# The prefetcher outlives the call and may still be writing its own
	# temporary file in the spool: only entries there are judged.
	[ -n "$(find "$d" -path "$d/.walfetch-spool" -prune -o -name '*.tmp' -print)" ] && left=1
	for f in "$d"/.walfetch-spool/*; do
		[ -e "$f" ] || continue
		n=${f##*/}; n=${n%%.*}
		cmp -s "$f" "$T/arch/$n" 2>/dev/null || left=1
	done
	judge walfetch "$1" "$rc" "$right" "$left" "$lie"
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
