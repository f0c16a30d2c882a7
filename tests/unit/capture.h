/* A sink for unit tests: keeps what it was given and how it ended. */
#ifndef CAPTURE_H
#define CAPTURE_H
#include <stdlib.h>
#include <string.h>

#include "sink.h"
#include "vec.h"

struct capture {
	struct sink sink;
	unsigned char *buf;
	size_t len, cap;
	int writes, finished, aborted;
};

static int
capture_write(struct sink *s, const void *buf, size_t len, struct dk_err *e)
{
	struct capture *c = (struct capture *)s;

	if (vec_reserve((void **)&c->buf, &c->cap, c->len + len, 1) != 0)
		return dk_fail(e, DK_EIO, "out of memory after %zu bytes", c->len);
	memcpy(c->buf + c->len, buf, len);
	c->len += len;
	c->writes++;
	return DK_OK;
}

static int
capture_finish(struct sink *s, struct dk_err *e)
{
	(void)e;
	((struct capture *)s)->finished++;
	return DK_OK;
}

static void
capture_abort(struct sink *s)
{
	((struct capture *)s)->aborted++;
}

static void
capture_init(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->sink.write = capture_write;
	c->sink.finish = capture_finish;
	c->sink.abort = capture_abort;
}
#endif
