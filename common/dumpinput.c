#include <stdio.h>
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

/* Tops up the input buffer; sets in_eof at end of input. */
static int
fill(struct dumpinput *d, struct dk_err *e)
{
	if (d->in == NULL && (d->in = malloc(IN_SIZE)) == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	if (d->in_off > 0) {
		memmove(d->in, d->in + d->in_off, d->in_len);
		d->in_off = 0;
	}
	/* A full buffer read would look like the end of input. */
	if (d->in_len == IN_SIZE)
		return dk_fail(e, DK_EIO, "the gzip reader stopped taking input at byte %llu",
		    (unsigned long long)d->bytes_in);
	ssize_t n = io_read_full(d->fd, d->in + d->in_len, IN_SIZE - d->in_len, "standard input", e);
	if (n < 0)
		return e->status;
	if (n == 0)
		d->in_eof = 1;
	d->in_len += (size_t)n;
	d->bytes_in += (uint64_t)n;
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
	if (d->gzip && gzcheck_init(&d->gz, NULL, 0, e) != DK_OK)
		return e->status;
	d->gz_started = d->gzip;
	return DK_OK;
}

static ssize_t
read_plain(struct dumpinput *d, void *buf, size_t len, struct dk_err *e)
{
	if (d->in_len > 0) {
		size_t n = d->in_len < len ? d->in_len : len;
		memcpy(buf, d->in + d->in_off, n);
		d->in_off += n;
		d->in_len -= n;
		return (ssize_t)n;
	}
	ssize_t n = io_read_full(d->fd, buf, len, "standard input", e);
	if (n > 0)
		d->bytes_in += (uint64_t)n;
	return n;
}

/* gzcheck's word, said as the restore's: the dump is corrupt or cut. */
static ssize_t
gzip_failed(struct dumpinput *d, struct dk_err *e)
{
	char why[sizeof(e->msg)];
	int cut = d->gz.reason == GZ_TRUNCATED;

	if (e->status != DK_EDATA)
		return -1;
	snprintf(why, sizeof(why), "%s", e->msg);
	dk_refail(e, DK_EDATA, "gzip input is %s: %s%s", cut ? "truncated" : "corrupt", why,
	    cut ? ": the dump is incomplete" : "");
	return -1;
}

static ssize_t
read_gzip(struct dumpinput *d, void *buf, size_t len, struct dk_err *e)
{
	for (;;) {
		size_t used, made, had = d->in_len;
		if (gzcheck_read(&d->gz, d->in + d->in_off, d->in_len, &used, buf, len, &made, e) != DK_OK)
			return gzip_failed(d, e);
		d->in_off += used;
		d->in_len -= used;
		if (made > 0)
			return (ssize_t)made;
		/* Nothing came out of what there was: more input, or the end. */
		if (had > 0 && used > 0)
			continue;
		if (d->in_eof)
			return gzcheck_finish(&d->gz, e) == DK_OK ? 0 : gzip_failed(d, e);
		if (fill(d, e) != DK_OK)
			return -1;
	}
}

ssize_t
dumpinput_read(struct dumpinput *d, void *buf, size_t len, struct dk_err *e)
{
	if (len == 0)
		return 0;
	if (!d->started && start(d, e) != DK_OK)
		return -1;
	return d->gzip ? read_gzip(d, buf, len, e) : read_plain(d, buf, len, e);
}

void
dumpinput_free(struct dumpinput *d)
{
	if (d->gz_started)
		gzcheck_free(&d->gz);
	d->gz_started = 0;
	free(d->in);
	d->in = NULL;
}
