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
	test_random();
	return TAP_END();
}
