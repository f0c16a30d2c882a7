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
