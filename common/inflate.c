#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <zlib.h>

#include "inflate.h"

enum inflate_backend
inflate_backend_default(void)
{
	static enum inflate_backend chosen;
	const char *v;

	/* Read once: every reader of one process decodes alike. */
	if (chosen == INFLATE_DEFAULT) {
		v = getenv("DRKIT_INFLATE");
		chosen = v != NULL && strcmp(v, "zlib") == 0 ? INFLATE_ZLIB : INFLATE_ISAL;
	}
	return chosen;
}

const char *
inflate_backend_name(enum inflate_backend b)
{
	return b == INFLATE_ZLIB ? "zlib" : "ISA-L";
}

/* --- zlib: inflate's raw mode stops on the byte after the deflate data. */

static int
zlib_init(struct inflate_raw *z)
{
	z_stream *zs = calloc(1, sizeof(*zs));

	if (zs == NULL)
		return -1;
	if (inflateInit2(zs, -MAX_WBITS) != Z_OK) {
		free(zs);
		return -1;
	}
	z->state = zs;
	return 0;
}

static enum inflate_result
zlib_run(struct inflate_raw *z, const unsigned char *in, size_t inlen, size_t *used,
    unsigned char *out, size_t outlen, size_t *made)
{
	z_stream *zs = z->state;
	uInt in_n = inlen > UINT_MAX ? UINT_MAX : (uInt)inlen;
	uInt out_n = outlen > UINT_MAX ? UINT_MAX : (uInt)outlen;
	int ret;

	zs->next_in = (unsigned char *)in;
	zs->avail_in = in_n;
	zs->next_out = out;
	zs->avail_out = out_n;
	ret = inflate(zs, Z_NO_FLUSH);
	*used = in_n - zs->avail_in;
	*made = out_n - zs->avail_out;
	if (ret == Z_STREAM_END)
		return INFLATE_END;
	if (ret == Z_DATA_ERROR) {
		z->why = zs->msg != NULL ? zs->msg : "invalid data";
		return INFLATE_BAD;
	}
	if (ret == Z_MEM_ERROR)
		return INFLATE_NOMEM;
	/* Z_BUF_ERROR: no input left and nothing more to flush. */
	return INFLATE_MORE;
}

/* --- ISA-L: raw deflate; it reads ahead in 8-byte words, and gives back
 * what it read past the end of the final block. */

static int
isal_init(struct inflate_raw *z)
{
	struct inflate_state *s = malloc(sizeof(*s));

	if (s == NULL)
		return -1;
	isal_inflate_init(s);
	s->crc_flag = ISAL_DEFLATE;
	z->state = s;
	return 0;
}

/* ISA-L's codes in zlib's words, where they name the same fault. */
static const char *
isal_why(int ret)
{
	switch (ret) {
	case ISAL_INVALID_BLOCK:	return "invalid block";
	case ISAL_INVALID_SYMBOL:	return "invalid code";
	case ISAL_INVALID_LOOKBACK:	return "invalid distance too far back";
	}
	return "invalid data";
}

/* At the end of the final block, the whole bytes left in ISA-L's bit
 * buffer belong to what follows: this call's go back to the input, those
 * an earlier call took go to spill. */
static void
isal_give_back(struct inflate_raw *z, size_t *used)
{
	struct inflate_state *s = z->state;
	unsigned pad = (unsigned)s->read_in_length % 8;
	unsigned left = (unsigned)s->read_in_length / 8;
	unsigned back = left < *used ? left : (unsigned)*used;

	*used -= back;
	z->spill_len = left - back;
	for (unsigned i = 0; i < z->spill_len; i++)
		z->spill[i] = (unsigned char)(s->read_in >> (pad + 8 * i));
	s->read_in = 0;
	s->read_in_length = 0;
}

static enum inflate_result
isal_run(struct inflate_raw *z, const unsigned char *in, size_t inlen, size_t *used,
    unsigned char *out, size_t outlen, size_t *made)
{
	struct inflate_state *s = z->state;
	uint32_t in_n = inlen > UINT32_MAX ? UINT32_MAX : (uint32_t)inlen;
	uint32_t out_n = outlen > UINT32_MAX ? UINT32_MAX : (uint32_t)outlen;
	int ret;

	s->next_in = (uint8_t *)in;
	s->avail_in = in_n;
	s->next_out = out;
	s->avail_out = out_n;
	ret = isal_inflate(s);
	*used = in_n - s->avail_in;
	*made = out_n - s->avail_out;
	if (ret < 0) {
		z->why = isal_why(ret);
		isal_give_back(z, used);
		return INFLATE_BAD;
	}
	if (s->block_state == ISAL_BLOCK_FINISH) {
		isal_give_back(z, used);
		return INFLATE_END;
	}
	return INFLATE_MORE;
}

/* --- one interface */

int
inflate_raw_init(struct inflate_raw *z, enum inflate_backend b)
{
	memset(z, 0, sizeof(*z));
	z->backend = b == INFLATE_DEFAULT ? inflate_backend_default() : b;
	return z->backend == INFLATE_ZLIB ? zlib_init(z) : isal_init(z);
}

void
inflate_raw_reset(struct inflate_raw *z)
{
	z->why = NULL;
	z->spill_len = 0;
	if (z->backend == INFLATE_ZLIB) {
		inflateReset(z->state);
	} else {
		isal_inflate_reset(z->state);
		((struct inflate_state *)z->state)->crc_flag = ISAL_DEFLATE;
	}
}

enum inflate_result
inflate_raw_run(struct inflate_raw *z, const unsigned char *in, size_t inlen, size_t *used,
    unsigned char *out, size_t outlen, size_t *made)
{
	if (z->backend == INFLATE_ZLIB)
		return zlib_run(z, in, inlen, used, out, outlen, made);
	return isal_run(z, in, inlen, used, out, outlen, made);
}

void
inflate_raw_free(struct inflate_raw *z)
{
	if (z->state != NULL && z->backend == INFLATE_ZLIB)
		inflateEnd(z->state);
	free(z->state);
	z->state = NULL;
}

uint32_t
inflate_crc32(enum inflate_backend b, uint32_t crc, const void *p, size_t len)
{
	if (b == INFLATE_ZLIB)
		return (uint32_t)crc32_z(crc, p, len);
	/* Both continue a finished CRC, so the result is gzip's either way. */
	return crc32_gzip_refl(crc, p, len);
}
