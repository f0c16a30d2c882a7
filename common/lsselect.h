/* Which objects of a listing r2ls passes on: those of an age (--older-than,
 * --newer-than) and the newest N (--newest), which needs the whole listing
 * before the first is known. The selection goes to the caller's callbacks. */
#ifndef DRKIT_LSSELECT_H
#define DRKIT_LSSELECT_H

#include <stddef.h>
#include <time.h>

#include "s3xml.h"

struct lsselect {
	long long older_than;	/* seconds; -1: no bound */
	long long newer_than;	/* seconds; -1: no bound */
	long long newest;	/* keep the N most recent; 0: all */
	time_t now;		/* ages are counted from it */
	/* Where selected common prefixes and objects go, in listing order
	 * (newest first with newest). Prefixes pass only when no selection
	 * is made: a prefix has no age. */
	void (*prefix)(void *arg, const char *prefix);
	void (*entry)(void *arg, const struct s3_entry *en);
	void *arg;
	struct s3_entry *kept;	/* with newest: the candidates so far */
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

/* The end of the listing: passes on the newest N kept, newest first (the
 * same second by key). */
void lsselect_finish(struct lsselect *s);

void lsselect_free(struct lsselect *s);

#endif
