/* Raw deflate and CRC-32 behind one interface, with two backends: ISA-L
 * (the default: its inflate runs about twice as fast as zlib's) and zlib.
 * The gzip wrapper (header, trailer, members) is gzcheck's, so that both
 * backends give the same answers; only the deflate data differs in who
 * decodes it. */
#ifndef DRKIT_INFLATE_H
#define DRKIT_INFLATE_H

#include <stddef.h>
#include <stdint.h>

enum inflate_backend {
	INFLATE_DEFAULT = 0,	/* $DRKIT_INFLATE, else ISA-L */
	INFLATE_ISAL,
	INFLATE_ZLIB,
};

enum inflate_result {
	INFLATE_MORE,		/* wants more input or more output room */
	INFLATE_END,		/* the final block ended; input after it unused */
	INFLATE_BAD,		/* invalid deflate data */
	INFLATE_NOMEM,
};

struct inflate_raw {
	enum inflate_backend backend;
	void *state;		/* the backend's stream */
	const char *why;	/* on INFLATE_BAD: what was wrong */
	/* On INFLATE_END: bytes after the deflate data that an earlier call
	 * had already taken; they come before in + *used. */
	unsigned char spill[8];
	unsigned spill_len;
};

/* What DRKIT_INFLATE=isal|zlib names, read once; ISA-L when unset. */
enum inflate_backend inflate_backend_default(void);

/* "ISA-L" or "zlib". */
const char *inflate_backend_name(enum inflate_backend b);

/* 0, or -1 when out of memory. */
int inflate_raw_init(struct inflate_raw *z, enum inflate_backend b);

/* Ready for the next member's deflate data. */
void inflate_raw_reset(struct inflate_raw *z);

/* Inflates from in[0, inlen) into out[0, outlen); *used and *made say how
 * much of each. Input is consumed only up to the end of the deflate data:
 * on INFLATE_END, the input after it is spill[0, spill_len) (read by an
 * earlier call), then in + *used. */
enum inflate_result inflate_raw_run(struct inflate_raw *z, const unsigned char *in, size_t inlen,
    size_t *used, unsigned char *out, size_t outlen, size_t *made);

void inflate_raw_free(struct inflate_raw *z);

/* gzip's CRC-32 of p[0, len) continued from crc (0 to start). */
uint32_t inflate_crc32(enum inflate_backend b, uint32_t crc, const void *p, size_t len);

#endif
