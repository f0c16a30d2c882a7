#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "interrupt.h"
#include "rmbatch.h"
#include "s3err.h"

void
rmbatch_init(struct rmbatch *b, struct s3_client *c, const char *default_bucket)
{
	memset(b, 0, sizeof(*b));
	b->c = c;
	b->default_bucket = default_bucket;
}

static void
on_key_failed(void *arg, const struct s3xml_delete_failure *f)
{
	struct rmbatch *b = arg;
	char msg[2048];

	b->failed++;
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->keys[i], f->key) == 0)
			b->not_deleted[i] = 1;
	if (b->fail_status == DK_OK)
		b->fail_status = s3err_classify(0, f->code).status;
	if (b->refused != NULL) {
		snprintf(msg, sizeof(msg), "cannot delete s3://%s/%s: %s %s", b->bucket, f->key,
		    f->code, f->message);
		b->refused(b->arg, msg);
	}
}

static void
batch_clear(struct rmbatch *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->keys[i]);
	memset(b->not_deleted, 0, b->n);
	b->n = 0;
}

static int
batch_send(struct rmbatch *b, struct dk_err *e)
{
	int rc = DK_OK;

	if (b->n == 0)
		return DK_OK;
	if (!b->dry_run)
		rc = s3_delete_batch(b->c, b->bucket, b->keys, b->n, on_key_failed, b, e);
	/* Only what was deleted is said to be. */
	for (size_t i = 0; rc == DK_OK && i < b->n; i++) {
		if (b->not_deleted[i])
			continue;
		b->deleted++;
		if (b->out != NULL) {
			fprintf(b->out, "%sdelete: s3://%s/", b->dry_run ? "(dryrun) " : "",
			    b->bucket);
			escape_key_print(b->out, b->keys[i]);
			fputc('\n', b->out);
		}
	}
	batch_clear(b);
	return rc;
}

int
rmbatch_add(struct rmbatch *b, const char *name, struct dk_err *e)
{
	struct objname n;
	int rc;

	if ((rc = objname_parse(name, b->default_bucket, &n, e)) != DK_OK)
		return rc;
	if (n.key[0] == '\0') {
		objname_free(&n);
		return dk_fail(e, DK_EUSAGE, "%s: names a bucket, not an object: nothing deleted "
		    "from it", name);
	}
	if (b->bucket != NULL && (strcmp(b->bucket, n.bucket) != 0 || b->n == RMBATCH_MAX))
		rc = batch_send(b, e);
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

int
rmbatch_add_stream(struct rmbatch *b, FILE *f, int delim, struct dk_err *e)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = DK_OK;

	while (rc == DK_OK && (len = getdelim(&line, &cap, delim, f)) > 0) {
		if (line[len - 1] == delim)
			line[--len] = '\0';
		if (len == 0)
			continue;
		if ((size_t)len != strlen(line))
			rc = dk_fail(e, DK_EUSAGE, "a name on standard input holds a NUL byte: "
			    "use -0 for NUL-separated names");
		else
			rc = rmbatch_add(b, line, e);
	}
	free(line);
	if (rc == DK_OK && interrupt_requested()) {
		dk_fail(e, DK_EIO, "interrupted");
		rc = dk_err_reason(e, DK_R_INTERRUPTED);
	}
	if (rc == DK_OK && ferror(f))
		rc = dk_fail(e, DK_EIO, "cannot read standard input");
	return rc;
}

int
rmbatch_add_names(struct rmbatch *b, char *const *names, int n, FILE *in, int delim,
    struct dk_err *e)
{
	int dashes = 0, rc = DK_OK;

	if (n == 0)
		return rmbatch_add_stream(b, in, delim, e);
	for (int i = 0; i < n; i++)
		dashes += strcmp(names[i], "-") == 0;
	if (dashes > 1)
		return dk_fail(e, DK_EUSAGE, "'-' (the names on standard input) given %d times: "
		    "give it once", dashes);
	for (int i = 0; rc == DK_OK && i < n; i++)
		rc = strcmp(names[i], "-") == 0 ? rmbatch_add_stream(b, in, delim, e) :
		    rmbatch_add(b, names[i], e);
	return rc;
}

int
rmbatch_finish(struct rmbatch *b, struct dk_err *e)
{
	int rc = batch_send(b, e);

	if (rc == DK_OK && b->failed != 0)
		rc = dk_fail(e, b->fail_status, "%lu of the objects were not deleted", b->failed);
	return rc;
}

void
rmbatch_free(struct rmbatch *b)
{
	batch_clear(b);
	free(b->bucket);
	b->bucket = NULL;
}
