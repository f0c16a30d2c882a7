/* COPY ... FROM stdin in a restore: the data streamed from the reader's
 * buffer to the server up to its terminator line, its rows counted, and
 * FREEZE added where PostgreSQL takes it (a table made in the transaction,
 * no snapshot held). */
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "pgcopy.h"
#include "replay_int.h"

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
		if (replay_refill(rp) != DK_OK)
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
		if (replay_refill(rp) != DK_OK)
			return rp->e->status;
		replay_progress(rp, 0);
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
int
replay_note_for_freeze(struct target *t, const char *sql, size_t n)
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
	rc = partitioned ? 0 : replay_remember(&t->made_here, name);
	free(name);
	return rc;
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
		if (pd->v[i].db == rp->cur && replay_run_now(rp, sql, n, pd->v[i].line, stmtclass_kind(sql, n)) != DK_OK)
			return rp->e->status;
	}
	postdata_forget(pd, rp->cur);
	rp->dbs[rp->cur].deferring = 0;
	return DK_OK;
}

/* sql is NUL-terminated in the buffer in place of saved, which comes
 * back before the data is read (the buffer moves then). */
int
replay_copy_in(struct replay *rp, char *sql, size_t n, unsigned long line, char saved)
{
	char *table = stmtclass_name(sql, n, STMT_COPY), first[STMT_SNIP];
	int rc;

	if (table == NULL)
		return dk_fail(rp->e, DK_EDB, "out of memory");
	stmtclass_first_line(sql, n, first);
	rp->copy_table = replay_table_index(rp, table, !rp->o->check_only ? cur(rp)->db :
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
