#!/usr/bin/env bash
# Point-in-time recovery, Scenario 3 of the runbook, on a real cluster:
# WAL archived by walpush, a base backup streamed with the existing
# filters, rows written, the time noted, more rows and an accidental DROP
# TABLE; a new data directory recovered with walfetch to the noted time
# has the first rows, not the later ones, and the dropped table. The new
# timeline never archives over the old one's files: with a new prefix (as
# drkit(7) says) the old prefix stays exactly as it was, and with the old
# prefix left in archive_command its files get new names and walpush refuses
# a different file under a taken one. A recovery whose archive holds a
# corrupted segment stops instead of promoting.
. "$(dirname "$0")/lib.sh"
need_s3
B=pitrb
new_bucket $B || { done_testing; exit; }
need_own_pg
PGBIN=$(pg_bindir)
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# The postmaster's environment has no R2_* variables: a profile in the
# postgres user's HOME, read with env -i.
H=$T/pghome
mkdir -p "$H/.aws"
printf '[wal]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
	"$R2_ACCESS_KEY_ID" "$R2_SECRET_ACCESS_KEY" >"$H/.aws/credentials"
printf '[profile wal]\nendpoint_url = %s\n' "$R2_ENDPOINT" >"$H/.aws/config"
ENV="env -i HOME=$H"

q -c "ALTER SYSTEM SET archive_mode = on" \
  -c "ALTER SYSTEM SET archive_command = '$ENV $BIN/walpush --profile wal %p s3://$B/wal'"
pg_as_owner "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w restart >/dev/null
q -c "CREATE TABLE victim AS SELECT g AS id FROM generate_series(1, 10) g"

# --- the base backup, with the filters of the runbook
set -o pipefail
check "pg_basebackup -Ft -X fetch | gzip | r2put --verify gzip" sh -c \
	"pg_basebackup -D - -Ft -X fetch -c fast | gzip | r2put -q --verify gzip s3://$B/base/base.tar.gz"
set +o pipefail

# --- the day's writes, the moment to return to, and the accident
q -c "CREATE TABLE orders AS SELECT g AS id, 'early' AS note FROM generate_series(1, 1000) g"
sleep 1
# The time and its segment in one query, so that no write falls between.
IFS='|' read -r target target_wal < <(psql -XAt -c "SELECT now(), pg_walfile_name(pg_current_wal_lsn())")
sleep 1
q -c "INSERT INTO orders SELECT g, 'late' FROM generate_series(1001, 1500) g"
q -c "DROP TABLE victim"
q -c "SELECT pg_switch_wal()" >/dev/null
want=$(psql -XAt -c "SELECT pg_walfile_name(pg_current_wal_lsn() - 1)")
for i in $(seq 1 300); do
	[ "$(psql -XAt -c "SELECT last_archived_wal >= '$want' FROM pg_stat_archiver")" = t ] && break
	sleep 0.2
done
check_eq "the segment of the accident is archived, no archive_command failed" "t 0" \
	"$(psql -XAt -F' ' -c "SELECT last_archived_wal >= '$want', failed_count FROM pg_stat_archiver")"

# The old cluster stops, so that nothing but the recovered ones could touch
# its archive from here on.
pg_as_owner "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null

# objects PREFIX: every object under PREFIX, one line each: its listing
# (time, size, key) and the SHA-256 of its bytes.
objects() {
	r2ls -r "s3://$B/$1/" | while read -r day time size key; do
		echo "$day $time $size $key $(r2get "s3://$B/$key" | sha256sum | cut -d' ' -f1)"
	done
}
objects wal >"$T/tl1"
check_grep "timeline 1's archive holds the segment of the noted time" " wal/$target_wal.gz " "$T/tl1"

# recover DIR PREFIX [ARCHIVE]: a new data directory from the base backup,
# recovering to the noted time with walfetch from PREFIX, and archiving its
# new timeline with walpush to ARCHIVE (none without); starts it on its own
# port
recover() {
	local dir=$1 prefix=$2 archive=${3:-}
	local archiving="archive_mode = off"
	[ -n "$archive" ] && archiving="archive_command = '$ENV $BIN/walpush --profile wal %p s3://$B/$archive'"
	mkdir -p "$dir/data"
	r2get s3://$B/base/base.tar.gz | sha256sum-r2 --verify s3://$B/base/base.tar.gz |
		gzverify -d | tar -x -C "$dir/data" || return 1
	cat >>"$dir/data/postgresql.auto.conf" <<-CONF
	$archiving
	restore_command = '$ENV $BIN/walfetch --profile wal %f %p s3://$B/$prefix'
	recovery_target_time = '$target'
	recovery_target_action = 'promote'
	CONF
	touch "$dir/data/recovery.signal"
	mkdir -p "$dir/sock"
	chmod 700 "$dir/data"
	[ "$(id -u)" = 0 ] && chown -R postgres "$dir"
	RPORT=$(free_port)
	pg_as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 120 \
		-o "-p $RPORT -k $dir/sock -c listen_addresses='' -c max_locks_per_transaction=512 -c fsync=off" start >/dev/null 2>&1
}
rq() { psql -X -At -h "$1/sock" -p "$RPORT" -d postgres -c "$2" 2>&1; }

# promoted DIR: waits until the cluster in DIR has ended its recovery.
promoted() {
	for i in $(seq 1 300); do
		[ "$(rq "$1" 'SELECT pg_is_in_recovery()')" = f ] && break
		sleep 0.2
	done
}

# switched DIR: the cluster in DIR ends its WAL segment; waits until it is
# archived, and prints its name.
switched() {
	local seg
	rq "$1" "SELECT pg_switch_wal()" >/dev/null
	seg=$(rq "$1" "SELECT pg_walfile_name(pg_current_wal_lsn() - 1)")
	for i in $(seq 1 300); do
		[ "$(rq "$1" "SELECT last_archived_wal >= '$seg' FROM pg_stat_archiver")" = t ] && break
		sleep 0.2
	done
	echo "$seg"
}

R=$T/rec
check "a new data directory recovers from the base backup and the archive" recover "$R" wal wal-after
promoted "$R"
check_eq "... and is promoted at the noted time" f "$(rq "$R" 'SELECT pg_is_in_recovery()')"
check_eq "... the rows written before it are there" 1000 \
	"$(rq "$R" "SELECT count(*) FROM orders WHERE note = 'early'")"
check_eq "... the rows written after it are not" 0 \
	"$(rq "$R" "SELECT count(*) FROM orders WHERE note = 'late'")"
check_eq "... and the dropped table exists, whole" 10 "$(rq "$R" 'SELECT count(*) FROM victim')"
check_grep "... recovery stopped at the target, not at the end of the archive" \
	"recovery stopping before commit" "$R/log"

# --- the new timeline, archived to a new prefix as drkit(7) says
seg=$(switched "$R")
check_eq "the recovered cluster writes timeline 2" 00000002 "${seg:0:8}"
check_eq "... archives it without a failure" "t 0" \
	"$(rq "$R" "SELECT last_archived_wal >= '$seg', failed_count FROM pg_stat_archiver" | tr '|' ' ')"
r2ls -r "s3://$B/wal-after/" >"$T/after"
check_grep "... to the new prefix: 00000002.history" " wal-after/00000002\.history\.gz\$" "$T/after"
check_grep "... and timeline 2's segments" " wal-after/00000002[0-9A-F]{16}\.gz\$" "$T/after"
objects wal >"$T/tl1.after"
check_cmp "the old prefix: every object as it was, listing and SHA-256" "$T/tl1" "$T/tl1.after"
pg_as_owner "$PGBIN/pg_ctl" -D "$R/data" -m immediate stop >/dev/null 2>&1

# --- the same archive with the segment of the noted time corrupted (its
# recorded checksum kept): recovery must stop, never promote
aws s3 cp --recursive --quiet "s3://$B/wal/" "s3://$B/bad/"
r2get "s3://$B/wal/$target_wal.gz" >"$T/seg.gz"
sum=$(gzip -dc <"$T/seg.gz" | sha256sum | cut -d' ' -f1)
# A flipped byte in a run of zeros can decode to the same zeros (a copy
# from distance 2 instead of 1): flip from the middle on until the segment
# no longer decodes to what was archived, so that the archive truly lies.
python3 -c '
import hashlib, sys, zlib
d = bytes(open(sys.argv[1], "rb").read())
for i in range(len(d) // 2, len(d) - 8):
	b = bytearray(d); b[i] ^= 0x55
	try:
		out = zlib.decompress(bytes(b), 31)
	except zlib.error:
		break
	if hashlib.sha256(out).hexdigest() != sys.argv[2]:
		break
open(sys.argv[1], "wb").write(b)' "$T/seg.gz" "$sum"
aws s3api put-object --bucket $B --key "bad/$target_wal.gz" --body "$T/seg.gz" \
	--metadata "sha256=$sum" >/dev/null
r2get "s3://$B/bad/$target_wal.gz" >"$T/seg.stored"
check_cmp "the corrupted segment is in the archive under its name" "$T/seg.gz" "$T/seg.stored"
X=$T/rec-bad
recover "$X" bad
for i in $(seq 1 300); do
	pg_as_owner "$PGBIN/pg_ctl" -D "$X/data" status >/dev/null 2>&1 || break
	sleep 0.2
done
check_grep "a corrupted segment: walfetch says so in PostgreSQL's log" \
	"walfetch: .*$target_wal.gz" "$X/log"
check_grep "... PostgreSQL reads its status as fatal" "exit code 129" "$X/log"
pg_as_owner "$PGBIN/pg_ctl" -D "$X/data" status >/dev/null 2>&1
check_eq "... and the server is not running (pg_ctl status 3)" 3 "$?"
check_eq "... it never promoted" "" "$(grep -E 'selected new timeline|database system is ready to accept connections' "$X/log")"
pg_as_owner "$PGBIN/pg_ctl" -D "$X/data" -m immediate stop >/dev/null 2>&1

# --- an operator who leaves the old prefix in archive_command: timeline 2's
# files have names of their own, and walpush refuses a different file under
# a name timeline 1 took
S=$T/rec-same
check "a recovery whose archive_command is left on the old prefix" recover "$S" wal wal
promoted "$S"
check_eq "... is promoted" f "$(rq "$S" 'SELECT pg_is_in_recovery()')"
seg=$(switched "$S")
check_eq "... and archives timeline 2 without a failure" "00000002 0" \
	"${seg:0:8} $(rq "$S" 'SELECT failed_count FROM pg_stat_archiver')"
objects wal >"$T/same"
check_eq "... every object of timeline 1 as it was, listing and SHA-256" "" \
	"$(comm -23 <(sort "$T/tl1") <(sort "$T/same"))"
check_grep "... timeline 2's history under its own name" " wal/00000002\.history\.gz " "$T/same"
check_grep "... and its segments" " wal/00000002[0-9A-F]{16}\.gz " "$T/same"
# Timeline 2's segment stored under the name of timeline 1's at that place:
# what a cluster that forgot its timeline would archive.
tl2=$(grep -oE '00000002[0-9A-F]{16}' "$T/same" | head -n 1)
tl1=00000001${tl2:8}
check_grep "timeline 1 has a segment $tl1 too" " wal/$tl1\.gz " "$T/tl1"
mkdir -p "$T/seg"
r2get "s3://$B/wal/$tl2.gz" | gzip -dc >"$T/seg/$tl1"
check_exit 8 "walpush of a different file as $tl1 exits 8" \
	walpush --look-ahead 0 "$T/seg/$tl1" "s3://$B/wal"
check_grep "... naming the object it keeps" "s3://$B/wal/$tl1\.gz" "$T/err"
objects wal >"$T/same.after"
check_cmp "... and the archive is exactly as it was" "$T/same" "$T/same.after"
pg_as_owner "$PGBIN/pg_ctl" -D "$S/data" -m immediate stop >/dev/null 2>&1

done_testing
