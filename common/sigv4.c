/* AWS Signature Version 4 for S3. The steps follow AWS's description:
 * canonical request, string to sign, signing key, signature. Hashing and
 * HMAC are OpenSSL's. The signer stays ours rather than libcurl's
 * CURLOPT_AWS_SIGV4: Debian 12's libcurl (7.88) still has canonicalisation
 * bugs that were fixed only in later releases, and it cannot presign. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "hex.h"
#include "sigv4.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

/* A string under construction on common/buf; a failed allocation sticks,
 * so that a sequence of appends needs one check at the end. */
struct sbuf {
	struct buf b;
	int failed;
};

static void
sbuf_addn(struct sbuf *sb, const char *s, size_t n)
{
	if (!sb->failed && buf_append(&sb->b, s, n) != 0)
		sb->failed = 1;
}

static void
sbuf_add(struct sbuf *sb, const char *s)
{
	sbuf_addn(sb, s, strlen(s));
}

static const char *
sbuf_str(const struct sbuf *sb)
{
	return sb->b.p != NULL ? sb->b.p : "";
}

/* The string built, handed to the caller, or NULL (and nothing leaked)
 * when an append failed. */
static char *
sbuf_finish(struct sbuf *sb)
{
	if (sb->failed) {
		buf_free(&sb->b);
		return NULL;
	}
	return sb->b.p != NULL ? sb->b.p : strdup("");
}

static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
}

char *
sigv4_uri_encode(const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(s) * 3 + 1);
	char *o = out;

	if (out == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (is_unreserved(*p) || (keep_slash && *p == '/')) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

struct enc_param {
	char *name, *value;
};

static int
enc_param_cmp(const void *a, const void *b)
{
	const struct enc_param *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : strcmp(x->value, y->value);
}

char *
sigv4_canonical_query(const struct sigv4_param *params, size_t n)
{
	struct enc_param *enc = calloc(n ? n : 1, sizeof(*enc));
	struct sbuf b = {0};
	size_t i;
	int failed = enc == NULL;

	for (i = 0; !failed && i < n; i++) {
		enc[i].name = sigv4_uri_encode(params[i].name, 0);
		enc[i].value = sigv4_uri_encode(params[i].value, 0);
		failed = enc[i].name == NULL || enc[i].value == NULL;
	}
	if (!failed) {
		/* Sorted by encoded name, then value, as SigV4 wants. */
		qsort(enc, n, sizeof(*enc), enc_param_cmp);
		for (i = 0; i < n; i++) {
			if (i > 0)
				sbuf_add(&b, "&");
			sbuf_add(&b, enc[i].name);
			sbuf_add(&b, "=");
			sbuf_add(&b, enc[i].value);
		}
	}
	for (i = 0; enc != NULL && i < n; i++) {
		free(enc[i].name);
		free(enc[i].value);
	}
	free(enc);
	if (failed) {
		buf_free(&b.b);
		return NULL;
	}
	return sbuf_finish(&b);
}

void
sigv4_amz_date(time_t when, char out[17])
{
	struct tm tm;

	gmtime_r(&when, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* A header as it is signed: name lowercased, value trimmed with inner
 * runs of white space made one space. */
struct canon_header {
	char *name, *value;
	size_t order;		/* the caller's order, kept for repeated names */
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static char *
canon_header_name(const char *s)
{
	while (is_space(*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		n--;
	char *out = malloc(n + 1);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
	out[n] = '\0';
	return out;
}

static char *
canon_header_value(const char *s)
{
	char *out = malloc(strlen(s) + 1);
	char *o = out;

	if (out == NULL)
		return NULL;
	for (; *s != '\0'; s++) {
		if (!is_space(*s))
			*o++ = *s;
		else if (o > out && !is_space(s[1]) && s[1] != '\0')
			*o++ = ' ';
	}
	*o = '\0';
	return out;
}

static int
canon_header_cmp(const void *a, const void *b)
{
	const struct canon_header *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Appends the canonical headers ("name:value\n" each, repeated names
 * joined with ',') to canon and the signed header list to names. */
static int
add_canonical_headers(const struct sigv4_header *headers, size_t n,
    struct sbuf *canon, struct sbuf *names)
{
	struct canon_header *h = calloc(n ? n : 1, sizeof(*h));
	size_t i;
	int failed = h == NULL;

	for (i = 0; !failed && i < n; i++) {
		h[i].name = canon_header_name(headers[i].name);
		h[i].value = canon_header_value(headers[i].value);
		h[i].order = i;
		failed = h[i].name == NULL || h[i].value == NULL;
	}
	if (!failed) {
		qsort(h, n, sizeof(*h), canon_header_cmp);
		for (i = 0; i < n; i++) {
			int same = i > 0 && strcmp(h[i].name, h[i - 1].name) == 0;
			if (same) {
				sbuf_add(canon, ",");
			} else {
				if (i > 0) {
					sbuf_add(canon, "\n");
					sbuf_add(names, ";");
				}
				sbuf_add(canon, h[i].name);
				sbuf_add(canon, ":");
				sbuf_add(names, h[i].name);
			}
			sbuf_add(canon, h[i].value);
		}
		if (n > 0)
			sbuf_add(canon, "\n");
	}
	for (i = 0; h != NULL && i < n; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
	return failed ? -1 : 0;
}

/* The canonical request of req with params in place of req->params (a
 * presigned URL adds its own), and the signed header list in *names. */
static char *
canonical_request(const struct sigv4_request *req, const struct sigv4_param *params,
    size_t nparams, const char *payload, char **names)
{
	struct sbuf b = {0}, hdrs = {0}, hnames = {0};
	char *uri = sigv4_uri_encode(req->path, 1);
	char *query = sigv4_canonical_query(params, nparams);

	if (uri == NULL || query == NULL ||
	    add_canonical_headers(req->headers, req->nheaders, &hdrs, &hnames) != 0)
		b.failed = 1;
	const char *parts[] = { req->method, uri, query, sbuf_str(&hdrs),
	    sbuf_str(&hnames), payload };
	for (size_t i = 0; !b.failed && i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (i > 0)
			sbuf_add(&b, "\n");
		sbuf_add(&b, parts[i]);
	}
	if (hdrs.failed)
		b.failed = 1;
	free(uri);
	free(query);
	buf_free(&hdrs.b);
	char *out = sbuf_finish(&b);
	*names = sbuf_finish(&hnames);
	if (out == NULL || *names == NULL) {
		free(out);
		free(*names);
		*names = NULL;
		return NULL;
	}
	return out;
}

char *
sigv4_canonical_request(const struct sigv4_request *req)
{
	char *names = NULL;
	char *cr = canonical_request(req, req->params, req->nparams,
	    req->payload_sha256, &names);

	free(names);
	return cr;
}

static int
hmac_sha256(const void *key, size_t keylen, const char *msg, unsigned char out[32])
{
	unsigned int len = 0;

	return HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg,
	    strlen(msg), out, &len) != NULL && len == 32 ? 0 : -1;
}

static const char *
key_service(const struct sigv4_key *key)
{
	return key->service != NULL ? key->service : "s3";
}

/* "20130524/us-east-1/s3/aws4_request" */
static void
credential_scope(const struct sigv4_key *key, const char *amz_date, struct sbuf *b)
{
	sbuf_addn(b, amz_date, 8);
	sbuf_add(b, "/");
	sbuf_add(b, key->region);
	sbuf_add(b, "/");
	sbuf_add(b, key_service(key));
	sbuf_add(b, "/aws4_request");
}

/* The hex signature (64 digits) of canonical, made at amz_date. */
static int
sign_canonical(const struct sigv4_key *key, const char *amz_date,
    const char *canonical, char sig[65])
{
	unsigned char digest[32], k[32];
	char digest_hex[65];
	struct sbuf sts = {0}, secret = {0};
	unsigned int dlen = 0;
	char date8[9];
	int rc = -1;

	if (!EVP_Digest(canonical, strlen(canonical), digest, &dlen, EVP_sha256(), NULL))
		return -1;
	hex_encode(digest, 32, digest_hex);
	sbuf_add(&sts, SIGV4_ALGORITHM "\n");
	sbuf_add(&sts, amz_date);
	sbuf_add(&sts, "\n");
	credential_scope(key, amz_date, &sts);
	sbuf_add(&sts, "\n");
	sbuf_add(&sts, digest_hex);
	sbuf_add(&secret, "AWS4");
	sbuf_add(&secret, key->secret_key);
	memcpy(date8, amz_date, 8);
	date8[8] = '\0';
	if (!sts.failed && !secret.failed &&
	    hmac_sha256(secret.b.p, secret.b.len, date8, k) == 0 &&
	    hmac_sha256(k, 32, key->region, k) == 0 &&
	    hmac_sha256(k, 32, key_service(key), k) == 0 &&
	    hmac_sha256(k, 32, "aws4_request", k) == 0 &&
	    hmac_sha256(k, 32, sts.b.p, digest) == 0) {
		hex_encode(digest, 32, sig);
		rc = 0;
	}
	/* The secret and the keys derived from it do not outlive the call. */
	if (secret.b.p != NULL)
		OPENSSL_cleanse(secret.b.p, secret.b.len);
	OPENSSL_cleanse(k, sizeof(k));
	buf_free(&secret.b);
	buf_free(&sts.b);
	return rc;
}

char *
sigv4_authorization(const struct sigv4_key *key, const struct sigv4_request *req)
{
	char amz_date[17], sig[65];
	char *names = NULL;
	struct sbuf b = {0};

	sigv4_amz_date(req->when, amz_date);
	char *cr = canonical_request(req, req->params, req->nparams,
	    req->payload_sha256, &names);
	if (cr == NULL || sign_canonical(key, amz_date, cr, sig) != 0) {
		free(cr);
		free(names);
		return NULL;
	}
	sbuf_add(&b, SIGV4_ALGORITHM " Credential=");
	sbuf_add(&b, key->access_key);
	sbuf_add(&b, "/");
	credential_scope(key, amz_date, &b);
	sbuf_add(&b, ", SignedHeaders=");
	sbuf_add(&b, names);
	sbuf_add(&b, ", Signature=");
	sbuf_add(&b, sig);
	free(cr);
	free(names);
	return sbuf_finish(&b);
}

/* The value of req's Host header, NULL when it has none. */
static const char *
request_host(const struct sigv4_request *req)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, "host") == 0)
			return req->headers[i].value;
	return NULL;
}

char *
sigv4_presign(const struct sigv4_key *key, const struct sigv4_request *req,
    const char *scheme, long expires)
{
	const char *host = request_host(req);
	struct sbuf cred = {0}, hdrs = {0}, names = {0}, url = {0};
	char amz_date[17], expires_s[24], sig[65];
	struct sigv4_param *all = NULL;
	char *cr = NULL, *cr_names = NULL, *uri = NULL, *query = NULL;
	size_t n = req->nparams;

	if (host == NULL)
		return NULL;
	sigv4_amz_date(req->when, amz_date);
	snprintf(expires_s, sizeof(expires_s), "%ld", expires);
	sbuf_add(&cred, key->access_key);
	sbuf_add(&cred, "/");
	credential_scope(key, amz_date, &cred);
	all = calloc(n + 6, sizeof(*all));
	if (cred.failed || all == NULL ||
	    add_canonical_headers(req->headers, req->nheaders, &hdrs, &names) != 0 ||
	    hdrs.failed || names.failed)
		goto fail;
	if (n > 0)
		memcpy(all, req->params, n * sizeof(*all));
	all[n++] = (struct sigv4_param){ "X-Amz-Algorithm", SIGV4_ALGORITHM };
	all[n++] = (struct sigv4_param){ "X-Amz-Credential", cred.b.p };
	all[n++] = (struct sigv4_param){ "X-Amz-Date", amz_date };
	all[n++] = (struct sigv4_param){ "X-Amz-Expires", expires_s };
	all[n++] = (struct sigv4_param){ "X-Amz-SignedHeaders", sbuf_str(&names) };
	if (key->session_token != NULL)
		all[n++] = (struct sigv4_param){ "X-Amz-Security-Token", key->session_token };
	cr = canonical_request(req, all, n, SIGV4_UNSIGNED_PAYLOAD, &cr_names);
	uri = sigv4_uri_encode(req->path, 1);
	query = sigv4_canonical_query(all, n);
	if (cr == NULL || uri == NULL || query == NULL ||
	    sign_canonical(key, amz_date, cr, sig) != 0)
		goto fail;
	sbuf_add(&url, scheme);
	sbuf_add(&url, "://");
	sbuf_add(&url, host);
	sbuf_add(&url, uri);
	sbuf_add(&url, "?");
	sbuf_add(&url, query);
	sbuf_add(&url, "&X-Amz-Signature=");
	sbuf_add(&url, sig);
	goto done;
fail:
	url.failed = 1;
done:
	buf_free(&cred.b);
	buf_free(&hdrs.b);
	buf_free(&names.b);
	free(all);
	free(cr);
	free(cr_names);
	free(uri);
	free(query);
	return sbuf_finish(&url);
}
