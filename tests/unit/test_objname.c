/* Object names as users type them: s3://, r2://, a bare key in the
 * default bucket, and what is not a name. */
#include <string.h>

#include "objname.h"
#include "tap.h"

/* Parses arg and checks bucket and key. */
static void
check_name(const char *arg, const char *dflt, const char *bucket, const char *key)
{
	struct objname n;
	struct dk_err e = { 0 };
	int rc = objname_parse(arg, dflt, &n, &e);
	int same = rc == DK_OK && strcmp(n.bucket, bucket) == 0 && strcmp(n.key, key) == 0;

	CHECK(same, "'%s' is bucket '%s', key '%s'", arg, bucket, key);
	if (rc == DK_OK)
		objname_free(&n);
}

static void
check_refused(const char *arg, const char *dflt, int status)
{
	struct objname n;
	struct dk_err e = { 0 };
	int rc = objname_parse(arg, dflt, &n, &e);

	CHECK(rc == status && strstr(e.msg, arg) != NULL,
	    "'%s' is refused with status %d, naming it", arg, status);
	if (rc == DK_OK)
		objname_free(&n);
}

int
main(void)
{
	check_name("s3://backups/daily/x.sql.gz", NULL, "backups", "daily/x.sql.gz");
	check_name("r2://backups/daily/x.sql.gz", NULL, "backups", "daily/x.sql.gz");
	check_name("s3://backups", NULL, "backups", "");
	check_name("s3://backups/", NULL, "backups", "");
	check_name("s3://backups/daily/", NULL, "backups", "daily/");
	check_name("s3://backups/a  b/é+~(1)", NULL, "backups", "a  b/é+~(1)");
	check_name("s3://my.bucket_1-x/k", NULL, "my.bucket_1-x", "k");
	check_name("daily/x.sql.gz", "dflt", "dflt", "daily/x.sql.gz");
	check_name("s3://other/k", "dflt", "other", "k");
	check_name("s3://abc/k", NULL, "abc", "k");
	check_name("s3://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/k", NULL,
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "k");
	check_refused("daily/x.sql.gz", NULL, DK_ECONFIG);
	check_refused("s3://ab/k", NULL, DK_EUSAGE);
	check_refused("s3:///k", NULL, DK_EUSAGE);
	check_refused("s3://b@d/k", NULL, DK_EUSAGE);
	check_refused("s3://has space/k", NULL, DK_EUSAGE);
	check_refused("s3://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/k",
	    NULL, DK_EUSAGE);
	return TAP_END();
}
