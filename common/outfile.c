#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

static mode_t
current_umask(void)
{
	mode_t m = umask(0);

	umask(m);
	return m;
}

/* A device or a FIFO is the user's way of saying where the bytes go:
 * write into it, as cat would. */
static int
open_in_place(struct outfile *f, const char *path, struct dk_err *e)
{
	if ((f->fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return dk_fail(e, DK_EIO, "cannot open %s: %s", f->name, strerror(errno));
	io_fd_sink_init(&f->fd_sink, f->fd, f->name);
	return DK_OK;
}

/* The temporary file takes the mode (and, where allowed, the owner) of
 * the file it will replace, or 0666 less the umask for a new one. */
static int
open_beside(struct outfile *f, const struct stat *old, struct dk_err *e)
{
	if (asprintf(&f->tmp, "%s.r2get-XXXXXX", f->final) < 0) {
		f->tmp = NULL;
		return dk_fail(e, DK_EIO, "out of memory");
	}
	if ((f->fd = mkostemp(f->tmp, O_CLOEXEC)) < 0) {
		int err = errno;
		free(f->tmp);
		f->tmp = NULL;
		return dk_fail(e, DK_EIO, "cannot create a file beside %s: %s", f->name,
		    strerror(err));
	}
	if (old != NULL) {
		/* Only root may give a file away; anyone else keeps their own. */
		if ((old->st_uid != geteuid() || old->st_gid != getegid()) &&
		    fchown(f->fd, old->st_uid, old->st_gid) != 0 && errno != EPERM)
			return dk_fail(e, DK_EIO, "cannot keep the owner of %s: %s", f->name,
			    strerror(errno));
		if (fchmod(f->fd, old->st_mode & 07777) != 0)
			return dk_fail(e, DK_EIO, "cannot keep the mode of %s: %s", f->name,
			    strerror(errno));
	} else if (fchmod(f->fd, 0666 & ~current_umask()) != 0) {
		return dk_fail(e, DK_EIO, "cannot set the mode of %s: %s", f->name,
		    strerror(errno));
	}
	io_fd_sink_init(&f->fd_sink, f->fd, f->name);
	return DK_OK;
}

int
outfile_open(struct outfile *f, const char *path, struct dk_err *e)
{
	struct stat st;
	char *real;

	f->fd = -1;
	f->tmp = NULL;
	f->name = path;
	/* A link is followed so that the file it names is replaced and the
	 * link stays; a dangling one is refused rather than replaced. */
	if ((real = realpath(path, NULL)) == NULL && errno != ENOENT)
		return dk_fail(e, DK_EIO, "cannot resolve %s: %s", path, strerror(errno));
	if (real == NULL && lstat(path, &st) == 0)
		return dk_fail(e, DK_EIO, "cannot write %s: a symbolic link to nothing", path);
	f->final = real != NULL ? real : strdup(path);
	if (f->final == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	if (stat(f->final, &st) != 0) {
		if (errno != ENOENT)
			return dk_fail(e, DK_EIO, "cannot write %s: %s", path, strerror(errno));
		return open_beside(f, NULL, e);
	}
	if (S_ISREG(st.st_mode))
		return open_beside(f, &st, e);
	if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISBLK(st.st_mode))
		return open_in_place(f, f->final, e);
	return dk_fail(e, DK_EIO, "cannot write %s: %s", path,
	    S_ISDIR(st.st_mode) ? "it is a directory" : "it is not a file, a device or a FIFO");
}

/* The file appears under its name only complete and on disk. */
int
outfile_commit(struct outfile *f, struct dk_err *e)
{
	int in_place = f->tmp == NULL;

	/* A device or a FIFO cannot be synced: its close is its commit. */
	if ((!in_place && fsync(f->fd) != 0) || close(f->fd) != 0) {
		f->fd = -1;
		return dk_fail(e, DK_EIO, "cannot write %s: %s", f->name, strerror(errno));
	}
	f->fd = -1;
	if (in_place)
		return DK_OK;
	if (rename(f->tmp, f->final) != 0)
		return dk_fail(e, DK_EIO, "cannot rename to %s: %s", f->name, strerror(errno));
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
	f->tmp = f->final = NULL;
	f->fd = -1;
}
