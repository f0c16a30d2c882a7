/* The tokens of a statement as PostgreSQL's lexer reads them, for
 * stmtclass.c and stmtname.c: blanks, -- and nested slash-star comments
 * skipped, keywords in any case, quoted identifiers, strings (E'', B'',
 * U&'', dollar-quoted) and punctuation, each with the parentheses open
 * around it. No SQL is parsed. */
#ifndef DRKIT_STMTWALK_H
#define DRKIT_STMTWALK_H

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

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

static inline int
is_ident_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static inline int
is_ident_char(unsigned char c)
{
	return is_ident_start(c) || isdigit(c) || c == '$';
}

/* The keyword kw, spelt in any case, never quoted. */
static inline int
tok_is(const struct tok *t, const char *kw)
{
	return t->type == TOK_WORD && t->n == strlen(kw) && strncasecmp(t->p, kw, t->n) == 0;
}

static inline int
tok_is_punct(const struct tok *t, char c)
{
	return t->type == TOK_PUNCT && *t->p == c;
}

#define NWORDS 4

void stmtwalk_init(struct walk *w, const char *sql, size_t n, int std_strings);
struct tok stmtwalk_next(struct walk *w);

/* The statement's first NWORDS tokens into w. */
void stmtwalk_first(const char *sql, size_t n, struct tok *w);

#endif
