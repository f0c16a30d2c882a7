/* PostgreSQL's restore_command as a library: PREFIX/NAME.gz into a file,
 * complete and verified (decompressed under a temporary name in the same
 * directory, SHA-256 against the recorded one, a segment's size, fsync,
 * rename) or not at all. Asked for a segment, it also fetches the next
 * ones of the timeline into a spool beside the file (pg_wal/.walfetch-spool)
 * and serves later calls from there once they verify again. */
#ifndef DRKIT_WALFETCH_H
#define DRKIT_WALFETCH_H

#include <stdint.h>

#include "log.h"
#include "objname.h"
#include "s3.h"

#define WALFETCH_SPOOL_DIR ".walfetch-spool"	/* in pg_wal: not a WAL name */

struct walfetch_opts {
	int prefetch;		/* segments fetched ahead; 0 for none */
	uint64_t seg_size;	/* 0: as the segment's first page says */
	const struct dk_log *log;
};

struct walfetch_result {
	int from_spool;		/* served from what an earlier call fetched */
	int prefetched;		/* segments this call added to the spool */
};

/* Places the file name, stored under src (s3://BUCKET/PREFIX), at path.
 * DK_ENOTFOUND with reason DK_R_NO_SUCH_KEY when the archive does not hold
 * it; then, as after every failure, path is not created. */
int walfetch_run(struct s3_client *c, const struct objname *src, const char *name,
    const char *path, const struct walfetch_opts *o, struct walfetch_result *r,
    struct dk_err *e);

#endif
