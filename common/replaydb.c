/* The databases a restore writes and what it makes outside its
 * transaction: a connection per database (checked empty, its session set,
 * its transaction begun), the switch of \connect, and CREATE DATABASE,
 * ROLE and TABLESPACE, run aside and remembered for the undo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "pgconn.h"
#include "replay_int.h"
#include "vec.h"

/* Each restore session's settings, made before its transaction: index
 * builds sort in memory where the server's own setting is the built-in
 * 64MB (an operator's setting, in the server or PGOPTIONS, stands); with
 * -j, 1GB shared by the connections that build at once, 128MB each at
 * least. */
#define SESSION_SQL "SELECT pg_catalog.set_config('maintenance_work_mem', '%dMB', false) " \
	"FROM pg_catalog.pg_settings WHERE name = 'maintenance_work_mem' AND source = 'default';"

static void
on_rows(void *arg, long table, long long n)
{
	struct replay *rp = arg;

	rp->r->tables[table].dump_rows += n;
}

/* Runs sql now on a connection of its own to db: what cannot run in a
 * transaction (CREATE DATABASE, CREATE TABLESPACE, ALTER SYSTEM). */
int
replay_exec_aside(struct replay *rp, const char *db, const char *sql, size_t n, unsigned long line)
{
	struct pgpipe *side = pgpipe_open(rp->o->conninfo, db, rp->o->log, rp->e);
	int rc;

	if (side == NULL)
		return rp->e->status;
	rc = pgpipe_exec(side, sql, n, line, rp->e);
	pgpipe_close(side);
	return rc;
}

/* A statement that set the current database's session: with -j, the
 * connections that build its indexes make it too. */
int
replay_setting(struct replay *rp, const char *sql, size_t n)
{
	if (rp->o->jobs <= 1)
		return DK_OK;
	return postdata_setting(&rp->post, rp->cur, sql, n, rp->e);
}

/* Opens a connection for the restore: checked empty unless the dump made
 * the database, in a transaction, with --role's role. */
int
replay_open_db(struct replay *rp, const char *db, int made)
{
	struct pgpipe *c;
	char session[sizeof(SESSION_SQL) + 16];
	long long n;

	if (vec_reserve((void **)&rp->dbs, &rp->capdbs, rp->ndbs + 1, sizeof(*rp->dbs)) != 0)
		return dk_fail(rp->e, DK_EDB, "out of memory");
	if ((c = pgpipe_open(rp->o->conninfo, db, rp->o->log, rp->e)) == NULL)
		return rp->e->status;
	c->rows = on_rows;
	c->arg = rp;
	rp->cur = rp->ndbs++;
	memset(&rp->dbs[rp->cur], 0, sizeof(rp->dbs[rp->cur]));
	rp->dbs[rp->cur].pipe = c;
	rp->r->databases++;
	log_trace(rp->o->log, "connected to %s", pgconn_where(c->pg));
	if (!made) {
		if ((n = pgconn_user_tables(c->pg, rp->e)) < 0)
			return rp->e->status;
		if (n > 0)
			return dk_fail(rp->e, DK_ESAFETY, "%s already holds %lld user table%s; refusing to restore "
				       "into it (restore into an empty or new database with --create, or use --replace)",
				       pgconn_where(c->pg), n, n == 1 ? "" : "s");
	}
	snprintf(session, sizeof(session), SESSION_SQL, rp->o->jobs > 2 ? (1024 / rp->o->jobs > 128 ?
		 1024 / rp->o->jobs : 128) : 512);
	if (pgconn_exec(c->pg, session, rp->e) != DK_OK || replay_setting(rp, session, strlen(session)) != DK_OK ||
	    pgconn_exec(c->pg, "BEGIN", rp->e) != DK_OK)
		return rp->e->status;
	if (rp->o->role != NULL) {
		char *q = pgconn_quote_ident(c->pg, rp->o->role), sql[600];
		snprintf(sql, sizeof(sql), "SET ROLE %s;", q != NULL ? q : "\"\"");
		free(q);
		if (pgconn_exec(c->pg, sql, rp->e) != DK_OK || replay_setting(rp, sql, strlen(sql)) != DK_OK)
			return rp->e->status;
	}
	return DK_OK;
}

/* CREATE DATABASE or TABLESPACE name: run aside, remembered in made. */
static int
create_aside(struct replay *rp, const char *sql, size_t n, unsigned long line, const char *what, const char *name,
	     struct names *made)
{
	int rc;

	log_trace(rp->o->log, "dump line %lu: creating %s \"%s\"", line, what, name);
	if ((rc = replay_exec_aside(rp, cur(rp)->db, sql, n, line)) == DK_OK) {
		replay_remember(made, name);
		rp->r->statements++;
	}
	return rc;
}

/* The cluster-wide part of a dump (pg_dumpall's roles and tablespaces, a
 * --create dump's database) must be visible to the databases that follow
 * and to CREATE DATABASE, which runs on a connection of its own: it
 * commits before the first of them, at line. Only cluster-wide statements
 * may commit so early: anything else is refused, or the dump could commit
 * its tables by switching database before it is verified. */
static int
commit_cluster_part(struct replay *rp, unsigned long line)
{
	struct pgpipe *c = cur(rp);

	if (rp->cluster_done)
		return DK_OK;
	if (rp->local_line > 0)
		return dk_fail(rp->e, DK_ESAFETY, "dump line %lu: a database switch or CREATE DATABASE or TABLESPACE "
			       "would commit what comes before it, and line %lu (\"%s\") is no role, tablespace or "
			       "setting; refused", line, rp->local_line, rp->local_first);
	rp->cluster_done = 1;
	/* What it made is no longer made in the transaction to come. */
	replay_names_free(&rp->dbs[rp->cur].made_here);
	memset(&rp->dbs[rp->cur].made_here, 0, sizeof(rp->dbs[rp->cur].made_here));
	log_trace(rp->o->log, "committing the cluster-wide part in %s", pgconn_where(c->pg));
	if (pgpipe_settle(c, rp->e) != DK_OK || pgconn_exec(c->pg, "COMMIT", rp->e) != DK_OK ||
	    pgconn_exec(c->pg, "BEGIN", rp->e) != DK_OK)
		return rp->e->status;
	return DK_OK;
}

int
replay_switch_db(struct replay *rp, const char *db, unsigned long line)
{
	int made = 0;

	if (rp->o->single_db)
		return dk_fail(rp->e, DK_ESAFETY, "dump line %lu: \\connect %s: this restore takes a single-database "
			       "dump; refused", line, db);
	if (rp->o->check_only) {
		free(rp->check_db);
		rp->check_db = strdup(db);
		return DK_OK;
	}
	if (commit_cluster_part(rp, line) != DK_OK)
		return rp->e->status;
	for (size_t i = 0; i < rp->ndbs; i++)
		if (strcmp(rp->dbs[i].pipe->db, db) == 0) {
			rp->cur = i;
			log_trace(rp->o->log, "switched to %s", pgconn_where(cur(rp)->pg));
			return DK_OK;
		}
	for (size_t i = 0; i < rp->dbs_made.n; i++)
		made |= strcmp(rp->dbs_made.v[i], db) == 0;
	return replay_open_db(rp, db, made);
}

int
replay_create_db(struct replay *rp, const char *sql, size_t n, unsigned long line)
{
	char *name = stmtclass_name(sql, n, STMT_CREATE_DB);
	int rc = DK_OK, exists;

	if (rp->o->single_db) {
		free(name);
		return dk_fail(rp->e, DK_ESAFETY, "dump line %lu: CREATE DATABASE: this restore takes a "
			       "single-database dump; refused", line);
	}
	if (name == NULL)
		return dk_fail(rp->e, DK_EDATA, "dump line %lu: CREATE DATABASE without a name", line);
	if (rp->o->check_only) {
		free(name);
		rp->r->statements++;
		return DK_OK;
	}
	exists = pgpipe_settle(cur(rp), rp->e) != DK_OK || commit_cluster_part(rp, line) != DK_OK ? -1 :
		pgconn_database_exists(cur(rp)->pg, name, rp->e);
	if (exists < 0) {
		rc = rp->e->status;
	} else if (exists) {
		rc = dk_fail(rp->e, DK_ESAFETY, "dump line %lu: database \"%s\" already exists; refusing to "
			     "restore over it (drop or rename it, or restore into another cluster)", line, name);
	} else {
		rc = create_aside(rp, sql, n, line, "database", name, &rp->dbs_made);
	}
	free(name);
	return rc;
}

int
replay_create_role(struct replay *rp, const char *sql, size_t n, unsigned long line)
{
	char *name = stmtclass_name(sql, n, STMT_CREATE_ROLE);
	const char *params[1];
	PGresult *res;
	int exists, rc;

	if (name == NULL)
		return replay_send_stmt(rp, sql, n, line, -1);
	if (pgpipe_settle(cur(rp), rp->e) != DK_OK) {
		free(name);
		return rp->e->status;
	}
	params[0] = name;
	res = PQexecParams(cur(rp)->pg, "SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = $1",
			   1, NULL, params, NULL, NULL, 0);
	exists = PQresultStatus(res) == PGRES_TUPLES_OK && atoi(PQgetvalue(res, 0, 0)) > 0;
	PQclear(res);
	if (exists) {
		/* pg_dumpall separates CREATE ROLE from ALTER ROLE so that the
		 * former may fail on an existing role, as it does for psql. */
		log_trace(rp->o->log, "dump line %lu: role \"%s\" exists, CREATE ROLE skipped", line, name);
		rp->r->skipped++;
		rc = DK_OK;
	} else {
		replay_remember(&rp->roles_made, name);
		rc = replay_send_stmt(rp, sql, n, line, -1);
	}
	free(name);
	return rc;
}

/* CREATE TABLESPACE: the databases and tables after it may be placed in
 * it, so it runs now, after the roles that may own it committed, and is
 * dropped again when the restore fails. */
int
replay_create_tablespace(struct replay *rp, const char *sql, size_t n, unsigned long line)
{
	char *name = stmtclass_name(sql, n, STMT_TABLESPACE);
	int rc;

	if (name == NULL)
		return dk_fail(rp->e, DK_EDATA, "dump line %lu: CREATE TABLESPACE without a name", line);
	if (commit_cluster_part(rp, line) != DK_OK) {
		free(name);
		return rp->e->status;
	}
	rc = create_aside(rp, sql, n, line, "tablespace", name, &rp->spaces_made);
	free(name);
	return rc;
}

void
replay_close_all(struct replay *rp)
{
	for (size_t i = 0; i < rp->ndbs; i++) {
		pgpipe_close(rp->dbs[i].pipe);
		replay_names_free(&rp->dbs[i].made_here);
	}
	rp->ndbs = 0;
}
