/* r2put: stream standard input into one S3 object, verified, with its
 * SHA-256 recorded beside it. */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "io.h"
#include "progress.h"
#include "s3.h"
#include "upload.h"
#include "verify.h"

static void
usage(void)
{
	printf("usage: r2put [-hqv] [-j JOBS] [--verify gzip|pgdump] [--no-clobber]\n"
	    "             [--allow-empty] [--part-size SIZE] [--expected-size SIZE]\n"
	    "             [--progress] NAME\n"
	    "Uploads standard input to the object NAME (s3://BUCKET/KEY, r2://BUCKET/KEY,\n"
	    "or KEY in $R2_BUCKET) and records its SHA-256 in NAME.sha256.\n\n"
	    "      --verify MODE       complete the upload only if the input is a whole\n"
	    "                          gzip stream (gzip) or a whole pg_dump script,\n"
	    "                          gzipped or not (pgdump); otherwise leave nothing\n"
	    "      --no-clobber        never replace an existing object; an identical one\n"
	    "                          is success\n"
	    "      --allow-empty       upload empty input (refused by default)\n"
	    "  -j, --jobs N            parts in flight at once (default: from 4, more\n"
	    "                          while it pays, up to 8)\n"
	    "      --part-size SIZE    bytes per part (default 8M, at least 5M)\n"
	    "      --expected-size SIZE\n"
	    "                          the stream's likely size, so that equal parts can\n"
	    "                          hold it (R2 allows 10,000 parts)\n"
	    "      --progress          show bytes and rate on stderr\n"
	    "      --no-progress       never show progress (default: on a terminal)\n"
	    "  -q, --quiet             print errors only\n"
	    "  -v, --verbose           trace every request on stderr\n"
	    "  -h, --help              print this help and exit\n"
	    "      --version           print the version and exit\n"
	    "\nExit status: 0 done, 1 --verify failed, 2 usage, 3 settings or credentials,\n"
	    "4 no such bucket, 5 service failure, 6 cannot read input, 8 refused (empty\n"
	    "input, --no-clobber, too large for the parts).\n");
}

struct put_args {
	struct upload_opts o;
	int verify;
	enum verify_mode mode;
	unsigned long long expected;
	const char *name;
};

static int
parse_args(int argc, char **argv, struct put_args *a)
{
	static const struct option longopts[] = {
		{ "verify", required_argument, NULL, 'Y' },
		{ "no-clobber", no_argument, NULL, 'n' },
		{ "allow-empty", no_argument, NULL, 'E' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "part-size", required_argument, NULL, 'S' },
		{ "expected-size", required_argument, NULL, 'X' },
		CLI_LONGOPTS_PROGRESS,
		CLI_LONGOPTS_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	struct dk_err e = { 0 };
	unsigned long long part = UPLOAD_PART_DEFAULT;
	long long jobs;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "j:qvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'Y':
			if (verify_mode_parse(optarg, &a->mode, &e) != DK_OK)
				return cli_usage_error("--verify: want gzip or pgdump, not '%s'", optarg);
			a->verify = 1;
			break;
		case 'n': a->o.no_clobber = 1; break;
		case 'E': a->o.allow_empty = 1; break;
		case 'j':
			if (cli_parse_number("--jobs", optarg, 1, 64, &jobs) != DK_OK)
				return DK_EUSAGE;
			a->o.jobs = (int)jobs;
			a->o.adaptive = 0;
			break;
		case 'S':
			if (cli_parse_size("--part-size", optarg, UPLOAD_MIN_PART, 5ull << 30,
			    &part) != DK_OK)
				return DK_EUSAGE;
			break;
		case 'X':
			if (cli_parse_size("--expected-size", optarg, 0, UPLOAD_MAX_OBJECT,
			    &a->expected) != DK_OK)
				return DK_EUSAGE;
			break;
		default:
			if ((rc = cli_option(ch, usage)) != CLI_CONTINUE)
				exit(rc);
			break;
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("name exactly one object to write");
	a->name = argv[optind];
	a->o.part_size = (size_t)part;
	return DK_OK;
}

/* Part size for this stream: a regular file says its size; R2's equal
 * parts must hold the whole stream, so the limit is stated up front. */
static void
plan_parts(struct put_args *a, const struct settings *set)
{
	long long file_size = io_file_size(STDIN_FILENO);

	if (file_size >= 0 && a->expected == 0)
		a->expected = (unsigned long long)file_size;
	a->o.equal_parts = set->endpoint != NULL;
	if (!a->o.equal_parts)
		return;
	a->o.part_size = upload_part_size_for(a->expected, a->o.part_size);
	if (a->expected == 0 || file_size < 0)
		cli_note("parts of %zu MiB: streams up to %llu GiB (more with --expected-size)",
		    a->o.part_size >> 20,
		    (unsigned long long)a->o.part_size * UPLOAD_MAX_PARTS >> 30);
}

static int
put_stream(struct s3_client *c, const struct objname *name, struct put_args *a,
    struct dk_err *e)
{
	struct upload u;
	struct verify_sink v;
	struct progress prog;
	int rc;

	if ((rc = upload_open(&u, c, name, &a->o, e)) != DK_OK) {
		upload_free(&u);
		return rc;
	}
	/* The verifier sees every byte beside the upload, and its verdict
	 * decides whether the upload completes. */
	if (a->verify && (rc = verify_sink_init(&v, a->mode, NULL, NULL, 0, e)) != DK_OK) {
		upload_free(&u);
		return rc;
	}
	cli_progress_init(&prog, a->expected);
	rc = upload_pump(&u, STDIN_FILENO, "standard input", a->verify ? &v.sink : NULL,
	    progress_pump, &prog, e);
	progress_end(&prog, u.total, NULL, NULL);
	if (rc == DK_OK && u.identical)
		cli_note("s3://%s/%s is already there with the same SHA-256: kept", name->bucket,
		    name->key);
	if (a->verify)
		verify_sink_free(&v);
	upload_free(&u);
	return rc;
}

/* libcurl frees its 1 MiB upload buffer whenever a part's request is set
 * up and allocates it again for the next: above glibc's mmap threshold,
 * that is fresh pages from the kernel for every part, each faulted in and
 * zeroed (dear in a virtual machine). Kept on the heap, the same memory
 * serves every part. */
static void
heap_keep(void)
{
	(void)mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	(void)mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
}

int
main(int argc, char **argv)
{
	struct put_args a = { .o = { .jobs = UPLOAD_JOBS_MAX, .adaptive = 1, .sidecar = 1 }, };
	struct settings set;
	struct s3_client *c;
	struct objname name;
	struct dk_err e = { 0 };
	int rc;

	cli_init("r2put");
	heap_keep();
	if ((rc = parse_args(argc, argv, &a)) != DK_OK)
		return rc;
	if ((c = s3_connect(&set, cli_log(), &e)) == NULL)
		return cli_fail(&e);
	if ((rc = objname_parse(a.name, set.bucket, &name, &e)) == DK_OK) {
		if (name.key[0] == '\0' || name.key[strlen(name.key) - 1] == '/')
			rc = dk_fail(&e, DK_EUSAGE, "%s: name an object, not a bucket or folder",
			    a.name);
		else {
			plan_parts(&a, &set);
			rc = put_stream(c, &name, &a, &e);
		}
		objname_free(&name);
	}
	s3_client_free(c);
	settings_free(&set);
	return rc == DK_OK ? 0 : cli_fail(&e);
}
