/* r2rm: delete the objects named as arguments or on standard input, in
 * batches of up to 1000 (DeleteObjects). */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "rmbatch.h"

static void
usage(void)
{
	printf("usage: r2rm [-0hnqv] [--dry-run] [NAME...]\n"
	    "Deletes the objects NAME (s3://BUCKET/KEY, r2://BUCKET/KEY, or KEY in\n"
	    "$R2_BUCKET). A NAME of - stands for the names on standard input, one per\n"
	    "line, beside the other NAMEs; with no NAME, standard input is read.\n\n"
	    "  -0, --null        names on standard input end with a NUL byte, not a\n"
	    "                    newline (r2ls -0 prints them so)\n"
	    "  -n, --dry-run     print what would be deleted; delete nothing\n"
	    "  -q, --quiet       print errors only (not each deleted name)\n"
	    "  -v, --verbose     trace every request on stderr\n"
	    "  -h, --help        print this help and exit\n"
	    "      --version     print the version and exit\n"
	    "\nExit status: 0 done, 2 usage, 3 settings or credentials, 4 no such bucket,\n"
	    "5 service failure or keys not deleted, 6 cannot read input.\n");
}

/* A key the service refused: an error, shown even with -q. */
static void
say_refused(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s: %s\n", cli_prog, msg);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "null", no_argument, NULL, '0' },
		{ "dry-run", no_argument, NULL, 'n' },
		CLI_LONGOPTS_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	struct rmbatch b;
	struct settings set;
	struct s3_client *c;
	struct dk_err e = { 0 };
	int ch, delim = '\n', dry_run = 0, rc;

	cli_init("r2rm");
	while ((ch = getopt_long(argc, argv, "0nqvh", longopts, NULL)) != -1) {
		switch (ch) {
		case '0': delim = '\0'; break;
		case 'n': dry_run = 1; break;
		default:
			if ((rc = cli_option(ch, usage)) != CLI_CONTINUE)
				return rc;
			break;
		}
	}
	if ((c = s3_connect(&set, cli_log(), &e)) == NULL)
		return cli_fail(&e);
	rmbatch_init(&b, c, set.bucket);
	b.dry_run = dry_run;
	b.out = cli_quiet ? NULL : stdout;
	b.refused = say_refused;
	rc = rmbatch_add_names(&b, argv + optind, argc - optind, stdin, delim, &e);
	if (rc == DK_OK)
		rc = rmbatch_finish(&b, &e);
	rmbatch_free(&b);
	s3_client_free(c);
	settings_free(&set);
	if (fflush(stdout) != 0 && rc == DK_OK)
		rc = dk_fail(&e, DK_EIO, "cannot write standard output");
	return rc == DK_OK ? 0 : cli_fail(&e);
}
