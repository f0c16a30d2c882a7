#!/usr/bin/env bash
# pgrestore-stream fails closed: a truncated, corrupt or failing dump, a
# forbidden meta-command, a target that is not empty or a connection that
# cannot be made all exit non-zero and leave the target as it was.
. "$(dirname "$0")/lib.sh"
need_pg

q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
tables_in() { psql -XAtd "$1" -c "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"; }

SRC=pgr_$$_src TGT=pgr_$$_tgt
q -c "CREATE DATABASE $SRC" && q -d "$SRC" -f "$TOP/tests/pgrestore-fixture.sql" >/dev/null
q -c "CREATE DATABASE $TGT"
pg_dump "$SRC" >"$T/dump.sql"
# -n: no file name in the header, whose bytes gzip does not check.
gzip -n -c "$T/dump.sql" >"$T/dump.sql.gz"
size=$(stat -c %s "$T/dump.sql.gz")

# Truncation anywhere in the gzip stream: never a success, never a table.
bad=0 leaked=0 cases=0
for off in 0 1 2 10 100 1000 $(seq $((size / 12)) $((size / 12)) $((size - 1))) $((size - 8)) $((size - 4)) $((size - 1)); do
	[ "$off" -lt "$size" ] || continue
	cases=$((cases + 1))
	head -c "$off" "$T/dump.sql.gz" >"$T/cut.gz"
	pgrestore-stream -q -d "$TGT" <"$T/cut.gz" 2>"$T/cut.err" && bad=$((bad + 1))
	[ "$(tables_in "$TGT")" = 0 ] || { leaked=$((leaked + 1)); break; }
done
check_eq "gzip cut at $cases offsets: every restore fails" 0 "$bad"
check_eq "gzip cut at $cases offsets: the target never holds a table" 0 "$leaked"

# Flipped bytes after the header (which holds an unchecked time stamp).
bad=0 leaked=0 cases=0
for off in 10 11 50 $(seq $((size / 10)) $((size / 10)) $((size - 1))) $((size - 6)) $((size - 2)); do
	cases=$((cases + 1))
	cp "$T/dump.sql.gz" "$T/flip.gz"
	byte=$(od -An -tu1 -j "$off" -N1 "$T/flip.gz" | tr -d ' ')
	printf "$(printf '\\%03o' $(( (byte ^ 0x55) & 255 )))" |
		dd of="$T/flip.gz" bs=1 seek="$off" conv=notrunc status=none
	pgrestore-stream -q -d "$TGT" <"$T/flip.gz" 2>"$T/flip.err" && bad=$((bad + 1))
	[ "$(tables_in "$TGT")" = 0 ] || { leaked=$((leaked + 1)); break; }
done
check_eq "gzip with a flipped byte at $cases offsets: every restore fails" 0 "$bad"
check_eq "gzip with a flipped byte: the target never holds a table" 0 "$leaked"
check_exit 1 "a corrupt gzip exits 1" pgrestore-stream -d "$TGT" <"$T/flip.gz"
check_grep "the message says the gzip input is corrupt" 'gzip input is (corrupt|truncated)' "$T/err"

# Plain truncation: inside COPY data, inside a statement, before the trailer.
copy_line=$(grep -n '^COPY public.child' "$T/dump.sql" | cut -d: -f1)
head -n $((copy_line + 50)) "$T/dump.sql" >"$T/in-copy.sql"
check_exit 1 "a dump cut inside COPY data: exit 1" pgrestore-stream -d "$TGT" <"$T/in-copy.sql"
check_grep "the message names the table and the line" "inside the COPY data of public\\.child begun at line $copy_line" "$T/err"
check_eq "the target holds no table" 0 "$(tables_in "$TGT")"
head -c $(( $(grep -b 'CREATE TABLE public.kinds' "$T/dump.sql" | cut -d: -f1) + 30 )) "$T/dump.sql" >"$T/in-stmt.sql"
check_exit 1 "a dump cut inside a statement: exit 1" pgrestore-stream -d "$TGT" <"$T/in-stmt.sql"
check_grep "the message says incomplete" 'ends inside the statement that begins at line [0-9]+: incomplete' "$T/err"
grep -v 'PostgreSQL database dump complete' "$T/dump.sql" >"$T/no-trailer.sql"
check_exit 1 "a dump without its completion trailer: exit 1" pgrestore-stream -d "$TGT" <"$T/no-trailer.sql"
check_grep "the message names the trailer" 'without pg_dump.s completion trailer' "$T/err"
{ cat "$T/dump.sql"; echo 'DROP TABLE public.parent;'; } >"$T/after-trailer.sql"
check_exit 1 "text after the completion trailer: exit 1" pgrestore-stream -d "$TGT" <"$T/after-trailer.sql"
check_grep "the message says what follows the trailer" \
	"goes on after pg_dump.s completion trailer \\(line [0-9]+\\): \"DROP TABLE public.parent;\" on line $(( $(wc -l <"$T/dump.sql") + 1 ))" "$T/err"
check "the message does not call the trailer missing" sh -c "! grep -q 'without pg_dump' '$T/err'"
grep -v '^\\unrestrict' "$T/dump.sql" >"$T/no-unrestrict.sql"
check_exit 1 "a dump without its \\unrestrict: exit 1" pgrestore-stream -d "$TGT" <"$T/no-unrestrict.sql"
check_eq "the target still holds no table" 0 "$(tables_in "$TGT")"

# An SQL error in the middle: rollback, exit 7, the line.
at=$(grep -n '^CREATE TABLE public.parent' "$T/dump.sql" | cut -d: -f1)
{ head -n $((at - 1)) "$T/dump.sql"; echo 'CREATE TABLE public.broken (x no_such_type);'; tail -n +"$at" "$T/dump.sql"; } >"$T/sqlerr.sql"
check_exit 7 "an SQL error mid-dump: exit 7" pgrestore-stream -d "$TGT" <"$T/sqlerr.sql"
check_grep "the message has the line, SQLSTATE and statement" \
	"dump line $at: SQLSTATE 42704: type \"no_such_type\" does not exist; statement \"CREATE TABLE public.broken" "$T/err"
check_eq "rolled back: no table" 0 "$(tables_in "$TGT")"

# The dump's own transaction control never ends the restore's transaction.
{ head -n $((at - 1)) "$T/dump.sql"; echo 'COMMIT;'; echo 'BEGIN;'; tail -n +"$at" "$T/dump.sql" | head -n 20; } >"$T/commit.sql"
check_exit 1 "COMMIT in a dump that is then cut: exit 1" pgrestore-stream -d "$TGT" <"$T/commit.sql"
check_eq "COMMIT in the dump committed nothing" 0 "$(tables_in "$TGT")"
{ head -n $((at - 1)) "$T/dump.sql"; echo 'ROLLBACK;'; tail -n +"$at" "$T/dump.sql"; } >"$T/rollback.sql"
check_exit 8 "ROLLBACK in a dump: refused" pgrestore-stream -d "$TGT" <"$T/rollback.sql"
check_grep "the refusal names the line" "dump line $at: a statement that would end the restore's transaction" "$T/err"
check_eq "ROLLBACK: nothing restored" 0 "$(tables_in "$TGT")"

# Meta-commands other than \connect, \restrict, \unrestrict never run.
r=$(grep -n '^\\restrict' "$T/dump.sql" | head -1 | cut -d: -f1)
{ head -n "$r" "$T/dump.sql"; echo "\\! touch $T/inside"; tail -n +$((r + 1)) "$T/dump.sql"; } >"$T/shell-in.sql"
check_exit 8 "\\! inside the \\restrict section: refused" pgrestore-stream -d "$TGT" <"$T/shell-in.sql"
check_grep "the refusal names the line" "dump line $((r + 1)): \\\\! inside the dump's \\\\restrict section" "$T/err"
check "\\! inside: the file was never created" test ! -e "$T/inside"
{ echo "\\! touch $T/outside"; cat "$T/dump.sql"; } >"$T/shell-out.sql"
check_exit 8 "\\! outside the \\restrict section: refused" pgrestore-stream -d "$TGT" <"$T/shell-out.sql"
check_grep "the refusal names the line" "dump line 1: meta-command \\\\! refused" "$T/err"
check "\\! outside: the file was never created" test ! -e "$T/outside"
{ grep -v -E '^\\(un)?restrict' "$T/dump.sql" | head -n 20; echo "\\o $T/out-file"; echo "\\i /etc/passwd"; } >"$T/meta.sql"
check_exit 8 "\\o in a dump without \\restrict: refused" pgrestore-stream -d "$TGT" <"$T/meta.sql"
check "\\o: no file written" test ! -e "$T/out-file"
check_eq "after all refusals the target holds no table" 0 "$(tables_in "$TGT")"

# SIGTERM while waiting for the rest of the dump: rolled back, the
# database --create made is dropped again.
SIG=pgr_$$_sig
mkfifo "$T/fifo"
{ head -n $((copy_line - 1)) "$T/dump.sql"; exec sleep 600; } >"$T/fifo" &
writer=$!
pgrestore-stream --create -d "$SIG" <"$T/fifo" >/dev/null 2>"$T/sig.err" &
restorer=$!
for _ in $(seq 1 300); do
	[ "$(psql -XAt -c "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE '${SIG}_restore_%' AND state = 'idle in transaction'")" = 1 ] && break
	sleep 0.1
done
check_eq "mid-dump, the database --create makes is restored aside: nothing has its name yet" "0 1" \
	"$(psql -XAt -c "SELECT count(*) FILTER (WHERE datname = '$SIG') || ' ' || count(*) FROM pg_database WHERE datname LIKE '${SIG}%'")"
kill -TERM "$restorer"
wait "$restorer"
check_eq "SIGTERM mid-dump: exit 143" 143 "$?"
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
check_grep "SIGTERM: the message says so" 'interrupted by signal 15' "$T/sig.err"
check_eq "SIGTERM: the database --create made is gone" 0 "$(psql -XAt -c "SELECT count(*) FROM pg_database WHERE datname LIKE '${SIG}%'")"

# A target that holds tables is refused unless told.
FULL=pgr_$$_full
q -c "CREATE DATABASE $FULL" && q -d "$FULL" -c "CREATE TABLE keep (a int); INSERT INTO keep VALUES (1), (2)"
check_exit 8 "a non-empty target: exit 8" pgrestore-stream -d "$FULL" <"$T/dump.sql"
check_grep "the refusal says what to do" 'already holds 1 user table; refusing.*--create.*--replace' "$T/err"
check_exit 8 "a non-empty target with --create: still refused" pgrestore-stream --create -d "$FULL" <"$T/dump.sql"
check_eq "the non-empty target is unchanged" "1|2" "$(tables_in "$FULL")|$(psql -XAtd "$FULL" -c 'SELECT count(*) FROM keep')"

# Connections: refused, bad password, missing database.
port=$(free_port)
check_exit 7 "connection refused: exit 7" pgrestore-stream -d "host=127.0.0.1 port=$port dbname=$TGT" <"$T/dump.sql"
check_grep "the message names server and what to check" "cannot connect to database \"$TGT\" on 127\\.0\\.0\\.1:$port: .*check that the server runs" "$T/err"
check_exit 3 "bad password: exit 3" env PGPASSWORD=not-the-password pgrestore-stream \
	-d "postgresql://postgres@127.0.0.1:$PGPORT/$TGT" <"$T/dump.sql"
check_grep "the message says to check the password" 'password authentication failed.*check the user and password' "$T/err"
check "the message never shows the password" sh -c "! grep -q not-the-password '$T/err'"
check_exit 3 "bad password in the URI: exit 3" pgrestore-stream \
	-d "postgresql://postgres:uri-secret@127.0.0.1:$PGPORT/$TGT" <"$T/dump.sql"
check "the URI's password is never shown" sh -c "! grep -q uri-secret '$T/err'"
check_exit 7 "missing database: exit 7" pgrestore-stream -d "pgr_$$_missing" <"$T/dump.sql"
check_grep "the message says to create it or use --create" "database \"pgr_$$_missing\" does not exist.*--create" "$T/err"
check_exit 0 "\$DATABASE_URL with the right password over TCP" env PGPASSWORD="$PGPASSWORD_TEST" \
	DATABASE_URL="postgresql://postgres@127.0.0.1:$PGPORT/$TGT" pgrestore-stream -q <"$T/dump.sql"
check_eq "restored through \$DATABASE_URL" 8 "$(psql -XAtd "$TGT" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"

for d in "$SRC" "$TGT" "$FULL"; do psql -Xq -c "DROP DATABASE IF EXISTS $d"; done
done_testing
