/* The WAL archive as walpush lays it out (PREFIX/NAME.gz), seen as a whole:
 * which files a base backup no longer needs (retention), and whether every
 * segment from a base backup's start to the newest one is there, across
 * timeline switches (monitoring). The judgement is pure; walarchive_load
 * and walarchive_list_expired are the two that talk to S3. */
#ifndef DRKIT_WALARCHIVE_H
#define DRKIT_WALARCHIVE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "s3.h"
#include "wal.h"

/* The WAL file name the key holds under prefix ("" or ending in '/'):
 * PREFIX/NAME.gz with NAME one PostgreSQL archives; out gets at most
 * WAL_NAME_LEN + 1 + 8 + 8 bytes. Returns the kind, WAL_OTHER for any
 * other key (a sidecar, a key in a "directory" below the prefix). */
#define WALARCHIVE_NAME_MAX 48
enum wal_kind walarchive_name(const char *key, const char *prefix, char out[WALARCHIVE_NAME_MAX]);

/* Whether the file name may go when the oldest base backup kept starts at
 * segment start: a segment, .partial or .backup file whose segment sorts
 * before start (timeline, log, seg: key order). Never a .history file, nor
 * anything that is not a WAL file name. */
int walarchive_expired(const char *name, const char *start);

/* A segment as a timeline and a segment number, for segments of seg_size
 * bytes; -1 when name is not a segment's (nor a .partial's or .backup's). */
int walarchive_segno(const char *name, uint64_t seg_size, unsigned *tli, uint64_t *segno);
/* The name of segment segno of timeline tli. */
void walarchive_segname(unsigned tli, uint64_t segno, uint64_t seg_size,
    char out[WAL_NAME_LEN + 1]);

struct walarchive_file {
	char name[WALARCHIVE_NAME_MAX];
	enum wal_kind kind;
	time_t mtime;
	uint64_t size;
};

/* One stretch of the history that leads to the newest timeline: segments
 * from begin (inclusive) to end (exclusive) are read from timeline tli. */
struct walarchive_span {
	unsigned tli;
	uint64_t begin, end;
};

struct walarchive {
	uint64_t seg_size;
	struct walarchive_file *files;	/* every WAL file listed, in key order */
	size_t nfiles, cap;
	unsigned newest_tli;		/* the highest timeline with a segment; 0: none */
	struct walarchive_span *spans;	/* its history, oldest first */
	size_t nspans, spans_cap;
};

void walarchive_init(struct walarchive *a, uint64_t seg_size);
/* Frees what a holds and leaves it empty, for the same segment size. */
void walarchive_free(struct walarchive *a);

/* Adds the object key (under prefix) when it holds a WAL file. DK_EIO when
 * out of memory. */
int walarchive_add(struct walarchive *a, const char *key, const char *prefix, time_t mtime,
    uint64_t size, struct dk_err *e);

/* The timeline newest_tli, from the files added; a timeline above 1 needs
 * its history: the caller reads NNNNNNNN.history and passes its text to
 * walarchive_set_history. Returns newest_tli (0 when no segment). */
unsigned walarchive_newest_timeline(struct walarchive *a);

/* Parses the text of newest_tli's .history file ("PARENT<TAB>X/X<TAB>why"
 * lines) into spans. DK_EDATA naming the line when it is not one. */
int walarchive_set_history(struct walarchive *a, const char *text, size_t len,
    struct dk_err *e);

/* What walarchive_check found. */
struct walarchive_check {
	const struct walarchive_file *newest;	/* newest by time; NULL: no WAL file */
	char newest_segment[WAL_NAME_LEN + 1];	/* highest of newest_tli; "" none */
	char start[WAL_NAME_LEN + 1];		/* where the walk began */
	uint64_t expected;			/* segments from start to newest_segment */
	uint64_t present;			/* of them listed */
	char first_missing[WAL_NAME_LEN + 1];	/* "" when none is missing */
	int off_history;	/* start's timeline does not lead to newest_tli */
};

/* Walks from start (a segment name; "" or NULL: the oldest segment on the
 * history of the newest timeline) to the newest segment of the newest
 * timeline, each segment on the timeline the history reads it from. */
void walarchive_check(const struct walarchive *a, const char *start, struct walarchive_check *r);

/* Lists the WAL prefix wal (with its history, when the newest timeline
 * is above 1) into a. A timeline without its .history file is DK_EDATA. */
int walarchive_load(struct s3_client *c, const struct objname *wal, struct walarchive *a,
    struct dk_err *e);

/* Lists the objects under wal that walarchive_expired names for start,
 * and only once the whole listing has been had passes them to entry, in
 * key order: a listing that fails passes nothing, and so does one that
 * does not hold the segment start itself (DK_EDATA). */
int walarchive_list_expired(struct s3_client *c, const struct objname *wal, const char *start,
    void (*entry)(void *arg, const struct s3_entry *en), void *arg, struct dk_err *e);

/* Inflates the gzip data into out, at most max bytes of it, through the
 * one gzip reader. Without whole, data may be only the start of a stream;
 * with it, the stream must be whole (CRC and length checked) and inflate
 * to less than max. DK_EDATA when it is not gzip or not whole. */
struct buf;
int walarchive_gunzip(const void *data, size_t len, size_t max, int whole, struct buf *out,
    struct dk_err *e);

#endif
