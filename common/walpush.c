#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "interrupt.h"
#include "io.h"
#include "sha256.h"
#include "vec.h"
#include "wal.h"
#include "walpush.h"
#include "walstate.h"

#define WP_PACK_THREADS 8

enum wp_phase { WP_HEAD, WP_PUT, WP_RECHECK, WP_DONE };

/* The file is read in chunks that stay in the cache while they are hashed
 * and compressed: a buffer of the whole file would cost a page fault per
 * page on every call. */
#define WP_CHUNK (256 * 1024)

/* One file on its way: read, hashed, gzipped, then HEAD (is it there?),
 * PUT if not, and HEAD again when the PUT's condition failed. */
struct wp_item {
	char *path;
	const char *name;		/* base name, inside path */
	struct objname obj;		/* bucket borrowed, key owned */
	struct stat st;
	int fd;				/* open from item_open to item_free */
	size_t len;
	unsigned char *gz;
	size_t gzlen;
	char hex[SHA256_HEXLEN + 1];
	enum wp_phase phase;
	int identical;
	struct s3_op op;
	struct dk_err err;
};

static void
item_free(struct wp_item *it)
{
	s3_op_free(&it->op);
	if (it->fd >= 0)
		close(it->fd);
	free(it->path);
	free(it->obj.key);
	free(it->gz);
	memset(it, 0, sizeof(*it));
	it->fd = -1;
}

static int
item_init(struct wp_item *it, const char *path, const struct objname *dest, struct dk_err *e)
{
	const char *slash;

	memset(it, 0, sizeof(*it));
	it->fd = -1;
	if ((it->path = strdup(path)) == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	slash = strrchr(it->path, '/');
	it->name = slash != NULL ? slash + 1 : it->path;
	if (wal_classify(it->name) == WAL_OTHER)
		return dk_fail(e, DK_EUSAGE, "%s: not a WAL file name (a segment, .partial, "
		    ".history or .backup)", path);
	it->obj.bucket = dest->bucket;
	if ((it->obj.key = wal_object_key(dest->key, it->name)) == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	return DK_OK;
}

/* A segment (or .partial) must be as long as its first page says:
 * anything else is not what PostgreSQL wrote. */
static int
item_check_size(const struct wp_item *it, const unsigned char *page, size_t pagelen,
    struct dk_err *e)
{
	enum wal_kind k = wal_classify(it->name);
	uint64_t want;

	if (k != WAL_SEGMENT && k != WAL_PARTIAL)
		return DK_OK;
	want = wal_page_seg_size(page, pagelen);
	if (want == 0 || want == it->len)
		return DK_OK;
	dk_fail(e, DK_EDATA, "%s: %zu bytes, but its header says segments are %llu bytes",
	    it->path, it->len, (unsigned long long)want);
	return dk_err_object(e, "%s", it->path);
}

static int
item_open(struct wp_item *it, struct dk_err *e)
{
	if ((it->fd = open(it->path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(it->fd, &it->st) != 0)
		return dk_fail(e, DK_EIO, "cannot open %s: %s", it->path, strerror(errno));
	if (!S_ISREG(it->st.st_mode))
		return dk_fail(e, DK_EIO, "%s: not a regular file", it->path);
	it->len = (size_t)it->st.st_size;
	return DK_OK;
}

/* Starts gzip into a buffer that holds the whole of it: the PUT sends it
 * in one request. */
static int
item_deflate_init(struct wp_item *it, z_stream *zs, int level, struct dk_err *e)
{
	if (deflateInit2(zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return dk_fail(e, DK_EIO, "zlib: cannot start deflate");
	it->gzlen = deflateBound(zs, it->len);
	if ((it->gz = malloc(it->gzlen)) == NULL) {
		deflateEnd(zs);
		return dk_fail(e, DK_EIO, "out of memory for %s", it->path);
	}
	zs->next_out = it->gz;
	zs->avail_out = (uInt)it->gzlen;
	return DK_OK;
}

/* Compresses a chunk; the last one (shorter than WP_CHUNK) ends the
 * stream. */
static int
item_deflate(struct wp_item *it, z_stream *zs, unsigned char *chunk, size_t n,
    struct dk_err *e)
{
	int last = n < WP_CHUNK, zrc;

	zs->next_in = chunk;
	zs->avail_in = (uInt)n;
	zrc = deflate(zs, last ? Z_FINISH : Z_NO_FLUSH);
	if (last ? zrc == Z_STREAM_END : zrc == Z_OK && zs->avail_in == 0)
		return DK_OK;
	return dk_fail(e, DK_EIO, "zlib: cannot compress %s", it->path);
}

/* Reads the file from its start once, hashing it and, when level is not 0,
 * gzipping it: what is stored is what was hashed. */
static int
item_read(struct wp_item *it, int level, struct dk_err *e)
{
	unsigned char *chunk, digest[SHA256_LEN], page[64];
	struct sha256 h = { NULL };
	z_stream zs = { 0 };
	size_t off = 0, pagelen = 0;
	ssize_t n;
	int rc;

	if ((chunk = malloc(WP_CHUNK)) == NULL)
		return dk_fail(e, DK_EIO, "out of memory for %s", it->path);
	if ((rc = sha256_init(&h, e)) != DK_OK ||
	    (level > 0 && (rc = item_deflate_init(it, &zs, level, e)) != DK_OK)) {
		sha256_free(&h);
		free(chunk);
		return rc;
	}
	if (lseek(it->fd, 0, SEEK_SET) != 0)
		rc = dk_fail(e, DK_EIO, "cannot read %s: %s", it->path, strerror(errno));
	do {
		if (rc != DK_OK || (n = io_read_full(it->fd, chunk, WP_CHUNK, it->path, e)) < 0) {
			rc = rc != DK_OK ? rc : DK_EIO;
			break;
		}
		if (off == 0) {
			pagelen = (size_t)n < sizeof(page) ? (size_t)n : sizeof(page);
			memcpy(page, chunk, pagelen);
		}
		if ((off += (size_t)n) > it->len) {
			rc = dk_fail(e, DK_EIO, "%s: grew while it was read", it->path);
			break;
		}
		sha256_update(&h, chunk, (size_t)n);
		if (level > 0)
			rc = item_deflate(it, &zs, chunk, (size_t)n, e);
	} while (rc == DK_OK && n == WP_CHUNK);
	if (rc == DK_OK && off != it->len)
		rc = dk_fail(e, DK_EIO, "%s: shrank while it was read", it->path);
	if (rc == DK_OK)
		rc = item_check_size(it, page, pagelen, e);
	if (level > 0) {
		it->gzlen = zs.total_out;
		deflateEnd(&zs);
	}
	sha256_final(&h, digest);
	sha256_free(&h);
	sha256_hex(digest, it->hex);
	free(chunk);
	return rc;
}

/* Reads, hashes and gzips items[0..n-1] on as many threads as there are
 * processors: on a backlog, compression is what the time goes to. A
 * failed item has its err set and phase WP_DONE. */
struct wp_pack {
	struct wp_item *items;
	size_t n;
	int level;
	atomic_size_t next;
};

static void *
pack_work(void *arg)
{
	struct wp_pack *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n) {
		struct wp_item *it = &p->items[i];
		if (item_read(it, p->level, &it->err) != DK_OK)
			it->phase = WP_DONE;
	}
	return NULL;
}

static void
items_pack(struct wp_item *items, size_t n, int level)
{
	struct wp_pack p = { .items = items, .n = n, .level = level };
	pthread_t tid[WP_PACK_THREADS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t k = 0, want = cpus > 1 ? (size_t)cpus : 1;

	atomic_init(&p.next, 0);
	if (want > n)
		want = n;
	if (want > WP_PACK_THREADS)
		want = WP_PACK_THREADS;
	/* This thread is one of the workers. */
	while (k + 1 < want && pthread_create(&tid[k], NULL, pack_work, &p) == 0)
		k++;
	pack_work(&p);
	while (k > 0)
		pthread_join(tid[--k], NULL);
}

static int
state_line(const struct wp_item *it, char *line, size_t size)
{
	return snprintf(line, size, "%s %lld %lld.%09ld s3://%s/%s\n", it->hex,
	    (long long)it->st.st_size, (long long)it->st.st_mtim.tv_sec,
	    it->st.st_mtim.tv_nsec, it->obj.bucket, it->obj.key);
}

/* Whether an earlier call stored this very file (size, mtime and SHA-256)
 * under the same object; the entry is used up either way. */
static int
item_state_take(const struct walstate *s, const struct wp_item *it)
{
	char line[2048];

	state_line(it, line, sizeof(line));
	return walstate_take(s, it->name, line);
}

static void
item_state_put(const struct walstate *s, const struct wp_item *it)
{
	char line[2048];

	state_line(it, line, sizeof(line));
	walstate_put(s, it->name, line);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The segments .ready in WALDIR/archive_status, after asked, oldest first,
 * at most max; PostgreSQL's status files are only read. */
static size_t
ready_segments(const char *waldir, const char *asked, int max, char ***out)
{
	char path[4096], **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/archive_status", waldir);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len != WAL_NAME_LEN + strlen(".ready") ||
		    strcmp(de->d_name + WAL_NAME_LEN, ".ready") != 0)
			continue;
		de->d_name[WAL_NAME_LEN] = '\0';
		if (wal_classify(de->d_name) != WAL_SEGMENT || strcmp(de->d_name, asked) <= 0)
			continue;
		if (vec_reserve((void **)&v, &cap, n + 1, sizeof(*v)) != 0 ||
		    (v[n] = strdup(de->d_name)) == NULL)
			break;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), name_cmp);
	while (n > (size_t)max)
		free(v[--n]);
	*out = v;
	return n;
}

static int
item_submit(struct s3_client *c, struct wp_item *it, struct dk_err *e)
{
	s3_op_free(&it->op);
	s3_op_init(&it->op, it->phase == WP_PUT ? "PUT" : "HEAD", it->obj.bucket, it->obj.key);
	it->op.user = it;
	if (it->phase == WP_PUT) {
		it->op.body = it->gz;
		it->op.body_len = it->gzlen;
		it->op.send_body = 1;
		s3_op_header(&it->op, "x-amz-meta-sha256", "%s", it->hex);
		/* Where the service honours it, no race can replace the object
		 * between our HEAD and this PUT. */
		s3_op_header(&it->op, "If-None-Match", "*");
	}
	return s3_submit(c, &it->op, e);
}

/* Decides what a finished request means for its file; returns whether the
 * item needs another request. */
static int
item_settle(struct wp_item *it)
{
	struct s3_op *op = &it->op;

	if (it->phase == WP_PUT) {
		if (op->status == DK_OK) {
			it->phase = WP_DONE;
			return 0;
		}
		if (op->err.reason != DK_R_EXISTS) {
			it->err = op->err;
			it->phase = WP_DONE;
			return 0;
		}
		/* 412: someone stored it meanwhile; is it the same file? */
		it->phase = WP_RECHECK;
		return 1;
	}
	if (op->status == DK_ENOTFOUND && op->err.reason == DK_R_NO_SUCH_KEY &&
	    it->phase == WP_HEAD) {
		it->phase = WP_PUT;
		return 1;
	}
	it->phase = WP_DONE;
	if (op->status != DK_OK) {
		it->err = op->err;
		return 0;
	}
	if (strcasecmp(op->call.sha256_meta, it->hex) == 0) {
		it->identical = 1;
		return 0;
	}
	dk_fail(&it->err, DK_ESAFETY, "s3://%s/%s exists with %s%s, but %s has SHA-256 %s: "
	    "kept, not replaced", it->obj.bucket, it->obj.key,
	    op->call.sha256_meta[0] ? "SHA-256 " : "no recorded SHA-256",
	    op->call.sha256_meta, it->path, it->hex);
	dk_err_object(&it->err, "s3://%s/%s", it->obj.bucket, it->obj.key);
	dk_err_reason(&it->err, DK_R_EXISTS);
	return 0;
}

/* Runs every item to its end, n at once. */
static int
items_run(struct s3_client *c, struct wp_item *items, size_t n, struct dk_err *e)
{
	struct s3_op *op;
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if (items[i].phase != WP_DONE && item_submit(c, &items[i], &items[i].err) != DK_OK)
			items[i].phase = WP_DONE;
	while (s3_pending(c) > 0) {
		if (interrupt_requested()) {
			s3_cancel_all(c);
			dk_fail(e, DK_ESERVICE, "interrupted");
			return dk_err_reason(e, DK_R_INTERRUPTED);
		}
		if ((op = s3_next(c, 1000)) == NULL)
			continue;
		struct wp_item *it = op->user;
		if (item_settle(it) && (rc = item_submit(c, it, &it->err)) != DK_OK)
			it->phase = WP_DONE;
	}
	return DK_OK;
}

static char *
wal_dir_of(const char *path)
{
	char *copy = strdup(path), *dir;

	if (copy == NULL)
		return NULL;
	dir = strdup(dirname(copy));
	free(copy);
	return dir;
}

/* Opens the segments to push ahead into items[1..]; returns how many. */
static size_t
ahead_load(const struct walstate *st, const char *waldir, const struct wp_item *asked,
    const struct objname *dest, const struct walpush_opts *o, struct wp_item *items)
{
	char **names, path[4096];
	size_t n = ready_segments(waldir, asked->name, o->lookahead, &names), k = 0;
	struct dk_err ignored;

	for (size_t i = 0; i < n; i++) {
		struct wp_item *it = &items[k];
		int known = walstate_has(st, names[i]);
		snprintf(path, sizeof(path), "%s/%s", waldir, names[i]);
		free(names[i]);
		if (known)
			continue;
		memset(&ignored, 0, sizeof(ignored));
		if (item_init(it, path, dest, &ignored) != DK_OK || item_open(it, &ignored) != DK_OK) {
			item_free(it);
			continue;
		}
		k++;
	}
	free(names);
	return k;
}

/* Drops the segments ahead that could not be read: they wait for their
 * own call. Returns how many items are left. */
static size_t
ahead_drop_failed(struct wp_item *items, size_t n)
{
	size_t k = 1;

	for (size_t i = 1; i < n; i++) {
		if (items[i].phase == WP_DONE) {
			item_free(&items[i]);
			continue;
		}
		if (k != i) {
			items[k] = items[i];	/* nothing points into it yet */
			memset(&items[i], 0, sizeof(items[i]));
			items[i].fd = -1;
		}
		k++;
	}
	return k;
}

int
walpush_run(struct s3_client *c, const struct objname *dest, const char *path,
    const struct walpush_opts *o, struct walpush_result *r, struct dk_err *e)
{
	struct wp_item *items;
	struct walstate st = { NULL };
	char *waldir;
	size_t n = 1;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((items = calloc((size_t)o->lookahead + 1, sizeof(*items))) == NULL ||
	    (waldir = wal_dir_of(path)) == NULL) {
		free(items);
		return dk_fail(e, DK_EIO, "out of memory");
	}
	walstate_open(&st, waldir);
	if ((rc = item_init(&items[0], path, dest, e)) != DK_OK ||
	    (rc = item_open(&items[0], e)) != DK_OK)
		goto out;
	/* Pushed ahead earlier: hashed to be checked, not compressed. */
	if (walstate_has(&st, items[0].name)) {
		if ((rc = item_read(&items[0], 0, e)) != DK_OK)
			goto out;
		if (item_state_take(&st, &items[0])) {
			r->remembered = 1;
			log_trace(o->log, "%s: pushed ahead earlier as s3://%s/%s, unchanged since",
			    path, items[0].obj.bucket, items[0].obj.key);
			goto out;
		}
	}
	if (st.dir != NULL && o->lookahead > 0) {
		walstate_prune(&st, waldir);
		n += ahead_load(&st, waldir, &items[0], dest, o, items + 1);
	}
	items_pack(items, n, o->level);
	if (items[0].phase == WP_DONE) {
		*e = items[0].err;
		rc = e->status;
		goto out;
	}
	n = ahead_drop_failed(items, n);
	if ((rc = items_run(c, items, n, e)) != DK_OK)
		goto out;
	for (size_t i = 1; i < n; i++) {
		if (items[i].err.status == DK_OK) {
			item_state_put(&st, &items[i]);
			r->ahead++;
		} else {
			log_trace(o->log, "pushing ahead: %s", items[i].err.msg);
		}
	}
	r->identical = items[0].identical;
	if (items[0].err.status != DK_OK) {
		*e = items[0].err;
		rc = e->status;
	}
out:
	for (size_t i = 0; i < n; i++)
		item_free(&items[i]);
	free(items);
	free(st.dir);
	free(waldir);
	return rc;
}
