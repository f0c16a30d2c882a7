/* The error record every library function fills instead of exiting: what
 * a program needs to decide (status, reason, where) and one line to say. */
#ifndef DRKIT_ERR_H
#define DRKIT_ERR_H

#include <stddef.h>

/* DESIGN.md's exit statuses, shared by every program but stalecheck. */
enum dk_status {
	DK_OK = 0,
	DK_EDATA = 1,		/* checksum mismatch, corrupt gzip, incomplete dump */
	DK_EUSAGE = 2,		/* bad option or argument */
	DK_ECONFIG = 3,		/* missing setting, credentials, access denied */
	DK_ENOTFOUND = 4,	/* no such bucket or key */
	DK_ESERVICE = 5,	/* service or network failure after all retries */
	DK_EIO = 6,		/* local I/O failure */
	DK_EDB = 7,		/* database error */
	DK_ESAFETY = 8,		/* refused: would overwrite, not empty, empty input */
};

/* Why, finer than the status, for a caller that treats one case apart. */
enum dk_reason {
	DK_R_NONE = 0,
	DK_R_NO_SUCH_BUCKET,
	DK_R_NO_SUCH_KEY,
	DK_R_NO_CHECKSUM,	/* the object has no recorded SHA-256 */
	DK_R_CHECKSUM,		/* the bytes do not have the recorded SHA-256 */
	DK_R_CREDENTIALS,	/* signature or key refused */
	DK_R_DENIED,		/* access denied */
	DK_R_CHANGED,		/* the object changed while it was read */
	DK_R_EXISTS,		/* the target is there already */
	DK_R_INTERRUPTED,	/* SIGINT or SIGTERM */
};

struct dk_err {
	int status;		/* one of enum dk_status */
	int quiet;		/* the reader went away: end without a message */
	enum dk_reason reason;
	char object[512];	/* "s3://BUCKET/KEY" or a file name; "" for none */
	int has_offset;
	unsigned long long offset;	/* byte offset in the input, if has_offset */
	unsigned long line;	/* line of the input, 0 for none */
	long http_status;	/* the service's answer, 0 for none */
	char s3_code[64];	/* S3's error code, "" for none */
	int sys_errno;		/* the system call's errno, 0 for none */
	char msg[1024];		/* one line, without the program's name */
};

/* Records status and message; returns status so callers can
 * "return dk_fail(e, DK_EIO, ...)". The first failure recorded wins. */
int dk_fail(struct dk_err *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like dk_fail, but replaces whatever was recorded before. */
int dk_refail(struct dk_err *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void dk_err_clear(struct dk_err *e);

/* Context for the failure just recorded; each returns e->status. */
int dk_err_reason(struct dk_err *e, enum dk_reason reason);
int dk_err_object(struct dk_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int dk_err_offset(struct dk_err *e, unsigned long long offset);
int dk_err_line(struct dk_err *e, unsigned long line);
int dk_err_http(struct dk_err *e, long http_status, const char *s3_code);

#endif
