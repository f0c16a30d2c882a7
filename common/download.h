/* Reads one S3 object into a sink, in order, as parallel ranged GETs.
 * The first GET asks for the first range with no HEAD before it: its
 * answer gives the size and the ETag that pins every later range
 * (If-Match), so that a changed object is never spliced. A dropped
 * connection resumes from its last byte. The range due next goes to the
 * sink straight from the socket's buffer; only ranges that arrive ahead
 * of their turn are held. Does not finish the sink, so that several
 * objects can follow each other. */
#ifndef DRKIT_DOWNLOAD_H
#define DRKIT_DOWNLOAD_H

#include <stdint.h>

#include "objname.h"
#include "s3.h"
#include "sink.h"

/* With jobs 0: once range 0 has moved DOWNLOAD_BASE_MIN bytes alone over
 * DOWNLOAD_BASE_SECONDS (or all of it), start DOWNLOAD_START ranges in
 * flight and add more while the throughput still grows, up to
 * DOWNLOAD_MEMORY bytes of ranges held (at least DOWNLOAD_START ranges);
 * or go back to one range when they move no more than range 0 did alone,
 * and take the rest in one. */
#define DOWNLOAD_START 4
#define DOWNLOAD_MEMORY (48u << 20)
#define DOWNLOAD_CHUNK (4u << 20)
#define DOWNLOAD_BASE_MIN (1u << 20)
#define DOWNLOAD_BASE_SECONDS 0.030

struct download_opts {
	int jobs;		/* ranges in flight; 0: adapt (above) */
	size_t chunk;		/* bytes per range */
	/* Called after each range written, with the object's bytes so far. */
	void (*progress)(void *arg, uint64_t done, uint64_t size);
	void *arg;
};

int download_object(struct s3_client *c, const struct objname *n, struct sink *out,
    const struct download_opts *o, struct dk_err *e);

/* The most ranges in flight for o: jobs, or what the memory bound allows. */
int download_max_jobs(const struct download_opts *o);

#endif
