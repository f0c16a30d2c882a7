/* AWS Signature Version 4 for S3: the Authorization header of a request,
 * and presigned URLs. Crypto is OpenSSL's; this file only assembles the
 * canonical request, the string to sign and the signing key. */
#ifndef DRKIT_SIGV4_H
#define DRKIT_SIGV4_H

#include <stddef.h>
#include <time.h>

#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define SIGV4_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct sigv4_key {
	const char *access_key;
	const char *secret_key;
	const char *session_token;	/* NULL when none */
	const char *region;		/* "auto", "us-east-1" */
	const char *service;		/* "s3" */
};

struct sigv4_param {			/* a query parameter, not yet encoded */
	const char *name;
	const char *value;		/* "" for a bare name like "?uploads" */
};

struct sigv4_header {			/* a header to sign, any case */
	const char *name;
	const char *value;
};

struct sigv4_request {
	const char *method;		/* "GET" */
	const char *path;		/* not yet encoded: "/bucket/my key" */
	const struct sigv4_param *params;
	size_t nparams;
	const struct sigv4_header *headers;	/* host included */
	size_t nheaders;
	const char *payload_sha256;	/* lowercase hex, or SIGV4_UNSIGNED_PAYLOAD */
	time_t when;			/* the request's time, UTC */
};

/* Percent-encodes s the way SigV4 wants (RFC 3986 unreserved kept; '/'
 * kept too when keep_slash). Returns a malloc'ed string, NULL on ENOMEM. */
char *sigv4_uri_encode(const char *s, int keep_slash);

/* The encoded, sorted query string ("a=1&b=2"), malloc'ed; "" when none. */
char *sigv4_canonical_query(const struct sigv4_param *params, size_t n);

/* "20130524T000000Z" into out (at least 17 bytes). */
void sigv4_amz_date(time_t when, char out[17]);

/* The canonical request of req, malloc'ed, NULL on ENOMEM: what the
 * signature covers, for tests and for explaining a SignatureDoesNotMatch.
 * It holds the signed header values (a session token among them), so it
 * is never traced as is. */
char *sigv4_canonical_request(const struct sigv4_request *req);

/* The value of the Authorization header for req, malloc'ed, NULL on ENOMEM.
 * The caller sends x-amz-date (sigv4_amz_date of req->when),
 * x-amz-content-sha256 and, with a session token, x-amz-security-token,
 * and must list them among req->headers so that they are signed. */
char *sigv4_authorization(const struct sigv4_key *key, const struct sigv4_request *req);

/* A presigned URL "SCHEME://HOST/PATH?...&X-Amz-Signature=..." valid for
 * expires seconds; req->headers must hold host only (or more to sign),
 * req->payload_sha256 is ignored (presigned URLs are UNSIGNED-PAYLOAD).
 * The URL's host is the Host header's value. Malloc'ed, NULL on ENOMEM
 * or when req has no Host header. */
char *sigv4_presign(const struct sigv4_key *key, const struct sigv4_request *req,
    const char *scheme, long expires);

#endif
