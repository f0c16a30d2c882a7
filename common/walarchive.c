#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gzcheck.h"
#include "lsfetch.h"
#include "vec.h"
#include "walarchive.h"

#define HISTORY_MAX (1u << 20)	/* a .history file is a few lines */

enum wal_kind
walarchive_name(const char *key, const char *prefix, char out[WALARCHIVE_NAME_MAX])
{
	size_t np = strlen(prefix), n;
	const char *rest;
	enum wal_kind k;

	if (strncmp(key, prefix, np) != 0)
		return WAL_OTHER;
	rest = key + np;
	n = strlen(rest);
	if (strchr(rest, '/') != NULL || n < 4 || n - 3 >= WALARCHIVE_NAME_MAX ||
	    strcmp(rest + n - 3, ".gz") != 0)
		return WAL_OTHER;
	memcpy(out, rest, n - 3);
	out[n - 3] = '\0';
	if ((k = wal_classify(out)) == WAL_OTHER)
		out[0] = '\0';
	return k;
}

int
walarchive_expired(const char *name, const char *start)
{
	enum wal_kind k = wal_classify(name);

	if (wal_classify(start) != WAL_SEGMENT)
		return 0;	/* no start known: nothing may go */
	if (k != WAL_SEGMENT && k != WAL_PARTIAL && k != WAL_BACKUP)
		return 0;	/* .history files are kept, whatever their timeline */
	return memcmp(name, start, WAL_NAME_LEN) < 0;
}

int
walarchive_segno(const char *name, uint64_t seg_size, unsigned *tli, uint64_t *segno)
{
	enum wal_kind k = wal_classify(name);
	unsigned log, seg;
	uint64_t per_log;

	if ((k != WAL_SEGMENT && k != WAL_PARTIAL && k != WAL_BACKUP) ||
	    !wal_seg_size_valid(seg_size) || sscanf(name, "%8X%8X%8X", tli, &log, &seg) != 3)
		return -1;
	/* XLogFileName: the segment number split in 4 GiB "log" parts. */
	per_log = 0x100000000ull / seg_size;
	if (seg >= per_log)
		return -1;
	*segno = (uint64_t)log * per_log + seg;
	return 0;
}

void
walarchive_segname(unsigned tli, uint64_t segno, uint64_t seg_size,
    char out[WAL_NAME_LEN + 1])
{
	uint64_t per_log = 0x100000000ull / seg_size;

	snprintf(out, WAL_NAME_LEN + 1, "%08X%08X%08X", tli, (unsigned)(segno / per_log),
	    (unsigned)(segno % per_log));
}

void
walarchive_init(struct walarchive *a, uint64_t seg_size)
{
	memset(a, 0, sizeof(*a));
	a->seg_size = seg_size;
}

void
walarchive_free(struct walarchive *a)
{
	free(a->files);
	free(a->spans);
	walarchive_init(a, a->seg_size);
}

int
walarchive_add(struct walarchive *a, const char *key, const char *prefix, time_t mtime,
    uint64_t size, struct dk_err *e)
{
	struct walarchive_file *f;
	char name[WALARCHIVE_NAME_MAX];
	enum wal_kind k;

	if ((k = walarchive_name(key, prefix, name)) == WAL_OTHER)
		return DK_OK;
	if (vec_reserve((void **)&a->files, &a->cap, a->nfiles + 1, sizeof(*a->files)) != 0)
		return dk_fail(e, DK_EIO, "out of memory for the WAL listing");
	f = &a->files[a->nfiles++];
	memcpy(f->name, name, sizeof(name));
	f->kind = k;
	f->mtime = mtime;
	f->size = size;
	return DK_OK;
}

unsigned
walarchive_newest_timeline(struct walarchive *a)
{
	unsigned tli;
	uint64_t segno;

	a->newest_tli = 0;
	for (size_t i = 0; i < a->nfiles; i++)
		if (a->files[i].kind == WAL_SEGMENT &&
		    walarchive_segno(a->files[i].name, a->seg_size, &tli, &segno) == 0 &&
		    tli > a->newest_tli)
			a->newest_tli = tli;
	return a->newest_tli;
}

static int
span_add(struct walarchive *a, unsigned tli, uint64_t begin, uint64_t end, struct dk_err *e)
{
	if (vec_reserve((void **)&a->spans, &a->spans_cap, a->nspans + 1, sizeof(*a->spans)) != 0)
		return dk_fail(e, DK_EIO, "out of memory for the timeline history");
	a->spans[a->nspans++] = (struct walarchive_span){ tli, begin, end };
	return DK_OK;
}

/* One line of a .history file: the parent timeline and where it ended
 * (timeline.c writes "%u\t%X/%X\t%s"); blank and '#' lines say nothing. */
static int
history_line(const char *line, unsigned *tli, uint64_t *lsn)
{
	unsigned hi, lo;
	char sep;

	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '#')
		return 0;
	if (sscanf(line, "%u%*[ \t]%X%c%X", tli, &hi, &sep, &lo) != 4 || sep != '/')
		return -1;
	*lsn = (uint64_t)hi << 32 | lo;
	return 1;
}

int
walarchive_set_history(struct walarchive *a, const char *text, size_t len,
    struct dk_err *e)
{
	uint64_t begin = 0, lsn;
	unsigned tli, prev = 0;
	unsigned long lineno = 0;
	char line[512];
	size_t i = 0;
	int rc;

	a->nspans = 0;
	while (i < len) {
		size_t n = 0;
		while (i < len && text[i] != '\n')
			if (n < sizeof(line) - 1)
				line[n++] = text[i++];
			else
				i++;
		i++;
		line[n] = '\0';
		lineno++;
		if ((rc = history_line(line, &tli, &lsn)) == 0)
			continue;
		if (rc < 0 || tli <= prev || tli >= a->newest_tli || lsn / a->seg_size < begin)
			return dk_err_line(e, dk_fail(e, DK_EDATA, "line %lu of timeline %u's "
			    "history is not PARENT<TAB>LSN<TAB>REASON in order", lineno,
			    a->newest_tli));
		if (span_add(a, tli, begin, lsn / a->seg_size, e) != DK_OK)
			return e->status;
		begin = lsn / a->seg_size;
		prev = tli;
	}
	return span_add(a, a->newest_tli, begin, UINT64_MAX, e);
}

struct seg {
	unsigned tli;
	uint64_t segno;
};

static int
seg_cmp(const void *x, const void *y)
{
	const struct seg *a = x, *b = y;

	if (a->tli != b->tli)
		return a->tli < b->tli ? -1 : 1;
	return a->segno < b->segno ? -1 : a->segno > b->segno;
}

/* The index of the first of segs (sorted) at or after (tli, segno). */
static size_t
seg_lower(const struct seg *segs, size_t n, unsigned tli, uint64_t segno)
{
	size_t lo = 0, hi = n;
	struct seg key = { tli, segno };

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (seg_cmp(&segs[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The listed segments, sorted; NULL with *n 0 when none (or no memory:
 * then nothing is found missing that was not judged, see the caller). */
static struct seg *
segs_sorted(const struct walarchive *a, size_t *n)
{
	struct seg *s = malloc((a->nfiles ? a->nfiles : 1) * sizeof(*s));

	*n = 0;
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < a->nfiles; i++)
		if (a->files[i].kind == WAL_SEGMENT &&
		    walarchive_segno(a->files[i].name, a->seg_size, &s[*n].tli, &s[*n].segno) == 0)
			(*n)++;
	qsort(s, *n, sizeof(*s), seg_cmp);
	return s;
}

/* The span of the history that reads segno from tli, or NULL. */
static const struct walarchive_span *
span_of(const struct walarchive *a, unsigned tli)
{
	for (size_t i = 0; i < a->nspans; i++)
		if (a->spans[i].tli == tli)
			return &a->spans[i];
	return NULL;
}

/* Where the walk starts when no base backup says: the oldest segment
 * listed on a timeline of the history, in the stretch read from it. */
static int
oldest_on_history(const struct walarchive *a, const struct seg *segs, size_t n,
    struct seg *out)
{
	for (size_t i = 0; i < a->nspans; i++) {
		const struct walarchive_span *sp = &a->spans[i];
		size_t k = seg_lower(segs, n, sp->tli, sp->begin);
		if (k < n && segs[k].tli == sp->tli && segs[k].segno < sp->end) {
			*out = segs[k];
			return 0;
		}
	}
	return -1;
}

/* Counts what each stretch of the history holds of [from, to], and finds
 * the first segment missing. */
static void
walk(const struct walarchive *a, const struct seg *segs, size_t n, uint64_t from, uint64_t to,
    struct walarchive_check *r)
{
	for (size_t i = 0; i < a->nspans; i++) {
		const struct walarchive_span *sp = &a->spans[i];
		uint64_t lo = from > sp->begin ? from : sp->begin;
		uint64_t hi = sp->end - 1 < to ? sp->end - 1 : to;
		size_t k;

		if (sp->end == 0 || lo > hi)
			continue;
		k = seg_lower(segs, n, sp->tli, lo);
		r->expected += hi - lo + 1;
		r->present += seg_lower(segs, n, sp->tli, hi + 1) - k;
		if (r->first_missing[0] != '\0')
			continue;
		for (uint64_t x = lo; x <= hi; x++, k++) {
			if (k >= n || segs[k].tli != sp->tli || segs[k].segno != x) {
				walarchive_segname(sp->tli, x, a->seg_size, r->first_missing);
				break;
			}
		}
	}
}

void
walarchive_check(const struct walarchive *a, const char *start, struct walarchive_check *r)
{
	const struct walarchive_span *sp;
	struct seg *segs, from, newest = { 0, 0 };
	size_t n;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < a->nfiles; i++) {
		const struct walarchive_file *f = &a->files[i];
		if (r->newest == NULL || f->mtime > r->newest->mtime ||
		    (f->mtime == r->newest->mtime && strcmp(f->name, r->newest->name) > 0))
			r->newest = f;
	}
	if (a->newest_tli == 0 || a->nspans == 0 || (segs = segs_sorted(a, &n)) == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		if (segs[i].tli == a->newest_tli)
			newest = segs[i];
	walarchive_segname(newest.tli, newest.segno, a->seg_size, r->newest_segment);
	if (start != NULL && start[0] != '\0') {
		if (walarchive_segno(start, a->seg_size, &from.tli, &from.segno) != 0 ||
		    (sp = span_of(a, from.tli)) == NULL || from.segno < sp->begin ||
		    (sp->end != UINT64_MAX && from.segno > sp->end))
			r->off_history = 1;
	} else if (oldest_on_history(a, segs, n, &from) != 0) {
		r->off_history = 1;
	}
	if (!r->off_history) {
		walarchive_segname(from.tli, from.segno, a->seg_size, r->start);
		walk(a, segs, n, from.segno, from.segno > newest.segno ? from.segno : newest.segno, r);
	} else if (start != NULL) {
		snprintf(r->start, sizeof(r->start), "%s", start);
	}
	free(segs);
}

int
walarchive_gunzip(const void *data, size_t len, size_t max, int whole, struct buf *out,
    struct dk_err *e)
{
	struct gzcheck g;
	size_t used = 0, taken, made;
	int rc;

	buf_reset(out);
	if (buf_reserve(out, max + 1) != 0)
		return dk_fail(e, DK_EIO, "out of memory");
	if ((rc = gzcheck_init(&g, NULL, 0, e)) != DK_OK)
		return rc;
	/* For the start of a stream, the input or the room running out ends
	 * the read, not a fault. */
	do {
		rc = gzcheck_read(&g, (const char *)data + used, len - used, &taken,
		    out->p + out->len, max - out->len, &made, e);
		used += taken;
		out->len += made;
	} while (rc == DK_OK && out->len < max && (taken > 0 || made > 0));
	/* A whole file read in part would be trusted for what it lacks. */
	if (rc == DK_OK && whole && out->len == max)
		rc = dk_fail(e, DK_EDATA, "larger than %zu bytes inflated", max);
	else if (rc == DK_OK && whole)
		rc = gzcheck_finish(&g, e);
	out->p[out->len] = '\0';
	gzcheck_free(&g);
	return rc;
}

/* The prefix as walpush writes under it: "" or ending in '/'. */
static char *
dir_prefix(const char *key)
{
	size_t n = strlen(key);
	char *p;

	if (asprintf(&p, "%s%s", key, n > 0 && key[n - 1] != '/' ? "/" : "") < 0)
		return NULL;
	return p;
}

static int
load_history(struct s3_client *c, const struct objname *wal, const char *prefix,
    struct walarchive *a, struct dk_err *e)
{
	char name[24];
	struct objname h = { wal->bucket, NULL };
	struct buf gz = { 0 }, text = { 0 };
	int rc;

	if (a->newest_tli <= 1)
		return walarchive_set_history(a, "", 0, e);
	snprintf(name, sizeof(name), "%08X.history", a->newest_tli);
	if ((h.key = wal_object_key(prefix, name)) == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	rc = s3_get_small(c, &h, HISTORY_MAX, &gz, e);
	if (rc == DK_ENOTFOUND)
		rc = dk_refail(e, DK_EDATA, "timeline %u has segments but no history file "
		    "s3://%s/%s: recovery cannot follow it", a->newest_tli, h.bucket, h.key);
	if (rc == DK_OK && (rc = walarchive_gunzip(gz.p, gz.len, HISTORY_MAX, 1, &text, e)) != DK_OK)
		dk_err_object(e, "s3://%s/%s", h.bucket, h.key);
	if (rc == DK_OK && (rc = walarchive_set_history(a, text.p, text.len, e)) != DK_OK)
		dk_err_object(e, "s3://%s/%s", h.bucket, h.key);
	free(h.key);
	buf_free(&gz);
	buf_free(&text);
	return rc;
}

int
walarchive_load(struct s3_client *c, const struct objname *wal, struct walarchive *a,
    struct dk_err *e)
{
	struct objname dir = { wal->bucket, NULL };
	struct ls_list l;
	int rc;

	if ((dir.key = dir_prefix(wal->key)) == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	lsparse_init(&l);
	rc = lsfetch_list(c, &dir, &l, e);
	for (size_t i = 0; i < l.n && rc == DK_OK; i++)
		rc = walarchive_add(a, l.v[i].key, dir.key, l.v[i].mtime, l.v[i].size, e);
	lsparse_free(&l);
	if (rc == DK_OK) {
		walarchive_newest_timeline(a);
		rc = load_history(c, wal, dir.key, a, e);
	}
	free(dir.key);
	return rc;
}

struct expired {
	const char *prefix, *start;
	int start_seen;
	struct s3_entry *v;
	size_t n, cap;
};

static int
expired_page(void *arg, const struct s3xml_list_page *page)
{
	struct expired *x = arg;
	char name[WALARCHIVE_NAME_MAX];

	for (size_t i = 0; i < page->nentries; i++) {
		const struct s3_entry *en = &page->entries[i];
		if (walarchive_name(en->key, x->prefix, name) == WAL_OTHER)
			continue;
		if (strcmp(name, x->start) == 0)
			x->start_seen = 1;
		if (!walarchive_expired(name, x->start))
			continue;
		if (vec_reserve((void **)&x->v, &x->cap, x->n + 1, sizeof(*x->v)) != 0)
			return DK_EIO;
		x->v[x->n] = *en;
		if ((x->v[x->n].key = strdup(en->key)) == NULL)
			return DK_EIO;
		x->n++;
	}
	return DK_OK;
}

int
walarchive_list_expired(struct s3_client *c, const struct objname *wal, const char *start,
    void (*entry)(void *arg, const struct s3_entry *en), void *arg, struct dk_err *e)
{
	struct expired x = { NULL, start, 0, NULL, 0, 0 };
	char *prefix;
	int rc;

	if (wal_classify(start) != WAL_SEGMENT)
		return dk_fail(e, DK_EDATA, "'%s' is not a WAL segment name", start);
	if ((prefix = dir_prefix(wal->key)) == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	x.prefix = prefix;
	rc = s3_list(c, wal->bucket, prefix, "/", expired_page, &x, e);
	if (rc == DK_EIO)
		dk_fail(e, DK_EIO, "out of memory");
	/* A start the archive does not hold means another cluster's base
	 * backup or the wrong prefix: expiring by it could empty the archive. */
	if (rc == DK_OK && !x.start_seen)
		rc = dk_fail(e, DK_EDATA, "the start segment %s is not archived under s3://%s/%s: "
		    "nothing is expired (the wrong prefix, or another cluster's base backup?)",
		    start, wal->bucket, prefix);
	for (size_t i = 0; i < x.n; i++) {
		if (rc == DK_OK)
			entry(arg, &x.v[i]);
		free(x.v[i].key);
	}
	free(x.v);
	free(prefix);
	return rc;
}
