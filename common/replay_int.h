/* What the files of a restore share: the state of one replay_run (the
 * reader's buffer and scanner, the databases written, what was made
 * outside the transaction), and the steps each file offers the others.
 * replay.c reads the dump and sends each scanner event where it belongs;
 * replaydb.c opens the databases and makes what cannot wait (databases,
 * roles, tablespaces); replaycopy.c streams COPY data; replaycommit.c
 * holds back, commits and finishes; replayundo.c remembers what was made
 * and drops it again on failure. Private to those files. */
#ifndef DRKIT_REPLAY_INT_H
#define DRKIT_REPLAY_INT_H

#include <stddef.h>

#include "dumpinput.h"
#include "dumptrailer.h"
#include "err.h"
#include "pgpipe.h"
#include "postdata.h"
#include "psqlmeta.h"
#include "replay.h"
#include "sqlscan.h"
#include "stmtclass.h"

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

static inline struct pgpipe *
cur(struct replay *rp)
{
	return rp->dbs[rp->cur].pipe;
}

/* replay.c: the reader and the dispatch */
void replay_progress(struct replay *rp, int done);
long replay_table_index(struct replay *rp, const char *name, const char *db);
int replay_send_stmt(struct replay *rp, const char *sql, size_t n, unsigned long line, long table);
int replay_run_now(struct replay *rp, const char *sql, size_t n, unsigned long line, enum stmt_kind k);
int replay_refill(struct replay *rp);

/* replaydb.c: connections, and what runs aside */
int replay_exec_aside(struct replay *rp, const char *db, const char *sql, size_t n, unsigned long line);
int replay_setting(struct replay *rp, const char *sql, size_t n);
int replay_open_db(struct replay *rp, const char *db, int made);
int replay_switch_db(struct replay *rp, const char *db, unsigned long line);
int replay_create_db(struct replay *rp, const char *sql, size_t n, unsigned long line);
int replay_create_role(struct replay *rp, const char *sql, size_t n, unsigned long line);
int replay_create_tablespace(struct replay *rp, const char *sql, size_t n, unsigned long line);
void replay_close_all(struct replay *rp);

/* replaycopy.c: COPY ... FROM stdin */
int replay_note_for_freeze(struct target *t, const char *sql, size_t n);
int replay_copy_in(struct replay *rp, char *sql, size_t n, unsigned long line, char saved);

/* replaycommit.c: held statements, the commit, what follows it */
int replay_hold(struct replay *rp, const char *sql, size_t n, unsigned long line);
int replay_drain_all(struct replay *rp);
int replay_run_held(struct replay *rp);
int replay_commit_all(struct replay *rp);
int replay_run_postdata(struct replay *rp);
int replay_count_tables(struct replay *rp);
int replay_analyze_all(struct replay *rp);

/* replayundo.c: what was made outside the transaction, and its undo */
int replay_remember(struct names *l, const char *name);
void replay_names_free(struct names *l);
void replay_undo(struct replay *rp);

#endif
