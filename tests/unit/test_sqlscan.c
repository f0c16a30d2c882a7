/* The SQL splitter on the inputs that trip naive splitters, whole and fed
 * one byte at a time (which must give the same items). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlscan.h"
#include "tap.h"

struct out {
	char s[8192];
	size_t n;
};

static void
put(struct out *o, const char *tag, const char *text, size_t n, unsigned long line)
{
	int w = snprintf(o->s + o->n, sizeof(o->s) - o->n, "%s%lu[%.*s]", tag, line, (int)n, text);
	if (w > 0 && (size_t)w < sizeof(o->s) - o->n)
		o->n += (size_t)w;
}

static const char *
tag_of(enum sqlscan_event ev)
{
	switch (ev) {
	case SQLSCAN_STATEMENT: return "S";
	case SQLSCAN_META: return "M";
	case SQLSCAN_COMMENT: return "C";
	case SQLSCAN_END: return "END";
	case SQLSCAN_INCOMPLETE: return "INC";
	case SQLSCAN_ERROR: return "ERR";
	default: return "?";
	}
}

static int
collect(void *arg, enum sqlscan_event ev, const char *text, size_t n, unsigned long line)
{
	put(arg, tag_of(ev), text, n, ev == SQLSCAN_END ? 0 : line);
	return 0;
}

/* Feeds in one byte at a time, as the worst split a pipe could make, and
 * drops what was scanned before each read, as the restore's buffer does. */
static void
scan_bytewise(const char *in, struct out *o)
{
	size_t len = strlen(in), have = 0, base = 0;
	struct sqlscan s;

	sqlscan_init(&s);
	for (;;) {
		int eof = have == len;
		enum sqlscan_event ev = sqlscan_next(&s, in + base, have - base, eof);

		if (ev == SQLSCAN_MORE) {
			size_t drop = s.start;
			base += drop;
			sqlscan_shift(&s, drop);
			have++;
			continue;
		}
		if (ev == SQLSCAN_STATEMENT || ev == SQLSCAN_META || ev == SQLSCAN_COMMENT)
			put(o, tag_of(ev), in + base + s.start, s.end - s.start, s.item_line);
		else
			put(o, tag_of(ev), "", 0, ev == SQLSCAN_END ? 0 : s.line);
		if (ev == SQLSCAN_END || ev == SQLSCAN_INCOMPLETE || ev == SQLSCAN_ERROR)
			return;
	}
}

static void
expect(const char *name, const char *in, const char *want)
{
	struct out whole = { .n = 0 }, bytes = { .n = 0 };

	whole.s[0] = bytes.s[0] = '\0';
	sqlscan_buffer(in, strlen(in), collect, &whole);
	CHECK(strcmp(whole.s, want) == 0, "%s", name);
	if (strcmp(whole.s, want) != 0)
		printf("#   want %s\n#   got  %s\n", want, whole.s);
	scan_bytewise(in, &bytes);
	CHECK(strcmp(bytes.s, whole.s) == 0, "%s, fed byte by byte", name);
	if (strcmp(bytes.s, whole.s) != 0)
		printf("#   got  %s\n", bytes.s);
}

/* Random scripts from the characters that matter: split anywhere, they
 * must give the same items as whole, and the scanner must always end. */
static void
test_random(void)
{
	static const char *const atoms[] = {
		"'", "''", "\"", "$$", "$a$", "$1", "E'", "e", "\\", ";", "(", ")", "--", "/*", "*/",
		"\n", " ", "begin", "end", "case", "create ", "function ", "x", "\\c x\n", "é",
		"SET client_encoding = 'SJIS';", "set names gb18030;", "\\encoding johab\n", "RESET ALL;",
		"\x95", "\x81\x39", "\x8f", "1",
	};
	unsigned seed = 12345;
	int mismatches = 0;

	for (int round = 0; round < 2000; round++) {
		char in[512];
		size_t n = 0;
		struct out whole = { .n = 0 }, bytes = { .n = 0 };
		int atoms_n = 1 + (int)(seed % 40);

		for (int i = 0; i < atoms_n; i++) {
			seed = seed * 1103515245u + 12345u;
			const char *a = atoms[(seed >> 16) % (sizeof(atoms) / sizeof(atoms[0]))];
			if (n + strlen(a) + 1 >= sizeof(in))
				break;
			memcpy(in + n, a, strlen(a));
			n += strlen(a);
		}
		in[n] = '\0';
		whole.s[0] = bytes.s[0] = '\0';
		sqlscan_buffer(in, n, collect, &whole);
		scan_bytewise(in, &bytes);
		if (strcmp(whole.s, bytes.s) != 0 && mismatches++ == 0)
			printf("#   input [%s]\n#   whole %s\n#   bytes %s\n", in, whole.s, bytes.s);
	}
	CHECK(mismatches == 0, "2000 random scripts split byte by byte give the same items as whole");
}

static void
test_copy_end(void)
{
	size_t data, term;
	const char *d = "a\tb\n\\\\.\nx\\.\n\\.\nSELECT 1;\n";

	CHECK(sqlscan_copy_end(d, strlen(d), 1, 0, &data, &term) == 1 && data == 12 && term == 3,
	      "COPY data ends at the line \\. only, not at \\\\. or x\\.");
	CHECK(sqlscan_copy_end("\\.\r\n", 4, 1, 0, &data, &term) == 1 && data == 0 && term == 4,
	      "COPY terminator with CRLF");
	CHECK(sqlscan_copy_end("ab\n\\", 4, 1, 0, &data, &term) == 0 && data == 3,
	      "a backslash at the end of the buffer is held back");
	CHECK(sqlscan_copy_end("ab\ncd", 5, 1, 0, &data, &term) == 0 && data == 5,
	      "a line that cannot be the terminator is data");
	CHECK(sqlscan_copy_end("\\.x\n\\.", 6, 1, 1, &data, &term) == 1 && data == 4 && term == 2,
	      "\\. at the end of input ends the data");
	CHECK(sqlscan_copy_end(".\n", 2, 0, 0, &data, &term) == 0 && data == 2,
	      "not at the beginning of a line: no terminator");
	CHECK(sqlscan_count_lines("a\nb\n\n", 5) == 3, "lines are counted");
}

/* Client encodings whose multibyte characters hold ASCII bytes: the
 * character 0x95 0x5C (SJIS) ends in a backslash that is none. */
static void
test_encodings(void)
{
	static const struct {
		const char *set, *ch, *name;
	} enc[] = {
		{ "SET client_encoding = 'SJIS';", "\x95\\", "SJIS" },
		{ "SET client_encoding = 'BIG5';", "\xa5\\", "BIG5" },
		{ "SET client_encoding = 'GBK';", "\x95\\", "GBK" },
		{ "SET client_encoding = 'GB18030';", "\x95\\", "GB18030" },
		{ "SET client_encoding = 'UHC';", "\x81\\", "UHC" },
		{ "SET client_encoding = 'JOHAB';", "\x8a\\", "JOHAB" },
		{ "SET client_encoding = 'SHIFT_JIS_2004';", "\x95\\", "SHIFT_JIS_2004" },
	};
	char in[512], want[1024];

	for (size_t i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
		const char *set = enc[i].set, *c = enc[i].ch, *name = enc[i].name;
		snprintf(in, sizeof(in), "%s\nSET standard_conforming_strings = off;\n"
		    "INSERT INTO t VALUES ('%s');\nCOMMENT ON TABLE t IS '%s';\nSELECT 1;\n", set, c, c);
		snprintf(want, sizeof(want), "S1[%s]S2[SET standard_conforming_strings = off;]"
		    "S3[INSERT INTO t VALUES ('%s');]S4[COMMENT ON TABLE t IS '%s';]S5[SELECT 1;]END0[]", set, c, c);
		expect(name, in, want);
		snprintf(in, sizeof(in), "%s\nSELECT E'%s', E'%s\\'';\nSELECT 2;\n", set, c, c);
		snprintf(want, sizeof(want), "S1[%s]S2[SELECT E'%s', E'%s\\'';]S3[SELECT 2;]END0[]", set, c, c);
		expect(name, in, want);
		snprintf(in, sizeof(in), "%s\nCREATE TABLE %s (\"%s\" int);\nSELECT E'\\%s';\n", set, c, c, c);
		snprintf(want, sizeof(want), "S1[%s]S2[CREATE TABLE %s (\"%s\" int);]S3[SELECT E'\\%s';]END0[]",
		    set, c, c, c);
		expect(name, in, want);
		snprintf(in, sizeof(in), "%s\nCREATE FUNCTION f() RETURNS text AS $%s$ SELECT '$%s'; $%s$ LANGUAGE sql;\n"
		    "SELECT %s$1, 1%s$a$;\n", set, c, c, c, c, c);
		snprintf(want, sizeof(want), "S1[%s]S2[CREATE FUNCTION f() RETURNS text AS $%s$ SELECT '$%s'; $%s$ "
		    "LANGUAGE sql;]S3[SELECT %s$1, 1%s$a$;]END0[]", set, c, c, c, c, c);
		expect(name, in, want);
	}
	expect("without the encoding, the same bytes end in a backslash",
	       "SET standard_conforming_strings = off;\nINSERT INTO t VALUES ('\x95\\');\nSELECT 1;\n",
	       "S1[SET standard_conforming_strings = off;]INC4[]");
	expect("UTF8 again: the backslash escapes",
	       "SET client_encoding = 'SJIS';\nSET client_encoding = 'UTF8';\nSELECT E'\x95\\'';\n",
	       "S1[SET client_encoding = 'SJIS';]S2[SET client_encoding = 'UTF8';]S3[SELECT E'\x95\\'';]END0[]");
	expect("RESET client_encoding goes back",
	       "SET client_encoding = 'SJIS';\nRESET client_encoding;\nSELECT E'\x95\\'';\n",
	       "S1[SET client_encoding = 'SJIS';]S2[RESET client_encoding;]S3[SELECT E'\x95\\'';]END0[]");
	expect("SET client_encoding TO DEFAULT goes back",
	       "SET client_encoding = 'SJIS';\nset Client_Encoding to default;\nSELECT E'\x95\\'';\n",
	       "S1[SET client_encoding = 'SJIS';]S2[set Client_Encoding to default;]S3[SELECT E'\x95\\'';]END0[]");
	expect("\\encoding sets it as psql does",
	       "\\encoding SJIS\nSELECT E'\x95\\';\n",
	       "M1[\\encoding SJIS]S2[SELECT E'\x95\\';]END0[]");
	expect("\\encoding quoted, an alias",
	       "\\encoding 'Shift_JIS'\nSELECT E'\x95\\';\n",
	       "M1[\\encoding 'Shift_JIS']S2[SELECT E'\x95\\';]END0[]");

	static const char *const spellings[] = {
		"set client_encoding to sjis;", "SET client_encoding TO 'Shift_JIS';",
		"SET SESSION client_encoding = \"SJIS\";", "SET LOCAL client_encoding = 'ms-kanji';",
		"SET /* x; */ client_encoding /* y */ = E'win932';", "SET NAMES 'windows932';",
		"SET \"client_encoding\" = 'sjis';", "SET client_encoding='BIG5';", "set names 'win950';",
		"SET client_encoding = 'windows936';", "SET client_encoding = 'win949';",
		"SET client_encoding = 'gb-18030';",
	};
	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		snprintf(in, sizeof(in), "%s\nSELECT E'\x95\\';\n", spellings[i]);
		snprintf(want, sizeof(want), "S1[%s]S2[SELECT E'\x95\\';]END0[]", spellings[i]);
		expect(spellings[i], in, want);
	}
	expect("a -- comment inside the SET",
	       "SET client_encoding -- to what\n TO 'SJIS';\nSELECT E'\x95\\';\n",
	       "S1[SET client_encoding -- to what\n TO 'SJIS';]S3[SELECT E'\x95\\';]END0[]");
	expect("other settings and unknown names change nothing",
	       "SET search_path = 'SJIS';\nSET client_encoding = 'no such';\nSELECT E'\x95\\'';\n",
	       "S1[SET search_path = 'SJIS';]S2[SET client_encoding = 'no such';]S3[SELECT E'\x95\\'';]END0[]");

	/* GB18030: a digit second byte makes four bytes. */
	expect("GB18030 four-byte character in an identifier",
	       "SET client_encoding = 'GB18030';\nCREATE TABLE t\x81\x39\\0 (a int);\n",
	       "S1[SET client_encoding = 'GB18030';]S2[CREATE TABLE t\x81\x39\\0 (a int);]END0[]");
	/* JOHAB: a later byte may be ';'. */
	expect("JOHAB character whose second byte is a semicolon",
	       "SET client_encoding = 'JOHAB';\nCREATE TABLE t\x8a;x (a int);\n",
	       "S1[SET client_encoding = 'JOHAB';]S2[CREATE TABLE t\x8a;x (a int);]END0[]");
	expect("SJIS half-width kana are one byte",
	       "SET client_encoding = 'SJIS';\nSELECT E'\xb1\\'';\n",
	       "S1[SET client_encoding = 'SJIS';]S2[SELECT E'\xb1\\'';]END0[]");
	expect("a character never takes the newline",
	       "SET client_encoding = 'SJIS';\nSELECT 1 -- \x95\nAS \x95\n;\n",
	       "S1[SET client_encoding = 'SJIS';]S2[SELECT 1 -- \x95\nAS \x95\n;]END0[]");

	struct sqlscan s;
	sqlscan_init(&s);
	CHECK(sqlscan_set_encoding(&s, "Shift_JIS") == SQLSCAN_ENC_SJIS &&
	    sqlscan_set_encoding(&s, "gb18030") == SQLSCAN_ENC_GB18030 &&
	    sqlscan_set_encoding(&s, "UTF8") == SQLSCAN_ENC_BYTES &&
	    sqlscan_set_encoding(&s, "EUC_JP") == SQLSCAN_ENC_BYTES,
	    "sqlscan_set_encoding knows the client-only encodings by name");
	sqlscan_set_encoding(&s, "SJIS");
	const char *reset = "SET client_encoding = 'UTF8';\nRESET client_encoding;\nSELECT E'\x95\\';";
	enum sqlscan_event ev;
	int n = 0;
	while ((ev = sqlscan_next(&s, reset, strlen(reset), 1)) == SQLSCAN_STATEMENT)
		n++;
	CHECK(n == 3 && ev == SQLSCAN_END, "RESET returns to the encoding the caller set");

	/* COPY data goes to the server as bytes: only a line "\." ends it,
	 * whatever the line before ends in. */
	size_t data, term;
	const char *copy = "1\t\x95\\\n\x95\\.\n\\.\n";
	CHECK(sqlscan_copy_end(copy, strlen(copy), 1, 0, &data, &term) == 1 && data == 9 && term == 3,
	    "COPY data in SJIS: the terminator is the line \\. after the data");
}

int
main(void)
{
	expect("two statements", "SELECT 1;\nSELECT 2;\n",
	       "S1[SELECT 1;]S2[SELECT 2;]END0[]");
	expect("semicolon in a string with doubled quotes", "SELECT 'a;''b;';\n",
	       "S1[SELECT 'a;''b;';]END0[]");
	expect("E string with escaped quote", "SELECT E'a\\';b';",
	       "S1[SELECT E'a\\';b';]END0[]");
	expect("backslash in a standard string is plain", "SELECT 'a\\';SELECT 2;",
	       "S1[SELECT 'a\\';]S1[SELECT 2;]END0[]");
	expect("standard_conforming_strings off makes backslash escape",
	       "SET standard_conforming_strings = off;\nSELECT 'a\\';b';\nSET standard_conforming_strings = on;\nSELECT 'c\\';\n",
	       "S1[SET standard_conforming_strings = off;]S2[SELECT 'a\\';b';]"
	       "S3[SET standard_conforming_strings = on;]S4[SELECT 'c\\';]END0[]");
	expect("a word ending in e is no E string", "SELECT some'a\\';",
	       "S1[SELECT some'a\\';]END0[]");
	expect("dollar quotes with and without tags",
	       "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
	       "DO $body$ BEGIN PERFORM 'x;'; $x$ ; $ $body$;\n",
	       "S1[CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;]"
	       "S2[DO $body$ BEGIN PERFORM 'x;'; $x$ ; $ $body$;]END0[]");
	expect("a parameter and a dollar in an identifier are no quotes",
	       "PREPARE p AS SELECT $1;\nSELECT a$b$ FROM t;\n",
	       "S1[PREPARE p AS SELECT $1;]S2[SELECT a$b$ FROM t;]END0[]");
	expect("quoted identifiers", "CREATE TABLE \"a;\"\"b\" (x int);",
	       "S1[CREATE TABLE \"a;\"\"b\" (x int);]END0[]");
	expect("comments: leading lines reported, inner kept, nested blocks",
	       "-- head; here\nSELECT 1 -- x;\n; /* a /* b; */ c; */ SELECT 2;\n",
	       "C1[-- head; here]S2[SELECT 1 -- x;\n;]S3[/* a /* b; */ c; */ SELECT 2;]END0[]");
	expect("the trailer comment line", "SELECT 1;\n--\n-- PostgreSQL database dump complete\r\n--\n",
	       "S1[SELECT 1;]C2[--]C3[-- PostgreSQL database dump complete]C4[--]END0[]");
	expect("CREATE RULE with several actions in parentheses",
	       "CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\nSELECT 3;",
	       "S1[CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));]"
	       "S2[SELECT 3;]END0[]");
	expect("BEGIN ATOMIC body with CASE",
	       "CREATE FUNCTION public.f(a integer) RETURNS integer\n    LANGUAGE sql\n    BEGIN ATOMIC\n"
	       " SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\n SELECT 2;\nEND;\nBEGIN;\nSELECT 1;\n",
	       "S1[CREATE FUNCTION public.f(a integer) RETURNS integer\n    LANGUAGE sql\n    BEGIN ATOMIC\n"
	       " SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\n SELECT 2;\nEND;]S7[BEGIN;]S8[SELECT 1;]END0[]");
	expect("CREATE OR REPLACE PROCEDURE with BEGIN ATOMIC",
	       "create or replace procedure p() begin atomic insert into t values (1); end;select 1;",
	       "S1[create or replace procedure p() begin atomic insert into t values (1); end;]S1[select 1;]END0[]");
	expect("a column named begin is no block", "CREATE TABLE t (begin int);SELECT 1;",
	       "S1[CREATE TABLE t (begin int);]S1[SELECT 1;]END0[]");
	expect("meta-commands at the start of a line",
	       "\\restrict abc\nSELECT 1;\n\\connect -reuse-previous=on \"dbname='x'\"\n\\unrestrict abc",
	       "M1[\\restrict abc]S2[SELECT 1;]M3[\\connect -reuse-previous=on \"dbname='x'\"]M4[\\unrestrict abc]END0[]");
	expect("a meta-command inside a statement is an error", "SELECT 1 \\! ls\n;",
	       "ERR1[]");
	expect("backslash in a string is no meta-command", "SELECT '\\! ls';",
	       "S1[SELECT '\\! ls';]END0[]");
	expect("end inside a string", "SELECT 1;\nSELECT 'abc",
	       "S1[SELECT 1;]INC2[]");
	expect("end inside a statement", "SELECT 1;\nSELECT 2",
	       "S1[SELECT 1;]INC2[]");
	expect("end inside a dollar quote", "SELECT $a$ x $a",
	       "INC1[]");
	expect("end inside a comment", "/* a /* b */",
	       "INC1[]");
	expect("only comments at the end", "SELECT 1;\n/* done */\n-- bye",
	       "S1[SELECT 1;]END0[]");
	expect("empty input", "", "END0[]");
	expect("non-ASCII identifiers and strings", "SELECT 'é;' AS ñ;",
	       "S1[SELECT 'é;' AS ñ;]END0[]");
	test_copy_end();
	test_encodings();
	test_random();
	return TAP_END();
}
