/* --progress: bytes, rate and ETA on one rewritten stderr line, at most a
 * few times a second. On by default only when stderr is a terminal. */
#ifndef DRKIT_PROGRESS_H
#define DRKIT_PROGRESS_H

#include <stdint.h>

struct progress {
	int on;
	uint64_t total;		/* 0 when unknown: no ETA */
	double start;
	double last;
	int shown;
};

/* mode: 1 on, 0 off, -1 auto (on when stderr is a terminal). */
void progress_init(struct progress *p, int mode, uint64_t total);
void progress_update(struct progress *p, uint64_t bytes, const char *what);
/* Ends the line so that later messages start on their own. */
void progress_end(struct progress *p, uint64_t bytes, const char *what);

/* A pump_progress_fn-compatible adapter: arg is a struct progress. */
void progress_pump(void *arg, uint64_t bytes);

#endif
