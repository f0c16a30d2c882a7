/* The dump as it arrives on a file descriptor: plain, or gzip recognised by
 * its magic bytes and read through gzcheck, the one gzip reader, so that
 * the restore accepts exactly the streams gzverify accepts (several
 * members, zero padding) and refuses the rest. A corrupt or truncated gzip
 * stream is an error, never a short read. */
#ifndef DRKIT_DUMPINPUT_H
#define DRKIT_DUMPINPUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "gzcheck.h"

struct dumpinput {
	int fd;
	int gzip;		/* the input started with 1f 8b */
	int started;		/* the magic bytes were looked at */
	int in_eof;		/* fd reached end of input */
	int gz_started;		/* gz is initialised */
	struct gzcheck gz;
	unsigned char *in;	/* bytes read from fd, not yet used */
	size_t in_off, in_len;	/* in[in_off, in_off + in_len) waits */
	uint64_t bytes_in;	/* bytes read from fd */
};

void dumpinput_init(struct dumpinput *d, int fd);

/* Reads up to len dump bytes into buf: the count, 0 at the end of a whole
 * dump, -1 with e filled (DK_EDATA for bad gzip, DK_EIO for read errors). */
ssize_t dumpinput_read(struct dumpinput *d, void *buf, size_t len, struct dk_err *e);

void dumpinput_free(struct dumpinput *d);

#endif
