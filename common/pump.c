#include <stdlib.h>

#include "interrupt.h"
#include "io.h"
#include "pump.h"

int
pump_fd(int fd, const char *what, struct sink *s, pump_progress_fn progress, void *arg,
    struct dk_err *e)
{
	unsigned char *buf = malloc(IO_BUFSIZE);
	uint64_t total = 0;
	ssize_t n;
	int st = DK_OK;

	if (buf == NULL) {
		sink_abort(s);
		return dk_fail(e, DK_EIO, "out of memory for the read buffer");
	}
	while (st == DK_OK && (n = io_read_full(fd, buf, IO_BUFSIZE, what, e)) != 0) {
		if (n < 0 || interrupt_requested()) {
			st = n < 0 ? e->status : dk_fail(e, DK_EIO, "interrupted");
			break;
		}
		total += (uint64_t)n;
		st = sink_write(s, buf, (size_t)n, e);
		if (progress != NULL)
			progress(arg, total);
	}
	free(buf);
	if (st == DK_OK && interrupt_requested())
		st = dk_fail(e, DK_EIO, "interrupted");
	if (st != DK_OK) {
		sink_abort(s);
		return st;
	}
	return sink_finish(s, e);
}
