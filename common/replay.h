/* Replays a plain pg_dump or pg_dumpall script into PostgreSQL as psql
 * would, all or nothing: statements split by sqlscan, sent in libpq's
 * pipeline mode; COPY data streamed in large chunks; \connect, \restrict
 * and \unrestrict understood, every other meta-command refused. Each
 * database's part is one transaction, committed only once the whole dump,
 * completion trailer and matching \unrestrict included, has been read. */
#ifndef DRKIT_REPLAY_H
#define DRKIT_REPLAY_H

#include <stdint.h>

#include "err.h"
#include "log.h"
#include "progress.h"

struct replay_opts {
	const char *conninfo;	/* -d, $DATABASE_URL, or "" for PG* */
	const char *dbname;	/* restore into this database instead (NULL: conninfo's) */
	int check_only;		/* parse only, no database */
	int single_db;		/* refuse \connect and CREATE DATABASE (--replace) */
	int aside;		/* the database is a side one, dropped on failure */
	int no_owner;
	int no_privileges;
	const char *role;	/* SET ROLE on every connection, or NULL */
	int jobs;		/* > 1: post-data indexes and constraints in parallel */
	int analyze;
	int count_tables;	/* count each table's rows after the commit */
	int allow_program;	/* run COPY ... PROGRAM (a shell on the server) */
	size_t max_statement;	/* bytes one statement may hold; 0: REPLAY_MAX_STATEMENT */
	/* Server notices and warnings (with their statement's dump line) go
	 * to its note, each step worth tracing to its trace; may be NULL. */
	const struct dk_log *log;
	/* Updated with the dump bytes read and the table COPY fills, ended
	 * at the end; NULL for none. */
	struct progress *progress;
};

/* The default bound on one statement: the largest a pg_dump --inserts row
 * of big values is likely to need, at a peak of about three times it
 * (our buffer, libpq's send buffer, the server's copy). COPY data is
 * streamed and never bounded. */
#define REPLAY_MAX_STATEMENT ((size_t)256 << 20)

struct replay_table {
	char *db;		/* database ("-" in --check before any \connect) */
	char *name;		/* as the dump writes it: public.t */
	long long dump_rows;	/* COPY lines, or rows INSERTed */
	long long table_rows;	/* count after commit, -1 when not counted */
};

struct replay_result {
	unsigned long statements;	/* statements run (or found, in --check) */
	unsigned long skipped;		/* statements left out by options */
	unsigned long lines;		/* lines of the dump, as wc -l counts them */
	uint64_t bytes;			/* dump bytes read */
	int databases;			/* databases written */
	struct replay_table *tables;
	size_t ntables;
	int mismatches;			/* tables whose counts differ */
};

/* Reads the dump from fd and replays it. DK_OK when committed; DK_EDATA for
 * an incomplete or corrupt dump, DK_EDB for an SQL error, DK_ESAFETY for a
 * refused meta-command or statement (transaction end, DROP DATABASE, COPY
 * ... PROGRAM, a statement over max_statement) or a target that holds tables, DK_ECONFIG for bad
 * credentials. On failure nothing is committed; the databases,
 * tablespaces and roles the dump created are dropped again. */
int replay_run(const struct replay_opts *o, int fd, struct replay_result *r, struct dk_err *e);

void replay_result_free(struct replay_result *r);

#endif
