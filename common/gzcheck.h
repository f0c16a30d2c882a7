/* A streaming gzip verifier, as strict as `gzip -t`: every member's header
 * (flags, FEXTRA, FNAME, FCOMMENT, FHCRC), deflate data, CRC-32 and ISIZE;
 * multi-member streams; zero padding after the last member. This file reads
 * the gzip wrapper itself, with zlib's rules and at zlib's byte offsets, and
 * hands the deflate data and the CRC to inflate.h (ISA-L, or zlib): it
 * decides what counts as the end of the stream and says where it broke,
 * the same way whichever backend inflates. */
#ifndef DRKIT_GZCHECK_H
#define DRKIT_GZCHECK_H

#include <stdint.h>
#include "err.h"
#include "inflate.h"
#include "sink.h"

/* Why a stream failed, for callers that want more than the message. */
enum gzcheck_reason {
	GZ_OK = 0,
	GZ_NOT_GZIP,		/* the input does not start with 1f 8b */
	GZ_BAD_HEADER,		/* method, reserved flags, header CRC */
	GZ_BAD_DEFLATE,		/* invalid deflate data */
	GZ_BAD_CRC,		/* CRC-32 of the data differs */
	GZ_BAD_LENGTH,		/* ISIZE differs */
	GZ_TRUNCATED,		/* unexpected end of input */
	GZ_TRAILING,		/* trailing garbage after the last member */
};

#define GZCHECK_IGNORE_TRAILING 1	/* accept any bytes after a member */

/* Where in a member the reader is. */
enum gzcheck_part { GZP_HEADER, GZP_BODY, GZP_TRAILER };

struct gzcheck {
	struct inflate_raw z;	/* the member's deflate data */
	enum gzcheck_part part;
	uint32_t hdr_len;	/* header bytes read of this member */
	uint32_t hdr_field;	/* bytes read of FEXTRA's data */
	uint16_t hdr_xlen;	/* FEXTRA's length */
	unsigned char hdr[10];	/* the fixed header; [0, 2) then XLEN, HCRC */
	unsigned char hdr_step;	/* which field of the header comes next */
	uint32_t hdr_crc;	/* CRC-32 of the header so far (FHCRC) */
	uint32_t crc;		/* CRC-32 of the member's data */
	uint32_t size;		/* the member's data length, mod 2^32 */
	unsigned char trailer[8];
	unsigned trailer_len;
	unsigned char *out;	/* inflate's output buffer */
	size_t outsize;
	struct sink *sink;	/* decompressed bytes go here; may be NULL */
	int flags;
	int in_member;		/* inside a member, else between members */
	int pending_1f;		/* between members: a 1f waits for its 8b */
	int in_zeros;		/* between members: zero padding seen */
	int in_garbage;		/* ignored trailing bytes */
	int status;		/* the first failure, sticky */
	uint64_t in_bytes;	/* compressed bytes consumed */
	uint64_t out_bytes;	/* decompressed bytes produced */
	uint64_t members;	/* members started so far */
	enum gzcheck_reason reason;	/* set on failure */
	uint64_t err_offset;	/* compressed byte offset of the failure */
};

/* Prepares g. Decompressed bytes are written to out (NULL: discarded; the
 * caller finishes or aborts out; unused by gzcheck_read). flags:
 * GZCHECK_IGNORE_TRAILING or 0. The backend is $DRKIT_INFLATE's, else
 * ISA-L's. */
int gzcheck_init(struct gzcheck *g, struct sink *out, int flags, struct dk_err *e);

/* The same with the backend named (tests, fuzzing). */
int gzcheck_init_with(struct gzcheck *g, struct sink *out, int flags, enum inflate_backend b,
    struct dk_err *e);

/* Checks the next len bytes of the stream. DK_EDATA with e saying member,
 * byte offset and reason when they cannot be part of a valid stream; the
 * out sink's status when it fails. Once failed, keeps failing. */
int gzcheck_update(struct gzcheck *g, const void *buf, size_t len, struct dk_err *e);

/* The same check, pulled: decompresses from in[0, inlen) into out[0,
 * outlen) until the input is used up or the output is full; *used and
 * *made say how much of each. Output may still wait inside inflate when out
 * came back full: call again, with no new input if there is none. For a
 * reader that wants the data in its own buffer (the restore's). */
int gzcheck_read(struct gzcheck *g, const void *in, size_t inlen, size_t *used,
    void *out, size_t outlen, size_t *made, struct dk_err *e);

/* End of input: DK_OK only when the stream was whole. */
int gzcheck_finish(struct gzcheck *g, struct dk_err *e);

void gzcheck_free(struct gzcheck *g);

/* "CRC mismatch", "unexpected end of input", ... */
const char *gzcheck_reason_str(enum gzcheck_reason r);

#endif
