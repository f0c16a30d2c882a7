#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "gzcheck.h"

/* Big enough that inflate runs its fast loop, small enough to stay in L2. */
#define GZCHECK_OUTSIZE (256 * 1024)

/* 15-bit window, gzip wrapper only: zlib then checks the magic, method,
 * flags, header CRC, CRC-32 and ISIZE itself. */
#define GZIP_WBITS (15 + 16)

static const unsigned char gz_magic1 = 0x1f, gz_magic2 = 0x8b;

const char *
gzcheck_reason_str(enum gzcheck_reason r)
{
	switch (r) {
	case GZ_OK:		return "OK";
	case GZ_NOT_GZIP:	return "not gzip";
	case GZ_BAD_HEADER:	return "bad header";
	case GZ_BAD_DEFLATE:	return "invalid deflate data";
	case GZ_BAD_CRC:	return "CRC mismatch";
	case GZ_BAD_LENGTH:	return "length mismatch";
	case GZ_TRUNCATED:	return "unexpected end of input";
	case GZ_TRAILING:	return "trailing garbage";
	}
	return "unknown failure";
}

int
gzcheck_init(struct gzcheck *g, struct sink *out, int flags, struct dk_err *e)
{
	memset(g, 0, sizeof(*g));
	g->sink = out;
	g->flags = flags;
	g->outsize = GZCHECK_OUTSIZE;
	g->out = malloc(g->outsize);
	if (g->out == NULL)
		return dk_fail(e, DK_EIO, "out of memory for the gzip verifier");
	if (inflateInit2(&g->zs, GZIP_WBITS) != Z_OK) {
		free(g->out);
		g->out = NULL;
		return dk_fail(e, DK_EIO, "cannot start zlib: %s", g->zs.msg ? g->zs.msg : "out of memory");
	}
	inflateGetHeader(&g->zs, &g->head);
	g->in_member = 1;
	g->members = 1;
	return DK_OK;
}

void
gzcheck_free(struct gzcheck *g)
{
	if (g->out != NULL)
		inflateEnd(&g->zs);
	free(g->out);
	g->out = NULL;
}

static int
gz_fail(struct gzcheck *g, enum gzcheck_reason r, uint64_t off, const char *detail, struct dk_err *e)
{
	int first = e->status == DK_OK;

	g->reason = r;
	g->err_offset = off;
	g->status = DK_EDATA;
	if (r == GZ_NOT_GZIP)
		dk_fail(e, DK_EDATA, "not gzip: byte offset %" PRIu64 ": no gzip magic (1f 8b)", off);
	else if (r == GZ_TRAILING)
		dk_fail(e, DK_EDATA, "trailing garbage at byte offset %" PRIu64 " after member %" PRIu64,
		    off, g->members);
	else
		dk_fail(e, DK_EDATA, "member %" PRIu64 ", byte offset %" PRIu64 ": %s%s%s%s",
		    g->members, off, gzcheck_reason_str(r),
		    detail ? " (" : "", detail ? detail : "", detail ? ")" : "");
	if (first)
		dk_err_offset(e, off);
	return DK_EDATA;
}

/* Turns zlib's Z_DATA_ERROR message into a reason; off is where inflate
 * stopped reading. */
static int
gz_fail_zlib(struct gzcheck *g, uint64_t off, struct dk_err *e)
{
	const char *m = g->zs.msg ? g->zs.msg : "";

	if (strcmp(m, "incorrect header check") == 0)
		return gz_fail(g, GZ_NOT_GZIP, 0, NULL, e);
	if (strcmp(m, "unknown compression method") == 0 ||
	    strcmp(m, "unknown header flags set") == 0 ||
	    strcmp(m, "header crc mismatch") == 0)
		return gz_fail(g, GZ_BAD_HEADER, off, m, e);
	/* The trailer's fields are 4 bytes each; point at the field. */
	if (strcmp(m, "incorrect data check") == 0)
		return gz_fail(g, GZ_BAD_CRC, off - 4, NULL, e);
	if (strcmp(m, "incorrect length check") == 0)
		return gz_fail(g, GZ_BAD_LENGTH, off - 4, NULL, e);
	return gz_fail(g, GZ_BAD_DEFLATE, off, m, e);
}

/* One call of inflate from in into out; *used and *made say how much of
 * each it took. The member ends at Z_STREAM_END. */
static int
gz_inflate(struct gzcheck *g, const unsigned char *in, size_t len, size_t *used,
    unsigned char *out, size_t outlen, size_t *made, struct dk_err *e)
{
	uInt in_n = len > UINT_MAX ? UINT_MAX : (uInt)len;
	uInt out_n = outlen > UINT_MAX ? UINT_MAX : (uInt)outlen;
	int ret;

	g->zs.next_in = (unsigned char *)in;
	g->zs.avail_in = in_n;
	g->zs.next_out = out;
	g->zs.avail_out = out_n;
	ret = inflate(&g->zs, Z_NO_FLUSH);
	*used = in_n - g->zs.avail_in;
	*made = out_n - g->zs.avail_out;
	g->in_bytes += *used;
	if (ret == Z_DATA_ERROR)
		return gz_fail_zlib(g, g->in_bytes, e);
	if (ret == Z_MEM_ERROR)
		return g->status = dk_fail(e, DK_EIO, "out of memory while inflating");
	g->out_bytes += *made;
	if (ret == Z_STREAM_END)
		g->in_member = 0;
	/* Z_BUF_ERROR: no input left and nothing more to flush. */
	return DK_OK;
}

static int
gz_start_member(struct gzcheck *g, struct dk_err *e)
{
	unsigned char none;
	size_t used, made;

	inflateReset(&g->zs);
	memset(&g->head, 0, sizeof(g->head));
	inflateGetHeader(&g->zs, &g->head);
	g->in_member = 1;
	g->members++;
	g->pending_1f = 0;
	/* The 1f was held back until its 8b came; one header byte makes
	 * no output. */
	return gz_inflate(g, &gz_magic1, 1, &used, &none, 1, &made, e);
}

/* Between members: the next member's magic, zero padding or garbage.
 * Returns after a 1f (held back, uncounted, until its 8b comes) or at the
 * start of the next member. */
static int
gz_between(struct gzcheck *g, const unsigned char *p, size_t len, size_t *used, struct dk_err *e)
{
	size_t i;

	if (g->in_garbage) {
		g->in_bytes += len;
		*used = len;
		return DK_OK;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = p[i];
		if (g->pending_1f && c == gz_magic2) {
			*used = i;
			return gz_start_member(g, e);
		}
		if (!g->pending_1f && !g->in_zeros && c == gz_magic1) {
			g->in_bytes += i;
			*used = i + 1;
			g->pending_1f = 1;
			return DK_OK;
		}
		if (!g->pending_1f && c == 0) {
			g->in_zeros = 1;
			continue;
		}
		/* Anything else ends the stream (a pending 1f with it). */
		if (!(g->flags & GZCHECK_IGNORE_TRAILING))
			return gz_fail(g, GZ_TRAILING, g->in_bytes + i, NULL, e);
		g->in_garbage = 1;
		g->in_bytes += len + (uint64_t)g->pending_1f;
		g->pending_1f = 0;
		*used = len;
		return DK_OK;
	}
	g->in_bytes += len;
	*used = len;
	return DK_OK;
}

int
gzcheck_read(struct gzcheck *g, const void *in, size_t inlen, size_t *used,
    void *out, size_t outlen, size_t *made, struct dk_err *e)
{
	const unsigned char *p = in;
	unsigned char *o = out;
	int st = DK_OK;

	*used = *made = 0;
	while (g->status == DK_OK && *made < outlen) {
		size_t u = 0, m = 0;
		if (g->in_member) {
			st = gz_inflate(g, p + *used, inlen - *used, &u, o + *made, outlen - *made, &m, e);
			/* inflate wants more input, or has ended the member. */
			if (st == DK_OK && u == 0 && m == 0 && g->in_member)
				break;
		} else if (*used < inlen) {
			st = gz_between(g, p + *used, inlen - *used, &u, e);
		} else {
			break;
		}
		*used += u;
		*made += m;
		if (st != DK_OK)
			g->status = st;
	}
	return g->status;
}

int
gzcheck_update(struct gzcheck *g, const void *buf, size_t len, struct dk_err *e)
{
	const unsigned char *p = buf;
	int st;

	while (g->status == DK_OK) {
		size_t used, made;
		if (gzcheck_read(g, p, len, &used, g->out, g->outsize, &made, e) != DK_OK)
			break;
		if (made > 0 && g->sink != NULL && (st = sink_write(g->sink, g->out, made, e)) != DK_OK)
			return g->status = st;
		p += used;
		len -= used;
		/* A full buffer may leave output inside zlib: flush it. */
		if (len == 0 && made < g->outsize)
			break;
	}
	return g->status;
}

int
gzcheck_finish(struct gzcheck *g, struct dk_err *e)
{
	if (g->status != DK_OK)
		return g->status;
	if (g->in_member && g->members == 1 && g->in_bytes == 0)
		return gz_fail(g, GZ_NOT_GZIP, 0, NULL, e);
	if (g->in_member)
		return gz_fail(g, GZ_TRUNCATED, g->in_bytes,
		    g->head.done ? "in compressed data or trailer" : "in header", e);
	/* A lone 1f at the end may be a member cut after its first byte. */
	if (g->pending_1f) {
		g->members++;
		return gz_fail(g, GZ_TRUNCATED, g->in_bytes + 1, "in header", e);
	}
	return DK_OK;
}
