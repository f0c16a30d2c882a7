/* An epoch measures one width: it ends after width transfers, one a
 * connection on average, so that a path of a few dozen ranges has decided
 * before it is over, and not before RAMP_EPOCH_MIN seconds, so that on
 * loopback, where a transfer takes milliseconds, an epoch is more than
 * the burst that a socket's buffer holds. A width that moved 10% more
 * bytes a second than the best before it is kept and doubled: a
 * per-connection cap scales linearly, and growing by less would spend the
 * object's first half measuring. Where it moved RAMP_LINEAR of what
 * linear growth would give, the path caps each connection and is far from
 * its ceiling: the width grows four times. Against one transfer alone
 * (the base) a width must move half as much again: one settled takes the
 * rest in one request and holds nothing, and on loopback a base of a few
 * milliseconds is often measured low. A width that did not
 * goes back to the best one, which is measured again for a while (the
 * path changes, a busy machine makes one epoch look slow) before the
 * wider one is tried again, each time twice as late. Only one transfer
 * (the base won) and the ceiling are for good. */
#include <time.h>

#include "clock.h"
#include "ramp.h"

#define RAMP_GAIN 1.10
#define RAMP_GAIN_ONE 1.5	/* over one transfer alone */
#define RAMP_HOLD 2		/* epochs at the best width before trying wider */
#define RAMP_EPOCH_MIN 0.030	/* seconds */
#define RAMP_LINEAR 0.6

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
	r->doubted = 0;
	r->hold = 0;
	r->hold_next = RAMP_HOLD;
	r->best_rate = 0;
	r->last_rate = 0;
	ramp_epoch(r, now);
}

static int
ramp_wider(int width, int max, int times)
{
	int w = times * width;

	return w > max ? max : w;
}

/* The width measured did not beat the best. */
static void
ramp_lost(struct ramp *r)
{
	if (r->best_width == 1 && r->width > 2 && !r->doubted) {
		/* One transfer for good costs the most when this epoch was
		 * unlucky: half the width is measured first, and may climb. */
		r->doubted = 1;
		r->width /= 2;
		return;
	}
	r->width = r->best_width;
	if (r->width == 1) {
		r->settled = 1;
		return;
	}
	r->hold = r->hold_next;
	r->hold_next *= 2;
}

void
ramp_done(struct ramp *r, uint64_t bytes, double now)
{
	double rate;

	if (r->settled)
		return;
	r->epoch_bytes += bytes;
	if (++r->done < r->width || now - r->epoch_start < RAMP_EPOCH_MIN)
		return;
	rate = (double)r->epoch_bytes / (now - r->epoch_start);
	r->last_rate = rate;
	if (r->hold > 0) {
		/* The best width again, as the path is now: the rate to beat. */
		r->best_rate = rate;
		if (--r->hold == 0)
			r->width = ramp_wider(r->width, r->max, 2);
	} else if (rate < r->best_rate * (r->best_width == 1 ? RAMP_GAIN_ONE : RAMP_GAIN)) {
		ramp_lost(r);
	} else if (r->width == r->max) {
		r->settled = 1;
	} else {
		int linear = r->best_rate > 0 &&
		    rate >= r->best_rate * r->width / r->best_width * RAMP_LINEAR;

		r->best_rate = rate;
		r->best_width = r->width;
		r->width = ramp_wider(r->width, r->max, linear ? 4 : 2);
	}
	ramp_epoch(r, now);
}

void
ramp_base(struct ramp *r, double rate)
{
	if (r->settled || rate <= r->best_rate)
		return;
	r->best_rate = rate;
	r->best_width = 1;
}

int
ramp_width(const struct ramp *r)
{
	return r->width;
}

int
ramp_settled(const struct ramp *r)
{
	return r->settled;
}

