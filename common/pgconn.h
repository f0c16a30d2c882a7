/* Connections to PostgreSQL as the programs need them: one base
 * connection string (-d, $DATABASE_URL, or empty for libpq's PG*
 * variables) with the database name replaced at will, and failures turned
 * into DESIGN exit statuses and one-line messages that name the server, the
 * database and the SQLSTATE, never a password. */
#ifndef DRKIT_PGCONN_H
#define DRKIT_PGCONN_H

#include <libpq-fe.h>

#include "err.h"

/* Connects to dbname (NULL: the one conninfo names). Fails with DK_ECONFIG
 * for authentication failures, DK_EDB otherwise (refused, no such
 * database), the message saying what to fix. Its notices are dropped
 * unless the caller sets a receiver (the library never prints). */
PGconn *pgconn_open(const char *conninfo, const char *dbname, struct dk_err *e);

/* The database conninfo names (or libpq's default): malloc'ed, NULL on
 * a malformed conninfo (e filled, DK_EUSAGE). */
char *pgconn_dbname(const char *conninfo, struct dk_err *e);

/* "database "foo" on /tmp:5432" for messages. */
const char *pgconn_where(PGconn *c);

/* "42P01: relation "x" does not exist" of a failed result. */
const char *pgconn_result_msg(const PGresult *r);

/* Runs sql expecting success; DK_EDB with e saying what failed. */
int pgconn_exec(PGconn *c, const char *sql, struct dk_err *e);

/* Runs a query returning one number (count(*) and the like); -1 on error
 * with e filled. */
long long pgconn_query_count(PGconn *c, const char *sql, struct dk_err *e);

/* Whether database name exists: 1, 0, or -1 with e filled. */
int pgconn_database_exists(PGconn *c, const char *name, struct dk_err *e);

/* Number of user tables (tables, partitioned, foreign and materialized
 * views outside the system schemas); -1 with e filled. */
long long pgconn_user_tables(PGconn *c, struct dk_err *e);

/* name quoted as an SQL identifier, malloc'ed; NULL when out of memory. */
char *pgconn_quote_ident(PGconn *c, const char *name);

#endif
