#include <string.h>
#include <strings.h>

#include "sqlscan.h"

enum {
	ST_TOP,			/* SQL outside quotes and comments */
	ST_SQUOTE,		/* '...' with standard conforming strings */
	ST_ESTRING,		/* E'...', or '...' without them: backslash escapes */
	ST_DQUOTE,		/* "identifier" */
	ST_DOLLAR,		/* $tag$ ... $tag$ */
	ST_BLOCK,		/* slash-star comment, nested */
	ST_LINE,		/* -- comment inside a statement */
	ST_LEAD,		/* -- comment line between statements */
	ST_META,		/* backslash meta-command up to the newline */
};

void
sqlscan_init(struct sqlscan *s)
{
	memset(s, 0, sizeof(*s));
	s->std_strings = 1;
	s->line = 1;
}

unsigned long
sqlscan_count_lines(const char *buf, size_t len)
{
	unsigned long n = 0;

	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\n';
	return n;
}

static void
advance(struct sqlscan *s, const char *buf, size_t to)
{
	s->line += sqlscan_count_lines(buf + s->pos, to - s->pos);
	s->pos = to;
}

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int
ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int
ident_cont(unsigned char c)
{
	return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

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

/* PostgreSQL's pg_sjis_mblen, pg_big5_mblen, pg_gbk_mblen, pg_uhc_mblen,
 * pg_gb18030_mblen and pg_johab_mblen for a high byte p[0]; avail >= 2
 * for GB18030, which looks at the second byte. */
static size_t
mb_len(int enc, const unsigned char *p, size_t avail)
{
	switch (enc) {
	case SQLSCAN_ENC_SJIS:
		return p[0] >= 0xa1 && p[0] <= 0xdf ? 1 : 2;	/* half-width kana */
	case SQLSCAN_ENC_GB18030:
		return avail >= 2 && p[1] >= 0x30 && p[1] <= 0x39 ? 4 : 2;
	case SQLSCAN_ENC_JOHAB:
		return p[0] == 0x8e ? 2 : p[0] == 0x8f ? 3 : 2;
	default:
		return 2;
	}
}

/* The length of the character at buf[i] as psql's lexer steps: one byte
 * but in the client-only encodings, where a high byte takes the bytes
 * after it (never past a newline: psql scans a line at a time). 0 when
 * the character may go on past len and more input will come. */
static size_t
char_len(const struct sqlscan *s, const char *buf, size_t i, size_t len, int eof)
{
	const unsigned char *p = (const unsigned char *)buf + i;
	size_t avail = len - i, n, k;

	if (p[0] < 0x80 || s->encoding == SQLSCAN_ENC_BYTES)
		return 1;
	if (s->encoding == SQLSCAN_ENC_GB18030 && avail < 2 && !eof)
		return 0;
	n = mb_len(s->encoding, p, avail);
	for (k = 1; k < n && k < avail && p[k] != '\n'; k++)
		;
	return k < n && k == avail && !eof ? 0 : k;
}

/* The end of the run of identifier characters from i ('$' too when
 * dollar), a multibyte character counting whole; len when the run, or a
 * character in it, reaches the end of what the buffer holds. */
static size_t
word_end(struct sqlscan *s, const char *buf, size_t i, size_t len, int eof, int dollar)
{
	while (i < len) {
		unsigned char c = (unsigned char)buf[i];
		if (c >= 0x80 && s->encoding != SQLSCAN_ENC_BYTES) {
			size_t n = char_len(s, buf, i, len, eof);
			if (n == 0)
				return len;
			i += n;
			s->mb_at = i;
			continue;
		}
		if (!ident_cont(c) || (c == '$' && !dollar))
			break;
		i++;
	}
	return i;
}

/* Whether the byte before i ends an identifier character: the later bytes
 * of a multibyte character are letters to psql, whatever they look like. */
static int
ident_before(const struct sqlscan *s, const char *buf, size_t i)
{
	return ident_cont((unsigned char)buf[i - 1]) || s->mb_at == i;
}

/* Resets the per-statement state for the item that starts at s->pos. */
static void
begin_item(struct sqlscan *s)
{
	s->start = s->pos;
	s->has_text = 0;
	s->has_token = 0;
	s->paren_depth = 0;
	s->begin_depth = 0;
	s->words = 0;
	memset(s->lead, 0, sizeof(s->lead));
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
static void
note_setting(struct sqlscan *s, const char *p, size_t n)
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
static void
note_meta(struct sqlscan *s, const char *p, size_t n)
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

/* psql's heuristic for SQL-standard function bodies: inside CREATE [OR
 * REPLACE] FUNCTION|PROCEDURE, at parenthesis depth 0, BEGIN opens a block
 * that END closes (CASE ... END too, once inside), and a semicolon in a
 * block does not end the statement. */
static void
note_word(struct sqlscan *s, const char *w, size_t n)
{
	static const char *const lead[] = { "create", "function", "procedure", "or", "replace" };

	for (size_t i = 0; i < sizeof(lead) / sizeof(lead[0]); i++)
		if (n == strlen(lead[i]) && strncasecmp(w, lead[i], n) == 0 && s->words < 4)
			s->lead[s->words] = lead[i][0];
	s->words++;
	int in_routine = s->lead[0] == 'c' &&
	    (s->lead[1] == 'f' || s->lead[1] == 'p' ||
	     (s->lead[1] == 'o' && s->lead[2] == 'r' && (s->lead[3] == 'f' || s->lead[3] == 'p')));
	if (!in_routine || s->paren_depth != 0)
		return;
	if (n == 5 && strncasecmp(w, "begin", 5) == 0)
		s->begin_depth++;
	else if (n == 4 && strncasecmp(w, "case", 4) == 0 && s->begin_depth > 0)
		s->begin_depth++;
	else if (n == 3 && strncasecmp(w, "end", 3) == 0 && s->begin_depth > 0)
		s->begin_depth--;
}

/* Inside a quote that ends with q, doubled to include it. 0: need more. */
static int
scan_quoted(struct sqlscan *s, const char *buf, size_t len, int eof, char q, int escapes)
{
	for (;;) {
		const char *p = buf + s->pos;
		size_t i = 0, n = len - s->pos;

		if (s->encoding == SQLSCAN_ENC_BYTES) {
			while (i < n && p[i] != q && !(escapes && p[i] == '\\'))
				i++;
		}
		while (i < n && p[i] != q && !(escapes && p[i] == '\\')) {
			size_t k = char_len(s, buf, s->pos + i, len, eof);
			if (k == 0) {
				advance(s, buf, s->pos + i);
				return 0;
			}
			i += k;
		}
		if (i == n) {
			advance(s, buf, len);
			return 0;
		}
		if (i + 1 == n && !eof) {
			advance(s, buf, s->pos + i);
			return 0;
		}
		if (p[i] == '\\') {
			/* The escaped character, whole. */
			size_t k = i + 1 < n ? char_len(s, buf, s->pos + i + 1, len, eof) : 0;
			if (k == 0 && i + 1 < n) {
				advance(s, buf, s->pos + i);
				return 0;
			}
			advance(s, buf, s->pos + i + 1 + k);
			continue;
		}
		if (i + 1 < n && p[i + 1] == q) {
			advance(s, buf, s->pos + i + 2);
			continue;
		}
		advance(s, buf, s->pos + i + 1);
		s->state = ST_TOP;
		return 1;
	}
}

/* The next '$' from s->pos that is a character of its own: 1 with *at
 * there; 0 with *at where to go on from when more input comes. */
static int
find_dollar(const struct sqlscan *s, const char *buf, size_t len, int eof, size_t *at)
{
	size_t i = s->pos;

	if (s->encoding == SQLSCAN_ENC_BYTES) {
		const char *d = memchr(buf + i, '$', len - i);
		*at = d != NULL ? (size_t)(d - buf) : len;
		return d != NULL;
	}
	while (i < len && buf[i] != '$') {
		size_t k = char_len(s, buf, i, len, eof);
		if (k == 0)
			break;
		i += k;
	}
	*at = i;
	return i < len && buf[i] == '$';
}

/* Whether the n bytes at a and b are the same dollar tag to psql, which
 * compares them with every later byte of a multibyte character masked. */
static int
tag_equal(const struct sqlscan *s, const char *a, const char *b, size_t n)
{
	size_t ra = 0, rb = 0;

	if (s->encoding == SQLSCAN_ENC_BYTES)
		return memcmp(a, b, n) == 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ca = (unsigned char)a[i], cb = (unsigned char)b[i];
		if (ra > 0)
			ra--, ca = 0xff;
		else if (ca >= 0x80)
			ra = mb_len(s->encoding, (const unsigned char *)a + i, n - i) - 1;
		if (rb > 0)
			rb--, cb = 0xff;
		else if (cb >= 0x80)
			rb = mb_len(s->encoding, (const unsigned char *)b + i, n - i) - 1;
		if (ca != cb)
			return 0;
	}
	return 1;
}

static int
scan_dollar_body(struct sqlscan *s, const char *buf, size_t len, int eof)
{
	const char *tag = buf + s->start + s->dolq_off;

	for (;;) {
		size_t at;
		if (!find_dollar(s, buf, len, eof, &at)) {
			advance(s, buf, at);
			return 0;
		}
		const char *d = buf + at;
		if (len - at < s->dolq_len) {
			if (!eof) {
				advance(s, buf, at);
				return 0;
			}
			advance(s, buf, len);
			return 0;
		}
		if (tag_equal(s, d, tag, s->dolq_len)) {
			advance(s, buf, at + s->dolq_len);
			s->state = ST_TOP;
			return 1;
		}
		/* That dollar may begin the closing tag. */
		advance(s, buf, at + 1);
	}
}

/* At a '$' in SQL: a dollar quote's opening tag, a parameter or an
 * operator character. 0: need more. */
static int
scan_dollar_open(struct sqlscan *s, const char *buf, size_t len, int eof)
{
	size_t i = s->pos + 1;

	if (i < len && ident_start((unsigned char)buf[i]))
		i = word_end(s, buf, i, len, eof, 0);
	if (i == len && !eof)
		return 0;
	if (i < len && buf[i] == '$') {
		s->dolq_off = s->pos - s->start;
		s->dolq_len = i + 1 - s->pos;
		s->state = ST_DOLLAR;
		advance(s, buf, i + 1);
	} else {
		advance(s, buf, s->pos + 1);
	}
	return 1;
}

/* Starts or ends items at top level; returns the event or MORE to go on
 * scanning (with s->state possibly changed). need: set when the byte at
 * s->pos needs lookahead the buffer does not hold. */
static enum sqlscan_event
scan_top(struct sqlscan *s, const char *buf, size_t len, int eof, int *need)
{
	while (s->pos < len) {
		unsigned char c = (unsigned char)buf[s->pos];
		unsigned char next = s->pos + 1 < len ? (unsigned char)buf[s->pos + 1] : 0;
		int last = s->pos + 1 == len && !eof;

		if (!s->has_text) {
			if (is_space(c)) {
				advance(s, buf, s->pos + 1);
				s->start = s->pos;
				continue;
			}
			s->start = s->pos;
			s->item_line = s->line;
		} else if (is_space(c)) {
			advance(s, buf, s->pos + 1);
			continue;
		}
		if ((c == '-' || c == '/') && last) {
			*need = 1;
			return SQLSCAN_MORE;
		}
		if (c == '-' && next == '-') {
			s->state = s->has_text ? ST_LINE : ST_LEAD;
			return SQLSCAN_MORE;
		}
		if (c == '/' && next == '*') {
			s->has_text = 1;
			s->state = ST_BLOCK;
			s->comment_depth = 1;
			advance(s, buf, s->pos + 2);
			return SQLSCAN_MORE;
		}
		if (c == '\\') {
			if (s->has_token)
				return SQLSCAN_ERROR;
			s->state = ST_META;
			return SQLSCAN_MORE;
		}
		s->has_text = s->has_token = 1;
		if (c == '\'') {
			int e = s->pos > s->start && (buf[s->pos - 1] == 'E' || buf[s->pos - 1] == 'e') &&
			    s->mb_at != s->pos && (s->pos - 1 == s->start || !ident_before(s, buf, s->pos - 1));
			s->state = e || !s->std_strings ? ST_ESTRING : ST_SQUOTE;
			advance(s, buf, s->pos + 1);
			return SQLSCAN_MORE;
		}
		if (c == '"') {
			s->state = ST_DQUOTE;
			advance(s, buf, s->pos + 1);
			return SQLSCAN_MORE;
		}
		if (c == '$') {
			if (s->pos > s->start && ident_before(s, buf, s->pos)) {
				advance(s, buf, s->pos + 1);
				continue;
			}
			if (!scan_dollar_open(s, buf, len, eof)) {
				*need = 1;
				return SQLSCAN_MORE;
			}
			if (s->state != ST_TOP)
				return SQLSCAN_MORE;
			continue;
		}
		if (ident_start(c)) {
			size_t i = word_end(s, buf, s->pos, len, eof, 1);
			if (i == len && !eof) {
				*need = 1;
				return SQLSCAN_MORE;
			}
			note_word(s, buf + s->pos, i - s->pos);
			advance(s, buf, i);
			continue;
		}
		if (c >= '0' && c <= '9') {
			size_t i = word_end(s, buf, s->pos + 1, len, eof, 0);
			if (i == len && !eof) {
				*need = 1;
				return SQLSCAN_MORE;
			}
			advance(s, buf, i);
			continue;
		}
		if (c == '(')
			s->paren_depth++;
		else if (c == ')' && s->paren_depth > 0)
			s->paren_depth--;
		else if (c == ';' && s->paren_depth == 0 && s->begin_depth == 0) {
			advance(s, buf, s->pos + 1);
			s->end = s->pos;
			return SQLSCAN_STATEMENT;
		}
		advance(s, buf, s->pos + 1);
	}
	*need = 1;
	return SQLSCAN_MORE;
}

/* A "--" comment up to its newline; lead: a line of its own between
 * statements, reported as an event. */
static enum sqlscan_event
scan_line_comment(struct sqlscan *s, const char *buf, size_t len, int eof, int *need)
{
	const char *nl = memchr(buf + s->pos, '\n', len - s->pos);
	size_t end = nl != NULL ? (size_t)(nl - buf) : len;

	if (nl == NULL && !eof) {
		s->pos = len;
		*need = 1;
		return SQLSCAN_MORE;
	}
	s->pos = end;
	if (s->state == ST_LINE) {
		s->state = ST_TOP;
		return SQLSCAN_MORE;
	}
	s->state = ST_TOP;
	s->end = end > s->start && buf[end - 1] == '\r' ? end - 1 : end;
	return SQLSCAN_COMMENT;
}

static enum sqlscan_event
scan_meta(struct sqlscan *s, const char *buf, size_t len, int eof, int *need)
{
	enum sqlscan_event ev = scan_line_comment(s, buf, len, eof, need);

	if (ev == SQLSCAN_COMMENT)
		ev = SQLSCAN_META;
	return ev;
}

static int
scan_block(struct sqlscan *s, const char *buf, size_t len, int eof)
{
	while (s->pos < len) {
		char c = buf[s->pos];
		if ((c == '*' || c == '/') && s->pos + 1 == len && !eof)
			return 0;
		char next = s->pos + 1 < len ? buf[s->pos + 1] : 0;
		if (c == '*' && next == '/') {
			advance(s, buf, s->pos + 2);
			if (--s->comment_depth == 0) {
				s->state = ST_TOP;
				return 1;
			}
		} else if (c == '/' && next == '*') {
			advance(s, buf, s->pos + 2);
			s->comment_depth++;
		} else {
			size_t k = char_len(s, buf, s->pos, len, eof);
			if (k == 0)
				return 0;
			advance(s, buf, s->pos + k);
		}
	}
	return 0;
}

static enum sqlscan_event
finish_item(struct sqlscan *s, const char *buf, enum sqlscan_event ev)
{
	if (ev == SQLSCAN_STATEMENT)
		note_setting(s, buf + s->start, s->end - s->start);
	else if (ev == SQLSCAN_META)
		note_meta(s, buf + s->start, s->end - s->start);
	return ev;
}

enum sqlscan_event
sqlscan_next(struct sqlscan *s, const char *buf, size_t len, int eof)
{
	if (s->reported) {
		s->reported = 0;
		begin_item(s);
	}
	for (;;) {
		enum sqlscan_event ev = SQLSCAN_MORE;
		int need = 0;
		size_t before = s->pos;

		switch (s->state) {
		case ST_TOP:
			ev = scan_top(s, buf, len, eof, &need);
			break;
		case ST_SQUOTE:
			need = !scan_quoted(s, buf, len, eof, '\'', 0);
			break;
		case ST_ESTRING:
			need = !scan_quoted(s, buf, len, eof, '\'', 1);
			break;
		case ST_DQUOTE:
			need = !scan_quoted(s, buf, len, eof, '"', 0);
			break;
		case ST_DOLLAR:
			need = !scan_dollar_body(s, buf, len, eof);
			break;
		case ST_BLOCK:
			need = !scan_block(s, buf, len, eof);
			break;
		case ST_LINE:
		case ST_LEAD:
			ev = scan_line_comment(s, buf, len, eof, &need);
			break;
		case ST_META:
			ev = scan_meta(s, buf, len, eof, &need);
			break;
		}
		if (ev != SQLSCAN_MORE) {
			if (ev == SQLSCAN_ERROR)
				return ev;
			s->reported = 1;
			return finish_item(s, buf, ev);
		}
		if (!need)
			continue;
		if (!eof)
			return SQLSCAN_MORE;
		if (s->pos < len && s->pos != before)
			continue;
		return s->state == ST_TOP && !s->has_token ? SQLSCAN_END : SQLSCAN_INCOMPLETE;
	}
}

void
sqlscan_shift(struct sqlscan *s, size_t n)
{
	s->start -= n;
	s->pos -= n;
	s->end = s->end >= n ? s->end - n : 0;
	s->mb_at = s->mb_at >= n ? s->mb_at - n : 0;
}

void
sqlscan_skip(struct sqlscan *s, size_t n, unsigned long lines)
{
	s->pos += n;
	s->line += lines;
	s->reported = 0;
	begin_item(s);
}

int
sqlscan_copy_end(const char *buf, size_t len, int at_bol, int eof, size_t *data, size_t *term)
{
	size_t i = 0;

	for (;;) {
		if (at_bol || i > 0) {
			size_t rest = len - i;
			if (rest >= 3 && buf[i] == '\\' && buf[i + 1] == '.' && buf[i + 2] == '\n') {
				*data = i;
				*term = 3;
				return 1;
			}
			if (rest >= 4 && memcmp(buf + i, "\\.\r\n", 4) == 0) {
				*data = i;
				*term = 4;
				return 1;
			}
			if (eof && rest == 2 && buf[i] == '\\' && buf[i + 1] == '.') {
				*data = i;
				*term = 2;
				return 1;
			}
			if (!eof && rest < 4 && (rest == 0 || buf[i] == '\\')) {
				*data = i;
				return 0;
			}
		}
		const char *nl = memchr(buf + i, '\n', len - i);
		if (nl == NULL) {
			*data = len;
			return 0;
		}
		i = (size_t)(nl - buf) + 1;
	}
}

int
sqlscan_buffer(const char *buf, size_t len,
	       int (*fn)(void *arg, enum sqlscan_event ev, const char *text, size_t n, unsigned long line),
	       void *arg)
{
	struct sqlscan s;

	sqlscan_init(&s);
	for (;;) {
		enum sqlscan_event ev = sqlscan_next(&s, buf, len, 1);
		int rc;

		if (ev == SQLSCAN_STATEMENT || ev == SQLSCAN_META || ev == SQLSCAN_COMMENT)
			rc = fn(arg, ev, buf + s.start, s.end - s.start, s.item_line);
		else
			rc = fn(arg, ev, buf + s.pos, 0, s.line);
		if (rc != 0 || ev == SQLSCAN_END || ev == SQLSCAN_INCOMPLETE || ev == SQLSCAN_ERROR)
			return rc;
	}
}
