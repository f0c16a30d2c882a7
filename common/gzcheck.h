/* A streaming gzip verifier, as strict as `gzip -t`: every member's header
 * (flags, FEXTRA, FNAME, FCOMMENT, FHCRC), deflate data, CRC-32 and ISIZE;
 * multi-member streams; zero padding after the last member. zlib does the
 * inflating; this file decides what counts as the end of the stream and says
 * where it broke. */
#ifndef DRKIT_GZCHECK_H
#define DRKIT_GZCHECK_H

#include <stdint.h>
#include <zlib.h>

#include "err.h"
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

struct gzcheck {
	z_stream zs;
	gz_header head;		/* tells whether a member's header is done */
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
 * GZCHECK_IGNORE_TRAILING or 0. */
int gzcheck_init(struct gzcheck *g, struct sink *out, int flags, struct dk_err *e);

/* Checks the next len bytes of the stream. DK_EDATA with e saying member,
 * byte offset and reason when they cannot be part of a valid stream; the
 * out sink's status when it fails. Once failed, keeps failing. */
int gzcheck_update(struct gzcheck *g, const void *buf, size_t len, struct dk_err *e);

/* The same check, pulled: decompresses from in[0, inlen) into out[0,
 * outlen) until the input is used up or the output is full; *used and
 * *made say how much of each. Output may still wait inside zlib when out
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
