/* holdback: the last keep bytes never go down before finish, and never
 * after an abort; what goes down is the input's own prefix, in order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "holdback.h"
#include "tap.h"

static unsigned int seed = 7;

static size_t
rnd(size_t n)
{
	seed = seed * 1103515245 + 12345;
	return (seed >> 8) % n;
}

/* Writes total bytes in random pieces up to max; 1 when every step kept
 * the tail back and the output was a prefix of the input. */
static int
feed(struct holdback *h, struct capture *c, const unsigned char *in, size_t total, size_t max, size_t keep)
{
	struct dk_err e;
	size_t off = 0, checked = 0;

	dk_err_clear(&e);
	while (off < total) {
		size_t n = 1 + rnd(max);
		if (n > total - off)
			n = total - off;
		if (sink_write(&h->sink, in + off, n, &e) != DK_OK)
			return 0;
		off += n;
		size_t limit = off > keep ? off - keep : 0;
		if (c->len > limit || (c->len > checked && memcmp(c->buf + checked, in + checked, c->len - checked) != 0))
			return 0;
		checked = c->len;
	}
	return 1;
}

int
main(void)
{
	size_t total = 3 * 1024 * 1024 + 12345;
	unsigned char *in = malloc(total);
	struct holdback h;
	struct capture c;
	struct dk_err e;

	for (size_t i = 0; i < total; i++)
		in[i] = (unsigned char)rnd(256);

	static const struct { size_t max, keep; } runs[] = {
		{ 1, 65536 }, { 100, 65536 }, { 70000, 65536 }, { 3000000, 65536 }, { 200000, 1 << 20 },
	};
	for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		size_t len = runs[r].max == 1 ? 300000 : total;
		capture_init(&c);
		dk_err_clear(&e);
		holdback_init(&h, &c.sink, runs[r].keep, &e);
		int held = feed(&h, &c, in, len, runs[r].max, runs[r].keep);
		CHECK(held,
		    "writes up to %zu bytes: the last %zu are always withheld", runs[r].max, runs[r].keep);
		int st = sink_finish(&h.sink, &e);
		CHECK(st == DK_OK && c.len == len && memcmp(c.buf, in, len) == 0 &&
		    c.finished == 1 && c.aborted == 0, "finish writes all %zu bytes, in order, and finishes down", len);
		CHECK(runs[r].max < 1000 || c.writes < 2 * (int)(len / runs[r].max) + 8,
		    "big writes go down in few pieces (%d)", c.writes);
		holdback_free(&h);
		free(c.buf);

		capture_init(&c);
		holdback_init(&h, &c.sink, runs[r].keep, &e);
		feed(&h, &c, in, len, runs[r].max, runs[r].keep);
		sink_abort(&h.sink);
		CHECK(c.len + runs[r].keep <= len && c.aborted == 1 && c.finished == 0,
		    "abort after %zu bytes: %zu went down, the tail never", len, c.len);
		holdback_free(&h);
		free(c.buf);
	}

	capture_init(&c);
	holdback_init(&h, &c.sink, 10, &e);
	CHECK(h.keep == HOLDBACK_MIN, "keep is never below 64 KiB");
	sink_write(&h.sink, in, 60000, &e);
	sink_abort(&h.sink);
	CHECK(c.len == 0 && c.writes == 0, "a stream shorter than 64 KiB is withheld whole, then dropped");
	holdback_free(&h);
	free(c.buf);

	free(in);
	return TAP_END();
}
