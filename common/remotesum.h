/* sha256sum-r2's checks against what r2put recorded for an object (its
 * KEY.sha256 sidecar, else x-amz-meta-sha256): a stream passed through
 * with its tail withheld until it matched (--verify), or the object itself
 * read and hashed (--remote). */
#ifndef DRKIT_REMOTESUM_H
#define DRKIT_REMOTESUM_H

#include <stdio.h>

#include "log.h"
#include "s3.h"

struct remotesum {
	struct s3_client *c;
	const char *default_bucket;	/* a bare KEY's bucket ($R2_BUCKET) */
	int allow_missing;		/* no recorded checksum passes, unverified */
	int quiet;			/* --remote: no "NAME: OK" lines */
	FILE *out;			/* --remote: "s3://B/K: OK" or "FAILED" */
	const struct dk_log *log;	/* notes (unverified) and traces */
};

/* Copies in_fd to out_fd while hashing it; the last HOLDBACK_MIN bytes
 * are written only when the hash matches what was recorded for name.
 * DK_EDATA on a mismatch. */
int remotesum_verify_stream(const struct remotesum *r, const char *name, int in_fd, int out_fd,
    struct dk_err *e);

/* Reads the object name and checks it against its recorded checksum,
 * printing its verdict line on r->out. */
int remotesum_check(const struct remotesum *r, const char *name, struct dk_err *e);

/* remotesum_check of every name; failed (may be NULL) hears each failure.
 * Returns the status of the first failure, filled into *first; a bad name
 * (DK_EUSAGE) as the first failure stops there. */
int remotesum_check_all(const struct remotesum *r, char *const *names, size_t n,
    void (*failed)(void *arg, const struct dk_err *e), void *arg, struct dk_err *first);

#endif
