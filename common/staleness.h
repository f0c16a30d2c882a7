/* Is the newest backup fresh and whole? The judgement of stalecheck over a
 * list of entries, wherever the list came from; and, for a WAL archive,
 * is the newest file fresh and every segment since the base backup there? */
#ifndef DRKIT_STALENESS_H
#define DRKIT_STALENESS_H

#include <stddef.h>
#include <time.h>

#include "lsparse.h"
#include "walarchive.h"
#include "walbase.h"

/* The monitoring-plugin states, which are also stalecheck's exit statuses. */
enum staleness_state {
	STALE_OK = 0,
	STALE_WARNING = 1,
	STALE_CRITICAL = 2,
	STALE_UNKNOWN = 3,
};

#define STALENESS_SIDECAR ".sha256"

struct staleness_policy {
	const char *glob;		/* fnmatch() on the key; NULL: every key */
	long long warn_age;		/* seconds; older is WARNING */
	long long crit_age;		/* seconds; older is CRITICAL */
	long long max_skew;		/* seconds in the future still taken as now */
	unsigned long long min_size;	/* bytes; smaller is CRITICAL; 0: no check */
	double shrink;			/* newest < shrink × median is CRITICAL; 0: off */
	size_t history;			/* backups before the newest in the median */
	size_t min_count;		/* fewer backups is WARNING */
	int require_checksum;		/* no KEY.sha256 is CRITICAL */
	time_t now;
	uint64_t seg_size;		/* WAL segment size (--segment-size) */
};

/* Fills p with the documented defaults: 26h, 48h, 5m skew, no minimum size,
 * 50% of the median of 7, at least 1 backup, no checksum required. */
void staleness_policy_init(struct staleness_policy *p, time_t now);

/* The ages a WAL archive is judged by unless told: 5m and 15m. */
#define STALENESS_WAL_WARN (5 * 60)
#define STALENESS_WAL_CRIT (15 * 60)

#define STALENESS_MAX_PROBLEMS 8

struct staleness_result {
	int state;			/* enum staleness_state */
	const struct ls_entry *newest;	/* NULL when no backup matched */
	long long age;			/* now - newest's time; negative: future */
	size_t count;			/* backups matched */
	size_t objects;			/* entries looked at */
	size_t median_of;		/* how many previous backups; 0: no median */
	unsigned long long median;	/* their median size */
	int has_checksum;		/* newest's sidecar is listed */
	int judged;			/* a listing was read and judged */
	struct {			/* a WAL archive's, when on */
		int on;
		struct walarchive_check check;
		const char *base;	/* the base backup read; NULL: none */
		unsigned timeline;	/* the newest */
	} wal;
	size_t nproblems;
	char problems[STALENESS_MAX_PROBLEMS][256];	/* worst first is not promised */
};

/* Judges l (its entries are reordered, newest first). The result points
 * into l. Returns r->state. */
int staleness_evaluate(struct ls_list *l, const struct staleness_policy *p,
    struct staleness_result *r);

/* Judges the WAL archive a: its newest file's age, and every segment from
 * base's start segment (NULL: from the oldest archived) to the newest
 * there, on the timeline the history reads it from. The result points
 * into a and base. Returns r->state. */
int staleness_evaluate_wal(const struct walarchive *a, const struct walbase_label *base,
    const struct staleness_policy *p, struct staleness_result *r);

/* A result that says only why nothing could be judged. */
void staleness_unknown(struct staleness_result *r, const char *why);

/* "OK", "WARNING", "CRITICAL", "UNKNOWN". */
const char *staleness_state_name(int state);

#endif
