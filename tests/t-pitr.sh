#!/usr/bin/env bash
# Point-in-time recovery, Scenario 3 of the runbook, on a real cluster:
# WAL archived by walpush, a base backup streamed with the existing
# filters, rows written, the time noted, more rows and an accidental DROP
# TABLE; a new data directory recovered with walfetch to the noted time
# has the first rows, not the later ones, and the dropped table. A
# recovery whose archive holds a corrupted segment stops instead of
# promoting.
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
target=$(psql -XAt -c "SELECT now()")
target_wal=$(psql -XAt -c "SELECT pg_walfile_name(pg_current_wal_lsn())")
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

# recover DIR PREFIX: a new data directory from the base backup, recovering
# to the noted time with walfetch from PREFIX; starts it on its own port
recover() {
	local dir=$1 prefix=$2
	mkdir -p "$dir/data"
	r2get s3://$B/base/base.tar.gz | sha256sum-r2 --verify s3://$B/base/base.tar.gz |
		gzverify -d | tar -x -C "$dir/data" || return 1
	cat >>"$dir/data/postgresql.auto.conf" <<-CONF
	archive_mode = off
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

R=$T/rec
check "a new data directory recovers from the base backup and the archive" recover "$R" wal
for i in $(seq 1 300); do
	[ "$(rq "$R" 'SELECT pg_is_in_recovery()')" = f ] && break
	sleep 0.2
done
check_eq "... and is promoted at the noted time" f "$(rq "$R" 'SELECT pg_is_in_recovery()')"
check_eq "... the rows written before it are there" 1000 \
	"$(rq "$R" "SELECT count(*) FROM orders WHERE note = 'early'")"
check_eq "... the rows written after it are not" 0 \
	"$(rq "$R" "SELECT count(*) FROM orders WHERE note = 'late'")"
check_eq "... and the dropped table exists, whole" 10 "$(rq "$R" 'SELECT count(*) FROM victim')"
check_grep "... recovery stopped at the target, not at the end of the archive" \
	"recovery stopping before commit" "$R/log"
pg_as_owner "$PGBIN/pg_ctl" -D "$R/data" -m immediate stop >/dev/null 2>&1

# --- the same archive with the segment of the noted time corrupted (its
# recorded checksum kept): recovery must stop, never promote
aws s3 cp --recursive --quiet "s3://$B/wal/" "s3://$B/bad/"
r2get "s3://$B/wal/$target_wal.gz" >"$T/seg.gz"
python3 -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[len(d) // 2] ^= 0x55
open(sys.argv[1], "wb").write(d)' "$T/seg.gz"
sum=$(r2get "s3://$B/wal/$target_wal.gz" | gzip -dc | sha256sum | cut -d' ' -f1)
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

done_testing
