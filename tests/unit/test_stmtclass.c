/* stmtclass: what the restore refuses, leaves out or treats apart is
 * decided by the statement alone, without a server. */
#include <stdlib.h>
#include <string.h>

#include "stmtclass.h"
#include "tap.h"

static enum stmt_kind
kind(const char *sql)
{
	return stmtclass_kind(sql, strlen(sql));
}

/* stmtclass_name's answer compared with want (NULL for none). */
static int
name_is(const char *sql, enum stmt_kind k, const char *want)
{
	char *got = stmtclass_name(sql, strlen(sql), k);
	int ok = want == NULL ? got == NULL : got != NULL && strcmp(got, want) == 0;

	free(got);
	return ok;
}

int
main(void)
{
	char first[STMT_SNIP];
	char long_line[200];

	CHECK(kind("ROLLBACK;") == STMT_TXN_END, "ROLLBACK would end the restore's transaction");
	CHECK(kind("rollback\n  ;") == STMT_TXN_END, "in any case and spacing");
	CHECK(kind("ABORT;") == STMT_TXN_END, "ABORT, its synonym, too");
	CHECK(kind("ROLLBACK TO SAVEPOINT a;") == STMT_OTHER, "ROLLBACK TO a savepoint does not");
	CHECK(kind("PREPARE TRANSACTION 'x';") == STMT_TXN_END, "two-phase commit is refused");
	CHECK(kind("COMMIT PREPARED 'x';") == STMT_TXN_END, "COMMIT PREPARED too");
	CHECK(kind("ROLLBACK PREPARED 'x';") == STMT_TXN_END, "ROLLBACK PREPARED too");
	CHECK(kind("BEGIN;") == STMT_TXN && kind("COMMIT;") == STMT_TXN && kind("END;") == STMT_TXN &&
	    kind("START TRANSACTION;") == STMT_TXN, "BEGIN, COMMIT, END, START TRANSACTION are left out");
	CHECK(kind("COMMITTED_TABLE;") == STMT_OTHER, "a word that starts like COMMIT is not COMMIT");
	CHECK(kind("DROP DATABASE shop;") == STMT_DROP_DB, "DROP DATABASE is recognised");
	CHECK(kind("drop   database\tshop;") == STMT_DROP_DB, "in any case and spacing");
	CHECK(kind("DROP TABLE shop;") == STMT_OTHER, "DROP TABLE is not DROP DATABASE");
	CHECK(kind("CREATE DATABASE shop WITH TEMPLATE = template0;") == STMT_CREATE_DB, "CREATE DATABASE");
	CHECK(kind("ALTER SYSTEM SET work_mem = '1MB';") == STMT_NONTX, "ALTER SYSTEM runs aside");
	CHECK(kind("CREATE TABLESPACE ts LOCATION '/x';") == STMT_NONTX, "CREATE TABLESPACE too");
	CHECK(kind("COPY public.t (a, b) FROM stdin;") == STMT_COPY, "COPY FROM stdin");
	CHECK(kind("COPY public.t (a) TO stdout;") == STMT_OTHER, "COPY TO is no data to stream");
	CHECK(kind("ALTER TABLE public.t OWNER TO app;") == STMT_OWNER, "OWNER TO is left out with -O");
	CHECK(kind("SET SESSION AUTHORIZATION app;") == STMT_OWNER, "SET SESSION AUTHORIZATION too");
	CHECK(kind("GRANT SELECT ON t TO app;") == STMT_PRIV && kind("REVOKE ALL ON t FROM PUBLIC;") == STMT_PRIV,
	    "GRANT and REVOKE are left out with -x");
	CHECK(kind("CREATE ROLE app;") == STMT_CREATE_ROLE, "a bare CREATE ROLE may be skipped");
	CHECK(kind("CREATE ROLE app WITH LOGIN;") == STMT_OTHER, "CREATE ROLE with options is run as written");
	CHECK(kind("CREATE INDEX i ON t (a);") == STMT_INDEX && kind("CREATE UNIQUE INDEX i ON t (a);") == STMT_INDEX,
	    "indexes are post-data");
	CHECK(kind("ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (a);") == STMT_INDEX,
	    "a primary key is post-data");
	CHECK(kind("ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_fk FOREIGN KEY (a) REFERENCES u(a);") == STMT_OTHER,
	    "a foreign key is not built in parallel");
	CHECK(kind("INSERT INTO public.t VALUES (1);") == STMT_INSERT, "INSERT INTO");

	CHECK(name_is("COPY public.\"Odd Name\" (a) FROM stdin;", STMT_COPY, "public.\"Odd Name\""),
	    "COPY's table keeps its quotes");
	CHECK(name_is("INSERT INTO public.t(a) VALUES (1);", STMT_INSERT, "public.t"), "INSERT's table");
	CHECK(name_is("CREATE DATABASE \"Shop\" WITH OWNER = a;", STMT_CREATE_DB, "Shop"),
	    "a quoted database name is kept as is");
	CHECK(name_is("CREATE DATABASE Shop;", STMT_CREATE_DB, "shop"), "an unquoted one is folded");
	CHECK(name_is("CREATE ROLE \"a\"\"b\";", STMT_CREATE_ROLE, "a\"b"), "doubled quotes in a role name");
	CHECK(name_is("CREATE TABLE t (a int);", STMT_OTHER, NULL), "no name for other statements");

	stmtclass_first_line("CREATE TABLE t (\n a int);", 24, first);
	CHECK(strcmp(first, "CREATE TABLE t (") == 0, "messages quote the first line: %s", first);
	memset(long_line, 'x', sizeof(long_line));
	stmtclass_first_line(long_line, sizeof(long_line), first);
	CHECK(strlen(first) == STMT_SNIP - 1 && strcmp(first + STMT_SNIP - 4, "...") == 0,
	    "a long line is cut with ...");
	return TAP_END();
}
