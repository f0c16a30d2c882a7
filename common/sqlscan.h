/* Splits a SQL script into statements, comment lines and backslash
 * meta-commands by the rules of psql's lexer (quotes, E'' strings,
 * standard_conforming_strings, dollar quotes, quoted identifiers, nested
 * comments, parentheses, BEGIN ATOMIC bodies), without parsing SQL.
 *
 * The scanner never copies: it walks the caller's buffer, which holds the
 * current statement from s->start on. When it needs bytes the buffer does
 * not hold yet it answers SQLSCAN_MORE; the caller then appends input
 * (moving the buffer's contents down with sqlscan_shift if it wants) and
 * calls again. So memory is the size of the largest statement, not of the
 * script. */
#ifndef DRKIT_SQLSCAN_H
#define DRKIT_SQLSCAN_H

#include <stddef.h>

enum sqlscan_event {
	SQLSCAN_MORE,		/* needs more input (or eof=1) */
	SQLSCAN_STATEMENT,	/* buf[start, end) is a statement, ';' included */
	SQLSCAN_META,		/* buf[start, end) is a meta-command line, no newline */
	SQLSCAN_COMMENT,	/* buf[start, end) is a "--" line between statements */
	SQLSCAN_END,		/* end of input, nothing pending */
	SQLSCAN_INCOMPLETE,	/* end of input inside a statement, quote or comment */
	SQLSCAN_ERROR,		/* a meta-command inside a statement */
};

struct sqlscan {
	int state;		/* top level, or inside a quote or comment */
	int std_strings;	/* standard_conforming_strings as SET by the script */
	int encoding;		/* how psql splits characters: SQLSCAN_ENC_* */
	int reset_encoding;	/* what RESET client_encoding goes back to */
	size_t mb_at;		/* just after the last multibyte character of a word */
	int comment_depth;	/* nested slash-star comments */
	int paren_depth;
	int begin_depth;	/* BEGIN ... END of a SQL-standard function body */
	int words;		/* words seen in this statement */
	char lead[4];		/* first letters of CREATE [OR REPLACE] FUNCTION */
	size_t dolq_off;	/* opening dollar tag, offset from start */
	size_t dolq_len;	/* its length, both dollars included */
	int has_text;		/* the statement holds more than blanks */
	int has_token;		/* ... and more than comments */
	size_t start;		/* where the current item begins in the buffer */
	size_t pos;		/* next byte to look at */
	size_t end;		/* end of the item an event reports */
	int reported;		/* an item was reported: the next call starts anew */
	unsigned long line;	/* line number of buf[pos], from 1 */
	unsigned long item_line;	/* line where the reported item begins */
};

/* Client encodings in which a multibyte character's later bytes may be
 * ASCII ('\\', ';', digits): psql's lexer steps over such a character
 * whole, and so does this one. All others are scanned byte by byte. */
enum sqlscan_encoding {
	SQLSCAN_ENC_BYTES = 0,	/* UTF8, EUC_*, LATIN*, ...: any server encoding */
	SQLSCAN_ENC_SJIS,	/* SJIS, SHIFT_JIS_2004 */
	SQLSCAN_ENC_DOUBLE,	/* BIG5, GBK, UHC: a high byte leads two */
	SQLSCAN_ENC_GB18030,	/* two bytes, or four when the second is a digit */
	SQLSCAN_ENC_JOHAB,
};

void sqlscan_init(struct sqlscan *s);

/* The session's client encoding, by any of PostgreSQL's names for it
 * ("SJIS", "Shift_JIS", "win932", ...): for a caller that knows how the
 * session starts (PGCLIENTENCODING); RESET returns to it. The script's own
 * SET client_encoding, SET NAMES, RESET and \encoding lines are followed
 * without the caller, from the next statement on, as the server applies
 * them. Returns the SQLSCAN_ENC_* it scans with. */
int sqlscan_set_encoding(struct sqlscan *s, const char *name);

/* Scans buf[s->pos, len). eof: no more input will come. */
enum sqlscan_event sqlscan_next(struct sqlscan *s, const char *buf, size_t len, int eof);

/* The caller moved its buffer's contents down by n bytes (n <= s->start). */
void sqlscan_shift(struct sqlscan *s, size_t n);

/* Skips the caller's consumption of n bytes of data that do not belong to
 * the script's SQL (COPY data) and that held lines newlines. */
void sqlscan_skip(struct sqlscan *s, size_t n, unsigned long lines);

/* Finds the end of COPY data in buf[0, len): the line "\.". at_bol: buf
 * starts a line. Returns 1 when found, with *data the bytes of data before
 * it and *term the terminator line's length (newline included). Returns 0
 * otherwise, with *data the bytes that surely are data (whole lines, or a
 * line that cannot be the terminator). */
int sqlscan_copy_end(const char *buf, size_t len, int at_bol, int eof, size_t *data, size_t *term);

/* Counts newlines, for line numbers and COPY rows. */
unsigned long sqlscan_count_lines(const char *buf, size_t len);

/* Splits a whole script held in memory and calls fn for each event other
 * than MORE; stops at the first non-zero return. For tests and fuzzing. */
int sqlscan_buffer(const char *buf, size_t len,
		   int (*fn)(void *arg, enum sqlscan_event ev, const char *text, size_t n, unsigned long line),
		   void *arg);

#endif
