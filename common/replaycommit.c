/* The end of a restore: what waits for the dump to verify (ALTER SYSTEM,
 * VACUUM), the commit of each database once every statement answered,
 * and what follows it: -j's post-data, the row counts, ANALYZE. */
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "pgconn.h"
#include "replay_int.h"
#include "vec.h"

/* ALTER SYSTEM, VACUUM: they would take effect at once, whatever becomes
 * of the dump, and nothing after them needs them: they wait for it. */
int
replay_hold(struct replay *rp, const char *sql, size_t n, unsigned long line)
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

/* Every statement sent has answered, and none failed. */
int
replay_drain_all(struct replay *rp)
{
	for (size_t i = 0; i < rp->ndbs; i++)
		if (pgpipe_settle(rp->dbs[i].pipe, rp->e) != DK_OK)
			return rp->e->status;
	return DK_OK;
}

int
replay_commit_all(struct replay *rp)
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
int
replay_run_held(struct replay *rp)
{
	for (size_t i = 0; i < rp->nheld; i++) {
		struct held *h = &rp->held[i];
		log_trace(rp->o->log, "dump line %lu: running what was held", h->line);
		if (replay_exec_aside(rp, rp->dbs[h->db].pipe->db, h->sql, strlen(h->sql), h->line) != DK_OK)
			return rp->e->status;
		rp->r->statements++;
	}
	return DK_OK;
}

/* -j: each database's indexes and keys, once all the data committed. */
int
replay_run_postdata(struct replay *rp)
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

int
replay_count_tables(struct replay *rp)
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

int
replay_analyze_all(struct replay *rp)
{
	for (size_t i = 0; i < rp->ndbs; i++) {
		PGconn *pg = rp->dbs[i].pipe->pg;
		log_trace(rp->o->log, "ANALYZE in %s", pgconn_where(pg));
		if (pgconn_exec(pg, "ANALYZE", rp->e) != DK_OK)
			return rp->e->status;
	}
	return DK_OK;
}
