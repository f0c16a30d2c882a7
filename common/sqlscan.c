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

/* "SET standard_conforming_strings = off" changes how the rest of the
 * script's quotes read, as it does for psql (which learns it from the
 * server). */
static void
note_std_strings(struct sqlscan *s, const char *p, size_t n)
{
	static const char name[] = "standard_conforming_strings";
	const char *end = p + n;

	if (n < 4 || strncasecmp(p, "set", 3) != 0 || !is_space((unsigned char)p[3]))
		return;
	p += 4;
	while (p < end && is_space((unsigned char)*p))
		p++;
	if ((size_t)(end - p) > 8 && strncasecmp(p, "session", 7) == 0 && is_space((unsigned char)p[7]))
		for (p += 8; p < end && is_space((unsigned char)*p); p++)
			;
	if ((size_t)(end - p) < sizeof(name) - 1 || strncasecmp(p, name, sizeof(name) - 1) != 0)
		return;
	p += sizeof(name) - 1;
	while (p < end && (is_space((unsigned char)*p) || *p == '=' || *p == '\''))
		p++;
	if ((size_t)(end - p) >= 2 && strncasecmp(p, "to", 2) == 0 && p + 2 < end && is_space((unsigned char)p[2]))
		for (p += 2; p < end && (is_space((unsigned char)*p) || *p == '\''); p++)
			;
	if ((size_t)(end - p) >= 3 && strncasecmp(p, "off", 3) == 0)
		s->std_strings = 0;
	else if ((size_t)(end - p) >= 5 && strncasecmp(p, "false", 5) == 0)
		s->std_strings = 0;
	else if ((size_t)(end - p) >= 2 && strncasecmp(p, "on", 2) == 0)
		s->std_strings = 1;
	else if ((size_t)(end - p) >= 4 && strncasecmp(p, "true", 4) == 0)
		s->std_strings = 1;
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

		while (i < n && p[i] != q && !(escapes && p[i] == '\\'))
			i++;
		if (i == n) {
			advance(s, buf, len);
			return 0;
		}
		if (i + 1 == n && !eof) {
			advance(s, buf, s->pos + i);
			return 0;
		}
		if (p[i] == '\\') {
			advance(s, buf, s->pos + i + (i + 1 < n ? 2 : 1));
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

static int
scan_dollar_body(struct sqlscan *s, const char *buf, size_t len, int eof)
{
	const char *tag = buf + s->start + s->dolq_off;

	for (;;) {
		const char *d = memchr(buf + s->pos, '$', len - s->pos);
		if (d == NULL) {
			advance(s, buf, len);
			return 0;
		}
		size_t at = (size_t)(d - buf);
		if (len - at < s->dolq_len) {
			if (!eof) {
				advance(s, buf, at);
				return 0;
			}
			advance(s, buf, len);
			return 0;
		}
		if (memcmp(d, tag, s->dolq_len) == 0) {
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
		for (i++; i < len && ident_cont((unsigned char)buf[i]) && buf[i] != '$'; i++)
			;
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
			    (s->pos - 1 == s->start || !ident_cont((unsigned char)buf[s->pos - 2]));
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
			if (s->pos > s->start && ident_cont((unsigned char)buf[s->pos - 1])) {
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
			size_t i = s->pos + 1;
			while (i < len && ident_cont((unsigned char)buf[i]))
				i++;
			if (i == len && !eof) {
				*need = 1;
				return SQLSCAN_MORE;
			}
			note_word(s, buf + s->pos, i - s->pos);
			advance(s, buf, i);
			continue;
		}
		if (c >= '0' && c <= '9') {
			size_t i = s->pos + 1;
			while (i < len && ident_cont((unsigned char)buf[i]) && buf[i] != '$')
				i++;
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
			advance(s, buf, s->pos + 1);
		}
	}
	return 0;
}

static enum sqlscan_event
finish_item(struct sqlscan *s, const char *buf, enum sqlscan_event ev)
{
	if (ev == SQLSCAN_STATEMENT)
		note_std_strings(s, buf + s->start, s->end - s->start);
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
