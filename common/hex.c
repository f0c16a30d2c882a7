#include "hex.h"

void
hex_encode(const void *data, size_t len, char *out)
{
	static const char digit[] = "0123456789abcdef";
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digit[p[i] >> 4];
		out[2 * i + 1] = digit[p[i] & 15];
	}
	out[2 * len] = '\0';
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hex_decode(const char *s, void *out, size_t len)
{
	unsigned char *p = out;

	for (size_t i = 0; i < len; i++) {
		int hi = hex_value(s[2 * i]), lo;
		if (hi < 0 || (lo = hex_value(s[2 * i + 1])) < 0)
			return -1;
		p[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}
