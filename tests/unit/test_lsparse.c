/* r2ls output read back: the aws-style, --rfc3339 and --ndjson lines, the
 * keys r2ls escapes, and lines that are none of them. */
#include <stdlib.h>
#include <string.h>

#include "lsparse.h"
#include "tap.h"

static struct ls_entry en;
static enum ls_line_kind kind;

static int
line(const char *s)
{
	struct dk_err e = { 0 };

	free(en.key);
	free(en.etag);
	return lsparse_line(s, strlen(s), &en, &kind, &e);
}

static int
entry_is(const char *key, unsigned long long size, long long mtime)
{
	return kind == LS_LINE_ENTRY && en.key != NULL && strcmp(en.key, key) == 0 &&
	    en.size == size && (long long)en.mtime == mtime;
}

static FILE *
text(const char *s)
{
	return fmemopen((void *)s, strlen(s), "r");
}

int
main(void)
{
	const long long t = 1795575600;	/* 2026-11-25T03:00:00Z */
	struct ls_list l;
	struct dk_err e = { 0 };
	FILE *f;

	setenv("TZ", "UTC", 1);
	CHECK(line("2026-11-25 03:00:00   52428800 db.sql.gz") == DK_OK && entry_is("db.sql.gz", 52428800, t),
	    "aws-style line");
	CHECK(line("2026-11-25 03:00:00 12345678901 big") == DK_OK && entry_is("big", 12345678901ULL, t),
	    "a size wider than its 10-column field");
	CHECK(line("2026-11-25 03:00:00         12   two  spaces ") == DK_OK &&
	    entry_is("  two  spaces ", 12, t), "spaces in a key, leading and trailing, are the key's");
	CHECK(line("2026-11-25T03:00:00Z         12 backups/x.gz") == DK_OK && entry_is("backups/x.gz", 12, t),
	    "--rfc3339 line");
	CHECK(line("2026-11-25 03:00:00         12 a\\nb\\tc\\\\d\\x7fe") == DK_OK &&
	    entry_is("a\nb\tc\\d\x7f" "e", 12, t), "escapes \\n \\t \\\\ \\x7f decoded");
	CHECK(line("2026-11-25 03:00:00         12 C:\\dir\\y") == DK_OK && entry_is("C:\\dir\\y", 12, t),
	    "an unknown escape is a plain backslash (aws s3 ls does not escape)");
	CHECK(line("2026-11-25 03:00:00         12 nul\\x00") == DK_OK && entry_is("nul\\x00", 12, t),
	    "\\x00 is not decoded into a NUL");
	CHECK(line("{\"key\":\"backups/x \\\"1\\\".gz\",\"size\":1234,\"last_modified\":\"2026-11-25T03:00:00Z\","
	    "\"etag\":\"\\\"9b2c\\\"\"}") == DK_OK && entry_is("backups/x \"1\".gz", 1234, t) &&
	    en.etag != NULL && strcmp(en.etag, "\"9b2c\"") == 0, "--ndjson line with escapes and etag");
	CHECK(line(" { \"size\" : 5 , \"extra\" : [1, {\"a\": null}], \"key\" : \"\\u00e9\\ud83d\\ude00\" ,"
	    " \"last_modified\" : \"2026-11-25T03:00:00Z\" } ") == DK_OK &&
	    entry_is("\xc3\xa9\xf0\x9f\x98\x80", 5, t) && en.etag == NULL,
	    "--ndjson: any order, white space, unknown fields skipped, \\u and surrogates");
	CHECK(line("{\"prefix\":\"backups/old/\"}") == DK_OK && kind == LS_LINE_PREFIX, "--ndjson prefix");
	CHECK(line("{\"total_objects\":3,\"total_size\":99}") == DK_OK && kind == LS_LINE_TOTAL && en.size == 3,
	    "--ndjson --summarize totals");
	CHECK(line("{\"etag\":\"x\"}") == DK_EDATA, "--ndjson object that is none of them");
	CHECK(line("                           PRE old/") == DK_OK && kind == LS_LINE_PREFIX, "PRE line");
	CHECK(line("") == DK_OK && kind == LS_LINE_OTHER, "blank line");
	CHECK(line("   Total Size: 1234") == DK_OK && kind == LS_LINE_OTHER, "Total Size");
	CHECK(line("Total Objects: 3") == DK_OK && kind == LS_LINE_TOTAL && en.size == 3, "Total Objects");

	CHECK(line("garbage") == DK_EDATA, "garbage");
	CHECK(line("2026-11-25 03:00:00         12") == DK_EDATA, "no key");
	CHECK(line("2026-11-25 03:00:00         12 ") == DK_EDATA, "an empty key");
	CHECK(line("2026-11-25 03:00:00        -12 x") == DK_EDATA, "a negative size");
	CHECK(line("2026-13-25 03:00:00         12 x") == DK_EDATA, "month 13");
	CHECK(line("2026-11-25T03:00:00         12 x") == DK_EDATA, "RFC 3339 without a zone");
	CHECK(line("{\"key\":\"x\",\"size\":1}") == DK_EDATA, "--ndjson without last_modified");
	CHECK(line("{\"key\":\"x\",\"size\":-1,\"last_modified\":\"2026-11-25T03:00:00Z\"}") == DK_EDATA,
	    "--ndjson negative size");
	CHECK(line("{\"key\":\"x\",\"size\":1.5,\"last_modified\":\"2026-11-25T03:00:00Z\"}") == DK_EDATA,
	    "--ndjson fractional size");
	CHECK(line("{\"key\":\"a\\u0000b\",\"size\":1,\"last_modified\":\"2026-11-25T03:00:00Z\"}") == DK_EDATA,
	    "--ndjson key with U+0000");
	CHECK(line("{\"key\":\"x\",\"size\":1,\"last_modified\":\"2026-11-25T03:00:00Z\"} x") == DK_EDATA,
	    "--ndjson trailing bytes");
	CHECK(line("{\"key\":\"x\",\"size\":1,\"last_modified\":\"2026-11-25T03:00:00Z\"") == DK_EDATA,
	    "--ndjson cut short");
	line("");

	/* What stalecheck writes with lsparse_write_key reads back. */
	char *written;
	size_t wlen;
	f = open_memstream(&written, &wlen);
	fputs("2026-11-25 03:00:00         12 ", f);
	lsparse_write_key(f, "a\nb\\c|d\x01", "|");
	fclose(f);
	int rc = line(written);
	CHECK(strcmp(written + 31, "a\\nb\\\\c\\x7cd\\x01") == 0 && rc == DK_OK &&
	    entry_is("a\nb\\c|d\x01", 12, t), "keys are written escaped, '|' too when asked, and "
	    "read back: %s", written + 31);
	free(written);
	line("");

	f = text("2026-11-25 03:00:00          1 a\n2026-11-25 03:00:00          2 b\n\n"
	    "Total Objects: 3\n   Total Size: 3\n");
	lsparse_init(&l);
	CHECK(lsparse_read(f, "in", &l, &e) == DK_EDATA && strstr(e.msg, "incomplete") != NULL,
	    "a --summarize count that disagrees: %s", e.msg);
	fclose(f);
	lsparse_free(&l);

	dk_err_clear(&e);
	f = text("2026-11-25 03:00:00          1 a\nnot a line\n");
	CHECK(lsparse_read(f, "in", &l, &e) == DK_EDATA && strncmp(e.msg, "in line 2: ", 11) == 0,
	    "the message names the line: %s", e.msg);
	fclose(f);
	lsparse_free(&l);
	return TAP_END();
}
