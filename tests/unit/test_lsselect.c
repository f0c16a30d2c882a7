/* r2ls's selection: ages at their bounds, --newest across pages, and
 * prefixes only when nothing is selected. */
#include <stdlib.h>
#include <string.h>

#include "lsselect.h"
#include "tap.h"

static char seen[512];

static void
on_prefix(void *arg, const char *prefix)
{
	(void)arg;
	strcat(seen, "PRE ");
	strcat(seen, prefix);
	strcat(seen, " ");
}

static void
on_entry(void *arg, const struct s3_entry *en)
{
	(void)arg;
	strcat(seen, en->key);
	strcat(seen, " ");
}

static struct s3_entry
entry(const char *key, time_t mtime)
{
	struct s3_entry en = { (char *)key, 1, mtime, "" };

	return en;
}

/* Runs two pages through s; returns what was passed on. */
static const char *
run(struct lsselect *s, const struct s3xml_list_page *p1, const struct s3xml_list_page *p2)
{
	seen[0] = '\0';
	s->prefix = on_prefix;
	s->entry = on_entry;
	if (lsselect_page(s, p1) != 0 || lsselect_page(s, p2) != 0)
		return "(failed)";
	lsselect_finish(s);
	lsselect_free(s);
	return seen;
}

int
main(void)
{
	const time_t now = 1795575600, day = 86400;
	struct s3_entry e1[] = { entry("d40", now - 40 * day), entry("d30", now - 30 * day),
	    entry("d2", now - 2 * day) };
	struct s3_entry e2[] = { entry("d0b", now), entry("d0a", now), entry("d10", now - 10 * day) };
	char *pre[] = { "old/" };
	struct s3xml_list_page p1 = { e1, 3, pre, 1, 1, NULL }, p2 = { e2, 3, NULL, 0, 0, NULL };
	struct lsselect s;

	lsselect_init(&s, now);
	CHECK(strcmp(run(&s, &p1, &p2), "PRE old/ d40 d30 d2 d0b d0a d10 ") == 0,
	    "no selection: everything, in listing order: %s", seen);

	lsselect_init(&s, now);
	s.older_than = 30 * day;
	CHECK(strcmp(run(&s, &p1, &p2), "d40 ") == 0,
	    "--older-than 30d: strictly older, no prefixes: %s", seen);

	lsselect_init(&s, now);
	s.newer_than = 10 * day;
	CHECK(strcmp(run(&s, &p1, &p2), "d2 d0b d0a ") == 0, "--newer-than 10d: strictly newer: %s", seen);

	lsselect_init(&s, now);
	s.older_than = 1 * day;
	s.newer_than = 35 * day;
	CHECK(strcmp(run(&s, &p1, &p2), "d30 d2 d10 ") == 0, "both bounds: %s", seen);

	lsselect_init(&s, now);
	s.newest = 3;
	CHECK(strcmp(run(&s, &p1, &p2), "d0a d0b d2 ") == 0,
	    "--newest 3 across pages, newest first, the same second by key: %s", seen);

	lsselect_init(&s, now);
	s.newest = 2;
	s.older_than = 5 * day;
	CHECK(strcmp(run(&s, &p1, &p2), "d10 d30 ") == 0, "--newest 2 of those older than 5d: %s", seen);

	lsselect_init(&s, now);
	s.newest = 100;
	CHECK(strcmp(run(&s, &p1, &p2), "d0a d0b d2 d10 d30 d40 ") == 0, "--newest more than listed: %s",
	    seen);
	return TAP_END();
}
