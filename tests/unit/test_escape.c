/* The one key escaper: what r2ls prints for an odd key reads back as the
 * same key, and plain aws output (no escapes) reads as it is. */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "tap.h"

static char *
written(const char *key, const char *also)
{
	static char buf[512];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	escape_key_write(f, key, also);
	fclose(f);
	return buf;
}

static int
decodes_to(const char *s, const char *want)
{
	char *got = escape_key_decode(s, strlen(s));
	int ok = got != NULL && strcmp(got, want) == 0;

	free(got);
	return ok;
}

static int
round_trips(const char *key)
{
	return decodes_to(written(key, "|"), key);
}

int
main(void)
{
	CHECK(!escape_key_needed("plain/key with spaces ü\\"), "spaces, UTF-8 and backslash need no escape");
	CHECK(escape_key_needed("a\nb") && escape_key_needed("del\x7f") && escape_key_needed("\x01"),
	    "newline, DEL and other control bytes do");
	CHECK(strcmp(written("a\nb\tc\rd\\e\x01" "f\x7f", NULL), "a\\nb\\tc\\rd\\\\e\\x01f\\x7f") == 0,
	    "\\n \\t \\r \\\\ and \\xHH: %s", written("a\nb\tc\rd\\e\x01" "f\x7f", NULL));
	CHECK(strcmp(written("a|b", "|"), "a\\x7cb") == 0, "a byte of also as \\xHH");
	CHECK(round_trips("a\nb\\n\\x41|\x1b[0m") && round_trips("\\") && round_trips("end\\"),
	    "what is written reads back as the same key");
	CHECK(decodes_to("C:\\dir\\y", "C:\\dir\\y"), "an unknown escape is a plain backslash");
	CHECK(decodes_to("nul\\x00", "nul\\x00"), "\\x00 is not decoded into a NUL");
	CHECK(decodes_to("short\\x4", "short\\x4") && decodes_to("bad\\xg1", "bad\\xg1"),
	    "a cut or bad \\x escape stays as it is");
	CHECK(decodes_to("\\x41\\X42", "A\\X42"), "\\x of either digit case, \\X is not one");
	return TAP_END();
}
