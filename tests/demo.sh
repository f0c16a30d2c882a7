#!/usr/bin/env bash
# make demo: the disaster-recovery runbook run end to end as pipes, against a
# throwaway S3 test server and PostgreSQL cluster, each step timed and
# verified, Scenario 3 (WAL archived by walpush, a base backup, an accidental
# DROP TABLE, recovery to the moment before it into a new cluster) included.
# SCALE=N makes the sample database N times larger (default 3, about 315 MB
# of dump). Exits 0 only when every step verified what it claims; otherwise
# names the failed steps.
set -u -o pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/servers.sh"
BIN=${DRKIT_BIN:-$TOP/build/bin}
export PATH="$BIN:$PATH"
SCALE=${SCALE:-3}
BUCKET=drkit-demo
DB=shop

W=$(mktemp -d "${TMPDIR:-/tmp}/drkit-demo.XXXXXX")
chmod 755 "$W"
cleanup() {
	pitr_stop
	s3_stop
	pg_stop
	rm -rf "$W"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted, servers stopped"; exit 130' INT TERM
exec 3>&1	# pipe() shows each command here even when its output is redirected

steps=() durations=() results=()
failed=()

say() { printf '\n== %s\n' "$*"; }
note() { printf '   %s\n' "$*"; }

# pipe CMD: prints CMD as the operator types it, runs it; PIPE_STATUS holds
# every command's exit status, PIPE_RC the pipe's (pipefail).
pipe() {
	printf '$ %s\n' "$1" >&3
	eval "$1"'; PIPE_STATUS=("${PIPESTATUS[@]}")'
	PIPE_RC=0
	local s
	for s in "${PIPE_STATUS[@]}"; do [ "$s" = 0 ] || PIPE_RC=$s; done
	return "$PIPE_RC"
}

now() { echo "$EPOCHREALTIME"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# record NAME START RESULT: one row of the final table.
record() {
	steps+=("$1")
	durations+=("$(secs "$2" "$(now)")")
	results+=("$3")
	case $3 in ok*) ;; *) failed+=("$1");; esac
	printf '   -> %s (%ss)\n' "$3" "${durations[-1]}"
}

sql() { psql -X -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

# The runbook's verification queries, one line: tables, rows of the key
# tables, and a sum that any lost or altered row would change.
VERIFY_SQL="SELECT (SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public') || ' tables, '
    || (SELECT count(*) FROM users) || ' users, ' || (SELECT count(*) FROM orders) || ' orders, '
    || (SELECT count(*) FROM payments) || ' payments, '
    || (SELECT sum(amount_cents) FROM payments) || ' cents paid'"
verify_queries() { sql "$1" "$VERIFY_SQL"; }

user_tables() {
	sql postgres "SELECT count(*) FROM pg_database WHERE datname = '$1'" | grep -qx 1 || { echo none; return; }
	sql "$1" "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
}

backup_key() { echo "backups/${DB}_backup_$(date -u -d "$1" +%Y%m%d_%H%M%S).sql.gz"; }

# Sets an object's LastModified: the S3 test server reports its file's mtime.
age_object() {
	touch -d "$2" "$S3_DATA/$BUCKET/$1._S3rver_object" "$S3_DATA/$BUCKET/$1.sha256._S3rver_object"
}

step_setup() {
	say "setup: S3 test server, PostgreSQL cluster, sample database (SCALE=$SCALE)"
	local t; t=$(now)
	s3_start "$W" && pg_start "$W" || { record setup "$t" "FAILED: servers"; return 1; }
	export R2_BUCKET=$BUCKET
	note "S3 endpoint $R2_ENDPOINT, PostgreSQL on port $PGPORT"
	aws s3 mb "s3://$BUCKET" >/dev/null &&
	createdb "$DB" &&
	psql -X -q -v scale="$SCALE" -d "$DB" -f "$TOP/tests/demo-shop.sql" ||
		{ record setup "$t" "FAILED: sample database"; return 1; }
	SOURCE=$(verify_queries "$DB")
	note "source: $SOURCE"
	note "database size: $(sql "$DB" "SELECT pg_size_pretty(pg_database_size('$DB'))")"
	record setup "$t" "ok"
}

step_backup() {
	say "1. nightly backup, as cron runs it"
	local t; t=$(now)
	KEY=$(backup_key now)
	echo '$ set -o pipefail'
	pipe "pg_dump $DB | gzip | r2put --verify pgdump s3://$BUCKET/$KEY" ||
		{ record "nightly backup" "$t" "FAILED: exit ${PIPE_STATUS[*]}"; return 1; }
	pipe "r2get s3://$BUCKET/$KEY.sha256" >"$W/sidecar" ||
		{ record "nightly backup" "$t" "FAILED: no sidecar"; return 1; }
	cat "$W/sidecar"
	local want got
	want=$(cut -d' ' -f1 "$W/sidecar")
	got=$(r2get "s3://$BUCKET/$KEY" | sha256sum | cut -d' ' -f1)
	note "the object's SHA-256, downloaded again: $got"
	[ -n "$want" ] && [ "$want" = "$got" ] ||
		{ record "nightly backup" "$t" "FAILED: sidecar does not match the object"; return 1; }
	record "nightly backup" "$t" "ok: $(stat_size "$KEY") bytes, checksum recorded"
}

stat_size() { r2ls "s3://$BUCKET/$1" | awk -v k="${1##*/}" '$4 == k { print $3 }'; }

# Earlier nights, copied from tonight's backup and dated back, so that the
# checklist has a history and retention has something to remove.
make_history() {
	local d k
	OLD_KEYS=() RECENT_KEYS=()
	for d in 45 38 31 3 2 1; do
		k=$(backup_key "$d days ago")
		r2get -q "s3://$BUCKET/$KEY" | r2put -q --verify pgdump "s3://$BUCKET/$k" || return 1
		age_object "$k" "$d days ago" || return 1
		if [ "$d" -gt 30 ]; then OLD_KEYS+=("$k"); else RECENT_KEYS+=("$k"); fi
	done
}

step_checklist() {
	say "2. weekly checklist: the latest backups, and is the newest fresh and whole?"
	local t; t=$(now)
	note "(earlier nights: tonight's backup copied and dated 1 to 45 days back)"
	make_history || { record "weekly checklist" "$t" "FAILED: cannot make the history"; return 1; }
	pipe "r2ls s3://$BUCKET/backups/ | grep -v '\.sha256\$' | tail -n 5" ||
		{ record "weekly checklist" "$t" "FAILED: r2ls"; return 1; }
	pipe "stalecheck --require-checksum -g '*.sql.gz' s3://$BUCKET/backups/"
	[ "$PIPE_RC" = 0 ] || { record "weekly checklist" "$t" "FAILED: stalecheck exit $PIPE_RC"; return 1; }
	record "weekly checklist" "$t" "ok: newest backup fresh, sidecar present"
}

# restore_pipe NAME OPTIONS: the runbook's restore pipe from the object NAME.
restore_pipe() {
	pipe "r2get s3://$BUCKET/$1 | sha256sum-r2 --verify s3://$BUCKET/$1 | gzverify -d | pgrestore-stream $2 --report"
}

compare_with_source() {
	local got; got=$(verify_queries "$1")
	note "source:   $SOURCE"
	note "$1: $got"
	[ "$got" = "$SOURCE" ]
}

step_test_restore() {
	say "3. Scenario 1: test restore into ${DB}_recovery"
	local t; t=$(now)
	DOWNLOAD_START=$t
	restore_pipe "$KEY" "--create -d ${DB}_recovery" ||
		{ record "Scenario 1 test restore" "$t" "FAILED: exit ${PIPE_STATUS[*]}"; return 1; }
	printf '$ psql -At -d %s -c "%s"\n' "${DB}_recovery" "$VERIFY_SQL"
	compare_with_source "${DB}_recovery" ||
		{ record "Scenario 1 test restore" "$t" "FAILED: differs from the source"; return 1; }
	VERIFIED_END=$(now)
	record "Scenario 1 test restore" "$t" "ok: same tables, rows and sum as $DB"
}

step_production_restore() {
	say "4. Scenario 2: production restore into $DB, the previous database kept"
	local t before; t=$(now)
	restore_pipe "$KEY" "--replace -d $DB" ||
		{ record "Scenario 2 production restore" "$t" "FAILED: exit ${PIPE_STATUS[*]}"; return 1; }
	compare_with_source "$DB" ||
		{ record "Scenario 2 production restore" "$t" "FAILED: differs from the source"; return 1; }
	before=$(sql postgres "SELECT datname FROM pg_database WHERE datname LIKE '${DB}_before_%' ORDER BY datname DESC LIMIT 1")
	[ -n "$before" ] ||
		{ record "Scenario 2 production restore" "$t" "FAILED: no ${DB}_before_* database"; return 1; }
	note "the previous database is kept:"
	compare_with_source "$before" ||
		{ record "Scenario 2 production restore" "$t" "FAILED: $before lost data"; return 1; }
	record "Scenario 2 production restore" "$t" "ok: restored, previous kept as $before"
}

# Offset of the middle byte of an object in the S3 test server's store.
flip_middle_byte() {
	python3 - "$1" <<'EOF'
import os, sys
path = sys.argv[1]
with open(path, 'r+b') as f:
    f.seek(os.path.getsize(path) // 2)
    b = f.read(1)
    f.seek(-1, 1)
    f.write(bytes([b[0] ^ 0x01]))
print(os.path.getsize(path) // 2)
EOF
}

step_corrupt() {
	say "5. a corrupted backup: one byte flipped in the bucket, restored the same way"
	local t bad off; t=$(now)
	bad=drill/${KEY##*/}
	r2get -q "s3://$BUCKET/$KEY" | r2put -q --verify pgdump "s3://$BUCKET/$bad" &&
	off=$(flip_middle_byte "$S3_DATA/$BUCKET/$bad._S3rver_object") ||
		{ record "corrupted backup refused" "$t" "FAILED: cannot prepare the object"; return 1; }
	note "s3://$BUCKET/$bad: byte $off flipped in the store; its sidecar is the original's"
	if restore_pipe "$bad" "--create -d ${DB}_drill"; then
		record "corrupted backup refused" "$t" "FAILED: the corrupt backup was restored"
		return 1
	fi
	note "the pipe failed: exit statuses ${PIPE_STATUS[*]} (r2get | sha256sum-r2 | gzverify | pgrestore-stream)"
	local tables; tables=$(user_tables "${DB}_drill")
	note "target ${DB}_drill: tables: $tables"
	case $tables in
	none|0) record "corrupted backup refused" "$t" "ok: pipe failed, target untouched";;
	*) record "corrupted backup refused" "$t" "FAILED: ${DB}_drill has $tables tables"; return 1;;
	esac
}

step_retention() {
	say "6. retention: remove backups older than 30 days"
	local t k left; t=$(now)
	pipe "r2ls -r --older-than 30d -0 s3://$BUCKET/backups/ | r2rm -0" ||
		{ record retention "$t" "FAILED: exit ${PIPE_STATUS[*]}"; return 1; }
	pipe "r2ls s3://$BUCKET/backups/ | grep -v '\.sha256\$'"
	r2ls -r "s3://$BUCKET/backups/" >"$W/left" || { record retention "$t" "FAILED: r2ls"; return 1; }
	for k in "${OLD_KEYS[@]}"; do
		grep -q "${k##*/}" "$W/left" && { record retention "$t" "FAILED: $k is still there"; return 1; }
	done
	for k in "${RECENT_KEYS[@]}" "$KEY"; do
		grep -q "${k##*/}\$" "$W/left" && grep -q "${k##*/}.sha256\$" "$W/left" ||
			{ record retention "$t" "FAILED: $k or its sidecar was removed"; return 1; }
	done
	left=$(wc -l <"$W/left")
	record retention "$t" "ok: ${#OLD_KEYS[@]} old backups removed, $((left / 2)) kept"
}

# --- Scenario 3: point-in-time recovery from the WAL archive

# The data lost at worst: archive_timeout forces a segment out at least
# this often, so that a quiet server's last writes reach the archive too.
ARCHIVE_TIMEOUT=10
WAL=s3://$BUCKET/wal

# as_postgres CMD...: prints the commands as the operator types them and
# runs them as the cluster's owner, in one bash that stops at the first
# that fails (pipefail too); settings come from the exported R2_* variables.
# The server's programs are on its PATH, as they are for that user.
as_postgres() {
	local c
	for c in "$@"; do printf '%s\n' "$c" | sed '1s/^/$ /' >&3; done
	pg_as_owner env PATH="$PATH:$(pg_bindir)" bash -e -o pipefail -c "$(printf '%s\n' "$@")"
}

pitr_stop() {
	[ -n "${RDIR:-}" ] && pg_as_owner "$(pg_bindir)/pg_ctl" -D "$RDIR" -m immediate stop >/dev/null 2>&1
	RDIR=
}

# wait_for SECONDS SQL...: polls until the query answers t.
wait_for() {
	local i n=$(($1 * 5)); shift
	for ((i = 0; i < n; i++)); do
		[ "$("$@" 2>/dev/null)" = t ] && return 0
		sleep 0.2
	done
	return 1
}

step_pitr_archive() {
	say "7. Scenario 3: WAL archived as it is written, and a base backup"
	local t d; t=$(now)
	# A base backup holds the whole cluster: the drill's copies of $DB go
	# first, as an operator drops them once the drill is done.
	for d in $(sql postgres "SELECT datname FROM pg_database WHERE datname LIKE '${DB}\_%'"); do
		pipe "dropdb $d" || { record "Scenario 3 archive, base backup" "$t" "FAILED: dropdb $d"; return 1; }
	done
	note "postgresql.conf, by ALTER SYSTEM here (the demo's server has the R2_* settings in its"
	note "environment; a real one reads the postgres user's ~/.aws profile, see walpush(1)):"
	# The demo's cluster gets max_locks_per_transaction on its command line;
	# written here too, the base backup carries it to the recovered cluster,
	# whose hot standby needs at least the primary's value.
	sql postgres "ALTER SYSTEM SET max_locks_per_transaction = 512" >/dev/null
	pipe "psql -X -q -c \"ALTER SYSTEM SET archive_mode = on\" -c \"ALTER SYSTEM SET archive_command = 'walpush %p $WAL'\" -c \"ALTER SYSTEM SET archive_timeout = '${ARCHIVE_TIMEOUT}s'\"" &&
	pipe "pg_ctl -D $PG_DIR/data -w restart >/dev/null" ||
		{ record "Scenario 3 archive, base backup" "$t" "FAILED: cannot turn archiving on"; return 1; }
	note "archive_timeout = $ARCHIVE_TIMEOUT s: at most $ARCHIVE_TIMEOUT s of writes are not yet archived"
	BASE=base/${DB}_$(date -u +%Y%m%d_%H%M%S).tar.gz
	echo '$ set -o pipefail'
	pipe "pg_basebackup -D - -Ft -X fetch -c fast | gzip | r2put --verify gzip s3://$BUCKET/$BASE" ||
		{ record "Scenario 3 archive, base backup" "$t" "FAILED: exit ${PIPE_STATUS[*]}"; return 1; }
	record "Scenario 3 archive, base backup" "$t" "ok: archiving, base backup $(stat_size "$BASE") bytes"
}

# pg_ctl as the operator types it, run as the cluster's owner.
pg_ctl() { pg_as_owner "$(pg_bindir)/pg_ctl" "$@"; }

ORDERS_EARLY="count(*) FILTER (WHERE id BETWEEN 100000001 AND 100000100)"
ORDERS_LATE="count(*) FILTER (WHERE id > 100000100)"

step_pitr_accident() {
	say "8. Scenario 3: the day's writes, the moment noted, an accidental DROP TABLE, more writes"
	local t want; t=$(now)
	pipe "psql -X -q -d $DB -c \"INSERT INTO orders SELECT i, 1, 'new', 4200, now() FROM generate_series(100000001, 100000100) i\"" ||
		{ record "Scenario 3 accident, archived" "$t" "FAILED: cannot write"; return 1; }
	PAYMENTS=$(sql "$DB" "SELECT count(*) || ' payments, ' || sum(amount_cents) || ' cents paid' FROM payments")
	sleep 1
	TARGET=$(sql "$DB" "SELECT now()")
	note "the last moment known good: $TARGET (payments: $PAYMENTS)"
	sleep 1
	pipe "psql -X -q -d $DB -c 'DROP TABLE payments'" &&
	pipe "psql -X -q -d $DB -c \"INSERT INTO orders SELECT i, 1, 'new', 4200, now() FROM generate_series(100000101, 100000150) i\"" ||
		{ record "Scenario 3 accident, archived" "$t" "FAILED: cannot write"; return 1; }
	pipe "psql -X -At -c 'SELECT pg_switch_wal()' >/dev/null"
	want=$(sql postgres "SELECT pg_walfile_name(pg_current_wal_lsn() - 1)")
	wait_for 120 sql postgres "SELECT last_archived_wal >= '$want' FROM pg_stat_archiver" ||
		{ record "Scenario 3 accident, archived" "$t" "FAILED: $want not archived: $(sql postgres 'SELECT failed_count, last_failed_wal FROM pg_stat_archiver')"; return 1; }
	pipe "psql -X -c 'SELECT last_archived_wal, last_archived_time, failed_count FROM pg_stat_archiver'"
	pipe "r2ls s3://$BUCKET/wal/ | tail -n 3"
	record "Scenario 3 accident, archived" "$t" "ok: segment $want archived"
}

step_pitr_recover() {
	local t got rport sock after; t=$(now)
	rport=$(free_port)
	after=$WAL-after-$(date -u +%Y%m%d)
	mkdir "$W/pitr" && chown "$(stat -c %U "$PG_DIR/data")" "$W/pitr" ||
		{ record "Scenario 3 recovery" "$t" "FAILED: no directory"; return 1; }
	RDIR=$W/pitr/recovered sock=$W/pitr
	say "9. Scenario 3: recover to the noted moment into a new cluster on port $rport"
	note "the lines of drkit(7), typed as the postgres user (mkdir refuses a directory that exists):"
	as_postgres "mkdir -m 700 $RDIR" \
		"KEY=s3://$BUCKET/$BASE" \
		"r2get \$KEY | sha256sum-r2 --verify \$KEY | gzverify -d |
  tar -x -C $RDIR" \
		"cat >>$RDIR/postgresql.auto.conf <<EOF
restore_command = 'walfetch %f %p $WAL'
recovery_target_time = '$TARGET'
recovery_target_action = 'promote'
archive_command = 'walpush %p $after'
EOF" \
		"touch $RDIR/recovery.signal" \
		"pg_ctl -D $RDIR -l $W/pitr/recovered.log -o '-p $rport -k $sock' start" ||
		{ record "Scenario 3 recovery" "$t" "FAILED: exit $?"; return 1; }
	rsql() { psql -X -At -h "$sock" -p "$rport" -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
	wait_for 300 rsql postgres "SELECT NOT pg_is_in_recovery()" ||
		{ record "Scenario 3 recovery" "$t" "FAILED: not promoted: $(grep -E 'FATAL|PANIC' "$W/pitr/recovered.log" | tail -n 1)"; return 1; }
	grep -E 'recovery stopping before|selected new timeline' "$W/pitr/recovered.log" | sed 's/^.*LOG: */   log: /'
	printf '$ psql -p %s -d %s -c "%s"\n' "$rport" "$DB" "SELECT count(*), sum(amount_cents) FROM payments"
	got=$(rsql "$DB" "SELECT count(*) || ' payments, ' || sum(amount_cents) || ' cents paid' FROM payments")
	note "dropped:   $PAYMENTS"
	note "recovered: $got"
	[ "$got" = "$PAYMENTS" ] ||
		{ record "Scenario 3 recovery" "$t" "FAILED: the dropped table is not back whole"; return 1; }
	got=$(rsql "$DB" "SELECT $ORDERS_EARLY || ' ' || $ORDERS_LATE FROM orders")
	note "orders written before the moment: ${got% *} of 100; after it: ${got#* } (want 0)"
	[ "$got" = "100 0" ] ||
		{ record "Scenario 3 recovery" "$t" "FAILED: orders before/after the moment: $got"; return 1; }
	PITR_END=$(now)
	record "Scenario 3 recovery" "$t" "ok: payments back whole, later writes absent"
	# The new timeline archives under its own prefix, beside the old one.
	wait_for 30 sh -c "r2ls '$after/' | grep -q '00000002.history.gz\$' && echo t"
	pipe "r2ls $after/"
}

summary() {
	say "summary"
	local i
	printf '   %-32s %9s  %s\n' step seconds result
	for i in "${!steps[@]}"; do
		printf '   %-32s %9s  %s\n' "${steps[i]}" "${durations[i]}" "${results[i]}"
	done
	printf '   %-32s %9s\n' total "$(secs "$DEMO_START" "$(now)")"
	if [ -n "${VERIFIED_END:-}" ]; then
		printf '\n   start download -> verified restore: %ss (the runbook estimates 15 to 30 minutes)\n' \
			"$(secs "$DOWNLOAD_START" "$VERIFIED_END")"
	fi
	if [ -n "${PITR_END:-}" ]; then
		printf '   RPO, the writes lost at worst: 24 h with the nightly dump, %s s with the WAL archive (archive_timeout)\n' \
			"$ARCHIVE_TIMEOUT"
	fi
	if [ ${#failed[@]} -gt 0 ]; then
		printf '\ndemo: FAILED: %s\n' "$(IFS=,; echo "${failed[*]}" | sed 's/,/, /g')"
		return 1
	fi
	printf '\ndemo: every step verified\n'
}

DEMO_START=$(now)
step_setup && step_backup && step_checklist
if [ ${#failed[@]} = 0 ]; then
	step_test_restore
	step_production_restore
	step_corrupt
	step_retention
	step_pitr_archive && step_pitr_accident && step_pitr_recover
fi
summary
