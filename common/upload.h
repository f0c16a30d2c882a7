/* Streams into one S3 object as a sink: a single PUT when the stream fits
 * in one part, otherwise a multipart upload with parts in flight in
 * parallel and memory bounded by (jobs + 1) x part size. Records the
 * SHA-256 of what it uploaded (x-amz-meta-sha256 where it can, and the
 * KEY.sha256 sidecar). Any failure or abort aborts the multipart upload. */
#ifndef DRKIT_UPLOAD_H
#define DRKIT_UPLOAD_H

#include <stdint.h>

#include "objname.h"
#include "s3.h"
#include "sha256.h"
#include "sink.h"

#define UPLOAD_MIN_PART (5u * 1024 * 1024)	/* S3's smallest part but the last */
#define UPLOAD_MAX_PARTS 10000
#define UPLOAD_MAX_OBJECT (5ull << 40)		/* S3's and R2's 5 TiB */

struct upload_opts {
	size_t part_size;	/* first (and, with equal_parts, every) part */
	int jobs;		/* parts in flight at once */
	int equal_parts;	/* R2: every part but the last the same size */
	int no_clobber;		/* never replace an existing object */
	int allow_empty;
	int sidecar;		/* write KEY.sha256 after the upload */
	int input_fd;		/* where the stream is read from: parts move on
				 * while it has nothing to read */
};

struct upload_part {
	char *data;
	size_t len;
	size_t cap;
	size_t number;			/* 1-based part number */
	char number_str[16];		/* its query value, alive while in flight */
	struct s3_op op;
	int busy;
};

struct upload {
	struct sink sink;
	struct s3_client *c;
	const struct objname *name;
	struct upload_opts o;
	struct upload_part *parts;	/* jobs + 1 buffers */
	int nbufs;
	int filling;			/* the buffer being filled, -1 for none */
	size_t part_size;		/* of the part being filled */
	char *upload_id;
	char **etags;
	size_t nparts;			/* parts submitted */
	size_t cap_etags;
	struct sha256 hash;
	uint64_t total;
	int exists;			/* no_clobber: the key was there before */
	char existing_sha256[SHA256_HEXLEN + 1];
	char existing_etag[130];
	char hex[SHA256_HEXLEN + 1];	/* of the stream, after finish */
	int identical;			/* no_clobber: the same bytes were there */
};

/* Checks no_clobber's precondition and prepares buffers lazily. */
int upload_open(struct upload *u, struct s3_client *c, const struct objname *name,
    const struct upload_opts *o, struct dk_err *e);
void upload_free(struct upload *u);

/* The part size the equal-parts rule needs for a stream of expected bytes,
 * at least want. */
size_t upload_part_size_for(uint64_t expected, size_t want);

#endif
