#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "psqlmeta.h"

void
psqlmeta_init(struct psqlmeta *m)
{
	m->key = NULL;
}

void
psqlmeta_free(struct psqlmeta *m)
{
	free(m->key);
	m->key = NULL;
}

/* One argument of a meta-command as psql splits them: 'single' (with ''
 * and backslash escapes), "double" (kept as written, quotes dropped) or a
 * bare word. NULL when there is none. */
static char *
meta_arg(const char **pp, const char *end)
{
	const char *p = *pp;
	char *out, *o;

	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p == end)
		return NULL;
	out = o = malloc((size_t)(end - p) + 1);
	if (out == NULL)
		return NULL;
	while (p < end && !isspace((unsigned char)*p)) {
		char q = *p;
		if (q != '\'' && q != '"') {
			*o++ = *p++;
			continue;
		}
		for (p++; p < end; p++) {
			if (*p == q && p + 1 < end && p[1] == q)
				*o++ = *p++;
			else if (*p == q)
				break;
			else if (q == '\'' && *p == '\\' && p + 1 < end)
				*o++ = *++p;
			else
				*o++ = *p;
		}
		if (p < end)
			p++;
	}
	*o = '\0';
	*pp = p;
	return out;
}

/* The database a \connect argument names: a name, or a connection string
 * that may say nothing but dbname. */
static char *
connect_target(const char *arg, unsigned long line, struct dk_err *e)
{
	PQconninfoOption *opts;
	char *err = NULL, *db = NULL;
	int refused = 0;

	if (strchr(arg, '=') == NULL && strncmp(arg, "postgres://", 11) != 0 && strncmp(arg, "postgresql://", 13) != 0)
		return strdup(arg);
	if ((opts = PQconninfoParse(arg, &err)) == NULL) {
		dk_fail(e, DK_EDATA, "dump line %lu: malformed \\connect argument: %s", line,
			err != NULL ? err : "out of memory");
		PQfreemem(err);
		return NULL;
	}
	for (PQconninfoOption *o = opts; o->keyword != NULL && !refused; o++) {
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "dbname") != 0) {
			dk_fail(e, DK_ESAFETY, "dump line %lu: \\connect changes %s, not only the database; refused",
				line, o->keyword);
			refused = 1;
			continue;
		}
		free(db);
		db = strdup(o->val);
	}
	PQconninfoFree(opts);
	if (refused) {
		free(db);
		return NULL;
	}
	if (db == NULL)
		dk_fail(e, DK_EDATA, "dump line %lu: \\connect names no database", line);
	return db;
}

/* \connect [-reuse-previous=on] DBNAME: only the database may change. */
static int
parse_connect(const char **pp, const char *end, unsigned long line, struct psqlmeta_cmd *cmd,
    struct dk_err *e)
{
	char *arg = meta_arg(pp, end), *extra;

	while (arg != NULL && arg[0] == '-') {
		free(arg);
		arg = meta_arg(pp, end);
	}
	if (arg == NULL)
		return dk_fail(e, DK_EDATA, "dump line %lu: \\connect without a database", line);
	if ((extra = meta_arg(pp, end)) != NULL) {
		free(extra);
		free(arg);
		return dk_fail(e, DK_ESAFETY, "dump line %lu: \\connect with a user, host or port; refused, "
			       "only the database may change", line);
	}
	cmd->arg = connect_target(arg, line, e);
	free(arg);
	if (cmd->arg == NULL)
		return e->status != DK_OK ? e->status : dk_fail(e, DK_EDATA, "out of memory");
	cmd->what = PSQLMETA_CONNECT;
	return DK_OK;
}

int
psqlmeta_parse(struct psqlmeta *m, const char *text, size_t n, unsigned long line,
    struct psqlmeta_cmd *cmd, struct dk_err *e)
{
	const char *p = text + 1, *end = text + n;
	char *name = meta_arg(&p, end), *arg = NULL;
	int rc = DK_OK;

	cmd->what = PSQLMETA_NONE;
	cmd->arg = NULL;
	if (name == NULL && (name = strdup("")) == NULL)
		return dk_fail(e, DK_EDATA, "out of memory");
	if (m->key != NULL && strcmp(name, "unrestrict") != 0) {
		rc = dk_fail(e, DK_ESAFETY, "dump line %lu: \\%s inside the dump's \\restrict section; "
			     "refused, nothing of it ran", line, name);
	} else if (strcmp(name, "restrict") == 0) {
		if ((arg = meta_arg(&p, end)) == NULL)
			rc = dk_fail(e, DK_EDATA, "dump line %lu: \\restrict without a key", line);
		else
			m->key = arg, arg = NULL;
	} else if (strcmp(name, "unrestrict") == 0) {
		arg = meta_arg(&p, end);
		if (m->key == NULL || arg == NULL || strcmp(arg, m->key) != 0)
			rc = dk_fail(e, DK_EDATA, "dump line %lu: \\unrestrict with a key that no \\restrict set",
				     line);
		psqlmeta_free(m);
	} else if (strcmp(name, "connect") == 0 || strcmp(name, "c") == 0) {
		rc = parse_connect(&p, end, line, cmd, e);
	} else if (strcmp(name, "encoding") == 0 && (arg = meta_arg(&p, end)) != NULL) {
		/* pg_dumpall sets it before a \connect to an unusual name. */
		cmd->what = PSQLMETA_ENCODING;
		cmd->arg = arg, arg = NULL;
	} else {
		rc = dk_fail(e, DK_ESAFETY, "dump line %lu: meta-command \\%s refused; only \\connect, "
			     "\\restrict, \\unrestrict and \\encoding are run, nothing of it ran", line, name);
	}
	free(name);
	free(arg);
	return rc;
}

int
psqlmeta_finish(const struct psqlmeta *m, unsigned long lines, struct dk_err *e)
{
	if (m->key != NULL)
		return dk_fail(e, DK_EDATA, "the dump ends at line %lu inside its \\restrict section, without "
			       "the \\unrestrict: incomplete", lines);
	return DK_OK;
}
