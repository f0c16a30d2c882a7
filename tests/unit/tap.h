/* A few lines of TAP for the unit tests: tests/run counts "ok" and "not ok". */
#ifndef TAP_H
#define TAP_H
#include <stdio.h>

static int tap_failed;

#define CHECK(cond, ...) do { \
	if (cond) { printf("ok - "); } \
	else { printf("not ok - "); tap_failed++; } \
	printf(__VA_ARGS__); \
	printf(cond ? "\n" : "  (%s:%d)\n", __FILE__, __LINE__); \
} while (0)

#define TAP_END() (printf("# %d failed\n", tap_failed), tap_failed != 0)
#endif
