/* A file that appears under its name only when complete: written under a
 * temporary name beside it, synced and renamed; removed on any failure.
 * What is not a regular file (a device, a FIFO) is written into instead,
 * never renamed over; a symbolic link is followed, and stays a link. */
#ifndef DRKIT_OUTFILE_H
#define DRKIT_OUTFILE_H

#include "err.h"
#include "io.h"

struct outfile {
	struct io_fd_sink fd_sink;	/* write here */
	const char *name;		/* as the user gave it, for messages */
	char *final;			/* the name the file ends under */
	char *tmp;			/* NULL when written in place */
	int fd;				/* -1 when closed */
};

/* A new file gets 0666 less the umask; a replaced one keeps its mode and
 * owner. A directory or a socket is refused (DK_EIO). */
int outfile_open(struct outfile *f, const char *path, struct dk_err *e);
/* Syncs, closes and renames into place. */
int outfile_commit(struct outfile *f, struct dk_err *e);
/* Removes the temporary file unless committed; frees f. */
void outfile_discard(struct outfile *f);

#endif
