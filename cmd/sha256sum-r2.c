/* sha256sum-r2: coreutils' sha256sum, line for line, for the pipes of the
 * backup runbook. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "remotesum.h"
#include "sumcheck.h"
#include "vec.h"

static void
usage(void)
{
	printf("usage: sha256sum-r2 [-b | -t] [--tag] [-z] [FILE]...\n"
	    "       sha256sum-r2 -c [--ignore-missing] [--quiet | --status] [--strict] [-w] [LIST]...\n"
	    "\n"
	    "Prints or checks SHA-256 checksums exactly as coreutils' sha256sum does.\n"
	    "With no FILE, or when FILE is -, reads standard input.\n"
	    "\n"
	    "  -b, --binary          mark lines with '*' (binary mode)\n"
	    "  -t, --text            mark lines with ' ' (text mode, the default)\n"
	    "      --tag             print BSD-style lines: SHA256 (FILE) = HEX\n"
	    "  -z, --zero            end each line with NUL and do not escape names\n"
	    "  -c, --check           read checksums from the LISTs and check the files\n"
	    "\n"
	    "Only with --check:\n"
	    "      --ignore-missing  do not fail or report for missing files\n"
	    "      --quiet           do not print OK for each file that matches\n"
	    "      --status          print nothing; the exit status tells\n"
	    "      --strict          fail on improperly formatted lines\n"
	    "  -w, --warn            warn about improperly formatted lines\n"
	    "\n"
	    "Checking what r2put recorded (its KEY.sha256 sidecar, else x-amz-meta-sha256):\n"
	    "      --verify NAME     copy standard input to standard output while hashing\n"
	    "                        it; the last 64 KiB are written only when the hash\n"
	    "                        matches what was recorded for NAME (s3://BUCKET/KEY)\n"
	    "      --remote NAME     read the object NAME itself and check it against its\n"
	    "                        recorded checksum; may be given several times\n"
	    "      --allow-missing   a NAME with no recorded checksum passes (unverified)\n"
	    "  -v, --verbose         trace every S3 request on stderr\n"
	    "\n"
	    "  -h, --help            show this help and exit\n"
	    "      --version         show the version and exit\n"
	    "\n"
	    "Exit status: 0 all good, 1 a file could not be read or did not match, or a\n"
	    "list held no checksum line, 2 usage, 3 settings or credentials, 4 no such\n"
	    "object or no recorded checksum, 5 service failure, 6 cannot write output.\n");
}

enum {
	OPT_TAG = CLI_OPT_FIRST_OWN, OPT_IGNORE_MISSING, OPT_QUIET, OPT_STATUS, OPT_STRICT,
	OPT_VERIFY, OPT_REMOTE, OPT_ALLOW_MISSING,
};

static const struct option longopts[] = {
	{ "binary", no_argument, NULL, 'b' },
	{ "text", no_argument, NULL, 't' },
	{ "tag", no_argument, NULL, OPT_TAG },
	{ "zero", no_argument, NULL, 'z' },
	{ "check", no_argument, NULL, 'c' },
	{ "ignore-missing", no_argument, NULL, OPT_IGNORE_MISSING },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "status", no_argument, NULL, OPT_STATUS },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "warn", no_argument, NULL, 'w' },
	{ "verify", required_argument, NULL, OPT_VERIFY },
	{ "remote", required_argument, NULL, OPT_REMOTE },
	{ "allow-missing", no_argument, NULL, OPT_ALLOW_MISSING },
	CLI_LONGOPTS_BASE,
	{ NULL, 0, NULL, 0 },
};

struct opts {
	struct sumcheck sum;	/* -b -t --tag -z and -c's options */
	int check;
	const char *verify;	/* --verify NAME */
	char **remote;		/* --remote NAMEs */
	size_t nremote, cap;
	int allow_missing;
};

static void
say_failure(void *arg, const struct dk_err *e)
{
	(void)arg;
	cli_fail(e);
}

static int
run_s3_modes(const struct opts *o)
{
	struct settings set;
	struct remotesum r = { .allow_missing = o->allow_missing, .out = stdout, .log = cli_log() };
	struct dk_err e = { 0 };
	int rc;

	if ((r.c = s3_connect(&set, cli_log(), &e)) == NULL)
		return cli_fail(&e);
	r.default_bucket = set.bucket;
	r.quiet = o->sum.quiet || o->sum.status;
	if (o->verify != NULL)
		rc = remotesum_verify_stream(&r, o->verify, STDIN_FILENO, STDOUT_FILENO, &e);
	else
		rc = remotesum_check_all(&r, o->remote, o->nremote, say_failure, NULL, &e);
	s3_client_free(r.c);
	settings_free(&set);
	if (o->verify != NULL)
		return rc == DK_OK ? 0 : cli_fail(&e);
	return rc;
}

/* The combinations coreutils refuses. */
static int
check_opts(const struct opts *o)
{
	if (o->sum.tag && o->sum.binary == 0)
		return cli_usage_error("--tag does not support --text mode");
	if (o->check && o->sum.zero)
		return cli_usage_error("the --zero option is not supported when verifying checksums");
	if (o->check && o->sum.tag)
		return cli_usage_error("the --tag option is meaningless when verifying checksums");
	if (o->check && o->sum.binary != -1)
		return cli_usage_error("the --binary and --text options are meaningless when verifying checksums");
	if ((o->verify != NULL || o->nremote > 0) && (o->check || o->sum.tag || o->sum.zero))
		return cli_usage_error("--verify and --remote do not go with --check, --tag or --zero");
	if (o->verify != NULL && o->nremote > 0)
		return cli_usage_error("--verify reads standard input, --remote the bucket: give one");
	if (o->allow_missing && o->verify == NULL && o->nremote == 0)
		return cli_usage_error("--allow-missing goes with --verify or --remote");
	if (!o->check && o->nremote == 0 &&
	    (o->sum.ignore_missing || o->sum.quiet || o->sum.status || o->sum.strict || o->sum.warn))
		return cli_usage_error("--ignore-missing, --quiet, --status, --strict and --warn are "
		    "meaningful only when verifying checksums");
	return DK_OK;
}

int
main(int argc, char **argv)
{
	static char *dash[] = { "-", NULL };
	struct opts o = { .sum = { .binary = -1 } };
	char **names;
	int c, n, st;

	cli_init("sha256sum-r2");
	while ((c = getopt_long(argc, argv, "btzcwvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o.sum.binary = 1; break;
		case 't': o.sum.binary = 0; break;
		case OPT_TAG: o.sum.tag = 1; break;
		case 'z': o.sum.zero = 1; break;
		case 'c': o.check = 1; break;
		case OPT_IGNORE_MISSING: o.sum.ignore_missing = 1; break;
		case OPT_QUIET: o.sum.quiet = 1; o.sum.status = 0; o.sum.warn = 0; break;
		case OPT_STATUS: o.sum.status = 1; o.sum.quiet = 0; o.sum.warn = 0; break;
		case OPT_STRICT: o.sum.strict = 1; break;
		case 'w': o.sum.warn = 1; o.sum.status = 0; o.sum.quiet = 0; break;
		case OPT_VERIFY: o.verify = optarg; break;
		case OPT_REMOTE:
			if (vec_reserve((void **)&o.remote, &o.cap, o.nremote + 1, sizeof(char *)) != 0)
				return cli_usage_error("out of memory");
			o.remote[o.nremote++] = optarg;
			break;
		case OPT_ALLOW_MISSING: o.allow_missing = 1; break;
		default:
			if ((st = cli_option(c, usage)) != CLI_CONTINUE)
				return st;
			break;
		}
	}
	if ((st = check_opts(&o)) != DK_OK)
		return st;
	if (o.verify != NULL || o.nremote > 0) {
		if (optind < argc)
			return cli_usage_error("--verify and --remote take no FILE operand");
		st = run_s3_modes(&o);
		free(o.remote);
		return st;
	}
	names = optind < argc ? argv + optind : dash;
	n = optind < argc ? argc - optind : 1;
	o.sum.in = stdin;
	o.sum.out = stdout;
	o.sum.log = cli_log();
	st = o.check ? sumcheck_lists(&o.sum, names, n) : sumcheck_print(&o.sum, names, n);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		struct dk_err e;
		dk_err_clear(&e);
		dk_fail(&e, DK_EIO, "cannot write standard output: %s", strerror(errno));
		return cli_fail(&e);
	}
	return st;
}
