/* A verifying pass-through sink: r2put --verify and gzverify put it in
 * front of what must not commit unless the stream is whole (an upload, a
 * hold-back writer). Raw bytes pass through to down as they come; at finish
 * down is finished only when the input verified, otherwise aborted. */
#ifndef DRKIT_VERIFY_H
#define DRKIT_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "gzcheck.h"
#include "sink.h"

enum verify_mode {
	VERIFY_GZIP,	/* a whole gzip stream, as gzip -t checks it */
	VERIFY_PGDUMP,	/* a whole pg_dump or pg_dumpall script, gzipped or plain,
			 * ending with its completion trailer */
};

#define VERIFY_TAIL 8192	/* how much of a dump's end is kept to find its trailer */
#define VERIFY_HEAD 4096	/* how much of its start, to tell pg_dumpall's */

struct verify_sink {
	struct sink sink;	/* use it as a sink */
	struct sink *down;	/* raw bytes; may be NULL */
	struct sink *decoded;	/* decompressed bytes; may be NULL */
	enum verify_mode mode;
	int started;		/* the first byte decided gzip or plain */
	int plain;		/* pgdump mode, not gzipped */
	struct gzcheck gz;
	struct sink content;	/* the gzip verifier's output: trailer, decoded */
	uint64_t content_bytes;
	unsigned char head[VERIFY_HEAD];
	size_t head_len;
	unsigned char tail[VERIFY_TAIL];
	size_t tail_len;
};

/* "gzip" or "pgdump" into *mode; DK_EUSAGE otherwise. */
int verify_mode_parse(const char *name, enum verify_mode *mode, struct dk_err *e);

/* Prepares v. down gets the input unchanged, decoded the decompressed
 * content (gzip input; the plain dump itself in pgdump mode); either may be
 * NULL. gzip_flags: 0 or GZCHECK_IGNORE_TRAILING. */
int verify_sink_init(struct verify_sink *v, enum verify_mode mode, struct sink *down,
    struct sink *decoded, int gzip_flags, struct dk_err *e);

void verify_sink_free(struct verify_sink *v);

/* The completion check on its own, for a dump's first and last bytes:
 * DK_OK when tail (the end of a dump whose start is head) ends with the
 * trailer; complete says tail holds the whole dump. */
int verify_dump_trailer(const unsigned char *head, size_t head_len, const unsigned char *tail,
    size_t tail_len, int complete, struct dk_err *e);

#endif
