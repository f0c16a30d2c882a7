#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pgconn.h"
#include "pgtarget.h"

/* A database to connect to while creating, dropping or renaming another. */
static PGconn *
maintenance(const char *conninfo, const char *avoid, struct dk_err *e)
{
	const char *db = strcmp(avoid, "postgres") == 0 ? "template1" : "postgres";

	return pgconn_open(conninfo, db, e);
}

static int
exec_on(PGconn *c, const char *fmt, const char *name, const char *name2, struct dk_err *e)
{
	char *q = pgconn_quote_ident(c, name), *q2 = name2 != NULL ? pgconn_quote_ident(c, name2) : NULL;
	char sql[1024];
	int rc;

	snprintf(sql, sizeof(sql), fmt, q, q2 != NULL ? q2 : "");
	rc = pgconn_exec(c, sql, e);
	free(q);
	free(q2);
	return rc;
}

/* The owner of database name, or NULL. */
static char *
owner_of_db(PGconn *c, const char *name)
{
	const char *params[] = { name };
	PGresult *r = PQexecParams(c, "SELECT pg_catalog.pg_get_userbyid(datdba) "
				   "FROM pg_catalog.pg_database WHERE datname = $1", 1, NULL, params, NULL, NULL, 0);
	char *owner = NULL;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		owner = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return owner;
}

/* Creates database name from template0 unless it exists; *made tells
 * which. owner_of: give it the owner of that database, when it exists
 * (NULL: the connecting user). */
static int
pgtarget_create(const char *conninfo, const char *name, const char *owner_of, int *made, struct dk_err *e)
{
	PGconn *c = maintenance(conninfo, name, e);
	int exists, rc = DK_OK;

	*made = 0;
	if (c == NULL)
		return e->status;
	exists = pgconn_database_exists(c, name, e);
	if (exists < 0) {
		rc = e->status;
	} else if (!exists) {
		/* template0, as pg_dump's own --create does: nothing that a
		 * site added to template1 collides with the dump. */
		char *owner = owner_of != NULL ? owner_of_db(c, owner_of) : NULL;
		rc = owner != NULL ? exec_on(c, "CREATE DATABASE %s TEMPLATE template0 OWNER %s", name, owner, e)
			: exec_on(c, "CREATE DATABASE %s TEMPLATE template0%s", name, NULL, e);
		if (rc == DK_OK)
			*made = 1;
		free(owner);
	}
	PQfinish(c);
	return rc;
}

/* Drops database name, which this run made. */
static void
pgtarget_drop(const char *conninfo, const char *name)
{
	struct dk_err e;
	PGconn *c;

	dk_err_clear(&e);
	if ((c = maintenance(conninfo, name, &e)) == NULL)
		return;
	exec_on(c, PQserverVersion(c) >= 130000 ? "DROP DATABASE IF EXISTS %s WITH (FORCE)%s"
		: "DROP DATABASE IF EXISTS %s%s", name, NULL, &e);
	PQfinish(c);
}

/* "NAME_SUFFIX_YYYYMMDDTHHMMSSZ", cut to PostgreSQL's 63 bytes. */
static void
pgtarget_name(char *out, size_t size, const char *name, const char *suffix)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int room;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	room = 63 - (int)strlen(suffix) - (int)strlen(stamp) - 2;
	snprintf(out, size, "%.*s_%s_%s", room > 0 ? room : 0, name, suffix, stamp);
}

/* Ends the other sessions on name; it no longer accepts new ones. */
static int
end_sessions(PGconn *c, const char *name, struct dk_err *e)
{
	const char *params[] = { name };
	PGresult *r = PQexecParams(c, "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity "
				   "WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()",
				   1, NULL, params, NULL, NULL, 0);
	int ok = PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		dk_fail(e, DK_EDB, "cannot end the sessions on \"%s\": %s", name, pgconn_result_msg(r));
	PQclear(r);
	return ok ? DK_OK : DK_EDB;
}

static int
move_aside(PGconn *c, const char *name, const char *before, struct dk_err *e)
{
	if (exec_on(c, "ALTER DATABASE %s ALLOW_CONNECTIONS false%s", name, NULL, e) != DK_OK)
		return e->status;
	for (int tries = 0;; tries++) {
		struct dk_err e2;
		dk_err_clear(&e2);
		if (end_sessions(c, name, e) != DK_OK)
			break;
		if (exec_on(c, "ALTER DATABASE %s RENAME TO %s", name, before, &e2) == DK_OK)
			return exec_on(c, "ALTER DATABASE %s ALLOW_CONNECTIONS true%s", before, NULL, e);
		if (tries == 20) {
			dk_fail(e, e2.status, "%s", e2.msg);
			break;
		}
		usleep(100000);	/* a terminated backend takes a moment to leave */
	}
	struct dk_err e3;
	dk_err_clear(&e3);
	exec_on(c, "ALTER DATABASE %s ALLOW_CONNECTIONS true%s", name, NULL, &e3);
	return e->status;
}

/* Moves name aside to before (when it exists) and side into its place:
 * the target's sessions are refused and ended first. */
static int
pgtarget_swap(const char *conninfo, const char *name, const char *side, const char *before,
	      int *moved, struct dk_err *e)
{
	PGconn *c = maintenance(conninfo, name, e);
	int exists, rc = DK_OK;

	*moved = 0;
	if (c == NULL)
		return e->status;
	exists = pgconn_database_exists(c, name, e);
	if (exists < 0)
		rc = e->status;
	else if (exists && (rc = move_aside(c, name, before, e)) == DK_OK)
		*moved = 1;
	if (rc == DK_OK && (rc = exec_on(c, "ALTER DATABASE %s RENAME TO %s", side, name, e)) != DK_OK && *moved) {
		/* Put the old database back: the target stays as it was. */
		struct dk_err e2;
		dk_err_clear(&e2);
		if (exec_on(c, "ALTER DATABASE %s RENAME TO %s", before, name, &e2) == DK_OK)
			*moved = 0;
	}
	PQfinish(c);
	return rc;
}

/* 1 when database name exists, 0 when not, -1 with e filled. */
static int
pgtarget_exists(const char *conninfo, const char *name, struct dk_err *e)
{
	PGconn *c = maintenance(conninfo, name, e);
	int exists;

	if (c == NULL)
		return -1;
	exists = pgconn_database_exists(c, name, e);
	PQfinish(c);
	return exists;
}

/* Renames side to name, which must not exist: --create's last step. */
static int
pgtarget_rename_in(const char *conninfo, const char *name, const char *side, struct dk_err *e)
{
	PGconn *c = maintenance(conninfo, name, e);
	int exists, rc;

	if (c == NULL)
		return e->status;
	exists = pgconn_database_exists(c, name, e);
	if (exists < 0)
		rc = e->status;
	else if (exists)
		rc = dk_fail(e, DK_ESAFETY, "database \"%s\" appeared while the restore ran; refusing to "
			     "replace it (the restore is dropped again)", name);
	else
		rc = exec_on(c, "ALTER DATABASE %s RENAME TO %s", side, name, e);
	PQfinish(c);
	return rc;
}

int
pgtarget_begin(struct pgtarget *t, const char *conninfo, const char **into, struct dk_err *e)
{
	int exists;

	if ((t->name = pgconn_dbname(conninfo, e)) == NULL)
		return e->status;
	if (!t->create && !t->replace)
		return DK_OK;
	if (t->create) {
		/* An existing (empty) target is restored into in place; a
		 * new one is made aside and takes its name only once whole. */
		if ((exists = pgtarget_exists(conninfo, t->name, e)) != 0)
			return exists < 0 ? e->status : DK_OK;
	} else {
		pgtarget_name(t->before, sizeof(t->before), t->name, "before");
	}
	pgtarget_name(t->side, sizeof(t->side), t->name, "restore");
	if (pgtarget_create(conninfo, t->side, t->replace ? t->name : NULL, &t->made, e) != DK_OK)
		return e->status;
	if (!t->made)
		return dk_fail(e, DK_ESAFETY, "side database \"%s\" exists already; refused", t->side);
	t->aside = 1;
	*into = t->side;
	return DK_OK;
}

int
pgtarget_end(struct pgtarget *t, const char *conninfo, int rc, struct dk_err *e)
{
	if (rc == DK_OK && t->replace)
		rc = pgtarget_swap(conninfo, t->name, t->side, t->before, &t->moved, e);
	else if (rc == DK_OK && t->aside)
		rc = pgtarget_rename_in(conninfo, t->name, t->side, e);
	if (rc != DK_OK && t->made)
		pgtarget_drop(conninfo, t->aside ? t->side : t->name);
	return rc;
}

void
pgtarget_free(struct pgtarget *t)
{
	free(t->name);
	t->name = NULL;
}
