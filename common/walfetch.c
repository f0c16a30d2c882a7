#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gzcheck.h"
#include "interrupt.h"
#include "io.h"
#include "sha256.h"
#include "wal.h"
#include "walfetch.h"

/* In the spool, beside the entries (NAME.SHA256) and the files being
 * written (NAME.walfetch-PID.tmp): dot files, never taken for entries. */
#define WF_ASKED ".asked"	/* symlink to the segment asked for last */
#define WF_LOCK ".prefetch"	/* held by the prefetcher; lists its fetches */
#define WF_STOP "-"		/* .asked's target that stops the prefetcher */
#define WF_JOBS 4		/* GETs the prefetcher keeps in flight */
#define WF_IDLE 10.0		/* seconds without a call before it leaves */
#define WF_POLL_US 2000		/* how often a waiting call looks again */
#define WF_SLOT (WAL_NAME_LEN + 1)	/* a name and '\n' in the list */
#define WF_ENTRY_LEN (WAL_NAME_LEN + 1 + SHA256_HEXLEN)

/* One object on its way to a file: the requested one to path, the
 * prefetched ones to the spool. */
struct wf_item {
	char name[WAL_NAME_LEN + 32];
	struct objname obj;		/* bucket borrowed, key owned */
	int to_spool;
	struct s3_op op;
	struct dk_err err;
	const struct wf_ctx *x;		/* for a thread placing it */
	pthread_t tid;
	int busy;			/* a prefetch slot in use */
	int placing;			/* handed to tid (or placed inline) */
	int threaded;			/* tid is to be joined */
	atomic_int done;		/* tid has finished */
};

struct wf_ctx {
	struct s3_client *c;
	const struct objname *src;
	const struct walfetch_opts *o;
	char *dir;			/* where path is: pg_wal */
	char *spool;			/* dir/.walfetch-spool, NULL when none */
	const char *path;
	uint64_t seg;			/* segment size for naming the next ones */
};

/* Syncs a directory, so that a rename in it survives a crash. */
static int
dir_sync(const char *dir, struct dk_err *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0 || fsync(fd) != 0)
		rc = dk_fail(e, DK_EIO, "cannot sync directory %s: %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The size a WAL file of this name must have: the option's, else what its
 * first page says; 0 for files of any size (.history, .backup). */
static int
check_size(const struct wf_ctx *x, const char *name, int fd, uint64_t size, const char *what,
    struct dk_err *e)
{
	enum wal_kind k = wal_classify(name);
	unsigned char page[64];
	uint64_t want = x->o->seg_size;

	if (k != WAL_SEGMENT && k != WAL_PARTIAL)
		return DK_OK;
	if (want == 0) {
		ssize_t n = pread(fd, page, sizeof(page), 0);
		want = wal_page_seg_size(page, n > 0 ? (size_t)n : 0);
		if (want == 0)
			return dk_fail(e, DK_EDATA, "%s: not a WAL segment (no long page header "
			    "on its first page)", what);
	}
	if (size != want)
		return dk_fail(e, DK_EDATA, "%s: %llu bytes, not the %llu of a segment: truncated "
		    "or not a segment", what, (unsigned long long)size, (unsigned long long)want);
	return DK_OK;
}

/* A new file beside final, named so that PostgreSQL ignores it; read
 * back for the segment header. */
static int
temp_open(const char *final, char **tmp, struct dk_err *e)
{
	int fd;

	if (asprintf(tmp, "%s.walfetch-%ld.tmp", final, (long)getpid()) < 0) {
		*tmp = NULL;
		return dk_fail(e, DK_EIO, "out of memory");
	}
	unlink(*tmp);	/* left by a crashed process of the same pid */
	if ((fd = open(*tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666)) < 0) {
		dk_fail(e, DK_EIO, "cannot create %s: %s", *tmp, strerror(errno));
		free(*tmp);
		*tmp = NULL;
	}
	return fd;
}

/* Gunzips body into fd, checking the SHA-256 of what comes out. */
static int
inflate_to(int fd, const char *what, const struct buf *body, const char *hex,
    uint64_t *size, struct dk_err *e)
{
	struct io_fd_sink out;
	struct sha256_sink sum;
	struct gzcheck g;
	int rc;

	io_fd_sink_init(&out, fd, what);
	if ((rc = sha256_sink_init(&sum, &out.sink, e)) != DK_OK)
		return rc;
	if ((rc = sha256_sink_expect(&sum, hex, what, e)) == DK_OK &&
	    (rc = gzcheck_init(&g, &sum.sink, 0, e)) == DK_OK) {
		rc = gzcheck_update(&g, body->p, body->len, e);
		if (rc == DK_OK)
			rc = gzcheck_finish(&g, e);
		*size = g.out_bytes;
		gzcheck_free(&g);
		/* gzcheck says where in the stream; the log must say which. */
		if (rc == DK_EDATA && strncmp(e->msg, what, strlen(what)) != 0) {
			char msg[sizeof(e->msg)];
			snprintf(msg, sizeof(msg), "%s", e->msg);
			dk_refail(e, rc, "%s: %s", what, msg);
			dk_err_object(e, "%s", what);
		}
		if (rc == DK_OK)
			rc = sink_finish(&sum.sink, e);
	}
	sha256_sink_free(&sum);
	return rc;
}

/* The modification time a spool entry is given once verified, drawn from
 * its SHA-256: any later write to it sets another, so that an entry still
 * bearing it is served without being read again. */
static struct timespec
spool_stamp(const char *hex)
{
	unsigned char d[SHA256_LEN];
	struct timespec ts = { 0, 0 };
	uint32_t a, b;

	if (!sha256_parse_hex(hex, d))
		return ts;
	memcpy(&a, d, sizeof(a));
	memcpy(&b, d + sizeof(a), sizeof(b));
	ts.tv_sec = 946684800 + (time_t)(a % (1u << 30));	/* 2000 to 2034 */
	ts.tv_nsec = (long)(b % 1000000000u);
	return ts;
}

static int window_has(const struct wf_ctx *x, const char *cur, const char *name);
static int cursor_get(const struct wf_ctx *x, char cur[WAL_NAME_LEN + 1]);

/* Whether a prefetched segment is still wanted: the segment asked for
 * last (its call may be waiting for it) or one of those after it. */
static int
spool_wanted(const struct wf_ctx *x, const char *name)
{
	char cur[WAL_NAME_LEN + 1];

	return cursor_get(x, cur) == 0 && (strcmp(cur, name) == 0 || window_has(x, cur, name));
}

/* Writes the object's answer to final: whole, verified and synced, or
 * nothing at all. A spool entry is stamped (spool_stamp) before its sync,
 * and not renamed into place once no call will want it. */
static int
place_object(const struct wf_ctx *x, struct wf_item *it, const char *final, struct dk_err *e)
{
	const char *hex = it->op.call.sha256_meta;
	char what[1024], *tmp;
	uint64_t size = 0;
	int fd, rc;

	snprintf(what, sizeof(what), "s3://%s/%s", it->obj.bucket, it->obj.key);
	if (hex[0] == '\0') {
		dk_fail(e, DK_EDATA, "%s: no recorded SHA-256 (x-amz-meta-sha256): not "
		    "stored by walpush, or stored without it", what);
		return dk_err_reason(e, DK_R_NO_CHECKSUM);
	}
	if ((fd = temp_open(final, &tmp, e)) < 0)
		return e->status;
	rc = inflate_to(fd, what, &it->op.call.body_buf, hex, &size, e);
	if (rc == DK_OK)
		rc = check_size(x, it->name, fd, size, what, e);
	if (rc == DK_OK && it->to_spool) {
		struct timespec ts[2] = { { 0, UTIME_OMIT }, spool_stamp(hex) };
		futimens(fd, ts);	/* without it, the entry is read again */
	}
	if (rc == DK_OK && fsync(fd) != 0)
		rc = dk_fail(e, DK_EIO, "cannot sync %s: %s", tmp, strerror(errno));
	if (close(fd) != 0 && rc == DK_OK)
		rc = dk_fail(e, DK_EIO, "cannot write %s: %s", tmp, strerror(errno));
	if (rc == DK_OK && it->to_spool && !spool_wanted(x, it->name))
		rc = dk_fail(e, DK_EIO, "%s: no longer wanted", it->name);
	if (rc == DK_OK && rename(tmp, final) != 0)
		rc = dk_fail(e, DK_EIO, "cannot rename %s to %s: %s", tmp, final, strerror(errno));
	if (rc != DK_OK)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* The recorded SHA-256 as a file name part: 64 lowercase hex digits, or
 * "" when the service sent something else. */
static void
recorded_hex(const char *meta, char hex[SHA256_HEXLEN + 1])
{
	unsigned char digest[SHA256_LEN];

	if (sha256_parse_hex(meta, digest))
		sha256_hex(digest, hex);
	else
		hex[0] = '\0';
}

/* The spool's path for file (an entry, a dot file). */
static void
spool_path(const struct wf_ctx *x, const char *file, char path[4096])
{
	snprintf(path, 4096, "%s/%s", x->spool, file);
}

/* Whether the spool has a verified entry for name; its checksum into hex
 * (may be NULL) when it does. */
static int
spool_find(const struct wf_ctx *x, const char *name, char hex[SHA256_HEXLEN + 1])
{
	struct dirent *de;
	size_t len = strlen(name);
	int found = 0;
	DIR *d;

	if (x->spool == NULL || (d = opendir(x->spool)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		found = strlen(de->d_name) == WF_ENTRY_LEN && strncmp(de->d_name, name, len) == 0 &&
		    de->d_name[len] == '.';
		if (found && hex != NULL)
			snprintf(hex, SHA256_HEXLEN + 1, "%s", de->d_name + len + 1);
	}
	closedir(d);
	return found;
}

/* Checks a spool entry's bytes against hex and its size, then moves it to
 * path. An entry still stamped as verified is moved without reading it.
 * Returns 1 when it was placed, 0 when it failed (and is removed). */
static int
spool_take(const struct wf_ctx *x, const char *entry, const char *name, const char *hex)
{
	unsigned char digest[SHA256_LEN];
	char got[SHA256_HEXLEN + 1];
	struct timespec stamp = spool_stamp(hex);
	struct dk_err e = { 0 };
	struct stat st;
	int fd, rc;

	if (lstat(entry, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtim.tv_sec == stamp.tv_sec &&
	    st.st_mtim.tv_nsec == stamp.tv_nsec) {
		if (rename(entry, x->path) == 0 && dir_sync(x->dir, &e) == DK_OK)
			return 1;
		rc = DK_EIO;
	} else if ((fd = open(entry, O_RDONLY | O_CLOEXEC)) < 0) {
		return 0;
	} else {
		rc = fstat(fd, &st) == 0 ? sha256_fd(fd, entry, digest, &e) : DK_EIO;
		if (rc == DK_OK) {
			sha256_hex(digest, got);
			if (strcmp(got, hex) != 0)
				rc = dk_fail(&e, DK_EDATA, "SHA-256 %s, recorded %s", got, hex);
			else
				rc = check_size(x, name, fd, (uint64_t)st.st_size, entry, &e);
		}
		close(fd);
		if (rc == DK_OK && rename(entry, x->path) == 0 && dir_sync(x->dir, &e) == DK_OK)
			return 1;
	}
	log_note(x->o->log, "spool entry %s refused (%s): fetching %s again", entry,
	    e.msg[0] ? e.msg : strerror(errno), name);
	unlink(entry);
	return 0;
}

/* The segment the prefetcher works for: the last asked, from .asked; -1
 * when there is none or it was told to stop. */
static int
cursor_get(const struct wf_ctx *x, char cur[WAL_NAME_LEN + 1])
{
	char path[4096];
	ssize_t n;

	spool_path(x, WF_ASKED, path);
	if ((n = readlink(path, cur, WAL_NAME_LEN + 1)) != WAL_NAME_LEN)
		return -1;
	cur[n] = '\0';
	return wal_classify(cur) == WAL_SEGMENT ? 0 : -1;
}

/* Points .asked at name (WF_STOP to stop the prefetcher), atomically. */
static void
cursor_set(const struct wf_ctx *x, const char *name)
{
	char tmp[4096], path[4096], file[64];

	snprintf(file, sizeof(file), WF_ASKED ".%ld", (long)getpid());
	spool_path(x, file, tmp);
	spool_path(x, WF_ASKED, path);
	unlink(tmp);
	if (symlink(name, tmp) != 0 || rename(tmp, path) != 0)
		unlink(tmp);
}

/* Whether name is one of the --prefetch segments after cur. */
static int
window_has(const struct wf_ctx *x, const char *cur, const char *name)
{
	char w[WAL_NAME_LEN + 1];

	for (int i = 1; i <= x->o->prefetch; i++)
		if (wal_next_segment(cur, x->seg, (unsigned)i, w) == 0 && strcmp(w, name) == 0)
			return 1;
	return 0;
}

/* Removes what is not of the segments after name: the spool stays
 * bounded, and what recovery went past goes. With name NULL, removes
 * everything, dot files too. */
static void
spool_prune(const struct wf_ctx *x, const char *name)
{
	char path[4096], seg[WAL_NAME_LEN + 1];
	struct dirent *de;
	size_t len;
	DIR *d;

	if ((d = opendir(x->spool)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (name != NULL && de->d_name[0] == '.')
			continue;
		len = strnlen(de->d_name, WAL_NAME_LEN);
		memcpy(seg, de->d_name, len);
		seg[len] = '\0';
		if (name != NULL && len == WAL_NAME_LEN && de->d_name[WAL_NAME_LEN] == '.' &&
		    window_has(x, name, seg))
			continue;
		spool_path(x, de->d_name, path);
		unlink(path);
	}
	closedir(d);
}

static int
item_init(struct wf_item *it, const struct objname *src, const char *name, int to_spool,
    struct dk_err *e)
{
	memset(it, 0, sizeof(*it));
	snprintf(it->name, sizeof(it->name), "%s", name);
	it->to_spool = to_spool;
	it->obj.bucket = src->bucket;
	if ((it->obj.key = wal_object_key(src->key, name)) == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	return DK_OK;
}

static void
item_free(struct wf_item *it)
{
	s3_op_free(&it->op);
	free(it->obj.key);
	it->obj.key = NULL;
}

/* A GET of the item's object, held whole: as long as a segment of the
 * size it may have, gzipped, can be. */
static int
item_submit(const struct wf_ctx *x, struct wf_item *it, struct dk_err *e)
{
	uint64_t seg = x->o->seg_size ? x->o->seg_size : WAL_SEG_MAX;

	s3_op_init(&it->op, "GET", it->obj.bucket, it->obj.key);
	it->op.user = it;
	if (wal_classify(it->name) == WAL_SEGMENT || wal_classify(it->name) == WAL_PARTIAL)
		it->op.max_body = (size_t)(seg + seg / 64 + (1u << 20));
	return s3_submit(x->c, &it->op, e);
}

/* What a finished GET becomes: the file at path, or a spool entry. */
static int
item_place(const struct wf_ctx *x, struct wf_item *it, struct dk_err *e)
{
	char hex[SHA256_HEXLEN + 1], entry[4096], file[WF_ENTRY_LEN + 1];
	int rc;

	if (it->op.status != DK_OK) {
		*e = it->op.err;
		return e->status;
	}
	if (!it->to_spool) {
		if ((rc = place_object(x, it, x->path, e)) == DK_OK)
			rc = dir_sync(x->dir, e);
		return rc;
	}
	recorded_hex(it->op.call.sha256_meta, hex);
	if (hex[0] == '\0')
		return dk_fail(e, DK_EDATA, "s3://%s/%s: no recorded SHA-256", it->obj.bucket,
		    it->obj.key);
	snprintf(file, sizeof(file), "%s.%s", it->name, hex);
	spool_path(x, file, entry);
	return place_object(x, it, entry, e);
}

/* Places a spool entry, on a thread of its own: decompressing, hashing
 * and syncing the prefetched segments is most of the prefetcher's time,
 * and the machine may have more processors than one. */
static void *
spool_place(void *arg)
{
	struct wf_item *it = arg;

	memset(&it->err, 0, sizeof(it->err));
	item_place(it->x, it, &it->err);
	buf_free(&it->op.call.body_buf);	/* memory goes as soon as it can */
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
		item_free(it);
		it->busy = 0;
		freed++;
	}
	return freed;
}

/* Starts the GETs of the segments after cur that are neither in the
 * spool nor on their way, the nearest first, up to WF_JOBS at once.
 * Returns how many it started; *failed when one could not be. */
static int
prefetch_fill(const struct wf_ctx *x, struct wf_item *items, size_t n, const char *cur,
    int fetching, int *failed)
{
	char w[WAL_NAME_LEN + 1];
	struct dk_err e = { 0 };
	int started = 0;

	for (size_t i = 1; i <= n && fetching + started < WF_JOBS; i++) {
		size_t k, slot = n;
		if (wal_next_segment(cur, x->seg, (unsigned)i, w) != 0)
			break;
		for (k = 0; k < n; k++) {
			if (items[k].busy && strcmp(items[k].name, w) == 0)
				break;
			if (!items[k].busy && slot == n)
				slot = k;
		}
		if (k < n || slot == n || spool_find(x, w, NULL))
			continue;
		if (item_init(&items[slot], x->src, w, 1, &e) != DK_OK ||
		    item_submit(x, &items[slot], &e) != DK_OK) {
			item_free(&items[slot]);
			*failed = 1;
			break;
		}
		items[slot].busy = 1;
		started++;
	}
	return started;
}

/* A GET of the prefetcher's finished: placed on a thread of its own, or
 * the end of prefetching (not in the archive, or failed: the call that
 * wants it will fetch it and say why). Returns 1 when the slot is free. */
static int
prefetch_got(const struct wf_ctx *x, struct wf_item *it, int *ended)
{
	if (it->op.status == DK_OK) {
		it->x = x;
		it->placing = 1;
		atomic_store(&it->done, 0);
		it->threaded = pthread_create(&it->tid, NULL, spool_place, it) == 0;
		if (!it->threaded)
			spool_place(it);
		return 0;
	}
	if (it->op.err.reason != DK_R_NO_SUCH_KEY)
		log_trace(x->o->log, "prefetch: %s", it->op.err.msg);
	*ended = 1;
	item_free(it);
	it->busy = 0;
	return 1;
}

/* The prefetcher: keeps the --prefetch segments after the one asked for
 * last in the spool, until that is told to stop, no call came for
 * WF_IDLE seconds, or a segment is not to be had. */
static void
prefetch_loop(const struct wf_ctx *x, int lockfd)
{
	size_t n = (size_t)x->o->prefetch;
	struct wf_item *items = calloc(n, sizeof(*items));
	char cur[WAL_NAME_LEN + 1] = "", now[WAL_NAME_LEN + 1], last[64 * WF_SLOT];
	double moved = now_seconds();
	int ended = 0, fetching = 0, busy = 0, look = 1, freed;
	struct s3_op *op;

	if (items == NULL || ftruncate(lockfd, 0) != 0)
		goto out;
	memset(last, 0, sizeof(last));
	while (!interrupt_requested() && cursor_get(x, now) == 0) {
		if (strcmp(now, cur) != 0) {
			memcpy(cur, now, sizeof(cur));
			moved = now_seconds();
			look = 1;
		}
		if ((freed = prefetch_reap(items, n, 0)) > 0)
			look = 1;
		busy -= freed;
		/* The spool is read again only when something changed. */
		if (look && !ended) {
			int started = prefetch_fill(x, items, n, cur, fetching, &ended);
			fetching += started;
			busy += started;
		}
		look = 0;
		prefetch_publish(lockfd, items, n, last);
		if (busy == 0 && (ended || now_seconds() - moved > WF_IDLE))
			break;
		if (fetching == 0) {
			usleep(busy > 0 ? WF_POLL_US : 5 * WF_POLL_US);
			continue;
		}
		if ((op = s3_next(x->c, 10)) == NULL)
			continue;
		fetching--;
		look = 1;
		busy -= prefetch_got(x, op->user, &ended);
	}
out:
	if (fetching > 0)
		s3_cancel_all(x->c);
	if (items != NULL)
		prefetch_reap(items, n, 1);
	for (size_t i = 0; items != NULL && i < n; i++)
		if (items[i].busy)
			item_free(&items[i]);
	free(items);
}

/* The spool's lock file: open, created when missing; -1 on failure. */
static int
lock_open(const struct wf_ctx *x)
{
	char path[4096];

	spool_path(x, WF_LOCK, path);
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
}

/* Whether a prefetcher is at work in the spool. */
static int
prefetch_alive(const struct wf_ctx *x)
{
	int fd = lock_open(x), alive = 0;

	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0)
		alive = errno == EWOULDBLOCK;
	close(fd);	/* and with it the lock, when it was taken */
	return alive;
}

/* Starts a prefetcher unless one is at work: a process of its own that
 * outlives this call (PostgreSQL waits for the call only), in a session
 * of its own, quiet, holding the spool's lock for as long as it runs. It
 * is forked before this call sends anything, so that it makes its own
 * connections. */
static void
prefetch_start(const struct wf_ctx *x)
{
	int fd = lock_open(x), nul;
	pid_t pid;

	if (fd < 0)
		return;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return;
	}
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

/* When the prefetcher is fetching name, waits until it is in the spool
 * or the prefetcher gave it up. */
static void
spool_await(const struct wf_ctx *x, const char *name)
{
	char path[4096], list[64 * WF_SLOT];
	ssize_t len;
	int fd, listed;

	spool_path(x, WF_LOCK, path);
	do {
		if (spool_find(x, name, NULL) || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return;
		len = pread(fd, list, sizeof(list), 0);
		close(fd);
		listed = 0;
		for (ssize_t off = 0; off + WAL_NAME_LEN <= len && !listed; off += WF_SLOT)
			listed = memcmp(list + off, name, WAL_NAME_LEN) == 0;
		if (listed)
			usleep(WF_POLL_US);
	} while (listed && !interrupt_requested() && prefetch_alive(x));
}

/* Serves name from the spool when an entry there has the checksum the
 * archive records for it now (one HEAD) and still verifies; *served says
 * whether it did. */
static int
spool_serve(const struct wf_ctx *x, const struct objname *obj, const char *name, int *served,
    struct dk_err *e)
{
	struct s3_object_info info;
	char hex[SHA256_HEXLEN + 1], want[SHA256_HEXLEN + 1], entry[4096];
	char file[WF_ENTRY_LEN + 1];
	int rc;

	*served = 0;
	spool_await(x, name);
	if (!spool_find(x, name, hex))
		return DK_OK;
	if ((rc = s3_head(x->c, obj, &info, e)) != DK_OK)
		return rc;
	recorded_hex(info.sha256_meta, want);
	snprintf(file, sizeof(file), "%s.%s", name, hex);
	spool_path(x, file, entry);
	if (want[0] == '\0' || strcmp(want, hex) != 0) {
		unlink(entry);	/* of an object since replaced */
		return DK_OK;
	}
	*served = spool_take(x, entry, name, hex);
	return DK_OK;
}

/* Fetches the file asked for itself, to path. */
static int
fetch_asked(const struct wf_ctx *x, struct wf_item *it, struct dk_err *e)
{
	int rc;

	if ((rc = item_submit(x, it, e)) != DK_OK)
		return rc;
	while (s3_pending(x->c) > 0) {
		if (interrupt_requested()) {
			s3_cancel_all(x->c);
			dk_fail(e, DK_ESERVICE, "interrupted");
			return dk_err_reason(e, DK_R_INTERRUPTED);
		}
		if (s3_next(x->c, 1000) != NULL)
			break;
	}
	rc = item_place(x, it, e);
	buf_free(&it->op.call.body_buf);
	return rc;
}

/* The segment asked for is not archived: recovery ends here (or waits
 * for it), and the spool would only hold disk space. The prefetcher is
 * told to stop and waited for. */
static void
spool_remove(const struct wf_ctx *x)
{
	int fd;

	cursor_set(x, WF_STOP);
	if ((fd = lock_open(x)) >= 0) {
		while (flock(fd, LOCK_EX) != 0 && errno == EINTR && !interrupt_requested())
			continue;
		close(fd);
	}
	spool_prune(x, NULL);
	rmdir(x->spool);
}

static int
ctx_init(struct wf_ctx *x, struct s3_client *c, const struct objname *src, const char *name,
    const char *path, const struct walfetch_opts *o, struct dk_err *e)
{
	char *copy = strdup(path);

	memset(x, 0, sizeof(*x));
	x->c = c;
	x->src = src;
	x->o = o;
	x->path = path;
	x->seg = o->seg_size ? o->seg_size : WAL_SEG_DEFAULT;
	if (copy == NULL || (x->dir = strdup(dirname(copy))) == NULL) {
		free(copy);
		return dk_fail(e, DK_EIO, "out of memory");
	}
	free(copy);
	/* Only segments are prefetched or served from the spool: .history
	 * is always fetched fresh, .partial never stands for a segment. */
	if (o->prefetch <= 0 || wal_classify(name) != WAL_SEGMENT)
		return DK_OK;
	if (asprintf(&x->spool, "%s/" WALFETCH_SPOOL_DIR, x->dir) < 0)
		x->spool = NULL;
	else if (mkdir(x->spool, 0777) != 0 && errno != EEXIST) {
		free(x->spool);
		x->spool = NULL;
	}
	return DK_OK;
}

int
walfetch_run(struct s3_client *c, const struct objname *src, const char *name,
    const char *path, const struct walfetch_opts *o, struct walfetch_result *r,
    struct dk_err *e)
{
	struct wf_ctx x;
	struct wf_item it;
	int rc, served = 0;

	memset(r, 0, sizeof(*r));
	memset(&it, 0, sizeof(it));
	if (wal_classify(name) == WAL_OTHER || strchr(name, '/') != NULL)
		return dk_fail(e, DK_EUSAGE, "%s: not a WAL file name (a segment, .partial, "
		    ".history or .backup)", name);
	if ((rc = ctx_init(&x, c, src, name, path, o, e)) != DK_OK)
		goto out;
	if ((rc = item_init(&it, src, name, 0, e)) != DK_OK)
		goto out;
	if (x.spool != NULL) {
		cursor_set(&x, name);
		prefetch_start(&x);
		rc = spool_serve(&x, &it.obj, name, &served, e);
	}
	r->from_spool = served;
	if (rc == DK_OK && !served)
		rc = fetch_asked(&x, &it, e);
	if (x.spool != NULL && rc == DK_OK)
		spool_prune(&x, name);
	else if (x.spool != NULL && rc == DK_ENOTFOUND && e->reason == DK_R_NO_SUCH_KEY)
		spool_remove(&x);
out:
	item_free(&it);
	free(x.spool);
	free(x.dir);
	return rc;
}
