#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "staleness.h"
#include "units.h"

void
staleness_policy_init(struct staleness_policy *p, time_t now)
{
	memset(p, 0, sizeof(*p));
	p->warn_age = 26 * 3600;
	p->crit_age = 48 * 3600;
	p->max_skew = 5 * 60;
	p->shrink = 0.5;
	p->history = 7;
	p->min_count = 1;
	p->now = now;
	p->seg_size = WAL_SEG_DEFAULT;
}

const char *
staleness_state_name(int state)
{
	static const char *names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

	return state >= 0 && state <= 3 ? names[state] : "UNKNOWN";
}

static void
problem(struct staleness_result *r, int state, const char *fmt, ...)
{
	va_list ap;

	if (state > r->state)
		r->state = state;
	if (r->nproblems == STALENESS_MAX_PROBLEMS)
		return;
	va_start(ap, fmt);
	vsnprintf(r->problems[r->nproblems++], sizeof(r->problems[0]), fmt, ap);
	va_end(ap);
}

void
staleness_unknown(struct staleness_result *r, const char *why)
{
	memset(r, 0, sizeof(*r));
	problem(r, STALE_UNKNOWN, "%s", why);
}

static int
is_sidecar(const char *key)
{
	size_t n = strlen(key), s = strlen(STALENESS_SIDECAR);

	return n >= s && strcmp(key + n - s, STALENESS_SIDECAR) == 0;
}

static int
is_backup(const struct ls_entry *en, const struct staleness_policy *p)
{
	return !is_sidecar(en->key) && (p->glob == NULL || fnmatch(p->glob, en->key, 0) == 0);
}

/* Newest first; the same second is broken by key, so the order is stable
 * whatever order the listing had. */
static int
by_time_desc(const void *a, const void *b)
{
	const struct ls_entry *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? 1 : -1;
	return -strcmp(x->key, y->key);
}

static int
by_size(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

/* Moves the backups to the front of l, newest first; returns their count. */
static size_t
select_backups(struct ls_list *l, const struct staleness_policy *p)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (!is_backup(&l->v[i], p))
			continue;
		struct ls_entry t = l->v[n];
		l->v[n++] = l->v[i];
		l->v[i] = t;
	}
	if (n > 1)
		qsort(l->v, n, sizeof(l->v[0]), by_time_desc);
	return n;
}

static void
explain_no_match(const struct ls_list *l, const struct staleness_policy *p,
    struct staleness_result *r)
{
	if (l->n == 0 && l->prefixes > 0)
		problem(r, STALE_UNKNOWN, "no backup matches: the listing holds only %zu PRE "
		    "lines (list with --recursive)", l->prefixes);
	else if (l->n == 0)
		problem(r, STALE_UNKNOWN, "no backup matches: the listing is empty "
		    "(did the listing fail, or is the prefix wrong?)");
	else if (p->glob != NULL)
		problem(r, STALE_UNKNOWN, "no backup matches '%s' among %zu objects", p->glob, l->n);
	else
		problem(r, STALE_UNKNOWN, "no backup matches: all %zu objects are %s sidecars",
		    l->n, STALENESS_SIDECAR);
}

static void
check_age(const struct staleness_policy *p, struct staleness_result *r)
{
	char limit[32], ahead[32];

	if (r->age < -p->max_skew) {
		units_format_duration(-r->age, ahead, sizeof(ahead));
		problem(r, STALE_WARNING, "dated %s in the future (clock skew?)", ahead);
	} else if (r->age > p->crit_age) {
		units_format_duration(p->crit_age, limit, sizeof(limit));
		problem(r, STALE_CRITICAL, "older than %s", limit);
	} else if (r->age > p->warn_age) {
		units_format_duration(p->warn_age, limit, sizeof(limit));
		problem(r, STALE_WARNING, "older than %s", limit);
	}
}

/* The median size of the backups before the newest, at most p->history. */
static int
previous_median(const struct ls_list *l, const struct staleness_policy *p,
    struct staleness_result *r)
{
	size_t n = r->count - 1 < p->history ? r->count - 1 : p->history;
	unsigned long long *sizes;

	if (n == 0)
		return DK_OK;
	sizes = malloc(n * sizeof(*sizes));
	if (sizes == NULL)
		return DK_EIO;
	for (size_t i = 0; i < n; i++)
		sizes[i] = l->v[1 + i].size;
	qsort(sizes, n, sizeof(*sizes), by_size);
	r->median = n % 2 ? sizes[n / 2] : sizes[n / 2 - 1] / 2 + sizes[n / 2] / 2 +
	    (sizes[n / 2 - 1] % 2 + sizes[n / 2] % 2) / 2;
	r->median_of = n;
	free(sizes);
	return DK_OK;
}

static void
check_size(const struct ls_list *l, const struct staleness_policy *p,
    struct staleness_result *r)
{
	unsigned long long size = r->newest->size;

	if (size < p->min_size)
		problem(r, STALE_CRITICAL, "smaller than the minimum %llu bytes", p->min_size);
	if (p->shrink <= 0)
		return;
	if (previous_median(l, p, r) != DK_OK) {
		problem(r, STALE_UNKNOWN, "out of memory");
		return;
	}
	if (r->median_of > 0 && (double)size < p->shrink * (double)r->median)
		problem(r, STALE_CRITICAL, "shrunk to %.0f%% of the median %llu bytes of the "
		    "previous %zu", r->median ? 100.0 * (double)size / (double)r->median : 0.0,
		    r->median, r->median_of);
}

static int
has_sidecar(const struct ls_list *l, const char *key)
{
	size_t n = strlen(key), s = strlen(STALENESS_SIDECAR);

	for (size_t i = 0; i < l->n; i++) {
		const char *k = l->v[i].key;
		if (strncmp(k, key, n) == 0 && strlen(k) == n + s && strcmp(k + n, STALENESS_SIDECAR) == 0)
			return 1;
	}
	return 0;
}

int
staleness_evaluate(struct ls_list *l, const struct staleness_policy *p,
    struct staleness_result *r)
{
	memset(r, 0, sizeof(*r));
	r->judged = 1;
	r->objects = l->n;
	r->count = select_backups(l, p);
	if (r->count == 0) {
		explain_no_match(l, p, r);
		return r->state;
	}
	r->newest = &l->v[0];
	r->age = (long long)(p->now - r->newest->mtime);
	r->has_checksum = has_sidecar(l, r->newest->key);
	check_age(p, r);
	check_size(l, p, r);
	if (p->require_checksum && !r->has_checksum)
		problem(r, STALE_CRITICAL, "no %s sidecar", STALENESS_SIDECAR);
	if (r->count < p->min_count)
		problem(r, STALE_WARNING, "only %zu backups (want %zu)", r->count, p->min_count);
	return r->state;
}

/* The base backup's start, the walk and the gap found, as problems. */
static void
check_wal_continuity(const struct walarchive *a, const struct walbase_label *base,
    struct staleness_result *r)
{
	const struct walarchive_check *c = &r->wal.check;

	if (a->newest_tli == 0) {
		problem(r, STALE_CRITICAL, "no WAL segment is archived");
	} else if (c->off_history && base != NULL) {
		problem(r, STALE_CRITICAL, "the base backup's start segment %s is not on the "
		    "history of timeline %u: recovery from it cannot reach the newest segment",
		    base->start_file, a->newest_tli);
	} else if (c->off_history) {
		problem(r, STALE_CRITICAL, "no segment archived on the history of timeline %u",
		    a->newest_tli);
	} else if (c->first_missing[0] != '\0') {
		problem(r, STALE_CRITICAL, "segment %s is missing (%llu of the %llu from %s to "
		    "%s archived)", c->first_missing, (unsigned long long)c->present,
		    (unsigned long long)c->expected, c->start, c->newest_segment);
	}
}

int
staleness_evaluate_wal(const struct walarchive *a, const struct walbase_label *base,
    const struct staleness_policy *p, struct staleness_result *r)
{
	memset(r, 0, sizeof(*r));
	r->judged = 1;
	r->wal.on = 1;
	r->wal.base = base != NULL ? base->key : NULL;
	r->wal.timeline = a->newest_tli;
	r->objects = a->nfiles;
	if (base != NULL && !walbase_label_fits(base, p->seg_size)) {
		problem(r, STALE_UNKNOWN, "the base backup's start %X/%X is not in its segment %s "
		    "for segments of %llu bytes: is --segment-size right?",
		    (unsigned)(base->start_lsn >> 32), (unsigned)base->start_lsn, base->start_file,
		    (unsigned long long)p->seg_size);
		return r->state;
	}
	walarchive_check(a, base != NULL ? base->start_file : NULL, &r->wal.check);
	if (r->wal.check.newest == NULL) {
		problem(r, STALE_UNKNOWN, "no WAL file is archived under the prefix (is "
		    "archive_mode on, is the prefix right?)");
		return r->state;
	}
	r->age = (long long)(p->now - r->wal.check.newest->mtime);
	check_age(p, r);
	check_wal_continuity(a, base, r);
	return r->state;
}
