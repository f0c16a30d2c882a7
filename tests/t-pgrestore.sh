#!/usr/bin/env bash
# pgrestore-stream round trips: a database with every feature a dump can
# carry is dumped, restored from a pipe into a new database and dumped
# again; the two dumps must be identical but for the \restrict keys.
. "$(dirname "$0")/lib.sh"
need_own_pg

q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
# Dumps compared without their random \restrict keys.
norm() { zcat -f "$1" | grep -v -E '^\\(un)?restrict ' >"$2"; }
n=0
newdb() { n=$((n + 1)); DB=pgr_$$_$n; }

newdb; SRC=$DB
q -c "CREATE DATABASE $SRC" && q -d "$SRC" -f "$TOP/tests/pgrestore-fixture.sql" >/dev/null
check "the fixture database loads" q -d "$SRC" -c "SELECT 1"
pg_dump "$SRC" >"$T/plain.sql"
norm "$T/plain.sql" "$T/plain.norm"
check_grep "pg_dump writes \\restrict lines" '^\\restrict ' "$T/plain.sql"

# round_trip NAME DUMPFILE RESTORE-ARGS... -- DUMP-ARGS...: restores
# DUMPFILE with pgrestore-stream, dumps the result with pg_dump DUMP-ARGS
# and compares.
round_trip() {
	local name=$1 file=$2; shift 2
	local args=() dargs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	dargs=("$@")
	check_exit 0 "$name: restores" pgrestore-stream "${args[@]}" <"$file"
	pg_dump "${dargs[@]}" >"$T/again.sql" 2>"$T/again.err"
	norm "$file" "$T/a.norm"
	norm "$T/again.sql" "$T/b.norm"
	check_cmp "$name: dumped again, identical but for the \\restrict keys" "$T/a.norm" "$T/b.norm"
}

newdb; D=$DB
round_trip "plain dump into a new database (--create)" "$T/plain.sql" --create -d "$D" -- "$D"
check_eq "sequence keeps its current value" 4242 "$(psql -XAtd "$D" -c 'SELECT last_value FROM public.counter')"
check_eq "BEGIN ATOMIC function works" 5 "$(psql -XAtd "$D" -c 'SELECT public.atomic_add(2, 3)')"
check_eq "large object contents" '\x6c6f3b00ff' \
	"$(psql -XAtd "$D" -c "SELECT lo_get(oid) FROM pg_largeobject_metadata ORDER BY oid LIMIT 1")"
check_eq "text with tabs, backslashes, newlines and non-ASCII survives" \
	"$(psql -XAtd "$SRC" -c "SELECT md5(string_agg(txt || coalesce(encode(bin, 'hex'), '') || coalesce(arr::text, '') || coalesce(js::text, ''), ',' ORDER BY id)) FROM public.kinds")" \
	"$(psql -XAtd "$D" -c "SELECT md5(string_agg(txt || coalesce(encode(bin, 'hex'), '') || coalesce(arr::text, '') || coalesce(js::text, ''), ',' ORDER BY id)) FROM public.kinds")"

for mode in --inserts --column-inserts; do
	pg_dump "$mode" "$SRC" >"$T/ins.sql"
	newdb; D=$DB
	round_trip "$mode dump" "$T/ins.sql" --create -d "$D" -- "$mode" "$D"
done

grep -v -E '^\\(un)?restrict ' "$T/plain.sql" >"$T/norestrict.sql"
newdb; D=$DB
round_trip "dump without \\restrict lines (older pg_dump)" "$T/norestrict.sql" --create -d "$D" -- "$D"

gzip -c "$T/plain.sql" >"$T/plain.sql.gz"
newdb; D=$DB
round_trip "gzipped dump, recognised by its magic" "$T/plain.sql.gz" --create -d "$D" -- "$D"

newdb; D=$DB
round_trip "-j 2 builds indexes and keys on two connections" "$T/plain.sql" --create -j 2 -d "$D" -- "$D"

# A --create dump makes its own database; -d names where to connect first.
newdb; C=$DB
q -c "CREATE DATABASE $C" && q -d "$C" -f "$TOP/tests/pgrestore-fixture.sql" >/dev/null
pg_dump --create "$C" >"$T/create.sql"
q -c "DROP DATABASE $C"
round_trip "--create dump" "$T/create.sql" -d postgres -- --create "$C"
check_exit 8 "--create dump whose database exists: refused" pgrestore-stream -d postgres <"$T/create.sql"
check_grep "the refusal names the database and the line" "line [0-9]+: database \"$C\" already exists" "$T/err"

# pg_dumpall: roles and several databases, restored into the same cluster
# after they were dropped.
R1=pgr_$$_owner R2=pgr_$$_reader A=pgr_$$_all B="pgr_$$ two"
q -c "CREATE ROLE $R1 LOGIN" -c "CREATE ROLE $R2" && q -c "GRANT $R2 TO $R1" &&
	q -c "CREATE DATABASE $A OWNER $R1" && q -c "CREATE DATABASE \"$B\""
q -d "$A" -f "$TOP/tests/pgrestore-fixture.sql" >/dev/null
q -d "dbname='$B'" -c "CREATE TABLE x (a text); INSERT INTO x VALUES ('two'); GRANT SELECT ON x TO $R2"
pg_dumpall --exclude-database="pgr_$$_[0-9]*" >"$T/all.sql"
q -c "DROP DATABASE $A" -c "DROP DATABASE \"$B\"" -c "DROP ROLE $R1" -c "DROP ROLE $R2"
check_exit 0 "pg_dumpall dump: restores" pgrestore-stream -d postgres <"$T/all.sql"
pg_dumpall --exclude-database="pgr_$$_[0-9]*" >"$T/all2.sql"
norm "$T/all.sql" "$T/all.norm"
norm "$T/all2.sql" "$T/all2.norm"
check_cmp "pg_dumpall dump: dumped again, identical but for the \\restrict keys" "$T/all.norm" "$T/all2.norm"
q -c "DROP DATABASE $A" -c "DROP DATABASE \"$B\""
q -c "DROP ROLE $R1" -c "DROP ROLE $R2"

# -j with a pg_dumpall dump of two databases that both have post-data:
# each database's indexes and keys are built once all the data committed.
J1=pgr_$$_j1 J2=pgr_$$_j2
q -c "CREATE DATABASE $J1" -c "CREATE DATABASE $J2"
for d in "$J1" "$J2"; do
	q -d "$d" -c "CREATE TABLE t (a int PRIMARY KEY, b text); INSERT INTO t SELECT g, g::text FROM generate_series(1, 100) g" \
		-c "CREATE INDEX t_b ON t (b)"
done
pg_dumpall --exclude-database="pgr_$$_[0-9]*" >"$T/all-j.sql"
q -c "DROP DATABASE $J1" -c "DROP DATABASE $J2"
check_exit 0 "-j 2 with a pg_dumpall dump of two databases with indexes" pgrestore-stream -j 2 -d postgres <"$T/all-j.sql"
check_eq "-j 2 pg_dumpall: both databases have their rows and both indexes" "100 2 100 2" \
	"$(for d in "$J1" "$J2"; do psql -XAtd "$d" -c "SELECT count(*) FROM t" -c "SELECT count(*) FROM pg_indexes WHERE tablename = 't'"; done | tr '\n' ' ' | sed 's/ $//')"
q -c "DROP DATABASE IF EXISTS $J1" -c "DROP DATABASE IF EXISTS $J2"

# pg_dumpall of PostgreSQL 10 and older: every CREATE DATABASE, with its
# owner, comes before the first \connect.
newdb; OLD=$DB ROLE=pgr_$$_old
printf -- '--\n-- PostgreSQL database cluster dump\n--\n\nCREATE ROLE %s;\nALTER ROLE %s WITH NOLOGIN;\n' "$ROLE" "$ROLE" >"$T/old.sql"
printf 'CREATE DATABASE %s WITH TEMPLATE = template0 OWNER = %s;\n\\connect %s\n' "$OLD" "$ROLE" "$OLD" >>"$T/old.sql"
printf 'CREATE TABLE t (a int);\nALTER TABLE t OWNER TO %s;\n--\n-- PostgreSQL database cluster dump complete\n--\n' "$ROLE" >>"$T/old.sql"
check_exit 0 "old pg_dumpall layout: CREATE DATABASE ... OWNER before \\connect" pgrestore-stream -d postgres <"$T/old.sql"
check_eq "old pg_dumpall layout: the table belongs to the new role" "$ROLE" \
	"$(psql -XAtd "$OLD" -c "SELECT tableowner FROM pg_tables WHERE tablename = 't'")"
q -c "DROP DATABASE $OLD" -c "DROP ROLE $ROLE"
head -n 9 "$T/old.sql" >"$T/old-cut.sql"
check_exit 1 "old pg_dumpall layout cut short: exit 1" pgrestore-stream -d postgres <"$T/old-cut.sql"
check_eq "the role and database it created are dropped again" "0 0" \
	"$(psql -XAt -c "SELECT count(*) FROM pg_roles WHERE rolname = '$ROLE'") $(psql -XAt -c "SELECT count(*) FROM pg_database WHERE datname = '$OLD'")"

# --check needs no database.
check_exit 0 "--check on a whole dump" env PGHOST=/nonexistent pgrestore-stream --check <"$T/plain.sql.gz"
check_grep "--check counts the lines as wc -l does" "the dump is complete: $(wc -l <"$T/plain.sql") lines," "$T/err"
check_grep "--check reports COPY rows per table" '^-	public\.child	200$' "$T/out"
check_exit 0 "--check on a pg_dumpall dump" pgrestore-stream --check <"$T/all.sql"
check_grep "--check names each table's database" "^$A	public\\.child	200$" "$T/out"
check_grep "--check reports the statement count" '^statements	[0-9]+$' "$T/out"
head -c 20000 "$T/plain.sql" >"$T/short.sql"
check_exit 1 "--check on a truncated dump" pgrestore-stream --check <"$T/short.sql"

newdb; D=$DB
check_exit 0 "--report --analyze" pgrestore-stream --create --report --analyze -d "$D" <"$T/plain.sql"
check_grep "--report: rows in the dump and in the table" "^$D	public\\.parent	50	50$" "$T/out"
check_grep "--report: the table count" '^tables	8$' "$T/out"
check_eq "--analyze analyzed the tables" t \
	"$(psql -XAtd "$D" -c "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'parent'")"

# Ownership, privileges and --role.
O=pgr_$$_own
q -c "CREATE ROLE $O"
newdb; S2=$DB
q -c "CREATE DATABASE $S2" && q -d "$S2" -c "CREATE TABLE t (a int); ALTER TABLE t OWNER TO $O; GRANT SELECT ON t TO PUBLIC"
pg_dump "$S2" >"$T/own.sql"
newdb; D=$DB
check_exit 0 "--no-owner --no-privileges" pgrestore-stream --create -O -x -d "$D" <"$T/own.sql"
check_eq "--no-owner: the table belongs to the restoring user" postgres \
	"$(psql -XAtd "$D" -c "SELECT tableowner FROM pg_tables WHERE tablename = 't'")"
check_eq "--no-privileges: no grants" "" "$(psql -XAtd "$D" -c "SELECT relacl FROM pg_class WHERE relname = 't'")"
newdb; D=$DB
q -c "CREATE DATABASE $D OWNER $O"
check_exit 0 "--role" pgrestore-stream --role "$O" -O -d "$D" <"$T/own.sql"
check_eq "--role: objects belong to the role" "$O" \
	"$(psql -XAtd "$D" -c "SELECT tableowner FROM pg_tables WHERE tablename = 't'")"

newdb; D=$DB
check_exit 0 "-v traces, --progress reports" pgrestore-stream -v --progress --create -d "$D" <"$T/plain.sql"
check_grep "-v: the commit is traced" "committed database \"${D}_restore_[0-9]+T[0-9]+Z\"" "$T/err"
check_grep "-v: a new database takes its name once whole" "renamed database \"${D}_restore_[0-9]+T[0-9]+Z\" to \"$D\"" "$T/err"
check_grep "--progress: bytes and rate" '^pgrestore-stream: [0-9.]+ (B|KiB|MiB) at [0-9.]+ (B|KiB|MiB|GiB)/s' "$T/err"
newdb; D=$DB
check_exit 0 "-q" pgrestore-stream -q --create -d "$D" <"$T/plain.sql"
check_eq "-q: nothing on stderr" "" "$(cat "$T/err")"

# Server warnings and notices name the line of the statement that raised
# them, as psql does, not the line the reader has reached since.
newdb; D=$DB
{ printf -- '--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE w (a int);\n'
  printf 'DO $$BEGIN RAISE WARNING '"'"'raised on line six'"'"'; END$$;\n'
  for i in $(seq 1 20); do printf 'INSERT INTO w VALUES (%d);\n' "$i"; done
  printf -- '\n--\n-- PostgreSQL database dump complete\n--\n\n'; } >"$T/warn.sql"
check_exit 0 "a dump that raises a warning restores" pgrestore-stream --create -d "$D" <"$T/warn.sql"
check_grep "the warning names the statement's line" '^pgrestore-stream: dump line 6: WARNING: +raised on line six$' "$T/err"
check_grep "one table is counted in the singular" '\(1 table loaded\)' "$T/err"

check "the SYNOPSIS shows -O and -x, not mandoc's OpenBSD macro" \
	sh -c "mandoc -Tascii '$TOP/man/pgrestore-stream.1' | col -b | grep -q '\[-O\] \[-x\]' &&
	! mandoc -Tascii '$TOP/man/pgrestore-stream.1' | grep -q OpenBSD"
check_exit 0 "--help" pgrestore-stream --help
check_grep "--help lists --replace" '--replace' "$T/out"
check_exit 0 "--version" pgrestore-stream --version
check_exit 2 "unknown option" pgrestore-stream --bogus </dev/null
check_exit 2 "--create with --replace" pgrestore-stream --create --replace </dev/null

for i in $(seq 1 "$n"); do psql -Xq -c "DROP DATABASE IF EXISTS pgr_$$_$i" 2>/dev/null; done
q -c "DROP ROLE $O"
done_testing
