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
	/* C1 controls (which some terminals obey) and bytes that are not
	 * UTF-8, every class of them, escaped byte by byte and read back. */
	static const char *odd[] = {
		"csi\xc2\x9bz", "nel\xc2\x85", "c1 first\xc2\x80", "c1 last\xc2\x9f",
		"lone\xff", "cont\x80", "cut\xe2\x82", "overlong\xc0\xaf", "surrogate\xed\xa0\x80",
		"too big\xf4\x90\x80\x80", "f5\xf5\x80\x80\x80",
	};
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		const char *w = written(odd[i], NULL);
		CHECK(escape_key_needed(odd[i]), "needs escaping: case %zu", i);
		CHECK(strspn(w, "abcdefghijklmnopqrstuvwxyz0123456789 \\") == strlen(w),
		    "written as plain ASCII: case %zu: %s", i, w);
		CHECK(decodes_to(w, odd[i]), "reads back: case %zu", i);
	}
	CHECK(!escape_key_needed("\xc2\xa0nbsp \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbd"),
	    "valid UTF-8 past C1 (NBSP, euro, emoji, U+FFFD) needs no escape");
	{
		char buf[256];
		FILE *f = fmemopen(buf, sizeof(buf), "w");
		escape_text_write(f, "ETag \"\x1b]0;pwned\x07\" at C:\\dir \xc2\x9b\xff");
		fclose(f);
		CHECK(strcmp(buf, "ETag \"\\x1b]0;pwned\\x07\" at C:\\dir \\xc2\\x9b\\xff") == 0,
		    "a message keeps its backslashes and escapes the rest: %s", buf);
	}
	return TAP_END();
}
