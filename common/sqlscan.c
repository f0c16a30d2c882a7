/* The statement splitter: items begin and end at top level, outside quotes
 * and comments (a ';' outside parentheses and BEGIN ATOMIC bodies ends a
 * statement, a "--" line between statements is a comment, a backslash
 * begins a meta-command); sqlscanquote.c's rules take over inside them. */
#include <string.h>
#include <strings.h>

#include "sqlscan_int.h"

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

static enum sqlscan_event
finish_item(struct sqlscan *s, const char *buf, enum sqlscan_event ev)
{
	if (ev == SQLSCAN_STATEMENT)
		sqlscan_note_setting(s, buf + s->start, s->end - s->start);
	else if (ev == SQLSCAN_META)
		sqlscan_note_meta(s, buf + s->start, s->end - s->start);
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
			need = !sqlscan_quoted(s, buf, len, eof, '\'', 0);
			break;
		case ST_ESTRING:
			need = !sqlscan_quoted(s, buf, len, eof, '\'', 1);
			break;
		case ST_DQUOTE:
			need = !sqlscan_quoted(s, buf, len, eof, '"', 0);
			break;
		case ST_DOLLAR:
			need = !sqlscan_dollar_body(s, buf, len, eof);
			break;
		case ST_BLOCK:
			need = !sqlscan_block(s, buf, len, eof);
			break;
		case ST_LINE:
		case ST_LEAD:
			ev = sqlscan_line_comment(s, buf, len, eof, &need);
			break;
		case ST_META:
			ev = sqlscan_meta(s, buf, len, eof, &need);
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
