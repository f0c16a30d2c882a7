/* Where a base backup's WAL starts: the backup_label that pg_basebackup
 * -Ft puts first in base.tar, read from the first bytes of the gzip'd tar
 * in the bucket (one ranged GET), never from the whole object. */
#ifndef DRKIT_WALBASE_H
#define DRKIT_WALBASE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "s3.h"
#include "wal.h"

struct walbase_label {
	char start_file[WAL_NAME_LEN + 1];	/* START WAL LOCATION's (file ...) */
	uint64_t start_lsn;
	unsigned timeline;			/* START TIMELINE; 0 when absent */
	char key[1024];				/* the base backup it was read from */
};

/* Parses backup_label's text. DK_EDATA when it has no START WAL LOCATION
 * naming a segment, or a START TIMELINE that disagrees with it. */
int walbase_parse_label(const char *text, size_t len, struct walbase_label *l,
    struct dk_err *e);

/* Finds backup_label among the first members of a tar stream (the first
 * len bytes of it) and parses it. DK_EDATA when it is not there. */
int walbase_label_from_tar(const void *tar, size_t len, struct walbase_label *l,
    struct dk_err *e);

/* Whether the label's location lies in its file for segments of seg_size
 * bytes: a wrong --segment-size shows here first. */
int walbase_label_fits(const struct walbase_label *l, uint64_t seg_size);

/* Reads the label of the base backup name (a gzip'd tar). A name ending
 * in '/' is a prefix of base backups: its oldest object by last-modified
 * time, .sha256 sidecars aside, is the one read (the oldest kept). */
int walbase_read(struct s3_client *c, const struct objname *name, struct walbase_label *l,
    struct dk_err *e);

#endif
