#!/usr/bin/env bash
# Retention that understands WAL, on a real cluster archiving with walpush:
# three base backups with segments switched between them; the oldest goes,
# r2ls --wal-expired lists exactly the WAL the oldest kept one no longer
# needs (never a .history file, nothing at or after its start segment),
# r2rm deletes it, and recovery from the oldest kept base backup to a time
# after the newest still has every row. Then a recovered server on a new
# timeline archives into the same prefix: monitoring follows the switch,
# and retention by a base backup on the new timeline keeps its history.
. "$(dirname "$0")/lib.sh"
need_s3
need_own_pg
B=walret W=s3://walret/wal PGBIN=$(pg_bindir)
new_bucket $B || { done_testing; exit; }
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
qa() { psql -X -At "$@"; }

# The server's own environment has no R2_* secret: a credentials file it
# can read, and the endpoint, which is no secret.
C=$T/pg.credentials
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
	"$R2_ACCESS_KEY_ID" "$R2_SECRET_ACCESS_KEY" >"$C"
chmod 644 "$C"
CMD_ENV="env -i R2_ENDPOINT=$R2_ENDPOINT"
ARCHIVE="$CMD_ENV $BIN/walpush --credentials $C %p $W"
q -c "ALTER SYSTEM SET archive_mode = on" -c "ALTER SYSTEM SET archive_command = '$ARCHIVE'"
pg_as_owner "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w restart >/dev/null
q -c "CREATE TABLE ledger (id serial, era text)"

# base NAME [PSQL-ARGS]: a base backup through the runbook's filters
base() {
	local name=$1; shift
	pg_basebackup "$@" -D - -Ft -X fetch -c fast 2>/dev/null | gzip -1 |
		r2put -q --verify gzip "s3://$B/base/$name.tar.gz"
}
# era NAME [PSQL-ARGS]: 100 rows of NAME, then the segment switched
era() {
	local name=$1; shift
	q "$@" -c "INSERT INTO ledger (era) SELECT '$name' FROM generate_series(1, 100)" \
		-c "SELECT pg_switch_wal()" >/dev/null
}
# archived [PSQL-ARGS]: waits until the segment before the current one is
# archived; says "t 0" when it is and no archive_command failed
archived() {
	local want i
	want=$(qa "$@" -c "SELECT pg_walfile_name(pg_current_wal_lsn() - 1)")
	for i in $(seq 1 300); do
		[ "$(qa "$@" -c "SELECT last_archived_wal >= '$want' FROM pg_stat_archiver")" = t ] && break
		sleep 0.2
	done
	qa "$@" -F' ' -c "SELECT last_archived_wal >= '$want', failed_count FROM pg_stat_archiver"
}
# start NAME: the start segment in base backup NAME's backup_label
start() {
	r2get "s3://$B/base/$1.tar.gz" | gzip -dc | tar -xO backup_label |
		sed -n 's/^START WAL LOCATION: .*(file \([0-9A-F]*\))$/\1/p'
}
# names FILE: the key names of an r2ls -0 listing, one a line
names() { tr '\0' '\n' <"$1" | sed 's|.*/||'; }

set -o pipefail
check "base backup 1" base b1
era one
check "base backup 2, after a segment switch" base b2
era two
check "base backup 3, after another" base b3
era three
sleep 1
target=$(qa -c "SELECT now()")
sleep 1
era late
set +o pipefail
check_eq "the segments are archived, and no archive_command failed" "t 0" "$(archived)"

check_eq "PostgreSQL 15's base.tar starts with backup_label" backup_label \
	"$(r2get s3://$B/base/b1.tar.gz | gzip -dc | tar -t | head -n 1)"
S1=$(start b1) S2=$(start b2) S3=$(start b3)
check "each base backup starts later in the WAL ($S1 < $S2 < $S3)" \
	test -n "$S1" -a "$S1" \< "$S2" -a "$S2" \< "$S3"

# --- fail closed: what cannot be read lists nothing
check_exit 4 "--wal-expired by a base backup that is not there: exit 4" \
	r2ls --wal-expired "s3://$B/base/nosuch.tar.gz" -0 "$W/"
check_eq "... lists nothing" 0 "$(wc -c <"$T/out")"
check_eq "... and says so in one line" 1 "$(wc -l <"$T/err")"
printf 'no tar in here' | gzip | r2put -q "s3://$B/other/junk.tar.gz"
check_exit 1 "by an object that is no base backup: exit 1" \
	r2ls --wal-expired "s3://$B/other/junk.tar.gz" -0 "$W/"
check_grep "... its label cannot be read" "^r2ls: s3://$B/other/junk.tar.gz: cannot read the base backup's label" "$T/err"
check_eq "... lists nothing, in one line" "0 1" "$(wc -c <"$T/out") $(wc -l <"$T/err")"
check_exit 1 "by the right base backup and the wrong WAL prefix: exit 1" \
	r2ls --wal-expired "s3://$B/base/b2.tar.gz" -0 "s3://$B/base/"
check_grep "... its start segment is not archived there" "start segment $S2 is not archived" "$T/err"
check_eq "... lists nothing" 0 "$(wc -c <"$T/out")"
R2_SECRET_ACCESS_KEY=wrong check_exit 3 "with a wrong secret: exit 3" \
	r2ls --wal-expired "s3://$B/base/b2.tar.gz" -0 "$W/"
check_eq "... lists nothing" 0 "$(wc -c <"$T/out")"
check_exit 2 "with --older-than: usage" r2ls --wal-expired "s3://$B/base/" --older-than 1d "$W/"

# --- retention: keep the newest two base backups, then the WAL they need
check "the oldest base backup and its sidecar deleted" \
	r2rm -q "s3://$B/base/b1.tar.gz" "s3://$B/base/b1.tar.gz.sha256"
check_exit 0 "r2ls --wal-expired by the oldest base backup kept (the prefix's oldest)" \
	r2ls --wal-expired "s3://$B/base/" -0 "$W/"
cp "$T/out" "$T/expired"
check_grep "... which it names, with its start" "s3://$B/base/b2.tar.gz starts at WAL segment $S2" "$T/err"
names "$T/expired" >"$T/expired.names"
check_grep "... lists the first base backup's start segment" "^$S1.gz$" "$T/expired.names"
check_grep "... and its .backup file" "^$S1\.[0-9A-F]{8}\.backup\.gz$" "$T/expired.names"
check_eq "... nothing at or after $S2, and no .history file" "" \
	"$(while read -r n; do [[ ${n:0:24} < $S2 && $n != *.history.gz ]] || echo "$n"; done <"$T/expired.names")"
check_eq "... every archived file before $S2" \
	"$(r2ls "$W/" | awk '{print $4}' | awk -v s="$S2" 'substr($0, 1, 24) < s')" \
	"$(cat "$T/expired.names")"
check "r2rm -0 deletes them" sh -c "r2rm -q -0 <'$T/expired'"
check_eq "the archive's oldest segment is now $S2" "$S2.gz" \
	"$(r2ls "$W/" | awk '{print $4}' | grep -E '^[0-9A-F]{24}\.gz$' | head -n 1)"
check_exit 0 "stalecheck --wal: no segment missing from the oldest kept base backup" \
	stalecheck --wal --base "s3://$B/base/" "$W"

# recover NAME DIR: base backup NAME into DIR, recovered to the target by
# walfetch, archiving with walpush into the same prefix once promoted
recover() {
	local dir=$2
	mkdir -p "$dir/data" "$dir/sock"
	r2get "s3://$B/base/$1.tar.gz" | sha256sum-r2 --verify "s3://$B/base/$1.tar.gz" |
		gzverify -d | tar -x -C "$dir/data" || return 1
	printf '%s\n' "restore_command = '$CMD_ENV $BIN/walfetch --credentials $C %f %p $W'" \
		"recovery_target_time = '$target'" "recovery_target_action = 'promote'" \
		>>"$dir/data/postgresql.auto.conf"
	touch "$dir/data/recovery.signal"
	chmod 700 "$dir/data"
	[ "$(id -u)" = 0 ] && chown -R postgres "$dir"
	RPORT=$(free_port)
	pg_as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 120 -o \
		"-p $RPORT -k $dir/sock -c listen_addresses='' -c fsync=off -c max_locks_per_transaction=512" start >/dev/null 2>&1
}
R=$T/rec
RQ="-h $R/sock -p"
check "recovery from the oldest kept base backup (b2) to a time after b3" recover b2 "$R"
for i in $(seq 1 300); do
	[ "$(qa $RQ "$RPORT" -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && break
	sleep 0.2
done
check_eq "... is promoted at the target" f "$(qa $RQ "$RPORT" -c 'SELECT pg_is_in_recovery()')"
check_eq "... with every row of the eras before it, none after" "one:100 three:100 two:100" \
	"$(qa $RQ "$RPORT" -c "SELECT string_agg(era || ':' || n, ' ' ORDER BY era) FROM (SELECT era, count(*) n FROM ledger GROUP BY era) c")"

# --- a new timeline archived into the same prefix
era after-recovery $RQ "$RPORT"
check_eq "the recovered server archives its timeline 2" "t 0" "$(archived $RQ "$RPORT")"
check "... with its history file" sh -c "r2ls '$W/' | grep -q ' 00000002.history.gz$'"
check_exit 0 "stalecheck --wal follows the switch from the oldest kept base backup" \
	stalecheck --wal --base "s3://$B/base/" "$W"
check_grep "... to the new timeline's newest segment" "segments from $S2 to 00000002[0-9A-F]{16}, timeline 2 " "$T/out"
check "a base backup on timeline 2" base b4 $RQ "$RPORT"
check "base backups 2 and 3 deleted" r2rm -q "s3://$B/base/b2.tar.gz" "s3://$B/base/b2.tar.gz.sha256" \
	"s3://$B/base/b3.tar.gz" "s3://$B/base/b3.tar.gz.sha256"
S4=$(start b4)
check_eq "b4 starts on timeline 2" 00000002 "${S4:0:8}"
check "r2ls --wal-expired | r2rm -0 by it" \
	sh -c "r2ls --wal-expired 's3://$B/base/' -0 '$W/' >'$T/expired2' && r2rm -q -0 <'$T/expired2'"
check_eq "... deleted every timeline 1 file, and no .history file" \
	"$(r2ls "$W/" | awk '{print $4}' | grep -E '^00000001[0-9A-F]{16}')" ""
check "... the history file stays" sh -c "r2ls '$W/' | grep -q ' 00000002.history.gz$'"
check_exit 0 "stalecheck --wal from b4: whole" stalecheck --wal --base "s3://$B/base/" "$W"
pg_as_owner "$PGBIN/pg_ctl" -D "$R/data" -m immediate stop >/dev/null 2>&1

done_testing
