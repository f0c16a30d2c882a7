#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <time.h>

#include <libpq-fe.h>

#include "interrupt.h"
#include "dumpinput.h"
#include "io.h"
#include "pgconn.h"
#include "replay.h"
#include "sqlscan.h"

#define BUF_INIT (1024 * 1024)
#define PIPE_MAX 256		/* statements in flight before their answers are read */
#define SNIP 72			/* how much of a statement's first line messages quote */

/* What a statement in flight needs for its answer: where it came from. */
struct pending {
	unsigned long line;
	char first[SNIP];
	long table;		/* an INSERT's table, for the row count; -1 */
};

struct conn {
	PGconn *pg;
	char *db;
	int pipeline;		/* in libpq's pipeline mode */
	int npending;
	struct pending q[PIPE_MAX];
};

struct deferred {
	char *sql;
	unsigned long line;
	int parallel;		/* an index or key: may run on its own connection */
};

struct replay {
	const struct replay_opts *o;
	struct replay_result *r;
	struct dk_err *e;
	struct dumpinput in;
	char *buf;		/* the dump from the current statement on */
	size_t len, cap;
	int eof;
	struct sqlscan s;
	struct conn *conns;
	size_t nconns;
	struct conn *cur;
	char *first_db;		/* the database the restore starts in */
	char **dbs_made, **roles_made;
	size_t ndbs_made, nroles_made;
	int cluster;		/* pg_dumpall's header seen */
	int trailer;		/* the completion trailer seen, nothing after it */
	int cluster_done;	/* the part before the first switch committed */
	char *check_db;		/* --check: the database the dump switched to */
	char *key;		/* \restrict's key while restricted */
	struct deferred *defer;
	size_t ndefer, capdefer;
	int deferring;
	int committed;		/* the dump's transactions committed */
	struct timespec t0;
	double last_progress;
	uint64_t total;		/* the input's size, when known */
	long copy_table;	/* the table COPY fills, or -1 */
	long last_table;	/* lookup cache */
};

enum kind {
	K_OTHER, K_TXN, K_TXN_END, K_COPY, K_OWNER, K_PRIV, K_CREATE_DB, K_DROP_DB, K_NONTX,
	K_CREATE_ROLE, K_INDEX, K_INSERT,
};

static double
elapsed(const struct replay *rp)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - rp->t0.tv_sec) + (double)(t.tv_nsec - rp->t0.tv_nsec) / 1e9;
}

static void
progress(struct replay *rp, int done)
{
	struct replay_progress p;
	double now;

	if (rp->o->progress == NULL)
		return;
	now = elapsed(rp);
	if (!done && now - rp->last_progress < 1.0)
		return;
	rp->last_progress = now;
	p.bytes = rp->in.bytes_in;
	p.total = rp->total;
	p.seconds = now;
	p.table = rp->copy_table >= 0 ? rp->r->tables[rp->copy_table].name : NULL;
	p.rows = rp->copy_table >= 0 ? (uint64_t)rp->r->tables[rp->copy_table].dump_rows : 0;
	p.done = done;
	rp->o->progress(rp->o->arg, &p);
}

static void
trace(struct replay *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
trace(struct replay *rp, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (rp->o->trace == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rp->o->trace(rp->o->arg, msg);
}

static void
on_notice(void *arg, const PGresult *res)
{
	struct replay *rp = arg;
	char msg[600];

	if (rp->o->notice == NULL)
		return;
	snprintf(msg, sizeof(msg), "near line %lu: %s", rp->s.item_line, PQresultErrorMessage(res));
	msg[strcspn(msg, "\n")] = '\0';
	rp->o->notice(rp->o->arg, msg);
}

/* The first line of a statement, short enough for a message. */
static void
first_line(const char *text, size_t n, char *out)
{
	size_t i = 0;

	while (i < n && i < SNIP - 4 && text[i] != '\n' && text[i] != '\r') {
		out[i] = text[i];
		i++;
	}
	if (i < n && text[i] != '\n' && text[i] != '\r' && i == SNIP - 4)
		memcpy(out + i, "...", 3), i += 3;
	out[i] = '\0';
}

/* Matches the words of want ("CREATE DATABASE"), case-insensitively and
 * with any blanks between them; returns what follows, or NULL. */
static const char *
match_words(const char *p, const char *end, const char *want)
{
	while (*want != '\0') {
		if (*want == ' ') {
			if (p == end || !isspace((unsigned char)*p))
				return NULL;
			while (p < end && isspace((unsigned char)*p))
				p++;
			want++;
			continue;
		}
		if (p == end || toupper((unsigned char)*p) != *want)
			return NULL;
		p++;
		want++;
	}
	if (p < end && (isalnum((unsigned char)*p) || *p == '_'))
		return NULL;
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

static int
contains_ci(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	for (; p + n <= end; p++)
		if (strncasecmp(p, needle, n) == 0)
			return 1;
	return 0;
}

/* Transaction control: the restore owns the transaction. Statements that
 * would only open or commit it are left out; those that would roll it
 * back or hand it to two-phase commit are refused. */
static enum kind
txn_kind(const char *p, const char *end)
{
	static const char *const refused[] = { "COMMIT PREPARED", "ROLLBACK PREPARED", "PREPARE TRANSACTION" };
	static const char *const skipped[] = { "BEGIN", "START TRANSACTION", "COMMIT", "END" };

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (match_words(p, end, refused[i]) != NULL)
			return K_TXN_END;
	if (match_words(p, end, "ROLLBACK TO") != NULL)
		return K_OTHER;
	if (match_words(p, end, "ROLLBACK") != NULL || match_words(p, end, "ABORT") != NULL)
		return K_TXN_END;
	for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++)
		if (match_words(p, end, skipped[i]) != NULL)
			return K_TXN;
	return K_OTHER;
}

static enum kind
classify(const char *p, size_t n)
{
	const char *end = p + n, *q;
	static const char *const nontx[] = { "CREATE TABLESPACE", "DROP TABLESPACE", "ALTER SYSTEM", "VACUUM" };
	enum kind k = txn_kind(p, end);

	if (k != K_OTHER)
		return k;
	if (match_words(p, end, "COPY") != NULL && contains_ci(p, end, " FROM stdin"))
		return K_COPY;
	if ((match_words(p, end, "ALTER") != NULL && contains_ci(p, end, " OWNER TO ")) ||
	    match_words(p, end, "SET SESSION AUTHORIZATION") != NULL)
		return K_OWNER;
	if (match_words(p, end, "GRANT") != NULL || match_words(p, end, "REVOKE") != NULL ||
	    match_words(p, end, "ALTER DEFAULT PRIVILEGES") != NULL)
		return K_PRIV;
	if (match_words(p, end, "CREATE DATABASE") != NULL)
		return K_CREATE_DB;
	if (match_words(p, end, "DROP DATABASE") != NULL)
		return K_DROP_DB;
	for (size_t i = 0; i < sizeof(nontx) / sizeof(nontx[0]); i++)
		if (match_words(p, end, nontx[i]) != NULL)
			return K_NONTX;
	if ((q = match_words(p, end, "CREATE ROLE")) != NULL && memchr(q, ' ', (size_t)(end - q)) == NULL)
		return K_CREATE_ROLE;
	if (match_words(p, end, "CREATE INDEX") != NULL || match_words(p, end, "CREATE UNIQUE INDEX") != NULL)
		return K_INDEX;
	if (match_words(p, end, "ALTER TABLE") != NULL &&
	    (contains_ci(p, end, " PRIMARY KEY ") || contains_ci(p, end, " UNIQUE (") ||
	     contains_ci(p, end, " EXCLUDE USING ")) && contains_ci(p, end, " ADD CONSTRAINT "))
		return K_INDEX;
	if (match_words(p, end, "INSERT INTO") != NULL)
		return K_INSERT;
	return K_OTHER;
}

/* A relation name as the dump writes it (schema.name, quotes kept), up to
 * a blank or parenthesis. */
static char *
read_relname(const char *p, const char *end)
{
	const char *q = p;
	int quoted = 0;

	while (q < end && (quoted || (!isspace((unsigned char)*q) && *q != '(' && *q != ';'))) {
		if (*q == '"')
			quoted = !quoted;
		q++;
	}
	return strndup(p, (size_t)(q - p));
}

/* An identifier as SQL reads it: "Quoted" kept as is, else folded to
 * lower case. For database and role names. */
static char *
read_ident(const char *p, const char *end)
{
	char out[256];
	size_t n = 0;

	if (p < end && *p == '"') {
		for (p++; p < end && n < sizeof(out) - 1; p++) {
			if (*p == '"') {
				if (p + 1 < end && p[1] == '"')
					p++;
				else
					break;
			}
			out[n++] = *p;
		}
	} else {
		while (p < end && n < sizeof(out) - 1 && (isalnum((unsigned char)*p) || *p == '_' || *p == '$' ||
							(unsigned char)*p >= 0x80))
			out[n++] = (char)tolower((unsigned char)*p++);
	}
	out[n] = '\0';
	return n > 0 ? strdup(out) : NULL;
}

static long
table_index(struct replay *rp, const char *name, const char *db)
{
	struct replay_result *r = rp->r;

	if (rp->last_table >= 0 && strcmp(r->tables[rp->last_table].name, name) == 0 &&
	    strcmp(r->tables[rp->last_table].db, db) == 0)
		return rp->last_table;
	for (size_t i = 0; i < r->ntables; i++)
		if (strcmp(r->tables[i].name, name) == 0 && strcmp(r->tables[i].db, db) == 0)
			return rp->last_table = (long)i;
	struct replay_table *t = realloc(r->tables, (r->ntables + 1) * sizeof(*t));
	if (t == NULL)
		return -1;
	r->tables = t;
	t = &r->tables[r->ntables];
	t->name = strdup(name);
	t->db = strdup(db);
	t->dump_rows = 0;
	t->table_rows = -1;
	return rp->last_table = (long)r->ntables++;
}

static int
remember(char ***list, size_t *n, const char *name)
{
	char **l = realloc(*list, (*n + 1) * sizeof(*l));

	if (l == NULL)
		return -1;
	*list = l;
	l[(*n)++] = strdup(name);
	return 0;
}

/* ---- talking to the server ---- */

static int
sql_fail(struct replay *rp, struct conn *c, unsigned long line, const char *first, const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	/* One transaction locks every object it creates until it commits. */
	int locks = state != NULL && strcmp(state, "53200") == 0;

	return dk_fail(rp->e, DK_EDB, "dump line %lu: %s; statement \"%s\" (%s)%s",
		       line, pgconn_result_msg(res), first, pgconn_where(c->pg),
		       locks ? "; a restore in one transaction locks every object it creates: "
		       "raise the server's max_locks_per_transaction" : "");
}

/* Reads the answers of the statements in flight. */
static int
drain(struct replay *rp, struct conn *c)
{
	int rc = DK_OK;

	if (!c->pipeline || c->npending == 0)
		return DK_OK;
	if (!PQpipelineSync(c->pg))
		return dk_fail(rp->e, DK_EDB, "lost the connection to %s: %s", pgconn_where(c->pg),
			       PQerrorMessage(c->pg));
	for (int i = 0; i < c->npending; i++) {
		PGresult *res;
		while ((res = PQgetResult(c->pg)) != NULL) {
			int st = PQresultStatus(res);
			if (st == PGRES_FATAL_ERROR && rc == DK_OK)
				rc = sql_fail(rp, c, c->q[i].line, c->q[i].first, res);
			else if (st == PGRES_COMMAND_OK && c->q[i].table >= 0)
				rp->r->tables[c->q[i].table].dump_rows += atoll(PQcmdTuples(res));
			PQclear(res);
		}
	}
	PGresult *res = PQgetResult(c->pg);
	if (PQresultStatus(res) != PGRES_PIPELINE_SYNC && rc == DK_OK)
		rc = dk_fail(rp->e, DK_EDB, "lost the connection to %s: %s", pgconn_where(c->pg),
			     PQerrorMessage(c->pg));
	PQclear(res);
	/* Fail closed should anything have ended the transaction. */
	if (rc == DK_OK && PQtransactionStatus(c->pg) == PQTRANS_IDLE)
		rc = dk_fail(rp->e, DK_EDB, "the restore's transaction ended before dump line %lu in %s",
			     c->q[c->npending - 1].line, pgconn_where(c->pg));
	c->npending = 0;
	return rc;
}

/* Leaves pipeline mode, for COPY and statements that need an answer now. */
static int
settle(struct replay *rp, struct conn *c)
{
	if (drain(rp, c) != DK_OK)
		return rp->e->status;
	if (c->pipeline && !PQexitPipelineMode(c->pg))
		return dk_fail(rp->e, DK_EDB, "cannot leave pipeline mode on %s: %s", pgconn_where(c->pg),
			       PQerrorMessage(c->pg));
	c->pipeline = 0;
	return DK_OK;
}

static int
send_stmt(struct replay *rp, const char *sql, size_t n, unsigned long line, long table)
{
	struct conn *c = rp->cur;

	if (!c->pipeline) {
		if (!PQenterPipelineMode(c->pg))
			return dk_fail(rp->e, DK_EDB, "cannot enter pipeline mode on %s", pgconn_where(c->pg));
		c->pipeline = 1;
	}
	if (!PQsendQueryParams(c->pg, sql, 0, NULL, NULL, NULL, NULL, 0))
		return dk_fail(rp->e, DK_EDB, "dump line %lu: cannot send to %s: %s", line, pgconn_where(c->pg),
			       PQerrorMessage(c->pg));
	struct pending *q = &c->q[c->npending++];
	q->line = line;
	q->table = table;
	first_line(sql, n, q->first);
	rp->r->statements++;
	if (c->npending == PIPE_MAX)
		return drain(rp, c);
	return DK_OK;
}

/* Runs sql now, outside the pipeline, on connection c. */
static int
exec_now(struct replay *rp, struct conn *c, const char *sql, size_t n, unsigned long line)
{
	char first[SNIP];
	PGresult *res;
	int st;

	if (settle(rp, c) != DK_OK)
		return rp->e->status;
	res = PQexec(c->pg, sql);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		first_line(sql, n, first);
		sql_fail(rp, c, line, first, res);
		PQclear(res);
		return DK_EDB;
	}
	PQclear(res);
	return DK_OK;
}

/* Opens a connection for the restore: checked empty unless the dump made
 * the database, in a transaction, with --role's role. */
static struct conn *
open_conn(struct replay *rp, const char *db, int made)
{
	struct conn *cs = realloc(rp->conns, (rp->nconns + 1) * sizeof(*cs));
	PGconn *pg;

	if (cs == NULL) {
		dk_fail(rp->e, DK_EDB, "out of memory");
		return NULL;
	}
	rp->conns = cs;
	if ((pg = pgconn_open(rp->o->conninfo, db, rp->e)) == NULL)
		return NULL;
	struct conn *c = &cs[rp->nconns++];
	memset(c, 0, sizeof(*c));
	c->pg = pg;
	c->db = strdup(PQdb(pg));
	PQsetNoticeReceiver(pg, on_notice, rp);
	rp->r->databases++;
	trace(rp, "connected to %s", pgconn_where(pg));
	if (!made) {
		long long n = pgconn_user_tables(pg, rp->e);
		if (n < 0)
			return NULL;
		if (n > 0) {
			dk_fail(rp->e, DK_ESAFETY, "%s already holds %lld user tables; refusing to restore into it "
				"(restore into an empty or new database with --create, or use --replace)",
				pgconn_where(pg), n);
			return NULL;
		}
	}
	if (pgconn_exec(pg, "BEGIN", rp->e) != DK_OK)
		return NULL;
	if (rp->o->role != NULL) {
		char *q = pgconn_quote_ident(pg, rp->o->role), sql[600];
		snprintf(sql, sizeof(sql), "SET ROLE %s", q != NULL ? q : "\"\"");
		free(q);
		if (pgconn_exec(pg, sql, rp->e) != DK_OK)
			return NULL;
	}
	return c;
}

/* ---- meta-commands ---- */

/* One argument of a meta-command as psql splits them: 'single' (with ''
 * and backslash escapes), "double" (kept as written, quotes dropped) or a
 * bare word. NULL when there is none. */
static char *
meta_arg(const char **pp, const char *end)
{
	const char *p = *pp;
	char *out, *o;

	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p == end)
		return NULL;
	out = o = malloc((size_t)(end - p) + 1);
	if (out == NULL)
		return NULL;
	while (p < end && !isspace((unsigned char)*p)) {
		char q = *p;
		if (q != '\'' && q != '"') {
			*o++ = *p++;
			continue;
		}
		for (p++; p < end; p++) {
			if (*p == q && p + 1 < end && p[1] == q)
				*o++ = *p++;
			else if (*p == q)
				break;
			else if (q == '\'' && *p == '\\' && p + 1 < end)
				*o++ = *++p;
			else
				*o++ = *p;
		}
		if (p < end)
			p++;
	}
	*o = '\0';
	*pp = p;
	return out;
}

/* The database a \connect argument names: a name, or a connection string
 * that may say nothing but dbname. */
static char *
connect_target(struct replay *rp, const char *arg, unsigned long line)
{
	PQconninfoOption *opts;
	char *err = NULL, *db = NULL;

	if (strchr(arg, '=') == NULL && strncmp(arg, "postgres://", 11) != 0 && strncmp(arg, "postgresql://", 13) != 0)
		return strdup(arg);
	if ((opts = PQconninfoParse(arg, &err)) == NULL) {
		dk_fail(rp->e, DK_EDATA, "dump line %lu: malformed \\connect argument: %s", line,
			err != NULL ? err : "out of memory");
		PQfreemem(err);
		return NULL;
	}
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "dbname") != 0) {
			dk_fail(rp->e, DK_ESAFETY, "dump line %lu: \\connect changes %s, not only the database; refused",
				line, o->keyword);
			break;
		}
		free(db);
		db = strdup(o->val);
	}
	PQconninfoFree(opts);
	if (rp->e->status != DK_OK) {
		free(db);
		return NULL;
	}
	if (db == NULL)
		dk_fail(rp->e, DK_EDATA, "dump line %lu: \\connect names no database", line);
	return db;
}

/* The cluster-wide part of a dump (pg_dumpall's roles and tablespaces, a
 * --create dump's database) must be visible to the databases that follow
 * and to CREATE DATABASE, which runs on a connection of its own: it
 * commits before the first of them. */
static int
commit_cluster_part(struct replay *rp)
{
	struct conn *c = rp->cur;

	if (rp->cluster_done)
		return DK_OK;
	rp->cluster_done = 1;
	trace(rp, "committing the cluster-wide part in %s", pgconn_where(c->pg));
	if (settle(rp, c) != DK_OK || pgconn_exec(c->pg, "COMMIT", rp->e) != DK_OK ||
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
	if (rp->deferring)
		return dk_fail(rp->e, DK_EUSAGE, "dump line %lu: -j takes a single-database dump", line);
	rp->trailer = 0;
	if (rp->o->check_only) {
		free(rp->check_db);
		rp->check_db = strdup(db);
		return DK_OK;
	}
	if (commit_cluster_part(rp) != DK_OK)
		return rp->e->status;
	for (size_t i = 0; i < rp->nconns; i++)
		if (strcmp(rp->conns[i].db, db) == 0) {
			rp->cur = &rp->conns[i];
			trace(rp, "switched to %s", pgconn_where(rp->cur->pg));
			return DK_OK;
		}
	for (size_t i = 0; i < rp->ndbs_made; i++)
		made |= strcmp(rp->dbs_made[i], db) == 0;
	if ((rp->cur = open_conn(rp, db, made)) == NULL)
		return rp->e->status;
	return DK_OK;
}

static int
on_meta(struct replay *rp, const char *text, size_t n, unsigned long line)
{
	const char *p = text + 1, *end = text + n;
	char *cmd = meta_arg(&p, end), *arg = meta_arg(&p, end);
	int rc = DK_OK;

	if (cmd == NULL)
		cmd = strdup("");
	if (rp->key != NULL && strcmp(cmd, "unrestrict") != 0) {
		rc = dk_fail(rp->e, DK_ESAFETY, "dump line %lu: \\%s inside the dump's \\restrict section; "
			     "refused, nothing of it ran", line, cmd);
	} else if (strcmp(cmd, "restrict") == 0) {
		if (arg == NULL)
			rc = dk_fail(rp->e, DK_EDATA, "dump line %lu: \\restrict without a key", line);
		else
			rp->key = arg, arg = NULL;
	} else if (strcmp(cmd, "unrestrict") == 0) {
		if (rp->key == NULL || arg == NULL || strcmp(arg, rp->key) != 0)
			rc = dk_fail(rp->e, DK_EDATA, "dump line %lu: \\unrestrict with a key that no \\restrict set",
				     line);
		free(rp->key);
		rp->key = NULL;
	} else if (strcmp(cmd, "connect") == 0 || strcmp(cmd, "c") == 0) {
		while (arg != NULL && arg[0] == '-') {
			free(arg);
			arg = meta_arg(&p, end);
		}
		char *db = arg != NULL ? connect_target(rp, arg, line) : NULL, *extra = meta_arg(&p, end);
		if (extra != NULL)
			rc = dk_fail(rp->e, DK_ESAFETY, "dump line %lu: \\connect with a user, host or port; refused, "
				     "only the database may change", line);
		else if (arg == NULL)
			rc = dk_fail(rp->e, DK_EDATA, "dump line %lu: \\connect without a database", line);
		else if (db == NULL)
			rc = rp->e->status;
		else
			rc = switch_db(rp, db, line);
		free(db);
		free(extra);
	} else if (strcmp(cmd, "encoding") == 0 && arg != NULL) {
		/* pg_dumpall sets it before a \connect to an unusual name. */
		if (!rp->o->check_only && (settle(rp, rp->cur) != DK_OK || PQsetClientEncoding(rp->cur->pg, arg) != 0))
			rc = dk_fail(rp->e, DK_EDATA, "dump line %lu: \\encoding %s: unknown encoding", line, arg);
	} else {
		rc = dk_fail(rp->e, DK_ESAFETY, "dump line %lu: meta-command \\%s refused; only \\connect, "
			     "\\restrict, \\unrestrict and \\encoding are run, nothing of it ran", line, cmd);
	}
	free(cmd);
	free(arg);
	return rc;
}

/* ---- statements ---- */

static int
defer_stmt(struct replay *rp, const char *sql, size_t n, unsigned long line, int parallel)
{
	if (rp->ndefer == rp->capdefer) {
		size_t cap = rp->capdefer ? rp->capdefer * 2 : 64;
		struct deferred *d = realloc(rp->defer, cap * sizeof(*d));
		if (d == NULL)
			return dk_fail(rp->e, DK_EDB, "out of memory");
		rp->defer = d;
		rp->capdefer = cap;
	}
	rp->defer[rp->ndefer].sql = strndup(sql, n);
	rp->defer[rp->ndefer].line = line;
	rp->defer[rp->ndefer].parallel = parallel;
	rp->ndefer++;
	rp->deferring = 1;
	return DK_OK;
}

static int
create_db(struct replay *rp, const char *sql, size_t n, unsigned long line)
{
	const char *p = match_words(sql, sql + n, "CREATE DATABASE");
	char *name = read_ident(p, sql + n);
	int rc = DK_OK;

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
	int exists = settle(rp, rp->cur) != DK_OK || commit_cluster_part(rp) != DK_OK ? -1 :
		pgconn_database_exists(rp->cur->pg, name, rp->e);
	if (exists < 0)
		rc = rp->e->status;
	else if (exists)
		rc = dk_fail(rp->e, DK_ESAFETY, "dump line %lu: database \"%s\" already exists; refusing to "
			     "restore over it (drop or rename it, or restore into another cluster)", line, name);
	else {
		/* CREATE DATABASE cannot run in a transaction: its own connection. */
		PGconn *side = pgconn_open(rp->o->conninfo, rp->cur->db, rp->e);
		struct conn tmp = { .pg = side };
		trace(rp, "dump line %lu: creating database \"%s\"", line, name);
		if (side == NULL)
			rc = rp->e->status;
		else if ((rc = exec_now(rp, &tmp, sql, n, line)) == DK_OK) {
			remember(&rp->dbs_made, &rp->ndbs_made, name);
			rp->r->statements++;
		}
		PQfinish(side);
	}
	free(name);
	return rc;
}

static int
create_role(struct replay *rp, const char *sql, size_t n, unsigned long line)
{
	const char *p = match_words(sql, sql + n, "CREATE ROLE");
	char *name = read_ident(p, sql + n);
	const char *params[1];
	PGresult *res;
	int exists;

	if (name == NULL || rp->o->check_only) {
		free(name);
		return rp->o->check_only ? (rp->r->statements++, DK_OK) : send_stmt(rp, sql, n, line, -1);
	}
	if (settle(rp, rp->cur) != DK_OK) {
		free(name);
		return rp->e->status;
	}
	params[0] = name;
	res = PQexecParams(rp->cur->pg, "SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = $1",
			   1, NULL, params, NULL, NULL, 0);
	exists = PQresultStatus(res) == PGRES_TUPLES_OK && atoi(PQgetvalue(res, 0, 0)) > 0;
	PQclear(res);
	int rc;
	if (exists) {
		/* pg_dumpall separates CREATE ROLE from ALTER ROLE so that the
		 * former may fail on an existing role, as it does for psql. */
		trace(rp, "dump line %lu: role \"%s\" exists, CREATE ROLE skipped", line, name);
		rp->r->skipped++;
		rc = DK_OK;
	} else {
		remember(&rp->roles_made, &rp->nroles_made, name);
		rc = send_stmt(rp, sql, n, line, -1);
	}
	free(name);
	return rc;
}

/* Sends COPY data from the buffer up to its terminator line. */
static int
put_copy_data(struct replay *rp, const char *data, size_t n)
{
	struct conn *c = rp->cur;

	if (rp->o->check_only)
		return DK_OK;
	while (n > 0) {
		int chunk = n > (1u << 30) ? (1 << 30) : (int)n;
		if (PQputCopyData(c->pg, data, chunk) != 1)
			return dk_fail(rp->e, DK_EDB, "cannot send COPY data to %s: %s", pgconn_where(c->pg),
				       PQerrorMessage(c->pg));
		data += chunk;
		n -= (size_t)chunk;
	}
	return DK_OK;
}

static int refill(struct replay *rp);

/* The rest of the COPY statement's line, then the data. */
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
			if (put_copy_data(rp, rp->buf + s->pos, data) != DK_OK)
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

/* sql is NUL-terminated in the buffer in place of saved, which comes
 * back before the data is read (the buffer moves then). */
static int
copy_in(struct replay *rp, char *sql, size_t n, unsigned long line, char saved)
{
	const char *p = match_words(sql, sql + n, "COPY");
	char *table = read_relname(p, sql + n), first[SNIP];
	struct conn *c = rp->cur;
	int rc;

	first_line(sql, n, first);

	if (table == NULL)
		return dk_fail(rp->e, DK_EDB, "out of memory");
	rp->copy_table = table_index(rp, table, !rp->o->check_only ? c->db : rp->check_db != NULL ? rp->check_db : "-");
	if (rp->deferring) {
		free(table);
		return dk_fail(rp->e, DK_EUSAGE, "dump line %lu: COPY after the indexes: -j takes a dump in "
			       "pg_dump's order", line);
	}
	rp->r->statements++;
	if (!rp->o->check_only) {
		if (settle(rp, c) != DK_OK) {
			free(table);
			return rp->e->status;
		}
		PGresult *res = PQexec(c->pg, sql);
		if (PQresultStatus(res) != PGRES_COPY_IN) {
			sql_fail(rp, c, line, first, res);
			PQclear(res);
			free(table);
			return DK_EDB;
		}
		PQclear(res);
		trace(rp, "dump line %lu: COPY %s", line, table);
	}
	sql[n] = saved;
	rc = copy_data(rp, line, table);
	if (!rp->o->check_only) {
		if (PQputCopyEnd(c->pg, rc == DK_OK ? NULL : "the dump is incomplete") != 1 && rc == DK_OK)
			rc = dk_fail(rp->e, DK_EDB, "cannot end COPY on %s: %s", pgconn_where(c->pg),
				     PQerrorMessage(c->pg));
		PGresult *res;
		while ((res = PQgetResult(c->pg)) != NULL) {
			if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == DK_OK)
				rc = sql_fail(rp, c, line, first, res);
			PQclear(res);
		}
	}
	trace(rp, "COPY %s: %lld rows", table, rp->r->tables[rp->copy_table].dump_rows);
	rp->copy_table = -1;
	free(table);
	return rc;
}

static int
on_statement(struct replay *rp, char *sql, size_t n, unsigned long line)
{
	enum kind k = classify(sql, n);
	const struct replay_opts *o = rp->o;
	char saved = sql[n];
	int rc;

	rp->trailer = 0;
	if (k == K_TXN || (o->no_owner && k == K_OWNER) || (o->no_privileges && k == K_PRIV)) {
		/* pg_dump's own BEGIN/COMMIT (around large objects) would end
		 * the restore's transaction early. */
		rp->r->skipped++;
		return DK_OK;
	}
	if (k == K_TXN_END)
		return dk_fail(rp->e, DK_ESAFETY, "dump line %lu: a statement that would end the restore's "
			       "transaction; refused", line);
	if (k == K_DROP_DB)
		return dk_fail(rp->e, DK_ESAFETY, "dump line %lu: DROP DATABASE refused: a restore never "
			       "destroys a database (dump without --clean)", line);
	sql[n] = '\0';		/* the buffer always has a byte to spare */
	if (k == K_COPY)
		return copy_in(rp, sql, n, line, saved);
	if (k == K_CREATE_DB) {
		rc = create_db(rp, sql, n, line);
	} else if (o->check_only) {
		rp->r->statements++;
		rc = DK_OK;
	} else if (k == K_CREATE_ROLE) {
		rc = create_role(rp, sql, n, line);
	} else if (k == K_NONTX) {
		PGconn *side = commit_cluster_part(rp) != DK_OK ? NULL : pgconn_open(o->conninfo, rp->cur->db, rp->e);
		struct conn tmp = { .pg = side };
		rc = side == NULL ? rp->e->status : exec_now(rp, &tmp, sql, n, line);
		PQfinish(side);
		rp->r->statements++;
	} else if (o->jobs > 1 && (rp->deferring || k == K_INDEX)) {
		rc = defer_stmt(rp, sql, n, line, k == K_INDEX);
	} else {
		long t = -1;
		if (k == K_INSERT) {
			char *name = read_relname(match_words(sql, sql + n, "INSERT INTO"), sql + n);
			t = name != NULL ? table_index(rp, name, rp->cur->db) : -1;
			free(name);
		}
		rc = send_stmt(rp, sql, n, line, t);
	}
	sql[n] = saved;
	return rc;
}

static void
on_comment(struct replay *rp, const char *text, size_t n)
{
	static const char db_done[] = "-- PostgreSQL database dump complete";
	static const char cl_head[] = "-- PostgreSQL database cluster dump";
	static const char cl_done[] = "-- PostgreSQL database cluster dump complete";

	if (n == sizeof(cl_head) - 1 && memcmp(text, cl_head, n) == 0)
		rp->cluster = 1;
	else if (n == sizeof(db_done) - 1 && memcmp(text, db_done, n) == 0)
		rp->trailer = !rp->cluster;
	else if (n == sizeof(cl_done) - 1 && memcmp(text, cl_done, n) == 0)
		rp->trailer = rp->cluster;
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
		char *b = realloc(rp->buf, rp->cap * 2 + 1);
		if (b == NULL)
			return dk_fail(rp->e, DK_EIO, "out of memory for a statement of %zu bytes at line %lu",
				       rp->len, rp->s.item_line);
		rp->buf = b;
		rp->cap *= 2;
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
	rp->r->lines = rp->s.line;
	if (rp->key != NULL)
		return dk_fail(rp->e, DK_EDATA, "the dump ends at line %lu inside its \\restrict section, without "
			       "the \\unrestrict: incomplete", rp->s.line);
	if (!rp->trailer)
		return dk_fail(rp->e, DK_EDATA, "the dump ends at line %lu without pg_dump%s's completion trailer: "
			       "incomplete", rp->s.line, rp->cluster ? "all" : "");
	return DK_OK;
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
		switch (ev) {
		case SQLSCAN_MORE:
			rc = refill(rp);
			progress(rp, 0);
			break;
		case SQLSCAN_COMMENT:
			on_comment(rp, text, n);
			break;
		case SQLSCAN_META:
			rc = on_meta(rp, text, n, rp->s.item_line);
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

static int
commit_all(struct replay *rp)
{
	for (size_t i = 0; i < rp->nconns; i++)
		if (drain(rp, &rp->conns[i]) != DK_OK)
			return rp->e->status;
	for (size_t i = 0; i < rp->nconns; i++) {
		struct conn *c = &rp->conns[i];
		if (settle(rp, c) != DK_OK || pgconn_exec(c->pg, "COMMIT", rp->e) != DK_OK) {
			if (i > 0)
				dk_refail(rp->e, DK_EDB, "%s; the databases before it were committed already",
					  rp->e->msg);
			return rp->e->status;
		}
		trace(rp, "committed %s", pgconn_where(c->pg));
	}
	return DK_OK;
}

/* Runs the deferred index statements on up to jobs connections at once. */
static int
run_parallel(struct replay *rp, struct conn *main)
{
	int jobs = rp->o->jobs;
	PGconn **pg = calloc((size_t)jobs, sizeof(*pg));
	size_t *busy = calloc((size_t)jobs, sizeof(*busy)), next = 0, running = 0;
	int rc = DK_OK;

	if (pg == NULL || busy == NULL)
		rc = dk_fail(rp->e, DK_EDB, "out of memory");
	for (int j = 0; j < jobs && rc == DK_OK; j++)
		if ((pg[j] = pgconn_open(rp->o->conninfo, main->db, rp->e)) == NULL)
			rc = rp->e->status;
	for (;;) {
		for (int j = 0; j < jobs && rc == DK_OK; j++) {
			if (busy[j] != 0)
				continue;
			while (next < rp->ndefer && !rp->defer[next].parallel)
				next++;
			if (next == rp->ndefer)
				break;
			if (!PQsendQuery(pg[j], rp->defer[next].sql))
				rc = dk_fail(rp->e, DK_EDB, "cannot send to %s", pgconn_where(pg[j]));
			busy[j] = ++next;
			running++;
		}
		if (running == 0)
			break;
		fd_set fds;
		int maxfd = -1;
		FD_ZERO(&fds);
		for (int j = 0; j < jobs; j++)
			if (busy[j] != 0) {
				FD_SET(PQsocket(pg[j]), &fds);
				maxfd = PQsocket(pg[j]) > maxfd ? PQsocket(pg[j]) : maxfd;
			}
		if (select(maxfd + 1, &fds, NULL, NULL, NULL) < 0) {
			/* Interrupted: no new statements; the running ones end. */
			if (interrupt_requested() && rc == DK_OK)
				rc = dk_fail(rp->e, DK_EIO, "interrupted");
			continue;
		}
		for (int j = 0; j < jobs; j++) {
			if (busy[j] == 0 || !FD_ISSET(PQsocket(pg[j]), &fds))
				continue;
			PQconsumeInput(pg[j]);
			if (PQisBusy(pg[j]))
				continue;
			PGresult *res;
			struct deferred *d = &rp->defer[busy[j] - 1];
			while ((res = PQgetResult(pg[j])) != NULL) {
				if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == DK_OK) {
					char first[SNIP];
					struct conn tmp = { .pg = pg[j] };
					first_line(d->sql, strlen(d->sql), first);
					rc = sql_fail(rp, &tmp, d->line, first, res);
				}
				PQclear(res);
			}
			rp->r->statements++;
			busy[j] = 0;
			running--;
		}
	}
	for (int j = 0; j < jobs && pg != NULL; j++)
		PQfinish(pg[j]);
	free(pg);
	free(busy);
	return rc;
}

static int
run_deferred(struct replay *rp)
{
	struct conn *c = rp->cur;

	if (rp->ndefer == 0)
		return DK_OK;
	trace(rp, "building %zu post-data statements with -j %d", rp->ndefer, rp->o->jobs);
	if (run_parallel(rp, c) != DK_OK)
		return rp->e->status;
	if (pgconn_exec(c->pg, "BEGIN", rp->e) != DK_OK)
		return rp->e->status;
	for (size_t i = 0; i < rp->ndefer; i++)
		if (!rp->defer[i].parallel &&
		    send_stmt(rp, rp->defer[i].sql, strlen(rp->defer[i].sql), rp->defer[i].line, -1) != DK_OK)
			return rp->e->status;
	if (settle(rp, c) != DK_OK)
		return rp->e->status;
	return pgconn_exec(c->pg, "COMMIT", rp->e);
}

static struct conn *
conn_of(struct replay *rp, const char *db)
{
	for (size_t i = 0; i < rp->nconns; i++)
		if (strcmp(rp->conns[i].db, db) == 0)
			return &rp->conns[i];
	return NULL;
}

static int
count_tables(struct replay *rp)
{
	for (size_t i = 0; i < rp->r->ntables; i++) {
		struct replay_table *t = &rp->r->tables[i];
		struct conn *c = conn_of(rp, t->db);
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
	for (size_t i = 0; i < rp->nconns; i++) {
		trace(rp, "ANALYZE in %s", pgconn_where(rp->conns[i].pg));
		if (pgconn_exec(rp->conns[i].pg, "ANALYZE", rp->e) != DK_OK)
			return rp->e->status;
	}
	return DK_OK;
}

/* Undoes what autocommitted: the databases and roles the dump created. */
static void
undo(struct replay *rp)
{
	struct dk_err e2;
	PGconn *pg;

	for (size_t i = 0; i < rp->nconns; i++) {
		PQfinish(rp->conns[i].pg);
		rp->conns[i].pg = NULL;
	}
	if (rp->ndbs_made == 0 && rp->nroles_made == 0)
		return;
	dk_err_clear(&e2);
	if ((pg = pgconn_open(rp->o->conninfo, rp->first_db, &e2)) == NULL)
		return;
	for (size_t i = 0; i < rp->ndbs_made; i++) {
		char *q = pgconn_quote_ident(pg, rp->dbs_made[i]), sql[600];
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s%s", q,
			 PQserverVersion(pg) >= 130000 ? " WITH (FORCE)" : "");
		pgconn_exec(pg, sql, &e2);
		trace(rp, "dropped database %s again", q);
		free(q);
	}
	for (size_t i = 0; i < rp->nroles_made; i++) {
		char *q = pgconn_quote_ident(pg, rp->roles_made[i]), sql[600];
		snprintf(sql, sizeof(sql), "DROP ROLE IF EXISTS %s", q);
		pgconn_exec(pg, sql, &e2);
		free(q);
	}
	PQfinish(pg);
}

static int
restore(struct replay *rp)
{
	const struct replay_opts *o = rp->o;

	if (!o->check_only) {
		rp->first_db = o->dbname != NULL ? strdup(o->dbname) : pgconn_dbname(o->conninfo, rp->e);
		if (rp->first_db == NULL)
			return rp->e->status;
		if ((rp->cur = open_conn(rp, rp->first_db, 0)) == NULL)
			return rp->e->status;
	}
	if (scan_all(rp) != DK_OK)
		return rp->e->status;
	if (o->check_only)
		return DK_OK;
	if (commit_all(rp) != DK_OK)
		return rp->e->status;
	rp->committed = 1;
	if (run_deferred(rp) != DK_OK)
		return rp->e->status;
	if (o->count_tables && count_tables(rp) != DK_OK)
		return rp->e->status;
	if (o->analyze && analyze_all(rp) != DK_OK)
		return rp->e->status;
	return DK_OK;
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
	clock_gettime(CLOCK_MONOTONIC, &rp.t0);
	long long size = io_file_size(fd);
	if (size > 0)
		rp.total = (uint64_t)size;
	dumpinput_init(&rp.in, fd);
	sqlscan_init(&rp.s);
	rp.cap = BUF_INIT;
	if ((rp.buf = malloc(rp.cap + 1)) == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	rc = restore(&rp);
	r->bytes = rp.in.bytes_in;
	progress(&rp, 1);
	if (rc != DK_OK && !rp.committed && !o->check_only) {
		char msg[sizeof(e->msg)];
		snprintf(msg, sizeof(msg), "%s", e->msg);
		if (!e->quiet)
			dk_refail(e, rc, "%s; nothing was restored", msg);
		undo(&rp);
	}
	for (size_t i = 0; i < rp.nconns; i++)
		PQfinish(rp.conns[i].pg);
	for (size_t i = 0; i < rp.nconns; i++)
		free(rp.conns[i].db);
	for (size_t i = 0; i < rp.ndbs_made; i++)
		free(rp.dbs_made[i]);
	for (size_t i = 0; i < rp.nroles_made; i++)
		free(rp.roles_made[i]);
	for (size_t i = 0; i < rp.ndefer; i++)
		free(rp.defer[i].sql);
	free(rp.conns);
	free(rp.dbs_made);
	free(rp.roles_made);
	free(rp.defer);
	free(rp.key);
	free(rp.first_db);
	free(rp.check_db);
	free(rp.buf);
	dumpinput_free(&rp.in);
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
