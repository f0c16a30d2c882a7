#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stmtclass.h"

/* ---- tokens, as PostgreSQL's lexer reads them ---- */

enum tok_type { TOK_END, TOK_WORD, TOK_QIDENT, TOK_STRING, TOK_PUNCT };

struct tok {
	enum tok_type type;
	const char *p;
	size_t n;
	int depth;		/* parentheses open around it */
};

struct walk {
	const char *p, *end;
	int std_strings;	/* '' strings without backslash escapes */
	int depth;
};

static int
is_ident_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static int
is_ident_char(unsigned char c)
{
	return is_ident_start(c) || isdigit(c) || c == '$';
}

/* Blanks, -- comments to the end of the line and slash-star comments,
 * nested as PostgreSQL nests them. */
static void
walk_skip_blanks(struct walk *w)
{
	for (;;) {
		while (w->p < w->end && isspace((unsigned char)*w->p))
			w->p++;
		if (w->end - w->p >= 2 && w->p[0] == '-' && w->p[1] == '-') {
			while (w->p < w->end && *w->p != '\n')
				w->p++;
		} else if (w->end - w->p >= 2 && w->p[0] == '/' && w->p[1] == '*') {
			int depth = 0;
			do {
				if (w->end - w->p >= 2 && w->p[0] == '/' && w->p[1] == '*')
					depth++, w->p += 2;
				else if (w->end - w->p >= 2 && w->p[0] == '*' && w->p[1] == '/')
					depth--, w->p += 2;
				else
					w->p++;
			} while (depth > 0 && w->p < w->end);
		} else {
			return;
		}
	}
}

/* Past the closing quote q: doubled quotes stay inside, and so does a
 * quote after a backslash when backslashes escape. */
static void
walk_quoted(struct walk *w, char q, int backslash)
{
	for (w->p++; w->p < w->end; w->p++) {
		if (backslash && *w->p == '\\' && w->p + 1 < w->end) {
			w->p++;
		} else if (*w->p == q) {
			if (w->p + 1 < w->end && w->p[1] == q)
				w->p++;
			else {
				w->p++;
				return;
			}
		}
	}
}

/* A dollar quote ($$ or $tag$) at w->p: past its end, 1; else 0. */
static int
walk_dollar(struct walk *w)
{
	const char *t = w->p + 1, *close;
	size_t taglen;

	if (t < w->end && is_ident_start((unsigned char)*t))
		while (t < w->end && is_ident_char((unsigned char)*t) && *t != '$')
			t++;
	if (t == w->end || *t != '$')
		return 0;
	taglen = (size_t)(t + 1 - w->p);
	for (close = t + 1; close + taglen <= w->end; close++)
		if (memcmp(close, w->p, taglen) == 0) {
			w->p = close + taglen;
			return 1;
		}
	w->p = w->end;
	return 1;
}

static struct tok
walk_next(struct walk *w)
{
	struct tok t = { TOK_END, NULL, 0, 0 };
	unsigned char c;

	walk_skip_blanks(w);
	t.p = w->p;
	t.depth = w->depth;
	if (w->p == w->end)
		return t;
	c = (unsigned char)*w->p;
	if (c == '\'') {
		t.type = TOK_STRING;
		walk_quoted(w, '\'', !w->std_strings);
	} else if ((c == 'E' || c == 'e') && w->p + 1 < w->end && w->p[1] == '\'') {
		t.type = TOK_STRING;
		w->p++;
		walk_quoted(w, '\'', 1);
	} else if (c != 0 && strchr("BbXxNn", c) != NULL && w->p + 1 < w->end && w->p[1] == '\'') {
		t.type = TOK_STRING;
		w->p++;
		walk_quoted(w, '\'', !w->std_strings);
	} else if ((c == 'U' || c == 'u') && w->end - w->p >= 3 && w->p[1] == '&' &&
	    (w->p[2] == '\'' || w->p[2] == '"')) {
		t.type = w->p[2] == '"' ? TOK_QIDENT : TOK_STRING;
		w->p += 2;
		walk_quoted(w, *w->p, 0);
	} else if (c == '"') {
		t.type = TOK_QIDENT;
		walk_quoted(w, '"', 0);
	} else if (c == '$' && walk_dollar(w)) {
		t.type = TOK_STRING;
	} else if (is_ident_start(c)) {
		t.type = TOK_WORD;
		while (w->p < w->end && is_ident_char((unsigned char)*w->p))
			w->p++;
	} else {
		t.type = TOK_PUNCT;
		w->depth += c == '(' ? 1 : c == ')' ? -1 : 0;
		t.depth = w->depth < t.depth ? w->depth : t.depth;
		w->p++;
	}
	t.n = (size_t)(w->p - t.p);
	return t;
}

static void
walk_init(struct walk *w, const char *sql, size_t n, int std_strings)
{
	w->p = sql;
	w->end = sql + n;
	w->std_strings = std_strings;
	w->depth = 0;
}

/* The keyword kw, spelt in any case, never quoted. */
static int
tok_is(const struct tok *t, const char *kw)
{
	return t->type == TOK_WORD && t->n == strlen(kw) && strncasecmp(t->p, kw, t->n) == 0;
}

static int
tok_is_punct(const struct tok *t, char c)
{
	return t->type == TOK_PUNCT && *t->p == c;
}

#define NWORDS 4

/* The statement's first tokens. */
static void
first_tokens(const char *sql, size_t n, struct tok *w)
{
	struct walk wk;

	walk_init(&wk, sql, n, 1);
	for (int i = 0; i < NWORDS; i++)
		w[i] = walk_next(&wk);
}

/* ---- kinds ---- */

/* Transaction control: the restore owns the transaction. Statements that
 * would only open or commit it are left out (COMMIT AND CHAIN too: the
 * transaction goes on); those that would roll it back or hand it to
 * two-phase commit are refused. ROLLBACK TO a savepoint ends nothing, and
 * the dump can only roll back to a savepoint of its own. */
static enum stmt_kind
txn_kind(const struct tok *w)
{
	int i = 1;

	if (tok_is(&w[0], "BEGIN") || (tok_is(&w[0], "START") && tok_is(&w[1], "TRANSACTION")))
		return STMT_TXN;
	if (tok_is(&w[0], "COMMIT") || tok_is(&w[0], "END"))
		return tok_is(&w[1], "PREPARED") ? STMT_TXN_END : STMT_TXN;
	if (tok_is(&w[0], "PREPARE") && tok_is(&w[1], "TRANSACTION"))
		return STMT_TXN_END;
	if (!tok_is(&w[0], "ROLLBACK") && !tok_is(&w[0], "ABORT"))
		return STMT_OTHER;
	if (tok_is(&w[i], "WORK") || tok_is(&w[i], "TRANSACTION"))
		i++;
	return tok_is(&w[i], "TO") ? STMT_OTHER : STMT_TXN_END;
}

/* COPY's source or destination, the token after its FROM or TO outside
 * parentheses (a query's own FROM is inside them). */
static struct tok
copy_target(const char *sql, size_t n, int std_strings, int *from)
{
	struct walk wk;
	struct tok t;

	walk_init(&wk, sql, n, std_strings);
	walk_next(&wk);
	while ((t = walk_next(&wk)).type != TOK_END)
		if (t.depth == 0 && (tok_is(&t, "FROM") || tok_is(&t, "TO"))) {
			*from = tok_is(&t, "FROM");
			return walk_next(&wk);
		}
	return t;
}

/* A word anywhere in the text, strings and comments included, in any case. */
static int
has_word(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	for (const char *q = p; q + n <= end; q++)
		if (strncasecmp(q, word, n) == 0 && (q == p || !is_ident_char((unsigned char)q[-1])) &&
		    (q + n == end || !is_ident_char((unsigned char)q[n])))
			return 1;
	return 0;
}

/* COPY with a program: read under both settings of
 * standard_conforming_strings, since a dump may change it where the
 * scanner does not see (set_config()). A DO block that spells COPY and
 * PROGRAM anywhere counts too; one that builds the words is not seen. */
static enum stmt_kind
copy_kind(const char *sql, size_t n, const struct tok *w)
{
	struct tok t;
	int from = 0;

	if (tok_is(&w[0], "DO"))
		return has_word(sql, sql + n, "COPY") && has_word(sql, sql + n, "PROGRAM") ? STMT_PROGRAM : STMT_OTHER;
	if (!tok_is(&w[0], "COPY"))
		return STMT_OTHER;
	for (int std = 0; std <= 1; std++) {
		t = copy_target(sql, n, std, &from);
		if (tok_is(&t, "PROGRAM"))
			return STMT_PROGRAM;
	}
	return from && tok_is(&t, "STDIN") ? STMT_COPY : STMT_OTHER;
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

/* The keys pg_dump adds after the data, which build an index. */
static int
is_index_key(const char *p, const char *end, const struct tok *w)
{
	return tok_is(&w[0], "ALTER") && tok_is(&w[1], "TABLE") &&
	    (contains_ci(p, end, " PRIMARY KEY ") || contains_ci(p, end, " UNIQUE (") ||
	     contains_ci(p, end, " EXCLUDE USING ")) && contains_ci(p, end, " ADD CONSTRAINT ");
}

static int
words_are(const struct tok *w, const char *a, const char *b)
{
	return tok_is(&w[0], a) && tok_is(&w[1], b);
}

/* A bare CREATE ROLE name; whose failure psql would pass over. */
static int
is_bare_create_role(const struct tok *w)
{
	return words_are(w, "CREATE", "ROLE") && (w[2].type == TOK_WORD || w[2].type == TOK_QIDENT) &&
	    (w[3].type == TOK_END || tok_is_punct(&w[3], ';'));
}

enum stmt_kind
stmtclass_kind(const char *p, size_t n)
{
	const char *end = p + n;
	struct tok w[NWORDS];
	enum stmt_kind k;

	first_tokens(p, n, w);
	if ((k = txn_kind(w)) != STMT_OTHER || (k = copy_kind(p, n, w)) != STMT_OTHER)
		return k;
	if ((tok_is(&w[0], "ALTER") && contains_ci(p, end, " OWNER TO ")) ||
	    (words_are(w, "SET", "SESSION") && tok_is(&w[2], "AUTHORIZATION")))
		return STMT_OWNER;
	if (tok_is(&w[0], "GRANT") || tok_is(&w[0], "REVOKE") ||
	    (words_are(w, "ALTER", "DEFAULT") && tok_is(&w[2], "PRIVILEGES")))
		return STMT_PRIV;
	if (words_are(w, "CREATE", "DATABASE"))
		return STMT_CREATE_DB;
	if (words_are(w, "DROP", "DATABASE") || words_are(w, "DROP", "TABLESPACE"))
		return STMT_DROP;
	if (words_are(w, "CREATE", "TABLESPACE"))
		return STMT_TABLESPACE;
	if (words_are(w, "ALTER", "SYSTEM") || tok_is(&w[0], "VACUUM"))
		return STMT_NONTX;
	if (is_bare_create_role(w))
		return STMT_CREATE_ROLE;
	if (words_are(w, "CREATE", "INDEX") || (words_are(w, "CREATE", "UNIQUE") && tok_is(&w[2], "INDEX")) ||
	    is_index_key(p, end, w))
		return STMT_INDEX;
	if (words_are(w, "INSERT", "INTO"))
		return STMT_INSERT;
	return STMT_OTHER;
}

int
stmtclass_cluster_wide(const char *sql, size_t n, enum stmt_kind k)
{
	static const char *const objects[] = { "ROLE", "USER", "GROUP", "DATABASE", "TABLESPACE" };
	struct tok w[NWORDS];

	if (k == STMT_TXN || k == STMT_CREATE_ROLE || k == STMT_CREATE_DB || k == STMT_TABLESPACE || k == STMT_PRIV)
		return 1;
	first_tokens(sql, n, w);
	if (tok_is(&w[0], "SET") || tok_is(&w[0], "RESET"))
		return 1;
	/* pg_dump's SELECT pg_catalog.set_config('search_path', '', false); */
	if (tok_is(&w[0], "SELECT") && tok_is(&w[1], "pg_catalog") && tok_is_punct(&w[2], '.') &&
	    tok_is(&w[3], "set_config"))
		return 1;
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (words_are(w, "CREATE", objects[i]) || words_are(w, "ALTER", objects[i]) ||
		    (words_are(w, "COMMENT", "ON") && tok_is(&w[2], objects[i])))
			return 1;
	return 0;
}

/* ---- names ---- */

/* A relation name as the dump writes it (schema.name, quotes kept), from
 * the walker's next token on. */
static char *
read_relname(struct walk *wk)
{
	struct tok t = walk_next(wk), dot;
	const char *from = t.p, *to;

	if (t.type != TOK_WORD && t.type != TOK_QIDENT)
		return NULL;
	to = t.p + t.n;
	for (;;) {
		dot = walk_next(wk);
		if (!tok_is_punct(&dot, '.'))
			break;
		t = walk_next(wk);
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

	walk_init(&wk, sql, n, 1);
	switch (k) {
	case STMT_COPY:
	case STMT_INSERT:
		walk_next(&wk);
		if (k == STMT_INSERT)
			walk_next(&wk);
		return read_relname(&wk);
	case STMT_CREATE_DB:
	case STMT_CREATE_ROLE:
	case STMT_TABLESPACE:
		walk_next(&wk);
		walk_next(&wk);
		t = walk_next(&wk);
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

	walk_init(&wk, sql, n, 1);
	t = walk_next(&wk);
	if (!tok_is(&t, "CREATE"))
		return NULL;
	t = walk_next(&wk);
	if (tok_is(&t, "UNLOGGED"))
		t = walk_next(&wk);
	if (!tok_is(&t, "TABLE"))
		return NULL;
	/* IF NOT EXISTS may find a table made before the transaction. */
	if ((name = read_relname(&wk)) == NULL || strcasecmp(name, "IF") == 0) {
		free(name);
		return NULL;
	}
	*partitioned = 0;
	while ((t = walk_next(&wk)).type != TOK_END) {
		if (t.depth == 0 && tok_is(&prev, "PARTITION") && tok_is(&t, "BY"))
			*partitioned = 1;
		prev = t;
	}
	return name;
}

size_t
stmtclass_copy_options_at(const char *sql, size_t n)
{
	struct walk wk;
	struct tok t;
	size_t at;
	int from = 0;

	if (stmtclass_kind(sql, n) != STMT_COPY)
		return 0;
	t = copy_target(sql, n, 1, &from);
	if (!from || !tok_is(&t, "STDIN"))
		return 0;
	at = (size_t)(t.p + t.n - sql);
	walk_init(&wk, sql + at, n - at, 1);
	t = walk_next(&wk);
	if (tok_is_punct(&t, ';'))
		t = walk_next(&wk);
	return t.type == TOK_END ? at : 0;
}

/* The next token is the keyword kw. */
static int
next_is(struct walk *wk, const char *kw)
{
	struct tok t = walk_next(wk);

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

	walk_init(&wk, sql, n, 1);
	if (!next_is(&wk, "ALTER") || !next_is(&wk, "TABLE") || !next_is(&wk, "ONLY"))
		return NULL;
	/* ONLY: pg_dump's spelling for a table that is not partitioned,
	 * where PostgreSQL takes NOT VALID. */
	save = wk;
	table = walk_next(&wk).p;
	wk = save;
	if ((out = read_relname(&wk)) == NULL)
		return NULL;
	tlen = strlen(out);
	free(out);
	/* read_relname read one token past the name. */
	wk.p = table + tlen;
	if (!next_is(&wk, "ADD") || !next_is(&wk, "CONSTRAINT"))
		return NULL;
	name = walk_next(&wk);
	if ((name.type != TOK_WORD && name.type != TOK_QIDENT) || !next_is(&wk, "FOREIGN"))
		return NULL;
	while ((t = walk_next(&wk)).type != TOK_END) {
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

int
stmtclass_holds_snapshot(const char *sql, size_t n)
{
	struct tok w[NWORDS];

	first_tokens(sql, n, w);
	return tok_is(&w[0], "DECLARE") || (tok_is(&w[0], "PREPARE") && !tok_is(&w[1], "TRANSACTION"));
}

/* pg_dump's SELECT pg_catalog.set_config('name', 'value', false): that
 * call and nothing else, so that repeating it repeats no other work. */
static int
is_set_config(const char *sql, size_t n)
{
	static const char *const shape[] = { "SELECT", "pg_catalog", ".", "set_config", "(", "'", ",", "'", ",",
					     "w", ")", ";" };
	struct walk wk;
	struct tok t;
	size_t i;

	walk_init(&wk, sql, n, 1);
	for (i = 0; (t = walk_next(&wk)).type != TOK_END; i++) {
		const char *want = i < sizeof(shape) / sizeof(shape[0]) ? shape[i] : NULL;
		int ok = want == NULL ? 0 : *want == '\'' ? t.type == TOK_STRING :
		    strcmp(want, "w") == 0 ? tok_is(&t, "false") || tok_is(&t, "true") :
		    ispunct((unsigned char)*want) ? tok_is_punct(&t, *want) : tok_is(&t, want);
		if (!ok)
			return 0;
	}
	return i >= sizeof(shape) / sizeof(shape[0]) - 1;
}

int
stmtclass_is_setting(const char *sql, size_t n)
{
	struct tok w[NWORDS];

	first_tokens(sql, n, w);
	if (tok_is(&w[0], "RESET"))
		return 1;
	if (tok_is(&w[0], "SET"))
		return !tok_is(&w[1], "LOCAL") && !tok_is(&w[1], "TRANSACTION") && !tok_is(&w[1], "CONSTRAINTS");
	return is_set_config(sql, n);
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

void
stmtclass_words(const char *sql, size_t n, char *out)
{
	struct tok w[NWORDS];
	size_t o = 0;

	first_tokens(sql, n, w);
	for (int i = 0; i < 2 && w[i].type == TOK_WORD; i++) {
		if (i > 0 && o < STMT_SNIP - 1)
			out[o++] = ' ';
		for (size_t j = 0; j < w[i].n && o < STMT_SNIP - 1; j++)
			out[o++] = (char)toupper((unsigned char)w[i].p[j]);
	}
	out[o] = '\0';
}
