/* Moves HTTP requests through one libcurl multi handle: one connection
 * pool, many transfers at once. Knows nothing of S3: s3.c builds, signs
 * and retries requests. */
#ifndef DRKIT_HTTP_H
#define DRKIT_HTTP_H

#include <stdint.h>
#include <curl/curl.h>

#include "buf.h"
#include "err.h"

struct http_call {
	/* The request, set before http_start. */
	const char *method;
	const char *url;
	struct curl_slist *headers;
	const void *body;		/* sent from memory, not copied */
	size_t body_len;
	int send_body;			/* PUT/POST: send body (maybe empty) */
	int head;			/* HEAD: no response body */
	int keep_body;			/* append to body_buf instead of starting over */
	/* The most body_buf may hold (kept bytes included), 0 for no cap; an
	 * error answer (status 300 and above) holds HTTP_ERROR_BODY_MAX. A
	 * body that grows past it is cut off while it arrives: too_big. */
	size_t max_body;
	long stall_seconds;		/* more than the pool's, or 0 */
	/* Optional, for an answer streamed as it arrives: on_answer sees the
	 * headers of the final answer before its body; on_data takes each
	 * piece of a 2xx body, which then bypasses body_buf (and max_body:
	 * the hook keeps its own count). A non-zero return from either stops
	 * the transfer (CURLE_WRITE_ERROR) and sets stopped. */
	int (*on_answer)(struct http_call *c);
	int (*on_data)(struct http_call *c, const char *p, size_t n);

	/* The response, filled by the time http_wait returns the call. */
	CURLcode result;		/* CURLE_OK when an HTTP answer came */
	long status;
	char errbuf[CURL_ERROR_SIZE];
	struct buf body_buf;		/* the body; reserve ahead to avoid copies */
	char etag[130];
	char content_range[100];
	char last_modified[64];
	char sha256_meta[80];		/* x-amz-meta-sha256 */
	uint64_t content_length;
	int has_content_length;
	double seconds;
	int too_big;			/* the body passed its cap (CURLE_WRITE_ERROR) */
	size_t kept_before;		/* body_buf.len when this attempt started */
	int stopped;			/* on_answer or on_data said stop */

	CURL *easy;			/* private to http.c */
	struct http_call *next_active;
};

/* A request body of this size or more is sent through a buffer as large
 * (libcurl's most is 2 MiB). */
#define HTTP_LARGE_BODY (1024 * 1024)

/* An error document is a few hundred bytes; one that goes on is not. */
#define HTTP_ERROR_BODY_MAX (1024 * 1024)

struct http_pool;

/* stall_seconds: a transfer with no progress for that long is abandoned
 * (CURLE_OPERATION_TIMEDOUT) so that the caller can retry it. */
struct http_pool *http_pool_new(const char *ca_bundle, long stall_seconds, struct dk_err *e);
void http_pool_free(struct http_pool *p);

/* Starts c; the response fields are reset. */
int http_start(struct http_pool *p, struct http_call *c, struct dk_err *e);

/* A call that finished, or NULL when none did within timeout_ms. */
struct http_call *http_wait(struct http_pool *p, int timeout_ms);

/* From inside a callback: the http_wait that runs it returns (NULL, if
 * no call finished) instead of waiting on, so that its caller can act on
 * what the callback saw. */
void http_wake(struct http_pool *p);

/* The answer's Content-Range, "bytes FROM-TO/TOTAL": 1 when it is one. */
int http_content_range(const struct http_call *c, uint64_t *from, uint64_t *to,
    uint64_t *total);

/* Stops c if it is in flight. */
void http_cancel(struct http_pool *p, struct http_call *c);

/* Stops every call in flight. */
void http_cancel_all(struct http_pool *p);

/* Transfers in flight. */
int http_running(struct http_pool *p);

/* Is this failure worth another try (reset, timeout, refused)? */
int http_result_transient(CURLcode rc);

#endif
