#include <stdlib.h>
#include <string.h>

#include "holdback.h"

/* Small writes gather in the buffer until this much can go down at once. */
#define HOLDBACK_BATCH (1024 * 1024)

static int
holdback_write(struct sink *s, const void *data, size_t n, struct dk_err *e)
{
	struct holdback *h = (struct holdback *)s;
	const unsigned char *p = data;
	int st;

	if (n <= h->cap - h->len) {
		memcpy(h->buf + h->len, p, n);
		h->len += n;
		return DK_OK;
	}
	/* Everything but the last keep bytes of held ++ data goes down,
	 * data straight from the caller's buffer. */
	size_t emit = h->len + n - h->keep;
	size_t from_held = emit < h->len ? emit : h->len;
	size_t from_data = emit - from_held;
	if (from_held > 0 && (st = sink_write(h->down, h->buf, from_held, e)) != DK_OK)
		return st;
	if (from_data > 0 && (st = sink_write(h->down, p, from_data, e)) != DK_OK)
		return st;
	memmove(h->buf, h->buf + from_held, h->len - from_held);
	h->len -= from_held;
	memcpy(h->buf + h->len, p + from_data, n - from_data);
	h->len += n - from_data;
	return DK_OK;
}

static int
holdback_finish(struct sink *s, struct dk_err *e)
{
	struct holdback *h = (struct holdback *)s;
	int st;

	if (h->len > 0 && (st = sink_write(h->down, h->buf, h->len, e)) != DK_OK) {
		sink_abort(h->down);
		return st;
	}
	h->len = 0;
	return sink_finish(h->down, e);
}

static void
holdback_abort(struct sink *s)
{
	struct holdback *h = (struct holdback *)s;

	h->len = 0;
	sink_abort(h->down);
}

int
holdback_init(struct holdback *h, struct sink *down, size_t keep, struct dk_err *e)
{
	memset(h, 0, sizeof(*h));
	h->sink.write = holdback_write;
	h->sink.finish = holdback_finish;
	h->sink.abort = holdback_abort;
	h->down = down;
	h->keep = keep < HOLDBACK_MIN ? HOLDBACK_MIN : keep;
	h->cap = h->keep + (h->keep > HOLDBACK_BATCH ? h->keep : HOLDBACK_BATCH);
	h->buf = malloc(h->cap);
	if (h->buf == NULL)
		return dk_fail(e, DK_EIO, "out of memory for the hold-back buffer");
	return DK_OK;
}

void
holdback_free(struct holdback *h)
{
	free(h->buf);
	h->buf = NULL;
}
