/* The token walker of stmtwalk.h: blanks and comments, quotes and
 * dollar quotes stepped over as PostgreSQL's lexer steps. */
#include <string.h>

#include "stmtwalk.h"

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

struct tok
stmtwalk_next(struct walk *w)
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

void
stmtwalk_init(struct walk *w, const char *sql, size_t n, int std_strings)
{
	w->p = sql;
	w->end = sql + n;
	w->std_strings = std_strings;
	w->depth = 0;
}

/* The statement's first tokens. */
void
stmtwalk_first(const char *sql, size_t n, struct tok *w)
{
	struct walk wk;

	stmtwalk_init(&wk, sql, n, 1);
	for (int i = 0; i < NWORDS; i++)
		w[i] = stmtwalk_next(&wk);
}
