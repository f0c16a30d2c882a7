/* A sink takes a stream in pieces and decides at the end whether it was
 * whole: the shape that lets r2put, gzverify and sha256sum-r2 chain
 * verifiers, withholding writers and uploaders without knowing each other. */
#ifndef DRKIT_SINK_H
#define DRKIT_SINK_H

#include <stddef.h>

#include "err.h"

struct sink {
	/* Takes len bytes; returns 0 or a dk_status with e filled. */
	int (*write)(struct sink *s, const void *buf, size_t len, struct dk_err *e);
	/* End of input: verify, flush what was withheld, commit. */
	int (*finish)(struct sink *s, struct dk_err *e);
	/* Something upstream failed: undo, never commit. May be NULL. */
	void (*abort)(struct sink *s);
};

static inline int
sink_write(struct sink *s, const void *buf, size_t len, struct dk_err *e)
{
	return s->write(s, buf, len, e);
}

static inline int
sink_finish(struct sink *s, struct dk_err *e)
{
	return s->finish(s, e);
}

static inline void
sink_abort(struct sink *s)
{
	if (s->abort != NULL)
		s->abort(s);
}

#endif
