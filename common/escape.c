#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "hex.h"

/* The bytes escaped by a letter, and their letters. */
static const char special[] = "\\\n\t\r", letter[] = "\\ntr";

static int
is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

int
escape_key_needed(const char *key)
{
	for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++)
		if (is_control(*p))
			return 1;
	return 0;
}

void
escape_key_write(FILE *f, const char *key, const char *also)
{
	for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++) {
		const char *k = strchr(special, *p);
		if (k != NULL)
			fprintf(f, "\\%c", letter[k - special]);
		else if (is_control(*p) || (also != NULL && strchr(also, *p) != NULL))
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
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
