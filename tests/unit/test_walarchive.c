/* The WAL archive seen whole: what retention may delete for a base backup's
 * start segment (a generated family of names over timelines 1..3 and the
 * log/seg boundary, never a .history file nor anything at or after the
 * start), where backup_label says the WAL starts, and whether every
 * segment from there to the newest is archived, across a timeline switch. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tap.h"
#include "walarchive.h"
#include "walbase.h"

#define SEG16 (16u << 20)

/* Every kind of name around the start: three timelines, segments on both
 * sides of the 0xFF -> next log boundary, with .partial and .backup. */
static void
check_expired_family(const char *start)
{
	static const char *suffix[] = { "", ".partial", ".00000028.backup" };
	unsigned bad_history = 0, bad_kept = 0, bad_gone = 0, n = 0;
	char seg[WAL_NAME_LEN + 1], name[64];

	for (unsigned tli = 1; tli <= 3; tli++) {
		snprintf(name, sizeof(name), "%08X.history", tli);
		bad_history += walarchive_expired(name, start) != 0;
		for (uint64_t segno = 0xFC; segno < 0x104; segno++) {
			walarchive_segname(tli, segno, SEG16, seg);
			for (size_t k = 0; k < 3; k++, n++) {
				int before = memcmp(seg, start, WAL_NAME_LEN) < 0;
				snprintf(name, sizeof(name), "%s%s", seg, suffix[k]);
				if (walarchive_expired(name, start))
					bad_kept += !before;	/* at or after start: must stay */
				else
					bad_gone += before;	/* before start: may go */
			}
		}
	}
	CHECK(bad_history == 0, "start %s: no .history file is ever expired", start);
	CHECK(bad_kept == 0, "start %s: nothing at or after the start of %u names is expired",
	    start, n);
	CHECK(bad_gone == 0, "start %s: every segment, .partial and .backup before it is",
	    start);
}

static void
test_expired(void)
{
	char name[WALARCHIVE_NAME_MAX];

	check_expired_family("000000010000000100000000");
	check_expired_family("0000000200000000000000FE");
	check_expired_family("000000030000000100000002");
	CHECK(walarchive_expired("0000000100000000000000FF", "000000010000000100000000"),
	    "0000000100000000000000FF goes before 000000010000000100000000");
	CHECK(!walarchive_expired("000000010000000100000000", "000000010000000100000000"),
	    "the start segment itself stays");
	CHECK(!walarchive_expired("000000010000000100000000.00000028.backup",
	    "000000010000000100000000"), "the start's own .backup stays");
	CHECK(walarchive_expired("000000010000000000000005.partial", "000000020000000000000003"),
	    "an older timeline's .partial goes once the start is on a newer one");
	CHECK(!walarchive_expired("00000001.history", "000000030000000100000002"),
	    "timeline 1's history stays under a start on timeline 3");
	CHECK(!walarchive_expired("000000010000000000000001", ""), "no start: nothing goes");
	CHECK(!walarchive_expired("000000010000000000000001.gz", "000000010000000000000005"),
	    "a name that is not WAL never goes");
	CHECK(walarchive_name("wal/000000010000000000000001.gz", "wal/", name) == WAL_SEGMENT &&
	    strcmp(name, "000000010000000000000001") == 0, "wal/NAME.gz holds NAME");
	CHECK(walarchive_name("wal/000000010000000000000001", "wal/", name) == WAL_OTHER,
	    "a key without .gz is not walpush's");
	CHECK(walarchive_name("wal/x/000000010000000000000001.gz", "wal/", name) == WAL_OTHER,
	    "a key below the prefix is not walpush's");
	CHECK(walarchive_name("wal/00000002.history.gz", "wal/", name) == WAL_HISTORY,
	    "a .history file is one");
}

static void
add(struct walarchive *a, const char *name, time_t t)
{
	char key[80];
	struct dk_err e = { 0 };

	snprintf(key, sizeof(key), "wal/%s.gz", name);
	walarchive_add(a, key, "wal/", t, 100, &e);
}

/* Segments first..last of timeline tli, one second apart from t. */
static void
add_run(struct walarchive *a, unsigned tli, uint64_t first, uint64_t last, time_t t)
{
	char seg[WAL_NAME_LEN + 1];

	for (uint64_t s = first; s <= last; s++) {
		walarchive_segname(tli, s, a->seg_size, seg);
		add(a, seg, t + (time_t)s);
	}
}

/* Judges a from start, the newest timeline's history being hist. */
static void
judge(struct walarchive *a, const char *hist, const char *start, struct walarchive_check *r)
{
	struct dk_err e = { 0 };

	walarchive_newest_timeline(a);
	walarchive_set_history(a, hist, strlen(hist), &e);
	walarchive_check(a, start, r);
}

/* Whether r found n segments, all there, up to newest. */
static int
whole(const struct walarchive_check *r, uint64_t n, const char *newest)
{
	if (r->first_missing[0] == '\0' && r->expected == n && r->present == n &&
	    strcmp(r->newest_segment, newest) == 0)
		return 1;
	printf("# missing '%s', %llu of %llu, up to %s\n", r->first_missing,
	    (unsigned long long)r->present, (unsigned long long)r->expected, r->newest_segment);
	return 0;
}

static void
test_continuity(void)
{
	struct walarchive a;
	struct walarchive_check r;
	struct dk_err e = { 0 };
	const char *hist = "1\t0/5000028\tno recovery target specified\n";

	walarchive_init(&a, SEG16);
	add_run(&a, 1, 0xFD, 0x103, 1000);
	judge(&a, "", "0000000100000000000000FE", &r);
	CHECK(whole(&r, 6, "000000010000000100000003"),
	    "whole across the log boundary: 6 of 6 from the start to the newest");
	walarchive_free(&a);	/* empty again, for the next archive */

	add_run(&a, 1, 0xFD, 0xFF, 1000);
	add_run(&a, 1, 0x101, 0x103, 1000);
	judge(&a, "", NULL, &r);
	CHECK(strcmp(r.first_missing, "000000010000000100000000") == 0 && r.expected == 7 &&
	    r.present == 6, "a gap at the log boundary names 000000010000000100000000 (got '%s')",
	    r.first_missing);
	CHECK(strcmp(r.start, "0000000100000000000000FD") == 0, "no base: from the oldest");
	walarchive_check(&a, "0000000100000000000000FA", &r);
	CHECK(strcmp(r.first_missing, "0000000100000000000000FA") == 0,
	    "a start segment not archived is the first missing");
	walarchive_free(&a);

	/* Timeline 2 branched at 0/5000028: segments 5.. are read from it;
	 * timeline 1 went on to 8 in the old server, which is not wanted. */
	add_run(&a, 1, 2, 8, 1000);
	add(&a, "000000010000000000000005.partial", 2000);
	add(&a, "00000002.history", 2000);
	add_run(&a, 2, 5, 9, 2000);
	judge(&a, hist, "000000010000000000000002", &r);
	CHECK(a.newest_tli == 2 && a.nspans == 2, "the newest timeline is 2, its history has "
	    "2 stretches");
	CHECK(whole(&r, 8, "000000020000000000000009"),
	    "whole across the switch: 1/2..4 then 2/5..9");
	walarchive_free(&a);	/* empty again, for the next archive */

	add_run(&a, 1, 2, 8, 1000);
	add_run(&a, 2, 6, 9, 2000);
	judge(&a, hist, "000000010000000000000002", &r);
	CHECK(strcmp(r.first_missing, "000000020000000000000005") == 0,
	    "the switch segment missing on the new timeline is named, though the old "
	    "timeline has one of that number (got '%s')", r.first_missing);
	walarchive_check(&a, "000000010000000000000007", &r);
	CHECK(r.off_history, "a base backup on timeline 1 after the switch is off the history");
	walarchive_free(&a);	/* empty again, for the next archive */

	a.newest_tli = 2;
	CHECK(walarchive_set_history(&a, "x\n", 2, &e) == DK_EDATA && e.line == 1,
	    "a history line that is not one is refused, with its line");
	walarchive_free(&a);
}

static const char label[] =
    "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n"
    "CHECKPOINT LOCATION: 0/2000060\n"
    "BACKUP METHOD: streamed\n"
    "BACKUP FROM: primary\n"
    "START TIME: 2026-11-30 13:00:00 UTC\n"
    "LABEL: pg_basebackup base backup\n"
    "START TIMELINE: 1\n";

/* A tar holding a member before backup_label, as a stream might. */
static size_t
make_tar(unsigned char *t, const char *first, const char *text)
{
	const char *names[2] = { first, "backup_label" };
	const char *bodies[2] = { "x", text };
	size_t off = 0;

	for (int i = first ? 0 : 1; i < 2; i++) {
		size_t n = strlen(bodies[i]);
		memset(t + off, 0, 512);
		snprintf((char *)t + off, 100, "%s", names[i]);
		char size[24];
		snprintf(size, sizeof(size), "%011zo", n);
		memcpy(t + off + 124, size, 12);
		memcpy(t + off + 257, "ustar", 6);
		memcpy(t + off + 512, bodies[i], n);
		off += 512 + (n + 511) / 512 * 512;
	}
	memset(t + off, 0, 1024);
	return off + 1024;
}

static void
test_label(void)
{
	struct walbase_label l;
	struct dk_err e = { 0 };
	unsigned char tar[8192];
	size_t n;

	CHECK(walbase_parse_label(label, strlen(label), &l, &e) == DK_OK &&
	    strcmp(l.start_file, "000000010000000000000002") == 0 && l.timeline == 1 &&
	    l.start_lsn == 0x2000028, "the label's start segment, location and timeline");
	CHECK(walbase_label_fits(&l, SEG16), "0/2000028 is in segment 2 of 16 MiB");
	CHECK(!walbase_label_fits(&l, 1u << 20), "... not of 1 MiB: a wrong --segment-size shows");
	n = make_tar(tar, NULL, label);
	CHECK(walbase_label_from_tar(tar, n, &l, &e) == DK_OK &&
	    strcmp(l.start_file, "000000010000000000000002") == 0, "backup_label first in the tar");
	n = make_tar(tar, "tablespace_map", label);
	CHECK(walbase_label_from_tar(tar, n, &l, &e) == DK_OK, "... or after another member");
	memset(&e, 0, sizeof(e));
	CHECK(walbase_label_from_tar(tar, 700, &l, &e) == DK_EDATA,
	    "a tar cut before the label: no label (%s)", e.msg);
	memset(&e, 0, sizeof(e));
	n = make_tar(tar, NULL, "START WAL LOCATION: 0/2000028 (file 000000020000000000000002)\n"
	    "START TIMELINE: 1\n");
	CHECK(walbase_label_from_tar(tar, n, &l, &e) == DK_EDATA,
	    "a timeline that disagrees with the file is refused (%s)", e.msg);
	memset(&e, 0, sizeof(e));
	CHECK(walbase_parse_label("LABEL: x\n", 9, &l, &e) == DK_EDATA,
	    "a label without a start location is refused");
}

int
main(void)
{
	test_expired();
	test_continuity();
	test_label();
	return TAP_END();
}
