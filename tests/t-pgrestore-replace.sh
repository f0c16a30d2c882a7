#!/usr/bin/env bash
# pgrestore-stream --replace: the restore goes to a side database, which is
# swapped in by renames only once it committed and its row counts match;
# the old database survives under a new name. A failing --replace leaves
# the target as it was and no side database behind.
. "$(dirname "$0")/lib.sh"
need_pg

q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
dbs_like() { psql -XAt -c "SELECT datname FROM pg_database WHERE datname LIKE '$1' ORDER BY 1"; }

SRC=pgr_$$_src LIVE=pgr_$$_live APP=pgr_$$_app
q -c "CREATE ROLE $APP"
q -c "CREATE DATABASE $SRC" && q -d "$SRC" -f "$TOP/tests/pgrestore-fixture.sql" >/dev/null
pg_dump "$SRC" >"$T/dump.sql"
q -c "CREATE DATABASE $LIVE OWNER $APP" && q -d "$LIVE" -c "CREATE TABLE old_data (a int); INSERT INTO old_data SELECT generate_series(1, 7)"
pg_dump "$LIVE" >"$T/live-before.sql"

# A failing --replace first: truncated dump, then an SQL error.
head -c 30000 "$T/dump.sql" >"$T/short.sql"
check_exit 1 "--replace with a truncated dump: exit 1" pgrestore-stream --replace -d "$LIVE" <"$T/short.sql"
check_exit 0 "the target is unchanged" sh -c "pg_dump $LIVE | grep -v -E '^.(un)?restrict ' >'$T/a'; grep -v -E '^.(un)?restrict ' '$T/live-before.sql' >'$T/b'; cmp '$T/a' '$T/b'"
check_eq "no side database is left" "" "$(dbs_like "${LIVE}\\_%")"
{ cat "$T/dump.sql" | sed 's/^CREATE TABLE public.parent (/CREATE TABLE public.parent (x no_such_type, /'; } >"$T/bad.sql"
check_exit 7 "--replace with an SQL error: exit 7" pgrestore-stream --replace -d "$LIVE" <"$T/bad.sql"
check_grep "the message has the SQLSTATE" 'SQLSTATE 42704' "$T/err"
check_eq "the old data is still in the target" 7 "$(psql -XAtd "$LIVE" -c 'SELECT count(*) FROM old_data')"
check_eq "no side database is left after the SQL error" "" "$(dbs_like "${LIVE}\\_%")"
{ printf '\\connect postgres\n'; grep -v '^\\restrict' "$T/dump.sql"; } >"$T/switch.sql"
check_exit 8 "--replace refuses a dump that switches database" pgrestore-stream --replace -d "$LIVE" <"$T/switch.sql"
check_eq "no side database is left after the refusal" "" "$(dbs_like "${LIVE}\\_%")"

# A session on the target does not stop the swap; it is ended.
psql -Xd "$LIVE" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
sleeper=$!
sleep 0.5
check_exit 0 "--replace with a good dump" pgrestore-stream --replace -d "$LIVE" <"$T/dump.sql"
wait "$sleeper" 2>/dev/null
before=$(dbs_like "${LIVE}\\_before\\_%")
check_grep "the message names the old database's new name" "previous database is now \"$before\"" "$T/err"
check "the old database was renamed NAME_before_YYYYMMDDTHHMMSSZ" sh -c "echo '$before' | grep -Eq '^${LIVE}_before_[0-9]{8}T[0-9]{6}Z$'"
check_eq "the old database keeps its data" 7 "$(psql -XAtd "$before" -c 'SELECT count(*) FROM old_data')"
pg_dump "$LIVE" | grep -v -E '^\\(un)?restrict ' >"$T/live-after"
grep -v -E '^\\(un)?restrict ' "$T/dump.sql" >"$T/want"
check_cmp "the target now holds the dump" "$T/want" "$T/live-after"
check_eq "the new database has the old one's owner" "$APP" \
	"$(psql -XAt -c "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$LIVE'")"
check_eq "no side database is left after the swap" "" "$(dbs_like "${LIVE}\\_restore\\_%")"

for d in "$SRC" "$LIVE" "$before"; do [ -n "$d" ] && psql -Xq -c "DROP DATABASE IF EXISTS \"$d\""; done
psql -Xq -c "DROP ROLE $APP"
done_testing
