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
	return s->older_than >= 0 || s->newer_than >= 0 || s->newest > 0;
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
		if (!lsselect_age_matches(s, en->mtime))
			continue;
		if (s->newest > 0) {
			if (keep(s, en) != 0)
				return DK_EIO;
		} else {
			s->entry(s->arg, en);
		}
	}
	return DK_OK;
}

static int
newest_first(const void *x, const void *y)
{
	const struct s3_entry *a = x, *b = y;

	if (a->mtime != b->mtime)
		return a->mtime < b->mtime ? 1 : -1;
	return strcmp(a->key, b->key);
}

void
lsselect_finish(struct lsselect *s)
{
	if (s->newest <= 0)
		return;
	qsort(s->kept, s->nkept, sizeof(*s->kept), newest_first);
	for (size_t i = 0; i < s->nkept && (long long)i < s->newest; i++)
		s->entry(s->arg, &s->kept[i]);
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
