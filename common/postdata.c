#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include "buf.h"
#include "interrupt.h"
#include "pgconn.h"
#include "postdata.h"
#include "vec.h"

void
postdata_init(struct postdata *pd)
{
	memset(pd, 0, sizeof(*pd));
}

void
postdata_free(struct postdata *pd)
{
	for (size_t i = 0; i < pd->n; i++)
		free(pd->v[i].sql);
	free(pd->v);
	for (size_t i = 0; i < pd->nset; i++)
		free(pd->set[i].sql);
	free(pd->set);
	postdata_init(pd);
}

/* Appends a copy of sql (n bytes) for database db to the array *v of
 * *len statements: the new one, or NULL with e filled. */
static struct postdata_stmt *
push(struct postdata_stmt **v, size_t *len, size_t *cap, size_t db, const char *sql, size_t n, struct dk_err *e)
{
	struct postdata_stmt *s;

	if (vec_reserve((void **)v, cap, *len + 1, sizeof(**v)) != 0) {
		dk_fail(e, DK_EDB, "out of memory");
		return NULL;
	}
	s = &(*v)[*len];
	memset(s, 0, sizeof(*s));
	if ((s->sql = strndup(sql, n)) == NULL) {
		dk_fail(e, DK_EDB, "out of memory");
		return NULL;
	}
	s->db = db;
	(*len)++;
	return s;
}

int
postdata_add(struct postdata *pd, size_t db, const char *sql, size_t n, unsigned long line,
    int parallel, struct dk_err *e)
{
	size_t nset = pd->nset;
	struct postdata_stmt *s = push(&pd->v, &pd->n, &pd->cap, db, sql, n, e);

	if (s == NULL)
		return e->status;
	s->line = line;
	s->parallel = parallel;
	s->nset = nset;
	return DK_OK;
}

int
postdata_setting(struct postdata *pd, size_t db, const char *sql, size_t n, struct dk_err *e)
{
	return push(&pd->set, &pd->nset, &pd->capset, db, sql, n, e) != NULL ? DK_OK : e->status;
}

void
postdata_forget(struct postdata *pd, size_t db)
{
	size_t keep = 0;

	for (size_t i = 0; i < pd->n; i++) {
		if (pd->v[i].db == db)
			free(pd->v[i].sql);
		else
			pd->v[keep++] = pd->v[i];
	}
	pd->n = keep;
}

size_t
postdata_count(const struct postdata *pd, size_t db)
{
	size_t n = 0;

	for (size_t i = 0; i < pd->n; i++)
		n += pd->v[i].db == db;
	return n;
}

/* The next statement of db among v[n] for a connection of its own, from
 * *next on. */
static const struct postdata_stmt *
next_parallel(const struct postdata_stmt *v, size_t n, size_t db, size_t *next)
{
	while (*next < n && !(v[*next].parallel && v[*next].db == db))
		(*next)++;
	return *next < n ? &v[(*next)++] : NULL;
}

/* Waits for a worker's socket to be readable; an interruption fails. */
static int
wait_any(struct pgpipe **w, const struct postdata_stmt **busy, int jobs, fd_set *fds, int rc, struct dk_err *e)
{
	int maxfd = -1;

	FD_ZERO(fds);
	for (int j = 0; j < jobs; j++)
		if (busy[j] != NULL) {
			FD_SET(PQsocket(w[j]->pg), fds);
			maxfd = PQsocket(w[j]->pg) > maxfd ? PQsocket(w[j]->pg) : maxfd;
		}
	if (select(maxfd + 1, fds, NULL, NULL, NULL) < 0) {
		/* Interrupted: no new statements; the running ones end. */
		FD_ZERO(fds);
		if (interrupt_requested() && rc == DK_OK)
			return dk_fail(e, DK_EIO, "interrupted");
	}
	return rc;
}

/* Reads the answer of worker w's statement s. */
static int
collect(struct pgpipe *w, const struct postdata_stmt *s, int rc, struct dk_err *e)
{
	char first[STMT_SNIP];
	PGresult *res;

	while ((res = PQgetResult(w->pg)) != NULL) {
		int st = PQresultStatus(res);
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && rc == DK_OK) {
			stmtclass_first_line(s->sql, strlen(s->sql), first);
			rc = pgpipe_fail(w->pg, s->line, first, res, e);
		}
		PQclear(res);
	}
	w->line = 0;
	return rc;
}

/* Sends s on worker w, after the settings of db recorded before s that
 * w has not made yet (*made of them), in one query. */
static int
send_with_settings(const struct postdata *pd, size_t db, struct pgpipe *w, size_t *made,
    const struct postdata_stmt *s, struct dk_err *e)
{
	struct buf q = { 0 };
	int ok = 1, rc = DK_OK;

	for (; *made < s->nset && ok; (*made)++)
		if (pd->set[*made].db == db)
			ok = buf_append(&q, pd->set[*made].sql, strlen(pd->set[*made].sql)) == 0 &&
			    buf_append(&q, "\n", 1) == 0;
	ok = ok && buf_append(&q, s->sql, strlen(s->sql)) == 0;
	w->line = s->line;
	if (!ok)
		rc = dk_fail(e, DK_EDB, "out of memory");
	else if (!PQsendQuery(w->pg, q.p))
		rc = dk_fail(e, DK_EDB, "cannot send to %s", pgconn_where(w->pg));
	buf_free(&q);
	return rc;
}

/* Runs db's parallel statements among v[n] (there is one at least) on up
 * to jobs connections at once. */
static int
run_on_workers(const struct postdata *pd, const struct postdata_stmt *v, size_t n, size_t db,
    const char *conninfo, struct pgpipe *main, int jobs, unsigned long *statements, struct dk_err *e)
{
	struct pgpipe **w = calloc((size_t)jobs, sizeof(*w));
	const struct postdata_stmt **busy = calloc((size_t)jobs, sizeof(*busy)), *s;
	size_t *made = calloc((size_t)jobs, sizeof(*made)), next = 0, running = 0;
	int rc = DK_OK;
	fd_set fds;

	if (w == NULL || busy == NULL || made == NULL)
		rc = dk_fail(e, DK_EDB, "out of memory");
	for (int j = 0; j < jobs && rc == DK_OK; j++)
		if ((w[j] = pgpipe_open(conninfo, main->db, main->log, e)) == NULL)
			rc = e->status;
	for (;;) {
		for (int j = 0; j < jobs && rc == DK_OK; j++) {
			if (busy[j] != NULL || (s = next_parallel(v, n, db, &next)) == NULL)
				continue;
			if ((rc = send_with_settings(pd, db, w[j], &made[j], s, e)) != DK_OK)
				break;
			busy[j] = s;
			running++;
		}
		if (running == 0)
			break;
		rc = wait_any(w, busy, jobs, &fds, rc, e);
		for (int j = 0; j < jobs; j++) {
			if (busy[j] == NULL || !FD_ISSET(PQsocket(w[j]->pg), &fds))
				continue;
			PQconsumeInput(w[j]->pg);
			if (PQisBusy(w[j]->pg))
				continue;
			rc = collect(w[j], busy[j], rc, e);
			(*statements)++;
			busy[j] = NULL;
			running--;
		}
	}
	for (int j = 0; j < jobs && w != NULL; j++)
		pgpipe_close(w[j]);
	free(w);
	free(busy);
	free(made);
	return rc;
}

/* The same, opening no connection when there is nothing to run. */
static int
run_parallel(const struct postdata *pd, const struct postdata_stmt *v, size_t n, size_t db, const char *conninfo,
    struct pgpipe *main, int jobs, unsigned long *statements, struct dk_err *e)
{
	size_t first = 0;

	if (next_parallel(v, n, db, &first) == NULL)
		return DK_OK;	/* no connection to open */
	return run_on_workers(pd, v, n, db, conninfo, main, jobs, statements, e);
}

/* Sends s on main: a foreign key as NOT VALID, its validation pushed on
 * *val for later (it then counts as run there). */
static int
send_serial(const struct postdata_stmt *s, struct pgpipe *main, struct postdata_stmt **val, size_t *nval,
    size_t *capval, unsigned long *statements, struct dk_err *e)
{
	size_t n = strlen(s->sql), at;
	char *check = stmtclass_foreign_key(s->sql, n, &at);
	struct postdata_stmt *v;
	struct buf q = { 0 };
	int rc;

	if (check == NULL) {
		if ((rc = pgpipe_send(main, s->sql, n, s->line, -1, e)) == DK_OK)
			(*statements)++;
		return rc;
	}
	if ((v = push(val, nval, capval, s->db, check, strlen(check), e)) == NULL) {
		free(check);
		return e->status;
	}
	free(check);
	v->line = s->line;
	v->parallel = 1;
	v->nset = s->nset;
	if (buf_append(&q, s->sql, at) != 0 || buf_append(&q, " NOT VALID", 10) != 0 ||
	    buf_append(&q, s->sql + at, n - at) != 0) {
		buf_free(&q);
		return dk_fail(e, DK_EDB, "out of memory");
	}
	rc = pgpipe_send(main, q.p, n + 10, s->line, -1, e);
	buf_free(&q);
	return rc;
}

static void
stmts_free(struct postdata_stmt *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].sql);
	free(v);
}

int
postdata_run(const struct postdata *pd, size_t db, const char *conninfo, struct pgpipe *main,
    int jobs, unsigned long *statements, struct dk_err *e)
{
	struct postdata_stmt *val = NULL;
	size_t nval = 0, capval = 0;
	int rc = DK_OK;

	if (postdata_count(pd, db) == 0)
		return DK_OK;
	if (run_parallel(pd, pd->v, pd->n, db, conninfo, main, jobs, statements, e) != DK_OK)
		return e->status;
	if (pgconn_exec(main->pg, "BEGIN", e) != DK_OK)
		return e->status;
	/* The rest in one transaction, but foreign keys are only added
	 * there: checking their rows, a join over both tables each, takes
	 * no lock that keeps another check out, so they run afterwards,
	 * side by side. */
	for (size_t i = 0; i < pd->n && rc == DK_OK; i++)
		if (pd->v[i].db == db && !pd->v[i].parallel)
			rc = send_serial(&pd->v[i], main, &val, &nval, &capval, statements, e);
	if (rc == DK_OK && pgpipe_settle(main, e) == DK_OK && pgconn_exec(main->pg, "COMMIT", e) == DK_OK)
		rc = run_parallel(pd, val, nval, db, conninfo, main, jobs, statements, e);
	else
		rc = e->status;
	stmts_free(val, nval);
	return rc;
}
