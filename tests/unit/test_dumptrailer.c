/* dumptrailer: the one rule for pg_dump's completion trailer, which both
 * r2put --verify pgdump and pgrestore-stream apply. */
#include <string.h>

#include "dumptrailer.h"
#include "tap.h"

/* Feeds text line by line, numbering from 1; returns the check's status. */
static int
judge(const char *text, struct dk_err *e)
{
	struct dumptrailer t;
	unsigned long line = 1;

	dumptrailer_init(&t);
	dk_err_clear(e);
	while (*text != '\0') {
		size_t n = strcspn(text, "\n");
		dumptrailer_line(&t, text, n, line++);
		text += n + (text[n] == '\n');
	}
	return dumptrailer_check(&t, line - 1, e);
}

int
main(void)
{
	struct dk_err e;
	int st;

	CHECK(dumptrailer_classify(DUMPTRAILER_DB, strlen(DUMPTRAILER_DB)) == DUMPTRAILER_DONE_DB,
	    "pg_dump's trailer is recognised");
	CHECK(dumptrailer_classify("-- PostgreSQL database dump complete ", 37) == DUMPTRAILER_MAY_FOLLOW,
	    "a trailer with a blank after it is only a comment");
	CHECK(dumptrailer_classify("\\unrestrict abc", 15) == DUMPTRAILER_MAY_FOLLOW,
	    "\\unrestrict may follow the trailer");
	CHECK(dumptrailer_classify("\\connect db", 11) == DUMPTRAILER_OTHER, "\\connect may not");

	st = judge("CREATE TABLE t (a int);\n--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict k\n", &e);
	CHECK(st == DK_OK, "a whole dump: %s", e.msg);
	st = judge("CREATE TABLE t (a int);\n", &e);
	CHECK(st == DK_EDATA && strstr(e.msg, "without pg_dump's completion trailer") != NULL &&
	    strstr(e.msg, "CREATE TABLE t") != NULL && e.line == 1, "no trailer: %s", e.msg);
	st = judge("--\n-- PostgreSQL database dump complete\n--\nSELECT 1;\n", &e);
	CHECK(st == DK_EDATA && strstr(e.msg, "goes on after pg_dump's completion trailer (line 2)") != NULL &&
	    strstr(e.msg, "\"SELECT 1;\" on line 4") != NULL && strstr(e.msg, "without") == NULL && e.line == 4,
	    "text after the trailer says so, not that it is missing: %s", e.msg);
	{
		struct dumptrailer t;
		dumptrailer_init(&t);
		dumptrailer_line(&t, DUMPTRAILER_DB, strlen(DUMPTRAILER_DB), 1);
		dumptrailer_statement(&t, "\n-- a comment\nSELECT 1;", 24, 2);
		dk_err_clear(&e);
		st = dumptrailer_check(&t, 4, &e);
		CHECK(st == DK_EDATA && strstr(e.msg, "\"-- a comment\" on line 3") != NULL,
		    "a statement after the trailer fails, whatever its first line: %s", e.msg);
	}
	st = judge("-- PostgreSQL database dump complete\nSELECT 1;\n-- PostgreSQL database dump complete\n", &e);
	CHECK(st == DK_OK, "a second trailer at the end makes it whole: %s", e.msg);

	st = judge("--\n-- PostgreSQL database cluster dump\n--\n\\connect a\n"
	    "-- PostgreSQL database dump complete\n\n", &e);
	CHECK(st == DK_EDATA && strstr(e.msg, "pg_dumpall's completion trailer \"" DUMPTRAILER_CLUSTER "\"") != NULL,
	    "in pg_dumpall's output a database's trailer is not the end: %s", e.msg);
	st = judge("-- PostgreSQL database cluster dump\n\\connect a\n-- PostgreSQL database dump complete\n"
	    "\\connect b\n-- PostgreSQL database dump complete\n-- PostgreSQL database cluster dump complete\n", &e);
	CHECK(st == DK_OK, "a whole pg_dumpall dump: %s", e.msg);
	st = judge("-- PostgreSQL database cluster dump complete\n", &e);
	CHECK(st == DK_EDATA, "pg_dumpall's trailer does not end a pg_dump: %s", e.msg);
	return TAP_END();
}
