/* How many transfers (ranges, parts) to keep in flight: start with a few
 * and add more while the throughput still grows, up to a ceiling the
 * caller sets from its memory bound. A distant store with a
 * per-connection cap climbs to what the path needs; where one transfer
 * alone already moves as much as several (loopback, a server at its
 * ceiling), the ramp falls back to one. */
#ifndef RAMP_H
#define RAMP_H
#include <stdint.h>

struct ramp {
	int width;		/* transfers to keep in flight now */
	int max;		/* never more: the caller's memory bound */
	int best_width;		/* the width that moved the most */
	int settled;		/* for good: one transfer, the ceiling, a fixed width */
	int doubted;		/* a width lost to the base once */
	int hold;		/* epochs at the best width before trying wider */
	int hold_next;		/* the hold after the next lost try */
	int done;		/* transfers finished in this epoch */
	double epoch_start;	/* when this width began to be measured */
	uint64_t epoch_bytes;
	double best_rate;	/* bytes/s of the best width so far */
	double last_rate;	/* bytes/s of the epoch that ended last: for traces */
};

/* start >= 1; max >= start (a max of start never widens: a fixed -j). */
void ramp_init(struct ramp *r, int start, int max, double now);
/* One transfer alone moved RATE bytes a second: the rate of width 1, which
 * a wider width must beat to be kept. */
void ramp_base(struct ramp *r, double rate);
/* A transfer of BYTES finished at NOW (seconds, monotonic). */
void ramp_done(struct ramp *r, uint64_t bytes, double now);
int ramp_width(const struct ramp *r);
/* Will the width stay as it is for good (one transfer, the ceiling, or a
 * fixed width)? */
int ramp_settled(const struct ramp *r);
/* NOW is read on clock_now() (clock.h). */
#endif
