/* The error record every library function fills instead of exiting. */
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

struct dk_err {
	int status;		/* one of enum dk_status */
	int quiet;		/* the reader went away: end without a message */
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

#endif
