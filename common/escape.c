#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "hex.h"

/* The bytes escaped by a letter, and their letters. */
static const char special[] = "\\\n\t\r", letter[] = "\\ntr";

/* The length of the UTF-8 character at p (1 to 4), or 0 when the bytes
 * there are not one; *control says whether a terminal would act on it
 * (C0, DEL, or C1, U+0080 to U+009F, which some terminals obey too). */
static size_t
utf8_char(const unsigned char *p, int *control)
{
	unsigned cp, n, min;

	*control = 0;
	if (p[0] < 0x80) {
		*control = p[0] < 0x20 || p[0] == 0x7f;
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f, min = 0x80;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f, min = 0x800;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07, min = 0x10000;
	else
		return 0;
	for (unsigned i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*control = cp <= 0x9f;
	return n;
}

int
escape_key_needed(const char *key)
{
	const unsigned char *p = (const unsigned char *)key;
	int control;
	size_t n;

	while (*p != '\0') {
		if ((n = utf8_char(p, &control)) == 0 || control)
			return 1;
		p += n;
	}
	return 0;
}

/* Writes s as escape_key_write does; backslashes are doubled only when
 * keyed is set (a key must read back; a message need only be safe). */
static void
escape_write(FILE *f, const char *s, const char *also, int keyed)
{
	const unsigned char *p = (const unsigned char *)s;
	const char *k;
	int control;
	size_t n;

	while (*p != '\0') {
		n = utf8_char(p, &control);
		if ((keyed || *p != '\\') && (k = strchr(special, *p)) != NULL) {
			fprintf(f, "\\%c", letter[k - special]);
		} else if (n == 0 || control || (also != NULL && strchr(also, *p) != NULL)) {
			for (size_t i = 0; i < (n ? n : 1); i++)
				fprintf(f, "\\x%02x", p[i]);
			p += n ? n : 1;
			continue;
		} else {
			fwrite(p, 1, n, f);
		}
		p += n;
	}
}

void
escape_key_write(FILE *f, const char *key, const char *also)
{
	escape_write(f, key, also, 1);
}

void
escape_key_print(FILE *f, const char *key)
{
	if (escape_key_needed(key))
		escape_key_write(f, key, NULL);
	else
		fputs(key, f);
}

void
escape_text_write(FILE *f, const char *text)
{
	escape_write(f, text, NULL, 0);
}

/* The byte of a \xHH escape at s (after the x); -1 when s is not two hex
 * digits, or names NUL, which no key holds. */
static int
hex_byte(const char *s, size_t left)
{
	unsigned char c;

	if (left < 2 || hex_decode(s, &c, 1) != 0 || c == 0)
		return -1;
	return c;
}

char *
escape_key_decode(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;
	const char *k;
	int c;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char next = i + 1 < len && s[i] == '\\' ? s[i + 1] : '\0';
		if (next != '\0' && (k = strchr(letter, next)) != NULL) {
			*o++ = special[k - letter];
			i++;
		} else if (next == 'x' && (c = hex_byte(s + i + 2, len - i - 2)) >= 0) {
			*o++ = (char)c;
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}
