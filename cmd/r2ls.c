/* r2ls: list objects under a prefix, as `aws s3 ls` prints them or in a
 * format for scripts, optionally selected by age. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "lsformat.h"
#include "s3.h"
#include "units.h"

static void
usage(void)
{
	printf("usage: r2ls [-0hqv] [--recursive] [--summarize] [--human-readable]\n"
	    "            [--ndjson | --rfc3339] [--older-than AGE] [--newer-than AGE]\n"
	    "            [--newest N] [NAME]\n"
	    "Lists the objects under NAME (s3://BUCKET/PREFIX, r2://BUCKET/PREFIX, or PREFIX\n"
	    "in $R2_BUCKET; the root of $R2_BUCKET when absent) as `aws s3 ls` does.\n\n"
	    "  -r, --recursive        every object under the prefix, with its full key\n"
	    "      --summarize        end with the object count and total size\n"
	    "      --human-readable   sizes in KiB, MiB, ... as aws prints them\n"
	    "      --rfc3339          times as one RFC 3339 UTC token, not local time\n"
	    "      --ndjson           one JSON object per line (key, size,\n"
	    "                         last_modified, etag)\n"
	    "  -0, --null             s3://BUCKET/KEY names, each ended by a NUL byte\n"
	    "                         (for r2rm -0 and xargs -0)\n"
	    "      --older-than AGE   only objects last modified more than AGE ago\n"
	    "                         (30d, 12h, 90m, 2w)\n"
	    "      --newer-than AGE   only objects last modified less than AGE ago\n"
	    "      --newest N         only the N most recent objects, newest first\n"
	    "  -q, --quiet            print errors only\n"
	    "  -v, --verbose          trace every request on stderr\n"
	    "  -h, --help             print this help and exit\n"
	    "      --version          print the version and exit\n"
	    "\nExit status: 0 done (also for an empty listing), 2 usage, 3 settings or\n"
	    "credentials, 4 no such bucket, 5 service failure, 6 cannot write output.\n");
}

struct ls_args {
	struct ls_printer pr;
	int recursive;
	int summarize;
	long long older_than;	/* seconds; -1: no bound */
	long long newer_than;
	long long newest;	/* 0: all */
	time_t now;
	const char *name;
};

/* Objects kept for a selection that needs the whole listing first. */
struct ls_collect {
	struct s3_entry *v;
	size_t n;
	size_t cap;
};

struct ls_run {
	struct ls_args *a;
	struct ls_collect kept;
};

static int
selected(const struct ls_args *a, const struct s3_entry *en)
{
	long long age = (long long)(a->now - en->mtime);

	if (a->older_than >= 0 && !(age > a->older_than))
		return 0;
	if (a->newer_than >= 0 && !(age < a->newer_than))
		return 0;
	return 1;
}

static int
keep_entry(struct ls_collect *k, const struct s3_entry *en)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 256;
		struct s3_entry *v = realloc(k->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n] = *en;
	if ((k->v[k->n].key = strdup(en->key)) == NULL)
		return -1;
	k->n++;
	return 0;
}

static int
on_page(void *arg, const struct s3xml_list_page *page)
{
	struct ls_run *r = arg;
	struct ls_args *a = r->a;
	int filtering = a->older_than >= 0 || a->newer_than >= 0 || a->newest > 0;

	/* Prefixes first, then objects, page by page: aws s3 ls's order. */
	if (!filtering)
		for (size_t i = 0; i < page->nprefixes; i++)
			ls_print_prefix(&a->pr, page->prefixes[i]);
	for (size_t i = 0; i < page->nentries; i++) {
		const struct s3_entry *en = &page->entries[i];
		if (!selected(a, en))
			continue;
		if (a->newest > 0) {
			if (keep_entry(&r->kept, en) != 0)
				return DK_EIO;
		} else {
			ls_print_entry(&a->pr, en);
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

static void
print_newest(struct ls_run *r)
{
	struct ls_collect *k = &r->kept;

	qsort(k->v, k->n, sizeof(*k->v), newest_first);
	for (size_t i = 0; i < k->n && (long long)i < r->a->newest; i++)
		ls_print_entry(&r->a->pr, &k->v[i]);
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i].key);
	free(k->v);
}

static int
parse_age(const char *opt, const char *arg, long long *out)
{
	struct dk_err e = { 0 };

	if (units_parse_duration(arg, out, &e) != DK_OK)
		return cli_usage_error("%s: not an age like 30d, 12h or 90m: '%s'", opt, arg);
	return DK_OK;
}

static int
parse_args(int argc, char **argv, struct ls_args *a)
{
	static const struct option longopts[] = {
		{ "recursive", no_argument, NULL, 'r' },
		{ "summarize", no_argument, NULL, 's' },
		{ "human-readable", no_argument, NULL, 'H' },
		{ "rfc3339", no_argument, NULL, 'R' },
		{ "ndjson", no_argument, NULL, 'J' },
		{ "null", no_argument, NULL, '0' },
		{ "older-than", required_argument, NULL, 'O' },
		{ "newer-than", required_argument, NULL, 'W' },
		{ "newest", required_argument, NULL, 'n' },
		CLI_LONGOPTS_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "r0qvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r': a->recursive = 1; break;
		case 's': a->summarize = 1; break;
		case 'H': a->pr.human = 1; break;
		case 'R': a->pr.format = LS_RFC3339; break;
		case 'J': a->pr.format = LS_NDJSON; break;
		case '0': a->pr.format = LS_NUL; break;
		case 'O':
			if (parse_age("--older-than", optarg, &a->older_than) != DK_OK)
				return DK_EUSAGE;
			break;
		case 'W':
			if (parse_age("--newer-than", optarg, &a->newer_than) != DK_OK)
				return DK_EUSAGE;
			break;
		case 'n':
			if (cli_parse_number("--newest", optarg, 1, 1000000000, &a->newest) != DK_OK)
				return DK_EUSAGE;
			break;
		default:
			if ((rc = cli_option(ch, usage)) == CLI_NOT_MINE)
				return cli_usage_error("unknown option");
			if (rc != CLI_CONTINUE)
				exit(rc);
			break;
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("name at most one prefix");
	a->name = optind < argc ? argv[optind] : NULL;
	return DK_OK;
}

static int
list(struct s3_client *c, const struct settings *set, struct ls_args *a, struct dk_err *e)
{
	struct objname name;
	struct ls_run r = { .a = a };
	int rc;

	if (a->name == NULL && set->bucket == NULL)
		return dk_fail(e, DK_ECONFIG, "no bucket: name one as s3://BUCKET/ or set R2_BUCKET");
	if ((rc = objname_parse(a->name ? a->name : "", set->bucket, &name, e)) != DK_OK)
		return rc;
	a->pr.bucket = name.bucket;
	a->pr.full_keys = a->recursive;
	rc = s3_list(c, name.bucket, name.key, a->recursive ? NULL : "/", on_page, &r, e);
	if (rc == DK_EIO)
		dk_fail(e, DK_EIO, "out of memory");
	if (a->newest > 0)
		print_newest(&r);
	if (rc == DK_OK && a->summarize)
		ls_print_summary(&a->pr);
	if (fflush(stdout) != 0 || ferror(stdout) || a->pr.failed)
		rc = dk_fail(e, DK_EIO, "cannot write standard output");
	objname_free(&name);
	return rc;
}

int
main(int argc, char **argv)
{
	struct ls_args a = { .pr = { .out = stdout }, .older_than = -1, .newer_than = -1 };
	struct settings set;
	struct s3_client *c;
	struct dk_err e = { 0 };
	int rc;

	cli_init("r2ls");
	if ((rc = parse_args(argc, argv, &a)) != DK_OK)
		return rc;
	a.now = time(NULL);
	a.pr.log = cli_log();
	if ((c = s3_connect(&set, cli_log(), &e)) == NULL)
		return cli_fail(&e);
	rc = list(c, &set, &a, &e);
	s3_client_free(c);
	settings_free(&set);
	return rc == DK_OK ? 0 : cli_fail(&e);
}
