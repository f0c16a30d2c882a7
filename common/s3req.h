/* One attempt of an S3 request as it goes on the wire: where it goes
 * (endpoint, path-style or virtual-hosted), its URL, its headers and its
 * SigV4 signature. s3.c sends, retries and settles what this builds. */
#ifndef DRKIT_S3REQ_H
#define DRKIT_S3REQ_H

#include <time.h>

#include "err.h"
#include "settings.h"

struct s3_op;

/* Where requests go, derived once from the settings. */
struct s3req_target {
	const struct settings *set;
	char *base;		/* "https://host[:port]", named in messages */
	char *host;		/* "host[:port]" */
	int virtual_host;	/* AWS: https://BUCKET.s3.REGION.amazonaws.com */
};

/* Reads the endpoint of set (libcurl's URL parser), or AWS's own host for
 * the region when there is none. DK_ECONFIG for an endpoint that is no URL. */
int s3req_target_init(struct s3req_target *t, const struct settings *set, struct dk_err *e);
void s3req_target_free(struct s3req_target *t);

/* Is "host[:port]" this machine (localhost, 127.0.0.0/8, ::1), where
 * plain http:// carries nothing over a network? */
int s3req_host_loopback(const char *hostport);

/* Builds op's URL and signed headers for its next attempt, into op->call:
 * a retry or a resumed range needs a new signature (a new date, a new
 * Range). What an earlier attempt built is released first. */
int s3req_prepare(const struct s3req_target *t, struct s3_op *op, struct dk_err *e);

/* Releases the URL and headers s3req_prepare built. */
void s3req_release(struct s3_op *op);

/* A presigned GET URL for s3://bucket/key, made at when and valid for
 * expires seconds; malloc'ed, NULL on ENOMEM. */
char *s3req_presign_get(const struct s3req_target *t, const char *bucket, const char *key,
    time_t when, long expires);

#endif
