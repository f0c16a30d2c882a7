/* A restore's connection to one database: statements sent in libpq's
 * pipeline mode, up to PGPIPE_MAX in flight before their answers are read;
 * each failure named by the dump line and the statement that caused it;
 * server notices and warnings passed on with the line of the statement
 * that raised them, as psql reports them. */
#ifndef DRKIT_PGPIPE_H
#define DRKIT_PGPIPE_H

#include <libpq-fe.h>

#include "err.h"
#include "log.h"
#include "stmtclass.h"

#define PGPIPE_MAX 256

/* What a statement in flight needs for its answer: where it came from. */
struct pgpipe_pending {
	unsigned long line;
	char first[STMT_SNIP];
	long table;		/* an INSERT's table, for the row count; -1 */
};

struct pgpipe {
	PGconn *pg;
	char *db;		/* the database's name */
	const struct dk_log *log;	/* notices and warnings go to its note */
	/* Called with an INSERT's table and rows as its answer arrives. */
	void (*rows)(void *arg, long table, long long n);
	void *arg;
	unsigned long line;	/* the statement whose answer is read now */
	int on;			/* in libpq's pipeline mode */
	int npending;
	struct pgpipe_pending q[PGPIPE_MAX];
};

/* Connects to db (NULL: conninfo's). NULL with e filled on failure. */
struct pgpipe *pgpipe_open(const char *conninfo, const char *db, const struct dk_log *log, struct dk_err *e);
void pgpipe_close(struct pgpipe *c);

/* Queues sql (n bytes, NUL-terminated) from dump line line; table: the
 * INSERT's, or -1. Reads the answers when PGPIPE_MAX are in flight. */
int pgpipe_send(struct pgpipe *c, const char *sql, size_t n, unsigned long line, long table, struct dk_err *e);

/* Reads the answers of the statements in flight: the first failure, or a
 * transaction that ended, fails. */
int pgpipe_drain(struct pgpipe *c, struct dk_err *e);

/* Drains and leaves pipeline mode, for COPY and statements that need an
 * answer now. */
int pgpipe_settle(struct pgpipe *c, struct dk_err *e);

/* Runs sql from dump line line now, outside the pipeline. */
int pgpipe_exec(struct pgpipe *c, const char *sql, size_t n, unsigned long line, struct dk_err *e);

/* Records a failed result of the statement at line (first: its first
 * line) in e; returns DK_EDB. */
int pgpipe_fail(PGconn *pg, unsigned long line, const char *first, const PGresult *res, struct dk_err *e);

#endif
