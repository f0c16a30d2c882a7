/* One attempt of an S3 request: URL, headers, SigV4 signature. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include "curlload.h"
#include "hex.h"
#include "s3.h"
#include "s3req.h"
#include "sigv4.h"

/* The endpoint's "scheme://host[:port]" and "host[:port]", by libcurl's
 * URL parser; a path after the host is not part of either. */
static int
endpoint_split(const char *endpoint, char **base, char **host, struct dk_err *e)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *name = NULL, *port = NULL;
	int rc = DK_OK;

	if (u == NULL)
		return dk_fail(e, DK_EIO, "%s", curlload_error() ? curlload_error() : "out of memory");
	if (curl_url_set(u, CURLUPART_URL, endpoint, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &name, 0) != CURLUE_OK)
		rc = dk_fail(e, DK_ECONFIG, "endpoint %s: not a URL the client can read", endpoint);
	else if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;	/* none given: the scheme's own */
	if (rc == DK_OK && asprintf(host, "%s%s%s", name, port ? ":" : "", port ? port : "") < 0) {
		*host = NULL;
		rc = dk_fail(e, DK_EIO, "out of memory");
	}
	if (rc == DK_OK && asprintf(base, "%s://%s", scheme, *host) < 0) {
		*base = NULL;
		rc = dk_fail(e, DK_EIO, "out of memory");
	}
	curl_free(scheme);
	curl_free(name);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

int
s3req_target_init(struct s3req_target *t, const struct settings *set, struct dk_err *e)
{
	memset(t, 0, sizeof(*t));
	t->set = set;
	if (set->endpoint != NULL)
		return endpoint_split(set->endpoint, &t->base, &t->host, e);
	t->virtual_host = 1;
	if (asprintf(&t->host, "s3.%s.amazonaws.com", set->region) < 0) {
		t->host = NULL;
		return dk_fail(e, DK_EIO, "out of memory");
	}
	if (asprintf(&t->base, "https://%s", t->host) < 0) {
		t->base = NULL;
		return dk_fail(e, DK_EIO, "out of memory");
	}
	return DK_OK;
}

int
s3req_host_loopback(const char *hostport)
{
	char name[256];
	struct in_addr a4;
	size_t n;

	if (hostport[0] == '[') {	/* "[v6]:port" */
		n = strcspn(hostport + 1, "]");
		snprintf(name, sizeof(name), "%.*s", (int)n, hostport + 1);
		return strcmp(name, "::1") == 0 || strcasecmp(name, "0:0:0:0:0:0:0:1") == 0;
	}
	n = strcspn(hostport, ":");
	snprintf(name, sizeof(name), "%.*s", (int)n, hostport);
	if (strcasecmp(name, "localhost") == 0 || strcasecmp(name, "localhost.") == 0)
		return 1;
	return inet_pton(AF_INET, name, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

void
s3req_target_free(struct s3req_target *t)
{
	free(t->base);
	free(t->host);
	t->base = t->host = NULL;
}

void
s3req_release(struct s3_op *op)
{
	free(op->url);
	op->url = NULL;
	curl_slist_free_all(op->slist);
	op->slist = NULL;
}

static void
payload_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	hex_encode(md, sizeof(md), out);
}

/* The path as signed and sent: "/BUCKET/KEY" path-style, "/KEY" when the
 * bucket is in the host name. */
static char *
op_path(const struct s3req_target *c, const char *bucket, const char *key)
{
	char *p = NULL;

	if (key == NULL)
		key = "";
	if (c->virtual_host)
		return asprintf(&p, "/%s", key) < 0 ? NULL : p;
	if (*key == '\0')
		return asprintf(&p, "/%s", bucket) < 0 ? NULL : p;
	return asprintf(&p, "/%s/%s", bucket, key) < 0 ? NULL : p;
}

static struct curl_slist *
add_header(struct curl_slist *l, struct sigv4_header *sh, size_t *nsh, const char *name,
    const char *value)
{
	char line[1024];

	snprintf(line, sizeof(line), "%s: %s", name, value);
	sh[(*nsh)++] = (struct sigv4_header){ name, value };
	return curl_slist_append(l, line);
}

/* The Host header of a request to bucket: the bucket is in it on AWS. */
static void
target_host(const struct s3req_target *c, const char *bucket, char *host, size_t len)
{
	if (c->virtual_host)
		snprintf(host, len, "%s.%s", bucket, c->host);
	else
		snprintf(host, len, "%s", c->host);
}

static struct sigv4_key
target_key(const struct s3req_target *c)
{
	return (struct sigv4_key){ c->set->access_key, c->set->secret_key,
	    c->set->session_token, c->set->region, "s3" };
}

/* op->url: the endpoint (or the bucket's host on AWS), the encoded path,
 * the canonical query. */
static int
req_url(const struct s3req_target *c, struct s3_op *op, const char *host, const char *path)
{
	char *query = sigv4_canonical_query(op->params, op->nparams);
	char *epath = sigv4_uri_encode(path, 1);
	int rc = -1;

	if (query != NULL && epath != NULL &&
	    asprintf(&op->url, "%s%s%s%s%s", c->virtual_host ? "https://" : c->base,
	    c->virtual_host ? host : "", epath, *query ? "?" : "", query) >= 0)
		rc = 0;
	else
		op->url = NULL;
	free(query);
	free(epath);
	return rc;
}

/* What x-amz-content-sha256 says: the body's hash when it is signed, the
 * empty string's without a body, else UNSIGNED-PAYLOAD (TLS guards it). */
static void
req_payload_hash(const struct s3_op *op, char out[65])
{
	if (op->sign_body)
		payload_sha256_hex(op->body ? op->body : "", op->body_len, out);
	else
		snprintf(out, 65, "%s", op->send_body ? SIGV4_UNSIGNED_PAYLOAD : SIGV4_EMPTY_SHA256);
}

/* The request's headers, every one signed, and the Authorization that
 * signs them; NULL on ENOMEM. */
static struct curl_slist *
req_headers(const struct s3req_target *c, const struct s3_op *op, const char *host,
    const char *path, time_t when)
{
	struct sigv4_header sh[S3_OP_MAXHEADERS + 8];
	struct sigv4_key key = target_key(c);
	struct sigv4_request req;
	struct curl_slist *l = NULL;
	char amz_date[17], body_hash[65], range[80];
	size_t nsh = 0;
	char *auth;

	sigv4_amz_date(when, amz_date);
	req_payload_hash(op, body_hash);
	l = add_header(l, sh, &nsh, "host", host);
	l = add_header(l, sh, &nsh, "x-amz-date", amz_date);
	l = add_header(l, sh, &nsh, "x-amz-content-sha256", body_hash);
	if (c->set->session_token != NULL)
		l = add_header(l, sh, &nsh, "x-amz-security-token", c->set->session_token);
	if (op->ranged) {
		/* A resumed range starts where the kept body ends. */
		uint64_t from = op->range_start +
		    (op->deliver != NULL ? op->delivered : op->call.body_buf.len);
		snprintf(range, sizeof(range), "bytes=%llu-%llu", (unsigned long long)from,
		    (unsigned long long)(op->range_start + op->range_len - 1));
		l = add_header(l, sh, &nsh, "range", range);
		if (op->pin_etag[0] != '\0')
			l = add_header(l, sh, &nsh, "if-match", op->pin_etag);
	}
	for (size_t i = 0; i < op->nheaders; i++)
		l = add_header(l, sh, &nsh, op->headers[i].name, op->headers[i].value);
	req = (struct sigv4_request){ op->method, path, op->params, op->nparams, sh, nsh,
	    body_hash, when };
	if ((auth = sigv4_authorization(&key, &req)) == NULL) {
		curl_slist_free_all(l);
		return NULL;
	}
	l = add_header(l, sh, &nsh, "Authorization", auth);
	free(auth);
	/* libcurl would add these on its own; S3 wants neither. */
	l = curl_slist_append(l, "Expect:");
	if (op->send_body)
		l = curl_slist_append(l, "Content-Type: application/octet-stream");
	return l;
}

int
s3req_prepare(const struct s3req_target *c, struct s3_op *op, struct dk_err *e)
{
	char host[300];
	char *path;

	s3req_release(op);
	target_host(c, op->bucket, host, sizeof(host));
	if ((path = op_path(c, op->bucket, op->key)) == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	if (req_url(c, op, host, path) == 0)
		op->slist = req_headers(c, op, host, path, time(NULL));
	free(path);
	if (op->url == NULL || op->slist == NULL) {
		s3req_release(op);
		return dk_fail(e, DK_EIO, "out of memory");
	}
	op->call.method = op->method;
	op->call.url = op->url;
	op->call.headers = op->slist;
	op->call.body = op->body;
	op->call.body_len = op->body_len;
	op->call.send_body = op->send_body;
	op->call.head = op->head;
	op->call.stall_seconds = op->stall_seconds;
	op->call.max_body = op->max_body != 0 ? op->max_body :
	    op->ranged ? (size_t)op->range_len : S3_ANSWER_MAX;
	return DK_OK;
}

char *
s3req_presign_get(const struct s3req_target *c, const char *bucket, const char *key,
    time_t when, long expires)
{
	struct sigv4_key sk = target_key(c);
	char host[300], scheme[16];
	struct sigv4_header h;
	struct sigv4_request req;
	char *path = op_path(c, bucket, key), *url;

	if (path == NULL)
		return NULL;
	target_host(c, bucket, host, sizeof(host));
	/* base is "scheme://host": the presigned URL keeps the endpoint's scheme. */
	snprintf(scheme, sizeof(scheme), "%.*s", (int)strcspn(c->base, ":"), c->base);
	h = (struct sigv4_header){ "host", host };
	req = (struct sigv4_request){ .method = "GET", .path = path, .headers = &h,
	    .nheaders = 1, .when = when };
	url = sigv4_presign(&sk, &req, scheme, expires);
	free(path);
	return url;
}
