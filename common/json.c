#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "json.h"

/* The length of the UTF-8 sequence at s (n bytes left), or 0 when none
 * starts there (RFC 3629: no overlong forms, no surrogates, nothing past
 * U+10FFFF), the same rule by which jansson refuses a string. */
static size_t
utf8_seq_len(const unsigned char *s, size_t n)
{
	static const uint32_t least[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < least[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static int
is_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;

	for (size_t i = 0; i < n; i += len)
		if ((len = utf8_seq_len(p + i, n - i)) == 0)
			return 0;
	return 1;
}

json_t *
json_text(const char *s)
{
	static const char repl[] = "\xef\xbf\xbd";	/* U+FFFD */
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), o = 0, len;
	char *fixed;
	json_t *v;

	if (is_utf8(s, n))
		return json_stringn_nocheck(s, n);
	/* Each byte becomes at most the three of U+FFFD. */
	if ((fixed = malloc(3 * n + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i += len) {
		if ((len = utf8_seq_len(p + i, n - i)) == 0) {
			memcpy(fixed + o, repl, 3);
			o += 3;
			len = 1;
		} else {
			memcpy(fixed + o, s + i, len);
			o += len;
		}
	}
	v = json_stringn_nocheck(fixed, o);
	free(fixed);
	return v;
}

/* "key" and "key_hex"; names are drkit's own, short words. */
static int
hex_member(char *buf, size_t size, const char *name)
{
	return snprintf(buf, size, "%s_hex", name) < (int)size ? 0 : -1;
}

int
json_set_name(json_t *obj, const char *name, const char *s)
{
	size_t n = strlen(s);
	char hexname[64], *hex;
	int rc;

	if (json_object_set_new(obj, name, json_text(s)) != 0)
		return -1;
	if (is_utf8(s, n))
		return 0;
	if (hex_member(hexname, sizeof(hexname), name) != 0 || (hex = malloc(2 * n + 1)) == NULL)
		return -1;
	hex_encode(s, n, hex);
	rc = json_object_set_new(obj, hexname, json_stringn_nocheck(hex, 2 * n));
	free(hex);
	return rc;
}

/* The bytes of name_hex, which must name what name says for people. */
static int
get_hex_name(const json_t *text, const json_t *hex, char **out)
{
	size_t n = json_string_length(hex) / 2;
	json_t *again;
	char *s;
	int same;

	if (!json_is_string(text) || json_string_length(hex) % 2 != 0 || (s = malloc(n + 1)) == NULL)
		return -1;
	s[n] = '\0';
	if (hex_decode(json_string_value(hex), s, n) != 0 || strlen(s) != n ||
	    (again = json_text(s)) == NULL) {
		free(s);
		return -1;
	}
	same = json_equal(again, text);
	json_decref(again);
	if (!same) {
		free(s);
		return -1;
	}
	*out = s;
	return 1;
}

int
json_get_name(const json_t *obj, const char *name, char **out)
{
	char hexname[64];
	const json_t *text = json_object_get(obj, name), *hex;

	*out = NULL;
	if (hex_member(hexname, sizeof(hexname), name) != 0)
		return -1;
	if ((hex = json_object_get(obj, hexname)) != NULL)
		return json_is_string(hex) ? get_hex_name(text, hex, out) : -1;
	if (text == NULL)
		return 0;
	/* jansson keeps a \u0000 in the length; a C string would end there. */
	if (!json_is_string(text) || strlen(json_string_value(text)) != json_string_length(text))
		return -1;
	*out = strdup(json_string_value(text));
	return *out != NULL ? 1 : -1;
}

int
json_write_line(FILE *f, json_t *obj)
{
	int rc = -1;

	if (obj != NULL && json_dumpf(obj, f, JSON_COMPACT | JSON_REAL_PRECISION(15)) == 0 &&
	    fputc('\n', f) != EOF)
		rc = 0;
	json_decref(obj);
	return rc;
}
