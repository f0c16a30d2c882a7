/* The S3 operations drkit uses, each one request (or a page loop) over
 * the engine in s3.c: HEAD, small GET and PUT, ListObjectsV2, DeleteObjects
 * and the multipart upload calls. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>

#include "interrupt.h"
#include "s3.h"

int
s3_head(struct s3_client *c, const struct objname *n, struct s3_object_info *info,
    struct dk_err *e)
{
	struct s3_op op;
	int rc;

	s3_op_init(&op, "HEAD", n->bucket, n->key);
	rc = s3_run(c, &op, e);
	if (rc == DK_OK && !op.call.has_content_length) {
		/* No size is no proof of an empty object. */
		rc = dk_fail(e, DK_ESERVICE, "s3://%s/%s: the service answered HEAD without "
		    "a Content-Length: the object's size is unknown", n->bucket, n->key);
		dk_err_object(e, "s3://%s/%s", n->bucket, n->key);
	}
	if (rc == DK_OK) {
		/* An HTTP date ("Wed, 25 Nov 2026 03:03:24 GMT"): libcurl reads it. */
		time_t t = curl_getdate(op.call.last_modified, NULL);
		memset(info, 0, sizeof(*info));
		info->size = op.call.content_length;
		snprintf(info->etag, sizeof(info->etag), "%s", op.call.etag);
		snprintf(info->sha256_meta, sizeof(info->sha256_meta), "%s", op.call.sha256_meta);
		info->mtime = t > 0 ? t : 0;
	}
	s3_op_free(&op);
	return rc;
}

int
s3_get_small(struct s3_client *c, const struct objname *n, size_t max, struct buf *out,
    struct dk_err *e)
{
	struct s3_op op;
	int rc;

	s3_op_init(&op, "GET", n->bucket, n->key);
	/* One byte more than max: enough to know it is too large. */
	op.max_body = max + 1;
	rc = s3_run(c, &op, e);
	/* An object that says it is larger is the wrong object; a body
	 * that goes on past what it said is the service's failure. */
	if (rc != DK_OK && op.call.too_big && op.call.has_content_length &&
	    op.call.content_length > max)
		rc = dk_fail(e, DK_EDATA, "s3://%s/%s: larger than the %zu bytes expected",
		    n->bucket, n->key, max);
	if (rc == DK_OK && op.call.body_buf.len > max)
		rc = dk_fail(e, DK_EDATA, "s3://%s/%s: larger than the %zu bytes expected",
		    n->bucket, n->key, max);
	if (rc == DK_OK) {
		buf_free(out);
		*out = op.call.body_buf;
		memset(&op.call.body_buf, 0, sizeof(op.call.body_buf));
	}
	s3_op_free(&op);
	return rc;
}

int
s3_put_small(struct s3_client *c, const struct objname *n, const void *body, size_t len,
    const char *sha256_meta, struct dk_err *e)
{
	struct s3_op op;
	int rc;

	s3_op_init(&op, "PUT", n->bucket, n->key);
	op.body = body;
	op.body_len = len;
	op.send_body = 1;
	if (sha256_meta != NULL)
		s3_op_header(&op, "x-amz-meta-sha256", "%s", sha256_meta);
	rc = s3_run(c, &op, e);
	s3_op_free(&op);
	return rc;
}

/* The continuation tokens a listing has followed, as 64-bit hashes in an
 * open-addressed table: a service that hands out any earlier token again
 * would make the listing loop forever. (Two tokens with one hash are
 * taken for a repeat; at 2^-64 a pair, that is never.) */
struct token_seen {
	uint64_t *h;		/* 0: empty slot */
	size_t cap, n;
};

static uint64_t
token_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h != 0 ? h : 1;
}

static void
token_put(uint64_t *t, size_t cap, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (t[i] != 0 && t[i] != h)
		i = (i + 1) & (cap - 1);
	t[i] = h;
}

/* 1 when token was seen before, else records it; -1 on ENOMEM. */
static int
token_seen_add(struct token_seen *ts, const char *token)
{
	uint64_t h = token_hash(token);
	size_t i;

	if (ts->n * 2 >= ts->cap) {	/* keep the table at most half full */
		size_t ncap = ts->cap ? ts->cap * 2 : 64;
		uint64_t *nt = calloc(ncap, sizeof(*nt));
		if (nt == NULL)
			return -1;
		for (i = 0; i < ts->cap; i++)
			if (ts->h[i] != 0)
				token_put(nt, ncap, ts->h[i]);
		free(ts->h);
		ts->h = nt;
		ts->cap = ncap;
	}
	for (i = (size_t)h & (ts->cap - 1); ts->h[i] != 0; i = (i + 1) & (ts->cap - 1))
		if (ts->h[i] == h)
			return 1;
	ts->h[i] = h;
	ts->n++;
	return 0;
}

/* How many pages a listing may take: a million pages of 1000 keys is more
 * than any bucket drkit backs up holds, and a service that never stops
 * sending fresh tokens must not keep a cron job running for ever. */
static long
list_max_pages(void)
{
	const char *v = getenv("DRKIT_LIST_MAX_PAGES");
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return S3_LIST_MAX_PAGES;
	n = strtol(v, &end, 10);
	return (*end != '\0' || n < 1) ? S3_LIST_MAX_PAGES : n;
}

/* Checks the token of the page after npages pages; DK_ESERVICE for a
 * listing that would not end. */
static int
list_next_ok(struct token_seen *ts, const char *bucket, const char *token, long npages,
    struct dk_err *e)
{
	int seen;

	if (token == NULL)
		return dk_fail(e, DK_ESERVICE, "s3://%s: a truncated listing came "
		    "without a continuation token", bucket);
	if ((seen = token_seen_add(ts, token)) < 0)
		return dk_fail(e, DK_EIO, "out of memory");
	if (seen)
		return dk_fail(e, DK_ESERVICE, "s3://%s: the service sent a continuation "
		    "token it had sent before, after %ld pages: the listing would never "
		    "end", bucket, npages);
	if (npages >= list_max_pages())
		return dk_fail(e, DK_ESERVICE, "s3://%s: the listing did not end after %ld "
		    "pages (DRKIT_LIST_MAX_PAGES)", bucket, npages);
	return DK_OK;
}

int
s3_list(struct s3_client *c, const char *bucket, const char *prefix, const char *delimiter,
    int (*on_page)(void *arg, const struct s3xml_list_page *page), void *arg,
    struct dk_err *e)
{
	struct token_seen seen = { 0 };
	char *token = NULL;
	long npages = 0;
	int rc;

	do {
		struct s3_op op;
		struct s3xml_list_page page;

		/* Pages that come quickly are no wait: the signal is seen here. */
		if (interrupt_requested()) {
			rc = dk_fail(e, DK_ESERVICE, "interrupted");
			dk_err_reason(e, DK_R_INTERRUPTED);
			break;
		}
		s3_op_init(&op, "GET", bucket, NULL);
		s3_op_param(&op, "list-type", "2");
		/* Keys may hold bytes XML 1.0 cannot carry; url encoding keeps
		 * them intact where the service supports it. */
		s3_op_param(&op, "encoding-type", "url");
		if (prefix != NULL && *prefix != '\0')
			s3_op_param(&op, "prefix", prefix);
		if (delimiter != NULL)
			s3_op_param(&op, "delimiter", delimiter);
		if (token != NULL)
			s3_op_param(&op, "continuation-token", token);
		rc = s3_run(c, &op, e);
		if (rc == DK_OK)
			rc = s3xml_parse_list(op.call.body_buf.p, op.call.body_buf.len, &page, e);
		s3_op_free(&op);
		free(token);
		token = NULL;
		if (rc != DK_OK)
			break;
		npages++;
		rc = on_page(arg, &page);
		if (rc == DK_OK && page.truncated &&
		    (rc = list_next_ok(&seen, bucket, page.next_token, npages, e)) == DK_OK) {
			token = page.next_token;
			page.next_token = NULL;
		}
		s3xml_list_page_free(&page);
	} while (rc == DK_OK && token != NULL);
	free(token);
	free(seen.h);
	return rc;
}

/* Escapes text for an XML element. Tab and newline go as they are: XML
 * keeps them in element content, every parser reads them back (the AWS
 * CLI sends them so), while a character reference is left undecoded by
 * some S3-compatible services, which then delete another key. A carriage
 * return must be a reference (a raw one is read as a newline); the other
 * controls are no XML 1.0 at all and the service says so. */
static int
xml_escape_append(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		const char *r = NULL;
		char num[16];
		switch (*s) {
		case '&': r = "&amp;"; break;
		case '<': r = "&lt;"; break;
		case '>': r = "&gt;"; break;
		case '"': r = "&quot;"; break;
		case '\'': r = "&apos;"; break;
		case '\t': case '\n': break;
		default:
			if ((unsigned char)*s < 0x20) {
				snprintf(num, sizeof(num), "&#%d;", *s);
				r = num;
			}
		}
		if ((r != NULL ? buf_append(b, r, strlen(r)) : buf_append(b, s, 1)) != 0)
			return -1;
	}
	return 0;
}

static void
md5_base64(const void *data, size_t len, char out[32])
{
	unsigned char md[16];
	unsigned int n = 0;

	EVP_Digest(data, len, md, &n, EVP_md5(), NULL);
	EVP_EncodeBlock((unsigned char *)out, md, 16);
}

int
s3_delete_batch(struct s3_client *c, const char *bucket, char *const *keys, size_t n,
    void (*on_fail)(void *arg, const struct s3xml_delete_failure *f), void *arg,
    struct dk_err *e)
{
	struct buf body = { 0 };
	struct s3_op op;
	struct s3xml_delete_failure *failures;
	char md5[32];
	long nfail;
	int rc = DK_OK;

	buf_append(&body, "<Delete><Quiet>true</Quiet>", 27);
	for (size_t i = 0; i < n && rc == DK_OK; i++)
		if (buf_append(&body, "<Object><Key>", 13) != 0 ||
		    xml_escape_append(&body, keys[i]) != 0 ||
		    buf_append(&body, "</Key></Object>", 15) != 0)
			rc = dk_fail(e, DK_EIO, "out of memory");
	if (rc == DK_OK && buf_append(&body, "</Delete>", 9) != 0)
		rc = dk_fail(e, DK_EIO, "out of memory");
	if (rc != DK_OK) {
		buf_free(&body);
		return rc;
	}
	s3_op_init(&op, "POST", bucket, NULL);
	s3_op_param(&op, "delete", "");
	op.body = body.p;
	op.body_len = body.len;
	op.send_body = 1;
	op.sign_body = 1;
	/* S3 requires a checksum of the request for DeleteObjects. */
	md5_base64(body.p, body.len, md5);
	s3_op_header(&op, "content-md5", "%s", md5);
	rc = s3_run(c, &op, e);
	if (rc == DK_OK) {
		nfail = s3xml_parse_delete(op.call.body_buf.p, op.call.body_buf.len, &failures);
		if (nfail < 0)
			rc = dk_fail(e, DK_ESERVICE, "s3://%s: the service sent a delete result "
			    "that cannot be read", bucket);
		for (long i = 0; i < nfail; i++)
			on_fail(arg, &failures[i]);
		if (nfail > 0)
			s3xml_delete_failures_free(failures, nfail);
	}
	s3_op_free(&op);
	buf_free(&body);
	return rc;
}

int
s3_mpu_create(struct s3_client *c, const struct objname *n, char **upload_id,
    struct dk_err *e)
{
	struct s3_op op;
	int rc;

	s3_op_init(&op, "POST", n->bucket, n->key);
	s3_op_param(&op, "uploads", "");
	op.send_body = 1;
	op.sign_body = 1;
	rc = s3_run(c, &op, e);
	if (rc == DK_OK &&
	    (*upload_id = s3xml_parse_upload_id(op.call.body_buf.p, op.call.body_buf.len)) == NULL)
		rc = dk_fail(e, DK_ESERVICE, "s3://%s/%s: the service started a multipart "
		    "upload without an UploadId", n->bucket, n->key);
	s3_op_free(&op);
	return rc;
}

int
s3_mpu_complete(struct s3_client *c, const struct objname *n, const char *upload_id,
    char **etags, size_t nparts, int if_absent, struct dk_err *e)
{
	struct buf body = { 0 };
	struct s3_op op;
	struct s3xml_error xe;
	char line[256];
	int rc;

	buf_append(&body, "<CompleteMultipartUpload>", 25);
	for (size_t i = 0; i < nparts; i++) {
		snprintf(line, sizeof(line), "<Part><PartNumber>%zu</PartNumber><ETag>", i + 1);
		buf_append(&body, line, strlen(line));
		xml_escape_append(&body, etags[i]);
		buf_append(&body, "</ETag></Part>", 14);
	}
	if (buf_append(&body, "</CompleteMultipartUpload>", 26) != 0) {
		buf_free(&body);
		return dk_fail(e, DK_EIO, "out of memory");
	}
	s3_op_init(&op, "POST", n->bucket, n->key);
	s3_op_param(&op, "uploadId", upload_id);
	op.body = body.p;
	op.body_len = body.len;
	op.send_body = 1;
	op.sign_body = 1;
	if (if_absent)
		s3_op_header(&op, "if-none-match", "*");
	/* The service joins the parts before it answers, without a byte
	 * meanwhile, for as long as the object takes: a stall timeout there
	 * would send the request again while the first still runs. */
	op.stall_seconds = S3_COMPLETE_STALL;
	rc = s3_run(c, &op, e);
	/* S3 may answer 200 and still fail: the error is in the body. */
	if (rc == DK_OK && s3xml_parse_error(op.call.body_buf.p, op.call.body_buf.len, &xe) == 0)
		rc = s3_fail(c, e, n->bucket, n->key, 200, xe.code, xe.message);
	s3_op_free(&op);
	buf_free(&body);
	return rc;
}

int
s3_mpu_abort(struct s3_client *c, const struct objname *n, const char *upload_id,
    struct dk_err *e)
{
	struct s3_op op;
	int rc;

	s3_op_init(&op, "DELETE", n->bucket, n->key);
	s3_op_param(&op, "uploadId", upload_id);
	rc = s3_run(c, &op, e);
	s3_op_free(&op);
	return rc;
}
