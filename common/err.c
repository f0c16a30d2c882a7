#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static int
dk_vfail(struct dk_err *e, int status, const char *fmt, va_list ap)
{
	e->status = status;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	/* A message is one line: an operator's log grep depends on it. */
	for (char *p = e->msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return status;
}

int
dk_fail(struct dk_err *e, int status, const char *fmt, ...)
{
	va_list ap;

	if (e->status != DK_OK)
		return e->status;
	va_start(ap, fmt);
	dk_vfail(e, status, fmt, ap);
	va_end(ap);
	return status;
}

int
dk_refail(struct dk_err *e, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dk_vfail(e, status, fmt, ap);
	va_end(ap);
	return status;
}

void
dk_err_clear(struct dk_err *e)
{
	memset(e, 0, sizeof(*e));
}

int
dk_err_reason(struct dk_err *e, enum dk_reason reason)
{
	e->reason = reason;
	return e->status;
}

int
dk_err_object(struct dk_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->object, sizeof(e->object), fmt, ap);
	va_end(ap);
	return e->status;
}

int
dk_err_offset(struct dk_err *e, unsigned long long offset)
{
	e->has_offset = 1;
	e->offset = offset;
	return e->status;
}

int
dk_err_line(struct dk_err *e, unsigned long line)
{
	e->line = line;
	return e->status;
}

int
dk_err_http(struct dk_err *e, long http_status, const char *s3_code)
{
	e->http_status = http_status;
	snprintf(e->s3_code, sizeof(e->s3_code), "%s", s3_code != NULL ? s3_code : "");
	return e->status;
}
