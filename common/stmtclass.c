#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stmtclass.h"

/* Matches the words of want ("CREATE DATABASE"), case-insensitively and
 * with any blanks between them; returns what follows, or NULL. */
static const char *
match_words(const char *p, const char *end, const char *want)
{
	while (*want != '\0') {
		if (*want == ' ') {
			if (p == end || !isspace((unsigned char)*p))
				return NULL;
			while (p < end && isspace((unsigned char)*p))
				p++;
			want++;
			continue;
		}
		if (p == end || toupper((unsigned char)*p) != *want)
			return NULL;
		p++;
		want++;
	}
	if (p < end && (isalnum((unsigned char)*p) || *p == '_'))
		return NULL;
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

static int
contains_ci(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	for (; p + n <= end; p++)
		if (strncasecmp(p, needle, n) == 0)
			return 1;
	return 0;
}

/* Transaction control: the restore owns the transaction. Statements that
 * would only open or commit it are left out; those that would roll it
 * back or hand it to two-phase commit are refused. */
static enum stmt_kind
txn_kind(const char *p, const char *end)
{
	static const char *const refused[] = { "COMMIT PREPARED", "ROLLBACK PREPARED", "PREPARE TRANSACTION" };
	static const char *const skipped[] = { "BEGIN", "START TRANSACTION", "COMMIT", "END" };

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (match_words(p, end, refused[i]) != NULL)
			return STMT_TXN_END;
	if (match_words(p, end, "ROLLBACK TO") != NULL)
		return STMT_OTHER;
	if (match_words(p, end, "ROLLBACK") != NULL || match_words(p, end, "ABORT") != NULL)
		return STMT_TXN_END;
	for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++)
		if (match_words(p, end, skipped[i]) != NULL)
			return STMT_TXN;
	return STMT_OTHER;
}

/* The keys pg_dump adds after the data, which build an index. */
static int
is_index_key(const char *p, const char *end)
{
	return match_words(p, end, "ALTER TABLE") != NULL &&
	    (contains_ci(p, end, " PRIMARY KEY ") || contains_ci(p, end, " UNIQUE (") ||
	     contains_ci(p, end, " EXCLUDE USING ")) && contains_ci(p, end, " ADD CONSTRAINT ");
}

enum stmt_kind
stmtclass_kind(const char *p, size_t n)
{
	const char *end = p + n, *q;
	static const char *const nontx[] = { "CREATE TABLESPACE", "DROP TABLESPACE", "ALTER SYSTEM", "VACUUM" };
	enum stmt_kind k = txn_kind(p, end);

	if (k != STMT_OTHER)
		return k;
	if (match_words(p, end, "COPY") != NULL && contains_ci(p, end, " FROM stdin"))
		return STMT_COPY;
	if ((match_words(p, end, "ALTER") != NULL && contains_ci(p, end, " OWNER TO ")) ||
	    match_words(p, end, "SET SESSION AUTHORIZATION") != NULL)
		return STMT_OWNER;
	if (match_words(p, end, "GRANT") != NULL || match_words(p, end, "REVOKE") != NULL ||
	    match_words(p, end, "ALTER DEFAULT PRIVILEGES") != NULL)
		return STMT_PRIV;
	if (match_words(p, end, "CREATE DATABASE") != NULL)
		return STMT_CREATE_DB;
	if (match_words(p, end, "DROP DATABASE") != NULL)
		return STMT_DROP_DB;
	for (size_t i = 0; i < sizeof(nontx) / sizeof(nontx[0]); i++)
		if (match_words(p, end, nontx[i]) != NULL)
			return STMT_NONTX;
	if ((q = match_words(p, end, "CREATE ROLE")) != NULL && memchr(q, ' ', (size_t)(end - q)) == NULL)
		return STMT_CREATE_ROLE;
	if (match_words(p, end, "CREATE INDEX") != NULL || match_words(p, end, "CREATE UNIQUE INDEX") != NULL ||
	    is_index_key(p, end))
		return STMT_INDEX;
	if (match_words(p, end, "INSERT INTO") != NULL)
		return STMT_INSERT;
	return STMT_OTHER;
}

/* A relation name as the dump writes it (schema.name, quotes kept), up to
 * a blank or parenthesis. */
static char *
read_relname(const char *p, const char *end)
{
	const char *q = p;
	int quoted = 0;

	while (q < end && (quoted || (!isspace((unsigned char)*q) && *q != '(' && *q != ';'))) {
		if (*q == '"')
			quoted = !quoted;
		q++;
	}
	return strndup(p, (size_t)(q - p));
}

/* An identifier as SQL reads it: "Quoted" kept as is, else folded to
 * lower case. For database and role names. */
static char *
read_ident(const char *p, const char *end)
{
	char out[256];
	size_t n = 0;

	if (p < end && *p == '"') {
		for (p++; p < end && n < sizeof(out) - 1; p++) {
			if (*p == '"') {
				if (p + 1 < end && p[1] == '"')
					p++;
				else
					break;
			}
			out[n++] = *p;
		}
	} else {
		while (p < end && n < sizeof(out) - 1 && (isalnum((unsigned char)*p) || *p == '_' || *p == '$' ||
							(unsigned char)*p >= 0x80))
			out[n++] = (char)tolower((unsigned char)*p++);
	}
	out[n] = '\0';
	return n > 0 ? strdup(out) : NULL;
}

char *
stmtclass_name(const char *sql, size_t n, enum stmt_kind k)
{
	const char *end = sql + n, *p;

	switch (k) {
	case STMT_COPY:
		return (p = match_words(sql, end, "COPY")) != NULL ? read_relname(p, end) : NULL;
	case STMT_INSERT:
		return (p = match_words(sql, end, "INSERT INTO")) != NULL ? read_relname(p, end) : NULL;
	case STMT_CREATE_DB:
		return (p = match_words(sql, end, "CREATE DATABASE")) != NULL ? read_ident(p, end) : NULL;
	case STMT_CREATE_ROLE:
		return (p = match_words(sql, end, "CREATE ROLE")) != NULL ? read_ident(p, end) : NULL;
	default:
		return NULL;
	}
}

void
stmtclass_first_line(const char *text, size_t n, char *out)
{
	size_t i = 0;

	while (i < n && i < STMT_SNIP - 4 && text[i] != '\n' && text[i] != '\r') {
		out[i] = text[i];
		i++;
	}
	if (i < n && text[i] != '\n' && text[i] != '\r' && i == STMT_SNIP - 4)
		memcpy(out + i, "...", 3), i += 3;
	out[i] = '\0';
}
