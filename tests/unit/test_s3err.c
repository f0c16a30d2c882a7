/* The one table from S3 answers to exit statuses, and the messages its
 * verdicts become: what the operator must check, and the fields a program
 * decides on (reason, object, HTTP status, S3 code). */
#include <string.h>

#include "s3err.h"
#include "tap.h"

static void
check_class(long http, const char *code, int status, enum dk_reason reason, int transient)
{
	struct s3err_meaning m = s3err_classify(http, code);
	int t = s3err_transient(http, code);

	CHECK(m.status == status && m.reason == reason && t == transient,
	    "HTTP %ld %s: exit %d, reason %d, %sretried", http, code ? code : "(no code)",
	    status, (int)reason, transient ? "" : "not ");
}

static const struct {
	long http;
	const char *code;
	int status;
	enum dk_reason reason;
	int transient;
} table[] = {
	{ 403, "SignatureDoesNotMatch", DK_ECONFIG, DK_R_CREDENTIALS, 0 },
	{ 400, "AuthorizationHeaderMalformed", DK_ECONFIG, DK_R_CREDENTIALS, 0 },
	{ 403, "InvalidAccessKeyId", DK_ECONFIG, DK_R_CREDENTIALS, 0 },
	{ 400, "ExpiredToken", DK_ECONFIG, DK_R_CREDENTIALS, 0 },
	{ 403, "AccessDenied", DK_ECONFIG, DK_R_DENIED, 0 },
	{ 404, "NoSuchBucket", DK_ENOTFOUND, DK_R_NO_SUCH_BUCKET, 0 },
	{ 404, "NoSuchKey", DK_ENOTFOUND, DK_R_NO_SUCH_KEY, 0 },
	{ 400, "InvalidBucketName", DK_EUSAGE, DK_R_NONE, 0 },
	{ 412, "PreconditionFailed", DK_ESAFETY, DK_R_EXISTS, 0 },
	{ 503, "SlowDown", DK_ESERVICE, DK_R_NONE, 1 },
	{ 400, "RequestTimeout", DK_ESERVICE, DK_R_NONE, 1 },
	{ 500, "InternalError", DK_ESERVICE, DK_R_NONE, 1 },
	/* A HEAD answer has no body: the status alone decides. */
	{ 404, NULL, DK_ENOTFOUND, DK_R_NO_SUCH_KEY, 0 },
	{ 403, "", DK_ECONFIG, DK_R_DENIED, 0 },
	{ 412, NULL, DK_ESAFETY, DK_R_EXISTS, 0 },
	{ 429, NULL, DK_ESERVICE, DK_R_NONE, 1 },
	{ 502, NULL, DK_ESERVICE, DK_R_NONE, 1 },
	{ 503, "SomethingNew", DK_ESERVICE, DK_R_NONE, 1 },
	{ 400, "SomethingNew", DK_ESERVICE, DK_R_NONE, 0 },
	{ 409, NULL, DK_ESERVICE, DK_R_NONE, 0 },
};

static void
test_table(void)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		check_class(table[i].http, table[i].code, table[i].status, table[i].reason,
		    table[i].transient);
}

static const struct s3err_where where = {
	"https://acct.r2.example", "R2_SECRET_ACCESS_KEY", "bkt", "daily/x.gz"
};

static void
test_messages(void)
{
	struct dk_err e = { 0 };
	struct s3err_where bucket_only = where;
	int rc;

	rc = s3err_fail(&e, &where, 403, "SignatureDoesNotMatch", "no");
	CHECK(rc == DK_ECONFIG && strstr(e.msg, "s3://bkt/daily/x.gz: credentials refused by "
	    "https://acct.r2.example (SignatureDoesNotMatch): check R2_SECRET_ACCESS_KEY") != NULL,
	    "a refused signature names the object, endpoint and variable: %s", e.msg);
	CHECK(e.reason == DK_R_CREDENTIALS && e.http_status == 403 &&
	    strcmp(e.s3_code, "SignatureDoesNotMatch") == 0 &&
	    strcmp(e.object, "s3://bkt/daily/x.gz") == 0, "... and fills the record's fields");

	rc = s3err_fail(&e, &where, 404, "NoSuchKey", NULL);
	CHECK(rc == DK_ECONFIG && e.reason == DK_R_CREDENTIALS,
	    "the first failure recorded wins");

	dk_err_clear(&e);
	rc = s3err_fail(&e, &where, 404, NULL, NULL);
	CHECK(rc == DK_ENOTFOUND && strcmp(e.msg, "s3://bkt/daily/x.gz: not found (HTTP 404)") == 0,
	    "a HEAD's 404: %s", e.msg);

	dk_err_clear(&e);
	rc = s3err_fail(&e, &where, 404, "NoSuchBucket", NULL);
	CHECK(rc == DK_ENOTFOUND && strcmp(e.msg, "s3://bkt: no such bucket (NoSuchBucket)") == 0 &&
	    e.reason == DK_R_NO_SUCH_BUCKET, "no such bucket names the bucket: %s", e.msg);

	dk_err_clear(&e);
	bucket_only.key = NULL;
	bucket_only.secret_from = NULL;
	rc = s3err_fail(&e, &bucket_only, 403, "AccessDenied", NULL);
	CHECK(rc == DK_ECONFIG && strstr(e.msg, "s3://bkt: access denied (HTTP 403 AccessDenied)")
	    != NULL && strstr(e.msg, "check the secret key") != NULL,
	    "access denied on a bucket, secret of unknown origin: %s", e.msg);

	dk_err_clear(&e);
	rc = s3err_fail(&e, &where, 501, "NotImplemented", "A header you provided implies "
	    "functionality that is not implemented");
	CHECK(rc == DK_ESERVICE && strstr(e.msg, "HTTP 501 NotImplemented from "
	    "https://acct.r2.example: A header you provided") != NULL,
	    "anything else is a service failure with the server's message: %s", e.msg);
}

int
main(void)
{
	test_table();
	test_messages();
	return TAP_END();
}
