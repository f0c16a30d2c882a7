#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interrupt.h"
#include "io.h"

int
io_write_all(int fd, const void *buf, size_t len, const char *what, struct dk_err *e)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE) {
				dk_fail(e, DK_EIO, "%s: reader went away", what);
				e->quiet = 1;
				return DK_EIO;
			}
			return dk_fail(e, DK_EIO, "cannot write %s: %s", what, strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return DK_OK;
}

ssize_t
io_read_full(int fd, void *buf, size_t len, const char *what, struct dk_err *e)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0) {
			/* A signal that asks us to stop must not wait for input. */
			if (errno == EINTR && !interrupt_requested())
				continue;
			if (errno == EINTR) {
				dk_fail(e, DK_EIO, "interrupted");
				dk_err_reason(e, DK_R_INTERRUPTED);
				return -1;
			}
			e->sys_errno = errno;
			dk_fail(e, DK_EIO, "cannot read %s: %s", what, strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

long long
io_file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (long long)st.st_size : -1;
}

static int
fd_sink_write(struct sink *s, const void *buf, size_t len, struct dk_err *e)
{
	struct io_fd_sink *f = (struct io_fd_sink *)s;
	int rc = io_write_all(f->fd, buf, len, f->what, e);

	if (rc != DK_OK)
		return rc;
	f->written += (off_t)len;
	if (f->writeback > 0 && f->written - f->flushed >= f->writeback) {
		/* Only a hint: the fsync to come is what makes it durable. */
		(void)sync_file_range(f->fd, f->flushed, f->written - f->flushed,
		    SYNC_FILE_RANGE_WRITE);
		f->flushed = f->written;
	}
	return DK_OK;
}

static int
fd_sink_finish(struct sink *s, struct dk_err *e)
{
	(void)s;
	(void)e;
	return DK_OK;
}

void
io_fd_sink_init(struct io_fd_sink *s, int fd, const char *what)
{
	s->sink.write = fd_sink_write;
	s->sink.finish = fd_sink_finish;
	s->sink.abort = NULL;
	s->fd = fd;
	s->what = what;
	s->written = s->flushed = s->writeback = 0;
}

void
io_fd_sink_writeback(struct io_fd_sink *s, off_t every)
{
	s->writeback = every;
}
