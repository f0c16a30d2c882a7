#include "pgconn.h"
#include "pgcopy.h"

int
pgcopy_begin(struct pgpipe *c, const char *sql, const char *first, unsigned long line, struct dk_err *e)
{
	PGresult *res;

	if (pgpipe_settle(c, e) != DK_OK)
		return e->status;
	/* The COPY's notices and errors, rows included, are the line's. */
	c->line = line;
	res = PQexec(c->pg, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		pgpipe_fail(c->pg, line, first, res, e);
		PQclear(res);
		c->line = 0;
		return DK_EDB;
	}
	PQclear(res);
	return DK_OK;
}

int
pgcopy_put(struct pgpipe *c, const char *data, size_t n, struct dk_err *e)
{
	while (n > 0) {
		int chunk = n > (1u << 30) ? (1 << 30) : (int)n;
		if (PQputCopyData(c->pg, data, chunk) != 1)
			return dk_fail(e, DK_EDB, "cannot send COPY data to %s: %s", pgconn_where(c->pg),
				       PQerrorMessage(c->pg));
		data += chunk;
		n -= (size_t)chunk;
	}
	return DK_OK;
}

int
pgcopy_end(struct pgpipe *c, int ok, const char *first, unsigned long line, struct dk_err *e)
{
	PGresult *res;
	int rc = DK_OK;

	if (PQputCopyEnd(c->pg, ok ? NULL : "the dump is incomplete") != 1 && ok)
		rc = dk_fail(e, DK_EDB, "cannot end COPY on %s: %s", pgconn_where(c->pg), PQerrorMessage(c->pg));
	while ((res = PQgetResult(c->pg)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && ok && rc == DK_OK)
			rc = pgpipe_fail(c->pg, line, first, res, e);
		PQclear(res);
	}
	c->line = 0;
	return rc;
}
