/* Moves a file descriptor's bytes into a sink, in large reads, and ends
 * the sink: finish at end of input, abort when anything failed. */
#ifndef DRKIT_PUMP_H
#define DRKIT_PUMP_H

#include <stdint.h>

#include "err.h"
#include "sink.h"

/* Called after each read with the byte count so far (for --progress). */
typedef void (*pump_progress_fn)(void *arg, uint64_t bytes);

/* Reads fd to its end into s, then finishes s; on a read error, a sink
 * error or an interruption aborts s. what names fd in messages. */
int pump_fd(int fd, const char *what, struct sink *s, pump_progress_fn progress, void *arg,
    struct dk_err *e);

#endif
