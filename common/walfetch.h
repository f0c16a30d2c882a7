/* PostgreSQL's restore_command as a library: PREFIX/NAME.gz into a file,
 * complete and verified (decompressed under a temporary name in the same
 * directory, SHA-256 against the recorded one, a segment's size, fsync,
 * rename) or not at all. Asked for a segment, it also has the next ones
 * of the timeline fetched into a spool beside the file
 * (pg_wal/.walfetch-spool), verified and synced there, by a prefetcher
 * process that outlives the call and keeps ahead of the later calls;
 * those are served from the spool by a rename. */
#ifndef DRKIT_WALFETCH_H
#define DRKIT_WALFETCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "gzcheck.h"
#include "io.h"
#include "log.h"
#include "objname.h"
#include "s3.h"
#include "sha256.h"
#include "wal.h"

#define WALFETCH_SPOOL_DIR ".walfetch-spool"	/* in pg_wal: not a WAL name */

struct walfetch_opts {
	int prefetch;		/* segments fetched ahead; 0 for none */
	uint64_t seg_size;	/* 0: as the segment's first page says */
	const struct dk_log *log;
};

struct walfetch_result {
	int from_spool;		/* served from what the prefetcher fetched */
};

/* Places the file name, stored under src (s3://BUCKET/PREFIX), at path.
 * DK_ENOTFOUND with reason DK_R_NO_SUCH_KEY when the archive does not hold
 * it; then, as after every failure, path is not created. For a segment
 * with o->prefetch, forks the prefetcher (before c sends anything, so
 * that it has connections of its own) unless one is at work. */
int walfetch_run(struct s3_lazy *lc, const struct objname *src, const char *name,
    const char *path, const struct walfetch_opts *o, struct walfetch_result *r,
    struct dk_err *e);

/* What the spool (walspool.c) and the prefetcher (walprefetch.c) share
 * with the call: fetching an object into a file, and checking it. */

struct wf_ctx;

/* gunzip, then SHA-256, then the file: what a fetched object goes
 * through on its way to a temporary file. */
struct wf_inflate {
	struct io_fd_sink out;
	struct sha256_sink sum;
	struct gzcheck g;
	int sum_ready, gz_ready;
	const char *what;
};

/* One object on its way to a file: the requested one to path, the
 * prefetched ones to the spool. */
struct wf_item {
	char name[WAL_NAME_LEN + 32];
	struct objname obj;		/* bucket borrowed, key owned */
	char what[1100];		/* s3://BUCKET/KEY, for messages */
	int to_spool;
	struct s3_op op;
	char hex[SHA256_HEXLEN + 1];	/* the recorded SHA-256, once answered */
	int fd;				/* the temporary file, -1 before the answer */
	char *tmp;
	struct wf_inflate f;
	struct dk_err err;
	const struct wf_ctx *x;		/* for a thread placing it */
	pthread_t tid;
	int busy;			/* a prefetch slot in use */
	int placing;			/* handed to tid (or placed inline) */
	int threaded;			/* tid is to be joined */
	atomic_int done;		/* tid has finished */
};

int walfetch_item_init(struct wf_item *it, const struct objname *src, const char *name,
    int to_spool, struct dk_err *e);
void walfetch_item_free(struct wf_item *it);
int walfetch_item_submit(const struct wf_ctx *x, struct wf_item *it, struct dk_err *e);
int walfetch_item_place(const struct wf_ctx *x, struct wf_item *it, struct dk_err *e);
int walfetch_sync_dir(const char *dir, struct dk_err *e);
int walfetch_check_size(const struct wf_ctx *x, const char *name, int fd, uint64_t size,
    const char *what, struct dk_err *e);
void walfetch_recorded_hex(const char *meta, char hex[SHA256_HEXLEN + 1]);

#endif
