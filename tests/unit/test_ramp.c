/* The concurrency ramp: throughput that grows with the width climbs to
 * the ceiling and no further; one transfer that already fills the path
 * brings the width back to one; one slow epoch does not decide for good. */
#include "tap.h"
#include "ramp.h"

/* One epoch of the width r holds now: its transfers of 4 MiB moving
 * RATE bytes a second in all, ending at *now. */
static void
epoch_at(struct ramp *r, double rate, double *now)
{
	int n = ramp_width(r);

	for (int i = 0; i < n; i++) {
		*now += (4 << 20) / rate;
		ramp_done(r, 4 << 20, *now);
	}
}

/* The width after one epoch of width 4 that moved GAIN times the base
 * (25 MB/s), from a ramp of at most MAX. */
static int
after_four(double gain, int max)
{
	struct ramp r;
	double now = 0;

	ramp_init(&r, 4, max, now);
	ramp_base(&r, 25e6);
	epoch_at(&r, 25e6 * gain, &now);
	return ramp_width(&r);
}

/* Feeds N transfers of 8 MiB; each connection moves PER bytes a second,
 * and the path carries at most CAP bytes a second in all. With BASE, the
 * first transfer is measured alone first (r2get's first range). From
 * transfer SLOW_FROM to SLOW_TO the path is four times slower (a busy
 * machine). Returns the width at the end; *most the widest it went,
 * *usual the width that carried the most transfers. */
static int
simulate_slow(int start, int max, double per, double cap, int n, int base,
    int slow_from, int slow_to, int *most, int *usual)
{
	struct ramp r;
	double now = 0;
	const double size = 8 << 20;
	int i, top = 0, carried[65] = { 0 };

	ramp_init(&r, start, max, now);
	if (base)
		ramp_base(&r, per < cap ? per : cap);
	for (i = 0; i < n; i++) {
		double rate = per * ramp_width(&r);

		if (rate > cap)
			rate = cap;
		if (i >= slow_from && i < slow_to)
			rate /= 4;
		now += size / rate;
		ramp_done(&r, (uint64_t)size, now);
		if (ramp_width(&r) > top)
			top = ramp_width(&r);
		carried[ramp_width(&r) <= 64 ? ramp_width(&r) : 64]++;
	}
	if (most != NULL)
		*most = top;
	if (usual != NULL)
		for (*usual = 1, i = 2; i <= 64; i++)
			if (carried[i] > carried[*usual])
				*usual = i;
	return ramp_width(&r);
}

static int
simulate(int start, int max, double per, double cap, int n, int base)
{
	return simulate_slow(start, max, per, cap, n, base, -1, -1, NULL, NULL);
}

int
main(void)
{
	struct ramp r;
	int w, most;

	CHECK(simulate(4, 32, 1e9, 1e9, 200, 0) == 4,
	    "no base, one connection fills the path: the width stays at the start");
	CHECK(simulate(4, 10, 1e9, 1e9, 200, 1) == 1,
	    "one transfer alone filled the path: back to one");
	ramp_init(&r, 4, 10, 0);
	ramp_base(&r, 1e9);
	for (int i = 0; i < 4; i++)
		ramp_done(&r, 8 << 20, 0.01 * (i + 1) * 4);
	CHECK(ramp_width(&r) == 2 && !ramp_settled(&r),
	    "... but first half the width is measured once more (got %d)", ramp_width(&r));
	for (int i = 0; i < 2; i++)
		ramp_done(&r, 8 << 20, 0.16 + 0.01 * (i + 1) * 2);
	CHECK(ramp_width(&r) == 1 && ramp_settled(&r), "... and one is for good");
	CHECK(simulate(4, 32, 25e6, 1e12, 400, 1) == 32, "a capped connection, a wide path: climbs to the ceiling");
	simulate_slow(2, 64, 25e6, 300e6, 400, 0, -1, -1, &most, &w);
	CHECK(w >= 12 && w <= 18, "a path of 12 connections' worth keeps near 12 (got %d)", w);
	CHECK(simulate(8, 8, 25e6, 1e12, 100, 0) == 8, "max == start: a fixed -j never widens");
	w = simulate_slow(4, 16, 25e6, 1e12, 200, 1, 4, 12, &most, NULL);
	CHECK(w == 16, "a capped path slow for a moment: climbs to the ceiling after all (got %d)", w);
	w = simulate_slow(4, 16, 25e6, 1e12, 200, 1, 0, 4, &most, NULL);
	CHECK(w == 16, "slow in the first epoch, against the base: not one for good (got %d)", w);
	CHECK((w = after_four(3.6, 64)) == 16,
	    "4 moved 3.6 times what one did: a capped path, four times the width (got %d)", w);
	CHECK((w = after_four(3.6, 12)) == 12, "... within the ceiling (got %d)", w);
	CHECK((w = after_four(2.0, 64)) == 8, "4 moved twice what one did: twice the width (got %d)", w);
	CHECK((w = after_four(1.4, 64)) == 2,
	    "4 moved 1.4 times what one did: not worth it, 2 are measured (got %d)", w);
	ramp_init(&r, 4, 64, 0);
	ramp_base(&r, 25e6);
	for (int i = 0; i < 8; i++)
		ramp_done(&r, 4 << 20, 0.001 * (i + 1));
	CHECK(ramp_width(&r) == 4, "an epoch shorter than 30 ms decides nothing");
	ramp_done(&r, 4 << 20, 0.031);
	CHECK(ramp_width(&r) == 16, "... and once it is 30 ms long, it does");
	ramp_init(&r, 0, 0, 0);
	CHECK(ramp_width(&r) == 1, "a start below 1 is 1");
	ramp_init(&r, 4, 16, 5);
	ramp_done(&r, 1, 5);
	CHECK(ramp_width(&r) == 4, "no time passed: no decision");
	return TAP_END();
}
