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

static int
inflate_open(struct wf_inflate *f, int fd, const char *what, const char *hex, struct dk_err *e)
{
	int rc;

	memset(f, 0, sizeof(*f));
	f->what = what;
	io_fd_sink_init(&f->out, fd, what);
	io_fd_sink_writeback(&f->out, IO_WRITEBACK);
	if ((rc = sha256_sink_init(&f->sum, &f->out.sink, e)) != DK_OK)
		return rc;
	f->sum_ready = 1;
	if ((rc = sha256_sink_expect(&f->sum, hex, what, e)) != DK_OK ||
	    (rc = gzcheck_init(&f->g, &f->sum.sink, 0, e)) != DK_OK)
		return rc;
	f->gz_ready = 1;
	return DK_OK;
}

/* Ends the stream when rc says all went well (the gzip trailer, the
 * checksum), and frees it in any case; *size is what came out. */
static int
inflate_close(struct wf_inflate *f, int rc, uint64_t *size, struct dk_err *e)
{
	if (rc == DK_OK && f->gz_ready)
		rc = gzcheck_finish(&f->g, e);
	if (f->gz_ready) {
		*size = f->g.out_bytes;
		gzcheck_free(&f->g);
	}
	/* gzcheck says where in the stream; the log must say which. */
	if (rc == DK_EDATA && strncmp(e->msg, f->what, strlen(f->what)) != 0) {
		char msg[sizeof(e->msg)];
		snprintf(msg, sizeof(msg), "%s", e->msg);
		dk_refail(e, rc, "%s: %s", f->what, msg);
		dk_err_object(e, "%s", f->what);
	}
	if (rc == DK_OK && f->gz_ready)
		rc = sink_finish(&f->sum.sink, e);
	if (f->sum_ready)
		sha256_sink_free(&f->sum);
	f->sum_ready = f->gz_ready = 0;
	return rc;
}

/* Where the item goes: path, or its spool entry (named by its checksum). */
static void
item_final(const struct wf_item *it, char final[4096])
{
	if (it->to_spool)
		spool_entry(it->x, it->name, it->hex, final);
	else
		snprintf(final, 4096, "%s", it->x->path);
}

/* Makes the item's temporary file final: a segment's size checked,
 * synced, renamed; removed instead when rc or a step fails. A spool
 * entry is stamped (spool_stamp) before its sync, and not renamed into
 * place once no call will want it. */
static int
item_commit(struct wf_item *it, uint64_t size, int rc, struct dk_err *e)
{
	const struct wf_ctx *x = it->x;
	char final[4096];

	if (rc == DK_OK)
		rc = walfetch_check_size(x, it->name, it->fd, size, it->what, e);
	if (rc == DK_OK && it->to_spool) {
		struct timespec ts[2] = { { 0, UTIME_OMIT }, spool_stamp(it->hex) };
		futimens(it->fd, ts);	/* without it, the entry is read again */
	}
	if (rc == DK_OK && fsync(it->fd) != 0)
		rc = dk_fail(e, DK_EIO, "cannot sync %s: %s", it->tmp, strerror(errno));
	if (close(it->fd) != 0 && rc == DK_OK)
		rc = dk_fail(e, DK_EIO, "cannot write %s: %s", it->tmp, strerror(errno));
	it->fd = -1;
	if (rc == DK_OK && it->to_spool && !spool_wanted(x, it->name))
		rc = dk_fail(e, DK_EIO, "%s: no longer wanted", it->name);
	item_final(it, final);
	if (rc == DK_OK && rename(it->tmp, final) != 0)
		rc = dk_fail(e, DK_EIO, "cannot rename %s to %s: %s", it->tmp, final,
		    strerror(errno));
	if (rc != DK_OK)
		unlink(it->tmp);
	free(it->tmp);
	it->tmp = NULL;
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
	it->fd = -1;
	snprintf(it->name, sizeof(it->name), "%s", name);
	it->to_spool = to_spool;
	it->obj.bucket = src->bucket;
	if ((it->obj.key = wal_object_key(src->key, name)) == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	snprintf(it->what, sizeof(it->what), "s3://%s/%s", it->obj.bucket, it->obj.key);
	return DK_OK;
}

/* Frees the item; a temporary file it left (a GET cancelled or failed
 * before item_place) goes too. */
void
walfetch_item_free(struct wf_item *it)
{
	struct dk_err ignored = { 0 };
	uint64_t size;

	if (it->fd >= 0) {
		inflate_close(&it->f, DK_ESERVICE, &size, &ignored);
		item_commit(it, 0, DK_ESERVICE, &ignored);
	}
	s3_op_free(&it->op);
	free(it->obj.key);
	it->obj.key = NULL;
}

/* The most a GET of the item's object may answer: as long as a segment
 * of the size it may have, gzipped, can be; a small answer's cap for the
 * other files. */
static uint64_t
item_cap(const struct wf_ctx *x, const struct wf_item *it)
{
	uint64_t seg = x->o->seg_size ? x->o->seg_size : WAL_SEG_MAX;
	enum wal_kind k = wal_classify(it->name);

	if (k == WAL_SEGMENT || k == WAL_PARTIAL)
		return seg + seg / 64 + (1u << 20);
	return S3_ANSWER_MAX;
}

static int
no_checksum(const char *what, struct dk_err *e)
{
	dk_fail(e, DK_EDATA, "%s: no recorded SHA-256 (x-amz-meta-sha256): not "
	    "stored by walpush, or stored without it", what);
	return dk_err_reason(e, DK_R_NO_CHECKSUM);
}

/* The answer's size, from its Content-Range or Content-Length; what was
 * asked for when it says neither. */
static uint64_t
answer_size(const struct s3_op *op)
{
	const struct http_call *h = &op->call;
	uint64_t from, to, total;

	if (h->status == 206 && http_content_range(h, &from, &to, &total))
		return total;
	if (h->status == 200 && h->has_content_length)
		return h->content_length;
	return op->range_len;
}

/* The answer's headers: the recorded checksum and the object's size,
 * then the temporary file, once; a resumed answer must record the same
 * checksum (s3.c checks its ETag). */
static int
item_answer(struct s3_op *op)
{
	struct wf_item *it = op->user;
	char hex[SHA256_HEXLEN + 1], final[4096];
	uint64_t size = answer_size(op);

	walfetch_recorded_hex(op->call.sha256_meta, hex);
	if (it->fd >= 0) {
		if (strcmp(hex, it->hex) == 0)
			return DK_OK;
		dk_fail(&op->err, DK_EDATA, "%s changed while it was read: start again", it->what);
		return dk_err_reason(&op->err, DK_R_CHANGED);
	}
	if (hex[0] == '\0')
		return no_checksum(it->what, &op->err);
	if (size == 0)
		return dk_fail(&op->err, DK_EDATA, "%s: an empty object, not a gzipped WAL file",
		    it->what);
	if (size > op->range_len)
		return dk_fail(&op->err, DK_EDATA, "%s: %llu bytes, more than a gzipped WAL file "
		    "of that name can be (%llu)", it->what, (unsigned long long)size,
		    (unsigned long long)op->range_len);
	op->range_len = size;
	snprintf(op->pin_etag, sizeof(op->pin_etag), "%s", op->call.etag);
	memcpy(it->hex, hex, sizeof(hex));
	item_final(it, final);
	if ((it->fd = temp_open(final, &it->tmp, &op->err)) < 0)
		return op->err.status;
	return inflate_open(&it->f, it->fd, it->what, it->hex, &op->err);
}

static int
item_data(struct s3_op *op, const void *p, size_t n)
{
	struct wf_item *it = op->user;

	return gzcheck_update(&it->f.g, p, n, &op->err);
}

/* A GET of the item's object, streamed: decompressed, hashed and written
 * to a temporary file beside where it goes while its bytes arrive, so
 * that the download and that work overlap and nothing is held whole. A
 * dropped connection resumes where it broke, pinned to the object's ETag.
 * walfetch_item_place then checks the end and makes it final. */
int
walfetch_item_submit(const struct wf_ctx *x, struct wf_item *it, struct dk_err *e)
{
	struct s3_client *c;

	it->x = x;
	s3_op_init(&it->op, "GET", it->obj.bucket, it->obj.key);
	it->op.user = it;
	it->op.deliver = item_data;
	it->op.on_answer = item_answer;
	it->op.ranged = 1;
	it->op.range_len = item_cap(x, it);
	if ((c = s3_lazy_client(x->lc, e)) == NULL)
		return e->status;
	return s3_submit(c, &it->op, e);
}

/* A finished GET: the file at path, or a spool entry; whole, verified
 * and synced, or nothing at all. */
int
walfetch_item_place(const struct wf_ctx *x, struct wf_item *it, struct dk_err *e)
{
	const struct s3_op *op = &it->op;
	uint64_t size = 0;
	int rc = op->status;

	if (rc != DK_OK) {
		*e = op->err;
		/* No range of an empty object can be had: not a gzip stream. */
		if (e->http_status == 416)
			rc = dk_refail(e, DK_EDATA, "%s: an empty object, not a gzipped WAL file",
			    it->what);
	} else if (op->delivered != op->range_len) {
		rc = dk_fail(e, DK_ESERVICE, "%s: the service answered %llu of its %llu bytes",
		    it->what, (unsigned long long)op->delivered,
		    (unsigned long long)op->range_len);
	}
	if (it->fd < 0)
		return rc;
	rc = inflate_close(&it->f, rc, &size, e);
	if ((rc = item_commit(it, size, rc, e)) == DK_OK && !it->to_spool)
		rc = walfetch_sync_dir(x->dir, e);
	return rc;
}

/* Fetches the file asked for itself, to path. */
static int
fetch_asked(const struct wf_ctx *x, struct wf_item *it, struct dk_err *e)
{
	int rc;

	if ((rc = walfetch_item_submit(x, it, e)) != DK_OK)
		return rc;
	while (s3_pending(x->lc->c) > 0) {
		if (interrupt_requested()) {
			s3_cancel_all(x->lc->c);
			dk_fail(e, DK_ESERVICE, "interrupted");
			return dk_err_reason(e, DK_R_INTERRUPTED);
		}
		if (s3_next(x->lc->c, 1000) != NULL)
			break;
	}
	return walfetch_item_place(x, it, e);
}

static int
ctx_init(struct wf_ctx *x, struct s3_lazy *lc, const struct objname *src, const char *name,
    const char *path, const struct walfetch_opts *o, struct dk_err *e)
{
	char *copy = strdup(path);

	memset(x, 0, sizeof(*x));
	x->lc = lc;
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
	/* The archive, as configured (the endpoint, or AWS's region), for
	 * the spool to tell its entries from another archive's. */
	if (asprintf(&x->source, "%s %s %s", lc->set->endpoint ? lc->set->endpoint :
	    lc->set->region, src->bucket, src->key) < 0) {
		x->source = NULL;
		return DK_OK;
	}
	if (asprintf(&x->spool, "%s/" WALFETCH_SPOOL_DIR, x->dir) < 0)
		x->spool = NULL;
	else if (mkdir(x->spool, 0777) != 0 && errno != EEXIST) {
		free(x->spool);
		x->spool = NULL;
	}
	return DK_OK;
}

int
walfetch_run(struct s3_lazy *lc, const struct objname *src, const char *name,
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
	if ((rc = ctx_init(&x, lc, src, name, path, o, e)) != DK_OK)
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
	free(x.source);
	free(x.dir);
	return rc;
}
