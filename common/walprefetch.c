#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "interrupt.h"
#include "wal.h"
#include "walfetch.h"
#include "walprefetch.h"
#include "walspool.h"

#define WF_JOBS 4		/* GETs the prefetcher keeps in flight */
#define WF_IDLE 10.0		/* seconds without a call before it leaves */

/* Places a spool entry, on a thread of its own: its bytes were inflated
 * and hashed as they came, but its fsync waits for the disk, and the
 * other GETs must not wait with it. */
static void *
prefetch_place(void *arg)
{
	struct wf_item *it = arg;

	memset(&it->err, 0, sizeof(it->err));
	walfetch_item_place(it->x, it, &it->err);
	atomic_store(&it->done, 1);
	return NULL;
}

/* The prefetcher's list of the segments it is fetching, in the lock
 * file, one name a line: a call that wants one of them waits for it. */
static void
prefetch_publish(int lockfd, const struct wf_item *items, size_t n, char *last)
{
	char list[64 * WF_SLOT];
	size_t len = 0;

	memset(list, ' ', sizeof(list));
	for (size_t i = 0; i < n; i++) {
		if (!items[i].busy)
			continue;
		memcpy(list + len, items[i].name, WAL_NAME_LEN);
		list[len + WAL_NAME_LEN] = '\n';
		len += WF_SLOT;
	}
	if (memcmp(list, last, n * WF_SLOT) == 0)
		return;
	memcpy(last, list, n * WF_SLOT);
	if (pwrite(lockfd, list, n * WF_SLOT, 0) < 0)
		return;	/* callers then fetch for themselves */
}

/* Joins the placements that finished; the slots they held come free. */
static int
prefetch_reap(struct wf_item *items, size_t n, int all)
{
	int freed = 0;

	for (size_t i = 0; i < n; i++) {
		struct wf_item *it = &items[i];
		if (!it->busy || !it->placing || (!all && !atomic_load(&it->done)))
			continue;
		if (it->threaded)
			pthread_join(it->tid, NULL);
		walfetch_item_free(it);
		it->busy = 0;
		freed++;
	}
	return freed;
}

/* Starts the GETs of the segments after cur that are neither in the
 * spool nor on their way, the nearest first, up to WF_JOBS at once, and
 * none from gap (when set) on. Returns how many it started; *failed when
 * one could not be. */
static int
prefetch_fill(const struct wf_ctx *x, struct wf_item *items, size_t n, const char *cur,
    const char *gap, int fetching, int *failed)
{
	char w[WAL_NAME_LEN + 1];
	struct dk_err e = { 0 };
	int started = 0;

	for (size_t i = 1; i <= n && fetching + started < WF_JOBS; i++) {
		size_t k, slot = n;
		if (wal_next_segment(cur, x->seg, (unsigned)i, w) != 0 ||
		    (gap[0] != '\0' && strcmp(w, gap) >= 0))
			break;
		for (k = 0; k < n; k++) {
			if (items[k].busy && strcmp(items[k].name, w) == 0)
				break;
			if (!items[k].busy && slot == n)
				slot = k;
		}
		if (k < n || slot == n || spool_find(x, w, NULL))
			continue;
		if (walfetch_item_init(&items[slot], x->src, w, 1, &e) != DK_OK ||
		    walfetch_item_submit(x, &items[slot], &e) != DK_OK) {
			walfetch_item_free(&items[slot]);
			*failed = 1;
			break;
		}
		items[slot].busy = 1;
		started++;
	}
	return started;
}

/* A GET of the prefetcher's finished: placed on a thread of its own; or
 * not in the archive, the first such segment kept in gap; or failed, the
 * end of prefetching (the call that wants it fetches it and says why).
 * Returns 1 when the slot is free. */
static int
prefetch_got(const struct wf_ctx *x, struct wf_item *it, char *gap, int *ended)
{
	if (it->op.status == DK_OK) {
		it->x = x;
		it->placing = 1;
		atomic_store(&it->done, 0);
		it->threaded = pthread_create(&it->tid, NULL, prefetch_place, it) == 0;
		if (!it->threaded)
			prefetch_place(it);
		return 0;
	}
	if (it->op.err.reason != DK_R_NO_SUCH_KEY) {
		log_trace(x->o->log, "prefetch: %s", it->op.err.msg);
		*ended = 1;
	} else if (gap[0] == '\0' || strcmp(it->name, gap) < 0) {
		memcpy(gap, it->name, WAL_NAME_LEN + 1);
	}
	walfetch_item_free(it);
	it->busy = 0;
	return 1;
}

/* Whether recovery has taken every segment before gap: none is left in
 * the spool for a call to take. */
static int
prefetch_drained(const struct wf_ctx *x, const char *cur, const char *gap)
{
	char w[WAL_NAME_LEN + 1];

	return gap[0] != '\0' && wal_next_segment(cur, x->seg, 1, w) == 0 && strcmp(w, gap) >= 0;
}

/* The prefetcher: keeps the --prefetch segments after the one asked for
 * last in the spool, up to the first that is not archived (the gap),
 * until that is told to stop, no call came for WF_IDLE seconds, a fetch
 * failed, or recovery has taken what there was before the gap. It stays
 * that long so that those calls find it at work (and do not start
 * another, which would find the gap again). */
static void
prefetch_loop(const struct wf_ctx *x, int lockfd)
{
	size_t n = (size_t)x->o->prefetch;
	struct wf_item *items = calloc(n, sizeof(*items));
	char cur[WAL_NAME_LEN + 1] = "", now[WAL_NAME_LEN + 1], last[64 * WF_SLOT];
	char gap[WAL_NAME_LEN + 1] = "";
	double moved = clock_now();
	int ended = 0, fetching = 0, busy = 0, look = 1, freed;
	struct s3_op *op;

	if (items == NULL || ftruncate(lockfd, 0) != 0)
		goto out;
	memset(last, 0, sizeof(last));
	while (!interrupt_requested() && spool_cursor_get(x, now) == 0) {
		if (strcmp(now, cur) != 0) {
			memcpy(cur, now, sizeof(cur));
			moved = clock_now();
			look = 1;
			if (gap[0] != '\0' && strcmp(cur, gap) >= 0)
				gap[0] = '\0';	/* archived since: recovery got past it */
		}
		if ((freed = prefetch_reap(items, n, 0)) > 0)
			look = 1;
		busy -= freed;
		/* The spool is read again only when something changed. */
		if (look && !ended) {
			int started = prefetch_fill(x, items, n, cur, gap, fetching, &ended);
			fetching += started;
			busy += started;
		}
		look = 0;
		prefetch_publish(lockfd, items, n, last);
		if (busy == 0 && (ended || clock_now() - moved > WF_IDLE ||
		    prefetch_drained(x, cur, gap)))
			break;
		if (fetching == 0) {
			usleep(busy > 0 ? WF_POLL_US : 5 * WF_POLL_US);
			continue;
		}
		if ((op = s3_next(x->lc->c, 10)) == NULL)
			continue;
		fetching--;
		look = 1;
		busy -= prefetch_got(x, op->user, gap, &ended);
	}
out:
	if (fetching > 0)
		s3_cancel_all(x->lc->c);
	if (items != NULL)
		prefetch_reap(items, n, 1);
	for (size_t i = 0; items != NULL && i < n; i++)
		if (items[i].busy)
			walfetch_item_free(&items[i]);
	free(items);
}

/* Starts a prefetcher unless one is at work: a process of its own that
 * outlives this call (PostgreSQL waits for the call only), in a session
 * of its own, quiet, holding the spool's lock for as long as it runs. It
 * is forked before this call sends anything, so that it makes its own
 * connections. */
void
prefetch_start(const struct wf_ctx *x)
{
	int fd = spool_lock_open(x), nul;
	pid_t pid;

	if (fd < 0)
		return;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return;
	}
	spool_since(x);
	if ((pid = fork()) == 0) {
		/* The middle process goes at once: init reaps the prefetcher. */
		if (fork() != 0)
			_exit(0);
		setsid();
		if ((nul = open("/dev/null", O_RDWR)) >= 0) {
			dup2(nul, STDIN_FILENO);
			dup2(nul, STDOUT_FILENO);
			dup2(nul, STDERR_FILENO);
		}
		prefetch_loop(x, fd);
		_exit(0);
	}
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		continue;
	close(fd);	/* the lock stays with the prefetcher */
}
