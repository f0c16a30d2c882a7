/* How many transfers (ranges, parts) to keep in flight: start with a few
 * and add more while the throughput still grows, up to a ceiling the
 * caller sets from its memory bound. Loopback settles at the start; a
 * distant store with a per-connection cap climbs to what the path needs. */
#ifndef RAMP_H
#define RAMP_H
#include <stdint.h>

struct ramp {
	int width;		/* transfers to keep in flight now */
	int max;		/* never more: the caller's memory bound */
	int best_width;		/* the width that moved the most */
	int settled;		/* the last widening did not pay */
	int done;		/* transfers finished in this epoch */
	double epoch_start;	/* when this width began to be measured */
	uint64_t epoch_bytes;
	double best_rate;	/* bytes/s of the best width so far */
};

/* start >= 1; max >= start (a max of start never widens: a fixed -j). */
void ramp_init(struct ramp *r, int start, int max, double now);
/* A transfer of BYTES finished at NOW (seconds, monotonic). */
void ramp_done(struct ramp *r, uint64_t bytes, double now);
int ramp_width(const struct ramp *r);
/* The clock the ramp's NOW is read on: seconds, monotonic. */
double ramp_now(void);
#endif
