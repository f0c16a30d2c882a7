#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "lsselect.h"
#include "vec.h"

void
lsselect_init(struct lsselect *s, time_t now)
{
	memset(s, 0, sizeof(*s));
	s->older_than = -1;
	s->newer_than = -1;
	s->now = now;
}

int
lsselect_age_matches(const struct lsselect *s, time_t mtime)
{
	long long age = (long long)(s->now - mtime);

	if (s->older_than >= 0 && !(age > s->older_than))
		return 0;
	if (s->newer_than >= 0 && !(age < s->newer_than))
		return 0;
	return 1;
}

static int
selecting(const struct lsselect *s)
{
	return s->older_than >= 0 || s->newer_than >= 0 || s->newest > 0 ||
	    s->except_newest > 0;
}

static int
keep(struct lsselect *s, const struct s3_entry *en)
{
	char *key;

	if (vec_reserve((void **)&s->kept, &s->cap, s->nkept + 1, sizeof(*s->kept)) != 0 ||
	    (key = strdup(en->key)) == NULL)
		return -1;
	s->kept[s->nkept] = *en;
	s->kept[s->nkept++].key = key;
	return 0;
}

int
lsselect_page(void *arg, const struct s3xml_list_page *page)
{
	struct lsselect *s = arg;

	/* Prefixes first, then objects, page by page: aws s3 ls's order. */
	if (!selecting(s) && s->prefix != NULL)
		for (size_t i = 0; i < page->nprefixes; i++)
			s->prefix(s->arg, page->prefixes[i]);
	for (size_t i = 0; i < page->nentries; i++) {
		const struct s3_entry *en = &page->entries[i];
		/* The newest of the whole listing are known only at its end,
		 * whatever their age. */
		if (s->except_newest > 0 || (s->newest > 0 && lsselect_age_matches(s, en->mtime))) {
			if (keep(s, en) != 0)
				return DK_EIO;
		} else if (lsselect_age_matches(s, en->mtime)) {
			s->entry(s->arg, en);
		}
	}
	return DK_OK;
}

static int
newest_first(const void *x, const void *y)
{
	const struct s3_entry *a = *(const struct s3_entry *const *)x;
	const struct s3_entry *b = *(const struct s3_entry *const *)y;

	if (a->mtime != b->mtime)
		return a->mtime < b->mtime ? 1 : -1;
	return strcmp(a->key, b->key);
}

int
lsselect_finish(struct lsselect *s)
{
	struct s3_entry **by_age = calloc(s->nkept ? s->nkept : 1, sizeof(*by_age));
	unsigned char *spared = calloc(s->nkept ? s->nkept : 1, 1);
	long long sent = 0;

	if (by_age == NULL || spared == NULL) {
		free(by_age);
		free(spared);
		return DK_EIO;
	}
	for (size_t i = 0; i < s->nkept; i++)
		by_age[i] = &s->kept[i];
	qsort(by_age, s->nkept, sizeof(*by_age), newest_first);
	for (size_t i = 0; i < s->nkept && (long long)i < s->except_newest; i++)
		spared[by_age[i] - s->kept] = 1;
	for (size_t i = 0; i < s->nkept && (s->newest <= 0 || sent < s->newest); i++) {
		/* --newest: newest first; else the listing's own order. */
		const struct s3_entry *en = s->newest > 0 ? by_age[i] : &s->kept[i];
		if (!spared[en - s->kept] && lsselect_age_matches(s, en->mtime)) {
			s->entry(s->arg, en);
			sent++;
		}
	}
	free(by_age);
	free(spared);
	return DK_OK;
}

void
lsselect_free(struct lsselect *s)
{
	for (size_t i = 0; i < s->nkept; i++)
		free(s->kept[i].key);
	free(s->kept);
	s->kept = NULL;
	s->nkept = s->cap = 0;
}
