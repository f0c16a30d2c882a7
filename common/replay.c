/* The orchestration of a restore: the reader's buffer, each scanner event
 * sent where it belongs (stmtclass says what a statement is, psqlmeta what
 * a meta-command does, replaydb makes databases, roles and tablespaces,
 * replaycopy streams COPY data, postdata holds back what -j builds later,
 * dumptrailer says whether the dump is whole), then replaycommit's commit,
 * or replayundo's undo of what could not be rolled back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "interrupt.h"
#include "pgconn.h"
#include "replay_int.h"
#include "vec.h"

#define BUF_INIT (1024 * 1024)

void
replay_progress(struct replay *rp, int done)
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

long
replay_table_index(struct replay *rp, const char *name, const char *db)
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

int
replay_send_stmt(struct replay *rp, const char *sql, size_t n, unsigned long line, long table)
{
	if (pgpipe_send(cur(rp), sql, n, line, table, rp->e) != DK_OK)
		return rp->e->status;
	rp->r->statements++;
	return DK_OK;
}

/* ---- meta-commands ---- */

static int
on_meta(struct replay *rp, const char *text, size_t n, unsigned long line)
{
	struct psqlmeta_cmd cmd;
	int rc;

	if ((rc = psqlmeta_parse(&rp->meta, text, n, line, &cmd, rp->e)) != DK_OK)
		return rc;
	if (cmd.what == PSQLMETA_CONNECT) {
		rc = replay_switch_db(rp, cmd.arg, line);
	} else if (cmd.what == PSQLMETA_ENCODING && !rp->o->check_only) {
		if (pgpipe_settle(cur(rp), rp->e) != DK_OK || PQsetClientEncoding(cur(rp)->pg, cmd.arg) != 0)
			rc = dk_fail(rp->e, DK_EDATA, "dump line %lu: \\encoding %s: unknown encoding", line, cmd.arg);
	}
	free(cmd.arg);
	return rc;
}

/* ---- statements ---- */

/* Sends a statement of the restore's transaction now. */
int
replay_run_now(struct replay *rp, const char *sql, size_t n, unsigned long line, enum stmt_kind k)
{
	struct target *t = &rp->dbs[rp->cur];
	long table = -1;

	if (replay_note_for_freeze(t, sql, n) != 0)
		return dk_fail(rp->e, DK_EDB, "out of memory");
	if (k == STMT_INSERT) {
		char *name = stmtclass_name(sql, n, STMT_INSERT);
		table = name != NULL ? replay_table_index(rp, name, t->pipe->db) : -1;
		free(name);
	}
	return replay_send_stmt(rp, sql, n, line, table);
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
		return replay_create_role(rp, sql, n, line);
	if (k == STMT_NONTX)
		return replay_hold(rp, sql, n, line);
	if (k == STMT_TABLESPACE)
		return replay_create_tablespace(rp, sql, n, line);
	if (stmtclass_is_setting(sql, n) && replay_setting(rp, sql, n) != DK_OK)
		return rp->e->status;
	if (rp->o->jobs > 1 && (t->deferring || k == STMT_INDEX)) {
		t->deferring = 1;
		return postdata_add(&rp->post, rp->cur, sql, n, line, k == STMT_INDEX, rp->e);
	}
	return replay_run_now(rp, sql, n, line, k);
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
		return replay_copy_in(rp, sql, n, line, saved);
	if (k == STMT_CREATE_DB) {
		rc = replay_create_db(rp, sql, n, line);
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

int
replay_refill(struct replay *rp)
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
			rc = replay_refill(rp);
			replay_progress(rp, 0);
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

/* ---- the whole restore ---- */

static int
restore(struct replay *rp)
{
	const struct replay_opts *o = rp->o;

	if (!o->check_only) {
		rp->first_db = o->dbname != NULL ? strdup(o->dbname) : pgconn_dbname(o->conninfo, rp->e);
		if (rp->first_db == NULL)
			return rp->e->status != DK_OK ? rp->e->status : dk_fail(rp->e, DK_EDB, "out of memory");
		if (replay_open_db(rp, rp->first_db, 0) != DK_OK)
			return rp->e->status;
	}
	if (scan_all(rp) != DK_OK)
		return rp->e->status;
	if (o->check_only)
		return DK_OK;
	if (replay_drain_all(rp) != DK_OK || replay_run_held(rp) != DK_OK || replay_commit_all(rp) != DK_OK)
		return rp->e->status;
	rp->committed = 1;
	if (replay_run_postdata(rp) != DK_OK)
		return rp->e->status;
	if (o->count_tables && replay_count_tables(rp) != DK_OK)
		return rp->e->status;
	if (o->analyze && replay_analyze_all(rp) != DK_OK)
		return rp->e->status;
	return DK_OK;
}

static void
replay_free(struct replay *rp)
{
	replay_close_all(rp);
	replay_names_free(&rp->dbs_made);
	replay_names_free(&rp->roles_made);
	replay_names_free(&rp->spaces_made);
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
	replay_progress(&rp, 1);
	/* A side database is dropped on failure, committed or not. */
	if (rc != DK_OK && (!rp.committed || o->aside) && !o->check_only) {
		char msg[sizeof(e->msg)];
		snprintf(msg, sizeof(msg), "%s", e->msg);
		if (!e->quiet)
			dk_refail(e, rc, "%s; nothing was restored", msg);
		replay_undo(&rp);
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
