/* Durations ("90m", "26h", "1d12h") and sizes ("50M", "50MB", "2GiB") as
 * operators type them in options: stalecheck's thresholds, r2ls's
 * --older-than. */
#ifndef DRKIT_UNITS_H
#define DRKIT_UNITS_H

#include <stddef.h>

#include "err.h"

/* A duration: one or more NUMBER UNIT parts, units s, m, h, d, w (seconds,
 * minutes, hours, days of 24 h, weeks); a bare number is seconds. Fills
 * *secs; DK_EUSAGE with e filled when s is not a duration or overflows. */
int units_parse_duration(const char *s, long long *secs, struct dk_err *e);

/* A size: a number and an optional suffix. K, M, G, T, P and KiB, MiB, GiB,
 * TiB, PiB are powers of 1024; KB, MB, GB, TB, PB powers of 1000; B or
 * nothing is bytes (GNU coreutils' convention). Fills *bytes; DK_EUSAGE
 * with e filled when s is not a size or overflows. */
int units_parse_size(const char *s, unsigned long long *bytes, struct dk_err *e);

/* A fraction: "50%" or "0.5", from 0 to 1. DK_EUSAGE with e filled
 * otherwise. */
int units_parse_fraction(const char *s, double *v, struct dk_err *e);

/* Writes secs as at most two units, largest first: "2d 3h", "1h 30m",
 * "5m 3s", "42s", "-2h" for a negative duration. */
void units_format_duration(long long secs, char *buf, size_t len);

#endif
