/* S3 over one connection pool. The engine is three files: s3req.c builds
 * and signs one attempt, s3.c sends many at once and retries them with
 * backoff on transient failures, s3err.c maps what failed to DESIGN's exit
 * statuses. s3ops.c holds the operations drkit uses, declared below the
 * engine. */
#ifndef DRKIT_S3_H
#define DRKIT_S3_H

#include <stdint.h>
#include <time.h>

#include "err.h"
#include "http.h"
#include "log.h"
#include "objname.h"
#include "s3xml.h"
#include "settings.h"
#include "sigv4.h"

struct s3_client;

#define S3_OP_MAXPARAMS 8
#define S3_OP_MAXHEADERS 8
/* A listing page or a DeleteObjects result of 1000 keys of 1024 bytes,
 * escaped, fits with room to spare. */
#define S3_ANSWER_MAX (8 * 1024 * 1024)

/* One S3 request and its retry state. The caller owns the op and keeps
 * bucket, key, param values and body alive until the op is finished. */
struct s3_op {
	const char *method;
	const char *bucket;
	const char *key;		/* NULL or "" for bucket-level requests */
	struct sigv4_param params[S3_OP_MAXPARAMS];
	size_t nparams;
	struct {			/* extra headers, signed; owned */
		char *name;
		char *value;
	} headers[S3_OP_MAXHEADERS];
	size_t nheaders;
	const void *body;
	size_t body_len;
	int send_body;
	int sign_body;			/* sign the body's SHA-256, not UNSIGNED-PAYLOAD */
	int head;
	/* The most the answer's body may hold: S3_ANSWER_MAX unless set
	 * (range_len for a ranged GET); a longer one fails, exit 5. */
	size_t max_body;
	/* Seconds without a byte before the attempt is given up, when the
	 * service may think longer than the client's stall timeout (0). */
	long stall_seconds;
	/* A ranged GET [range_start, range_start + range_len), resumed where a
	 * dropped connection left it; the response must carry pin_etag. */
	int ranged;
	uint64_t range_start;
	uint64_t range_len;
	char pin_etag[130];
	/* A streamed GET: a 2xx body goes to deliver as it arrives, not into
	 * call.body_buf (deliver returns DK_OK, or a status with err
	 * filled); a ranged one resumes after the bytes delivered so far,
	 * and its answer's range and pin are checked before its first byte.
	 * on_answer (may be NULL) then sees the answer's headers: DK_OK goes
	 * on, S3_ANSWER_ENOUGH ends the op there as done, any other status
	 * fails it (err filled). Both may change range_len, the most the
	 * answer may carry. */
	int (*deliver)(struct s3_op *op, const void *p, size_t n);
	int (*on_answer)(struct s3_op *op);
	uint64_t delivered;

	struct http_call call;		/* the response: status, headers, body_buf */
	int status;			/* DK_OK or the failure's status once finished */
	struct dk_err err;
	void *user;

	/* private */
	int tries;
	int cleanup;			/* submitted after SIGINT/SIGTERM: runs once */
	int enough;			/* on_answer ended it, done */
	double retry_at;
	char *url;
	struct curl_slist *slist;
	struct s3_op *next;
};

/* on_answer's "no body needed": the headers said all there is. */
#define S3_ANSWER_ENOUGH (-1)

/* The pool and settings behind every request. */
struct s3_client *s3_client_new(const struct settings *set, const struct dk_log *log,
    struct dk_err *e);
/* Loads set from the environment and makes a client on it: what every
 * S3 program does first. */
struct s3_client *s3_connect(struct settings *set, const struct dk_log *log, struct dk_err *e);
/* Where the client's traces and notes go (may be NULL). */
const struct dk_log *s3_client_log(const struct s3_client *c);
/* A client made at its first use, for a run that may need none
 * (walfetch serving a segment from its spool): libcurl is then never
 * opened. */
struct s3_lazy {
	struct settings *set;		/* from settings_load_unchecked */
	const struct dk_log *log;
	struct s3_client *c;
};
/* l's client, made now when it has none; NULL with e filled when it
 * cannot be. */
struct s3_client *s3_lazy_client(struct s3_lazy *l, struct dk_err *e);
void s3_client_free(struct s3_client *c);

void s3_op_init(struct s3_op *op, const char *method, const char *bucket, const char *key);
void s3_op_param(struct s3_op *op, const char *name, const char *value);
void s3_op_header(struct s3_op *op, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Frees what the op owns (headers, response); the op can be reused. */
void s3_op_free(struct s3_op *op);

/* Starts op; its result comes back from s3_next. */
int s3_submit(struct s3_client *c, struct s3_op *op, struct dk_err *e);
/* An op that finished (after its retries), or NULL when none did within
 * timeout_ms. */
struct s3_op *s3_next(struct s3_client *c, int timeout_ms);
/* From an op's deliver or on_answer: the s3_next waiting returns now
 * (NULL if no op finished), so that its caller can act on what it saw. */
void s3_wake(struct s3_client *c);
/* Ops submitted and not yet returned by s3_next. */
int s3_pending(struct s3_client *c);
/* Stops every op in flight (cleanup after an interruption or failure). */
void s3_cancel_all(struct s3_client *c);

/* Seconds to wait before try number tries + 1 (tries >= 1): exponential,
 * capped, with jitter from a seed of this client's own. */
double s3_backoff(struct s3_client *c, int tries);

/* Runs op to completion; returns op->status and copies its error. Other
 * ops that finish meanwhile are kept for s3_next. SIGINT or SIGTERM
 * abandons op at once (DK_R_INTERRUPTED), unless it was submitted after
 * the signal: the cleanup an interruption calls for (aborting an upload)
 * still goes out, once, without retries. */
int s3_run(struct s3_client *c, struct s3_op *op, struct dk_err *e);

/* Records the failure of a request this client made (HTTP status, S3
 * error code): s3err_fail with the client's endpoint and the place its
 * secret came from. Returns e->status. */
int s3_fail(struct s3_client *c, struct dk_err *e, const char *bucket, const char *key,
    long http_status, const char *code, const char *message);

/* A presigned GET URL for n, valid for expires seconds from now (AWS
 * allows 1 s to 7 days): anyone holding it can download the object until
 * then, with no credentials of their own. Malloc'ed into *url. */
#define S3_PRESIGN_MAX (7L * 24 * 3600)
int s3_presign_get(struct s3_client *c, const struct objname *n, long expires, char **url,
    struct dk_err *e);

/* The operations (s3ops.c). */

struct s3_object_info {
	uint64_t size;
	time_t mtime;
	char etag[130];
	char sha256_meta[80];	/* "" when the object has none */
};

int s3_head(struct s3_client *c, const struct objname *n, struct s3_object_info *info,
    struct dk_err *e);
/* GETs a small object whole into out (at most max bytes). */
int s3_get_small(struct s3_client *c, const struct objname *n, size_t max, struct buf *out,
    struct dk_err *e);
int s3_put_small(struct s3_client *c, const struct objname *n, const void *body, size_t len,
    const char *sha256_meta, struct dk_err *e);

/* Lists every page under prefix; on_page is called per page and may stop
 * the listing by returning non-zero (returned as is). A listing that
 * repeats a continuation token, or goes on past S3_LIST_MAX_PAGES pages
 * (DRKIT_LIST_MAX_PAGES overrides it), fails with DK_ESERVICE. */
#define S3_LIST_MAX_PAGES 1000000L
int s3_list(struct s3_client *c, const char *bucket, const char *prefix, const char *delimiter,
    int (*on_page)(void *arg, const struct s3xml_list_page *page), void *arg,
    struct dk_err *e);

/* Deletes up to 1000 keys in one DeleteObjects request; keys that failed
 * are reported through on_fail. */
int s3_delete_batch(struct s3_client *c, const char *bucket, char *const *keys, size_t n,
    void (*on_fail)(void *arg, const struct s3xml_delete_failure *f), void *arg,
    struct dk_err *e);

/* Multipart upload. Completion may take the service minutes for a large
 * object: its stall timeout is S3_COMPLETE_STALL seconds. if_absent completes it only where no object is
 * (If-None-Match: *; 412, DK_R_EXISTS, where the service honours it). */
#define S3_COMPLETE_STALL 900L
int s3_mpu_create(struct s3_client *c, const struct objname *n,
    char **upload_id, struct dk_err *e);
int s3_mpu_complete(struct s3_client *c, const struct objname *n, const char *upload_id,
    char **etags, size_t nparts, int if_absent, struct dk_err *e);
int s3_mpu_abort(struct s3_client *c, const struct objname *n, const char *upload_id,
    struct dk_err *e);

#endif
