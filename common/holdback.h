/* A sink that withholds the tail of a stream: the last `keep` bytes (all of
 * them when the stream is shorter) reach the downstream sink only at
 * finish, that is once the caller has verified the input; abort drops them.
 * DESIGN.md's "fail closed" rests on this. */
#ifndef DRKIT_HOLDBACK_H
#define DRKIT_HOLDBACK_H

#include <stddef.h>

#include "err.h"
#include "sink.h"

/* DESIGN.md's minimum: a reader never sees the last 64 KiB of a failure. */
#define HOLDBACK_MIN (64 * 1024)

struct holdback {
	struct sink sink;	/* write, finish, abort: use it as a sink */
	struct sink *down;
	size_t keep;		/* bytes withheld at any time */
	unsigned char *buf;	/* held bytes are buf[0..len) */
	size_t len;
	size_t cap;		/* keep + room to batch small writes */
};

/* Wraps down; keep is raised to HOLDBACK_MIN when smaller. finish writes
 * the withheld bytes and finishes down; abort drops them and aborts down. */
int holdback_init(struct holdback *h, struct sink *down, size_t keep, struct dk_err *e);

void holdback_free(struct holdback *h);

#endif
