/* An epoch measures one width: it ends after 2 x width transfers, enough
 * that every connection of the width has finished at least once. A width
 * is kept only when it moved 10% more bytes a second than the best before
 * it; the first width that does not goes back to the best one and stays. */
#include <time.h>

#include "ramp.h"

#define RAMP_GAIN 1.10

static void
ramp_epoch(struct ramp *r, double now)
{
	r->done = 0;
	r->epoch_bytes = 0;
	r->epoch_start = now;
}

void
ramp_init(struct ramp *r, int start, int max, double now)
{
	r->width = start < 1 ? 1 : start;
	r->max = max < r->width ? r->width : max;
	r->best_width = r->width;
	r->settled = r->width == r->max;
	r->best_rate = 0;
	ramp_epoch(r, now);
}

static int
ramp_wider(int width, int max)
{
	int w = width + (width + 1) / 2;

	return w > max ? max : w;
}

void
ramp_done(struct ramp *r, uint64_t bytes, double now)
{
	double rate;

	if (r->settled)
		return;
	r->epoch_bytes += bytes;
	if (++r->done < 2 * r->width || now <= r->epoch_start)
		return;
	rate = (double)r->epoch_bytes / (now - r->epoch_start);
	if (rate < r->best_rate * RAMP_GAIN) {
		r->width = r->best_width;
		r->settled = 1;
		return;
	}
	r->best_rate = rate;
	r->best_width = r->width;
	r->width = ramp_wider(r->width, r->max);
	r->settled = r->width == r->max;
	ramp_epoch(r, now);
}

int
ramp_width(const struct ramp *r)
{
	return r->width;
}

double
ramp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
