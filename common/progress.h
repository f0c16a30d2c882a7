/* --progress: bytes, rate and ETA, at most a few times a second. The
 * library formats the line; the program's draw callback shows it. */
#ifndef DRKIT_PROGRESS_H
#define DRKIT_PROGRESS_H

#include <stdint.h>

struct progress {
	int on;
	uint64_t total;		/* 0 when unknown: no ETA */
	double start;
	double last;
	int shown;
	/* Shows line; last is 1 for the final one of the run. */
	void (*draw)(void *arg, const char *line, int last);
	void *arg;
};

/* on: whether to show anything (the program decides, -q and terminals);
 * draw may be NULL only when on is 0. */
void progress_init(struct progress *p, int on, uint64_t total,
    void (*draw)(void *arg, const char *line, int last), void *arg);
/* what names the stream ("" for none); detail, when not NULL, follows the
 * figures ("table t: 12 rows"). */
void progress_update(struct progress *p, uint64_t bytes, const char *what, const char *detail);
/* The final line, so that later messages start on their own. */
void progress_end(struct progress *p, uint64_t bytes, const char *what, const char *detail);

/* A pump_progress_fn-compatible adapter: arg is a struct progress. */
void progress_pump(void *arg, uint64_t bytes);

/* "1.5 MiB": v bytes in binary units. */
void progress_human(double v, char *out, unsigned n);

#endif
