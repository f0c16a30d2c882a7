/* How the library speaks: it never prints, it hands each line to the
 * program's callbacks, which decide (-q, -v, a log, a test's buffer). */
#ifndef DRKIT_LOG_H
#define DRKIT_LOG_H

struct dk_log {
	/* A note the user should see unless -q; NULL drops notes. */
	void (*note)(void *arg, const char *msg);
	/* A trace line for -v (a request, a retry); NULL drops traces. */
	void (*trace)(void *arg, const char *msg);
	void *arg;
};

/* Both accept a NULL log. Messages are one line: newlines become spaces. */
void log_note(const struct dk_log *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_trace(const struct dk_log *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Whether traces are wanted, to skip building an expensive one. */
static inline int
log_tracing(const struct dk_log *l)
{
	return l != NULL && l->trace != NULL;
}

#endif
