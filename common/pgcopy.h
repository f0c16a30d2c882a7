/* COPY ... FROM stdin on a restore's connection: the statement, its data
 * streamed in chunks as large as the reader has them, and its end, which
 * fails the COPY on the server when the dump turned out incomplete. */
#ifndef DRKIT_PGCOPY_H
#define DRKIT_PGCOPY_H

#include <stddef.h>

#include "err.h"
#include "pgpipe.h"

/* Runs the COPY statement sql (NUL-terminated) of dump line line; first
 * is its first line (stmtclass_first_line), for messages. */
int pgcopy_begin(struct pgpipe *c, const char *sql, const char *first, unsigned long line, struct dk_err *e);

/* Sends n bytes of its data, whole lines or not. */
int pgcopy_put(struct pgpipe *c, const char *data, size_t n, struct dk_err *e);

/* Ends it: ok says the data was whole; when not, the server discards it.
 * Returns the server's answer (DK_EDB for a row it refused), or DK_OK. */
int pgcopy_end(struct pgpipe *c, int ok, const char *first, unsigned long line, struct dk_err *e);

#endif
