#!/usr/bin/env bash
# walfetch as PostgreSQL's restore_command calls it: 0 only with the file
# whole and verified at %p, 1 only when the archive does not hold it, and
# every failure above 125 with nothing created, so that recovery stops
# instead of promoting a database that silently lacks data.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/proxy.sh"
. "$TOP/tests/wal.sh"
need_s3
B=walfetchb
new_bucket $B || { done_testing; exit; }
A=s3://$B/wal

# The directory holds exactly the named files (nothing half-written).
holds() {	# NAME DIR FILE...
	local name=$1 dir=$2; shift 2
	check_eq "$name" "$*" "$(ls -A "$dir" | grep -v '^\.walfetch-spool$' | tr '\n' ' ' | sed 's/ $//')"
}

S=$T/src
mkdir -p "$S"
for i in 1 2 3 4 5; do
	wal_segment "$S/00000001000000000000000$i" $i
	walpush --look-ahead 0 "$S/00000001000000000000000$i" "$A" || not_ok "walpush segment $i"
done
S1=000000010000000000000001
W=$T/pg_wal
mkdir -p "$W"

# --- the file, whole
check_exit 0 "walfetch of an archived segment exits 0" \
	walfetch --prefetch 0 $S1 "$W/RECOVERYXLOG" "$A"
check_eq "... quietly" "" "$(cat "$T/err")"
check_cmp "... and %p holds the segment, byte for byte" "$S/$S1" "$W/RECOVERYXLOG"
holds "... and nothing else" "$W" RECOVERYXLOG
rm -f "$W/RECOVERYXLOG"

# A segment that gzip cannot shrink (random bytes, as full-page images of
# encrypted or compressed columns are): more than any S3 answer of a
# listing or an error document ever holds, but a segment all the same.
{ head -c 8192 "$S/$S1"; head -c $(((16 << 20) - 8192)) /dev/urandom; } >"$T/$S1"
walpush "$T/$S1" "s3://$B/random" || not_ok "walpush a random segment"
check_exit 0 "a segment that does not compress (16 MiB gzipped) is restored" \
	walfetch --prefetch 0 $S1 "$W/RECOVERYXLOG" "s3://$B/random"
check_cmp "... byte for byte" "$T/$S1" "$W/RECOVERYXLOG"
rm -f "$W/RECOVERYXLOG" "$T/$S1"

# --- not in the archive: 1, the normal end of recovery
check_exit 1 "a segment the archive does not hold exits 1" \
	walfetch 000000010000000000000042 "$W/RECOVERYXLOG" "$A"
check_eq "... quietly" "" "$(cat "$T/err")"
holds "... and creates nothing" "$W"
check_exit 1 "a .history file the archive does not hold (PostgreSQL's probe) exits 1" \
	walfetch 00000002.history "$W/RECOVERYHISTORY" "$A"
cp "$S/000000010000000000000005" "$T/000000010000000000000005.partial"
walpush "$T/000000010000000000000005.partial" "s3://$B/partial"
check_exit 1 "a segment archived only as .partial is not served for its name: exit 1" \
	walfetch --prefetch 0 000000010000000000000005 "$W/RECOVERYXLOG" "s3://$B/partial"
check_exit 0 "... the .partial itself is, by its own name" \
	walfetch 000000010000000000000005.partial "$W/RECOVERYXLOG" "s3://$B/partial"
rm -f "$W/RECOVERYXLOG"

# --- every failure: above 125, and nothing created
check_exit 131 "a wrong secret exits 131" \
	env R2_SECRET_ACCESS_KEY=wrong DRKIT_RETRIES=0 walfetch $S1 "$W/RECOVERYXLOG" "$A"
check_grep "... saying the credentials were refused" "^walfetch: .*credentials refused" "$T/err"
holds "... and creates nothing" "$W"
check_exit 133 "the service down (a closed port) exits 133" \
	env R2_ENDPOINT=http://127.0.0.1:$(free_port) DRKIT_RETRIES=1 walfetch $S1 "$W/RECOVERYXLOG" "$A"
holds "... and creates nothing" "$W"
check_exit 132 "a bucket that does not exist exits 132, not 1" \
	walfetch $S1 "$W/RECOVERYXLOG" s3://no-such-walbucket/wal
holds "... and creates nothing" "$W"

# Objects broken in the store, their recorded checksum kept.
put_broken() {	# KEY FILE SHA
	aws s3api put-object --bucket $B --key "$1" --body "$2" --metadata "sha256=$3" >/dev/null
}
gzip -1c "$S/$S1" >"$T/s1.gz"
size=$(stat -c %s "$T/s1.gz")
head -c $((size / 2)) "$T/s1.gz" >"$T/trunc.gz"
put_broken bad/$S1.gz "$T/trunc.gz" "$(sha "$S/$S1")"
check_exit 129 "a truncated object exits 129" walfetch $S1 "$W/RECOVERYXLOG" s3://$B/bad
check_grep "... saying where the gzip broke" "^walfetch: .*(unexpected end|truncated)" "$T/err"
holds "... and creates nothing" "$W"
python3 -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[len(d) // 2] ^= 0x55
open(sys.argv[2], "wb").write(d)' "$T/s1.gz" "$T/corrupt.gz"
put_broken bad/$S1.gz "$T/corrupt.gz" "$(sha "$S/$S1")"
check_exit 129 "a corrupted object exits 129" walfetch $S1 "$W/RECOVERYXLOG" s3://$B/bad
holds "... and creates nothing" "$W"
gzip -1c "$S/000000010000000000000002" >"$T/other.gz"
put_broken bad/$S1.gz "$T/other.gz" "$(sha "$S/$S1")"
check_exit 129 "a whole gzip whose bytes do not have the recorded SHA-256 exits 129" \
	walfetch $S1 "$W/RECOVERYXLOG" s3://$B/bad
check_grep "... naming the mismatch" "^walfetch: .*SHA-256 mismatch" "$T/err"
holds "... and creates nothing" "$W"
head -c $((8 << 20)) "$S/$S1" >"$T/short"
gzip -1c "$T/short" >"$T/short.gz"
put_broken bad/$S1.gz "$T/short.gz" "$(sha "$T/short")"
check_exit 129 "a segment stored short, with its checksum, exits 129 (size)" \
	walfetch $S1 "$W/RECOVERYXLOG" s3://$B/bad
check_grep "... naming the sizes" "^walfetch: .*8388608 bytes, not the 16777216" "$T/err"
holds "... and creates nothing" "$W"
# The file asked for is inflated as it arrives; a dropped connection
# resumes where it broke, and only from the same object.
proxy_start --match "GET /$B/wal/$S1.gz" --count 1 --close-after 100000
check_exit 0 "an answer cut off after 100000 bytes is resumed, exit 0" \
	via_proxy walfetch --prefetch 0 $S1 "$W/RECOVERYXLOG" "$A"
check_cmp "... %p holds the segment, byte for byte" "$S/$S1" "$W/RECOVERYXLOG"
check_grep "... the rest asked for from byte 100000" "^GET /$B/wal/$S1.gz range=bytes=100000-" "$PROXY_LOG"
rm -f "$W/RECOVERYXLOG"
gzip -1c "$S/000000010000000000000002" >"$T/s2.gz"
walpush "$S/$S1" "s3://$B/moving" || not_ok "walpush to moving/"
proxy_start --match "GET /$B/moving/$S1.gz" --count 1 --close-after 100000 \
	--then-run "aws s3api put-object --bucket $B --key moving/$S1.gz --body $T/s2.gz --metadata sha256=$(sha "$S/000000010000000000000002") >/dev/null"
check_exit 129 "an object replaced while it was read is not resumed into: exit 129" \
	via_proxy walfetch --prefetch 0 $S1 "$W/RECOVERYXLOG" "s3://$B/moving"
check_grep "... saying it changed" "^walfetch: .*changed while it was read" "$T/err"
holds "... and creates nothing" "$W"
proxy_stop
: >"$T/empty"
put_broken bad/$S1.gz "$T/empty" "$(sha "$S/$S1")"
check_exit 129 "an empty object exits 129" walfetch --prefetch 0 $S1 "$W/RECOVERYXLOG" s3://$B/bad
check_grep "... saying so" "^walfetch: .*empty object" "$T/err"
holds "... and creates nothing" "$W"
# SIGTERM while the answer stalls halfway: 143, and the temporary file
# the answer was being inflated into is gone.
proxy_start --match "GET /$B/wal/$S1.gz" --count 1 --stall-after 1000
R2_ENDPOINT=$PROXY DRKIT_STALL_TIMEOUT=300 walfetch --prefetch 0 $S1 "$W/RECOVERYXLOG" "$A" 2>"$T/err" &
pid=$!
for i in $(seq 1 600); do
	ls "$W" | grep -q 'walfetch-.*\.tmp$' && break
	sleep 0.05
done
check "... (the stalled answer is being written to a temporary file)" \
	sh -c "ls '$W' | grep -q 'walfetch-.*\.tmp\$'"
kill -TERM $pid
wait $pid
check_eq "SIGTERM during a download exits 143" 143 "$?"
holds "... and leaves nothing, not even the temporary file" "$W"
proxy_stop
check_exit 130 "a usage error exits 130, never 2 (PostgreSQL would read it as missing)" \
	walfetch --no-such-option $S1 "$W/RECOVERYXLOG" "$A"
check_exit 134 "a directory that cannot be written to exits 134" \
	walfetch $S1 "$T/no/such/dir/RECOVERYXLOG" "$A"

# --- prefetch: the next segments are fetched by a prefetcher that
# outlives the call, later calls are served from the spool

# spool_fill DIR N: waits until the prefetcher has N entries in DIR's
# spool (it works on after the call that started it has returned).
spool_fill() {
	local i
	for i in $(seq 1 600); do
		[ "$(ls "$1/.walfetch-spool" 2>/dev/null | grep -vc tmp)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
Q=$T/pf0/pg_wal
mkdir -p "$Q"
proxy_start --match "GET /$B/wal/000000010000000000000003.gz" --count 1 --stall-after 1000
check_exit 0 "a call returns with its segment in place while its prefetches are still on their way" \
	via_proxy env DRKIT_RETRIES=0 DRKIT_STALL_TIMEOUT=300 timeout 60 walfetch --prefetch 3 $S1 "$Q/RECOVERYXLOG" "$A"
check_cmp "... the segment asked for, whole" "$S/$S1" "$Q/RECOVERYXLOG"
check "... the prefetcher goes on: the next segments come into the spool after the call" \
	spool_fill "$Q" 2
check_eq "... but the one whose answer stalls, not yet" "" "$(ls "$Q/.walfetch-spool" | grep 00000003 | grep -v tmp)"
proxy_stop
check "... and the prefetcher leaves once its stalled answer fails" \
	flock "$Q/.walfetch-spool/.prefetch" true

P=$T/pf/pg_wal
mkdir -p "$P"
proxy_start
check_exit 0 "walfetch --prefetch 3 exits 0" \
	via_proxy walfetch --prefetch 3 $S1 "$P/RECOVERYXLOG" "$A"
check_cmp "... with the segment asked for in place" "$S/$S1" "$P/RECOVERYXLOG"
spool_fill "$P" 3
check_eq "... and the next three in pg_wal/.walfetch-spool, keyed by their SHA-256" \
	"000000010000000000000002.$(sha "$S/000000010000000000000002") 000000010000000000000003.$(sha "$S/000000010000000000000003") 000000010000000000000004.$(sha "$S/000000010000000000000004")" \
	"$(ls "$P/.walfetch-spool" | tr '\n' ' ' | sed 's/ $//')"
: >"$PROXY_LOG"
check_exit 0 "the next call is served from the spool" \
	via_proxy walfetch --prefetch 3 000000010000000000000002 "$P/RECOVERYXLOG" "$A"
check_cmp "... byte for byte" "$S/000000010000000000000002" "$P/RECOVERYXLOG"
check_eq "... without a request: the prefetcher at work checked it as it fetched it" \
	"" "$(grep -E '^(GET|HEAD) /'$B'/wal/000000010000000000000002' "$PROXY_LOG")"
# A spool entry whose bytes changed is refused and the object fetched again.
f=$(ls "$P/.walfetch-spool/"000000010000000000000003.*)
printf 'XXXX' | dd of="$f" bs=1 seek=100000 conv=notrunc 2>/dev/null
: >"$PROXY_LOG"
check_exit 0 "a tampered spool entry is refused, and the segment fetched again" \
	via_proxy walfetch --prefetch 3 000000010000000000000003 "$P/RECOVERYXLOG" "$A"
check_cmp "... %p holds the archived segment, not the tampered one" \
	"$S/000000010000000000000003" "$P/RECOVERYXLOG"
check_grep "... fetched with a GET" "^GET /$B/wal/000000010000000000000003.gz" "$PROXY_LOG"
check_grep "... and said so" "^walfetch: spool entry .* refused" "$T/err"
# The spool now holds segments 4 and 5 of $A. A call that reads another
# archive is served none of them unless a HEAD there says it is the same.
mkdir -p "$T/other"
wal_segment "$T/other/000000010000000000000004" 44
walpush "$T/other/000000010000000000000004" "s3://$B/other"
: >"$PROXY_LOG"
check_exit 0 "a call for another archive is not served the spool's entry of the same name" \
	via_proxy walfetch --prefetch 3 000000010000000000000004 "$P/RECOVERYXLOG" "s3://$B/other"
check_cmp "... %p holds that archive's segment" "$T/other/000000010000000000000004" "$P/RECOVERYXLOG"
check_grep "... after a HEAD there" "^HEAD /$B/other/000000010000000000000004.gz" "$PROXY_LOG"
# An entry left by a prefetcher that has gone (recovery stopped, started
# again) is served only after a HEAD; one of an object since replaced, never.
flock "$P/.walfetch-spool/.prefetch" true
check "... segment 5 of $A is still in the spool" ls "$P/.walfetch-spool/"000000010000000000000005.*
wal_segment "$T/000000010000000000000005" 55
aws s3 rm "$A/000000010000000000000005.gz" >/dev/null
walpush "$T/000000010000000000000005" "$A"
: >"$PROXY_LOG"
check_exit 0 "an entry left by a prefetcher that has gone, of an object since replaced, is not served" \
	via_proxy walfetch --prefetch 3 000000010000000000000005 "$P/RECOVERYXLOG" "$A"
check_cmp "... %p holds the object now in the archive" "$T/000000010000000000000005" "$P/RECOVERYXLOG"
check_grep "... the HEAD that found it replaced" "^HEAD /$B/wal/000000010000000000000005.gz" "$PROXY_LOG"
check_grep "... and the GET of the new one" "^GET /$B/wal/000000010000000000000005.gz" "$PROXY_LOG"
# At the archive's end: the prefetcher finds segment 6 missing and stays
# at work while segments 4 and 5 wait in the spool.
E=$T/end/pg_wal
mkdir -p "$E"
check_exit 0 "a call near the archive's end" \
	via_proxy walfetch --prefetch 3 000000010000000000000003 "$E/RECOVERYXLOG" "$A"
spool_fill "$E" 2
: >"$PROXY_LOG"
via_proxy walfetch --prefetch 3 000000010000000000000004 "$E/RECOVERYXLOG" "$A" &&
	cmp -s "$S/000000010000000000000004" "$E/RECOVERYXLOG" &&
	via_proxy walfetch --prefetch 3 000000010000000000000005 "$E/RECOVERYXLOG" "$A" &&
	cmp -s "$T/000000010000000000000005" "$E/RECOVERYXLOG"
check_eq "... the segments before the missing one are served, byte for byte" 0 "$?"
check_eq "... with no request at all: the prefetcher that found the gap was still at work" \
	"" "$(cat "$PROXY_LOG")"
flock "$E/.walfetch-spool/.prefetch" true
proxy_stop
check_exit 0 ".history files are fetched fresh, never spooled" \
	sh -c "printf '1\t0/3000000\tx\n' >'$T/00000002.history' &&
	walpush '$T/00000002.history' '$A' && walfetch --prefetch 3 00000002.history '$P/RECOVERYHISTORY' '$A'"
check_cmp "... the .history file in place" "$T/00000002.history" "$P/RECOVERYHISTORY"
check_eq "... and nothing of it in the spool" "" "$(ls "$P/.walfetch-spool" | grep history)"
n=$(ls "$P/.walfetch-spool" | wc -l)
check "the spool holds at most --prefetch entries" test "$n" -le 3

# --- a real cluster archives with walpush, in the postmaster's empty
# environment with a profile in the postgres user's HOME, and every
# segment comes back byte for byte through walfetch
need_own_pg
H=$T/pghome
C=$T/copies
mkdir -p "$H/.aws" "$C"
printf '[wal]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n' >"$H/.aws/credentials"
printf '[profile wal]\nendpoint_url = %s\n' "$R2_ENDPOINT" >"$H/.aws/config"
[ "$(id -u)" = 0 ] && chown postgres "$C"
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
q -c "ALTER SYSTEM SET archive_mode = on" \
  -c "ALTER SYSTEM SET archive_command = 'cp %p $C/%f && env -i HOME=$H $BIN/walpush --profile wal %p s3://$B/pg'"
pg_as_owner "$(pg_bindir)/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w restart >/dev/null
q -c "CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 50000) g"
for i in 1 2 3; do
	q -c "INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g" -c "SELECT pg_switch_wal()" >/dev/null
done
for i in $(seq 1 300); do
	[ "$(psql -XAt -c 'SELECT archived_count >= 3 FROM pg_stat_archiver')" = t ] && break
	sleep 0.2
done
check_eq "archive_command = 'walpush ...' archives the switched segments, none failed" "t 0" \
	"$(psql -XAt -F' ' -c 'SELECT archived_count >= 3, failed_count FROM pg_stat_archiver')"
R=$T/restored
mkdir -p "$R"
good=0 total=0
for f in $(ls "$C"); do
	total=$((total + 1))
	walfetch --prefetch 0 "$f" "$R/$f" "s3://$B/pg" && cmp -s "$C/$f" "$R/$f" && good=$((good + 1))
done
check "... at least three files" test "$total" -ge 3
check_eq "... and walfetch restores each byte for byte" "$total" "$good"

done_testing
