#include <stdio.h>
#include <string.h>

#include "wal.h"

/* access/xlog_internal.h: the first page of a segment starts with the long
 * header, whose xlp_seg_size follows the short header and the system id. */
#define XLP_LONG_HEADER 0x0002
#define XLP_INFO_OFF 2
#define XLP_SEG_SIZE_OFF 32

static int
all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strchr("0123456789ABCDEF", s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}

enum wal_kind
wal_classify(const char *name)
{
	size_t len = strlen(name);

	if (len == 8 + strlen(".history") && all_hex(name, 8) &&
	    strcmp(name + 8, ".history") == 0)
		return WAL_HISTORY;
	if (len < WAL_NAME_LEN || !all_hex(name, WAL_NAME_LEN))
		return WAL_OTHER;
	if (len == WAL_NAME_LEN)
		return WAL_SEGMENT;
	if (strcmp(name + WAL_NAME_LEN, ".partial") == 0)
		return WAL_PARTIAL;
	if (len == WAL_NAME_LEN + 1 + 8 + strlen(".backup") && name[WAL_NAME_LEN] == '.' &&
	    all_hex(name + WAL_NAME_LEN + 1, 8) && strcmp(name + WAL_NAME_LEN + 9, ".backup") == 0)
		return WAL_BACKUP;
	return WAL_OTHER;
}

int
wal_seg_size_valid(uint64_t n)
{
	return n >= WAL_SEG_MIN && n <= WAL_SEG_MAX && (n & (n - 1)) == 0;
}

int
wal_next_segment(const char *name, uint64_t seg_size, unsigned k,
    char out[WAL_NAME_LEN + 1])
{
	unsigned tli, log, seg;
	uint64_t per_log, segno;

	if (wal_classify(name) != WAL_SEGMENT || !wal_seg_size_valid(seg_size) ||
	    sscanf(name, "%8X%8X%8X", &tli, &log, &seg) != 3)
		return -1;
	/* XLogFileName: the segment number split in "log" and "seg" parts of
	 * 4 GiB of WAL each. */
	per_log = 0x100000000ull / seg_size;
	if (seg >= per_log)
		return -1;
	segno = (uint64_t)log * per_log + seg + k;
	snprintf(out, WAL_NAME_LEN + 1, "%08X%08X%08X", tli, (unsigned)(segno / per_log),
	    (unsigned)(segno % per_log));
	return 0;
}

uint64_t
wal_page_seg_size(const void *page, size_t len)
{
	const unsigned char *p = page;
	uint16_t info;
	uint32_t size;

	if (len < XLP_SEG_SIZE_OFF + sizeof(size))
		return 0;
	/* Written in the server's byte order, which is ours. */
	memcpy(&info, p + XLP_INFO_OFF, sizeof(info));
	memcpy(&size, p + XLP_SEG_SIZE_OFF, sizeof(size));
	if (!(info & XLP_LONG_HEADER) || !wal_seg_size_valid(size))
		return 0;
	return size;
}

char *
wal_object_key(const char *prefix, const char *name)
{
	size_t n = strlen(prefix);
	char *key;

	if (asprintf(&key, "%s%s%s.gz", prefix, n > 0 && prefix[n - 1] != '/' ? "/" : "",
	    name) < 0)
		return NULL;
	return key;
}
