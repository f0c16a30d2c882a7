/* r2rm: delete the objects named as arguments or on standard input, in
 * batches of up to 1000 (DeleteObjects). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "s3.h"

#define BATCH_MAX 1000	/* DeleteObjects' limit */

static void
usage(void)
{
	printf("usage: r2rm [-0hnqv] [--dry-run] [NAME...]\n"
	    "Deletes the objects NAME (s3://BUCKET/KEY, r2://BUCKET/KEY, or KEY in\n"
	    "$R2_BUCKET), or those named on standard input, one per line, when no NAME\n"
	    "is given (or NAME is -).\n\n"
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

struct batch {
	struct s3_client *c;
	const struct settings *set;
	int dry_run;
	char *bucket;
	char *keys[BATCH_MAX];
	char refused[BATCH_MAX];	/* the service did not delete keys[i] */
	size_t n;
	unsigned long failed;
	unsigned long deleted;
	struct dk_err first_failure;
};

static void
on_key_failed(void *arg, const struct s3xml_delete_failure *f)
{
	struct batch *b = arg;

	b->failed++;
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->keys[i], f->key) == 0)
			b->refused[i] = 1;
	fprintf(stderr, "%s: cannot delete s3://%s/%s: %s %s\n", cli_prog, b->bucket, f->key,
	    f->code, f->message);
	/* The status of the first failure, the count of them all. */
	dk_refail(&b->first_failure, b->first_failure.status != DK_OK ? b->first_failure.status :
	    strcmp(f->code, "AccessDenied") == 0 ? DK_ECONFIG : DK_ESERVICE,
	    "%lu of the objects were not deleted", b->failed);
}

static void
batch_clear(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->keys[i]);
	memset(b->refused, 0, b->n);
	b->n = 0;
}

static int
batch_flush(struct batch *b, struct dk_err *e)
{
	int rc = DK_OK;

	if (b->n == 0)
		return DK_OK;
	if (!b->dry_run)
		rc = s3_delete_batch(b->c, b->bucket, b->keys, b->n, on_key_failed, b, e);
	/* Only what was deleted is said to be. */
	for (size_t i = 0; rc == DK_OK && i < b->n; i++) {
		if (b->refused[i])
			continue;
		b->deleted++;
		if (!cli_quiet)
			printf("%sdelete: s3://%s/%s\n", b->dry_run ? "(dryrun) " : "", b->bucket,
			    b->keys[i]);
	}
	batch_clear(b);
	return rc;
}

/* Queues one name; a batch is sent when full or when the bucket changes. */
static int
batch_add(struct batch *b, const char *arg, struct dk_err *e)
{
	struct objname n;
	int rc;

	if ((rc = objname_parse(arg, b->set->bucket, &n, e)) != DK_OK)
		return rc;
	if (n.key[0] == '\0') {
		objname_free(&n);
		return dk_fail(e, DK_EUSAGE, "%s: names a bucket, not an object: nothing deleted "
		    "from it", arg);
	}
	if (b->bucket != NULL && (strcmp(b->bucket, n.bucket) != 0 || b->n == BATCH_MAX))
		rc = batch_flush(b, e);
	if (b->bucket == NULL || strcmp(b->bucket, n.bucket) != 0) {
		free(b->bucket);
		b->bucket = n.bucket;
		n.bucket = NULL;
	}
	b->keys[b->n++] = n.key;
	n.key = NULL;
	objname_free(&n);
	return rc;
}

static int
names_from_stdin(struct batch *b, int delim, struct dk_err *e)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = DK_OK;

	while (rc == DK_OK && (len = getdelim(&line, &cap, delim, stdin)) > 0) {
		if (line[len - 1] == delim)
			line[--len] = '\0';
		if (len == 0)
			continue;
		if ((size_t)len != strlen(line))
			rc = dk_fail(e, DK_EUSAGE, "a name on standard input holds a NUL byte: "
			    "use -0 for NUL-separated names");
		else
			rc = batch_add(b, line, e);
	}
	free(line);
	if (rc == DK_OK && ferror(stdin))
		rc = dk_fail(e, DK_EIO, "cannot read standard input");
	return rc;
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
	struct batch b = { 0 };
	struct settings set;
	struct dk_err e = { 0 };
	int ch, delim = '\n', rc = DK_OK;

	cli_init("r2rm");
	while ((ch = getopt_long(argc, argv, "0nqvh", longopts, NULL)) != -1) {
		switch (ch) {
		case '0': delim = '\0'; break;
		case 'n': b.dry_run = 1; break;
		default:
			if ((rc = cli_option(ch, usage)) == CLI_NOT_MINE)
				return cli_usage_error("unknown option");
			if (rc != CLI_CONTINUE)
				return rc;
			break;
		}
	}
	rc = DK_OK;	/* -q and -v left CLI_CONTINUE here: no status */
	if ((b.c = s3_connect(&set, cli_log(), &e)) == NULL)
		return cli_fail(&e);
	b.set = &set;
	if (optind == argc || (optind == argc - 1 && strcmp(argv[optind], "-") == 0))
		rc = names_from_stdin(&b, delim, &e);
	for (int i = optind; rc == DK_OK && i < argc && strcmp(argv[optind], "-") != 0; i++)
		rc = batch_add(&b, argv[i], &e);
	if (rc == DK_OK)
		rc = batch_flush(&b, &e);
	batch_clear(&b);
	if (rc == DK_OK && b.first_failure.status != DK_OK)
		rc = dk_fail(&e, b.first_failure.status, "%s", b.first_failure.msg);
	free(b.bucket);
	s3_client_free(b.c);
	settings_free(&set);
	if (fflush(stdout) != 0 && rc == DK_OK)
		rc = dk_fail(&e, DK_EIO, "cannot write standard output");
	return rc == DK_OK ? 0 : cli_fail(&e);
}
