#!/usr/bin/env bash
# The verifying sink of r2put --verify, fed by the real pg_dump and
# pg_dumpall of the test cluster: a whole dump passes, gzipped or plain; a
# dump that died mid-way, or a pg_dumpall cut after one database, does not,
# and the tail of what it read never comes out.
. "$(dirname "$0")/lib.sh"
need_own_pg
VS=$TOOLS/verifysink

psql -qX -v ON_ERROR_STOP=1 -c 'CREATE DATABASE drkit_verify' >/dev/null
psql -qX -v ON_ERROR_STOP=1 -d drkit_verify -c \
	"CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g" >/dev/null
pg_dump drkit_verify >"$T/dump.sql"
pg_dumpall >"$T/all.sql"
gzip -c "$T/dump.sql" >"$T/dump.sql.gz"

check_exit 0 "a whole gzipped pg_dump verifies" sh -c "'$VS' pgdump <'$T/dump.sql.gz' >'$T/pass'"
check_cmp "and passes through unchanged" "$T/dump.sql.gz" "$T/pass"
check_exit 0 "a whole plain pg_dump verifies" "$VS" pgdump <"$T/dump.sql"
check_exit 0 "a whole pg_dumpall verifies" sh -c "gzip -c '$T/all.sql' | '$VS' pgdump"
check_exit 0 "--verify gzip takes any whole gzip stream" "$VS" gzip <"$T/dump.sql.gz"

size=$(stat -c %s "$T/dump.sql")
for cut in 100 $((size / 2)) $((size - 200)); do
	check_exit 1 "pg_dump dead after $cut bytes, gzip whole: refused" \
		sh -c "head -c $cut '$T/dump.sql' | gzip | '$VS' pgdump >'$T/out.gz'"
	check_grep "the message says the dump is incomplete" "incomplete dump" "$T/err"
	check_eq "at most all but 64 KiB came out" 1 \
		"$(( $(stat -c %s "$T/out.gz") <= ($(head -c $cut "$T/dump.sql" | gzip | wc -c) - 65536 > 0 ? $(head -c $cut "$T/dump.sql" | gzip | wc -c) - 65536 : 0) ))"
done
check_exit 1 "gzip dead mid-way: refused" sh -c "head -c 30000 '$T/dump.sql.gz' | '$VS' pgdump"
check_grep "the message says where the gzip stream ends" "unexpected end of input" "$T/err"
check_exit 1 "a plain dump cut mid-way: refused" sh -c "head -c $((size / 2)) '$T/dump.sql' | '$VS' pgdump"

# pg_dumpall dumps database after database, each with its own trailer:
# only the cluster trailer at the very end makes it whole.
last=$(grep -n '^-- PostgreSQL database dump complete$' "$T/all.sql" | tail -1 | cut -d: -f1)
head -n $((last + 1)) "$T/all.sql" >"$T/all-cut.sql"
check_exit 1 "a pg_dumpall cut after a database's trailer: refused" "$VS" pgdump <"$T/all-cut.sql"
check_grep "the message names the cluster trailer" "cluster dump complete" "$T/err"
check_exit 1 "empty input is no dump" "$VS" pgdump </dev/null
check_exit 2 "an unknown mode is a usage error" "$VS" zip </dev/null

psql -qX -c 'DROP DATABASE drkit_verify' >/dev/null
done_testing
