#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "download.h"

struct download {
	struct s3_client *c;
	const struct objname *n;
	const struct download_opts *o;
	struct s3_object_info info;
	struct s3_op *slots;	/* chunk k lives in slot k % jobs */
	int *done;
	uint64_t nchunks;
	uint64_t next_submit;
	uint64_t next_write;
	uint64_t written;	/* bytes handed to the sink */
};

static int
chunk_submit(struct download *d, uint64_t k, struct dk_err *e)
{
	int jobs = d->o->jobs;
	struct s3_op *op = &d->slots[k % (uint64_t)jobs];
	uint64_t start = k * d->o->chunk;
	uint64_t len = d->info.size - start < d->o->chunk ? d->info.size - start : d->o->chunk;
	struct buf keep = op->call.body_buf;

	/* The slot's previous request is released, its buffer kept. */
	memset(&op->call.body_buf, 0, sizeof(op->call.body_buf));
	s3_op_free(op);
	s3_op_init(op, "GET", d->n->bucket, d->n->key);
	op->call.body_buf = keep;	/* the buffer is reused, chunk after chunk */
	op->ranged = 1;
	op->range_start = start;
	op->range_len = len;
	snprintf(op->pin_etag, sizeof(op->pin_etag), "%s", d->info.etag);
	if (buf_reserve(&op->call.body_buf, (size_t)len) != 0)
		return dk_fail(e, DK_EIO, "out of memory for a %llu-byte range",
		    (unsigned long long)len);
	d->done[k % (uint64_t)jobs] = 0;
	return s3_submit(d->c, op, e);
}

/* A range's answer states the object's size (Content-Range: bytes
 * A-B/TOTAL): it must be the size HEAD said. */
static int
chunk_check_total(struct download *d, const struct s3_op *op, struct dk_err *e)
{
	const char *slash = strrchr(op->call.content_range, '/');
	unsigned long long total;

	if (op->call.status != 206 || slash == NULL)
		return DK_OK;
	if (sscanf(slash + 1, "%llu", &total) == 1 && total == d->info.size)
		return DK_OK;
	dk_fail(e, DK_ESERVICE, "s3://%s/%s: the service gave the object's size as %s "
	    "in a range, and as %llu before", d->n->bucket, d->n->key, slash + 1,
	    (unsigned long long)d->info.size);
	return dk_err_object(e, "s3://%s/%s", d->n->bucket, d->n->key);
}

/* Writes every chunk that is complete and next in order. */
static int
chunks_flush(struct download *d, struct sink *out, struct dk_err *e)
{
	int jobs = d->o->jobs, rc;

	while (d->next_write < d->nchunks && d->done[d->next_write % (uint64_t)jobs]) {
		struct s3_op *op = &d->slots[d->next_write % (uint64_t)jobs];
		if (op->call.body_buf.len != op->range_len)
			return dk_fail(e, DK_ESERVICE, "s3://%s/%s: the service sent %zu bytes "
			    "for a range of %llu at offset %llu", d->n->bucket, d->n->key,
			    op->call.body_buf.len, (unsigned long long)op->range_len,
			    (unsigned long long)op->range_start);
		if ((rc = chunk_check_total(d, op, e)) != DK_OK ||
		    (rc = sink_write(out, op->call.body_buf.p, op->call.body_buf.len, e)) != DK_OK)
			return rc;
		d->written += op->call.body_buf.len;
		d->next_write++;
		if (d->o->progress != NULL)
			d->o->progress(d->o->arg, op->range_start + op->range_len, d->info.size);
		if (d->next_submit < d->nchunks &&
		    (rc = chunk_submit(d, d->next_submit++, e)) != DK_OK)
			return rc;
	}
	return DK_OK;
}

static int
download_run(struct download *d, struct sink *out, struct dk_err *e)
{
	int rc = DK_OK;

	while (rc == DK_OK && d->next_submit < d->nchunks &&
	    d->next_submit < (uint64_t)d->o->jobs)
		rc = chunk_submit(d, d->next_submit++, e);
	while (rc == DK_OK && d->next_write < d->nchunks) {
		struct s3_op *op = s3_next(d->c, 200);
		if (interrupt_requested())
			return dk_fail(e, DK_EIO, "interrupted");
		if (op == NULL)
			continue;
		if (op->status != DK_OK)
			return dk_fail(e, op->err.status, "%s", op->err.msg);
		d->done[op - d->slots] = 1;
		rc = chunks_flush(d, out, e);
	}
	return rc;
}

int
download_object(struct s3_client *c, const struct objname *n, struct sink *out,
    const struct download_opts *o, struct dk_err *e)
{
	struct download d = { .c = c, .n = n, .o = o };
	int rc;

	if ((rc = s3_head(c, n, &d.info, e)) != DK_OK)
		return rc;
	d.nchunks = (d.info.size + o->chunk - 1) / o->chunk;
	d.slots = calloc((size_t)o->jobs, sizeof(*d.slots));
	d.done = calloc((size_t)o->jobs, sizeof(*d.done));
	if (d.slots == NULL || d.done == NULL)
		rc = dk_fail(e, DK_EIO, "out of memory");
	else
		rc = download_run(&d, out, e);
	/* Counted, not assumed: output shorter than the object is no success. */
	if (rc == DK_OK && d.written != d.info.size)
		rc = dk_fail(e, DK_ESERVICE, "s3://%s/%s: %llu bytes came of the %llu the "
		    "object holds", n->bucket, n->key, (unsigned long long)d.written,
		    (unsigned long long)d.info.size);
	if (rc != DK_OK)
		s3_cancel_all(c);
	for (int i = 0; d.slots != NULL && i < o->jobs; i++)
		s3_op_free(&d.slots[i]);
	free(d.slots);
	free(d.done);
	return rc;
}
