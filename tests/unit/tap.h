/* A few lines of TAP for the unit tests: tests/run counts "ok" and "not ok". */
#ifndef TAP_H
#define TAP_H
#include <stdio.h>

static int tap_failed;

/* The condition is evaluated once: it may have side effects (a parse, a
 * read) that a second evaluation would repeat or change. */
#define CHECK(cond, ...) do { \
	int tap_ok_ = (cond) ? 1 : 0; \
	printf(tap_ok_ ? "ok - " : "not ok - "); \
	tap_failed += !tap_ok_; \
	printf(__VA_ARGS__); \
	printf(tap_ok_ ? "\n" : "  (%s:%d)\n", __FILE__, __LINE__); \
} while (0)

#define TAP_END() (printf("# %d failed\n", tap_failed), tap_failed != 0)
#endif
