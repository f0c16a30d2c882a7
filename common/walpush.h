/* PostgreSQL's archive_command as a library: one WAL file gzipped into
 * PREFIX/NAME.gz with the SHA-256 of its uncompressed bytes recorded as
 * x-amz-meta-sha256, never replacing what is there. An object already
 * there with the same checksum is success; a different one is DK_ESAFETY.
 * Optionally pushes segments already .ready in archive_status ahead of
 * being asked, and remembers them in pg_wal/.walpush/ so that the later
 * call for each returns after checking the file against what was stored. */
#ifndef DRKIT_WALPUSH_H
#define DRKIT_WALPUSH_H

#include "log.h"
#include "objname.h"
#include "s3.h"

#define WALPUSH_STATE_DIR ".walpush"	/* in pg_wal: not a WAL name, ignored */

struct walpush_opts {
	int level;		/* gzip level, 1 to 9 */
	int lookahead;		/* .ready segments pushed ahead; 0 for none */
	const struct dk_log *log;
};

/* What happened to the file asked for. */
struct walpush_result {
	int identical;		/* it was there already, with the same SHA-256 */
	int remembered;		/* pushed ahead by an earlier call */
	int ahead;		/* other segments pushed ahead by this call */
};

/* Archives the file at path under dest (s3://BUCKET/PREFIX). DK_EUSAGE
 * when its name is not one PostgreSQL archives, DK_EIO when it cannot be
 * read, DK_EDATA when a segment is not as long as its header says,
 * DK_ESAFETY (reason DK_R_EXISTS) when a different file is stored under
 * its name, else the service's status. */
int walpush_run(struct s3_client *c, const struct objname *dest, const char *path,
    const struct walpush_opts *o, struct walpush_result *r, struct dk_err *e);

#endif
