/* The settings that change how the rest of a script reads, followed as
 * the server applies them: standard_conforming_strings (quotes) and the
 * client encoding (characters), from SET, RESET and \encoding, with
 * PostgreSQL's names of the encodings and its reading of booleans. */
#include <string.h>
#include <strings.h>

#include "sqlscan_int.h"

/* PostgreSQL's names of the client-only encodings (pg_encname_tbl), as
 * clean_encoding_name leaves them: lower case, letters and digits. */
static const struct {
	const char *name;
	int enc;
} client_encodings[] = {
	{ "sjis", SQLSCAN_ENC_SJIS }, { "shiftjis", SQLSCAN_ENC_SJIS }, { "mskanji", SQLSCAN_ENC_SJIS },
	{ "win932", SQLSCAN_ENC_SJIS }, { "windows932", SQLSCAN_ENC_SJIS },
	{ "shiftjis2004", SQLSCAN_ENC_SJIS },
	{ "big5", SQLSCAN_ENC_DOUBLE }, { "win950", SQLSCAN_ENC_DOUBLE }, { "windows950", SQLSCAN_ENC_DOUBLE },
	{ "gbk", SQLSCAN_ENC_DOUBLE }, { "win936", SQLSCAN_ENC_DOUBLE }, { "windows936", SQLSCAN_ENC_DOUBLE },
	{ "uhc", SQLSCAN_ENC_DOUBLE }, { "win949", SQLSCAN_ENC_DOUBLE }, { "windows949", SQLSCAN_ENC_DOUBLE },
	{ "gb18030", SQLSCAN_ENC_GB18030 },
	{ "johab", SQLSCAN_ENC_JOHAB },
};

/* An encoding name as the server reads it: case and everything but
 * letters and digits ignored ("Shift_JIS", "'sjis'", "WIN-932"). */
static int
encoding_of(const char *name, size_t n)
{
	char clean[64];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			continue;
		if (k + 1 == sizeof(clean))
			return SQLSCAN_ENC_BYTES;
		clean[k++] = (char)(c | ((c >= 'A' && c <= 'Z') ? 0x20 : 0));
	}
	clean[k] = '\0';
	for (size_t i = 0; i < sizeof(client_encodings) / sizeof(client_encodings[0]); i++)
		if (strcmp(clean, client_encodings[i].name) == 0)
			return client_encodings[i].enc;
	return SQLSCAN_ENC_BYTES;
}

int
sqlscan_set_encoding(struct sqlscan *s, const char *name)
{
	s->encoding = s->reset_encoding = encoding_of(name, strlen(name));
	return s->encoding;
}

/* A token of a SET statement: a word or number, the inside of a quoted
 * string or identifier, or one other character. */
struct tok {
	const char *p;
	size_t n;
	char kind;		/* 'w' word, 's' string, 'i' quoted identifier, 'o' other, 0 none */
};

static const char *
skip_blank(const char *p, const char *end)
{
	for (;;) {
		while (p < end && is_space((unsigned char)*p))
			p++;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
			while (p < end && *p != '\n')
				p++;
		} else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
			int depth = 1;
			for (p += 2; p < end && depth > 0; p++) {
				if (end - p >= 2 && p[0] == '*' && p[1] == '/')
					depth--, p++;
				else if (end - p >= 2 && p[0] == '/' && p[1] == '*')
					depth++, p++;
			}
		} else {
			return p;
		}
	}
}

static const char *
next_tok(const struct sqlscan *s, const char *p, const char *end, struct tok *t)
{
	int esc = !s->std_strings;

	p = skip_blank(p, end);
	t->p = p;
	t->n = 0;
	t->kind = 0;
	if (p == end)
		return p;
	if ((*p == 'E' || *p == 'e') && end - p >= 2 && p[1] == '\'')
		esc = 1, p++;
	if (*p == '\'' || *p == '"') {
		char q = *p;
		t->kind = q == '"' ? 'i' : 's';
		for (t->p = ++p; p < end; p++) {
			if (q == '\'' && esc && *p == '\\' && p + 1 < end)
				p++;
			else if (*p == q && p + 1 < end && p[1] == q)
				p++;
			else if (*p == q)
				break;
		}
		t->n = (size_t)(p - t->p);
		return p < end ? p + 1 : p;
	}
	if (ident_cont((unsigned char)*p) && *p != '$') {
		t->kind = 'w';
		while (p < end && ident_cont((unsigned char)*p))
			p++;
		t->n = (size_t)(p - t->p);
		return p;
	}
	t->kind = 'o';
	t->n = 1;
	return p + 1;
}

/* A keyword, unquoted; a setting's name, quoted or not (GUC names ignore
 * case). */
static int
tok_is(const struct tok *t, const char *word, int quoted_too)
{
	return (t->kind == 'w' || (quoted_too && t->kind == 'i')) && t->n == strlen(word) &&
	    strncasecmp(t->p, word, t->n) == 0;
}

/* PostgreSQL's parse_bool: 1, 0, or -1 for no boolean. */
static int
bool_value(const char *v, size_t n)
{
	if (n == 0)
		return -1;
	switch (v[0] | 0x20) {
	case 't':
		return n <= 4 && strncasecmp(v, "true", n) == 0 ? 1 : -1;
	case 'y':
		return n <= 3 && strncasecmp(v, "yes", n) == 0 ? 1 : -1;
	case 'f':
		return n <= 5 && strncasecmp(v, "false", n) == 0 ? 0 : -1;
	case 'n':
		return n <= 2 && strncasecmp(v, "no", n) == 0 ? 0 : -1;
	case 'o':
		if (n == 2 && strncasecmp(v, "on", 2) == 0)
			return 1;
		return n >= 2 && n <= 3 && strncasecmp(v, "off", n) == 0 ? 0 : -1;
	case '1':
		return n == 1 ? 1 : -1;
	case '0':
		return n == 1 ? 0 : -1;
	}
	return -1;
}

/* SET and RESET of the two settings that change how the rest of the script
 * reads, as they change it for the server (and for psql, which learns them
 * from the server): standard_conforming_strings (quotes) and
 * client_encoding (characters). SET [SESSION | LOCAL] name {TO | =}
 * value | DEFAULT, SET NAMES [value], RESET name | ALL; any case, quoting
 * and comments. */
void
sqlscan_note_setting(struct sqlscan *s, const char *p, size_t n)
{
	const char *end = p + n;
	struct tok t;
	int names, enc, b;

	p = next_tok(s, p, end, &t);
	if (tok_is(&t, "reset", 0)) {
		next_tok(s, p, end, &t);
		if (tok_is(&t, "client_encoding", 1) || tok_is(&t, "all", 0))
			s->encoding = s->reset_encoding;
		if (tok_is(&t, "standard_conforming_strings", 1) || tok_is(&t, "all", 0))
			s->std_strings = 1;
		return;
	}
	if (!tok_is(&t, "set", 0))
		return;
	p = next_tok(s, p, end, &t);
	if (tok_is(&t, "session", 0) || tok_is(&t, "local", 0))
		p = next_tok(s, p, end, &t);
	names = tok_is(&t, "names", 0);
	enc = names || tok_is(&t, "client_encoding", 1);
	if (!enc && !tok_is(&t, "standard_conforming_strings", 1))
		return;
	p = next_tok(s, p, end, &t);
	if (!names) {
		if (!tok_is(&t, "to", 0) && !(t.kind == 'o' && *t.p == '='))
			return;
		next_tok(s, p, end, &t);
	}
	if (tok_is(&t, "default", 0) || (names && (t.kind == 0 || (t.kind == 'o' && *t.p == ';')))) {
		if (enc)
			s->encoding = s->reset_encoding;
		else
			s->std_strings = 1;
	} else if (t.kind == 'w' || t.kind == 's' || t.kind == 'i') {
		if (enc)
			s->encoding = encoding_of(t.p, t.n);
		else if ((b = bool_value(t.p, t.n)) >= 0)
			s->std_strings = b;
	}
}

/* psql's \encoding NAME sets the client encoding as SET does. */
void
sqlscan_note_meta(struct sqlscan *s, const char *p, size_t n)
{
	static const char cmd[] = "\\encoding";
	const size_t k = sizeof(cmd) - 1;
	const char *end = p + n, *v;

	if (n <= k || memcmp(p, cmd, k) != 0 || !is_space((unsigned char)p[k]))
		return;
	for (p += k; p < end && is_space((unsigned char)*p); p++)
		;
	if (p == end)
		return;
	v = p;
	if (*p == '\'' || *p == '"')
		for (p++; p < end && *p != *v; p++)
			;
	while (p < end && !is_space((unsigned char)*p))
		p++;
	s->encoding = encoding_of(v, (size_t)(p - v));
}
