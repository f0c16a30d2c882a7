#include <string.h>

#include "sha256.h"
#include "sumfile.h"

#define ISWHITE(c) ((c) == ' ' || (c) == '\t')

static const char tag_name[] = "SHA256";

int
sumfile_name_is_odd(const char *name)
{
	return name[strcspn(name, "\\\n\r")] != '\0';
}

void
sumfile_put_name(FILE *f, const char *name, int escape)
{
	if (!escape) {
		fputs(name, f);
		return;
	}
	for (const char *p = name; *p != '\0'; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\r')
			fputs("\\r", f);
		else
			putc(*p, f);
	}
}

void
sumfile_put_line(FILE *f, const char *hex, const char *name, int binary, int tag, int zero)
{
	int escape = !zero && sumfile_name_is_odd(name);

	if (escape)
		putc('\\', f);
	if (tag) {
		fprintf(f, "%s (", tag_name);
		sumfile_put_name(f, name, escape);
		fprintf(f, ") = %s", hex);
	} else {
		fprintf(f, "%s %c", hex, binary ? '*' : ' ');
		sumfile_put_name(f, name, escape);
	}
	putc(zero ? '\0' : '\n', f);
}

void
sumfile_parser_init(struct sumfile_parser *p)
{
	p->bsd_reversed = -1;
}

/* Undoes the escapes in s[0..len) in place; only \\, \n and \r exist. */
static int
unescape(char *s, size_t len)
{
	char *dst = s;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\0')
			return 0;
		if (s[i] != '\\') {
			*dst++ = s[i];
			continue;
		}
		if (++i == len)
			return 0;
		if (s[i] == 'n')
			*dst++ = '\n';
		else if (s[i] == 'r')
			*dst++ = '\r';
		else if (s[i] == '\\')
			*dst++ = '\\';
		else
			return 0;
	}
	if (dst < s + len)
		*dst = '\0';
	return 1;
}

static int
is_hex64(const char *s)
{
	unsigned char d[SHA256_LEN];

	return sha256_parse_hex(s, d);
}

/* "SHA256 (NAME) = HEX": s starts after the "(". */
static int
parse_tagged(char *s, size_t len, int escaped, struct sumfile_entry *out)
{
	size_t i;

	if (len == 0)
		return -1;
	for (i = len - 1; i > 0 && s[i] != ')'; i--)
		;
	if (s[i] != ')')
		return -1;
	out->name = s;
	if (escaped && !unescape(s, i))
		return -1;
	s[i++] = '\0';
	while (ISWHITE(s[i]))
		i++;
	if (s[i++] != '=')
		return -1;
	while (ISWHITE(s[i]))
		i++;
	out->hex = s + i;
	out->binary = 0;
	return is_hex64(out->hex) ? 1 : -1;
}

/* coreutils' split_3, quirks included: the same list must pass and fail. */
static int
parse_entry(struct sumfile_parser *p, char *s, size_t len, struct sumfile_entry *out)
{
	size_t i = 0, taglen = strlen(tag_name);
	int escaped = 0;

	while (ISWHITE(s[i]))
		i++;
	if (s[i] == '\\') {
		i++;
		escaped = 1;
	}
	if (strncmp(s + i, tag_name, taglen) == 0) {
		i += taglen;
		if (s[i] == ' ')
			i++;
		if (s[i] != '(')
			return -1;
		i++;
		return parse_tagged(s + i, len - i, escaped, out);
	}
	if (len - i < SHA256_HEXLEN + 2 + (size_t)(s[i] == '\\'))
		return -1;
	out->hex = s + i;
	i += SHA256_HEXLEN;
	if (!ISWHITE(s[i]))
		return -1;
	s[i++] = '\0';
	if (!is_hex64(out->hex))
		return -1;
	out->binary = 0;
	if (len - i == 1 || (s[i] != ' ' && s[i] != '*')) {
		/* BSD's "HEX NAME" must not mix with "HEX  NAME": a renamed
		 * file with a leading space must not change meaning. */
		if (p->bsd_reversed == 0)
			return -1;
		p->bsd_reversed = 1;
	} else if (p->bsd_reversed != 1) {
		p->bsd_reversed = 0;
		out->binary = s[i++] == '*';
	}
	out->name = s + i;
	if (escaped && !unescape(s + i, len - i))
		return -1;
	return 1;
}

int
sumfile_parse_line(struct sumfile_parser *p, char *line, size_t len, struct sumfile_entry *out)
{
	if (len > 0 && line[0] == '#')
		return 0;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return 0;
	line[len] = '\0';
	return parse_entry(p, line, len, out);
}

/* Characters a shell reads as themselves, and ':' would confuse the
 * "NAME: message" form. */
static int
shell_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    strchr("%+,-./=@_^", c) != NULL || c >= 0x80;
}

void
sumfile_quote(const char *name, char *out)
{
	const unsigned char *p = (const unsigned char *)name;
	int plain = *p != '\0' && *p != '~' && *p != '#';
	char *o = out;
	int open = 0;

	for (const unsigned char *q = p; *q != '\0'; q++)
		if (!shell_safe(*q))
			plain = 0;
	if (plain) {
		strcpy(out, name);
		return;
	}
	for (; *p != '\0'; p++) {
		if (*p >= 0x20 && *p != 0x7f) {
			if (!open) {
				*o++ = '\'';
				open = 1;
			}
			if (*p == '\'') {
				memcpy(o, "'\\''", 4);
				o += 4;
			} else {
				*o++ = (char)*p;
			}
			continue;
		}
		if (open) {
			*o++ = '\'';
			open = 0;
		}
		static const char esc[] = "\a\b\t\n\v\f\r", letter[] = "abtnvfr";
		const char *k = *p ? strchr(esc, *p) : NULL;
		if (k != NULL)
			o += sprintf(o, "$'\\%c'", letter[k - esc]);
		else
			o += sprintf(o, "$'\\%03o'", *p);
	}
	if (open || o == out) {
		if (o == out)
			*o++ = '\'';
		*o++ = '\'';
	}
	*o = '\0';
}
