/* What the files of the SQL scanner share: its states, and how psql's
 * lexer steps over blanks, identifier characters and multibyte
 * characters. sqlscan.c splits statements at top level; sqlscanquote.c
 * finds where quotes, dollar quotes, comments and meta-command lines end;
 * sqlscanset.c follows the settings that change how the rest reads;
 * sqlscancopy.c finds the end of COPY data. Private to those files. */
#ifndef DRKIT_SQLSCAN_INT_H
#define DRKIT_SQLSCAN_INT_H

#include <stddef.h>

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

static inline void
advance(struct sqlscan *s, const char *buf, size_t to)
{
	s->line += sqlscan_count_lines(buf + s->pos, to - s->pos);
	s->pos = to;
}

static inline int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline int
ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static inline int
ident_cont(unsigned char c)
{
	return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/* PostgreSQL's pg_sjis_mblen, pg_big5_mblen, pg_gbk_mblen, pg_uhc_mblen,
 * pg_gb18030_mblen and pg_johab_mblen for a high byte p[0]; avail >= 2
 * for GB18030, which looks at the second byte. */
static inline size_t
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
static inline size_t
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

/* sqlscanquote.c: inside a quote, comment or meta-command line */
int sqlscan_quoted(struct sqlscan *s, const char *buf, size_t len, int eof, char q, int escapes);
int sqlscan_dollar_body(struct sqlscan *s, const char *buf, size_t len, int eof);
enum sqlscan_event sqlscan_line_comment(struct sqlscan *s, const char *buf, size_t len, int eof, int *need);
enum sqlscan_event sqlscan_meta(struct sqlscan *s, const char *buf, size_t len, int eof, int *need);
int sqlscan_block(struct sqlscan *s, const char *buf, size_t len, int eof);

/* sqlscanset.c: SET, RESET and \encoding as the server applies them */
void sqlscan_note_setting(struct sqlscan *s, const char *p, size_t n);
void sqlscan_note_meta(struct sqlscan *s, const char *p, size_t n);

#endif
