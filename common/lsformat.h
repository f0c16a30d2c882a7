/* How r2ls prints a listing: byte for byte what `aws s3 ls` prints, and the
 * machine formats (NDJSON, NUL-terminated names, RFC 3339 UTC times). */
#ifndef DRKIT_LSFORMAT_H
#define DRKIT_LSFORMAT_H

#include <stdint.h>
#include <stdio.h>

#include "log.h"
#include "s3xml.h"

enum ls_format {
	LS_AWS,		/* aws s3 ls: local time, size in 10 columns, name */
	LS_RFC3339,	/* the same with one RFC 3339 UTC time token */
	LS_NDJSON,	/* one JSON object per line */
	LS_NUL,		/* s3://BUCKET/KEY, NUL-terminated */
};

struct ls_printer {
	FILE *out;
	enum ls_format format;
	const char *bucket;
	int full_keys;		/* --recursive: the whole key, not its last part */
	int human;		/* --human-readable sizes */
	int escaped_warned;
	const struct dk_log *log;	/* the note about escaped names */
	uint64_t objects;	/* for --summarize */
	uint64_t bytes;
	int failed;		/* an NDJSON line not made (out of memory) or written */
};

void ls_print_prefix(struct ls_printer *p, const char *prefix);
void ls_print_entry(struct ls_printer *p, const struct s3_entry *en);
/* The --summarize lines of aws s3 ls (a JSON object in NDJSON). */
void ls_print_summary(struct ls_printer *p);

#endif
