/* pgrestore-stream: replay a plain pg_dump or pg_dumpall script from stdin
 * into PostgreSQL, all or nothing. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "io.h"
#include "pgconn.h"
#include "pgtarget.h"
#include "replay.h"

static void
usage(void)
{
	printf("usage: pgrestore-stream [options] < DUMP\n"
	       "Replays a plain pg_dump or pg_dumpall script (gzip or not) from standard input\n"
	       "into PostgreSQL in one transaction, committed only when the dump is whole.\n"
	       "\n"
	       "  -d, --dbname=CONNINFO  target database: conninfo or URI (default $DATABASE_URL,\n"
	       "                         else libpq's PG* variables)\n"
	       "      --create           create the target database when it does not exist,\n"
	       "                         under a side name until the restore is whole\n"
	       "      --replace          restore into a side database, then swap it in by renaming;\n"
	       "                         the old one is kept as NAME_before_YYYYMMDDTHHMMSSZ\n"
	       "      --check            no database: parse the dump, report statements and COPY\n"
	       "                         rows per table; exit 1 when it is incomplete\n"
	       "      --report           print rows per table, in the dump and in the database;\n"
	       "                         exit 1 when they differ\n"
	       "      --analyze          run ANALYZE after the restore\n"
	       "  -O, --no-owner         leave out ALTER ... OWNER TO statements\n"
	       "  -x, --no-privileges    leave out GRANT and REVOKE statements\n"
	       "      --role=ROLE        SET ROLE ROLE before restoring\n"
	       "  -j, --jobs=N           build post-data indexes and keys on N connections,\n"
	       "                         after the data has committed (default 1)\n"
	       "      --allow-program    run COPY ... PROGRAM, a shell command on the server\n"
	       "                         (refused by default)\n"
	       "      --max-statement=SIZE\n"
	       "                         refuse a statement larger than SIZE (default 256M;\n"
	       "                         COPY data is not bounded)\n"
	       "      --progress         show bytes, rate, table and rows on stderr\n"
	       "      --no-progress      do not (default unless stderr is a terminal)\n"
	       "  -v, --verbose          trace connections, COPYs and commits\n"
	       "  -q, --quiet            print errors only\n"
	       "  -h, --help             print this help\n"
	       "      --version          print the version\n"
	       "\n"
	       "Exit status: 0 restored, 1 incomplete or corrupt dump or a report difference,\n"
	       "2 usage, 3 credentials, 7 database error, 8 refused (target not empty,\n"
	       "forbidden meta-command or statement, statement over --max-statement,\n"
	       "existing database).\n");
}

enum { OPT_CREATE = CLI_OPT_FIRST_OWN, OPT_REPLACE, OPT_CHECK, OPT_REPORT, OPT_ANALYZE,
       OPT_ROLE, OPT_ALLOW_PROGRAM, OPT_MAX_STATEMENT };

static const struct option longopts[] = {
	{ "dbname", required_argument, NULL, 'd' },
	{ "create", no_argument, NULL, OPT_CREATE },
	{ "replace", no_argument, NULL, OPT_REPLACE },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "report", no_argument, NULL, OPT_REPORT },
	{ "analyze", no_argument, NULL, OPT_ANALYZE },
	{ "no-owner", no_argument, NULL, 'O' },
	{ "no-privileges", no_argument, NULL, 'x' },
	{ "role", required_argument, NULL, OPT_ROLE },
	{ "jobs", required_argument, NULL, 'j' },
	{ "allow-program", no_argument, NULL, OPT_ALLOW_PROGRAM },
	{ "max-statement", required_argument, NULL, OPT_MAX_STATEMENT },
	CLI_LONGOPTS_PROGRESS,
	CLI_LONGOPTS_COMMON,
	{ NULL, 0, NULL, 0 },
};

/* "s" unless n is 1, for messages that count. */
static const char *
plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

/* Rows per table; a side database is named as it will be called. */
static void
print_tables(const struct replay_result *r, int check, const struct pgtarget *tg)
{
	for (size_t i = 0; i < r->ntables; i++) {
		const struct replay_table *t = &r->tables[i];
		const char *db = tg != NULL && tg->aside && strcmp(t->db, tg->side) == 0 ? tg->name : t->db;
		if (check)
			printf("%s\t%s\t%lld\n", db, t->name, t->dump_rows);
		else
			printf("%s\t%s\t%lld\t%lld\n", db, t->name, t->dump_rows, t->table_rows);
	}
	printf("tables\t%zu\n", r->ntables);
}

/* Without a database: what a restore of this dump would do. */
static int
check_dump(struct replay_opts *o)
{
	struct replay_result r;
	struct dk_err e;
	int rc;

	dk_err_clear(&e);
	o->check_only = 1;
	rc = replay_run(o, STDIN_FILENO, &r, &e);
	printf("statements\t%lu\n", r.statements);
	print_tables(&r, 1, NULL);
	if (rc == DK_OK)
		cli_note("the dump is complete: %lu line%s, %lu statement%s, %zu table%s", r.lines, plural(r.lines),
			 r.statements, plural(r.statements), r.ntables, plural(r.ntables));
	replay_result_free(&r);
	return rc == DK_OK ? 0 : cli_fail(&e);
}

static int
restore(struct pgtarget *t, struct replay_opts *o, int report)
{
	struct replay_result r = { 0 };
	struct dk_err e;
	int rc;

	dk_err_clear(&e);
	o->count_tables |= report;
	rc = pgtarget_begin(t, o->conninfo, &o->dbname, &e);
	if (rc == DK_OK && t->aside) {
		/* The rename needs the side database whole: one database
		 * (--replace: every table's rows counted). Until then it is
		 * nobody's, so with -j its indexes and keys may be built on
		 * several connections without weakening all or nothing. */
		o->single_db = 1;
		o->aside = 1;
		o->count_tables |= t->replace;
	}
	/* One by default: on 2 cores two connections made the demo's drill
	 * slower (1.74 s against 1.47). */
	if (o->jobs == 0)
		o->jobs = 1;
	if (rc == DK_OK)
		rc = replay_run(o, STDIN_FILENO, &r, &e);
	if (rc == DK_OK && report)
		print_tables(&r, 0, t);
	if (rc == DK_OK && r.mismatches > 0)
		rc = dk_fail(&e, DK_EDATA, "%d of %zu table%s hold%s other row counts than the dump%s", r.mismatches,
			     r.ntables, plural(r.ntables), r.mismatches == 1 ? "s" : "",
			     t->replace ? "; the target was left as it was" : "");
	rc = pgtarget_end(t, o->conninfo, rc, &e);
	if (rc == DK_OK && t->aside && !t->replace)
		cli_trace("renamed database \"%s\" to \"%s\"", t->side, t->name);
	if (rc == DK_OK && r.databases > 1)
		cli_note("restored %lu statement%s into %d databases (%zu table%s loaded)", r.statements,
			 plural(r.statements), r.databases, r.ntables, plural(r.ntables));
	else if (rc == DK_OK)
		cli_note("restored %lu statement%s (%zu table%s loaded) into \"%s\"%s%s%s", r.statements,
			 plural(r.statements), r.ntables, plural(r.ntables), t->name,
			 t->moved ? "; the previous database is now \"" : "", t->moved ? t->before : "",
			 t->moved ? "\"" : "");
	replay_result_free(&r);
	pgtarget_free(t);
	return rc == DK_OK ? 0 : cli_fail(&e);
}

int
main(int argc, char **argv)
{
	struct replay_opts o = { .conninfo = NULL, .jobs = 0 };
	struct pgtarget t = { 0 };
	struct progress prog;
	long long size;
	int c, rc, check = 0, report = 0;

	cli_init("pgrestore-stream");
	while ((c = getopt_long(argc, argv, "d:Oxj:vqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o.conninfo = optarg; break;
		case OPT_CREATE: t.create = 1; break;
		case OPT_REPLACE: t.replace = 1; break;
		case OPT_CHECK: check = 1; break;
		case OPT_REPORT: report = 1; break;
		case OPT_ANALYZE: o.analyze = 1; break;
		case 'O': o.no_owner = 1; break;
		case 'x': o.no_privileges = 1; break;
		case OPT_ROLE: o.role = optarg; break;
		case OPT_ALLOW_PROGRAM: o.allow_program = 1; break;
		case OPT_MAX_STATEMENT: {
			/* PostgreSQL takes no query over 1 GB. */
			unsigned long long n;
			if (cli_parse_size("--max-statement", optarg, 1024, 1ULL << 30, &n) != DK_OK)
				return DK_EUSAGE;
			o.max_statement = (size_t)n;
			break;
		}
		case 'j': {
			long long n;
			if (cli_parse_number("--jobs", optarg, 1, 64, &n) != DK_OK)
				return DK_EUSAGE;
			o.jobs = (int)n;
			break;
		}
		default:
			if ((rc = cli_option(c, usage)) != CLI_CONTINUE)
				return rc;
			break;
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s': the dump comes on standard input", argv[optind]);
	if (t.create && t.replace)
		return cli_usage_error("--create and --replace exclude each other");
	if (check && (t.create || t.replace || report || o.analyze))
		return cli_usage_error("--check uses no database: it takes no --create, --replace, --report or --analyze");
	if (isatty(STDIN_FILENO))
		return cli_usage_error("the dump comes on standard input, which is a terminal");
	if (o.conninfo == NULL)
		o.conninfo = getenv("DATABASE_URL") != NULL ? getenv("DATABASE_URL") : "";
	size = io_file_size(STDIN_FILENO);
	cli_progress_init(&prog, size > 0 ? (uint64_t)size : 0);
	o.log = cli_log();
	o.progress = &prog;
	if (check)
		return check_dump(&o);
	return restore(&t, &o, report);
}
