#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static void
log_emit(void (*fn)(void *, const char *), void *arg, const char *fmt, va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (char *p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fn(arg, msg);
}

void
log_note(const struct dk_log *l, const char *fmt, ...)
{
	va_list ap;

	if (l == NULL || l->note == NULL)
		return;
	va_start(ap, fmt);
	log_emit(l->note, l->arg, fmt, ap);
	va_end(ap);
}

void
log_trace(const struct dk_log *l, const char *fmt, ...)
{
	va_list ap;

	if (!log_tracing(l))
		return;
	va_start(ap, fmt);
	log_emit(l->trace, l->arg, fmt, ap);
	va_end(ap);
}
