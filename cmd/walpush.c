/* walpush: PostgreSQL's archive_command. One WAL file, gzipped, into the
 * archive, never replacing a different file stored under its name. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "s3.h"
#include "walpush.h"

static void
usage(void)
{
	printf("usage: walpush [-hqv] [-l LEVEL] [--look-ahead N] [--profile NAME]\n"
	    "               [--credentials FILE] PATH DEST\n"
	    "Archives the WAL file PATH as DEST/NAME.gz (DEST is s3://BUCKET/PREFIX):\n"
	    "   archive_command = 'walpush %%p s3://BUCKET/PREFIX'\n"
	    "An identical file already stored is success; a different one is kept and\n"
	    "is exit 8.\n\n"
	    "  -l, --level LEVEL       gzip level, 1 (fastest, default) to 9\n"
	    "      --look-ahead N      also push up to N segments already .ready in\n"
	    "                          archive_status, in parallel (default 8; 0: off)\n"
	    "      --profile NAME      the AWS profile to read (sets AWS_PROFILE)\n"
	    "      --credentials FILE  the AWS credentials file to read (sets\n"
	    "                          AWS_SHARED_CREDENTIALS_FILE)\n"
	    "  -q, --quiet             print errors only\n"
	    "  -v, --verbose           trace every request on stderr\n"
	    "  -h, --help              print this help and exit\n"
	    "      --version           print the version and exit\n"
	    "\nExit status: 0 stored (or already there, identical), 1 not a whole segment,\n"
	    "2 usage, 3 settings or credentials, 4 no such bucket, 5 service failure,\n"
	    "6 cannot read PATH, 8 a different file is stored under its name.\n");
}

struct push_args {
	struct walpush_opts o;
	const char *path;
	const char *dest;
};

enum { OPT_LOOK_AHEAD = CLI_OPT_FIRST_OWN, OPT_PROFILE, OPT_CREDENTIALS };

static int
parse_args(int argc, char **argv, struct push_args *a)
{
	static const struct option longopts[] = {
		{ "level", required_argument, NULL, 'l' },
		{ "look-ahead", required_argument, NULL, OPT_LOOK_AHEAD },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "credentials", required_argument, NULL, OPT_CREDENTIALS },
		CLI_LONGOPTS_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	long long n;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "l:qvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (cli_parse_number("--level", optarg, 1, 9, &n) != DK_OK)
				return DK_EUSAGE;
			a->o.level = (int)n;
			break;
		case OPT_LOOK_AHEAD:
			if (cli_parse_number("--look-ahead", optarg, 0, 64, &n) != DK_OK)
				return DK_EUSAGE;
			a->o.lookahead = (int)n;
			break;
		/* Settings are read from the environment: the options name
		 * what PostgreSQL's empty environment cannot. */
		case OPT_PROFILE: setenv("AWS_PROFILE", optarg, 1); break;
		case OPT_CREDENTIALS: setenv("AWS_SHARED_CREDENTIALS_FILE", optarg, 1); break;
		default:
			if ((rc = cli_option(ch, usage)) != CLI_CONTINUE)
				exit(rc);
			break;
		}
	}
	if (optind != argc - 2)
		return cli_usage_error("name the WAL file and where to archive it");
	a->path = argv[optind];
	a->dest = argv[optind + 1];
	return DK_OK;
}

int
main(int argc, char **argv)
{
	struct push_args a = { .o = { .level = 1, .lookahead = 8 } };
	struct walpush_result r;
	struct settings set;
	struct s3_client *c;
	struct objname dest;
	struct dk_err e = { 0 };
	int rc;

	cli_init("walpush");
	if ((rc = parse_args(argc, argv, &a)) != DK_OK)
		return rc;
	a.o.log = cli_log();
	if ((c = s3_connect(&set, cli_log(), &e)) == NULL)
		return cli_fail(&e);
	if ((rc = objname_parse(a.dest, set.bucket, &dest, &e)) == DK_OK) {
		rc = walpush_run(c, &dest, a.path, &a.o, &r, &e);
		if (rc == DK_OK && r.identical)
			cli_trace("%s: already archived, identical", a.path);
		if (rc == DK_OK && r.ahead > 0)
			cli_trace("pushed %d more segment%s ahead", r.ahead, r.ahead == 1 ? "" : "s");
		objname_free(&dest);
	}
	s3_client_free(c);
	settings_free(&set);
	return rc == DK_OK ? 0 : cli_fail(&e);
}
