/* PostgreSQL's WAL file names and segments: which kind of file a name is,
 * the segment after a segment on the same timeline, and the segment size a
 * segment's first page states. Knows no storage. */
#ifndef DRKIT_WAL_H
#define DRKIT_WAL_H

#include <stddef.h>
#include <stdint.h>

#define WAL_SEG_DEFAULT (16u << 20)	/* PostgreSQL's default segment size */
#define WAL_SEG_MIN (1u << 20)
#define WAL_SEG_MAX (1u << 30)
#define WAL_NAME_LEN 24			/* TTTTTTTTLLLLLLLLSSSSSSSS */

enum wal_kind {
	WAL_OTHER = 0,		/* not a name PostgreSQL archives */
	WAL_SEGMENT,		/* 000000010000000000000001 */
	WAL_PARTIAL,		/* 000000010000000000000001.partial */
	WAL_HISTORY,		/* 00000002.history */
	WAL_BACKUP,		/* 000000010000000000000002.00000028.backup */
};

/* The kind of the file name (a base name, no directory). */
enum wal_kind wal_classify(const char *name);

/* Whether n is a segment size PostgreSQL allows (a power of 2, 1 MiB to
 * 1 GiB). */
int wal_seg_size_valid(uint64_t n);

/* The name of the segment k after the segment name on its timeline, for
 * segments of seg_size bytes; out gets WAL_NAME_LEN + 1 bytes. Returns -1
 * when name is not a segment's. */
int wal_next_segment(const char *name, uint64_t seg_size, unsigned k,
    char out[WAL_NAME_LEN + 1]);

/* The segment size stated by a segment's first page (its long page
 * header), or 0 when the len bytes at page do not hold one. */
uint64_t wal_page_seg_size(const void *page, size_t len);

/* The key under which the archive keeps the file name: PREFIX/NAME.gz
 * (prefix may be "" or end in '/'). NULL when out of memory. */
char *wal_object_key(const char *prefix, const char *name);

#endif
