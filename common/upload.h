/* Streams a file descriptor into one S3 object: a single PUT when the
 * stream fits in one part, otherwise a multipart upload with parts in
 * flight in parallel (as many as pay, found by common/ramp.h) and memory
 * bounded by (jobs + 1) x part size. Records the
 * SHA-256 of what it uploaded (x-amz-meta-sha256 where it can, and the
 * KEY.sha256 sidecar). Any failure or abort aborts the multipart upload. */
#ifndef DRKIT_UPLOAD_H
#define DRKIT_UPLOAD_H

#include <stdint.h>

#include "objname.h"
#include "pump.h"
#include "ramp.h"
#include "s3.h"
#include "sha256.h"
#include "sink.h"

#define UPLOAD_MIN_PART (5u * 1024 * 1024)	/* S3's smallest part but the last */
#define UPLOAD_MAX_PARTS 10000
#define UPLOAD_MAX_OBJECT (5ull << 40)		/* S3's and R2's 5 TiB */
#define UPLOAD_PART_DEFAULT (8u * 1024 * 1024)
#define UPLOAD_JOBS_START 4	/* parts in flight at first, unless -j */
#define UPLOAD_JOBS_MAX 8	/* the most the ramp goes to, unless -j */
#define UPLOAD_HUGE_PAGE (2u * 1024 * 1024)
#define UPLOAD_PIPE_SIZE (1024 * 1024)	/* Linux's limit for an unprivileged pipe */
#define UPLOAD_SPILL (64 * 1024)

struct upload_opts {
	size_t part_size;	/* first (and, with equal_parts, every) part */
	int jobs;		/* parts in flight at most: memory is (jobs + 1) parts */
	int adaptive;		/* start with fewer and widen while it pays */
	int equal_parts;	/* R2: every part but the last the same size */
	int no_clobber;		/* never replace an existing object */
	int allow_empty;
	int sidecar;		/* write KEY.sha256 after the upload */
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
	struct s3_client *c;
	const struct objname *name;
	struct upload_opts o;
	struct upload_part *parts;	/* jobs + 1 buffers, allocated as needed */
	int nbufs;
	int flying;			/* parts in flight */
	struct ramp ramp;		/* how many may be */
	int ramp_told;			/* -v has said where it settled */
	unsigned char spill[UPLOAD_SPILL];	/* input read past a full buffer that waits */
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
/* Reads fd to its end straight into the part buffers (what names it in
 * messages) and completes the upload; observe, when not NULL, sees every
 * byte too (a verifier) and its finish decides whether the upload
 * completes. Any failure aborts the upload. */
int upload_pump(struct upload *u, int fd, const char *what, struct sink *observe,
    pump_progress_fn progress, void *arg, struct dk_err *e);
void upload_free(struct upload *u);

/* The part size the equal-parts rule needs for a stream of expected bytes,
 * at least want. */
size_t upload_part_size_for(uint64_t expected, size_t want);

#endif
