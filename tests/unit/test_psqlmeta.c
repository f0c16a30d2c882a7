/* psqlmeta: which of psql's meta-commands a restore runs, and the
 * \restrict state, without a server. */
#include <stdlib.h>
#include <string.h>

#include "psqlmeta.h"
#include "tap.h"

static int
meta(struct psqlmeta *m, const char *text, struct psqlmeta_cmd *cmd, struct dk_err *e)
{
	dk_err_clear(e);
	return psqlmeta_parse(m, text, strlen(text), 7, cmd, e);
}

int
main(void)
{
	struct psqlmeta m;
	struct psqlmeta_cmd cmd;
	struct dk_err e;
	int st;

	psqlmeta_init(&m);
	st = meta(&m, "\\connect shop", &cmd, &e);
	CHECK(st == DK_OK && cmd.what == PSQLMETA_CONNECT && strcmp(cmd.arg, "shop") == 0, "\\connect NAME");
	free(cmd.arg);
	st = meta(&m, "\\connect -reuse-previous=on \"dbname='odd name'\"", &cmd, &e);
	CHECK(st == DK_OK && cmd.what == PSQLMETA_CONNECT && strcmp(cmd.arg, "odd name") == 0,
	    "pg_dumpall's \\connect with a connection string: %s", cmd.arg ? cmd.arg : e.msg);
	free(cmd.arg);
	st = meta(&m, "\\connect \"dbname=x host=evil\"", &cmd, &e);
	CHECK(st == DK_ESAFETY && strstr(e.msg, "changes host") != NULL, "a \\connect to another host: %s", e.msg);
	st = meta(&m, "\\c shop otheruser", &cmd, &e);
	CHECK(st == DK_ESAFETY && strstr(e.msg, "dump line 7") != NULL, "a \\connect with a user: %s", e.msg);
	st = meta(&m, "\\connect", &cmd, &e);
	CHECK(st == DK_EDATA, "a \\connect without a database: %s", e.msg);
	st = meta(&m, "\\encoding SQL_ASCII", &cmd, &e);
	CHECK(st == DK_OK && cmd.what == PSQLMETA_ENCODING && strcmp(cmd.arg, "SQL_ASCII") == 0, "\\encoding");
	free(cmd.arg);
	st = meta(&m, "\\! rm -rf /", &cmd, &e);
	CHECK(st == DK_ESAFETY && strstr(e.msg, "meta-command \\! refused") != NULL, "\\! is refused: %s", e.msg);
	st = meta(&m, "\\i /etc/passwd", &cmd, &e);
	CHECK(st == DK_ESAFETY, "\\i is refused");

	st = meta(&m, "\\restrict k1", &cmd, &e);
	CHECK(st == DK_OK && cmd.what == PSQLMETA_NONE && m.key != NULL, "\\restrict sets the state");
	st = meta(&m, "\\connect shop", &cmd, &e);
	CHECK(st == DK_ESAFETY && strstr(e.msg, "inside the dump's \\restrict section") != NULL,
	    "while restricted even \\connect is refused: %s", e.msg);
	dk_err_clear(&e);
	CHECK(psqlmeta_finish(&m, 99, &e) == DK_EDATA, "a dump that ends restricted is incomplete");
	st = meta(&m, "\\unrestrict k2", &cmd, &e);
	CHECK(st == DK_EDATA && strstr(e.msg, "key that no \\restrict set") != NULL, "a wrong key fails: %s", e.msg);
	st = meta(&m, "\\restrict 'k 1'", &cmd, &e);
	st = meta(&m, "\\unrestrict 'k 1'", &cmd, &e);
	CHECK(st == DK_OK && m.key == NULL, "the matching key ends the section: %s", e.msg);
	dk_err_clear(&e);
	CHECK(psqlmeta_finish(&m, 99, &e) == DK_OK, "and the dump may end");
	st = meta(&m, "\\restrict", &cmd, &e);
	CHECK(st == DK_EDATA, "\\restrict without a key");
	psqlmeta_free(&m);
	return TAP_END();
}
