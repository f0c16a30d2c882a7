#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void
json_write_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void
json_skip_space(struct json_cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

int
json_eat(struct json_cur *c, char ch)
{
	json_skip_space(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

static int
read_hex4(struct json_cur *c, unsigned *v)
{
	*v = 0;
	if (c->end - c->p < 4)
		return 0;
	for (int i = 0; i < 4; i++) {
		int ch = (unsigned char)*c->p++;
		if (!isxdigit(ch))
			return 0;
		*v = *v * 16 + (unsigned)(isdigit(ch) ? ch - '0' : tolower(ch) - 'a' + 10);
	}
	return 1;
}

/* Reads the code point of a \u escape (c after "\u"), pairing surrogates. */
static int
read_code_point(struct json_cur *c, uint32_t *cp)
{
	unsigned hi, lo;

	if (!read_hex4(c, &hi))
		return 0;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return 0;
	if (hi < 0xd800 || hi > 0xdbff) {
		*cp = hi;
		return 1;
	}
	if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
		return 0;
	c->p += 2;
	if (!read_hex4(c, &lo) || lo < 0xdc00 || lo > 0xdfff)
		return 0;
	*cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	return 1;
}

static char *
put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

static int
read_escape(struct json_cur *c, char **o)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;
	uint32_t cp;

	if (c->p >= c->end)
		return 0;
	if (*c->p == 'u') {
		c->p++;
		if (!read_code_point(c, &cp) || cp == 0)
			return 0;
		*o = put_utf8(*o, cp);
		return 1;
	}
	hit = memchr(from, *c->p, sizeof(from) - 1);
	if (hit == NULL)
		return 0;
	*(*o)++ = to[hit - from];
	c->p++;
	return 1;
}

int
json_read_string(struct json_cur *c, char **out)
{
	char *buf, *o;

	if (!json_eat(c, '"'))
		return 0;
	/* Escapes only shrink: the raw length bounds the decoded one. */
	buf = o = malloc((size_t)(c->end - c->p) + 1);
	if (buf == NULL)
		return 0;
	while (c->p < c->end && *c->p != '"') {
		unsigned char ch = (unsigned char)*c->p;
		if (ch < 0x20)
			goto bad;
		if (ch == '\\') {
			c->p++;
			if (!read_escape(c, &o))
				goto bad;
		} else {
			*o++ = (char)ch;
			c->p++;
		}
	}
	if (c->p >= c->end)
		goto bad;
	c->p++;
	*o = '\0';
	*out = buf;
	return 1;
bad:
	free(buf);
	return 0;
}

int
json_read_uint(struct json_cur *c, unsigned long long *v)
{
	char tmp[24];
	size_t n = 0;

	json_skip_space(c);
	while (c->p + n < c->end && isdigit((unsigned char)c->p[n]) && n < sizeof(tmp) - 1) {
		tmp[n] = c->p[n];
		n++;
	}
	if (n == 0 || (n > 1 && tmp[0] == '0'))
		return 0;
	if (c->p + n < c->end && strchr(".eE0123456789", c->p[n]) != NULL)
		return 0;
	tmp[n] = '\0';
	errno = 0;
	*v = strtoull(tmp, NULL, 10);
	if (errno == ERANGE)
		return 0;
	c->p += n;
	return 1;
}

static int
skip_literal(struct json_cur *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

static int
skip_number(struct json_cur *c)
{
	const char *start = c->p;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	while (c->p < c->end && (isdigit((unsigned char)*c->p) || strchr(".eE+-", *c->p) != NULL))
		c->p++;
	return c->p > start && isdigit((unsigned char)c->p[-1]);
}

/* Skips the members of an object or array after its opening bracket. */
static int
skip_members(struct json_cur *c, char close, int depth)
{
	char *name;

	if (json_eat(c, close))
		return 1;
	do {
		if (close == '}') {
			if (!json_read_string(c, &name))
				return 0;
			free(name);
			if (!json_eat(c, ':'))
				return 0;
		}
		json_skip_space(c);
		if (depth > 64)
			return 0;
		if (c->p < c->end && (*c->p == '{' || *c->p == '[')) {
			char open = *c->p++;
			if (!skip_members(c, open == '{' ? '}' : ']', depth + 1))
				return 0;
		} else if (!json_skip_value(c)) {
			return 0;
		}
	} while (json_eat(c, ','));
	return json_eat(c, close);
}

int
json_skip_value(struct json_cur *c)
{
	char *s;

	json_skip_space(c);
	if (c->p >= c->end)
		return 0;
	switch (*c->p) {
	case '"':
		if (!json_read_string(c, &s))
			return 0;
		free(s);
		return 1;
	case '{': c->p++; return skip_members(c, '}', 1);
	case '[': c->p++; return skip_members(c, ']', 1);
	case 't': return skip_literal(c, "true");
	case 'f': return skip_literal(c, "false");
	case 'n': return skip_literal(c, "null");
	default: return skip_number(c);
	}
}
