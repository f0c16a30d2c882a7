/* The ranges of an object: range 0 is what the first answer carried (the
 * chunk asked for, or more: a service may ignore the range and send the
 * whole object), the rest follow it a chunk each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "download.h"
#include "interrupt.h"
#include "ramp.h"

struct part {
	struct s3_op op;
	struct download *d;
	uint64_t k;		/* the range it carries */
	struct buf held;	/* its bytes that came before their turn */
	int done;
};

struct download {
	struct s3_client *c;
	const struct objname *n;
	const struct download_opts *o;
	struct sink *out;
	struct ramp ramp;
	struct part *parts;	/* range k lives in parts[k % nparts] */
	int nparts;
	int sized;		/* the first answer gave the size and the ETag */
	int unsized;		/* the first answer was whole, its size unstated */
	uint64_t size;
	uint64_t first_len;	/* bytes of range 0 */
	char etag[130];
	uint64_t nranges;	/* once sized */
	uint64_t next_submit;
	uint64_t next_write;
	uint64_t written;	/* bytes handed to the sink */
};

static uint64_t
range_start(const struct download *d, uint64_t k)
{
	return k == 0 ? 0 : d->first_len + (k - 1) * d->o->chunk;
}

static uint64_t
range_len(const struct download *d, uint64_t k)
{
	uint64_t left = d->size - range_start(d, k);

	if (k == 0)
		return d->first_len;
	return left < d->o->chunk ? left : d->o->chunk;
}

static int
download_fail(struct download *d, struct dk_err *e, const char *what, const char *detail)
{
	dk_fail(e, DK_ESERVICE, "s3://%s/%s: the service %s%s", d->n->bucket, d->n->key, what,
	    detail);
	return dk_err_object(e, "s3://%s/%s", d->n->bucket, d->n->key);
}

/* The first answer sizes the object: 206 by its Content-Range, 200 (the
 * whole object is coming) by its Content-Length. */
static int
first_answer(struct download *d, struct s3_op *op)
{
	const struct http_call *h = &op->call;
	unsigned long long from, to, total;

	if (h->status == 206) {
		/* s3.c checked that it parses and starts at 0. */
		if (sscanf(h->content_range, "bytes %llu-%llu/%llu", &from, &to, &total) != 3)
			return download_fail(d, &op->err, "answered range ", h->content_range);
		if (total == 0) {
			/* An empty object: whatever body is promised, none is its. */
			d->sized = 1;
			d->nranges = 1;
			return S3_ANSWER_ENOUGH;
		}
		if (to < from || to >= total)
			return download_fail(d, &op->err, "answered the impossible range ",
			    h->content_range);
		d->size = total;
		d->first_len = to + 1;
	} else if (h->has_content_length) {
		d->size = d->first_len = h->content_length;
	} else if (op->ranged) {
		/* Capped at the range asked for, and refused when it ends. */
		d->unsized = 1;
		return DK_OK;
	} else {
		return download_fail(d, &op->err, "answered without a Content-Length: ",
		    "the object's size is unknown");
	}
	op->range_len = d->first_len;
	snprintf(d->etag, sizeof(d->etag), "%s", h->etag);
	/* A retry of this range is pinned like the others. */
	snprintf(op->pin_etag, sizeof(op->pin_etag), "%s", d->etag);
	d->nranges = 1 + (d->size - d->first_len + d->o->chunk - 1) / d->o->chunk;
	d->sized = 1;
	return DK_OK;
}

/* Every later answer must state the size the first one did. */
static int
part_answer(struct s3_op *op)
{
	struct part *pt = op->user;
	struct download *d = pt->d;
	const char *slash = strrchr(op->call.content_range, '/');
	unsigned long long total;
	char said[160];

	if (!d->sized)
		return first_answer(d, op);
	if (op->call.status != 206 || slash == NULL ||
	    (sscanf(slash + 1, "%llu", &total) == 1 && total == d->size))
		return DK_OK;
	snprintf(said, sizeof(said), "%s in a range, and as %llu before", slash + 1,
	    (unsigned long long)d->size);
	return download_fail(d, &op->err, "gave the object's size as ", said);
}

/* A piece of a range: to the sink when the range is due and none of it
 * is held (no copy), else held until its turn. */
static int
part_deliver(struct s3_op *op, const void *p, size_t n)
{
	struct part *pt = op->user;
	struct download *d = pt->d;

	if (d->unsized)
		return DK_OK;
	if (pt->k == d->next_write && pt->held.len == 0) {
		d->written += n;
		return sink_write(d->out, p, n, &op->err);
	}
	/* Room for the whole range at once: no copy on growing. */
	if (pt->held.len == 0 && buf_reserve(&pt->held, (size_t)op->range_len) != 0)
		return dk_fail(&op->err, DK_EIO, "out of memory for a %llu-byte range",
		    (unsigned long long)op->range_len);
	if (buf_append(&pt->held, p, n) != 0)
		return dk_fail(&op->err, DK_EIO, "out of memory for a %llu-byte range",
		    (unsigned long long)op->range_len);
	return DK_OK;
}

/* Starts range k; before the object is sized, range 0 asks for a chunk,
 * or (ranged 0) for the whole object. */
static int
part_submit(struct download *d, uint64_t k, int ranged, struct dk_err *e)
{
	struct part *pt = &d->parts[k % (uint64_t)d->nparts];
	struct s3_op *op = &pt->op;

	s3_op_free(op);
	s3_op_init(op, "GET", d->n->bucket, d->n->key);
	op->user = pt;
	op->deliver = part_deliver;
	op->on_answer = part_answer;
	op->ranged = ranged;
	op->range_start = d->sized ? range_start(d, k) : 0;
	op->range_len = d->sized ? range_len(d, k) : d->o->chunk;
	snprintf(op->pin_etag, sizeof(op->pin_etag), "%s", d->etag);
	pt->k = k;
	pt->done = 0;
	buf_reset(&pt->held);
	return s3_submit(d->c, op, e);
}

/* Keeps as many ranges going as the ramp says. */
static int
parts_fill(struct download *d, struct dk_err *e)
{
	int rc = DK_OK;

	while (rc == DK_OK && d->next_submit < d->nranges &&
	    d->next_submit - d->next_write < (uint64_t)ramp_width(&d->ramp))
		rc = part_submit(d, d->next_submit++, 1, e);
	return rc;
}

/* Writes what is due: the held bytes of the range first in line, and
 * each range complete in order. */
static int
parts_flush(struct download *d, struct dk_err *e)
{
	while (d->next_write < d->nranges) {
		struct part *pt = &d->parts[d->next_write % (uint64_t)d->nparts];
		uint64_t len = range_len(d, pt->k);
		int rc;

		if (pt->k != d->next_write)
			return DK_OK;	/* not started yet */
		if (pt->held.len > 0) {
			if ((rc = sink_write(d->out, pt->held.p, pt->held.len, e)) != DK_OK)
				return rc;
			d->written += pt->held.len;
			buf_reset(&pt->held);
		}
		if (!pt->done)
			return DK_OK;
		if (pt->op.delivered != len)
			return dk_fail(e, DK_ESERVICE, "s3://%s/%s: the service sent %llu bytes "
			    "for a range of %llu at offset %llu", d->n->bucket, d->n->key,
			    (unsigned long long)pt->op.delivered, (unsigned long long)len,
			    (unsigned long long)range_start(d, pt->k));
		d->next_write++;
		if (d->o->progress != NULL)
			d->o->progress(d->o->arg, d->written, d->size);
	}
	return DK_OK;
}

static int
part_done(struct download *d, struct part *pt, struct dk_err *e)
{
	struct s3_op *op = &pt->op;

	if (op->status != DK_OK && !d->sized && op->ranged && op->err.http_status == 416)
		/* No range of an empty object can be had (S3 says 416): the
		 * whole object, then. */
		return part_submit(d, 0, 0, e);
	if (op->status == DK_OK && d->unsized) {
		download_fail(d, &op->err, "answered without a Content-Length: ",
		    "the object's size is unknown");
		op->status = op->err.status;
	}
	if (op->status != DK_OK && op->err.reason == DK_R_NO_SUCH_KEY) {
		/* Said as a HEAD would have said it: by its status. */
		dk_err_clear(e);
		return s3_fail(d->c, e, d->n->bucket, d->n->key, op->err.http_status, NULL, NULL);
	}
	if (op->status != DK_OK) {
		*e = op->err;
		return e->status;
	}
	pt->done = 1;
	ramp_done(&d->ramp, op->delivered, ramp_now());
	return parts_flush(d, e);
}

static int
download_run(struct download *d, struct dk_err *e)
{
	int rc = part_submit(d, d->next_submit++, 1, e);

	while (rc == DK_OK && (!d->sized || d->next_write < d->nranges)) {
		struct s3_op *op;
		if (d->sized && (rc = parts_fill(d, e)) != DK_OK)
			break;
		/* Until the first answer sizes the object, look often: the
		 * other ranges go out as soon as it does. */
		op = s3_next(d->c, d->sized ? 200 : 2);
		if (interrupt_requested())
			return dk_fail(e, DK_EIO, "interrupted");
		if (op != NULL)
			rc = part_done(d, op->user, e);
	}
	return rc;
}

int
download_max_jobs(const struct download_opts *o)
{
	size_t n = DOWNLOAD_MEMORY / (o->chunk > 0 ? o->chunk : 1);

	if (o->jobs > 0)
		return o->jobs;
	return n < DOWNLOAD_START ? DOWNLOAD_START : n > 64 ? 64 : (int)n;
}

int
download_object(struct s3_client *c, const struct objname *n, struct sink *out,
    const struct download_opts *o, struct dk_err *e)
{
	struct download d = { .c = c, .n = n, .o = o, .out = out };
	int rc;

	d.nparts = download_max_jobs(o);
	ramp_init(&d.ramp, o->jobs > 0 ? o->jobs : DOWNLOAD_START, d.nparts, ramp_now());
	if ((d.parts = calloc((size_t)d.nparts, sizeof(*d.parts))) == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	for (int i = 0; i < d.nparts; i++)
		d.parts[i].d = &d;
	rc = download_run(&d, e);
	/* Counted, not assumed: output shorter than the object is no success. */
	if (rc == DK_OK && d.written != d.size)
		rc = dk_fail(e, DK_ESERVICE, "s3://%s/%s: %llu bytes came of the %llu the "
		    "object holds", n->bucket, n->key, (unsigned long long)d.written,
		    (unsigned long long)d.size);
	if (rc != DK_OK)
		s3_cancel_all(c);
	for (int i = 0; i < d.nparts; i++) {
		s3_op_free(&d.parts[i].op);
		buf_free(&d.parts[i].held);
	}
	free(d.parts);
	return rc;
}
