#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "gzcheck.h"

/* Big enough that inflate runs its fast loop, small enough to stay in L2. */
#define GZCHECK_OUTSIZE (256 * 1024)

/* The header's flags (RFC 1952); the top three are reserved. */
#define GZF_HCRC	0x02
#define GZF_EXTRA	0x04
#define GZF_NAME	0x08
#define GZF_COMMENT	0x10
#define GZF_RESERVED	0xe0

/* The header's parts, in order; those the flags leave out are skipped. */
enum { H_FIXED, H_XLEN, H_EXTRA, H_NAME, H_COMMENT, H_HCRC, H_DONE };

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

/* A member starts: its header comes first. */
static void
gz_reset_member(struct gzcheck *g)
{
	g->part = GZP_HEADER;
	g->hdr_step = H_FIXED;
	g->hdr_len = g->hdr_field = 0;
	g->hdr_crc = g->crc = g->size = 0;
	g->trailer_len = 0;
	g->in_member = 1;
}

int
gzcheck_init_with(struct gzcheck *g, struct sink *out, int flags, enum inflate_backend b,
    struct dk_err *e)
{
	memset(g, 0, sizeof(*g));
	g->sink = out;
	g->flags = flags;
	g->outsize = GZCHECK_OUTSIZE;
	g->out = malloc(g->outsize);
	if (g->out == NULL || inflate_raw_init(&g->z, b) != 0) {
		free(g->out);
		g->out = NULL;
		return dk_fail(e, DK_EIO, "out of memory for the gzip verifier");
	}
	gz_reset_member(g);
	g->members = 1;
	return DK_OK;
}

int
gzcheck_init(struct gzcheck *g, struct sink *out, int flags, struct dk_err *e)
{
	return gzcheck_init_with(g, out, flags, INFLATE_DEFAULT, e);
}

void
gzcheck_free(struct gzcheck *g)
{
	if (g->out != NULL)
		inflate_raw_free(&g->z);
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

/* One header byte or run of bytes read: counted, and in the header's CRC
 * unless it is that CRC. */
static void
gz_header_take(struct gzcheck *g, const unsigned char *p, size_t n)
{
	if (g->hdr_step != H_HCRC)
		g->hdr_crc = inflate_crc32(g->z.backend, g->hdr_crc, p, n);
	g->hdr_len += (uint32_t)n;
}

/* The step after step, by the member's flags. */
static unsigned char
gz_header_next(const struct gzcheck *g, unsigned char step)
{
	unsigned char flg = g->hdr[3];

	switch (step) {
	case H_FIXED:
		if (flg & GZF_EXTRA)
			return H_XLEN;
		/* FALLTHROUGH */
	case H_EXTRA:
		if (flg & GZF_NAME)
			return H_NAME;
		/* FALLTHROUGH */
	case H_NAME:
		if (flg & GZF_COMMENT)
			return H_COMMENT;
		/* FALLTHROUGH */
	case H_COMMENT:
		if (flg & GZF_HCRC)
			return H_HCRC;
		break;
	case H_XLEN:
		return H_EXTRA;
	}
	return H_DONE;
}

/* A fixed-size field's byte: the fixed header's ten, XLEN's and the
 * header CRC's two. Checks each as soon as zlib would, so that the offset
 * (off, just past this byte) is zlib's. */
static int
gz_header_byte(struct gzcheck *g, unsigned char c, uint64_t off, struct dk_err *e)
{
	size_t at = g->hdr_step == H_FIXED ? g->hdr_len : g->hdr_field;
	unsigned want = g->hdr_step == H_FIXED ? 10 : 2;

	g->hdr[at] = c;
	gz_header_take(g, &c, 1);
	if (g->hdr_step != H_FIXED)
		g->hdr_field++;
	else if (at == 1 && (g->hdr[0] != gz_magic1 || g->hdr[1] != gz_magic2))
		return gz_fail(g, GZ_NOT_GZIP, 0, NULL, e);
	else if (at == 3 && g->hdr[2] != 8)
		return gz_fail(g, GZ_BAD_HEADER, off, "unknown compression method", e);
	else if (at == 3 && (g->hdr[3] & GZF_RESERVED))
		return gz_fail(g, GZ_BAD_HEADER, off, "unknown header flags set", e);
	if (at + 1 < want)
		return DK_OK;
	if (g->hdr_step == H_XLEN)
		g->hdr_xlen = (uint16_t)(g->hdr[0] | g->hdr[1] << 8);
	if (g->hdr_step == H_HCRC && (uint32_t)(g->hdr[0] | g->hdr[1] << 8) != (g->hdr_crc & 0xffff))
		return gz_fail(g, GZ_BAD_HEADER, off, "header crc mismatch", e);
	g->hdr_field = 0;
	/* An empty FEXTRA has no data to wait for. */
	if (g->hdr_step == H_XLEN && g->hdr_xlen == 0)
		g->hdr_step = H_EXTRA;
	g->hdr_step = gz_header_next(g, g->hdr_step);
	return DK_OK;
}

/* The member's header, up to its end or the end of p; *used says how much
 * it took. */
static int
gz_header(struct gzcheck *g, const unsigned char *p, size_t len, size_t *used, struct dk_err *e)
{
	size_t i = 0, n;
	const unsigned char *nul;
	int st = DK_OK;

	while (i < len && g->hdr_step != H_DONE && st == DK_OK) {
		switch (g->hdr_step) {
		case H_EXTRA:
			n = len - i < (size_t)(g->hdr_xlen - g->hdr_field) ? len - i : (size_t)(g->hdr_xlen - g->hdr_field);
			gz_header_take(g, p + i, n);
			i += n;
			if ((g->hdr_field += (uint32_t)n) == g->hdr_xlen) {
				g->hdr_field = 0;
				g->hdr_step = gz_header_next(g, H_EXTRA);
			}
			break;
		case H_NAME:
		case H_COMMENT:
			/* Up to and with the NUL. */
			nul = memchr(p + i, 0, len - i);
			n = nul != NULL ? (size_t)(nul - (p + i)) + 1 : len - i;
			gz_header_take(g, p + i, n);
			i += n;
			if (nul != NULL)
				g->hdr_step = gz_header_next(g, g->hdr_step);
			break;
		default:
			i++;
			st = gz_header_byte(g, p[i - 1], g->in_bytes + i, e);
			break;
		}
	}
	g->in_bytes += i;
	*used = i;
	if (st == DK_OK && g->hdr_step == H_DONE)
		g->part = GZP_BODY;
	return st;
}

static uint32_t
get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* CRC-32 then ISIZE, each checked as soon as its 4 bytes are in; an error
 * points at its field. */
static int
gz_trailer(struct gzcheck *g, const unsigned char *p, size_t len, size_t *used, struct dk_err *e)
{
	size_t i = 0;

	while (i < len && g->trailer_len < 8) {
		g->trailer[g->trailer_len++] = p[i++];
		if (g->trailer_len == 4 && get_le32(g->trailer) != g->crc) {
			g->in_bytes += i;
			return gz_fail(g, GZ_BAD_CRC, g->in_bytes - 4, NULL, e);
		}
		if (g->trailer_len == 8 && get_le32(g->trailer + 4) != g->size) {
			g->in_bytes += i;
			return gz_fail(g, GZ_BAD_LENGTH, g->in_bytes - 4, NULL, e);
		}
	}
	g->in_bytes += i;
	*used = i;
	if (g->trailer_len == 8)
		g->in_member = 0;
	return DK_OK;
}

/* The member's deflate data: inflate from in into out; *used and *made say
 * how much of each it took. The trailer follows the final block. */
static int
gz_body(struct gzcheck *g, const unsigned char *in, size_t len, size_t *used,
    unsigned char *out, size_t outlen, size_t *made, struct dk_err *e)
{
	enum inflate_result r;
	size_t spilled;

	r = inflate_raw_run(&g->z, in, len, used, out, outlen, made);
	g->in_bytes += *used;
	if (r == INFLATE_BAD)
		return gz_fail(g, GZ_BAD_DEFLATE, g->in_bytes - g->z.spill_len, g->z.why, e);
	if (r == INFLATE_NOMEM)
		return g->status = dk_fail(e, DK_EIO, "out of memory while inflating");
	g->crc = inflate_crc32(g->z.backend, g->crc, out, *made);
	g->size += (uint32_t)*made;
	g->out_bytes += *made;
	if (r == INFLATE_END) {
		g->part = GZP_TRAILER;
		/* Bytes of the trailer the backend read ahead, counted again
		 * as the trailer's. */
		g->in_bytes -= g->z.spill_len;
		return gz_trailer(g, g->z.spill, g->z.spill_len, &spilled, e);
	}
	return DK_OK;
}

static int
gz_start_member(struct gzcheck *g, struct dk_err *e)
{
	size_t used;

	inflate_raw_reset(&g->z);
	gz_reset_member(g);
	g->members++;
	g->pending_1f = 0;
	/* The 1f was held back until its 8b came. */
	return gz_header(g, &gz_magic1, 1, &used, e);
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
		enum gzcheck_part was = g->part;
		if (g->in_member && g->part == GZP_BODY) {
			st = gz_body(g, p + *used, inlen - *used, &u, o + *made, outlen - *made, &m, e);
			/* inflate wants more input. */
			if (st == DK_OK && u == 0 && m == 0 && g->part == was)
				break;
		} else if (*used == inlen) {
			break;
		} else if (!g->in_member) {
			st = gz_between(g, p + *used, inlen - *used, &u, e);
		} else if (g->part == GZP_HEADER) {
			st = gz_header(g, p + *used, inlen - *used, &u, e);
		} else {
			st = gz_trailer(g, p + *used, inlen - *used, &u, e);
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
		    g->part != GZP_HEADER ? "in compressed data or trailer" : "in header", e);
	/* A lone 1f at the end may be a member cut after its first byte. */
	if (g->pending_1f) {
		g->members++;
		return gz_fail(g, GZ_TRUNCATED, g->in_bytes + 1, "in header", e);
	}
	return DK_OK;
}
