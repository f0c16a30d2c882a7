#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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
#include "walprefetch.h"
#include "walspool.h"

/* Syncs a directory, so that a rename in it survives a crash. */
int
walfetch_sync_dir(const char *dir, struct dk_err *e)
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
int
walfetch_check_size(const struct wf_ctx *x, const char *name, int fd, uint64_t size,
    const char *what, struct dk_err *e)
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
		rc = walfetch_check_size(x, it->name, fd, size, what, e);
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
void
walfetch_recorded_hex(const char *meta, char hex[SHA256_HEXLEN + 1])
{
	unsigned char digest[SHA256_LEN];

	if (sha256_parse_hex(meta, digest))
		sha256_hex(digest, hex);
	else
		hex[0] = '\0';
}

int
walfetch_item_init(struct wf_item *it, const struct objname *src, const char *name, int to_spool,
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

void
walfetch_item_free(struct wf_item *it)
{
	s3_op_free(&it->op);
	free(it->obj.key);
	it->obj.key = NULL;
}

/* A GET of the item's object, held whole: as long as a segment of the
 * size it may have, gzipped, can be. */
int
walfetch_item_submit(const struct wf_ctx *x, struct wf_item *it, struct dk_err *e)
{
	uint64_t seg = x->o->seg_size ? x->o->seg_size : WAL_SEG_MAX;

	s3_op_init(&it->op, "GET", it->obj.bucket, it->obj.key);
	it->op.user = it;
	if (wal_classify(it->name) == WAL_SEGMENT || wal_classify(it->name) == WAL_PARTIAL)
		it->op.max_body = (size_t)(seg + seg / 64 + (1u << 20));
	return s3_submit(x->c, &it->op, e);
}

/* What a finished GET becomes: the file at path, or a spool entry. */
int
walfetch_item_place(const struct wf_ctx *x, struct wf_item *it, struct dk_err *e)
{
	char hex[SHA256_HEXLEN + 1], entry[4096];
	int rc;

	if (it->op.status != DK_OK) {
		*e = it->op.err;
		return e->status;
	}
	if (!it->to_spool) {
		if ((rc = place_object(x, it, x->path, e)) == DK_OK)
			rc = walfetch_sync_dir(x->dir, e);
		return rc;
	}
	walfetch_recorded_hex(it->op.call.sha256_meta, hex);
	if (hex[0] == '\0')
		return dk_fail(e, DK_EDATA, "s3://%s/%s: no recorded SHA-256", it->obj.bucket,
		    it->obj.key);
	spool_entry(x, it->name, hex, entry);
	return place_object(x, it, entry, e);
}

/* Fetches the file asked for itself, to path. */
static int
fetch_asked(const struct wf_ctx *x, struct wf_item *it, struct dk_err *e)
{
	int rc;

	if ((rc = walfetch_item_submit(x, it, e)) != DK_OK)
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
	rc = walfetch_item_place(x, it, e);
	buf_free(&it->op.call.body_buf);
	return rc;
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
	if ((rc = walfetch_item_init(&it, src, name, 0, e)) != DK_OK)
		goto out;
	if (x.spool != NULL) {
		spool_cursor_set(&x, name);
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
	walfetch_item_free(&it);
	free(x.spool);
	free(x.dir);
	return rc;
}
