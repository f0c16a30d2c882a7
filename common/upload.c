#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "clock.h"
#include "hex.h"
#include "interrupt.h"
#include "io.h"
#include "recorded.h"
#include "sumfile.h"
#include "upload.h"
#include "vec.h"

size_t
upload_part_size_for(uint64_t expected, size_t want)
{
	uint64_t need = (expected + UPLOAD_MAX_PARTS - 1) / UPLOAD_MAX_PARTS;
	const uint64_t mib = 1024 * 1024;

	need = (need + mib - 1) / mib * mib;	/* whole MiB, for readable notes */
	return need > want ? (size_t)need : want;
}

/* Where parts may differ, they grow so that 10,000 of them reach 5 TiB:
 * the size doubles every 1,000 parts. */
static size_t
part_size_at(const struct upload *u, size_t part_number)
{
	size_t s = u->o.part_size;

	if (u->o.equal_parts)
		return s;
	for (size_t i = (part_number - 1) / 1000; i > 0 && s < (size_t)1 << 30; i--)
		s *= 2;
	return s;
}

/* Records the ETag of a part that finished; its bytes and time tell the
 * ramp whether more parts in flight still pay. */
static int
part_settle(struct upload *u, struct s3_op *op, struct dk_err *e)
{
	struct upload_part *p = op->user;

	p->busy = 0;
	u->flying--;
	if (op->status != DK_OK)
		return dk_fail(e, op->err.status, "part %zu: %s", p->number, op->err.msg);
	if ((u->etags[p->number - 1] = strdup(op->call.etag)) == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	int was = ramp_width(&u->ramp);
	ramp_done(&u->ramp, p->len, clock_now());
	if (u->o.adaptive && (ramp_width(&u->ramp) != was ||
	    (u->ramp.settled && !u->ramp_told))) {
		log_trace(s3_client_log(u->c), "parts in flight: %d%s (%d moved %.0f MB/s)",
		    ramp_width(&u->ramp), !u->ramp.settled ? "" :
		    ramp_width(&u->ramp) == u->o.jobs ? ", settled: the most allowed" :
		    ", settled: more did not pay", was, u->ramp.last_rate / 1e6);
		u->ramp_told = u->ramp.settled;
	}
	s3_op_free(op);
	return DK_OK;
}

/* Waits for one part in flight and records its ETag. */
static int
part_collect(struct upload *u, struct dk_err *e)
{
	struct s3_op *op;

	while ((op = s3_next(u->c, 200)) == NULL) {
		if (interrupt_requested())
			return dk_fail(e, DK_EIO, "interrupted");
		if (s3_pending(u->c) == 0)
			return dk_fail(e, DK_EIO, "internal error: no part in flight");
	}
	return part_settle(u, op, e);
}

/* Moves the parts in flight along until there is input to read: libcurl
 * transfers only while called, so reading and sending take turns in small
 * steps. A producer that pauses (pg_dump on a large table) must not leave
 * the parts unsent, or their connections idle until the service drops
 * them; one that is fast must not starve them either. */
static int
input_wait(struct upload *u, int fd, struct dk_err *e)
{
	struct pollfd in = { .fd = fd, .events = POLLIN };
	struct s3_op *op;
	int rc, wait = 0;

	while (s3_pending(u->c) > 0 && !interrupt_requested()) {
		if ((op = s3_next(u->c, wait)) != NULL) {
			if ((rc = part_settle(u, op, e)) != DK_OK)
				return rc;
			continue;
		}
		if (poll(&in, 1, 0) != 0)
			break;
		wait = 1;	/* nothing to read yet: wait on the transfers */
	}
	return DK_OK;
}

static int
etags_reserve(struct upload *u, size_t n, struct dk_err *e)
{
	size_t old = u->cap_etags;

	if (vec_reserve((void **)&u->etags, &u->cap_etags, n, sizeof(*u->etags)) != 0)
		return dk_fail(e, DK_EIO, "out of memory");
	/* A part not yet done has no ETag: NULL, freed as such. */
	memset(u->etags + old, 0, (u->cap_etags - old) * sizeof(*u->etags));
	return DK_OK;
}

/* A fixed -j is the width from the start; otherwise the ramp looks for
 * the width the path needs, up to jobs. */
static void
width_start(struct upload *u)
{
	ramp_init(&u->ramp, u->o.adaptive && u->o.jobs > UPLOAD_JOBS_START ?
	    UPLOAD_JOBS_START : u->o.jobs, u->o.jobs, clock_now());
}

/* Sends p once fewer parts are in flight than the ramp's width. */
static int
part_submit(struct upload *u, struct upload_part *p, struct dk_err *e)
{
	int rc;

	while (u->flying >= ramp_width(&u->ramp))
		if ((rc = part_collect(u, e)) != DK_OK)
			return rc;
	if (u->upload_id == NULL) {
		if ((rc = s3_mpu_create(u->c, u->name, &u->upload_id, e)) != DK_OK)
			return rc;
		/* The first epoch starts with the first part: the time the
		 * producer took to fill it is not the transfers' and, counted,
		 * made the next width look a gain on any path. */
		width_start(u);
	}
	p->number = ++u->nparts;
	if ((rc = etags_reserve(u, u->nparts, e)) != DK_OK)
		return rc;
	snprintf(p->number_str, sizeof(p->number_str), "%zu", p->number);
	s3_op_init(&p->op, "PUT", u->name->bucket, u->name->key);
	s3_op_param(&p->op, "partNumber", p->number_str);
	s3_op_param(&p->op, "uploadId", u->upload_id);
	p->op.body = p->data;
	p->op.body_len = p->len;
	p->op.send_body = 1;
	p->op.user = p;
	p->busy = 1;
	u->flying++;
	u->filling = -1;
	return s3_submit(u->c, &p->op, e);
}

/* A part buffer: in huge pages where the kernel has them, since every
 * page fault costs, in a virtual machine most of all. */
static void *
part_alloc(size_t n)
{
	void *p;

	if (posix_memalign(&p, UPLOAD_HUGE_PAGE, n) != 0)
		return NULL;
	(void)madvise(p, n, MADV_HUGEPAGE);
	return p;
}

/* The buffer to fill next: a free one, reusing one already allocated
 * before allocating another, so that memory grows only with the parts
 * the ramp keeps in flight. */
static int
buffer_next(struct upload *u, struct dk_err *e)
{
	size_t want = part_size_at(u, u->nparts + 1);
	int pick = -1;
	int rc;

	for (;;) {
		for (int i = 0; i < u->nbufs; i++) {
			struct upload_part *p = &u->parts[i];
			if (p->busy || (pick >= 0 && u->parts[pick].data != NULL))
				continue;
			if (pick < 0 || p->data != NULL)
				pick = i;
		}
		if (pick >= 0)
			break;
		if ((rc = part_collect(u, e)) != DK_OK)
			return rc;
	}
	struct upload_part *p = &u->parts[pick];
	if (p->cap < want) {
		free(p->data);
		if ((p->data = part_alloc(want)) == NULL) {
			p->cap = 0;
			return dk_fail(e, DK_EIO, "out of memory for a %zu-byte part", want);
		}
		p->cap = want;
	}
	p->len = 0;
	u->filling = pick;
	u->part_size = want;
	return DK_OK;
}

static int
too_large(struct upload *u, struct dk_err *e)
{
	return dk_fail(e, DK_ESAFETY, "s3://%s/%s: the stream is larger than %zu parts of "
	    "%zu bytes: give --expected-size (or a larger --part-size)", u->name->bucket,
	    u->name->key, (size_t)UPLOAD_MAX_PARTS, u->o.part_size);
}

/* Whether a full buffer waits for one more byte before it is sent: the
 * first (a stream that fits in one part is a single PUT) and the last
 * that S3 allows (more input is a stream too large). */
static int
full_waits(const struct upload *u)
{
	return u->nparts == 0 || u->nparts + 1 == UPLOAD_MAX_PARTS;
}

/* Where the next read goes: the buffer being filled, or, when a full
 * buffer waits, the small spill buffer. */
static int
read_target(struct upload *u, unsigned char **at, size_t *room, struct dk_err *e)
{
	struct upload_part *cur = u->filling >= 0 ? &u->parts[u->filling] : NULL;
	int rc;

	if (cur != NULL && cur->len == u->part_size) {
		if (u->exists)		/* only hashed: compared at finish */
			cur->len = 0;
		else if (full_waits(u)) {
			*at = u->spill;
			*room = sizeof(u->spill);
			return DK_OK;
		} else if ((rc = part_submit(u, cur, e)) != DK_OK)
			return rc;
	}
	if (u->filling < 0 && (rc = buffer_next(u, e)) != DK_OK)
		return rc;
	cur = &u->parts[u->filling];
	*at = (unsigned char *)cur->data + cur->len;
	*room = u->part_size - cur->len;
	return DK_OK;
}

/* n bytes arrived at at: hash them once, here, and place them. */
static int
input_take(struct upload *u, unsigned char *at, size_t n, struct dk_err *e)
{
	int rc;

	sha256_update(&u->hash, at, n);
	u->total += n;
	if (at != u->spill) {
		u->parts[u->filling].len += n;
		return DK_OK;
	}
	/* More input after a full buffer that waited: it goes now. */
	if (u->nparts + 1 == UPLOAD_MAX_PARTS)
		return too_large(u, e);
	if ((rc = part_submit(u, &u->parts[u->filling], e)) != DK_OK ||
	    (rc = buffer_next(u, e)) != DK_OK)
		return rc;
	memcpy(u->parts[u->filling].data, u->spill, n);
	u->parts[u->filling].len = n;
	return DK_OK;
}

static void
upload_abort(struct upload *u)
{
	struct dk_err e = { 0 };

	s3_cancel_all(u->c);
	for (int i = 0; i < u->nbufs; i++)
		u->parts[i].busy = 0;
	u->flying = 0;
	if (u->upload_id == NULL)
		return;
	if (s3_mpu_abort(u->c, u->name, u->upload_id, &e) != DK_OK)
		log_note(s3_client_log(u->c), "cannot abort the multipart upload %s of s3://%s/%s: %s", u->upload_id,
		    u->name->bucket, u->name->key, e.msg);
	free(u->upload_id);
	u->upload_id = NULL;
}

static int
put_sidecar(struct upload *u, struct dk_err *e)
{
	struct objname side;
	const char *base = strrchr(u->name->key, '/');
	char *line = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	base = base != NULL ? base + 1 : u->name->key;
	side.bucket = u->name->bucket;
	/* sha256sum's line, odd names escaped as it escapes them, so that
	 * "sha256sum -c" of a download works. */
	if ((f = open_memstream(&line, &len)) == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	sumfile_put_line(f, u->hex, base, 0, 0, 0);
	if (fclose(f) != 0 || asprintf(&side.key, "%s.sha256", u->name->key) < 0) {
		free(line);
		return dk_fail(e, DK_EIO, "out of memory");
	}
	rc = s3_put_small(u->c, &side, line, len, NULL, e);
	free(side.key);
	free(line);
	return rc;
}

static int
finish_existing(struct upload *u, struct dk_err *e)
{
	if (u->existing_sha256[0] != '\0' && strcmp(u->existing_sha256, u->hex) == 0) {
		u->identical = 1;
		return DK_OK;
	}
	dk_fail(e, DK_ESAFETY, "s3://%s/%s exists%s: not replaced (--no-clobber)",
	    u->name->bucket, u->name->key, u->existing_sha256[0] ? " and differs" :
	    " with no recorded checksum to compare");
	dk_err_object(e, "s3://%s/%s", u->name->bucket, u->name->key);
	return dk_err_reason(e, DK_R_EXISTS);
}

static int
finish_single(struct upload *u, struct dk_err *e)
{
	struct upload_part *p = u->filling >= 0 ? &u->parts[u->filling] : NULL;
	struct s3_op op;
	int rc;

	s3_op_init(&op, "PUT", u->name->bucket, u->name->key);
	op.body = p ? p->data : "";
	op.body_len = p ? p->len : 0;
	op.send_body = 1;
	s3_op_header(&op, "x-amz-meta-sha256", "%s", u->hex);
	/* Where the service honours it, nothing written between the check
	 * and this PUT is replaced. */
	if (u->o.no_clobber)
		s3_op_header(&op, "if-none-match", "*");
	rc = s3_run(u->c, &op, e);
	s3_op_free(&op);
	return rc;
}

static int
finish_multipart(struct upload *u, struct dk_err *e)
{
	int rc = DK_OK;

	if (u->filling >= 0 && u->parts[u->filling].len > 0)
		rc = part_submit(u, &u->parts[u->filling], e);
	while (rc == DK_OK && s3_pending(u->c) > 0)
		rc = part_collect(u, e);
	if (rc == DK_OK)
		rc = s3_mpu_complete(u->c, u->name, u->upload_id, u->etags, u->nparts,
		    u->o.no_clobber, e);
	if (rc == DK_OK) {
		free(u->upload_id);
		u->upload_id = NULL;
	}
	return rc;
}

/* The ETag S3 gives what a multipart upload of these parts makes: the
 * MD5 of the parts' MD5s, "-", their number. */
static int
multipart_etag(const struct upload *u, char *out, size_t outlen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE], part[16];
	unsigned int n = 0;
	char hex[33];
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1;

	for (size_t i = 0; ok && i < u->nparts; i++) {
		const char *t = u->etags[i];
		size_t len = strlen(t);
		if (len == 34 && t[0] == '"' && t[33] == '"')
			t++, len -= 2;
		ok = len == 32 && hex_decode(t, part, 16) == 0 &&
		    EVP_DigestUpdate(ctx, part, 16) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &n) == 1 && n == 16;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	hex_encode(md, 16, hex);
	snprintf(out, outlen, "\"%s-%zu\"", hex, u->nparts);
	return 0;
}

static int probe_existing(struct upload *u, struct dk_err *e);

/* A conditional write refused (412): the key was written since the check.
 * The same bytes are success, and so is our own upload, completed by an
 * attempt whose answer was lost; anything else is kept, not replaced. */
static int
settle_refused(struct upload *u, int rc, struct dk_err *e)
{
	char mine[80];

	if (rc != DK_ESAFETY || e->reason != DK_R_EXISTS)
		return rc;
	dk_err_clear(e);
	if ((rc = probe_existing(u, e)) != DK_OK)
		return rc;
	if (u->nparts > 0 && multipart_etag(u, mine, sizeof(mine)) == 0 &&
	    strcmp(mine, u->existing_etag) == 0)
		return DK_OK;
	if (!u->exists) {
		rc = dk_fail(e, DK_ESAFETY, "s3://%s/%s: the service refused the write as if "
		    "the key existed (HTTP 412): not written (--no-clobber)", u->name->bucket,
		    u->name->key);
		return dk_err_reason(e, DK_R_EXISTS);
	}
	return finish_existing(u, e);
}

static int
upload_finish(struct upload *u, struct dk_err *e)
{
	unsigned char digest[SHA256_LEN];
	int rc;

	sha256_final(&u->hash, digest);
	sha256_hex(digest, u->hex);
	if (u->exists)
		return finish_existing(u, e);
	if (u->total == 0 && !u->o.allow_empty) {
		upload_abort(u);
		return dk_fail(e, DK_ESAFETY, "empty input: nothing uploaded to s3://%s/%s "
		    "(--allow-empty uploads an empty object)", u->name->bucket, u->name->key);
	}
	rc = u->nparts == 0 ? finish_single(u, e) : finish_multipart(u, e);
	if (rc != DK_OK && u->o.no_clobber)
		rc = settle_refused(u, rc, e);
	if (rc != DK_OK || u->identical) {
		upload_abort(u);
		return rc;
	}
	if (u->o.sidecar)
		rc = put_sidecar(u, e);
	return rc;
}

/* A pipe's buffer as large as the system lets us have: fewer, larger
 * reads, and fewer wake-ups of the producer and of us. */
static void
pipe_widen(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETPIPE_SZ, UPLOAD_PIPE_SIZE);
}

/* Reads fd into the part buffers, without a copy between, while the parts
 * already full are in flight. */
static int
pump_parts(struct upload *u, int fd, const char *what, struct sink *observe,
    pump_progress_fn progress, void *arg, struct dk_err *e)
{
	unsigned char *at;
	size_t room;
	ssize_t n;
	int rc;

	for (;;) {
		if ((rc = input_wait(u, fd, e)) != DK_OK)
			return rc;
		if (interrupt_requested())
			return dk_fail(e, DK_EIO, "interrupted");
		if ((rc = read_target(u, &at, &room, e)) != DK_OK)
			return rc;
		/* Reads of a megabyte: few enough to cost little, short enough
		 * that the sockets' buffers keep the parts moving meanwhile. */
		if ((n = io_read_full(fd, at, room < IO_BUFSIZE ? room : IO_BUFSIZE, what,
		    e)) < 0)
			return e->status;
		if (n == 0)
			return DK_OK;
		if (observe != NULL && (rc = sink_write(observe, at, (size_t)n, e)) != DK_OK)
			return rc;
		if ((rc = input_take(u, at, (size_t)n, e)) != DK_OK)
			return rc;
		if (progress != NULL)
			progress(arg, u->total);
	}
}

int
upload_pump(struct upload *u, int fd, const char *what, struct sink *observe,
    pump_progress_fn progress, void *arg, struct dk_err *e)
{
	int rc;

	pipe_widen(fd);
	rc = pump_parts(u, fd, what, observe, progress, arg, e);
	if (rc == DK_OK && interrupt_requested())
		rc = dk_fail(e, DK_EIO, "interrupted");
	if (rc != DK_OK) {
		if (observe != NULL)
			sink_abort(observe);
	} else if (observe != NULL)
		rc = sink_finish(observe, e);
	if (rc != DK_OK) {
		upload_abort(u);
		return rc;
	}
	return upload_finish(u, e);
}

/* no_clobber: what is there already, and its recorded checksum. */
static int
probe_existing(struct upload *u, struct dk_err *e)
{
	struct s3_object_info info;
	struct dk_err he = { 0 };
	const char *source;
	int rc = s3_head(u->c, u->name, &info, &he);

	if (rc == DK_ENOTFOUND)
		return DK_OK;
	if (rc != DK_OK)
		return dk_fail(e, he.status, "%s", he.msg);
	u->exists = 1;
	snprintf(u->existing_etag, sizeof(u->existing_etag), "%s", info.etag);
	dk_err_clear(&he);
	rc = recorded_sha256(u->c, u->name, u->existing_sha256, &source, &he);
	/* Nothing recorded is no error here: finish refuses to replace it. */
	if (rc != DK_OK && rc != DK_ENOTFOUND && rc != DK_EDATA)
		return dk_fail(e, he.status, "%s", he.msg);
	if (rc != DK_OK)
		u->existing_sha256[0] = '\0';
	return DK_OK;
}

int
upload_open(struct upload *u, struct s3_client *c, const struct objname *name,
    const struct upload_opts *o, struct dk_err *e)
{
	int rc;

	memset(u, 0, sizeof(*u));
	u->c = c;
	u->name = name;
	u->o = *o;
	u->filling = -1;
	u->nbufs = o->jobs + 1;
	width_start(u);
	if ((u->parts = calloc((size_t)u->nbufs, sizeof(*u->parts))) == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	if ((rc = sha256_init(&u->hash, e)) != DK_OK)
		return rc;
	if (o->no_clobber)
		return probe_existing(u, e);
	return DK_OK;
}

void
upload_free(struct upload *u)
{
	for (int i = 0; i < u->nbufs; i++) {
		s3_op_free(&u->parts[i].op);
		free(u->parts[i].data);
	}
	free(u->parts);
	for (size_t i = 0; i < u->nparts && u->etags != NULL; i++)
		free(u->etags[i]);
	free(u->etags);
	free(u->upload_id);
	sha256_free(&u->hash);
}
