#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gzcheck.h"
#include "interrupt.h"
#include "io.h"
#include "sha256.h"
#include "wal.h"
#include "walfetch.h"

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
	int threaded;			/* placed by tid, to be joined */
	int placed;
};

struct wf_ctx {
	struct s3_client *c;
	const struct walfetch_opts *o;
	char *dir;			/* where path is: pg_wal */
	char *spool;			/* dir/.walfetch-spool, NULL when none */
	const char *path;
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

/* Writes the object's answer to final: whole, verified and synced, or
 * nothing at all. */
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
	if (rc == DK_OK && fsync(fd) != 0)
		rc = dk_fail(e, DK_EIO, "cannot sync %s: %s", tmp, strerror(errno));
	if (close(fd) != 0 && rc == DK_OK)
		rc = dk_fail(e, DK_EIO, "cannot write %s: %s", tmp, strerror(errno));
	if (rc == DK_OK && rename(tmp, final) != 0)
		rc = dk_fail(e, DK_EIO, "cannot rename %s to %s: %s", tmp, final, strerror(errno));
	if (rc != DK_OK)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* The spool entry of a segment whose recorded SHA-256 is hex. */
static char *
spool_entry(const struct wf_ctx *x, const char *name, const char *hex)
{
	char *p;

	return asprintf(&p, "%s/%s.%s", x->spool, name, hex) < 0 ? NULL : p;
}

/* Whether the spool holds any entry for name, of whatever checksum. */
static int
spool_has(const struct wf_ctx *x, const char *name)
{
	struct dirent *de;
	size_t len = strlen(name);
	int found = 0;
	DIR *d;

	if (x->spool == NULL || (d = opendir(x->spool)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL)
		found = strncmp(de->d_name, name, len) == 0 && de->d_name[len] == '.' &&
		    strstr(de->d_name, ".tmp") == NULL;
	closedir(d);
	return found;
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

/* Checks a spool entry's bytes against hex and its size, then moves it to
 * path. Returns 1 when it was placed, 0 when it failed (and is removed). */
static int
spool_take(const struct wf_ctx *x, const char *entry, const char *name, const char *hex)
{
	unsigned char digest[SHA256_LEN];
	char got[SHA256_HEXLEN + 1];
	struct dk_err e = { 0 };
	struct stat st;
	int fd, rc;

	if ((fd = open(entry, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
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
	log_note(x->o->log, "spool entry %s refused (%s): fetching %s again", entry,
	    e.msg[0] ? e.msg : strerror(errno), name);
	unlink(entry);
	return 0;
}

/* Serves name from the spool when an entry there has the checksum the
 * archive records for it now (one HEAD) and still verifies; *served says
 * whether it did. */
static int
spool_serve(const struct wf_ctx *x, const struct objname *obj, const char *name, int *served,
    struct dk_err *e)
{
	struct s3_object_info info;
	char hex[SHA256_HEXLEN + 1], *entry;
	int rc;

	*served = 0;
	if (x->spool == NULL || !spool_has(x, name))
		return DK_OK;
	if ((rc = s3_head(x->c, obj, &info, e)) != DK_OK)
		return rc;
	recorded_hex(info.sha256_meta, hex);
	if (hex[0] == '\0' || (entry = spool_entry(x, name, hex)) == NULL)
		return DK_OK;
	if (access(entry, F_OK) == 0)
		*served = spool_take(x, entry, name, hex);
	free(entry);
	return DK_OK;
}

/* Keeps only the entries of the window's segments: the spool stays
 * bounded, and what recovery went past goes. */
static void
spool_prune(const struct wf_ctx *x, char (*window)[WAL_NAME_LEN + 1], size_t n)
{
	struct dirent *de;
	char path[4096];
	DIR *d;

	if ((d = opendir(x->spool)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		int keep = 0;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		for (size_t i = 0; i < n && !keep; i++)
			keep = strncmp(de->d_name, window[i], WAL_NAME_LEN) == 0 &&
			    de->d_name[WAL_NAME_LEN] == '.' && strstr(de->d_name, ".tmp") == NULL;
		if (!keep) {
			snprintf(path, sizeof(path), "%s/%s", x->spool, de->d_name);
			unlink(path);
		}
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

/* The segments after name to have in the spool, when it is time to fetch
 * them: once fewer than half of them are there, all that are missing, so
 * that one call in prefetch / 2 waits for a batch and the others none. */
static size_t
prefetch_plan(const struct wf_ctx *x, const struct objname *src, const char *name,
    struct wf_item *items, struct dk_err *e)
{
	char (*window)[WAL_NAME_LEN + 1];
	size_t n = (size_t)x->o->prefetch, have = 0, k = 0;
	uint64_t seg = x->o->seg_size ? x->o->seg_size : WAL_SEG_DEFAULT;

	if (x->spool == NULL || (window = calloc(n, sizeof(*window))) == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (wal_next_segment(name, seg, (unsigned)i + 1, window[i]) != 0)
			window[i][0] = '\0';
	spool_prune(x, window, n);
	for (size_t i = 0; i < n; i++)
		have += window[i][0] != '\0' && spool_has(x, window[i]);
	for (size_t i = 0; i < n && have * 2 < n; i++) {
		if (window[i][0] == '\0' || spool_has(x, window[i]))
			continue;
		if (item_init(&items[k], src, window[i], 1, e) != DK_OK)
			break;
		k++;
	}
	free(window);
	return k;
}

/* What a finished GET becomes: the file at path, or a spool entry. */
static int
item_place(const struct wf_ctx *x, struct wf_item *it, struct dk_err *e)
{
	char hex[SHA256_HEXLEN + 1], *entry;
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
	if (hex[0] == '\0' || (entry = spool_entry(x, it->name, hex)) == NULL)
		return dk_fail(e, DK_EDATA, "s3://%s/%s: no recorded SHA-256", it->obj.bucket,
		    it->obj.key);
	rc = place_object(x, it, entry, e);
	free(entry);
	return rc;
}

/* Places a spool entry, on a thread of its own: decompressing and hashing
 * the prefetched segments is most of a batch's time, and the machine may
 * have more processors than one. */
static void *
spool_place(void *arg)
{
	struct wf_item *it = arg;

	memset(&it->err, 0, sizeof(it->err));
	it->placed = item_place(it->x, it, &it->err) == DK_OK;
	buf_free(&it->op.call.body_buf);	/* memory goes as soon as it can */
	return NULL;
}

/* Waits for the spool entries being placed and counts them. */
static void
spool_join(const struct wf_ctx *x, struct wf_item *items, size_t n, struct walfetch_result *r)
{
	for (size_t i = 0; i < n; i++) {
		struct wf_item *it = &items[i];
		if (!it->to_spool || it->x == NULL)
			continue;	/* never handed to spool_place */
		if (it->threaded)
			pthread_join(it->tid, NULL);
		it->threaded = 0;
		if (it->placed)
			r->prefetched++;
		else if (it->err.reason != DK_R_NO_SUCH_KEY)
			log_trace(x->o->log, "prefetch: %s", it->err.msg);
	}
}

/* GETs every item at once and places each as it arrives; the status is
 * the requested file's (items[0] when asked is set). */
static int
items_fetch(const struct wf_ctx *x, struct wf_item *items, size_t n, int asked,
    struct walfetch_result *r, struct dk_err *e)
{
	struct s3_op *op;
	int rc = DK_OK;

	for (size_t i = 0; i < n; i++) {
		s3_op_init(&items[i].op, "GET", items[i].obj.bucket, items[i].obj.key);
		items[i].op.user = &items[i];
		if (s3_submit(x->c, &items[i].op, &items[i].op.err) != DK_OK) {
			items[i].op.status = items[i].op.err.status;
			if (i == 0 && asked)
				return dk_fail(e, items[i].op.status, "%s", items[i].op.err.msg);
		}
	}
	while (s3_pending(x->c) > 0) {
		if (interrupt_requested()) {
			spool_join(x, items, n, r);
			s3_cancel_all(x->c);
			dk_fail(e, DK_ESERVICE, "interrupted");
			return dk_err_reason(e, DK_R_INTERRUPTED);
		}
		if ((op = s3_next(x->c, 1000)) == NULL)
			continue;
		struct wf_item *it = op->user;
		if (!it->to_spool) {
			rc = item_place(x, it, e);
			buf_free(&op->call.body_buf);
		} else if (op->status == DK_OK) {
			it->x = x;
			it->threaded = pthread_create(&it->tid, NULL, spool_place, it) == 0;
			if (!it->threaded)
				spool_place(it);
		} else if (op->err.reason != DK_R_NO_SUCH_KEY) {
			log_trace(x->o->log, "prefetch: %s", op->err.msg);
		}
	}
	spool_join(x, items, n, r);
	return rc;
}

static int
ctx_init(struct wf_ctx *x, struct s3_client *c, const char *name, const char *path,
    const struct walfetch_opts *o, struct dk_err *e)
{
	char *copy = strdup(path);

	memset(x, 0, sizeof(*x));
	x->c = c;
	x->o = o;
	x->path = path;
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
	struct wf_item *items = NULL;
	size_t n = 0;
	int rc, served = 0;

	memset(r, 0, sizeof(*r));
	if (wal_classify(name) == WAL_OTHER || strchr(name, '/') != NULL)
		return dk_fail(e, DK_EUSAGE, "%s: not a WAL file name (a segment, .partial, "
		    ".history or .backup)", name);
	if ((rc = ctx_init(&x, c, name, path, o, e)) != DK_OK)
		goto out;
	if ((items = calloc((size_t)(o->prefetch > 0 ? o->prefetch : 0) + 1,
	    sizeof(*items))) == NULL) {
		rc = dk_fail(e, DK_EIO, "out of memory");
		goto out;
	}
	if ((rc = item_init(&items[0], src, name, 0, e)) != DK_OK)
		goto out;
	n = 1;
	if ((rc = spool_serve(&x, &items[0].obj, name, &served, e)) != DK_OK)
		goto out;
	r->from_spool = served;
	n += prefetch_plan(&x, src, name, items + 1, e);
	if (served)
		rc = items_fetch(&x, items + 1, n - 1, 0, r, e);
	else
		rc = items_fetch(&x, items, n, 1, r, e);
	/* The segment asked for is not archived: recovery ends here (or
	 * waits for it), and the spool would only hold disk space. */
	if (rc == DK_ENOTFOUND && e->reason == DK_R_NO_SUCH_KEY && x.spool != NULL) {
		spool_prune(&x, NULL, 0);
		rmdir(x.spool);
	}
out:
	for (size_t i = 0; i < n; i++)
		item_free(&items[i]);
	free(items);
	free(x.spool);
	free(x.dir);
	return rc;
}
