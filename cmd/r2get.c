/* r2get: stream S3 objects to stdout, or to a file that appears only when
 * complete; or hand out time-limited download links to them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "download.h"
#include "io.h"
#include "outfile.h"
#include "progress.h"
#include "s3.h"
#include "units.h"

static void
usage(void)
{
	printf("usage: r2get [-hqv] [-j JOBS] [-o FILE] [--chunk-size SIZE] [--progress]\n"
	    "             NAME...\n"
	    "       r2get [-hqv] [-o FILE] --presign DURATION NAME...\n"
	    "Writes the objects NAME (s3://BUCKET/KEY, r2://BUCKET/KEY, or KEY in $R2_BUCKET)\n"
	    "to standard output, one after the other, or to FILE.\n\n"
	    "  -o, --output FILE      write to FILE, created under a temporary name and\n"
	    "                         renamed only when every byte arrived\n"
	    "  -j, --jobs N           ranged GETs in flight at once (default: 4, more while\n"
	    "                         the throughput grows, within 48 MiB of ranges, or 1\n"
	    "                         when more do not pay); with 1, the rest in one GET\n"
	    "      --chunk-size SIZE  bytes per ranged GET (default 4M)\n"
	    "      --presign DURATION instead of downloading, print for each NAME a URL\n"
	    "                         that GETs it without credentials for DURATION\n"
	    "                         (1s to 7d: 90m, 12h, 7d); each object must exist\n"
	    "      --progress         show bytes, rate and ETA on stderr\n"
	    "      --no-progress      never show progress (default: on a terminal)\n"
	    "  -q, --quiet            print errors only\n"
	    "  -v, --verbose          trace every request on stderr\n"
	    "  -h, --help             print this help and exit\n"
	    "      --version          print the version and exit\n"
	    "\nExit status: 0 done, 1 the object changed while read, 2 usage, 3 settings or\n"
	    "credentials, 4 no such bucket or key, 5 service failure, 6 cannot write output.\n");
}

static void
show_progress(void *arg, uint64_t done, uint64_t size)
{
	struct progress *p = arg;

	p->total = size;
	progress_update(p, done, NULL, NULL);
}

/* The object arg names; a bucket alone is not one. */
static int
object_name(const char *arg, const struct settings *set, struct objname *name,
    struct dk_err *e)
{
	int rc;

	if ((rc = objname_parse(arg, set->bucket, name, e)) != DK_OK)
		return rc;
	if (name->key[0] == '\0') {
		objname_free(name);
		return dk_fail(e, DK_EUSAGE, "%s: names a bucket, not an object", arg);
	}
	return DK_OK;
}

static int
get_all(struct s3_client *c, const struct settings *set, char **names, int n,
    struct sink *out, struct download_opts *o, struct dk_err *e)
{
	int rc = DK_OK;

	for (int i = 0; i < n && rc == DK_OK; i++) {
		struct objname name;
		if ((rc = object_name(names[i], set, &name, e)) != DK_OK)
			break;
		rc = download_object(c, &name, out, o, e);
		objname_free(&name);
	}
	return rc;
}

/* One presigned URL a line. Each object is HEADed first: a typo, or a
 * secret the service refuses, must not become a link that fails later in
 * someone else's hands. */
static int
presign_all(struct s3_client *c, const struct settings *set, char **names, int n,
    long expires, struct sink *out, struct dk_err *e)
{
	int rc = DK_OK;

	for (int i = 0; i < n && rc == DK_OK; i++) {
		struct objname name;
		struct s3_object_info info;
		char *url = NULL;
		if ((rc = object_name(names[i], set, &name, e)) != DK_OK)
			break;
		rc = s3_head(c, &name, &info, e);
		if (rc == DK_OK)
			rc = s3_presign_get(c, &name, expires, &url, e);
		if (rc == DK_OK)
			rc = sink_write(out, url, strlen(url), e);
		if (rc == DK_OK)
			rc = sink_write(out, "\n", 1, e);
		free(url);
		objname_free(&name);
	}
	return rc;
}

/* --presign's DURATION: 1 second to the 7 days S3 allows. */
static int
parse_expiry(const char *arg, long *expires)
{
	struct dk_err e = { 0 };
	long long secs;

	if (units_parse_duration(arg, &secs, &e) != DK_OK || secs < 1 || secs > S3_PRESIGN_MAX)
		return cli_usage_error("--presign: not a duration from 1s to 7d like 90m, "
		    "12h or 7d: '%s'", arg);
	*expires = (long)secs;
	return DK_OK;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "chunk-size", required_argument, NULL, 'C' },
		{ "presign", required_argument, NULL, 'P' },
		CLI_LONGOPTS_PROGRESS,
		CLI_LONGOPTS_COMMON,
		{ NULL, 0, NULL, 0 }
	};
	struct download_opts o = { .jobs = 0, .chunk = DOWNLOAD_CHUNK };
	struct outfile f = { .fd = -1 };
	struct io_fd_sink out_stdout;
	struct sink *out;
	struct settings set;
	struct s3_client *c;
	struct progress prog;
	struct dk_err e = { 0 };
	const char *output = NULL;
	unsigned long long size;
	long long jobs;
	long expires = 0;
	int ch, rc;

	cli_init("r2get");
	while ((ch = getopt_long(argc, argv, "o:j:qvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o': output = optarg; break;
		case 'j':
			if (cli_parse_number("--jobs", optarg, 1, 64, &jobs) != DK_OK)
				return DK_EUSAGE;
			o.jobs = (int)jobs;
			break;
		case 'C':
			if (cli_parse_size("--chunk-size", optarg, 1, 1ull << 30, &size) != DK_OK)
				return DK_EUSAGE;
			o.chunk = (size_t)size;
			break;
		case 'P':
			if (parse_expiry(optarg, &expires) != DK_OK)
				return DK_EUSAGE;
			break;
		default:
			if ((rc = cli_option(ch, usage)) != CLI_CONTINUE)
				return rc;
			break;
		}
	}
	if (optind == argc)
		return cli_usage_error("name at least one object");
	if ((c = s3_connect(&set, cli_log(), &e)) == NULL)
		return cli_fail(&e);

	io_fd_sink_init(&out_stdout, STDOUT_FILENO, "standard output");
	out = &out_stdout.sink;
	if (output != NULL && (rc = outfile_open(&f, output, &e)) != DK_OK)
		goto done;
	if (output != NULL)
		out = &f.fd_sink.sink;
	cli_progress_init(&prog, 0);
	o.progress = show_progress;
	o.arg = &prog;
	if (expires > 0)
		rc = presign_all(c, &set, argv + optind, argc - optind, expires, out, &e);
	else
		rc = get_all(c, &set, argv + optind, argc - optind, out, &o, &e);
	if (rc == DK_OK && output != NULL)
		rc = outfile_commit(&f, &e);
	progress_end(&prog, prog.total, NULL, NULL);
done:
	if (output != NULL)
		outfile_discard(&f);
	s3_client_free(c);
	settings_free(&set);
	return rc == DK_OK ? 0 : cli_fail(&e);
}
