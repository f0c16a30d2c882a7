/* pg_dump's post-data section (indexes, keys, and what follows them),
 * held back with -j: once the data has committed, the indexes and keys are
 * built on jobs connections at once and the rest runs after them, in the
 * dump's order, in one transaction. Each statement belongs to a database,
 * so that a pg_dumpall dump is built database by database. The session
 * settings the dump made before an index (search_path, default_tablespace,
 * the role) are made again on the connection that builds it. */
#ifndef DRKIT_POSTDATA_H
#define DRKIT_POSTDATA_H

#include <stddef.h>

#include "err.h"
#include "log.h"
#include "pgpipe.h"

struct postdata_stmt {
	char *sql;
	unsigned long line;
	size_t db;		/* the caller's number for its database */
	int parallel;		/* an index or key: may run on its own connection */
	size_t nset;		/* the settings recorded before it */
};

struct postdata {
	struct postdata_stmt *v;
	size_t n, cap;
	struct postdata_stmt *set;	/* what set the sessions (sql and db) */
	size_t nset, capset;
};

void postdata_init(struct postdata *pd);
void postdata_free(struct postdata *pd);

/* Holds back sql (n bytes) of dump line line, for database db. */
int postdata_add(struct postdata *pd, size_t db, const char *sql, size_t n, unsigned long line,
    int parallel, struct dk_err *e);

/* Records sql (n bytes), which set database db's session: a connection
 * that builds an index held back after it makes it first. */
int postdata_setting(struct postdata *pd, size_t db, const char *sql, size_t n, struct dk_err *e);

/* Drops the statements database db holds back (they ran another way). */
void postdata_forget(struct postdata *pd, size_t db);

/* How many statements database db holds back. */
size_t postdata_count(const struct postdata *pd, size_t db);

/* Runs database db's statements: the parallel ones on jobs connections of
 * their own to main's database, then the others on main (outside any
 * transaction when called) in one transaction. Counts each statement run
 * in *statements. */
int postdata_run(const struct postdata *pd, size_t db, const char *conninfo, struct pgpipe *main,
    int jobs, unsigned long *statements, struct dk_err *e);

#endif
