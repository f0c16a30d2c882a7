/* The lexer's rules inside a quote or comment, as psql's: where a '' or
 * E'' string, a quoted identifier, a dollar-quoted body, a nested
 * slash-star comment, a "--" comment or a meta-command line ends; each
 * answers "need more" when the buffer ends first. */
#include <string.h>

#include "sqlscan_int.h"

/* Inside a quote that ends with q, doubled to include it. 0: need more. */
int
sqlscan_quoted(struct sqlscan *s, const char *buf, size_t len, int eof, char q, int escapes)
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

int
sqlscan_dollar_body(struct sqlscan *s, const char *buf, size_t len, int eof)
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

/* A "--" comment up to its newline; lead: a line of its own between
 * statements, reported as an event. */
enum sqlscan_event
sqlscan_line_comment(struct sqlscan *s, const char *buf, size_t len, int eof, int *need)
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

enum sqlscan_event
sqlscan_meta(struct sqlscan *s, const char *buf, size_t len, int eof, int *need)
{
	enum sqlscan_event ev = sqlscan_line_comment(s, buf, len, eof, need);

	if (ev == SQLSCAN_COMMENT)
		ev = SQLSCAN_META;
	return ev;
}

int
sqlscan_block(struct sqlscan *s, const char *buf, size_t len, int eof)
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
