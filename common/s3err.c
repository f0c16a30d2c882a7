/* The S3 error table, and the messages its rows turn into. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "s3err.h"

static const struct {
	const char *code;
	struct s3err_meaning m;
} by_code[] = {
	{ "SignatureDoesNotMatch",	{ S3ERR_SECRET, DK_ECONFIG, DK_R_CREDENTIALS } },
	{ "AuthorizationHeaderMalformed", { S3ERR_SECRET, DK_ECONFIG, DK_R_CREDENTIALS } },
	{ "InvalidAccessKeyId",		{ S3ERR_KEY_ID, DK_ECONFIG, DK_R_CREDENTIALS } },
	{ "ExpiredToken",		{ S3ERR_KEY_ID, DK_ECONFIG, DK_R_CREDENTIALS } },
	{ "InvalidToken",		{ S3ERR_KEY_ID, DK_ECONFIG, DK_R_CREDENTIALS } },
	{ "TokenRefreshRequired",	{ S3ERR_KEY_ID, DK_ECONFIG, DK_R_CREDENTIALS } },
	{ "AccessDenied",		{ S3ERR_DENIED, DK_ECONFIG, DK_R_DENIED } },
	{ "AllAccessDisabled",		{ S3ERR_DENIED, DK_ECONFIG, DK_R_DENIED } },
	{ "NoSuchBucket",		{ S3ERR_NO_BUCKET, DK_ENOTFOUND, DK_R_NO_SUCH_BUCKET } },
	{ "NoSuchKey",			{ S3ERR_NO_KEY, DK_ENOTFOUND, DK_R_NO_SUCH_KEY } },
	{ "InvalidBucketName",		{ S3ERR_BAD_NAME, DK_EUSAGE, DK_R_NONE } },
	{ "PreconditionFailed",		{ S3ERR_PRECONDITION, DK_ESAFETY, DK_R_EXISTS } },
	{ "SlowDown",			{ S3ERR_TRANSIENT, DK_ESERVICE, DK_R_NONE } },
	{ "RequestTimeout",		{ S3ERR_TRANSIENT, DK_ESERVICE, DK_R_NONE } },
	{ "InternalError",		{ S3ERR_TRANSIENT, DK_ESERVICE, DK_R_NONE } },
	{ "ServiceUnavailable",		{ S3ERR_TRANSIENT, DK_ESERVICE, DK_R_NONE } },
};

static const struct {
	long http_status;
	struct s3err_meaning m;
} by_status[] = {
	{ 401, { S3ERR_DENIED, DK_ECONFIG, DK_R_DENIED } },
	{ 403, { S3ERR_DENIED, DK_ECONFIG, DK_R_DENIED } },
	{ 404, { S3ERR_NO_KEY, DK_ENOTFOUND, DK_R_NO_SUCH_KEY } },
	{ 412, { S3ERR_PRECONDITION, DK_ESAFETY, DK_R_EXISTS } },
	{ 429, { S3ERR_TRANSIENT, DK_ESERVICE, DK_R_NONE } },
};

struct s3err_meaning
s3err_classify(long http_status, const char *code)
{
	struct s3err_meaning other = { S3ERR_OTHER, DK_ESERVICE, DK_R_NONE };

	if (code != NULL && *code != '\0')
		for (size_t i = 0; i < sizeof(by_code) / sizeof(by_code[0]); i++)
			if (strcmp(code, by_code[i].code) == 0)
				return by_code[i].m;
	for (size_t i = 0; i < sizeof(by_status) / sizeof(by_status[0]); i++)
		if (by_status[i].http_status == http_status)
			return by_status[i].m;
	if (http_status >= 500)
		other.kind = S3ERR_TRANSIENT;
	return other;
}

int
s3err_transient(long http_status, const char *code)
{
	/* A 5xx or 429 is worth another try whatever code it carries. */
	if (http_status >= 500 || http_status == 429)
		return 1;
	return s3err_classify(http_status, code).kind == S3ERR_TRANSIENT;
}

int
s3err_fail(struct dk_err *e, const struct s3err_where *w, long http_status,
    const char *code, const char *message)
{
	char what[1200];
	int has_code = code != NULL && *code != '\0';
	const char *sp = has_code ? " " : "", *cd = has_code ? code : "";
	const char *hint = w->secret_from ? w->secret_from : "the secret key";
	struct s3err_meaning m = s3err_classify(http_status, code);

	if (e->status != DK_OK)
		return e->status;
	if (w->key != NULL && *w->key != '\0')
		snprintf(what, sizeof(what), "s3://%s/%s", w->bucket, w->key);
	else
		snprintf(what, sizeof(what), "s3://%s", w->bucket);
	switch (m.kind) {
	case S3ERR_SECRET:
		dk_fail(e, m.status, "%s: credentials refused by %s (%s): check %s",
		    what, w->endpoint, code, hint);
		break;
	case S3ERR_KEY_ID:
		dk_fail(e, m.status, "%s: credentials refused by %s (%s): check the "
		    "access key id (R2_ACCESS_KEY_ID or AWS_ACCESS_KEY_ID) and session token",
		    what, w->endpoint, code);
		break;
	case S3ERR_DENIED:
		dk_fail(e, m.status, "%s: access denied (HTTP %ld%s%s): the credentials "
		    "lack permission, or the secret is wrong (check %s)", what, http_status,
		    sp, cd, hint);
		break;
	case S3ERR_NO_BUCKET:
		dk_fail(e, m.status, "s3://%s: no such bucket (NoSuchBucket)", w->bucket);
		break;
	case S3ERR_NO_KEY:
		dk_fail(e, m.status, "%s: not found (HTTP %ld%s%s)", what, http_status, sp, cd);
		break;
	case S3ERR_BAD_NAME:
		dk_fail(e, m.status, "%s: invalid bucket name (InvalidBucketName)", what);
		break;
	case S3ERR_PRECONDITION:
		dk_fail(e, m.status, "%s: the service refused the condition (HTTP %ld%s%s)",
		    what, http_status, sp, cd);
		break;
	default:
		dk_fail(e, DK_ESERVICE, "%s: HTTP %ld%s%s from %s%s%s", what, http_status,
		    sp, cd, w->endpoint, message != NULL && *message ? ": " : "",
		    message ? message : "");
		break;
	}
	dk_err_reason(e, m.reason);
	dk_err_object(e, "%s", what);
	return dk_err_http(e, http_status, code);
}
