/* Points in time as listings print them: RFC 3339 UTC ("2026-11-25T03:03:24Z",
 * r2ls --rfc3339 and --ndjson) and the local "YYYY-MM-DD HH:MM:SS" of
 * `aws s3 ls`, read in the time zone of TZ. */
#ifndef DRKIT_TIMESTAMP_H
#define DRKIT_TIMESTAMP_H

#include <stddef.h>
#include <time.h>

#include "err.h"

/* RFC 3339: date, 'T' (or 't' or one space), time, optional fraction
 * (dropped), then 'Z' or an offset "+HH:MM". Exactly len bytes of s are
 * read. DK_EDATA with e filled when they are not one. */
int timestamp_parse_rfc3339(const char *s, size_t len, time_t *t, struct dk_err *e);

/* "YYYY-MM-DD HH:MM:SS" in the local time zone. A wall time that the zone
 * skips (the hour lost when DST begins) is DK_EDATA; one it repeats (the
 * hour gained when DST ends) is ambiguous and read as mktime() chooses. */
int timestamp_parse_local(const char *s, size_t len, time_t *t, struct dk_err *e);

/* Any of: "@EPOCH", RFC 3339, local "YYYY-MM-DD HH:MM:SS" (for --now). */
int timestamp_parse(const char *s, time_t *t, struct dk_err *e);

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ"; buf holds at least 21 bytes. */
void timestamp_format_rfc3339(time_t t, char *buf, size_t len);

#endif
