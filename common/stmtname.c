/* The names statements act on, read as PostgreSQL reads them: a COPY's
 * or INSERT's table as the dump writes it, the database, role or
 * tablespace a CREATE makes; the table a CREATE TABLE makes (for COPY
 * FREEZE), and the VALIDATE that a foreign key added NOT VALID needs. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stmtclass.h"
#include "stmtwalk.h"

/* ---- names ---- */

/* A relation name as the dump writes it (schema.name, quotes kept), from
 * the walker's next token on. */
static char *
read_relname(struct walk *wk)
{
	struct tok t = stmtwalk_next(wk), dot;
	const char *from = t.p, *to;

	if (t.type != TOK_WORD && t.type != TOK_QIDENT)
		return NULL;
	to = t.p + t.n;
	for (;;) {
		dot = stmtwalk_next(wk);
		if (!tok_is_punct(&dot, '.'))
			break;
		t = stmtwalk_next(wk);
		if (t.type != TOK_WORD && t.type != TOK_QIDENT)
			break;
		to = t.p + t.n;
	}
	return strndup(from, (size_t)(to - from));
}

/* An identifier as SQL reads it: "Quoted" kept as is, else folded to
 * lower case. For database, role and tablespace names. */
static char *
read_ident(const struct tok *t)
{
	char out[256];
	size_t n = 0;
	const char *p = t->p, *end = t->p + t->n;

	if (t->type == TOK_QIDENT) {
		for (p++; p < end && n < sizeof(out) - 1; p++) {
			if (*p == '"') {
				if (p + 1 < end && p[1] == '"')
					p++;
				else
					break;
			}
			out[n++] = *p;
		}
	} else if (t->type == TOK_WORD) {
		while (p < end && n < sizeof(out) - 1)
			out[n++] = (char)tolower((unsigned char)*p++);
	}
	out[n] = '\0';
	return n > 0 ? strdup(out) : NULL;
}

char *
stmtclass_name(const char *sql, size_t n, enum stmt_kind k)
{
	struct walk wk;
	struct tok t;

	stmtwalk_init(&wk, sql, n, 1);
	switch (k) {
	case STMT_COPY:
	case STMT_INSERT:
		stmtwalk_next(&wk);
		if (k == STMT_INSERT)
			stmtwalk_next(&wk);
		return read_relname(&wk);
	case STMT_CREATE_DB:
	case STMT_CREATE_ROLE:
	case STMT_TABLESPACE:
		stmtwalk_next(&wk);
		stmtwalk_next(&wk);
		t = stmtwalk_next(&wk);
		return read_ident(&t);
	default:
		return NULL;
	}
}

/* ---- what the restore may do faster ---- */

char *
stmtclass_created_table(const char *sql, size_t n, int *partitioned)
{
	struct walk wk;
	struct tok t, prev = { TOK_END, NULL, 0, 0 };
	char *name;

	stmtwalk_init(&wk, sql, n, 1);
	t = stmtwalk_next(&wk);
	if (!tok_is(&t, "CREATE"))
		return NULL;
	t = stmtwalk_next(&wk);
	if (tok_is(&t, "UNLOGGED"))
		t = stmtwalk_next(&wk);
	if (!tok_is(&t, "TABLE"))
		return NULL;
	/* IF NOT EXISTS may find a table made before the transaction. */
	if ((name = read_relname(&wk)) == NULL || strcasecmp(name, "IF") == 0) {
		free(name);
		return NULL;
	}
	*partitioned = 0;
	while ((t = stmtwalk_next(&wk)).type != TOK_END) {
		if (t.depth == 0 && tok_is(&prev, "PARTITION") && tok_is(&t, "BY"))
			*partitioned = 1;
		prev = t;
	}
	return name;
}

/* The next token is the keyword kw. */
static int
next_is(struct walk *wk, const char *kw)
{
	struct tok t = stmtwalk_next(wk);

	return tok_is(&t, kw);
}

char *
stmtclass_foreign_key(const char *sql, size_t n, size_t *at)
{
	static const char fmt[] = "ALTER TABLE ONLY %.*s VALIDATE CONSTRAINT %.*s;";
	struct walk wk, save;
	struct tok t, name, prev = { TOK_END, NULL, 0, 0 };
	const char *table, *semi = NULL;
	size_t tlen;
	char *out;

	stmtwalk_init(&wk, sql, n, 1);
	if (!next_is(&wk, "ALTER") || !next_is(&wk, "TABLE") || !next_is(&wk, "ONLY"))
		return NULL;
	/* ONLY: pg_dump's spelling for a table that is not partitioned,
	 * where PostgreSQL takes NOT VALID. */
	save = wk;
	table = stmtwalk_next(&wk).p;
	wk = save;
	if ((out = read_relname(&wk)) == NULL)
		return NULL;
	tlen = strlen(out);
	free(out);
	/* read_relname read one token past the name. */
	wk.p = table + tlen;
	if (!next_is(&wk, "ADD") || !next_is(&wk, "CONSTRAINT"))
		return NULL;
	name = stmtwalk_next(&wk);
	if ((name.type != TOK_WORD && name.type != TOK_QIDENT) || !next_is(&wk, "FOREIGN"))
		return NULL;
	while ((t = stmtwalk_next(&wk)).type != TOK_END) {
		/* One constraint, valid (or not enforced) as the dump has it,
		 * and nothing after its ';'. */
		if (semi != NULL || (t.depth == 0 && tok_is_punct(&t, ',')) ||
		    (tok_is(&prev, "NOT") && (tok_is(&t, "VALID") || tok_is(&t, "ENFORCED"))))
			return NULL;
		if (t.depth == 0 && tok_is_punct(&t, ';'))
			semi = t.p;
		prev = t;
	}
	*at = semi != NULL ? (size_t)(semi - sql) : n;
	if ((out = malloc(sizeof(fmt) + tlen + name.n)) != NULL)
		snprintf(out, sizeof(fmt) + tlen + name.n, fmt, (int)tlen, table, (int)name.n, name.p);
	return out;
}
