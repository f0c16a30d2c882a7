#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgconn.h"

/* libpq prefixes every failure with "connection to server ... failed: ";
 * the message keeps only the reason, on one line. */
static const char *
reason_of(const char *msg)
{
	const char *p = strstr(msg, "failed: ");

	return p != NULL ? p + 8 : msg;
}

static int
status_of_failure(PGconn *c, const char *msg)
{
	if (PQconnectionNeedsPassword(c) || strstr(msg, "password authentication failed") != NULL ||
	    strstr(msg, "no password supplied") != NULL || strstr(msg, "authentication failed") != NULL ||
	    strstr(msg, "no pg_hba.conf entry") != NULL || strstr(msg, "role \"") != NULL)
		return DK_ECONFIG;
	return DK_EDB;
}

static const char *
hint_of(int status, const char *msg)
{
	if (status == DK_ECONFIG)
		return "check the user and password (-d, $DATABASE_URL, PGUSER, PGPASSWORD or ~/.pgpass)";
	if (strstr(msg, "does not exist") != NULL)
		return "create the database, name another with -d, or use --create";
	return "check that the server runs and -d, $DATABASE_URL or PGHOST/PGPORT name it";
}

static void
drop_notice(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res;
}

PGconn *
pgconn_open(const char *conninfo, const char *dbname, struct dk_err *e)
{
	const char *keys[] = { "dbname", "dbname", "fallback_application_name", NULL };
	const char *vals[] = { conninfo, dbname, "drkit", NULL };
	PGconn *c;

	if (dbname == NULL) {
		keys[1] = keys[2];
		vals[1] = vals[2];
		keys[2] = NULL;
	}
	c = PQconnectdbParams(keys, vals, 1);
	if (c == NULL) {
		dk_fail(e, DK_EDB, "cannot connect to PostgreSQL: out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		char msg[600];
		snprintf(msg, sizeof(msg), "%s", reason_of(PQerrorMessage(c)));
		msg[strcspn(msg, "\n")] = '\0';
		int status = status_of_failure(c, msg);
		dk_fail(e, status, "cannot connect to database \"%s\" on %s:%s: %s; %s",
			PQdb(c) != NULL ? PQdb(c) : "?", PQhost(c) != NULL ? PQhost(c) : "?",
			PQport(c) != NULL ? PQport(c) : "?", msg, hint_of(status, msg));
		PQfinish(c);
		return NULL;
	}
	/* libpq's default receiver would write notices out by itself; the
	 * library says nothing on its own, so a caller that wants them
	 * installs its own receiver. */
	PQsetNoticeReceiver(c, drop_notice, NULL);
	return c;
}

char *
pgconn_dbname(const char *conninfo, struct dk_err *e)
{
	char *err = NULL, *name = NULL;
	PQconninfoOption *opts;

	/* A bare name, as psql -d takes it. */
	if (*conninfo != '\0' && strchr(conninfo, '=') == NULL && strncmp(conninfo, "postgres://", 11) != 0 &&
	    strncmp(conninfo, "postgresql://", 13) != 0)
		return strdup(conninfo);
	opts = *conninfo != '\0' ? PQconninfoParse(conninfo, &err) : PQconndefaults();
	if (opts == NULL) {
		dk_fail(e, DK_EUSAGE, "malformed connection string: %s", err != NULL ? err : "out of memory");
		PQfreemem(err);
		return NULL;
	}
	const char *db = NULL, *user = NULL;
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "dbname") == 0 && o->val != NULL && *o->val != '\0')
			db = o->val;
		if (strcmp(o->keyword, "user") == 0 && o->val != NULL && *o->val != '\0')
			user = o->val;
	}
	if (db == NULL)
		db = getenv("PGDATABASE") != NULL && *getenv("PGDATABASE") != '\0' ? getenv("PGDATABASE") : user;
	if (db == NULL)
		db = getenv("PGUSER");
	if (db == NULL)
		dk_fail(e, DK_EUSAGE, "no database named: give -d, $DATABASE_URL or PGDATABASE");
	else
		name = strdup(db);
	PQconninfoFree(opts);
	return name;
}

const char *
pgconn_where(PGconn *c)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "database \"%s\" on %s:%s", PQdb(c), PQhost(c), PQport(c));
	return buf;
}

const char *
pgconn_result_msg(const PGresult *r)
{
	static char buf[700];
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	const char *ctx = PQresultErrorField(r, PG_DIAG_CONTEXT);

	if (msg == NULL)
		msg = PQresultErrorMessage(r);
	snprintf(buf, sizeof(buf), "SQLSTATE %s: %s%s%s", state != NULL ? state : "?????", msg,
		 ctx != NULL ? " (" : "", ctx != NULL ? ctx : "");
	if (ctx != NULL && strlen(buf) + 2 < sizeof(buf))
		strcat(buf, ")");
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

int
pgconn_exec(PGconn *c, const char *sql, struct dk_err *e)
{
	PGresult *r = PQexec(c, sql);
	int st = PQresultStatus(r);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		dk_fail(e, DK_EDB, "%s failed in %s: %s", sql, pgconn_where(c), pgconn_result_msg(r));
		PQclear(r);
		return DK_EDB;
	}
	PQclear(r);
	return DK_OK;
}

long long
pgconn_query_count(PGconn *c, const char *sql, struct dk_err *e)
{
	PGresult *r = PQexec(c, sql);
	long long n = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	else
		dk_fail(e, DK_EDB, "query failed in %s: %s", pgconn_where(c), pgconn_result_msg(r));
	PQclear(r);
	return n;
}

int
pgconn_database_exists(PGconn *c, const char *name, struct dk_err *e)
{
	const char *params[] = { name };
	PGresult *r = PQexecParams(c, "SELECT count(*) FROM pg_catalog.pg_database WHERE datname = $1",
				   1, NULL, params, NULL, NULL, 0);
	int n = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		n = atoi(PQgetvalue(r, 0, 0)) > 0;
	else
		dk_fail(e, DK_EDB, "cannot look up database \"%s\" in %s: %s", name, pgconn_where(c),
			pgconn_result_msg(r));
	PQclear(r);
	return n;
}

long long
pgconn_user_tables(PGconn *c, struct dk_err *e)
{
	return pgconn_query_count(c,
		"SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
		"WHERE c.relkind IN ('r', 'p', 'f', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
		"AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'", e);
}

char *
pgconn_quote_ident(PGconn *c, const char *name)
{
	char *q = PQescapeIdentifier(c, name, strlen(name));
	char *copy = q != NULL ? strdup(q) : NULL;

	PQfreemem(q);
	return copy;
}
