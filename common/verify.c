#include <stdio.h>
#include <string.h>

#include "dumptrailer.h"
#include "verify.h"

int
verify_mode_parse(const char *name, enum verify_mode *mode, struct dk_err *e)
{
	if (strcmp(name, "gzip") == 0)
		*mode = VERIFY_GZIP;
	else if (strcmp(name, "pgdump") == 0)
		*mode = VERIFY_PGDUMP;
	else
		return dk_fail(e, DK_EUSAGE, "unknown verification '%s' (gzip or pgdump)", name);
	return DK_OK;
}

/* pg_dumpall announces itself in its first lines. */
static int
is_cluster_dump(const unsigned char *head, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		if (head[i] != '\n')
			continue;
		if (dumptrailer_classify((const char *)head + start, i - start) == DUMPTRAILER_HEAD)
			return 1;
		start = i + 1;
	}
	return 0;
}

int
verify_dump_trailer(const unsigned char *head, size_t head_len, const unsigned char *tail,
    size_t tail_len, int complete, struct dk_err *e)
{
	struct dumptrailer t;
	size_t start = 0;

	dumptrailer_init(&t);
	t.cluster = is_cluster_dump(head, head_len);
	if (tail_len == 0 || tail[tail_len - 1] != '\n')
		return dk_fail(e, DK_EDATA, "incomplete dump: its last line is cut short "
		    "(no \"%s\" at its end)", dumptrailer_want(&t));
	if (!complete) {
		/* A line cut by the window: not one we know. */
		const unsigned char *nl = memchr(tail, '\n', tail_len);
		start = (size_t)(nl - tail) + 1;
	}
	while (start < tail_len) {
		const unsigned char *nl = memchr(tail + start, '\n', tail_len - start);
		dumptrailer_line(&t, (const char *)tail + start, (size_t)(nl - (tail + start)), 0);
		start = (size_t)(nl - tail) + 1;
	}
	return dumptrailer_check(&t, 0, e);
}

/* Keeps the dump's first and last bytes for the trailer check. */
static void
keep_ends(struct verify_sink *v, const unsigned char *p, size_t len)
{
	if (v->head_len < VERIFY_HEAD) {
		size_t n = VERIFY_HEAD - v->head_len < len ? VERIFY_HEAD - v->head_len : len;
		memcpy(v->head + v->head_len, p, n);
		v->head_len += n;
	}
	if (len >= VERIFY_TAIL) {
		memcpy(v->tail, p + len - VERIFY_TAIL, VERIFY_TAIL);
		v->tail_len = VERIFY_TAIL;
		return;
	}
	if (v->tail_len + len > VERIFY_TAIL) {
		size_t drop = v->tail_len + len - VERIFY_TAIL;
		memmove(v->tail, v->tail + drop, v->tail_len - drop);
		v->tail_len -= drop;
	}
	memcpy(v->tail + v->tail_len, p, len);
	v->tail_len += len;
}

/* The content: decompressed bytes, or a plain dump's own. */
static int
content_write(struct sink *s, const void *buf, size_t len, struct dk_err *e)
{
	struct verify_sink *v = (struct verify_sink *)((char *)s - offsetof(struct verify_sink, content));

	v->content_bytes += len;
	if (v->mode == VERIFY_PGDUMP)
		keep_ends(v, buf, len);
	return v->decoded ? sink_write(v->decoded, buf, len, e) : DK_OK;
}

static int
verify_write(struct sink *s, const void *buf, size_t len, struct dk_err *e)
{
	struct verify_sink *v = (struct verify_sink *)s;
	int st;

	if (len == 0)
		return DK_OK;
	if (!v->started) {
		v->started = 1;
		/* No SQL script starts with 0x1f: anything else is plain. */
		v->plain = v->mode == VERIFY_PGDUMP && ((const unsigned char *)buf)[0] != 0x1f;
	}
	/* Verify first: a chunk that fails never reaches down. */
	st = v->plain ? content_write(&v->content, buf, len, e) : gzcheck_update(&v->gz, buf, len, e);
	if (st != DK_OK)
		return st;
	return v->down ? sink_write(v->down, buf, len, e) : DK_OK;
}

static void
verify_abort(struct sink *s)
{
	struct verify_sink *v = (struct verify_sink *)s;

	if (v->decoded)
		sink_abort(v->decoded);
	if (v->down)
		sink_abort(v->down);
}

static int
verify_check(struct verify_sink *v, struct dk_err *e)
{
	int st;

	if (v->mode == VERIFY_PGDUMP && !v->started)
		return dk_fail(e, DK_EDATA, "incomplete dump: the input is empty");
	if (!v->plain && (st = gzcheck_finish(&v->gz, e)) != DK_OK)
		return st;
	if (v->mode != VERIFY_PGDUMP)
		return DK_OK;
	if (v->content_bytes == 0)
		return dk_fail(e, DK_EDATA, "incomplete dump: it is empty");
	return verify_dump_trailer(v->head, v->head_len, v->tail, v->tail_len,
	    v->content_bytes <= VERIFY_TAIL, e);
}

static int
verify_finish(struct sink *s, struct dk_err *e)
{
	struct verify_sink *v = (struct verify_sink *)s;
	int st = verify_check(v, e);

	if (st != DK_OK) {
		verify_abort(s);
		return st;
	}
	if (v->decoded && (st = sink_finish(v->decoded, e)) != DK_OK) {
		if (v->down)
			sink_abort(v->down);
		return st;
	}
	return v->down ? sink_finish(v->down, e) : DK_OK;
}

int
verify_sink_init(struct verify_sink *v, enum verify_mode mode, struct sink *down,
    struct sink *decoded, int gzip_flags, struct dk_err *e)
{
	memset(v, 0, sizeof(*v));
	v->sink.write = verify_write;
	v->sink.finish = verify_finish;
	v->sink.abort = verify_abort;
	v->content.write = content_write;
	v->mode = mode;
	v->down = down;
	v->decoded = decoded;
	/* Without a reader of the content, inflate's output is dropped
	 * unseen: the fastest -t. */
	return gzcheck_init(&v->gz, (mode == VERIFY_PGDUMP || decoded) ? &v->content : NULL,
	    gzip_flags, e);
}

void
verify_sink_free(struct verify_sink *v)
{
	gzcheck_free(&v->gz);
}
