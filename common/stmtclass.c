/* What a statement is to the restore (stmtclass.h), by its first tokens:
 * transaction control, COPY and its source, ownership and privileges,
 * what runs outside the transaction or belongs to the cluster-wide part,
 * an index, a session setting; and how messages quote it. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "stmtclass.h"
#include "stmtwalk.h"

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

	stmtwalk_init(&wk, sql, n, std_strings);
	stmtwalk_next(&wk);
	while ((t = stmtwalk_next(&wk)).type != TOK_END)
		if (t.depth == 0 && (tok_is(&t, "FROM") || tok_is(&t, "TO"))) {
			*from = tok_is(&t, "FROM");
			return stmtwalk_next(&wk);
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

	stmtwalk_first(p, n, w);
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
	stmtwalk_first(sql, n, w);
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

/* ---- what the restore may do faster ---- */

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
	stmtwalk_init(&wk, sql + at, n - at, 1);
	t = stmtwalk_next(&wk);
	if (tok_is_punct(&t, ';'))
		t = stmtwalk_next(&wk);
	return t.type == TOK_END ? at : 0;
}

int
stmtclass_holds_snapshot(const char *sql, size_t n)
{
	struct tok w[NWORDS];

	stmtwalk_first(sql, n, w);
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

	stmtwalk_init(&wk, sql, n, 1);
	for (i = 0; (t = stmtwalk_next(&wk)).type != TOK_END; i++) {
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

	stmtwalk_first(sql, n, w);
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

	stmtwalk_first(sql, n, w);
	for (int i = 0; i < 2 && w[i].type == TOK_WORD; i++) {
		if (i > 0 && o < STMT_SNIP - 1)
			out[o++] = ' ';
		for (size_t j = 0; j < w[i].n && o < STMT_SNIP - 1; j++)
			out[o++] = (char)toupper((unsigned char)w[i].p[j]);
	}
	out[o] = '\0';
}
