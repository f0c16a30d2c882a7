/* walfetch: PostgreSQL's restore_command. The file at PATH, whole and
 * verified, or not at all; exit 1 only when the archive does not hold it,
 * and above 125 for every failure, so that recovery stops instead of
 * ending early. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "s3.h"
#include "wal.h"
#include "walfetch.h"

/* PostgreSQL reads 1 to 125 as "not in the archive" and more as fatal. */
#define WALFETCH_FATAL 128

static void
usage(void)
{
	printf("usage: walfetch [-hqv] [--prefetch N] [--segment-size SIZE]\n"
	    "                [--profile NAME] [--credentials FILE] NAME PATH SOURCE\n"
	    "Restores the WAL file NAME from SOURCE/NAME.gz (SOURCE is s3://BUCKET/PREFIX)\n"
	    "to PATH, verified against its recorded SHA-256:\n"
	    "   restore_command = 'walfetch %%f %%p s3://BUCKET/PREFIX'\n\n"
	    "      --prefetch N        fetch up to N following segments into\n"
	    "                          pg_wal/.walfetch-spool (default 8; 0: off)\n"
	    "      --segment-size SIZE the cluster's WAL segment size (default: what\n"
	    "                          each segment's header says; 16M for naming)\n"
	    "      --profile NAME      the AWS profile to use (sets AWS_PROFILE)\n"
	    "      --credentials FILE  the AWS credentials file to use (sets\n"
	    "                          AWS_SHARED_CREDENTIALS_FILE)\n"
	    "  -q, --quiet             print errors only\n"
	    "  -v, --verbose           trace every request on stderr\n"
	    "  -h, --help              print this help and exit\n"
	    "      --version           print the version and exit\n"
	    "\nExit status: 0 PATH is in place, 1 the archive does not hold NAME; every\n"
	    "failure 128 + the status of drkit(7): 129 corrupt or truncated, 130 usage,\n"
	    "131 settings or credentials, 132 no such bucket, 133 service failure,\n"
	    "134 local I/O; 130 and 143 also after SIGINT and SIGTERM.\n");
}

struct fetch_args {
	struct walfetch_opts o;
	const char *name;
	const char *path;
	const char *source;
};

enum { OPT_PREFETCH = CLI_OPT_FIRST_OWN, OPT_SEGMENT_SIZE, OPT_PROFILE, OPT_CREDENTIALS };

static int
parse_args(int argc, char **argv, struct fetch_args *a)
{
	static const struct option longopts[] = {
		{ "prefetch", required_argument, NULL, OPT_PREFETCH },
		{ "segment-size", required_argument, NULL, OPT_SEGMENT_SIZE },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "credentials", required_argument, NULL, OPT_CREDENTIALS },
		CLI_LONGOPTS_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	unsigned long long size;
	long long n;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "qvh", longopts, NULL)) != -1) {
		switch (ch) {
		/* For PostgreSQL's empty environment, as in walpush. */
		case OPT_PROFILE: setenv("AWS_PROFILE", optarg, 1); break;
		case OPT_CREDENTIALS: setenv("AWS_SHARED_CREDENTIALS_FILE", optarg, 1); break;
		case OPT_PREFETCH:
			if (cli_parse_number("--prefetch", optarg, 0, 64, &n) != DK_OK)
				return DK_EUSAGE;
			a->o.prefetch = (int)n;
			break;
		case OPT_SEGMENT_SIZE:
			if (cli_parse_size("--segment-size", optarg, WAL_SEG_MIN, WAL_SEG_MAX,
			    &size) != DK_OK)
				return DK_EUSAGE;
			if (!wal_seg_size_valid(size))
				return cli_usage_error("--segment-size: want a power of 2");
			a->o.seg_size = size;
			break;
		default:
			/* A usage error is returned, so that main makes it a
			 * status above 125: PostgreSQL must stop, not go on. */
			if ((rc = cli_option(ch, usage)) == 0)
				exit(0);
			if (rc != CLI_CONTINUE)
				return rc;
			break;
		}
	}
	if (optind != argc - 3)
		return cli_usage_error("name the WAL file, where to put it, and the archive");
	a->name = argv[optind];
	a->path = argv[optind + 1];
	a->source = argv[optind + 2];
	return DK_OK;
}

/* A failure's status as PostgreSQL must read it: never 1 to 125. */
static int
fatal(int status)
{
	return status > 125 ? status : WALFETCH_FATAL + status;
}

/* Loads the settings and places the file; the status as the library
 * says it, e filled on failure. The client is made only when a request
 * is due: a segment served from the spool needs none. */
static int
fetch(const struct fetch_args *a, struct walfetch_result *r, struct dk_err *e)
{
	struct settings set;
	struct s3_lazy lc = { &set, cli_log(), NULL };
	struct objname src;
	int rc;

	if ((rc = settings_load_unchecked(&set, e)) != DK_OK)
		return rc;
	rc = objname_parse(a->source, set.bucket, &src, e);
	if (rc == DK_OK) {
		rc = walfetch_run(&lc, &src, a->name, a->path, &a->o, r, e);
		objname_free(&src);
	}
	s3_client_free(lc.c);
	settings_free(&set);
	return rc;
}

int
main(int argc, char **argv)
{
	struct fetch_args a = { .o = { .prefetch = 8 } };
	struct walfetch_result r = { 0 };
	struct dk_err e = { 0 };
	int rc;

	cli_init("walfetch");
	cli_lost_output_status = 128 + DK_EIO;
	if ((rc = parse_args(argc, argv, &a)) != DK_OK)
		return fatal(rc);
	a.o.log = cli_log();
	rc = fetch(&a, &r, &e);
	if (r.from_spool)
		cli_trace("%s: served from the prefetch spool", a.name);
	if (rc == DK_OK)
		return 0;
	/* The normal end of recovery, and the answer to its probes for
	 * .history files: not worth a line in PostgreSQL's log. */
	if (rc == DK_ENOTFOUND && e.reason == DK_R_NO_SUCH_KEY && !interrupt_requested()) {
		cli_trace("%s", e.msg);
		return 1;
	}
	return fatal(cli_fail(&e));
}
