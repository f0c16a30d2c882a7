#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recorded.h"
#include "sumfile.h"

#define SIDECAR_MAX 65536	/* one line, with room for a long name */

static void
lower_hex(const char *in, char out[SHA256_HEXLEN + 1])
{
	for (int i = 0; i < SHA256_HEXLEN; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[SHA256_HEXLEN] = '\0';
}

static int
from_sidecar(struct buf *b, const struct objname *side, char hex[SHA256_HEXLEN + 1],
    struct dk_err *e)
{
	struct sumfile_parser p;
	struct sumfile_entry ent;
	char *nl = memchr(b->p, '\n', b->len);
	size_t len = nl != NULL ? (size_t)(nl - b->p) : b->len;
	unsigned char digest[SHA256_LEN];

	b->p[len] = '\0';
	sumfile_parser_init(&p);
	if (sumfile_parse_line(&p, b->p, len, &ent) != 1 || !sha256_parse_hex(ent.hex, digest))
		return dk_fail(e, DK_EDATA, "s3://%s/%s: not a sha256sum line", side->bucket,
		    side->key);
	lower_hex(ent.hex, hex);
	return DK_OK;
}

int
recorded_sha256(struct s3_client *c, const struct objname *n, char hex[SHA256_HEXLEN + 1],
    const char **source, struct dk_err *e)
{
	struct objname side = { n->bucket, NULL };
	struct s3_object_info info;
	struct buf b = { 0 };
	unsigned char digest[SHA256_LEN];
	int rc;

	if (asprintf(&side.key, "%s.sha256", n->key) < 0)
		return dk_fail(e, DK_EIO, "out of memory");
	rc = s3_get_small(c, &side, SIDECAR_MAX, &b, e);
	if (rc == DK_OK) {
		rc = from_sidecar(&b, &side, hex, e);
		*source = "sidecar";
	}
	buf_free(&b);
	free(side.key);
	if (rc != DK_ENOTFOUND)
		return rc;
	dk_err_clear(e);
	if ((rc = s3_head(c, n, &info, e)) != DK_OK)
		return rc;
	if (!sha256_parse_hex(info.sha256_meta, digest)) {
		dk_fail(e, DK_ENOTFOUND, "s3://%s/%s: no recorded checksum (no %s.sha256 "
		    "sidecar, no x-amz-meta-sha256)", n->bucket, n->key, n->key);
		dk_err_object(e, "s3://%s/%s", n->bucket, n->key);
		return dk_err_reason(e, DK_R_NO_CHECKSUM);
	}
	lower_hex(info.sha256_meta, hex);
	*source = "metadata";
	return DK_OK;
}
