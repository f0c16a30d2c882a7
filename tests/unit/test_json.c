/* JSON through jansson: the exact lines r2ls --ndjson and stalecheck -f json
 * write, names that are not UTF-8 kept exact (name_hex) in valid JSON, and
 * r2ls's lines read back into the very bytes they were written from. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "lsformat.h"
#include "lsparse.h"
#include "stalereport.h"
#include "staleness.h"
#include "tap.h"

static char out[4096];

/* What json_write_line makes of obj, in out. */
static const char *
line_of(json_t *obj)
{
	FILE *f = fmemopen(out, sizeof(out), "w");

	if (json_write_line(f, obj) != 0)
		strcpy(out, "(failed)");
	fclose(f);
	return out;
}

/* out for a message: its newlines as spaces (CHECK compares first). */
static const char *
shown(void)
{
	for (char *c = out; (c = strchr(c, '\n')) != NULL; c++)
		*c = ' ';
	return out;
}

static const char *
text_of(const char *s)
{
	json_t *v = json_text(s);

	snprintf(out, sizeof(out), "%s", v != NULL ? json_string_value(v) : "(null)");
	json_decref(v);
	return out;
}

static const char *
named(const char *s)
{
	json_t *o = json_object();

	json_set_name(o, "key", s);
	return line_of(o);
}

/* r2ls --ndjson's line for one object, in out. */
static const char *
ndjson_line(const char *key, const char *etag)
{
	struct s3_entry en = { (char *)key, 1234, 1795575600, "" };
	struct ls_printer p = { .format = LS_NDJSON };

	snprintf(en.etag, sizeof(en.etag), "%s", etag);
	p.out = fmemopen(out, sizeof(out), "w");
	ls_print_entry(&p, &en);
	fclose(p.out);
	return p.failed ? "(failed)" : out;
}

/* The key lsparse reads back from r2ls's line for key: exact? */
static int
round_trip(const char *key)
{
	struct ls_entry en;
	enum ls_line_kind kind;
	struct dk_err e = { 0 };
	int same;

	ndjson_line(key, "\"e\"");
	out[strcspn(out, "\n")] = '\0';
	if (lsparse_line(out, strlen(out), &en, &kind, &e) != DK_OK)
		return 0;
	same = kind == LS_LINE_ENTRY && strcmp(en.key, key) == 0 && en.size == 1234 &&
	    en.mtime == 1795575600 && strcmp(en.etag, "\"e\"") == 0;
	free(en.key);
	free(en.etag);
	return same;
}

static int
reads(const char *line)
{
	struct ls_entry en;
	enum ls_line_kind kind;
	struct dk_err e = { 0 };
	int rc = lsparse_line(line, strlen(line), &en, &kind, &e);

	if (rc == DK_OK) {
		free(en.key);
		free(en.etag);
	}
	return rc == DK_OK;
}

static void
test_text(void)
{
	CHECK(strcmp(text_of("plain é 日本 \xf0\x9f\x98\x80"), "plain é 日本 \xf0\x9f\x98\x80") == 0,
	    "UTF-8 is kept as it is");
	CHECK(strcmp(text_of("a\xff" "b\xc3"), "a\xef\xbf\xbd" "b\xef\xbf\xbd") == 0,
	    "a stray byte and a cut sequence each become U+FFFD");
	CHECK(strcmp(text_of("\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80"),
	    "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd") == 0,
	    "overlong forms, surrogates and code points past U+10FFFF are not UTF-8");
}

static void
test_write(void)
{
	CHECK(strcmp(named("a\"b\\c\nd\te\x01\x1f/é"),
	    "{\"key\":\"a\\\"b\\\\c\\nd\\te\\u0001\\u001F/é\"}\n") == 0,
	    "one compact line, RFC 8259 escapes, UTF-8 as it is: %s", shown());
	CHECK(strcmp(named("db/\xff\xfe.gz"),
	    "{\"key\":\"db/\xef\xbf\xbd\xef\xbf\xbd.gz\",\"key_hex\":\"64622ffffe2e677a\"}\n") == 0,
	    "a name that is not UTF-8: valid JSON for people, key_hex exact: %s", shown());
	CHECK(strcmp(line_of(json_pack("{s:I,s:f,s:b,s:n}", "n", (json_int_t)18446744073709551LL,
	    "r", 0.3, "t", 1, "z")), "{\"n\":18446744073709551,\"r\":0.3,\"t\":true,\"z\":null}\n") == 0,
	    "members in the order set, reals as written: %s", shown());
	CHECK(json_write_line(stdout, NULL) == -1, "no object (out of memory) is a failure");
}

static void
test_ndjson(void)
{
	struct ls_printer p = { .format = LS_NDJSON, .objects = 3, .bytes = 5368709120ULL };

	CHECK(strcmp(ndjson_line("backups/db 1.sql.gz", "\"9b2c\""),
	    "{\"key\":\"backups/db 1.sql.gz\",\"size\":1234,\"last_modified\":\"2026-11-25T03:00:00Z\","
	    "\"etag\":\"\\\"9b2c\\\"\"}\n") == 0, "r2ls --ndjson: the documented line, byte for byte");
	CHECK(strcmp(ndjson_line("x\x80y", "\"e\""),
	    "{\"key\":\"x\xef\xbf\xbdy\",\"key_hex\":\"788079\",\"size\":1234,"
	    "\"last_modified\":\"2026-11-25T03:00:00Z\",\"etag\":\"\\\"e\\\"\"}\n") == 0,
	    "r2ls --ndjson: a key that is not UTF-8 gets key_hex: %s", shown());
	p.out = fmemopen(out, sizeof(out), "w");
	ls_print_prefix(&p, "db/old/");
	ls_print_summary(&p);
	fclose(p.out);
	CHECK(strcmp(out, "{\"prefix\":\"db/old/\"}\n{\"total_objects\":3,\"total_size\":5368709120}\n") == 0,
	    "r2ls --ndjson: the prefix and --summarize lines");

	CHECK(round_trip("two\nlines \"q\" back\\slash\ttab\x7f"), "read back exactly: escapes");
	CHECK(round_trip("zeta-é/日本/ファイル"), "read back exactly: UTF-8");
	CHECK(round_trip("bad\xff\xfe utf8\xc3"), "read back exactly: bytes that are not UTF-8");
	CHECK(round_trip("\xed\xa0\x80\xc0\xaf"), "read back exactly: a surrogate and an overlong form");

	CHECK(!reads("{\"key\":\"x\xff\",\"size\":1,\"last_modified\":\"2026-11-25T03:00:00Z\"}"),
	    "a raw byte that is not UTF-8 is not JSON");
	CHECK(!reads("{\"key\":\"x\",\"key_hex\":\"79\",\"size\":1,\"last_modified\":\"2026-11-25T03:00:00Z\"}"),
	    "key_hex that names another key than key");
	CHECK(!reads("{\"key_hex\":\"79\",\"size\":1,\"last_modified\":\"2026-11-25T03:00:00Z\"}"),
	    "key_hex without key");
	CHECK(!reads("{\"key\":\"\xef\xbf\xbd\",\"key_hex\":\"f\",\"size\":1,"
	    "\"last_modified\":\"2026-11-25T03:00:00Z\"}"), "key_hex of an odd length");
	CHECK(!reads("{\"key\":\"a\\u0000\",\"key_hex\":\"6100\",\"size\":1,"
	    "\"last_modified\":\"2026-11-25T03:00:00Z\"}"), "key_hex holding a NUL");
	CHECK(!reads("{\"key\":\"x\",\"size\":1,\"last_modified\":\"2026-11-25T03:00:00Z\",\"etag\":null}"),
	    "an etag that is not a string");
	CHECK(!reads("{\"key\":\"x\",\"size\":99999999999999999999,\"last_modified\":\"2026-11-25T03:00:00Z\"}"),
	    "a size past 2^63");
	CHECK(reads("{\"key\":\"x\",\"size\":9223372036854775807,\"last_modified\":\"2026-11-25T03:00:00Z\"}"),
	    "the largest size");
}

static void
test_stalecheck(void)
{
	struct staleness_policy pol;
	struct staleness_result r;
	struct ls_list l;
	struct dk_err e = { 0 };
	FILE *f;

	lsparse_init(&l);
	lsparse_add(&l, "db/2026-11-24.gz", 1000, 1795489200, "\"a\"", &e);
	lsparse_add(&l, "db/2026-11-25\xff.gz", 900, 1795575600, NULL, &e);
	staleness_policy_init(&pol, 1795597200);
	staleness_evaluate(&l, &pol, &r);
	f = fmemopen(out, sizeof(out), "w");
	CHECK(stalereport_write(f, STALEREPORT_JSON, &r, &pol, "s3://b/db/") == 0,
	    "stalecheck -f json writes");
	fclose(f);
	CHECK(strcmp(out, "{\"status\":\"OK\",\"code\":0,\"summary\":\"newest db/2026-11-25\\\\xff.gz: "
	    "6h old, 900 bytes, 2 backups\",\"problems\":[],\"prefix\":\"s3://b/db/\","
	    "\"now\":\"2026-11-25T09:00:00Z\",\"objects\":2,\"count\":2,\"newest\":{\"key\":"
	    "\"db/2026-11-25\xef\xbf\xbd.gz\",\"key_hex\":\"64622f323032362d31312d3235ff2e677a\","
	    "\"size\":900,\"last_modified\":\"2026-11-25T03:00:00Z\",\"age_seconds\":21600,"
	    "\"etag\":null,\"checksum\":false},\"previous\":1,\"median_previous_size\":1000,"
	    "\"thresholds\":{\"warn_age_seconds\":93600,\"crit_age_seconds\":172800,"
	    "\"max_skew_seconds\":300,\"min_size_bytes\":0,\"shrink\":0.5,\"history\":7,"
	    "\"min_count\":1,\"require_checksum\":false}}\n") == 0,
	    "stalecheck -f json: the documented object on one line: %s", shown());
	lsparse_free(&l);
}

int
main(void)
{
	test_text();
	test_write();
	test_ndjson();
	test_stalecheck();
	return TAP_END();
}
