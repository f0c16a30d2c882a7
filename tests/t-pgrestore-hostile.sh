#!/usr/bin/env bash
# A hostile dump cannot escape the restore's transaction or outlive it:
# every spelling of a transaction's end, behind comments and in any case,
# is left out or refused before it runs; what cannot run in a transaction
# (ALTER SYSTEM, CREATE TABLESPACE) takes effect only when the dump is whole;
# COPY ... PROGRAM never runs unless allowed; one statement is bounded.
# Its own cluster: ALTER SYSTEM writes the cluster's postgresql.auto.conf.
. "$(dirname "$0")/lib.sh"
need_own_pg

q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
tables_in() { psql -XAtd "$1" -c "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"; }
db_exists() { psql -XAt -c "SELECT count(*) FROM pg_database WHERE datname = '$1'"; }

SRC=hostile_src TGT=hostile_tgt
q -c "CREATE DATABASE $SRC" -c "CREATE DATABASE $TGT" -c "CREATE DATABASE other"
q -d "$SRC" -c "CREATE TABLE public.base (a int); INSERT INTO public.base VALUES (1), (2)"
pg_dump "$SRC" >"$T/dump.sql"
# head: the dump up to its completion trailer; tail: the trailer on.
trailer=$(grep -n '^-- PostgreSQL database dump complete' "$T/dump.sql" | cut -d: -f1)
head -n $((trailer - 1)) "$T/dump.sql" >"$T/head.sql"
tail -n +"$trailer" "$T/dump.sql" >"$T/tail.sql"

# Every transaction-ending or -opening spelling PostgreSQL accepts, behind
# every kind of comment, in three casings, with a comment between its words.
mkdir "$T/gen"
python3 - "$T/gen" <<'EOF'
import sys
out = sys.argv[1]
spellings = [
    "COMMIT", "COMMIT WORK", "COMMIT TRANSACTION", "COMMIT AND CHAIN", "COMMIT AND NO CHAIN",
    "END", "END WORK", "END TRANSACTION AND CHAIN", "ROLLBACK", "ROLLBACK WORK",
    "ROLLBACK TRANSACTION AND CHAIN", "ABORT", "ABORT WORK", "PREPARE TRANSACTION 'x'",
    "COMMIT PREPARED 'x'", "ROLLBACK PREPARED 'x'", "BEGIN", "START TRANSACTION",
]
fronts = ["", "/* x */ ", "-- c\n", "/* a /* nested */ b */\n", "\n\t ", "-- c\n/* d */ "]
cases = [str.upper, str.lower, lambda s: "".join(c.lower() if i % 2 else c for i, c in enumerate(s))]
n = 0
for sp in spellings:
    for f in fronts:
        for c in cases:
            s = c(sp)
            if n % 2 and " " in s:
                s = s.replace(" ", " /* in */ ", 1)
            # A dump cut before the DROP DATABASE is incomplete, exit 1,
            # unless the spelling would end the transaction: refused, 8.
            cut = 1 if sp.split()[0] in ("COMMIT", "END", "BEGIN", "START") and "PREPARED" not in sp else 8
            with open("%s/%04d-%d.sql" % (out, n, cut), "w") as fh:
                fh.write("CREATE TABLE public.leak_a (a int);\n%s%s;\n"
                         "CREATE TABLE public.leak_b (a int);\n%sdRoP dAtAbAsE other;\n" % (f, s, f))
            n += 1
EOF
# A committed table would make every later restore exit 8 (target not
# empty), which the exact exit status of each cut dump catches.
cases=0
: >"$T/bad"
for g in "$T"/gen/*.sql; do
	cases=$((cases + 1))
	cat "$T/head.sql" "$g" >"$T/hostile.sql"
	run leaks_unchecked pgrestore-stream -q -d "$TGT" <"$T/hostile.sql"
	[ "$RC" = 8 ] || echo "$(basename "$g"): exit $RC: $(cat "$T/err")" >>"$T/bad"
	head -n -1 "$g" | cat "$T/head.sql" - >"$T/cut.sql"
	want=${g%.sql} want=${want##*-}
	run leaks_unchecked pgrestore-stream -q -d "$TGT" <"$T/cut.sql"
	[ "$RC" = "$want" ] || echo "$(basename "$g") cut: exit $RC, want $want: $(cat "$T/err")" >>"$T/bad"
done
check "$cases generated spellings: the generator made them" test "$cases" -ge 300
check_eq "$cases spellings then DROP DATABASE: every one refused (8); cut short: 1, or 8 for a rollback" "" \
	"$(head -c 1500 "$T/bad")"
check_eq "no spelling committed a table or dropped the database other" "0 1" "$(tables_in "$TGT") $(db_exists other)"

# The example of the issue, word for word.
printf '/* x */ COMMIT;\n/* y */ DROP DATABASE other;\n' | cat "$T/head.sql" - >"$T/issue.sql"
check_exit 8 "/* x */ COMMIT; then /* y */ DROP DATABASE other: refused" pgrestore-stream -d "$TGT" <"$T/issue.sql"
check_grep "the refusal names the line and the statement" \
	"dump line $((trailer + 1)): DROP DATABASE refused: a restore never destroys" "$T/err"
check_eq "other still exists" 1 "$(db_exists other)"

# What PostgreSQL itself refuses inside the restore's transaction block: a
# DO block or a procedure that commits, statements that run in no
# transaction. Each dump is whole, so only the server can stop it.
i=0
: >"$T/bad"
while IFS= read -r stmt; do
	i=$((i + 1))
	{ cat "$T/head.sql"; echo "CREATE TABLE public.leak (a int);"; printf '%s\n' "$stmt"; cat "$T/tail.sql"; } >"$T/srv.sql"
	run pgrestore-stream -q -d "$TGT" <"$T/srv.sql"
	[ "$RC" = 7 ] && [ "$(tables_in "$TGT")" = 0 ] || echo "exit $RC: $stmt: $(cat "$T/err")" >>"$T/bad"
done <<'EOF'
DO $$ BEGIN COMMIT; END $$;
/* c */ do $x$ begin rollback; end $x$;
DO $$ BEGIN CREATE TABLE public.do_leak (a int); COMMIT; END $$;
CREATE PROCEDURE public.p() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$; CALL public.p();
CREATE PROCEDURE public.p() LANGUAGE plpgsql AS $$ BEGIN CREATE TABLE public.p_leak (a int); COMMIT; END $$; /* c */ call /* c */ public.p();
CLUSTER;
REINDEX DATABASE hostile_tgt;
REINDEX SYSTEM hostile_tgt;
CREATE INDEX CONCURRENTLY leak_i ON public.leak (a);
ALTER DATABASE hostile_tgt SET TABLESPACE pg_default;
CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION p;
DISCARD ALL;
EOF
check_eq "$i statements PostgreSQL refuses in a transaction block: exit 7, no table" "" "$(head -c 1500 "$T/bad")"

# ALTER SYSTEM: held until the dump has verified.
auto=$PG_DIR/data/postgresql.auto.conf
cp "$auto" "$T/auto.before"
for front in "" "/* x */ " "-- c
"; do
	{ cat "$T/head.sql"; printf '%salter SYSTEM set work_mem = '"'"'77MB'"'"';\n' "$front"; echo 'CREATE TABLE public.t1 (a int);'; } >"$T/as-cut.sql"
	check_exit 1 "a truncated dump with ${front:+a comment and }ALTER SYSTEM: exit 1" pgrestore-stream -d "$TGT" <"$T/as-cut.sql"
	check_cmp "postgresql.auto.conf is untouched" "$T/auto.before" "$auto"
done
{ cat "$T/head.sql"; echo "ALTER SYSTEM SET work_mem = '77MB';"; echo 'CREATE TABLE public.broken (x no_such_type);'; cat "$T/tail.sql"; } >"$T/as-err.sql"
check_exit 7 "ALTER SYSTEM, then an SQL error: exit 7" pgrestore-stream -d "$TGT" <"$T/as-err.sql"
check_cmp "postgresql.auto.conf is still untouched" "$T/auto.before" "$auto"
{ cat "$T/head.sql"; echo "ALTER SYSTEM SET work_mem = '77MB';"; cat "$T/tail.sql"; } >"$T/as-ok.sql"
check_exit 0 "a whole dump with ALTER SYSTEM restores" pgrestore-stream -d "$TGT" <"$T/as-ok.sql"
check_grep "then the setting is written" "work_mem = '77MB'" "$auto"
q -c "ALTER SYSTEM RESET work_mem"
q -c "DROP DATABASE $TGT" -c "CREATE DATABASE $TGT"

# CREATE TABLESPACE: undone when the dump fails.
ts=$T/ts
mkdir "$ts" && chown postgres "$ts" 2>/dev/null; chmod 700 "$ts"
spaces() { psql -XAt -c "SELECT count(*) FROM pg_tablespace WHERE spcname = 'ts_hostile'"; }
# As pg_dumpall writes it: before the first database.
{ echo "/* c */ create tablespace ts_hostile location '$ts';"; cat "$T/head.sql"
  echo 'CREATE TABLE public.in_ts (a int) TABLESPACE ts_hostile;'; echo 'INSERT INTO public.in_ts VALUES (1);'; } >"$T/ts-cut.sql"
check_exit 1 "a truncated dump with CREATE TABLESPACE: exit 1" pgrestore-stream -d "$TGT" <"$T/ts-cut.sql"
check_eq "no tablespace is left" 0 "$(spaces)"
check_eq "its directory is empty again" "" "$(ls -A "$ts")"
check_eq "and no table" 0 "$(tables_in "$TGT")"
{ cat "$T/ts-cut.sql"; cat "$T/tail.sql"; } >"$T/ts-ok.sql"
check_exit 0 "a whole dump with CREATE TABLESPACE restores" pgrestore-stream -d "$TGT" <"$T/ts-ok.sql"
check_eq "the tablespace holds the table" "ts_hostile" \
	"$(psql -XAtd "$TGT" -c "SELECT tablespace FROM pg_tables WHERE tablename = 'in_ts'")"
q -c "DROP DATABASE $TGT" -c "DROP TABLESPACE ts_hostile" -c "CREATE DATABASE $TGT"
# After the tables, it would commit them before the dump is verified.
{ cat "$T/head.sql"; echo "CREATE TABLESPACE ts_hostile LOCATION '$ts';"; } >"$T/ts-late.sql"
check_exit 8 "CREATE TABLESPACE after a table: refused" pgrestore-stream -d "$TGT" <"$T/ts-late.sql"
check_grep "the refusal says why" "would commit what comes before it, and line [0-9]+ \\(\"CREATE TABLE public.base" "$T/err"
check_eq "no tablespace, no table" "0 0" "$(spaces) $(tables_in "$TGT")"
for sw in '\connect other' "CREATE DATABASE hostile_new;"; do
	{ cat "$T/head.sql"; printf '%s\n' "$sw"; echo 'CREATE TABLE public.t2 (a int);'; } >"$T/sw-cut.sql"
	check_exit 8 "$sw after a table: refused" pgrestore-stream -d "$TGT" <"$T/sw-cut.sql"
	check_eq "no table committed, no database made" "0 0" "$(tables_in "$TGT") $(db_exists hostile_new)"
done
{ cat "$T/head.sql"; echo "DROP TABLESPACE IF EXISTS pg_global;"; cat "$T/tail.sql"; } >"$T/ts-drop.sql"
check_exit 8 "DROP TABLESPACE: refused" pgrestore-stream -d "$TGT" <"$T/ts-drop.sql"

# COPY ... PROGRAM, however spelt: never run unless allowed.
mkdir "$T/prog" && chmod 777 "$T/prog"
i=0
: >"$T/bad"
while IFS= read -r stmt; do
	i=$((i + 1))
	stmt=${stmt//@F@/$T/prog/ran_$i} stmt=${stmt//@NL@/$'\n'}
	{ cat "$T/head.sql"; printf '%s\n' "$stmt"; cat "$T/tail.sql"; } >"$T/prog.sql"
	run pgrestore-stream -q -d "$TGT" <"$T/prog.sql"
	[ "$RC" = 8 ] && grep -q 'PROGRAM would run a shell command on the database server; refused (--allow-program' "$T/err" ||
		echo "exit $RC: $stmt: $(cat "$T/err")" >>"$T/bad"
done <<'EOF'
COPY public.base FROM PROGRAM 'touch @F@';
copy public.base from program 'touch @F@';
/* x */ CoPy public.base (a) FrOm /* y */ PrOgRaM 'touch @F@' WITH (FORMAT csv);
-- c@NL@COPY public.base TO PROGRAM 'cat >/dev/null; touch @F@';
COPY (SELECT ')' FROM public.base) TO PROGRAM 'cat >/dev/null; touch @F@';
COPY (SELECT E'\') FROM') TO PROGRAM $$cat >/dev/null; touch @F@$$;
COPY public.base FROM PROGRAM $q$touch @F@$q$;
DO $$ BEGIN EXECUTE 'COPY public.base FROM PROGRAM ''touch @F@'''; END $$;
do $x$ begin execute format('copy public.base from program %L', 'touch @F@'); end $x$;
EOF
check_eq "$i spellings of COPY ... PROGRAM: each refused, exit 8, with the option named" "" "$(head -c 1500 "$T/bad")"
check_eq "no program ran" "" "$(ls -A "$T/prog")"
check_eq "the target holds no table" 0 "$(tables_in "$TGT")"
{ cat "$T/head.sql"; echo "COPY public.base FROM PROGRAM 'touch $T/prog/allowed';"; cat "$T/tail.sql"; } >"$T/prog.sql"
check_exit 0 "--allow-program runs it" pgrestore-stream --allow-program -d "$TGT" <"$T/prog.sql"
check "the program ran" test -e "$T/prog/allowed"
check_exit 8 "--check refuses it too" pgrestore-stream --check <"$T/prog.sql"
q -c "DROP DATABASE $TGT" -c "CREATE DATABASE $TGT"

# One statement is bounded; COPY data is not.
python3 - "$T/head.sql" "$T/tail.sql" <<'EOF' >"$T/big.sql"
import sys
sys.stdout.write(open(sys.argv[1]).read())
sys.stdout.write("CREATE TABLE public.big (v text);\n")
sys.stdout.write("INSERT INTO public.big VALUES ('" + "x" * (3 << 20) + "');\n")
sys.stdout.write("COPY public.base (a) FROM stdin;\n" + "7\n" * 400000 + "\\.\n")
sys.stdout.write(open(sys.argv[2]).read())
EOF
line=$(grep -n "^INSERT INTO public.big" "$T/big.sql" | cut -d: -f1)
for lim in 64K 1M 2M; do
	check_exit 8 "a 3 MiB statement with --max-statement $lim: exit 8" pgrestore-stream --max-statement "$lim" -d "$TGT" <"$T/big.sql"
	check_grep "the message names the line and the bound" "dump line $line: the statement there is longer than --max-statement \\([0-9]+ bytes\\); refused" "$T/err"
	check_eq "nothing restored" 0 "$(tables_in "$TGT")"
done
# A 64 MiB statement through a pipe, measured on the release build (ASan's
# shadow memory would dominate): refused before it is held.
python3 -c 'import sys; sys.stdout.write(open(sys.argv[1]).read() + "SELECT \x27" + "x" * (64 << 20) + "\x27;\n")' \
	"$T/head.sql" | /usr/bin/time -v "${DRKIT_RELEASE_BIN:-$TOP/build/bin}/pgrestore-stream" -q --max-statement 1M \
	-d "$TGT" 2>"$T/time"
check_eq "a 64 MiB statement with --max-statement 1M: exit 8" 8 "${PIPESTATUS[1]}"
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/time")
check "refused before it is held: peak RSS ${rss:-?} KiB under 24 MiB" test "${rss:-999999}" -lt 24576
check_exit 0 "with --max-statement 4M it restores, 800 KB of COPY data included" pgrestore-stream -d "$TGT" --max-statement 4M <"$T/big.sql"
check_eq "every COPY row arrived" 400002 "$(psql -XAtd "$TGT" -c 'SELECT count(*) FROM public.base')"
q -c "DROP DATABASE $TGT" -c "CREATE DATABASE $TGT"
check_exit 0 "the default (256M) takes it" pgrestore-stream -q -d "$TGT" <"$T/big.sql"
check_exit 2 "--max-statement below 1K: usage" pgrestore-stream --max-statement 10 -d "$TGT" <"$T/big.sql"
check_exit 2 "--max-statement over 1G: usage" pgrestore-stream --max-statement 2G -d "$TGT" <"$T/big.sql"

done_testing
