/* What an S3 error answer means: the one table, written as data, that
 * turns S3 error codes and HTTP statuses into exit statuses. */
#ifndef DRKIT_S3ERR_H
#define DRKIT_S3ERR_H

#include "err.h"

enum s3err_kind {
	S3ERR_OTHER = 0,	/* a service failure: exit 5 */
	S3ERR_TRANSIENT,	/* worth retrying; exit 5 after the last try */
	S3ERR_SECRET,		/* the signature was refused: the secret is wrong */
	S3ERR_KEY_ID,		/* the access key id or session token was refused */
	S3ERR_DENIED,		/* the credentials lack permission */
	S3ERR_NO_BUCKET,
	S3ERR_NO_KEY,
	S3ERR_BAD_NAME,
	S3ERR_PRECONDITION,	/* If-Match or If-None-Match did not hold */
};

struct s3err_meaning {
	enum s3err_kind kind;
	int status;		/* enum dk_status */
	enum dk_reason reason;
};

/* The meaning of an answer: by its S3 code (may be NULL or "") when the
 * table knows it, else by its HTTP status. */
struct s3err_meaning s3err_classify(long http_status, const char *code);

/* Where a failed request went, for its message. */
struct s3err_where {
	const char *endpoint;	/* "https://host[:port]" */
	const char *secret_from;	/* the variable or file to check; NULL: unknown */
	const char *bucket;
	const char *key;	/* NULL or "" for the bucket itself */
};

/* Records in e the status, reason, object, HTTP status and S3 code of a
 * failed answer, and one line that says what to check. A failure already
 * recorded in e wins. Returns e->status. */
int s3err_fail(struct dk_err *e, const struct s3err_where *w, long http_status,
    const char *code, const char *message);

/* Whether an attempt that got this answer may be tried again. */
int s3err_transient(long http_status, const char *code);

#endif
