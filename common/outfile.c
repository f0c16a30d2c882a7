#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

int
outfile_open(struct outfile *f, const char *path, struct dk_err *e)
{
	f->final = strdup(path);
	if (f->final == NULL || asprintf(&f->tmp, "%s.r2get-XXXXXX", path) < 0)
		return dk_fail(e, DK_EIO, "out of memory");
	if ((f->fd = mkstemp(f->tmp)) < 0) {
		int err = errno;
		free(f->tmp);
		f->tmp = NULL;
		return dk_fail(e, DK_EIO, "cannot create %s: %s", path, strerror(err));
	}
	fchmod(f->fd, 0666 & ~(mode_t)umask(umask(0)));
	io_fd_sink_init(&f->fd_sink, f->fd, path);
	return DK_OK;
}

/* The file appears under its name only complete and on disk. */
int
outfile_commit(struct outfile *f, struct dk_err *e)
{
	if (fsync(f->fd) != 0 || close(f->fd) != 0) {
		f->fd = -1;
		return dk_fail(e, DK_EIO, "cannot write %s: %s", f->final, strerror(errno));
	}
	f->fd = -1;
	if (rename(f->tmp, f->final) != 0)
		return dk_fail(e, DK_EIO, "cannot rename to %s: %s", f->final, strerror(errno));
	free(f->tmp);
	f->tmp = NULL;
	return DK_OK;
}

void
outfile_discard(struct outfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->tmp != NULL)
		unlink(f->tmp);
	free(f->tmp);
	free(f->final);
}
