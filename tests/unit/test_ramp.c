/* The concurrency ramp: throughput that grows with the width climbs to
 * the ceiling and no further; one transfer that already fills the path
 * brings the width back to one; one slow epoch does not decide for good. */
#include "tap.h"
#include "ramp.h"

/* Feeds N transfers of 8 MiB; each connection moves PER bytes a second,
 * and the path carries at most CAP bytes a second in all. With BASE, the
 * first transfer is measured alone first (r2get's first range). From
 * transfer SLOW_FROM to SLOW_TO the path is four times slower (a busy
 * machine). Returns the width at the end; *most the widest it went. */
static int
simulate_slow(int start, int max, double per, double cap, int n, int base,
    int slow_from, int slow_to, int *most)
{
	struct ramp r;
	double now = 0;
	const double size = 8 << 20;
	int i, top = 0;

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
	}
	if (most != NULL)
		*most = top;
	return ramp_width(&r);
}

static int
simulate(int start, int max, double per, double cap, int n, int base)
{
	return simulate_slow(start, max, per, cap, n, base, -1, -1, NULL);
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
	w = simulate(2, 64, 25e6, 300e6, 400, 0);
	CHECK(w >= 12 && w <= 18, "a path of 12 connections' worth settles near 12 (got %d)", w);
	CHECK(simulate(8, 8, 25e6, 1e12, 100, 0) == 8, "max == start: a fixed -j never widens");
	w = simulate_slow(4, 16, 25e6, 1e12, 200, 1, 4, 12, &most);
	CHECK(w == 16, "a capped path slow for a moment: climbs to the ceiling after all (got %d)", w);
	w = simulate_slow(4, 16, 25e6, 1e12, 200, 1, 0, 4, &most);
	CHECK(w == 16, "slow in the first epoch, against the base: not one for good (got %d)", w);
	ramp_init(&r, 0, 0, 0);
	CHECK(ramp_width(&r) == 1, "a start below 1 is 1");
	ramp_init(&r, 4, 16, 5);
	ramp_done(&r, 1, 5);
	CHECK(ramp_width(&r) == 4, "no time passed: no decision");
	return TAP_END();
}
