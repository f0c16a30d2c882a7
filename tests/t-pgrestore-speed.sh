#!/usr/bin/env bash
# pgrestore-stream loads what psql loads, faster where PostgreSQL allows:
# COPY ... (FREEZE) into the tables the restore's own transaction made, so
# that no VACUUM has to freeze them later, but never where the server would
# refuse it (a partitioned table, a cursor held open); -j builds the
# indexes on connections set up as the dump's own session was, and checks
# foreign keys side by side; a new database gets that by default.
. "$(dirname "$0")/lib.sh"
need_own_pg

q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
n=0
newdb() { n=$((n + 1)); DB=pgr_$$_$n; }
# frozen DB TABLE: t when every page of TABLE is marked all-frozen.
frozen() {
	psql -XAtd "$1" -c "CREATE EXTENSION IF NOT EXISTS pg_visibility" \
		-c "SELECT count(*) > 0 AND bool_and(all_frozen) FROM pg_visibility_map('$2')" | tail -n 1
}
CAFE='"Ödd Schema"."Café Table"'

newdb; SRC=$DB
q -c "CREATE DATABASE $SRC"
q -d "$SRC" -c 'CREATE SCHEMA "Ödd Schema"' \
	-c "CREATE TABLE $CAFE (id int, \"from\" text)" \
	-c "INSERT INTO $CAFE SELECT g, md5(g::text) FROM generate_series(1, 5000) g" \
	-c 'CREATE TABLE public.m (at int NOT NULL, v text) PARTITION BY RANGE (at)' \
	-c 'CREATE TABLE public.m1 PARTITION OF public.m FOR VALUES FROM (0) TO (1000)' \
	-c 'INSERT INTO public.m SELECT g, g::text FROM generate_series(0, 999) g'
pg_dump "$SRC" >"$T/plain.sql"

newdb; D=$DB
check_exit 0 "a dump restores" pgrestore-stream -v --create -d "$D" <"$T/plain.sql"
check_grep "-v: the COPY into a table the restore made is FROZEN" 'COPY "Ödd Schema"\."Café Table" \(FREEZE\)' "$T/err"
check_eq "its rows need no freezing: every page is all-frozen" t "$(frozen "$D" "$CAFE")"
check_eq "a partition's rows too" t "$(frozen "$D" public.m1)"
check_eq "every row is there" "5000 1000" \
	"$(psql -XAtd "$D" -c "SELECT (SELECT count(*) FROM $CAFE) || ' ' || (SELECT count(*) FROM public.m)")"
newdb; D=$DB
q -c "CREATE DATABASE $D" && q -1 -d "$D" -f "$T/plain.sql" >/dev/null
check_eq "psql -1 leaves them to be frozen later" f "$(frozen "$D" "$CAFE")"

# FREEZE refused by the server would fail the restore: it is not asked for.
pg_dump --load-via-partition-root "$SRC" >"$T/root.sql"
newdb; D=$DB
check_exit 0 "a dump that loads partitions through their partitioned root restores" \
	pgrestore-stream -v --create -d "$D" <"$T/root.sql"
check_grep "-v: that COPY runs without FREEZE" 'COPY public\.m$' "$T/err"
check_eq "its rows are there" 1000 "$(psql -XAtd "$D" -c 'SELECT count(*) FROM public.m')"
sed '/^COPY "Ödd Schema"/i DECLARE c CURSOR WITH HOLD FOR SELECT 1;' "$T/plain.sql" >"$T/cursor.sql"
newdb; D=$DB
check_exit 0 "a dump that holds a cursor open before a COPY restores" pgrestore-stream --create -d "$D" <"$T/cursor.sql"
check_eq "that table's rows were loaded without FREEZE" "f 5000" \
	"$(frozen "$D" "$CAFE") $(psql -XAtd "$D" -c "SELECT count(*) FROM $CAFE")"

# -j: an index lies where the dump's session said (SET default_tablespace),
# though another connection builds it.
ts=$T/ts
mkdir "$ts" && chown postgres "$ts" 2>/dev/null; chmod 700 "$ts"
q -c "CREATE TABLESPACE ts_speed LOCATION '$ts'"
q -d "$SRC" -c 'CREATE TABLE public.j (a int PRIMARY KEY, b text)' \
	-c 'INSERT INTO public.j SELECT g, g::text FROM generate_series(1, 1000) g' \
	-c 'CREATE INDEX j_b ON public.j (b) TABLESPACE ts_speed' -c 'CREATE INDEX j_ab ON public.j (a, b)'
pg_dump "$SRC" >"$T/ts.sql"
check_grep "the dump places the index by a session setting" '^SET default_tablespace = ts_speed;$' "$T/ts.sql"
newdb; D=$DB
check_exit 0 "-j 2 restores it" pgrestore-stream -j 2 --create -d "$D" <"$T/ts.sql"
check_eq "the index built on another connection lies in its tablespace, the others do not" "j_ab- j_b-ts_speed j_pkey-" \
	"$(psql -XAtd "$D" -c "SELECT string_agg(indexname || '-' || coalesce(tablespace, ''), ' ' ORDER BY indexname)
		FROM pg_indexes WHERE tablename = 'j'")"
pg_dump "$D" >"$T/ts-again.sql"
check_cmp "dumped again, identical but for the \\restrict keys" \
	<(grep -v -E '^\\(un)?restrict ' "$T/ts.sql") <(grep -v -E '^\\(un)?restrict ' "$T/ts-again.sql")
# A database --create makes takes its name only once whole, so that the
# restore may commit on the way: without -j its indexes and keys are built
# on two connections, and foreign keys are added NOT VALID and their rows
# checked side by side afterwards; one the rows break still fails it all.
newdb; FK=$DB
q -c "CREATE DATABASE $FK"
q -d "$FK" <<'EOF'
CREATE TABLE public.u (id int PRIMARY KEY);
CREATE TABLE public.o (id int PRIMARY KEY, u int REFERENCES public.u ON DELETE CASCADE);
CREATE TABLE public.p (o int, CONSTRAINT "P; odd" FOREIGN KEY (o) REFERENCES public.o DEFERRABLE);
INSERT INTO public.u SELECT generate_series(1, 100);
INSERT INTO public.o SELECT g, g % 100 + 1 FROM generate_series(1, 1000) g;
INSERT INTO public.p SELECT generate_series(1, 1000);
-- A key the rows do not meet, kept NOT VALID: a restore leaves it so.
CREATE TABLE public.x (o int);
INSERT INTO public.x VALUES (5000);
ALTER TABLE public.x ADD CONSTRAINT x_loose FOREIGN KEY (o) REFERENCES public.o NOT VALID;
EOF
pg_dump "$FK" >"$T/fk.sql"
fks() { psql -XAtd "$1" -c "SELECT string_agg(conname || '-' || convalidated, ' ' ORDER BY conname) FROM pg_constraint WHERE contype = 'f'"; }
newdb; D=$DB
check_exit 0 "a dump with foreign keys restores into a new database with -j 2" pgrestore-stream -v -j 2 --create -d "$D" <"$T/fk.sql"
check_grep "-v: its post-data part on 2 connections" 'post-data statements .* with -j 2$' "$T/err"
check_eq "its foreign keys are validated, the one NOT VALID in the dump is not" \
	"P; odd-true o_u_fkey-true x_loose-false" "$(fks "$D")"
pg_dump "$D" >"$T/fk-again.sql"
check_cmp "dumped again, identical but for the \\restrict keys" \
	<(grep -v -E '^\\(un)?restrict ' "$T/fk.sql") <(grep -v -E '^\\(un)?restrict ' "$T/fk-again.sql")
sed '/^COPY public\.p /a 9999' "$T/fk.sql" >"$T/fk-bad.sql"
newdb; D=$DB
check_exit 7 "a foreign key the rows break fails the restore" pgrestore-stream --create -d "$D" <"$T/fk-bad.sql"
check_grep "the message names the key's dump line and its violation" \
	"dump line $(grep -n 'ADD CONSTRAINT "P; odd"' "$T/fk.sql" | cut -d: -f1): .*violates foreign key constraint \"P; odd\".*nothing was restored" "$T/err"
check_eq "no database is left, under its name or aside" 0 \
	"$(psql -XAt -c "SELECT count(*) FROM pg_database WHERE datname LIKE '${D}%'")"

# -j with a dump not in pg_dump's order (a COPY after an index): what it
# held back runs first, in the dump's order, as without -j.
{ printf -- '--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE a (x int);\nCREATE INDEX a_x ON a (x);\n'
  printf 'CREATE TABLE b (y int);\nCOPY b (y) FROM stdin;\n1\n2\n\\.\n\nCREATE INDEX b_y ON b (y);\n'
  printf -- '\n--\n-- PostgreSQL database dump complete\n--\n\n'; } >"$T/order.sql"
newdb; D=$DB
check_exit 0 "-j 2: a COPY after an index restores" pgrestore-stream -v -j 2 --create -d "$D" <"$T/order.sql"
check_grep "-v: what was held back ran first" 'dump line 8: COPY after the indexes' "$T/err"
check_eq "rows and both indexes are there" "2 a_x b_y" \
	"$(psql -XAtd "$D" -c "SELECT (SELECT count(*) FROM b) || ' ' || string_agg(indexname, ' ' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public'")"

for d in $(seq 1 $n); do psql -Xq -c "DROP DATABASE IF EXISTS pgr_$$_$d"; done
q -c "DROP TABLESPACE ts_speed"
done_testing
