#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgconn.h"
#include "pgpipe.h"

static void
on_notice(void *arg, const PGresult *res)
{
	struct pgpipe *c = arg;
	char msg[600];

	if (c->log == NULL || c->log->note == NULL)
		return;
	snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(res));
	msg[strcspn(msg, "\n")] = '\0';
	if (c->line != 0)
		log_note(c->log, "dump line %lu: %s", c->line, msg);
	else
		log_note(c->log, "%s", msg);
}

struct pgpipe *
pgpipe_open(const char *conninfo, const char *db, const struct dk_log *log, struct dk_err *e)
{
	struct pgpipe *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		dk_fail(e, DK_EDB, "out of memory");
		return NULL;
	}
	if ((c->pg = pgconn_open(conninfo, db, e)) == NULL || (c->db = strdup(PQdb(c->pg))) == NULL) {
		if (c->pg != NULL)
			dk_fail(e, DK_EDB, "out of memory");
		pgpipe_close(c);
		return NULL;
	}
	c->log = log;
	PQsetNoticeReceiver(c->pg, on_notice, c);
	return c;
}

void
pgpipe_close(struct pgpipe *c)
{
	if (c == NULL)
		return;
	PQfinish(c->pg);
	free(c->db);
	free(c);
}

int
pgpipe_fail(PGconn *pg, unsigned long line, const char *first, const PGresult *res, struct dk_err *e)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	/* One transaction locks every object it creates until it commits. */
	int locks = state != NULL && strcmp(state, "53200") == 0;

	dk_fail(e, DK_EDB, "dump line %lu: %s; statement \"%s\" (%s)%s",
		line, pgconn_result_msg(res), first, pgconn_where(pg),
		locks ? "; a restore in one transaction locks every object it creates: "
		"raise the server's max_locks_per_transaction" : "");
	return dk_err_line(e, line);
}

static int
lost(struct pgpipe *c, struct dk_err *e)
{
	return dk_fail(e, DK_EDB, "lost the connection to %s: %s", pgconn_where(c->pg), PQerrorMessage(c->pg));
}

int
pgpipe_drain(struct pgpipe *c, struct dk_err *e)
{
	int rc = DK_OK;

	if (!c->on || c->npending == 0)
		return DK_OK;
	if (!PQpipelineSync(c->pg))
		return lost(c, e);
	for (int i = 0; i < c->npending; i++) {
		PGresult *res;
		/* libpq reads a statement's notices with its answer. */
		c->line = c->q[i].line;
		while ((res = PQgetResult(c->pg)) != NULL) {
			int st = PQresultStatus(res);
			if (st == PGRES_FATAL_ERROR && rc == DK_OK)
				rc = pgpipe_fail(c->pg, c->q[i].line, c->q[i].first, res, e);
			else if (st == PGRES_COMMAND_OK && c->q[i].table >= 0 && c->rows != NULL)
				c->rows(c->arg, c->q[i].table, atoll(PQcmdTuples(res)));
			PQclear(res);
		}
	}
	c->line = 0;
	PGresult *res = PQgetResult(c->pg);
	if (PQresultStatus(res) != PGRES_PIPELINE_SYNC && rc == DK_OK)
		rc = lost(c, e);
	PQclear(res);
	/* Fail closed should anything have ended the transaction. */
	if (rc == DK_OK && PQtransactionStatus(c->pg) == PQTRANS_IDLE)
		rc = dk_fail(e, DK_EDB, "the restore's transaction ended before dump line %lu in %s",
			     c->q[c->npending - 1].line, pgconn_where(c->pg));
	c->npending = 0;
	return rc;
}

int
pgpipe_settle(struct pgpipe *c, struct dk_err *e)
{
	if (pgpipe_drain(c, e) != DK_OK)
		return e->status;
	if (c->on && !PQexitPipelineMode(c->pg))
		return dk_fail(e, DK_EDB, "cannot leave pipeline mode on %s: %s", pgconn_where(c->pg),
			       PQerrorMessage(c->pg));
	c->on = 0;
	return DK_OK;
}

int
pgpipe_send(struct pgpipe *c, const char *sql, size_t n, unsigned long line, long table, struct dk_err *e)
{
	if (!c->on) {
		if (!PQenterPipelineMode(c->pg))
			return dk_fail(e, DK_EDB, "cannot enter pipeline mode on %s", pgconn_where(c->pg));
		c->on = 1;
	}
	if (!PQsendQueryParams(c->pg, sql, 0, NULL, NULL, NULL, NULL, 0))
		return dk_fail(e, DK_EDB, "dump line %lu: cannot send to %s: %s", line, pgconn_where(c->pg),
			       PQerrorMessage(c->pg));
	struct pgpipe_pending *q = &c->q[c->npending++];
	q->line = line;
	q->table = table;
	stmtclass_first_line(sql, n, q->first);
	if (c->npending == PGPIPE_MAX)
		return pgpipe_drain(c, e);
	return DK_OK;
}

int
pgpipe_exec(struct pgpipe *c, const char *sql, size_t n, unsigned long line, struct dk_err *e)
{
	char first[STMT_SNIP];
	PGresult *res;
	int st;

	if (pgpipe_settle(c, e) != DK_OK)
		return e->status;
	c->line = line;
	res = PQexec(c->pg, sql);
	c->line = 0;
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		stmtclass_first_line(sql, n, first);
		pgpipe_fail(c->pg, line, first, res, e);
		PQclear(res);
		return DK_EDB;
	}
	PQclear(res);
	return DK_OK;
}
