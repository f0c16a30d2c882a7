/* r2ls: list objects under a prefix, as `aws s3 ls` prints them or in a
 * format for scripts, optionally selected by age. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"
#include "lsformat.h"
#include "lsselect.h"
#include "s3.h"
#include "units.h"
#include "walarchive.h"
#include "walbase.h"

static void
usage(void)
{
	printf("usage: r2ls [-0hqv] [--recursive] [--summarize] [--human-readable]\n"
	    "            [--ndjson | --rfc3339] [--older-than AGE] [--newer-than AGE]\n"
	    "            [--newest N] [--except-newest N] [--wal-expired BASE] [NAME]\n"
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
	    "      --except-newest N  never the N most recent objects under NAME, of any\n"
	    "                         age: retention that keeps the last N backups\n"
	    "      --wal-expired BASE only the WAL files under NAME (walpush's archive)\n"
	    "                         that base backup BASE no longer needs: segments,\n"
	    "                         .partial and .backup files before the start segment\n"
	    "                         in its backup_label, never a .history file; BASE\n"
	    "                         ending in / is the oldest base backup under it\n"
	    "  -q, --quiet            print errors only\n"
	    "  -v, --verbose          trace every request on stderr\n"
	    "  -h, --help             print this help and exit\n"
	    "      --version          print the version and exit\n"
	    "\nExit status: 0 done (also for an empty listing), 2 usage, 3 settings or\n"
	    "credentials, 4 no such bucket, 5 service failure, 6 cannot write output.\n");
}

struct ls_args {
	struct ls_printer pr;
	struct lsselect sel;
	int recursive;
	int summarize;
	const char *name;
	const char *wal_base;	/* --wal-expired */
};

static void
print_prefix(void *arg, const char *prefix)
{
	ls_print_prefix(arg, prefix);
}

static void
print_entry(void *arg, const struct s3_entry *en)
{
	ls_print_entry(arg, en);
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
		{ "except-newest", required_argument, NULL, 'E' },
		{ "wal-expired", required_argument, NULL, 'X' },
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
			if (parse_age("--older-than", optarg, &a->sel.older_than) != DK_OK)
				return DK_EUSAGE;
			break;
		case 'W':
			if (parse_age("--newer-than", optarg, &a->sel.newer_than) != DK_OK)
				return DK_EUSAGE;
			break;
		case 'n':
			if (cli_parse_number("--newest", optarg, 1, 1000000000, &a->sel.newest) != DK_OK)
				return DK_EUSAGE;
			break;
		case 'E':
			if (cli_parse_number("--except-newest", optarg, 1, 1000000000,
			    &a->sel.except_newest) != DK_OK)
				return DK_EUSAGE;
			break;
		case 'X': a->wal_base = optarg; break;
		default:
			if ((rc = cli_option(ch, usage)) != CLI_CONTINUE)
				exit(rc);
			break;
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("name at most one prefix");
	a->name = optind < argc ? argv[optind] : NULL;
	if (a->wal_base != NULL && (a->sel.older_than >= 0 || a->sel.newer_than >= 0 ||
	    a->sel.newest > 0 || a->sel.except_newest > 0))
		return cli_usage_error("--wal-expired selects by the base backup alone: "
		    "not with --older-than, --newer-than, --newest or --except-newest");
	return DK_OK;
}

/* --wal-expired: the WAL under name older than what the base backup needs. */
static int
list_wal_expired(struct s3_client *c, const struct settings *set, const struct objname *name,
    struct ls_args *a, struct dk_err *e)
{
	struct walbase_label label;
	struct objname base;
	int rc;

	if ((rc = objname_parse(a->wal_base, set->bucket, &base, e)) != DK_OK)
		return rc;
	rc = walbase_read(c, &base, &label, e);
	objname_free(&base);
	if (rc != DK_OK)
		return rc;
	cli_note("%s starts at WAL segment %s: listing what is older", label.key,
	    label.start_file);
	return walarchive_list_expired(c, name, label.start_file, print_entry, &a->pr, e);
}

static int
list(struct s3_client *c, const struct settings *set, struct ls_args *a, struct dk_err *e)
{
	struct objname name;
	int rc;

	if (a->name == NULL && set->bucket == NULL)
		return dk_fail(e, DK_ECONFIG, "no bucket: name one as s3://BUCKET/ or set R2_BUCKET");
	if ((rc = objname_parse(a->name ? a->name : "", set->bucket, &name, e)) != DK_OK)
		return rc;
	a->pr.bucket = name.bucket;
	a->pr.full_keys = a->recursive;
	a->sel.prefix = print_prefix;
	a->sel.entry = print_entry;
	a->sel.arg = &a->pr;
	if (a->wal_base != NULL)
		rc = list_wal_expired(c, set, &name, a, e);
	else
		rc = s3_list(c, name.bucket, name.key, a->recursive ? NULL : "/", lsselect_page,
		    &a->sel, e);
	if (rc == DK_OK)
		rc = lsselect_finish(&a->sel);
	if (rc == DK_EIO)
		dk_fail(e, DK_EIO, "out of memory");
	lsselect_free(&a->sel);
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
	struct ls_args a = { .pr = { .out = stdout } };
	struct settings set;
	struct s3_client *c;
	struct dk_err e = { 0 };
	int rc;

	cli_init("r2ls");
	lsselect_init(&a.sel, 0);
	if ((rc = parse_args(argc, argv, &a)) != DK_OK)
		return rc;
	a.sel.now = time(NULL);
	a.pr.log = cli_log();
	if ((c = s3_connect(&set, cli_log(), &e)) == NULL)
		return cli_fail(&e);
	rc = list(c, &set, &a, &e);
	s3_client_free(c);
	settings_free(&set);
	return rc == DK_OK ? 0 : cli_fail(&e);
}
