#include <stdlib.h>
#include <string.h>

#include "objname.h"

static int
bucket_valid(const char *b, size_t n)
{
	if (n < 3 || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') ||
		    b[i] == '-' || b[i] == '.' || b[i] == '_' || (b[i] >= 'A' && b[i] <= 'Z')))
			return 0;
	return 1;
}

int
objname_parse(const char *arg, const char *default_bucket, struct objname *out,
    struct dk_err *e)
{
	const char *rest = NULL, *slash;
	size_t blen;

	memset(out, 0, sizeof(*out));
	if (strncmp(arg, "s3://", 5) == 0 || strncmp(arg, "r2://", 5) == 0)
		rest = arg + 5;
	if (rest == NULL) {
		if (default_bucket == NULL)
			return dk_fail(e, DK_ECONFIG, "%s: no bucket: name it as s3://BUCKET/KEY "
			    "or set R2_BUCKET", arg);
		out->bucket = strdup(default_bucket);
		out->key = strdup(arg);
		return DK_OK;
	}
	slash = strchr(rest, '/');
	blen = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	if (!bucket_valid(rest, blen))
		return dk_fail(e, DK_EUSAGE, "%s: not a valid bucket name (3 to 63 letters, "
		    "digits, '-' or '.')", arg);
	out->bucket = strndup(rest, blen);
	out->key = strdup(slash != NULL ? slash + 1 : "");
	return DK_OK;
}

void
objname_free(struct objname *n)
{
	free(n->bucket);
	free(n->key);
	n->bucket = n->key = NULL;
}
