/* stmtclass: what the restore refuses, leaves out or treats apart is
 * decided by the statement alone, without a server. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmtclass.h"
#include "tap.h"

static enum stmt_kind
kind(const char *sql)
{
	return stmtclass_kind(sql, strlen(sql));
}

/* Spellings PostgreSQL accepts, and what the restore must make of each. */
static const struct {
	const char *sql;
	enum stmt_kind want;
} spellings[] = {
	{ "COMMIT;", STMT_TXN }, { "COMMIT WORK;", STMT_TXN }, { "COMMIT TRANSACTION;", STMT_TXN },
	{ "COMMIT AND CHAIN;", STMT_TXN }, { "COMMIT AND NO CHAIN;", STMT_TXN }, { "END;", STMT_TXN },
	{ "END WORK;", STMT_TXN }, { "END TRANSACTION AND CHAIN;", STMT_TXN }, { "BEGIN;", STMT_TXN },
	{ "BEGIN WORK ISOLATION LEVEL SERIALIZABLE;", STMT_TXN }, { "START TRANSACTION READ WRITE;", STMT_TXN },
	{ "ROLLBACK;", STMT_TXN_END }, { "ROLLBACK WORK;", STMT_TXN_END }, { "ROLLBACK AND CHAIN;", STMT_TXN_END },
	{ "ABORT;", STMT_TXN_END }, { "ABORT TRANSACTION;", STMT_TXN_END },
	{ "COMMIT PREPARED 'x';", STMT_TXN_END }, { "ROLLBACK PREPARED 'x';", STMT_TXN_END },
	{ "PREPARE TRANSACTION 'x';", STMT_TXN_END },
	{ "ROLLBACK TO SAVEPOINT s;", STMT_OTHER }, { "ROLLBACK WORK TO s;", STMT_OTHER },
	{ "ROLLBACK TRANSACTION TO SAVEPOINT s;", STMT_OTHER }, { "SAVEPOINT s;", STMT_OTHER },
	{ "RELEASE SAVEPOINT s;", STMT_OTHER }, { "PREPARE q AS SELECT 1;", STMT_OTHER },
	{ "DROP DATABASE other;", STMT_DROP }, { "DROP DATABASE IF EXISTS other WITH (FORCE);", STMT_DROP },
	{ "DROP TABLESPACE ts;", STMT_DROP }, { "CREATE DATABASE d;", STMT_CREATE_DB },
	{ "CREATE TABLESPACE ts LOCATION '/x';", STMT_TABLESPACE },
	{ "ALTER SYSTEM SET work_mem = '1MB';", STMT_NONTX }, { "ALTER SYSTEM RESET ALL;", STMT_NONTX },
	{ "VACUUM FULL;", STMT_NONTX },
	{ "COPY t FROM PROGRAM 'id';", STMT_PROGRAM },
	{ "COPY t (a, b) FROM PROGRAM 'id' WITH (FORMAT csv);", STMT_PROGRAM },
	{ "COPY (SELECT 1 FROM t) TO PROGRAM 'id';", STMT_PROGRAM },
	{ "COPY t TO /* c */ PROGRAM 'id';", STMT_PROGRAM },
	{ "COPY t FROM\n-- c\nPROGRAM $$id$$;", STMT_PROGRAM },
	{ "COPY (SELECT ')' FROM t) TO PROGRAM 'id';", STMT_PROGRAM },
	{ "COPY (SELECT E'\\') FROM' ) TO PROGRAM 'id';", STMT_PROGRAM },
	{ "COPY (SELECT $q$ ) $q$) TO PROGRAM 'id';", STMT_PROGRAM },
	{ "DO $$BEGIN EXECUTE 'COPY t FROM PROGRAM ''id'''; END$$;", STMT_PROGRAM },
	{ "COPY public.program (a) FROM stdin;", STMT_COPY }, { "COPY t FROM '/tmp/program';", STMT_OTHER },
};

/* Comments and blanks in front. */
static const char *const fronts[] = {
	"", "/* x */ ", "-- c\n", "/* a /* nested */ b */\n", "\n\t  ", "-- c\n/* d */\n  -- e\n",
};

/* front, then sql in a casing (0 as is, 1 lower, 2 mixed), with its first
 * blank a comment when inner. */
static void
spell(char *out, size_t size, const char *front, const char *sql, int casing, int inner)
{
	size_t o = (size_t)snprintf(out, size, "%s", front);

	for (const char *p = sql; *p != '\0' && o + 16 < size; p++) {
		if (*p == ' ' && inner) {
			o += (size_t)snprintf(out + o, size - o, " /* in */ ");
			inner = 0;
			continue;
		}
		out[o++] = casing == 1 || (casing == 2 && (p - sql) % 2) ? (char)tolower((unsigned char)*p) : *p;
	}
	out[o] = '\0';
}

/* Every spelling in every casing, with every comment in front and between
 * the first words: classified as the spelling written plainly. */
static void
check_spellings(void)
{
	char sql[512];
	int bad = 0, n = 0;

	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++)
		for (size_t f = 0; f < sizeof(fronts) / sizeof(fronts[0]); f++)
			for (int casing = 0; casing < 3; casing++)
				for (int inner = 0; inner < 2; inner++) {
					spell(sql, sizeof(sql), fronts[f], spellings[i].sql, casing, inner);
					n++;
					if (kind(sql) != spellings[i].want && bad++ < 5)
						printf("# %s: kind %d, want %d\n", sql, kind(sql), spellings[i].want);
				}
	CHECK(bad == 0, "%d generated spellings classified as written plainly (%d wrong)", n, bad);
}

/* Random text of the characters that open or close quotes, comments and
 * parentheses: the walker stays inside the statement (ASan watches). */
static void
check_random(void)
{
	static const char alphabet[] = "'\"$-/*()\\ \nEUe&a_;COPYFROMprogram.";
	char buf[64], words[STMT_SNIP];
	unsigned seed = 1;
	int calls = 0, part = 0;

	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)(i % (int)sizeof(buf));
		char *buf_heap;
		for (size_t j = 0; j < n; j++) {
			seed = seed * 1103515245u + 12345u;
			buf[j] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		/* An exact-size copy, so that a read past the end is caught. */
		if ((buf_heap = malloc(n > 0 ? n : 1)) == NULL)
			break;
		memcpy(buf_heap, buf, n);
		for (int k = STMT_OTHER; k <= STMT_PROGRAM; k++)
			free(stmtclass_name(buf_heap, n, (enum stmt_kind)k));
		calls += stmtclass_kind(buf_heap, n) <= STMT_PROGRAM;
		stmtclass_words(buf_heap, n, words);
		calls += stmtclass_cluster_wide(buf_heap, n, STMT_OTHER) >= 0;
		free(stmtclass_created_table(buf_heap, n, &part));
		part += (int)stmtclass_copy_options_at(buf_heap, n) + stmtclass_holds_snapshot(buf_heap, n) +
		    stmtclass_is_setting(buf_heap, n);
		free(buf_heap);
	}
	CHECK(calls == 40000, "20000 random statements classified without reading past them");
}

/* Names as pg_dump writes them: plain, quoted with what needs quoting
 * (blanks, capitals, keywords, quotes, semicolons, parentheses), and
 * non-ASCII, quoted or not. */
static const char *const schemas[] = { "public", "\"Odd Schema\"", "\"a\"\"b\"", "schéma", "\"from\"" };
static const char *const tables[] = { "t", "\"Mixed Case\"", "\"semi;col\"", "\"x)y(\"", "tâble", "\"stdin\"",
				      "\"partition\"", "\"FREEZE\"", "\"日本\"" };
static const char *const columns[] = { "", " (a)", " (a, \"b c\", \"from\")", " (\"x)y\", partition, \"stdin\")",
				       " (\"quote\"\"d\", ünï)" };

/* The CREATE TABLE pg_dump writes for cols (" (a, b)", or "" for one
 * column id) into out. */
static void
dump_create(char *out, size_t size, const char *name, const char *cols, int unlogged, int partitioned)
{
	char defs[256];
	size_t o = 0;
	const char *p = *cols != '\0' ? cols + 2 : "id)";

	/* "(a, b)" becomes "a integer, b integer". */
	while (*p != '\0' && *p != ')' && o + 16 < sizeof(defs)) {
		size_t len = *p == '"' ? strcspn(p + 1, "\"") + 2 : strcspn(p, ",)");
		while (*p == '"' && p[len - 1] == '"' && p[len] == '"')	/* a doubled quote */
			len += strcspn(p + len + 1, "\"") + 2;
		o += (size_t)snprintf(defs + o, sizeof(defs) - o, "%s    %.*s integer", o > 0 ? ",\n" : "", (int)len, p);
		p += len;
		p += strspn(p, ", ");
	}
	snprintf(out, size, "CREATE %sTABLE %s (\n%s\n)%s;", unlogged ? "UNLOGGED " : "", name, defs,
		 partitioned ? "\nPARTITION BY RANGE (a)" : "");
}

/* Every COPY pg_dump writes, for every kind of name: the CREATE TABLE
 * names the table as the COPY does, says whether it is partitioned, and
 * the COPY takes its option list right after its stdin. */
static void
check_freeze_family(void)
{
	char name[128], create[512], copy[512];
	int n = 0, bad = 0;

	for (size_t s = 0; s < sizeof(schemas) / sizeof(schemas[0]); s++)
		for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
			for (size_t c = 0; c < sizeof(columns) / sizeof(columns[0]); c++)
				for (int v = 0; v < 4; v++) {
					int part = -1;
					size_t at;
					char *made, *copied;
					snprintf(name, sizeof(name), "%s.%s", schemas[s], tables[t]);
					dump_create(create, sizeof(create), name, columns[c], v & 1, v >> 1);
					snprintf(copy, sizeof(copy), "COPY %s%s FROM stdin;", name, columns[c]);
					made = stmtclass_created_table(create, strlen(create), &part);
					copied = stmtclass_name(copy, strlen(copy), STMT_COPY);
					at = stmtclass_copy_options_at(copy, strlen(copy));
					n++;
					if (made == NULL || copied == NULL || strcmp(made, name) != 0 ||
					    strcmp(copied, name) != 0 || part != v >> 1 || at != strlen(copy) - 1 ||
					    strncmp(copy + at - 5, "stdin", 5) != 0) {
						if (bad++ < 5)
							printf("# %s / %s: made %s, copied %s, part %d, at %zu\n", create,
							       copy, made, copied, part, at);
					}
					free(made);
					free(copied);
				}
	CHECK(bad == 0, "%d generated CREATE TABLE and COPY pairs name the same table, FREEZE goes after "
	      "stdin (%d wrong)", n, bad);
}

/* A literal statement and its length. */
#define SQL(lit) lit, sizeof(lit) - 1

/* stmtclass_foreign_key's validation for sql, and whether " NOT VALID" at
 * its offset makes want_added. */
static int
fk_is(const char *sql, const char *want_check, const char *want_added)
{
	size_t at = 0, n = strlen(sql);
	char *check = stmtclass_foreign_key(sql, n, &at), added[600];
	int ok;

	snprintf(added, sizeof(added), "%.*s NOT VALID%s", (int)at, sql, sql + at);
	ok = want_check == NULL ? check == NULL : check != NULL && strcmp(check, want_check) == 0 &&
	    strcmp(added, want_added) == 0;
	if (!ok)
		printf("# %s: %s, %s\n", sql, check != NULL ? check : "(none)", added);
	free(check);
	return ok;
}

/* Every foreign key pg_dump writes, for every kind of table and
 * constraint name: added NOT VALID, validated by the same names. */
static void
check_fk_family(void)
{
	static const char *const cons[] = { "t_a_fkey", "\"Fk; (odd)\"", "\"a\"\"b\"", "clé" };
	static const char *const tails[] = { "", " ON DELETE CASCADE", " DEFERRABLE INITIALLY DEFERRED",
					     " MATCH FULL ON UPDATE SET NULL" };
	char name[128], sql[600], check[400], added[700];
	int n = 0, bad = 0;

	for (size_t s = 0; s < sizeof(schemas) / sizeof(schemas[0]); s++)
		for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
			for (size_t c = 0; c < sizeof(cons) / sizeof(cons[0]); c++)
				for (size_t k = 0; k < sizeof(tails) / sizeof(tails[0]); k++) {
					snprintf(name, sizeof(name), "%s.%s", schemas[s], tables[t]);
					snprintf(sql, sizeof(sql), "ALTER TABLE ONLY %s\n    ADD CONSTRAINT %s FOREIGN KEY "
						 "(a) REFERENCES %s(id)%s;", name, cons[c], name, tails[k]);
					snprintf(check, sizeof(check), "ALTER TABLE ONLY %s VALIDATE CONSTRAINT %s;",
						 name, cons[c]);
					snprintf(added, sizeof(added), "%.*s NOT VALID;", (int)strlen(sql) - 1, sql);
					n++;
					bad += !fk_is(sql, check, added);
				}
	CHECK(bad == 0, "%d generated foreign keys are added NOT VALID and validated by their names (%d wrong)",
	      n, bad);
	CHECK(fk_is("ALTER TABLE ONLY t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u(id) NOT VALID;", NULL, NULL),
	      "a foreign key NOT VALID in the dump stays so: it is not validated");
	CHECK(fk_is("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u(id);", NULL, NULL),
	      "without ONLY (a partitioned table, which takes no NOT VALID) it runs as it is");
	CHECK(fk_is("ALTER TABLE ONLY t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u(id), "
		    "ADD CONSTRAINT g FOREIGN KEY (b) REFERENCES u(id);", NULL, NULL) &&
	      fk_is("ALTER TABLE ONLY t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u(id); SELECT 1;", NULL, NULL),
	      "nor when it does more than add one");
	CHECK(fk_is("ALTER TABLE ONLY t ADD CONSTRAINT t_pkey PRIMARY KEY (a);", NULL, NULL) &&
	      fk_is("ALTER TABLE ONLY t ADD CONSTRAINT c CHECK (a > 0);", NULL, NULL) &&
	      fk_is("ALTER TABLE ONLY t ADD CONSTRAINT \"FOREIGN\" UNIQUE (a);", NULL, NULL),
	      "other constraints are no foreign keys");
	CHECK(fk_is("/* c */ alter table only /* x */ t add constraint f foreign key (a) references u(id)",
		    "ALTER TABLE ONLY t VALIDATE CONSTRAINT f;",
		    "/* c */ alter table only /* x */ t add constraint f foreign key (a) references u(id) NOT VALID"),
	      "comments, lower case, no ';'");
}

/* stmtclass_name's answer compared with want (NULL for none). */
static int
name_is(const char *sql, enum stmt_kind k, const char *want)
{
	char *got = stmtclass_name(sql, strlen(sql), k);
	int ok = want == NULL ? got == NULL : got != NULL && strcmp(got, want) == 0;

	free(got);
	return ok;
}

int
main(void)
{
	char first[STMT_SNIP];
	char long_line[200], words[STMT_SNIP];

	CHECK(kind("ROLLBACK;") == STMT_TXN_END, "ROLLBACK would end the restore's transaction");
	CHECK(kind("rollback\n  ;") == STMT_TXN_END, "in any case and spacing");
	CHECK(kind("ABORT;") == STMT_TXN_END, "ABORT, its synonym, too");
	CHECK(kind("ROLLBACK TO SAVEPOINT a;") == STMT_OTHER, "ROLLBACK TO a savepoint does not");
	CHECK(kind("PREPARE TRANSACTION 'x';") == STMT_TXN_END, "two-phase commit is refused");
	CHECK(kind("COMMIT PREPARED 'x';") == STMT_TXN_END, "COMMIT PREPARED too");
	CHECK(kind("ROLLBACK PREPARED 'x';") == STMT_TXN_END, "ROLLBACK PREPARED too");
	CHECK(kind("BEGIN;") == STMT_TXN && kind("COMMIT;") == STMT_TXN && kind("END;") == STMT_TXN &&
	    kind("START TRANSACTION;") == STMT_TXN, "BEGIN, COMMIT, END, START TRANSACTION are left out");
	CHECK(kind("COMMITTED_TABLE;") == STMT_OTHER, "a word that starts like COMMIT is not COMMIT");
	CHECK(kind("DROP DATABASE shop;") == STMT_DROP, "DROP DATABASE is recognised");
	CHECK(kind("drop   database\tshop;") == STMT_DROP, "in any case and spacing");
	CHECK(kind("DROP TABLE shop;") == STMT_OTHER, "DROP TABLE is not DROP DATABASE");
	CHECK(kind("CREATE DATABASE shop WITH TEMPLATE = template0;") == STMT_CREATE_DB, "CREATE DATABASE");
	CHECK(kind("ALTER SYSTEM SET work_mem = '1MB';") == STMT_NONTX, "ALTER SYSTEM runs aside");
	CHECK(kind("CREATE TABLESPACE ts LOCATION '/x';") == STMT_TABLESPACE, "CREATE TABLESPACE is apart");
	CHECK(kind("COPY public.t (a, b) FROM stdin;") == STMT_COPY, "COPY FROM stdin");
	CHECK(kind("COPY public.t (a) TO stdout;") == STMT_OTHER, "COPY TO is no data to stream");
	CHECK(kind("ALTER TABLE public.t OWNER TO app;") == STMT_OWNER, "OWNER TO is left out with -O");
	CHECK(kind("SET SESSION AUTHORIZATION app;") == STMT_OWNER, "SET SESSION AUTHORIZATION too");
	CHECK(kind("GRANT SELECT ON t TO app;") == STMT_PRIV && kind("REVOKE ALL ON t FROM PUBLIC;") == STMT_PRIV,
	    "GRANT and REVOKE are left out with -x");
	CHECK(kind("CREATE ROLE app;") == STMT_CREATE_ROLE, "a bare CREATE ROLE may be skipped");
	CHECK(kind("CREATE ROLE app WITH LOGIN;") == STMT_OTHER, "CREATE ROLE with options is run as written");
	CHECK(kind("CREATE INDEX i ON t (a);") == STMT_INDEX && kind("CREATE UNIQUE INDEX i ON t (a);") == STMT_INDEX,
	    "indexes are post-data");
	CHECK(kind("ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (a);") == STMT_INDEX,
	    "a primary key is post-data");
	CHECK(kind("ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_fk FOREIGN KEY (a) REFERENCES u(a);") == STMT_OTHER,
	    "a foreign key is not built in parallel");
	CHECK(kind("INSERT INTO public.t VALUES (1);") == STMT_INSERT, "INSERT INTO");

	CHECK(name_is("COPY public.\"Odd Name\" (a) FROM stdin;", STMT_COPY, "public.\"Odd Name\""),
	    "COPY's table keeps its quotes");
	CHECK(name_is("INSERT INTO public.t(a) VALUES (1);", STMT_INSERT, "public.t"), "INSERT's table");
	CHECK(name_is("CREATE DATABASE \"Shop\" WITH OWNER = a;", STMT_CREATE_DB, "Shop"),
	    "a quoted database name is kept as is");
	CHECK(name_is("CREATE DATABASE Shop;", STMT_CREATE_DB, "shop"), "an unquoted one is folded");
	CHECK(name_is("CREATE ROLE \"a\"\"b\";", STMT_CREATE_ROLE, "a\"b"), "doubled quotes in a role name");
	CHECK(name_is("CREATE TABLE t (a int);", STMT_OTHER, NULL), "no name for other statements");

	check_spellings();
	check_random();
	check_freeze_family();
	{
		int part = 0;
		char *name = stmtclass_created_table(SQL("CREATE TABLE IF NOT EXISTS public.t (a int);"), &part);
		CHECK(name == NULL, "CREATE TABLE IF NOT EXISTS may find a table made before: no FREEZE");
		free(name);
		name = stmtclass_created_table(SQL("CREATE TEMP TABLE t (a int);"), &part);
		CHECK(name == NULL, "nor a temporary table");
		name = stmtclass_created_table(SQL("CREATE TABLE public.m PARTITION OF public.p FOR VALUES IN (1)\n"
					       "PARTITION BY LIST (b);"), &part);
		CHECK(name != NULL && part == 1, "a partition that is partitioned itself is partitioned");
		free(name);
		name = stmtclass_created_table(SQL("CREATE TABLE public.m PARTITION OF public.p FOR VALUES IN (1);"),
					       &part);
		CHECK(name != NULL && part == 0, "a leaf partition is not");
		free(name);
	}
	CHECK(stmtclass_copy_options_at(SQL("COPY t FROM stdin WITH (FORMAT csv);")) == 0 &&
	    stmtclass_copy_options_at(SQL("COPY t FROM stdin CSV;")) == 0, "a COPY with options of its own is kept");
	CHECK(stmtclass_copy_options_at(SQL("COPY t TO stdout;")) == 0 &&
	    stmtclass_copy_options_at(SQL("COPY t FROM '/f';")) == 0, "no option list for other COPYs");
	CHECK(stmtclass_copy_options_at(SQL("copy t from STDIN")) == 17, "nor a ';' needed");
	CHECK(stmtclass_holds_snapshot(SQL("DECLARE c CURSOR WITH HOLD FOR SELECT 1;")) &&
	    stmtclass_holds_snapshot(SQL("prepare q AS SELECT 1;")) &&
	    !stmtclass_holds_snapshot(SQL("PREPARE TRANSACTION 'x';")), "a cursor or prepared statement stops FREEZE");
	CHECK(stmtclass_is_setting(SQL("SET search_path = '';")) && stmtclass_is_setting(SQL("RESET ALL;")) &&
	    stmtclass_is_setting(SQL("SET SESSION AUTHORIZATION app;")) &&
	    stmtclass_is_setting(SQL("SELECT pg_catalog.set_config('search_path', '', false);")),
	    "settings -j repeats on its connections");
	CHECK(!stmtclass_is_setting(SQL("SET LOCAL a = 1;")) && !stmtclass_is_setting(SQL("SET CONSTRAINTS ALL DEFERRED;")) &&
	    !stmtclass_is_setting(SQL("SELECT pg_catalog.set_config('a', 'b', false), pg_sleep(1);")) &&
	    !stmtclass_is_setting(SQL("SELECT 1;")), "what is no session setting, or does more, is not repeated");
	CHECK(kind("\"COMMIT\";") == STMT_OTHER, "a quoted identifier is no keyword");
	CHECK(kind("SELECT 'ROLLBACK';") == STMT_OTHER && kind("/* ROLLBACK */ SELECT 1;") == STMT_OTHER,
	    "nor is a string or a comment");
	CHECK(kind("COPY t (program) FROM stdin;") == STMT_COPY, "a column named program is no PROGRAM");
	CHECK(kind("COPY t FROM stdin WITH (FORMAT text);") == STMT_COPY, "COPY options after stdin");
	CHECK(kind("COPY t FROM 'a\\' PROGRAM 'x';") == STMT_OTHER, "a file name is no PROGRAM");
	CHECK(kind("COPY (SELECT 'a\\') TO PROGRAM ' || ')') TO STDOUT;") == STMT_PROGRAM,
	    "PROGRAM as the server reads it with standard_conforming_strings on");
	CHECK(kind("COPY (SELECT 'a\\') TO STDOUT; ') TO PROGRAM 'id';") == STMT_PROGRAM,
	    "and with it off");
	CHECK(name_is("/* c */ COPY public.t (a) FROM stdin;", STMT_COPY, "public.t"), "a comment before COPY");
	CHECK(name_is("-- c\nCREATE /* x */ DATABASE \"Shop\";", STMT_CREATE_DB, "Shop"), "comments in CREATE DATABASE");
	CHECK(name_is("CREATE TABLESPACE Ts LOCATION '/x';", STMT_TABLESPACE, "ts"), "a tablespace's name");
	stmtclass_words("/* x */ drop -- y\n tablespace ts;", 32, words);
	CHECK(strcmp(words, "DROP TABLESPACE") == 0, "messages name the statement by its words: %s", words);
	stmtclass_first_line("CREATE TABLE t (\n a int);", 24, first);
	CHECK(strcmp(first, "CREATE TABLE t (") == 0, "messages quote the first line: %s", first);
	memset(long_line, 'x', sizeof(long_line));
	stmtclass_first_line(long_line, sizeof(long_line), first);
	CHECK(strlen(first) == STMT_SNIP - 1 && strcmp(first + STMT_SNIP - 4, "...") == 0,
	    "a long line is cut with ...");
	check_fk_family();
	return TAP_END();
}
