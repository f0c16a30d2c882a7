/* WAL file names as PostgreSQL writes them: their kinds, the segment after
 * a segment (across the "log" boundary, for other segment sizes), the size
 * a first page states, and the keys the archive keeps them under. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "wal.h"

static const char *
next(const char *name, uint64_t seg, unsigned k)
{
	static char out[WAL_NAME_LEN + 1];

	return wal_next_segment(name, seg, k, out) == 0 ? out : "(none)";
}

static uint64_t
page_size(uint16_t info, uint32_t size)
{
	unsigned char page[64] = { 0x10, 0xd1 };

	memcpy(page + 2, &info, sizeof(info));
	memcpy(page + 32, &size, sizeof(size));
	return wal_page_seg_size(page, sizeof(page));
}

int
main(void)
{
	char *key;

	CHECK(wal_classify("000000010000000000000001") == WAL_SEGMENT, "a segment");
	CHECK(wal_classify("000000010000000000000001.partial") == WAL_PARTIAL, "a .partial");
	CHECK(wal_classify("00000002.history") == WAL_HISTORY, "a .history");
	CHECK(wal_classify("000000010000000000000002.00000028.backup") == WAL_BACKUP,
	    "a .backup");
	CHECK(wal_classify("00000001000000000000000g") == WAL_OTHER, "lowercase or not hex: other");
	CHECK(wal_classify("000000010000000000000001.gz") == WAL_OTHER, "another suffix: other");
	CHECK(wal_classify("RECOVERYXLOG") == WAL_OTHER, "PostgreSQL's temporary name: other");
	CHECK(wal_classify("0000000100000000000000011") == WAL_OTHER, "25 digits: other");
	CHECK(wal_classify("../00000002.history") == WAL_OTHER, "a path: other");

	CHECK(strcmp(next("000000010000000000000001", 16 << 20, 1),
	    "000000010000000000000002") == 0, "the next segment");
	CHECK(strcmp(next("0000000100000000000000FF", 16 << 20, 1),
	    "000000010000000100000000") == 0, "16 MiB: after seg FF comes the next log");
	CHECK(strcmp(next("0000000200000003000000FE", 16 << 20, 3),
	    "000000020000000400000001") == 0, "three on, across the boundary, same timeline");
	CHECK(strcmp(next("000000010000000000000003", 1u << 30, 1),
	    "000000010000000100000000") == 0, "1 GiB segments: four per log");
	CHECK(strcmp(next("000000010000000000000100", 16 << 20, 1), "(none)") == 0,
	    "a seg part too large for the size: none");
	CHECK(strcmp(next("00000002.history", 16 << 20, 1), "(none)") == 0,
	    "no segment follows a .history");
	CHECK(strcmp(next("000000010000000000000001", 3 << 20, 1), "(none)") == 0,
	    "not a power of 2: none");

	CHECK(page_size(0x0002, 16 << 20) == 16 << 20, "a long header states its size");
	CHECK(page_size(0x0006, 64 << 20) == 64 << 20, "other flags beside it");
	CHECK(page_size(0x0000, 16 << 20) == 0, "a short header states none");
	CHECK(page_size(0x0002, 12345) == 0, "a size PostgreSQL cannot have: none");
	CHECK(wal_page_seg_size("x", 1) == 0, "too short a page: none");

	key = wal_object_key("wal/shop", "000000010000000000000001");
	CHECK(key != NULL && strcmp(key, "wal/shop/000000010000000000000001.gz") == 0,
	    "key under a prefix");
	free(key);
	key = wal_object_key("wal/", "00000002.history");
	CHECK(key != NULL && strcmp(key, "wal/00000002.history.gz") == 0,
	    "a prefix's slash is not doubled");
	free(key);
	key = wal_object_key("", "00000002.history");
	CHECK(key != NULL && strcmp(key, "00000002.history.gz") == 0, "the bucket's root");
	free(key);
	return TAP_END();
}
