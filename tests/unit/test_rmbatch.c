/* r2rm's names, in a dry run (no server): '-' beside other names, batches
 * split by bucket and at 1000 keys, names that are refused. */
#include <stdlib.h>
#include <string.h>

#include "rmbatch.h"
#include "tap.h"

static char said[1 << 16];

/* Runs names (and in, for '-') through a dry run; returns its status. */
static int
dry_run(char **names, int n, const char *in, int delim, size_t inlen, struct dk_err *e)
{
	struct rmbatch b;
	FILE *out = fmemopen(said, sizeof(said), "w");
	FILE *f = fmemopen((void *)in, inlen ? inlen : 1, "r");
	int rc;

	dk_err_clear(e);
	rmbatch_init(&b, NULL, "dflt");
	b.dry_run = 1;
	b.out = out;
	rc = rmbatch_add_names(&b, names, n, f, delim, e);
	if (rc == DK_OK)
		rc = rmbatch_finish(&b, e);
	rmbatch_free(&b);
	fclose(f);
	fclose(out);
	return rc;
}

int
main(void)
{
	struct dk_err e;
	char *mixed[] = { "s3://bkt/first", "-", "r2://bkt/last" };
	char *twice[] = { "-", "x", "-" };
	char *bucket[] = { "s3://bkt/a", "s3://bkt" };
	char *none[] = { NULL };

	CHECK(dry_run(mixed, 3, "one\ns3://cee/two\n\n", '\n', 18, &e) == DK_OK &&
	    strcmp(said, "(dryrun) delete: s3://bkt/first\n(dryrun) delete: s3://dflt/one\n"
	    "(dryrun) delete: s3://cee/two\n(dryrun) delete: s3://bkt/last\n") == 0,
	    "'-' beside names: the names on stdin in its place, then the rest");
	CHECK(dry_run(none, 0, "s3://bkt/x\0s3://bkt/y\0", '\0', 22, &e) == DK_OK &&
	    strcmp(said, "(dryrun) delete: s3://bkt/x\n(dryrun) delete: s3://bkt/y\n") == 0,
	    "no names: stdin, NUL-separated with -0");
	said[0] = '\0';
	CHECK(dry_run(twice, 3, "s3://bkt/x\n", '\n', 11, &e) == DK_EUSAGE && said[0] == '\0' &&
	    strstr(e.msg, "given 2 times") != NULL, "'-' twice is refused before anything: %s", e.msg);
	CHECK(dry_run(none, 0, "s3://bkt/x\0y\n", '\n', 13, &e) == DK_EUSAGE && strstr(e.msg, "-0") != NULL,
	    "a NUL in a newline-separated name: %s", e.msg);
	CHECK(dry_run(bucket, 2, "", '\n', 0, &e) == DK_EUSAGE && strstr(e.msg, "names a bucket") != NULL,
	    "a bucket alone is refused: %s", e.msg);

	char *many[2001];
	for (int i = 0; i < 2001; i++)
		if (asprintf(&many[i], "s3://bkt/k%d", i) < 0)
			return 1;
	CHECK(dry_run(many, 2001, "", '\n', 0, &e) == DK_OK &&
	    strstr(said, "s3://bkt/k0\n") != NULL && strstr(said, "s3://bkt/k2000\n") != NULL,
	    "2001 keys go out in batches, every one said");
	for (int i = 0; i < 2001; i++)
		free(many[i]);
	return TAP_END();
}
