/* The orchestration of a restore: the reader's buffer, each scanner event
 * sent where it belongs (stmtclass says what a statement is, psqlmeta what
 * a meta-command does, pgpipe and pgcopy talk to the server, postdata holds
 * back what -j builds later, dumptrailer says whether the dump is whole),
 * the commit, and the undo of what could not be rolled back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "dumpinput.h"
#include "dumptrailer.h"
#include "interrupt.h"
#include "pgconn.h"
#include "pgcopy.h"
#include "pgpipe.h"
#include "postdata.h"
#include "psqlmeta.h"
#include "replay.h"
#include "sqlscan.h"
#include "stmtclass.h"
#include "vec.h"

#define BUF_INIT (1024 * 1024)

/* Names of what the restore created outside its transaction. */
struct names {
	char **v;
	size_t n, cap;
};

/* A statement that cannot run in a transaction and takes effect at once
 * (ALTER SYSTEM): held until the whole dump has verified. */
struct held {
	char *sql;
	unsigned long line;
	size_t db;		/* the database it came in */
};

/* One database the restore writes. */
struct target {
	struct pgpipe *pipe;
	int deferring;		/* -j: its post-data began; the rest waits with it */
	/* The tables made in its transaction, which COPY may load FROZEN
	 * (PostgreSQL allows it for no other), until a cursor or prepared
	 * statement would make the server refuse. */
	struct names made_here;
	int snapshot_held;
};

/* Each restore session's settings, made before its transaction: index
 * builds sort in memory where the server's own setting is the built-in
 * 64MB (an operator's setting, in the server or PGOPTIONS, stands); with
 * -j, 1GB shared by the connections that build at once, 128MB each at
 * least. */
#define SESSION_SQL "SELECT pg_catalog.set_config('maintenance_work_mem', '%dMB', false) " \
	"FROM pg_catalog.pg_settings WHERE name = 'maintenance_work_mem' AND source = 'default';"

struct replay {
	const struct replay_opts *o;
	struct replay_result *r;
	struct dk_err *e;
	struct dumpinput in;
	char *buf;		/* the dump from the current statement on */
	size_t len, cap;
	int eof;
	struct sqlscan s;
	struct target *dbs;
	size_t ndbs, capdbs;
	size_t cur;		/* the database statements go to now */
	char *first_db;		/* the database the restore starts in */
	struct names dbs_made, roles_made, spaces_made;	/* to drop again on failure */
	struct held *held;	/* what waits for the dump to verify */
	size_t nheld, capheld;
	size_t max_statement;
	size_t captables;
	struct dumptrailer trailer;
	struct psqlmeta meta;
	struct postdata post;
	int cluster_done;	/* the part before the first switch committed */
	unsigned long local_line;	/* the first statement of that part that is not cluster-wide */
	char local_first[STMT_SNIP];
	char *check_db;		/* --check: the database the dump switched to */
	int committed;		/* the dump's transactions committed */
	long copy_table;	/* the table COPY fills, or -1 */
	long last_table;	/* lookup cache */
};

static struct pgpipe *
cur(struct replay *rp)
{
	return rp->dbs[rp->cur].pipe;
}

static void
progress(struct replay *rp, int done)
{
	char detail[600];
	const struct replay_table *t = rp->copy_table >= 0 ? &rp->r->tables[rp->copy_table] : NULL;

	if (rp->o->progress == NULL)
		return;
	if (t != NULL)
		snprintf(detail, sizeof(detail), "%s: %lld rows", t->name, t->dump_rows);
	if (done)
		progress_end(rp->o->progress, rp->in.bytes_in, NULL, t != NULL ? detail : NULL);
	else
		progress_update(rp->o->progress, rp->in.bytes_in, NULL, t != NULL ? detail : NULL);
}

static long
table_index(struct replay *rp, const char *name, const char *db)
{
	struct replay_result *r = rp->r;
	struct replay_table *t;

	if (rp->last_table >= 0 && strcmp(r->tables[rp->last_table].name, name) == 0 &&
	    strcmp(r->tables[rp->last_table].db, db) == 0)
		return rp->last_table;
	for (size_t i = 0; i < r->ntables; i++)
		if (strcmp(r->tables[i].name, name) == 0 && strcmp(r->tables[i].db, db) == 0)
			return rp->last_table = (long)i;
	if (vec_reserve((void **)&r->tables, &rp->captables, r->ntables + 1, sizeof(*r->tables)) != 0)
		return -1;
	t = &r->tables[r->ntables];
	t->name = strdup(name);
	t->db = strdup(db);
	t->dump_rows = 0;
	t->table_rows = -1;
	if (t->name == NULL || t->db == NULL) {
		free(t->name);
		free(t->db);
		return -1;
	}
	return rp->last_table = (long)r->ntables++;
}

static void
on_rows(void *arg, long table, long long n)
{
	struct replay *rp = arg;

	rp->r->tables[table].dump_rows += n;
}

static int
remember(struct names *l, const char *name)
{
	char *copy = strdup(name);

	if (copy == NULL || vec_reserve((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v)) != 0) {
		free(copy);
		return -1;
	}
	l->v[l->n++] = copy;
	return 0;
}

static void
names_free(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int
send_stmt(struct replay *rp, const char *sql, size_t n, unsigned long line, long table)
{
	if (pgpipe_send(cur(rp), sql, n, line, table, rp->e) != DK_OK)
		return rp->e->status;
	rp->r->statements++;
	return DK_OK;
}

/* Runs sql now on a connection of its own to db: what cannot run in a
 * transaction (CREATE DATABASE, CREATE TABLESPACE, ALTER SYSTEM). */
static int
exec_aside(struct replay *rp, const char *db, const char *sql, size_t n, unsigned long line)
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
static int
setting(struct replay *rp, const char *sql, size_t n)
{
	if (rp->o->jobs <= 1)
		return DK_OK;
	return postdata_setting(&rp->post, rp->cur, sql, n, rp->e);
}

/* Opens a connection for the restore: checked empty unless the dump made
 * the database, in a transaction, with --role's role. */
static int
open_db(struct replay *rp, const char *db, int made)
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
	if (pgconn_exec(c->pg, session, rp->e) != DK_OK || setting(rp, session, strlen(session)) != DK_OK ||
	    pgconn_exec(c->pg, "BEGIN", rp->e) != DK_OK)
		return rp->e->status;
	if (rp->o->role != NULL) {
		char *q = pgconn_quote_ident(c->pg, rp->o->role), sql[600];
		snprintf(sql, sizeof(sql), "SET ROLE %s;", q != NULL ? q : "\"\"");
		free(q);
		if (pgconn_exec(c->pg, sql, rp->e) != DK_OK || setting(rp, sql, strlen(sql)) != DK_OK)
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
	if ((rc = exec_aside(rp, cur(rp)->db, sql, n, line)) == DK_OK) {
		remember(made, name);
		rp->r->statements++;
	}
	return rc;
}

/* ---- meta-commands ---- */

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
	names_free(&rp->dbs[rp->cur].made_here);
	memset(&rp->dbs[rp->cur].made_here, 0, sizeof(rp->dbs[rp->cur].made_here));
	log_trace(rp->o->log, "committing the cluster-wide part in %s", pgconn_where(c->pg));
	if (pgpipe_settle(c, rp->e) != DK_OK || pgconn_exec(c->pg, "COMMIT", rp->e) != DK_OK ||
	    pgconn_exec(c->pg, "BEGIN", rp->e) != DK_OK)
		return rp->e->status;
	return DK_OK;
}

static int
switch_db(struct replay *rp, const char *db, unsigned long line)
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
	return open_db(rp, db, made);
}

static int
on_meta(struct replay *rp, const char *text, size_t n, unsigned long line)
{
	struct psqlmeta_cmd cmd;
	int rc;

	if ((rc = psqlmeta_parse(&rp->meta, text, n, line, &cmd, rp->e)) != DK_OK)
		return rc;
	if (cmd.what == PSQLMETA_CONNECT) {
		rc = switch_db(rp, cmd.arg, line);
	} else if (cmd.what == PSQLMETA_ENCODING && !rp->o->check_only) {
		if (pgpipe_settle(cur(rp), rp->e) != DK_OK || PQsetClientEncoding(cur(rp)->pg, cmd.arg) != 0)
			rc = dk_fail(rp->e, DK_EDATA, "dump line %lu: \\encoding %s: unknown encoding", line, cmd.arg);
	}
	free(cmd.arg);
	return rc;
}

/* ---- statements ---- */

static int
create_db(struct replay *rp, const char *sql, size_t n, unsigned long line)
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

static int
create_role(struct replay *rp, const char *sql, size_t n, unsigned long line)
{
	char *name = stmtclass_name(sql, n, STMT_CREATE_ROLE);
	const char *params[1];
	PGresult *res;
	int exists, rc;

	if (name == NULL)
		return send_stmt(rp, sql, n, line, -1);
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
		remember(&rp->roles_made, name);
		rc = send_stmt(rp, sql, n, line, -1);
	}
	free(name);
	return rc;
}

/* CREATE TABLESPACE: the databases and tables after it may be placed in
 * it, so it runs now, after the roles that may own it committed, and is
 * dropped again when the restore fails. */
static int
create_tablespace(struct replay *rp, const char *sql, size_t n, unsigned long line)
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

/* ALTER SYSTEM, VACUUM: they would take effect at once, whatever becomes
 * of the dump, and nothing after them needs them: they wait for it. */
static int
hold(struct replay *rp, const char *sql, size_t n, unsigned long line)
{
	struct held *h;

	if (vec_reserve((void **)&rp->held, &rp->capheld, rp->nheld + 1, sizeof(*rp->held)) != 0)
		return dk_fail(rp->e, DK_EDB, "out of memory");
	h = &rp->held[rp->nheld];
	if ((h->sql = strndup(sql, n)) == NULL)
		return dk_fail(rp->e, DK_EDB, "out of memory");
	h->line = line;
	h->db = rp->cur;
	rp->nheld++;
	log_trace(rp->o->log, "dump line %lu: held until the dump has verified", line);
	return DK_OK;
}

static int refill(struct replay *rp);

/* The rest of the COPY statement's line, then the data up to its
 * terminator line, streamed as the reader gets it. */
static int
copy_data(struct replay *rp, unsigned long line, const char *table)
{
	struct sqlscan *s = &rp->s;
	long t = rp->copy_table;
	int at_bol = 0;

	for (;;) {
		const char *nl = memchr(rp->buf + s->pos, '\n', rp->len - s->pos);
		if (nl != NULL) {
			sqlscan_skip(s, (size_t)(nl - (rp->buf + s->pos)) + 1, 1);
			at_bol = 1;
			break;
		}
		if (rp->eof)
			return dk_fail(rp->e, DK_EDATA, "the dump ends after the COPY of %s at line %lu, "
				       "before its data: incomplete", table, line);
		if (refill(rp) != DK_OK)
			return rp->e->status;
	}
	for (;;) {
		size_t data, term = 0;
		int found = sqlscan_copy_end(rp->buf + s->pos, rp->len - s->pos, at_bol, rp->eof, &data, &term);
		if (data > 0) {
			unsigned long rows = sqlscan_count_lines(rp->buf + s->pos, data);
			if (!rp->o->check_only && pgcopy_put(cur(rp), rp->buf + s->pos, data, rp->e) != DK_OK)
				return rp->e->status;
			at_bol = rp->buf[s->pos + data - 1] == '\n';
			rp->r->tables[t].dump_rows += (long long)rows;
			sqlscan_skip(s, data, rows);
		}
		if (found) {
			sqlscan_skip(s, term, rp->buf[s->pos + term - 1] == '\n');
			return DK_OK;
		}
		if (rp->eof)
			return dk_fail(rp->e, DK_EDATA, "the dump ends inside the COPY data of %s begun at line "
				       "%lu: incomplete", table, line);
		if (interrupt_requested())
			return dk_fail(rp->e, DK_EIO, "interrupted");
		if (refill(rp) != DK_OK)
			return rp->e->status;
		progress(rp, 0);
	}
}

/* The COPY sql (n bytes) into table with FREEZE added, malloc'ed, when
 * the server will take it: the table was made in this transaction, is
 * not partitioned, and no cursor or prepared statement holds a snapshot;
 * the rows then need no freezing by VACUUM later. NULL to run sql as it is. */
static char *
copy_frozen(struct replay *rp, const char *sql, size_t n, const char *table)
{
	const struct target *t = &rp->dbs[rp->cur];
	size_t at = stmtclass_copy_options_at(sql, n);
	char *out;
	int made = 0;

	for (size_t i = 0; i < t->made_here.n && !made; i++)
		made = strcmp(t->made_here.v[i], table) == 0;
	if (!made || t->snapshot_held || at == 0 || (out = malloc(n + sizeof(" (FREEZE)"))) == NULL)
		return NULL;
	memcpy(out, sql, at);
	memcpy(out + at, " (FREEZE)", sizeof(" (FREEZE)") - 1);
	memcpy(out + at + sizeof(" (FREEZE)") - 1, sql + at, n - at);
	out[n + sizeof(" (FREEZE)") - 1] = '\0';
	return out;
}

/* What a statement run in the transaction tells COPY FREEZE: a table
 * made, or a snapshot held from now on. */
static int
note_for_freeze(struct target *t, const char *sql, size_t n)
{
	int partitioned = 0, rc;
	char *name;

	if (stmtclass_holds_snapshot(sql, n)) {
		t->snapshot_held = 1;
		return 0;
	}
	if ((name = stmtclass_created_table(sql, n, &partitioned)) == NULL)
		return 0;
	/* PostgreSQL refuses FREEZE on a partitioned table: its rows go
	 * to partitions it would have to check one by one. */
	rc = partitioned ? 0 : remember(&t->made_here, name);
	free(name);
	return rc;
}

/* Sends a statement of the restore's transaction now. */
static int
run_now(struct replay *rp, const char *sql, size_t n, unsigned long line, enum stmt_kind k)
{
	struct target *t = &rp->dbs[rp->cur];
	long table = -1;

	if (note_for_freeze(t, sql, n) != 0)
		return dk_fail(rp->e, DK_EDB, "out of memory");
	if (k == STMT_INSERT) {
		char *name = stmtclass_name(sql, n, STMT_INSERT);
		table = name != NULL ? table_index(rp, name, t->pipe->db) : -1;
		free(name);
	}
	return send_stmt(rp, sql, n, line, table);
}

/* -j: a COPY after the post-data part began (a dump not in pg_dump's
 * order): what was held back runs now, in the dump's order, in the
 * restore's transaction, before the COPY, as without -j. */
static int
run_deferred(struct replay *rp, unsigned long line)
{
	struct postdata *pd = &rp->post;

	log_trace(rp->o->log, "dump line %lu: COPY after the indexes: what -j held back runs first", line);
	for (size_t i = 0; i < pd->n; i++) {
		const char *sql = pd->v[i].sql;
		size_t n = strlen(sql);
		if (pd->v[i].db == rp->cur && run_now(rp, sql, n, pd->v[i].line, stmtclass_kind(sql, n)) != DK_OK)
			return rp->e->status;
	}
	postdata_forget(pd, rp->cur);
	rp->dbs[rp->cur].deferring = 0;
	return DK_OK;
}

/* sql is NUL-terminated in the buffer in place of saved, which comes
 * back before the data is read (the buffer moves then). */
static int
copy_in(struct replay *rp, char *sql, size_t n, unsigned long line, char saved)
{
	char *table = stmtclass_name(sql, n, STMT_COPY), first[STMT_SNIP];
	int rc;

	if (table == NULL)
		return dk_fail(rp->e, DK_EDB, "out of memory");
	stmtclass_first_line(sql, n, first);
	rp->copy_table = table_index(rp, table, !rp->o->check_only ? cur(rp)->db :
				     rp->check_db != NULL ? rp->check_db : "-");
	if (rp->copy_table < 0) {
		free(table);
		return dk_fail(rp->e, DK_EDB, "out of memory");
	}
	if (!rp->o->check_only && rp->dbs[rp->cur].deferring && run_deferred(rp, line) != DK_OK) {
		free(table);
		return rp->e->status;
	}
	rp->r->statements++;
	if (!rp->o->check_only) {
		char *frozen = copy_frozen(rp, sql, n, table);
		rc = pgcopy_begin(cur(rp), frozen != NULL ? frozen : sql, first, line, rp->e);
		free(frozen);
		if (rc != DK_OK) {
			free(table);
			return rc;
		}
		log_trace(rp->o->log, "dump line %lu: COPY %s%s", line, table, frozen != NULL ? " (FREEZE)" : "");
	}
	sql[n] = saved;
	rc = copy_data(rp, line, table);
	if (!rp->o->check_only) {
		int end = pgcopy_end(cur(rp), rc == DK_OK, first, line, rp->e);
		rc = rc == DK_OK ? end : rc;
	}
	log_trace(rp->o->log, "COPY %s: %lld rows", table, rp->r->tables[rp->copy_table].dump_rows);
	rp->copy_table = -1;
	free(table);
	return rc;
}

/* A statement, or a meta-command line, longer than --max-statement. */
static int
too_long(struct replay *rp, unsigned long line)
{
	return dk_fail(rp->e, DK_ESAFETY, "dump line %lu: the statement there is longer than --max-statement "
		       "(%zu bytes); refused (raise --max-statement for a dump you trust)", line, rp->max_statement);
}

/* A statement the options or the restore's own transaction leave out. */
static int
left_out(const struct replay_opts *o, enum stmt_kind k)
{
	/* pg_dump's own BEGIN/COMMIT (around large objects) would end the
	 * restore's transaction early. */
	return k == STMT_TXN || (o->no_owner && k == STMT_OWNER) || (o->no_privileges && k == STMT_PRIV);
}

/* Runs or holds back a statement of the restore's transaction. */
static int
run_stmt(struct replay *rp, const char *sql, size_t n, unsigned long line, enum stmt_kind k)
{
	struct target *t = &rp->dbs[rp->cur];

	if (k == STMT_CREATE_ROLE)
		return create_role(rp, sql, n, line);
	if (k == STMT_NONTX)
		return hold(rp, sql, n, line);
	if (k == STMT_TABLESPACE)
		return create_tablespace(rp, sql, n, line);
	if (stmtclass_is_setting(sql, n) && setting(rp, sql, n) != DK_OK)
		return rp->e->status;
	if (rp->o->jobs > 1 && (t->deferring || k == STMT_INDEX)) {
		t->deferring = 1;
		return postdata_add(&rp->post, rp->cur, sql, n, line, k == STMT_INDEX, rp->e);
	}
	return run_now(rp, sql, n, line, k);
}

/* What no restore runs: DK_ESAFETY with the line, or DK_OK. */
static int
refuse(struct replay *rp, const char *sql, size_t n, unsigned long line, enum stmt_kind k)
{
	char words[STMT_SNIP];

	stmtclass_words(sql, n, words);
	if (k == STMT_TXN_END)
		return dk_fail(rp->e, DK_ESAFETY, "dump line %lu: a statement that would end the restore's "
			       "transaction (%s); refused", line, words);
	if (k == STMT_DROP)
		return dk_fail(rp->e, DK_ESAFETY, "dump line %lu: %s refused: a restore never destroys a "
			       "database or tablespace (dump without --clean)", line, words);
	if (k == STMT_PROGRAM && !rp->o->allow_program)
		return dk_fail(rp->e, DK_ESAFETY, "dump line %lu: %sCOPY ... PROGRAM would run a shell command on "
			       "the database server; refused (--allow-program allows it)", line,
			       strcmp(words, "DO") == 0 ? "a DO block with " : "");
	if (n > rp->max_statement)
		return too_long(rp, line);
	return DK_OK;
}

static int
on_statement(struct replay *rp, char *sql, size_t n, unsigned long line)
{
	enum stmt_kind k = stmtclass_kind(sql, n);
	char saved = sql[n];
	int rc;

	if (left_out(rp->o, k)) {
		rp->r->skipped++;
		return DK_OK;
	}
	if (refuse(rp, sql, n, line, k) != DK_OK)
		return rp->e->status;
	if (!rp->cluster_done && rp->local_line == 0 && !stmtclass_cluster_wide(sql, n, k)) {
		rp->local_line = line;
		stmtclass_first_line(sql, n, rp->local_first);
	}
	sql[n] = '\0';		/* the buffer always has a byte to spare */
	if (k == STMT_COPY)
		return copy_in(rp, sql, n, line, saved);
	if (k == STMT_CREATE_DB) {
		rc = create_db(rp, sql, n, line);
	} else if (rp->o->check_only) {
		rp->r->statements++;
		rc = DK_OK;
	} else {
		rc = run_stmt(rp, sql, n, line, k);
	}
	sql[n] = saved;
	return rc;
}

/* ---- the input buffer ---- */

static int
refill(struct replay *rp)
{
	size_t keep_from = rp->s.start;
	ssize_t n;

	if (keep_from > 0) {
		memmove(rp->buf, rp->buf + keep_from, rp->len - keep_from);
		rp->len -= keep_from;
		sqlscan_shift(&rp->s, keep_from);
	}
	if (rp->cap > 4 * BUF_INIT && rp->len < BUF_INIT / 2) {
		/* The huge statement is done: give its memory back. */
		char *b = realloc(rp->buf, BUF_INIT + 1);
		if (b != NULL) {
			rp->buf = b;
			rp->cap = BUF_INIT;
		}
	}
	if (rp->len == rp->cap) {
		/* One statement larger than the buffer: the buffer grows to it. */
		/* Statements stop at --max-statement; COPY data never waits
		 * for more than a line's start, so it is not bounded here. */
		size_t limit = rp->copy_table >= 0 ? SIZE_MAX : rp->max_statement + 1;
		size_t grow = rp->cap * 2 < limit ? rp->cap * 2 : limit;
		char *b = grow > rp->cap ? realloc(rp->buf, grow + 1) : NULL;
		if (grow <= rp->cap)
			return too_long(rp, rp->s.item_line);
		if (b == NULL)
			return dk_fail(rp->e, DK_EIO, "out of memory for a statement of %zu bytes at line %lu",
				       rp->len, rp->s.item_line);
		rp->buf = b;
		rp->cap = grow;
	}
	n = dumpinput_read(&rp->in, rp->buf + rp->len, rp->cap - rp->len, rp->e);
	if (n < 0)
		return rp->e->status;
	if (n == 0)
		rp->eof = 1;
	rp->len += (size_t)n;
	return DK_OK;
}

static int
finish_dump(struct replay *rp)
{
	/* The scanner numbers the line after the last newline; wc -l
	 * counts newlines. */
	rp->r->lines = rp->s.line - 1;
	if (psqlmeta_finish(&rp->meta, rp->s.line, rp->e) != DK_OK)
		return rp->e->status;
	return dumptrailer_check(&rp->trailer, rp->s.line, rp->e);
}

static int
scan_all(struct replay *rp)
{
	for (;;) {
		enum sqlscan_event ev = sqlscan_next(&rp->s, rp->buf, rp->len, rp->eof);
		char *text = rp->buf + rp->s.start;
		size_t n = rp->s.end - rp->s.start;
		int rc = DK_OK;

		if (interrupt_requested())
			return dk_fail(rp->e, DK_EIO, "interrupted");
		if (ev == SQLSCAN_COMMENT || ev == SQLSCAN_META)
			dumptrailer_line(&rp->trailer, text, n, rp->s.item_line);
		else if (ev == SQLSCAN_STATEMENT)
			dumptrailer_statement(&rp->trailer, text, n, rp->s.item_line);
		switch (ev) {
		case SQLSCAN_MORE:
			if (rp->len - rp->s.start > rp->max_statement)
				return too_long(rp, rp->s.item_line);
			rc = refill(rp);
			progress(rp, 0);
			break;
		case SQLSCAN_COMMENT:
			break;
		case SQLSCAN_META:
			rc = n > rp->max_statement ? too_long(rp, rp->s.item_line) : on_meta(rp, text, n, rp->s.item_line);
			break;
		case SQLSCAN_STATEMENT:
			rc = on_statement(rp, text, n, rp->s.item_line);
			break;
		case SQLSCAN_END:
			return finish_dump(rp);
		case SQLSCAN_INCOMPLETE:
			return dk_fail(rp->e, DK_EDATA, "the dump ends inside the statement that begins at line %lu: "
				       "incomplete", rp->s.item_line);
		case SQLSCAN_ERROR:
			return dk_fail(rp->e, DK_ESAFETY, "dump line %lu: a meta-command inside a statement; refused",
				       rp->s.line);
		}
		if (rc != DK_OK)
			return rc;
	}
}

/* ---- after the dump: commit, deferred statements, counts ---- */

/* Every statement sent has answered, and none failed. */
static int
drain_all(struct replay *rp)
{
	for (size_t i = 0; i < rp->ndbs; i++)
		if (pgpipe_settle(rp->dbs[i].pipe, rp->e) != DK_OK)
			return rp->e->status;
	return DK_OK;
}

static int
commit_all(struct replay *rp)
{
	for (size_t i = 0; i < rp->ndbs; i++) {
		struct pgpipe *c = rp->dbs[i].pipe;
		if (pgpipe_settle(c, rp->e) != DK_OK || pgconn_exec(c->pg, "COMMIT", rp->e) != DK_OK) {
			if (i > 0) {
				char msg[sizeof(rp->e->msg)];
				snprintf(msg, sizeof(msg), "%s", rp->e->msg);
				dk_refail(rp->e, DK_EDB, "%s; the databases before it were committed already", msg);
			}
			return rp->e->status;
		}
		log_trace(rp->o->log, "committed %s", pgconn_where(c->pg));
	}
	return DK_OK;
}

/* What waited for the dump to verify, in the dump's order, once every
 * statement has succeeded, just before the commit. */
static int
run_held(struct replay *rp)
{
	for (size_t i = 0; i < rp->nheld; i++) {
		struct held *h = &rp->held[i];
		log_trace(rp->o->log, "dump line %lu: running what was held", h->line);
		if (exec_aside(rp, rp->dbs[h->db].pipe->db, h->sql, strlen(h->sql), h->line) != DK_OK)
			return rp->e->status;
		rp->r->statements++;
	}
	return DK_OK;
}

/* -j: each database's indexes and keys, once all the data committed. */
static int
run_postdata(struct replay *rp)
{
	for (size_t i = 0; i < rp->ndbs; i++) {
		struct pgpipe *c = rp->dbs[i].pipe;
		size_t n = postdata_count(&rp->post, i);
		if (n == 0)
			continue;
		log_trace(rp->o->log, "building %zu post-data statements in %s with -j %d", n,
			  pgconn_where(c->pg), rp->o->jobs);
		if (postdata_run(&rp->post, i, rp->o->conninfo, c, rp->o->jobs, &rp->r->statements, rp->e) != DK_OK)
			return rp->e->status;
	}
	return DK_OK;
}

static struct pgpipe *
pipe_of(struct replay *rp, const char *db)
{
	for (size_t i = 0; i < rp->ndbs; i++)
		if (strcmp(rp->dbs[i].pipe->db, db) == 0)
			return rp->dbs[i].pipe;
	return NULL;
}

static int
count_tables(struct replay *rp)
{
	for (size_t i = 0; i < rp->r->ntables; i++) {
		struct replay_table *t = &rp->r->tables[i];
		struct pgpipe *c = pipe_of(rp, t->db);
		char sql[1200];
		if (c == NULL)
			continue;
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM ONLY %s", t->name);
		if ((t->table_rows = pgconn_query_count(c->pg, sql, rp->e)) < 0)
			return rp->e->status;
		rp->r->mismatches += t->table_rows != t->dump_rows;
	}
	return DK_OK;
}

static int
analyze_all(struct replay *rp)
{
	for (size_t i = 0; i < rp->ndbs; i++) {
		PGconn *pg = rp->dbs[i].pipe->pg;
		log_trace(rp->o->log, "ANALYZE in %s", pgconn_where(pg));
		if (pgconn_exec(pg, "ANALYZE", rp->e) != DK_OK)
			return rp->e->status;
	}
	return DK_OK;
}

static void
close_all(struct replay *rp)
{
	for (size_t i = 0; i < rp->ndbs; i++) {
		pgpipe_close(rp->dbs[i].pipe);
		names_free(&rp->dbs[i].made_here);
	}
	rp->ndbs = 0;
}

/* DROP kind name for each name, on pg. */
static void
undo_list(struct replay *rp, PGconn *pg, const char *kind, const struct names *l, const char *suffix)
{
	struct dk_err e2;

	dk_err_clear(&e2);
	for (size_t i = 0; i < l->n; i++) {
		char *q = pgconn_quote_ident(pg, l->v[i]), sql[600];
		snprintf(sql, sizeof(sql), "DROP %s IF EXISTS %s%s", kind, q, suffix);
		if (pgconn_exec(pg, sql, &e2) == DK_OK)
			log_trace(rp->o->log, "dropped %s %s again", kind, q);
		free(q);
	}
}

/* Undoes what autocommitted: the databases, tablespaces and roles the dump
 * created, in that order (a database may lie in a tablespace, a role own
 * either). */
static void
undo(struct replay *rp)
{
	struct dk_err e2;
	PGconn *pg;

	close_all(rp);
	if (rp->dbs_made.n == 0 && rp->roles_made.n == 0 && rp->spaces_made.n == 0)
		return;
	dk_err_clear(&e2);
	if ((pg = pgconn_open(rp->o->conninfo, rp->first_db, &e2)) == NULL)
		return;
	undo_list(rp, pg, "DATABASE", &rp->dbs_made, PQserverVersion(pg) >= 130000 ? " WITH (FORCE)" : "");
	undo_list(rp, pg, "TABLESPACE", &rp->spaces_made, "");
	undo_list(rp, pg, "ROLE", &rp->roles_made, "");
	PQfinish(pg);
}

static int
restore(struct replay *rp)
{
	const struct replay_opts *o = rp->o;

	if (!o->check_only) {
		rp->first_db = o->dbname != NULL ? strdup(o->dbname) : pgconn_dbname(o->conninfo, rp->e);
		if (rp->first_db == NULL)
			return rp->e->status != DK_OK ? rp->e->status : dk_fail(rp->e, DK_EDB, "out of memory");
		if (open_db(rp, rp->first_db, 0) != DK_OK)
			return rp->e->status;
	}
	if (scan_all(rp) != DK_OK)
		return rp->e->status;
	if (o->check_only)
		return DK_OK;
	if (drain_all(rp) != DK_OK || run_held(rp) != DK_OK || commit_all(rp) != DK_OK)
		return rp->e->status;
	rp->committed = 1;
	if (run_postdata(rp) != DK_OK)
		return rp->e->status;
	if (o->count_tables && count_tables(rp) != DK_OK)
		return rp->e->status;
	if (o->analyze && analyze_all(rp) != DK_OK)
		return rp->e->status;
	return DK_OK;
}

static void
replay_free(struct replay *rp)
{
	close_all(rp);
	names_free(&rp->dbs_made);
	names_free(&rp->roles_made);
	names_free(&rp->spaces_made);
	for (size_t i = 0; i < rp->nheld; i++)
		free(rp->held[i].sql);
	free(rp->held);
	free(rp->dbs);
	postdata_free(&rp->post);
	psqlmeta_free(&rp->meta);
	free(rp->first_db);
	free(rp->check_db);
	free(rp->buf);
	dumpinput_free(&rp->in);
}

int
replay_run(const struct replay_opts *o, int fd, struct replay_result *r, struct dk_err *e)
{
	struct replay rp;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&rp, 0, sizeof(rp));
	rp.o = o;
	rp.r = r;
	rp.e = e;
	rp.copy_table = rp.last_table = -1;
	rp.max_statement = o->max_statement > 0 ? o->max_statement : REPLAY_MAX_STATEMENT;
	dumpinput_init(&rp.in, fd);
	sqlscan_init(&rp.s);
	dumptrailer_init(&rp.trailer);
	psqlmeta_init(&rp.meta);
	postdata_init(&rp.post);
	rp.cap = BUF_INIT;
	if ((rp.buf = malloc(rp.cap + 1)) == NULL) {
		dumpinput_free(&rp.in);
		return dk_fail(e, DK_EIO, "out of memory");
	}
	rc = restore(&rp);
	r->bytes = rp.in.bytes_in;
	progress(&rp, 1);
	/* A side database is dropped on failure, committed or not. */
	if (rc != DK_OK && (!rp.committed || o->aside) && !o->check_only) {
		char msg[sizeof(e->msg)];
		snprintf(msg, sizeof(msg), "%s", e->msg);
		if (!e->quiet)
			dk_refail(e, rc, "%s; nothing was restored", msg);
		undo(&rp);
	}
	replay_free(&rp);
	return rc;
}

void
replay_result_free(struct replay_result *r)
{
	for (size_t i = 0; i < r->ntables; i++) {
		free(r->tables[i].name);
		free(r->tables[i].db);
	}
	free(r->tables);
	r->tables = NULL;
	r->ntables = 0;
}
