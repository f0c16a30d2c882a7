/* The concurrency ramp: flat throughput keeps the start width; throughput
 * that grows with the width climbs to the ceiling and no further. */
#include "tap.h"
#include "ramp.h"

/* Feeds N transfers of 8 MiB; each connection moves PER bytes a second,
 * and the path carries at most CAP bytes a second in all. */
static int
simulate(int start, int max, double per, double cap, int n)
{
	struct ramp r;
	double now = 0;
	const double size = 8 << 20;
	int i;

	ramp_init(&r, start, max, now);
	for (i = 0; i < n; i++) {
		double rate = per * ramp_width(&r);

		if (rate > cap)
			rate = cap;
		now += size / rate;
		ramp_done(&r, (uint64_t)size, now);
	}
	return ramp_width(&r);
}

int
main(void)
{
	struct ramp r;

	CHECK(simulate(4, 32, 1e9, 1e9, 200) == 4, "loopback: one connection fills the path, the width stays 4");
	CHECK(simulate(4, 32, 25e6, 1e12, 400) == 32, "a capped connection, a wide path: climbs to the ceiling");
	CHECK(simulate(2, 64, 25e6, 300e6, 400) <= 18 && simulate(2, 64, 25e6, 300e6, 400) >= 12,
	    "a path of 12 connections' worth settles near 12 (got %d)", simulate(2, 64, 25e6, 300e6, 400));
	CHECK(simulate(8, 8, 25e6, 1e12, 100) == 8, "max == start: a fixed -j never widens");
	ramp_init(&r, 0, 0, 0);
	CHECK(ramp_width(&r) == 1, "a start below 1 is 1");
	ramp_init(&r, 4, 16, 5);
	ramp_done(&r, 1, 5);
	CHECK(ramp_width(&r) == 4, "no time passed: no decision");
	return TAP_END();
}
