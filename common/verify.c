#include <stdio.h>
#include <string.h>

#include "verify.h"

static const char trailer_db[] = "-- PostgreSQL database dump complete";
static const char trailer_cluster[] = "-- PostgreSQL database cluster dump complete";
static const char head_cluster[] = "-- PostgreSQL database cluster dump";

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

static int
line_is(const unsigned char *p, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(p, s, len) == 0;
}

static int
line_starts(const unsigned char *p, size_t len, const char *s)
{
	return len >= strlen(s) && memcmp(p, s, strlen(s)) == 0;
}

static int
line_blank(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

/* pg_dumpall announces itself in its first lines. */
static int
is_cluster_dump(const unsigned char *head, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		if (head[i] != '\n')
			continue;
		if (line_is(head + start, i - start, head_cluster))
			return 1;
		start = i + 1;
	}
	return 0;
}

/* What may follow the trailer: blank lines, comments, and the \unrestrict
 * that pg_dump 17.6+/15.14+ prints last. */
static int
line_after_trailer(const unsigned char *p, size_t len)
{
	return line_blank(p, len) || line_starts(p, len, "--") ||
	    line_starts(p, len, "\\unrestrict ");
}

static void
quote_line(char *out, size_t outsize, const unsigned char *p, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 2 < outsize; i++)
		out[o++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	out[o] = '\0';
}

int
verify_dump_trailer(const unsigned char *head, size_t head_len, const unsigned char *tail,
    size_t tail_len, int complete, struct dk_err *e)
{
	const char *want = is_cluster_dump(head, head_len) ? trailer_cluster : trailer_db;
	char last[64];
	size_t end;

	if (tail_len == 0 || tail[tail_len - 1] != '\n')
		return dk_fail(e, DK_EDATA, "incomplete dump: its last line is cut short "
		    "(no \"%s\" at its end)", want);
	end = tail_len - 1;
	for (;;) {
		size_t start = end;
		while (start > 0 && tail[start - 1] != '\n')
			start--;
		if (start == 0 && !complete)
			break;	/* a line cut by the window: not one we know */
		if (line_is(tail + start, end - start, want))
			return DK_OK;
		if (!line_after_trailer(tail + start, end - start)) {
			quote_line(last, sizeof(last), tail + start, end - start);
			return dk_fail(e, DK_EDATA, "incomplete dump: no \"%s\" at its end "
			    "(it ends with \"%s\")", want, last);
		}
		if (start == 0)
			break;
		end = start - 1;
	}
	return dk_fail(e, DK_EDATA, "incomplete dump: no \"%s\" at its end", want);
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
