#!/usr/bin/env bash
# The nightly backup fails closed: pg_dump or gzip dying at any moment in
#   pg_dump | gzip | r2put --verify pgdump KEY
# leaves no object, even in a script without pipefail, where r2put's exit
# status is the pipe's. An undisturbed run uploads a backup that restores.
. "$(dirname "$0")/lib.sh"
need_s3
need_pg
B=nightly-fc
new_bucket $B || exit 1
DB=fc_$$
createdb $DB
psql -X -q -d $DB -c "CREATE TABLE orders (id bigint PRIMARY KEY, customer text, note text);
	INSERT INTO orders SELECT g, 'customer ' || (g % 977), repeat(md5(g::text), 4)
	FROM generate_series(1, 200000) g;" || not_ok "create the source database"

set +o pipefail	# the point: r2put alone must refuse, whatever the shell does

# no_object KEY: neither the backup nor its sidecar is in the bucket.
no_object() {
	[ -z "$(aws s3 ls "s3://$B/$1" 2>/dev/null)" ]
}

# The undisturbed run.
pg_dump -d $DB | gzip | r2put -q --verify pgdump s3://$B/daily/whole.sql.gz
check_eq "an undisturbed nightly run exits 0" 0 $?
check "its sidecar is there" aws s3 ls s3://$B/daily/whole.sql.gz.sha256
createdb ${DB}_restored
r2get s3://$B/daily/whole.sql.gz | gunzip | psql -X -q -1 -v ON_ERROR_STOP=1 -d ${DB}_restored >/dev/null
check_eq "the backup restores with psql" 0 $?
check_eq "with every row" 200000 "$(psql -X -Atq -d ${DB}_restored -c 'SELECT count(*) FROM orders')"
# One dump, so that offsets mean the same bytes (each pg_dump run has its
# own \restrict key, and so its own length).
pg_dump -d $DB >"$T/dump.sql"
gzip -c "$T/dump.sql" >"$T/dump.sql.gz"
SIZE=$(stat -c %s "$T/dump.sql")
GZSIZE=$(stat -c %s "$T/dump.sql.gz")
TRAILER=$(grep -b -- '-- PostgreSQL database dump complete' "$T/dump.sql" | cut -d: -f1)

# pg_dump dying after N bytes: head ends the stream there, as a crash
# would. The last cut falls inside the completion trailer itself.
for n in 0 1 4096 $((SIZE / 3)) $((SIZE / 2)) $((TRAILER - 1)) $((TRAILER + 20)); do
	head -c $n "$T/dump.sql" | gzip | r2put -q --verify pgdump s3://$B/cut/dump$n.sql.gz 2>"$T/err"
	rc=$?
	if [ $rc = 1 ] && no_object cut/dump$n.sql.gz; then ok "pg_dump cut at byte $n of $SIZE: exit 1, no object"
	else not_ok "pg_dump cut at byte $n of $SIZE: exit 1, no object" "exit $rc" "$(cat "$T/err")"; fi
done
check_grep "the refusal says why" '^r2put: .*(trailer|complete)' "$T/err"

# gzip dying after N compressed bytes (the last 8 are its CRC and length).
for n in 0 10 $((GZSIZE / 2)) $((GZSIZE - 9)) $((GZSIZE - 1)); do
	head -c $n "$T/dump.sql.gz" | r2put -q --verify pgdump s3://$B/cut/gz$n.sql.gz 2>"$T/err"
	rc=$?
	if [ $rc = 1 ] && no_object cut/gz$n.sql.gz; then ok "gzip cut at byte $n of $GZSIZE: exit 1, no object"
	else not_ok "gzip cut at byte $n of $GZSIZE: exit 1, no object" "exit $rc" "$(cat "$T/err")"; fi
done

# Real deaths: SIGKILL to pg_dump or gzip at random moments. A kill that
# lands after the dump was whole may leave a backup, but only a whole one.
RANDOM=$$
echo "# seed $$"
for i in 1 2 3 4 5 6; do
	victim=pg_dump; [ $((i % 2)) = 0 ] && victim=gzip
	key=kill/$victim$i.sql.gz
	( { sh -c 'echo $$ >"$1/pg_dump.pid"; exec pg_dump -d "$2"' _ "$T" $DB 2>/dev/null; } |
	  { sh -c 'echo $$ >"$1/gzip.pid"; exec gzip' _ "$T"; } |
	  r2put -q --verify pgdump s3://$B/$key ) 2>/dev/null &
	pipe=$!
	sleep 0.$((RANDOM % 9 + 1))
	kill -9 "$(cat "$T/$victim.pid")" 2>/dev/null
	wait $pipe 2>/dev/null
	rc=$?
	if no_object $key; then
		ok "SIGKILL to $victim ($i): no object (r2put exit $rc)"
	elif r2get s3://$B/$key | gunzip | tail -n 5 | grep -q 'PostgreSQL database dump complete'; then
		ok "SIGKILL to $victim ($i) came after the dump was whole: the object is a whole backup"
	else
		not_ok "SIGKILL to $victim ($i): a partial backup was uploaded (r2put exit $rc)"
	fi
done

check_eq "nothing but the whole backup and its sidecar is in the bucket" \
	"daily/whole.sql.gz daily/whole.sql.gz.sha256" \
	"$(aws s3 ls --recursive s3://$B/ | awk '{print $4}' | grep -v '^kill/' | sort | tr '\n' ' ' | sed 's/ $//')"
dropdb $DB; dropdb ${DB}_restored
done_testing
