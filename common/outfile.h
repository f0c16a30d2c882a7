/* A file that appears under its name only when complete: written under a
 * temporary name beside it, synced and renamed; removed on any failure. */
#ifndef DRKIT_OUTFILE_H
#define DRKIT_OUTFILE_H

#include "err.h"
#include "io.h"

struct outfile {
	struct io_fd_sink fd_sink;	/* write here */
	char *final;
	char *tmp;
	int fd;				/* -1 when closed */
};

int outfile_open(struct outfile *f, const char *path, struct dk_err *e);
/* Syncs, closes and renames into place. */
int outfile_commit(struct outfile *f, struct dk_err *e);
/* Removes the temporary file unless committed; frees f. */
void outfile_discard(struct outfile *f);

#endif
