/* Which objects of a listing r2ls passes on: those of an age (--older-than,
 * --newer-than), the newest N (--newest), and never the N most recent of
 * the whole listing (--except-newest), so that a retention pipe keeps the
 * last backups even when all are old. The last two need the whole listing
 * before the first is known. The selection goes to the caller's callbacks. */
#ifndef DRKIT_LSSELECT_H
#define DRKIT_LSSELECT_H

#include <stddef.h>
#include <time.h>

#include "s3xml.h"

struct lsselect {
	long long older_than;	/* seconds; -1: no bound */
	long long newer_than;	/* seconds; -1: no bound */
	long long newest;	/* only the N most recent; 0: all */
	long long except_newest; /* never the N most recent of all; 0: none */
	time_t now;		/* ages are counted from it */
	/* Where selected common prefixes and objects go, in listing order
	 * (newest first with newest). Prefixes pass only when no selection
	 * is made: a prefix has no age. */
	void (*prefix)(void *arg, const char *prefix);
	void (*entry)(void *arg, const struct s3_entry *en);
	void *arg;
	struct s3_entry *kept;	/* with newest or except_newest: the candidates */
	size_t nkept, cap;
};

/* No selection, ages counted from now; the caller sets bounds and callbacks. */
void lsselect_init(struct lsselect *s, time_t now);

/* Whether an object last modified at mtime is of the age asked for. */
int lsselect_age_matches(const struct lsselect *s, time_t mtime);

/* One page of a listing, for s3_list's on_page (arg is the struct
 * lsselect): passes on what is selected, or keeps it for newest. DK_EIO
 * when out of memory. */
int lsselect_page(void *arg, const struct s3xml_list_page *page);

/* The end of the listing: passes on what was kept for newest (the newest
 * N, newest first, the same second by key) or except_newest (in listing
 * order). DK_EIO when out of memory. */
int lsselect_finish(struct lsselect *s);

void lsselect_free(struct lsselect *s);

#endif
