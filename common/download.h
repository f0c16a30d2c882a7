/* Reads one S3 object into a sink, in order, as parallel ranged GETs
 * pinned to the object's ETag: a dropped connection resumes from its last
 * byte, and a changed object is never spliced. Does not finish the sink,
 * so that several objects can follow each other. */
#ifndef DRKIT_DOWNLOAD_H
#define DRKIT_DOWNLOAD_H

#include <stdint.h>

#include "objname.h"
#include "s3.h"
#include "sink.h"

struct download_opts {
	int jobs;		/* ranges in flight */
	size_t chunk;		/* bytes per range */
	/* Called after each chunk written, with the object's bytes so far. */
	void (*progress)(void *arg, uint64_t done, uint64_t size);
	void *arg;
};

int download_object(struct s3_client *c, const struct objname *n, struct sink *out,
    const struct download_opts *o, struct dk_err *e);

#endif
