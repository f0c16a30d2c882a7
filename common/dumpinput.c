#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "dumpinput.h"

#define IN_SIZE (256 * 1024)

void
dumpinput_init(struct dumpinput *d, int fd)
{
	memset(d, 0, sizeof(*d));
	d->fd = fd;
}

/* Tops up the compressed (or raw) input buffer; 0 at end of input. */
static int
fill(struct dumpinput *d, struct dk_err *e)
{
	if (d->in == NULL && (d->in = malloc(IN_SIZE)) == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	if (d->in_len > 0 && d->zs.next_in != NULL && d->zs.next_in != d->in) {
		memmove(d->in, d->zs.next_in, d->in_len);
		d->zs.next_in = d->in;
	}
	ssize_t n = io_read_full(d->fd, d->in + d->in_len, IN_SIZE - d->in_len, "standard input", e);
	if (n < 0)
		return e->status;
	if (n == 0)
		d->in_eof = 1;
	d->in_len += (size_t)n;
	d->bytes_in += (uint64_t)n;
	d->zs.next_in = d->in;
	return DK_OK;
}

static int
start(struct dumpinput *d, struct dk_err *e)
{
	d->started = 1;
	while (d->in_len < 2 && !d->in_eof)
		if (fill(d, e) != DK_OK)
			return e->status;
	d->gzip = d->in_len >= 2 && d->in[0] == 0x1f && d->in[1] == 0x8b;
	if (d->gzip && inflateInit2(&d->zs, 16 + MAX_WBITS) != Z_OK)
		return dk_fail(e, DK_EIO, "cannot start zlib");
	d->zs.next_in = d->in;
	return DK_OK;
}

static ssize_t
read_plain(struct dumpinput *d, void *buf, size_t len, struct dk_err *e)
{
	if (d->in_len > 0) {
		size_t n = d->in_len < len ? d->in_len : len;
		memcpy(buf, d->zs.next_in, n);
		d->zs.next_in += n;
		d->in_len -= n;
		return (ssize_t)n;
	}
	ssize_t n = io_read_full(d->fd, buf, len, "standard input", e);
	if (n > 0)
		d->bytes_in += (uint64_t)n;
	return n;
}

/* Between members: another member, or the end of the stream. */
static int
next_member(struct dumpinput *d, struct dk_err *e)
{
	if (d->in_len == 0 && !d->in_eof && fill(d, e) != DK_OK)
		return -1;
	if (d->in_len == 0)
		return 0;
	if (inflateReset(&d->zs) != Z_OK)
		return dk_fail(e, DK_EIO, "cannot reset zlib"), -1;
	d->member_done = 0;
	return 1;
}

static ssize_t
read_gzip(struct dumpinput *d, void *buf, size_t len, struct dk_err *e)
{
	d->zs.next_out = buf;
	d->zs.avail_out = (uInt)(len > (1u << 30) ? (1u << 30) : len);
	while (d->zs.next_out == buf) {
		if (d->member_done) {
			int more = next_member(d, e);
			if (more <= 0)
				return more;
		}
		if (d->in_len == 0) {
			if (d->in_eof)
				return dk_fail(e, DK_EDATA, "gzip input is truncated after %llu bytes: "
					       "the dump is incomplete", (unsigned long long)d->bytes_in), -1;
			if (fill(d, e) != DK_OK)
				return -1;
			continue;
		}
		d->zs.avail_in = (uInt)d->in_len;
		int rc = inflate(&d->zs, Z_NO_FLUSH);
		d->in_len = d->zs.avail_in;
		if (rc == Z_STREAM_END)
			d->member_done = 1;
		else if (rc == Z_BUF_ERROR && d->in_len == 0)
			continue;
		else if (rc != Z_OK)
			return dk_fail(e, DK_EDATA, "gzip input is corrupt near compressed byte %llu: %s",
				       (unsigned long long)(d->bytes_in - d->in_len),
				       d->zs.msg != NULL ? d->zs.msg : "invalid data"), -1;
	}
	return (ssize_t)((unsigned char *)d->zs.next_out - (unsigned char *)buf);
}

ssize_t
dumpinput_read(struct dumpinput *d, void *buf, size_t len, struct dk_err *e)
{
	if (!d->started && start(d, e) != DK_OK)
		return -1;
	return d->gzip ? read_gzip(d, buf, len, e) : read_plain(d, buf, len, e);
}

void
dumpinput_free(struct dumpinput *d)
{
	if (d->gzip)
		inflateEnd(&d->zs);
	free(d->in);
	d->in = NULL;
}
