/* The ranges of an object: range 0 is what the first answer carried (the
 * chunk asked for, or more: a service may ignore the range and send the
 * whole object), the rest follow it a chunk each; but with one range in
 * flight (the ramp settled there, or -j 1) the range asked for is due
 * at once and never held, so it is the rest of the object, one request
 * like a plain GET. Held bytes live in a few buffers passed from range to
 * range, so that only as many are touched (and paid for in page faults)
 * as ranges run ahead. */
#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "download.h"
#include "interrupt.h"
#include "log.h"
#include "ramp.h"

#define HELD_HUGE (2u << 20)	/* a huge page on x86-64 and arm64 */

struct part {
	struct s3_op op;
	struct download *d;
	uint64_t k;		/* the range it carries */
	uint64_t start, len;	/* its bytes in the object */
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
	struct buf *spare;	/* held buffers no range holds now */
	int nspare;
	int sized;		/* the first answer gave the size and the ETag */
	int unsized;		/* the first answer was whole, its size unstated */
	uint64_t size;
	double first_answered;	/* when range 0's body began */
	int based;		/* one range's rate alone was taken */
	char etag[130];
	uint64_t next_submit;
	uint64_t next_write;
	uint64_t submitted;	/* bytes of the object asked for, once sized */
	uint64_t written;	/* bytes handed to the sink */
	uint64_t received;	/* bytes come, held or written */
	uint64_t ramp_told;	/* of them, those the ramp was told of */
};

/* The length of range k, the next to start: a chunk, or all that is left
 * when it is due (the only one in flight) and will stay the only one. */
static uint64_t
range_next_len(const struct download *d, uint64_t k)
{
	uint64_t left = d->size - d->submitted;

	if (k == d->next_write && ramp_settled(&d->ramp) && ramp_width(&d->ramp) == 1)
		return left;
	return left < d->o->chunk ? left : d->o->chunk;
}

/* Room for n held bytes. A page fault costs more than copying the page
 * (tens of microseconds in a virtual machine): a buffer of huge pages
 * takes two faults for a 4 MiB range instead of a thousand. Smaller
 * ranges get plain pages, so that a tiny --chunk-size does not make each
 * range a huge page. */
static int
held_alloc(struct buf *b, size_t n)
{
	size_t cap = n < HELD_HUGE ? n : (n + HELD_HUGE - 1) / HELD_HUGE * HELD_HUGE;
	void *p = NULL;

	if (b->cap >= n && b->p != NULL)
		return 0;
	if (cap < HELD_HUGE)
		p = malloc(cap > 0 ? cap : 1);
	else if (posix_memalign(&p, HELD_HUGE, cap) != 0)
		p = NULL;
	if (p == NULL)
		return -1;
#ifdef MADV_HUGEPAGE
	if (cap >= HELD_HUGE)
		(void)madvise(p, cap, MADV_HUGEPAGE);	/* a hint: plain pages else */
#endif
	free(b->p);
	b->p = p;
	b->cap = cap;
	b->len = 0;
	return 0;
}

/* A buffer for a range that came before its turn, and back. */
static int
held_take(struct download *d, struct part *pt, struct dk_err *e)
{
	if (pt->held.p == NULL && d->nspare > 0)
		pt->held = d->spare[--d->nspare];
	if (held_alloc(&pt->held, (size_t)pt->len) != 0)
		return dk_fail(e, DK_EIO, "out of memory for a %llu-byte range",
		    (unsigned long long)pt->len);
	return DK_OK;
}

static void
held_give(struct download *d, struct part *pt)
{
	if (pt->held.p == NULL)
		return;
	buf_reset(&pt->held);
	d->spare[d->nspare++] = pt->held;
	memset(&pt->held, 0, sizeof(pt->held));
}

static int
download_fail(struct download *d, struct dk_err *e, const char *what, const char *detail)
{
	dk_fail(e, DK_ESERVICE, "s3://%s/%s: the service %s%s", d->n->bucket, d->n->key, what,
	    detail);
	return dk_err_object(e, "s3://%s/%s", d->n->bucket, d->n->key);
}

/* The object is no longer what the first answer said. A service that
 * ignores If-Match (or replaces an object while it serves it) shows it
 * by another size, or by a range it no longer holds, not by 412. */
static int
download_changed(struct download *d, struct dk_err *e, const char *detail)
{
	dk_fail(e, DK_EDATA, "s3://%s/%s changed while it was read (%s): start again",
	    d->n->bucket, d->n->key, detail);
	dk_err_object(e, "s3://%s/%s", d->n->bucket, d->n->key);
	return dk_err_reason(e, DK_R_CHANGED);
}

/* The object is sized: the other ranges may start, and the ramp begins
 * to measure. */
static void
download_sized(struct download *d, struct part *pt, uint64_t size, uint64_t first_len)
{
	int fixed = d->o->jobs > 0;

	d->size = size;
	d->sized = 1;
	pt->len = d->submitted = first_len;
	d->first_answered = clock_now();
	ramp_init(&d->ramp, fixed ? d->o->jobs : DOWNLOAD_START, d->nparts, d->first_answered);
	s3_wake(d->c);	/* the other ranges may go out (a fixed -j: now) */
}

/* The first answer sizes the object: 206 by its Content-Range, 200 (the
 * whole object is coming) by its Content-Length. */
static int
first_answer(struct download *d, struct s3_op *op)
{
	const struct http_call *h = &op->call;
	uint64_t from, to, total, size, first_len;

	if (h->status == 206) {
		/* s3.c checked that it parses and starts at 0. */
		if (!http_content_range(h, &from, &to, &total))
			return download_fail(d, &op->err, "answered range ", h->content_range);
		if (total == 0) {
			/* An empty object: whatever body is promised, none is its. */
			download_sized(d, op->user, 0, 0);
			return S3_ANSWER_ENOUGH;
		}
		if (to < from || to >= total)
			return download_fail(d, &op->err, "answered the impossible range ",
			    h->content_range);
		size = total;
		first_len = to + 1;
	} else if (h->has_content_length) {
		size = first_len = h->content_length;
	} else if (op->ranged) {
		/* Capped at the range asked for, and refused when it ends. */
		d->unsized = 1;
		return DK_OK;
	} else {
		return download_fail(d, &op->err, "answered without a Content-Length: ",
		    "the object's size is unknown");
	}
	op->range_len = first_len;
	snprintf(d->etag, sizeof(d->etag), "%s", h->etag);
	/* A retry of this range is pinned like the others. */
	snprintf(op->pin_etag, sizeof(op->pin_etag), "%s", d->etag);
	download_sized(d, op->user, size, first_len);
	return DK_OK;
}

/* Every later answer must state the size the first one did. */
static int
part_answer(struct s3_op *op)
{
	struct part *pt = op->user;
	struct download *d = pt->d;
	const char *slash = strrchr(op->call.content_range, '/');
	uint64_t from, to, total;
	char said[160];

	if (!d->sized)
		return first_answer(d, op);
	if (op->call.status != 206 || slash == NULL ||
	    (http_content_range(&op->call, &from, &to, &total) && total == d->size))
		return DK_OK;
	snprintf(said, sizeof(said), "its size is %s in a range, and was %llu", slash + 1,
	    (unsigned long long)d->size);
	return download_changed(d, &op->err, said);
}

/* Range 0 alone until it has moved DOWNLOAD_BASE_MIN bytes over
 * DOWNLOAD_BASE_SECONDS at least, or ended: the rate of one connection,
 * the base a wider width must beat. */
static int
base_sampled(const struct download *d, double now)
{
	return d->parts[0].done || (d->received >= DOWNLOAD_BASE_MIN &&
	    now - d->first_answered >= DOWNLOAD_BASE_SECONDS);
}

/* The base is taken: the ramp measures the widths from here. */
static void
download_base(struct download *d, double now)
{
	double rate = now > d->first_answered ?
	    (double)d->received / (now - d->first_answered) : 0;

	d->based = 1;
	ramp_init(&d->ramp, DOWNLOAD_START, d->nparts, now);
	ramp_base(&d->ramp, rate);
	d->ramp_told = d->received;
	log_trace(s3_client_log(d->c), "one range alone moved %.0f MB/s", rate / 1e6);
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
	d->received += n;
	if (!d->based && d->o->jobs == 0 && base_sampled(d, clock_now()))
		s3_wake(d->c);	/* one range has shown its rate: widen */
	if (pt->k == d->next_write && pt->held.len == 0) {
		d->written += n;
		if (d->o->progress != NULL)
			d->o->progress(d->o->arg, d->written, d->size);
		return sink_write(d->out, p, n, &op->err);
	}
	/* Room for the whole range at once: no copy on growing. */
	if (pt->held.len == 0 && held_take(d, pt, &op->err) != DK_OK)
		return op->err.status;
	/* s3.c cuts an answer off at the range's length: this is a bug's
	 * guard, not a check of the service. */
	if (n > pt->held.cap - pt->held.len)
		return dk_fail(&op->err, DK_ESERVICE, "s3://%s/%s: more bytes than the range "
		    "holds", d->n->bucket, d->n->key);
	memcpy(pt->held.p + pt->held.len, p, n);
	pt->held.len += n;
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
	pt->start = d->sized ? d->submitted : 0;
	pt->len = d->sized ? range_next_len(d, k) : d->o->chunk;
	op->range_start = pt->start;
	op->range_len = pt->len;
	snprintf(op->pin_etag, sizeof(op->pin_etag), "%s", d->etag);
	pt->k = k;
	pt->done = 0;
	held_give(d, pt);
	if (d->sized)
		d->submitted += pt->len;
	return s3_submit(d->c, op, e);
}

/* Keeps as many ranges going as the ramp says, once range 0 has shown
 * what one connection alone moves (base_sampled). A fixed width need not
 * wait. */
static int
parts_fill(struct download *d, struct dk_err *e)
{
	int rc = DK_OK;

	if (!d->based && d->o->jobs == 0) {
		double now = clock_now();

		if (!base_sampled(d, now))
			return DK_OK;
		download_base(d, now);
	}
	while (rc == DK_OK && d->submitted < d->size &&
	    d->next_submit - d->next_write < (uint64_t)ramp_width(&d->ramp))
		rc = part_submit(d, d->next_submit++, 1, e);
	return rc;
}

/* Writes what is due: the held bytes of the range first in line, and
 * each range complete in order. */
static int
parts_flush(struct download *d, struct dk_err *e)
{
	while (d->next_write < d->next_submit) {
		struct part *pt = &d->parts[d->next_write % (uint64_t)d->nparts];
		int rc;

		if (pt->held.len > 0) {
			if ((rc = sink_write(d->out, pt->held.p, pt->held.len, e)) != DK_OK)
				return rc;
			d->written += pt->held.len;
		}
		/* Due now: the rest of it goes straight to the sink. */
		held_give(d, pt);
		if (!pt->done)
			return DK_OK;
		if (pt->op.delivered != pt->len)
			return dk_fail(e, DK_ESERVICE, "s3://%s/%s: the service sent %llu bytes "
			    "for a range of %llu at offset %llu", d->n->bucket, d->n->key,
			    (unsigned long long)pt->op.delivered, (unsigned long long)pt->len,
			    (unsigned long long)pt->start);
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
	double now;
	int was;

	if (op->status != DK_OK && !d->sized && op->ranged && op->err.http_status == 416)
		/* No range of an empty object can be had (S3 says 416): the
		 * whole object, then. */
		return part_submit(d, 0, 0, e);
	if (op->status == DK_OK && d->unsized) {
		download_fail(d, &op->err, "answered without a Content-Length: ",
		    "the object's size is unknown");
		op->status = op->err.status;
	}
	if (op->status != DK_OK && d->sized && op->err.http_status == 416) {
		char said[96];
		snprintf(said, sizeof(said), "a range within its %llu bytes is no longer there",
		    (unsigned long long)d->size);
		dk_err_clear(&op->err);
		op->status = download_changed(d, &op->err, said);
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
	now = clock_now();
	/* The bytes that came since the last range ended, not this range's:
	 * a range that began under another width would credit its bytes
	 * to this one, and on loopback, where an epoch lasts milliseconds,
	 * make a width look several times faster than it is. */
	was = ramp_width(&d->ramp);
	if (d->based) {
		ramp_done(&d->ramp, d->received - d->ramp_told, now);
		d->ramp_told = d->received;
	}
	if (ramp_width(&d->ramp) != was)
		log_trace(s3_client_log(d->c), "ranges in flight: %d%s (%d moved %.0f MB/s)",
		    ramp_width(&d->ramp), ramp_settled(&d->ramp) ? ", settled" : "", was,
		    d->ramp.last_rate / 1e6);
	return parts_flush(d, e);
}

static int
download_run(struct download *d, struct dk_err *e)
{
	int rc = part_submit(d, d->next_submit++, 1, e);

	while (rc == DK_OK && (!d->sized || d->submitted < d->size ||
	    d->next_write < d->next_submit)) {
		struct s3_op *op;
		if (d->sized && (rc = parts_fill(d, e)) != DK_OK)
			break;
		/* Returns early (s3_wake) when range 0 sizes the object and
		 * when it has shown its rate: the other ranges go out then. */
		op = s3_next(d->c, 200);
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
	d.parts = calloc((size_t)d.nparts, sizeof(*d.parts));
	d.spare = calloc((size_t)d.nparts, sizeof(*d.spare));
	if (d.parts == NULL || d.spare == NULL) {
		free(d.parts);
		free(d.spare);
		return dk_fail(e, DK_EIO, "out of memory");
	}
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
	for (int i = 0; i < d.nspare; i++)
		buf_free(&d.spare[i]);
	free(d.parts);
	free(d.spare);
	return rc;
}
