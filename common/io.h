/* Whole reads and writes on file descriptors, and a sink onto one. */
#ifndef DRKIT_IO_H
#define DRKIT_IO_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "sink.h"

/* Large enough that a pipe is drained in few system calls. */
#define IO_BUFSIZE (1024 * 1024)

/* Writes all of buf; on failure fills e (DK_EIO; quiet when the reader
 * went away) naming what. */
int io_write_all(int fd, const void *buf, size_t len, const char *what, struct dk_err *e);

/* Reads until len bytes or end of input; returns the count, -1 on error
 * with e filled (DK_EIO) naming what. */
ssize_t io_read_full(int fd, void *buf, size_t len, const char *what, struct dk_err *e);

/* The size of the regular file open as fd; -1 for a pipe, a terminal, or
 * anything whose size cannot be known ahead. */
long long io_file_size(int fd);

/* A sink that writes to fd; finish and abort do nothing to the fd. */
struct io_fd_sink {
	struct sink sink;
	int fd;
	const char *what;	/* "standard output", a file name */
	off_t written, flushed;
	off_t writeback;	/* start writing back every this many bytes; 0: never */
};
void io_fd_sink_init(struct io_fd_sink *s, int fd, const char *what);
/* For a file that is fsynced once whole: its bytes go to the disk while
 * the rest is written, every IO_WRITEBACK, so that the fsync waits for
 * the last few only (as PostgreSQL's own writes do). */
#define IO_WRITEBACK (4 << 20)
void io_fd_sink_writeback(struct io_fd_sink *s, off_t every);

#endif
