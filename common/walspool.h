/* walfetch's spool (pg_wal/.walfetch-spool): the prefetched segments as
 * entries NAME.SHA256, verified and synced, that later calls take by a
 * rename; the cursor (.asked) that tells the prefetcher where recovery
 * is, the lock (.prefetch) it holds while it works, and the archive it
 * fetches from (.since, written as it starts). */
#ifndef DRKIT_WALSPOOL_H
#define DRKIT_WALSPOOL_H

#include <stdint.h>
#include <time.h>

#include "walfetch.h"

#define WF_POLL_US 2000		/* how often a waiting call looks again */
#define WF_SLOT (WAL_NAME_LEN + 1)	/* a name and '\n' in the lock's list */

/* One walfetch call, as the spool and the prefetcher see it. */
struct wf_ctx {
	struct s3_lazy *lc;		/* the client, made when a request is due */
	char *source;			/* the archive, as .since records it */
	const struct objname *src;
	const struct walfetch_opts *o;
	char *dir;			/* where path is: pg_wal */
	char *spool;			/* dir/.walfetch-spool, NULL when none */
	const char *path;
	uint64_t seg;			/* segment size for naming the next ones */
};

struct timespec spool_stamp(const char *hex);
void spool_entry(const struct wf_ctx *x, const char *name, const char *hex, char path[4096]);
int spool_find(const struct wf_ctx *x, const char *name, char hex[SHA256_HEXLEN + 1]);
int spool_wanted(const struct wf_ctx *x, const char *name);
int spool_serve(const struct wf_ctx *x, const struct objname *obj, const char *name,
    int *served, struct dk_err *e);
int spool_cursor_get(const struct wf_ctx *x, char cur[WAL_NAME_LEN + 1]);
void spool_cursor_set(const struct wf_ctx *x, const char *name);
void spool_prune(const struct wf_ctx *x, const char *name);
void spool_remove(const struct wf_ctx *x);
int spool_lock_open(const struct wf_ctx *x);
void spool_since(const struct wf_ctx *x);

#endif
