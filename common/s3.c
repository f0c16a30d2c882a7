/* The S3 request engine: build, sign, send through the pool, retry,
 * map failures to exit statuses. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <openssl/evp.h>

#include "hex.h"
#include "interrupt.h"
#include "s3.h"
#include "s3err.h"

struct s3_client {
	const struct settings *set;
	const struct dk_log *log;
	struct http_pool *http;
	char *base;		/* "https://host[:port]" */
	char *host;		/* "host[:port]" */
	int virtual_host;	/* AWS: https://BUCKET.s3.REGION.amazonaws.com */
	int retries;
	unsigned short jitter[3];	/* erand48 state, seeded per client */
	struct s3_op *waiting;	/* ops sleeping until their retry time */
	struct s3_op *finished;	/* ops done, not yet handed out */
	int pending;
};

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
env_long(const char *name, long dflt, long min, long max)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return dflt;
	n = strtol(v, &end, 10);
	return (*end != '\0' || n < min || n > max) ? dflt : n;
}

/* A seed no other process shares: the kernel's randomness, or, should
 * that fail, the time and the process id. */
static void
jitter_seed(unsigned short x[3])
{
	struct timespec ts;

	if (getrandom(x, 3 * sizeof(x[0]), GRND_NONBLOCK) == (ssize_t)(3 * sizeof(x[0])))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	x[0] = (unsigned short)ts.tv_nsec;
	x[1] = (unsigned short)(ts.tv_nsec >> 16) ^ (unsigned short)getpid();
	x[2] = (unsigned short)ts.tv_sec;
}

/* The endpoint's "scheme://host[:port]" and "host[:port]", by libcurl's
 * URL parser; a path after the host is not part of either. */
static int
endpoint_split(const char *endpoint, char **base, char **host, struct dk_err *e)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *name = NULL, *port = NULL;
	int rc = DK_OK;

	if (u == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, endpoint, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &name, 0) != CURLUE_OK)
		rc = dk_fail(e, DK_ECONFIG, "endpoint %s: not a URL the client can read", endpoint);
	else if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;	/* none given: the scheme's own */
	if (rc == DK_OK && (asprintf(host, "%s%s%s", name, port ? ":" : "", port ? port : "") < 0 ||
	    asprintf(base, "%s://%s", scheme, *host) < 0))
		rc = dk_fail(e, DK_EIO, "out of memory");
	curl_free(scheme);
	curl_free(name);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

struct s3_client *
s3_client_new(const struct settings *set, const struct dk_log *log, struct dk_err *e)
{
	struct s3_client *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		dk_fail(e, DK_EIO, "out of memory");
		return NULL;
	}
	c->set = set;
	c->log = log;
	c->retries = (int)env_long("DRKIT_RETRIES", 5, 0, 100);
	jitter_seed(c->jitter);
	c->http = http_pool_new(set->ca_bundle, env_long("DRKIT_STALL_TIMEOUT", 30, 1, 3600), e);
	if (c->http == NULL) {
		free(c);
		return NULL;
	}
	if (set->endpoint != NULL) {
		if (endpoint_split(set->endpoint, &c->base, &c->host, e) != DK_OK) {
			s3_client_free(c);
			return NULL;
		}
	} else {
		c->virtual_host = 1;
		if (asprintf(&c->host, "s3.%s.amazonaws.com", set->region) < 0)
			c->host = NULL;
		if (asprintf(&c->base, "https://%s", c->host ? c->host : "") < 0)
			c->base = NULL;
	}
	if (c->host == NULL || c->base == NULL) {
		s3_client_free(c);
		dk_fail(e, DK_EIO, "out of memory");
		return NULL;
	}
	return c;
}

struct s3_client *
s3_connect(struct settings *set, const struct dk_log *log, struct dk_err *e)
{
	struct s3_client *c;

	if (settings_load(set, e) != DK_OK)
		return NULL;
	if ((c = s3_client_new(set, log, e)) == NULL)
		settings_free(set);
	return c;
}

const struct dk_log *
s3_client_log(const struct s3_client *c)
{
	return c->log;
}

void
s3_client_free(struct s3_client *c)
{
	if (c == NULL)
		return;
	s3_cancel_all(c);
	http_pool_free(c->http);
	free(c->base);
	free(c->host);
	free(c);
}

void
s3_op_init(struct s3_op *op, const char *method, const char *bucket, const char *key)
{
	memset(op, 0, sizeof(*op));
	op->method = method;
	op->bucket = bucket;
	op->key = key;
	op->head = strcmp(method, "HEAD") == 0;
}

void
s3_op_param(struct s3_op *op, const char *name, const char *value)
{
	if (op->nparams < S3_OP_MAXPARAMS)
		op->params[op->nparams++] = (struct sigv4_param){ name, value ? value : "" };
}

void
s3_op_header(struct s3_op *op, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *v;

	if (op->nheaders == S3_OP_MAXHEADERS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&v, fmt, ap) >= 0) {
		op->headers[op->nheaders].name = strdup(name);
		op->headers[op->nheaders++].value = v;
	}
	va_end(ap);
}

static void
op_release_request(struct s3_op *op)
{
	free(op->url);
	op->url = NULL;
	curl_slist_free_all(op->slist);
	op->slist = NULL;
}

void
s3_op_free(struct s3_op *op)
{
	op_release_request(op);
	for (size_t i = 0; i < op->nheaders; i++) {
		free(op->headers[i].name);
		free(op->headers[i].value);
	}
	op->nheaders = 0;
	buf_free(&op->call.body_buf);
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
op_path(struct s3_client *c, const struct s3_op *op)
{
	char *p = NULL;
	const char *key = op->key ? op->key : "";

	if (c->virtual_host)
		return asprintf(&p, "/%s", key) < 0 ? NULL : p;
	if (*key == '\0')
		return asprintf(&p, "/%s", op->bucket) < 0 ? NULL : p;
	return asprintf(&p, "/%s/%s", op->bucket, key) < 0 ? NULL : p;
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

/* Builds URL and signed headers for the next attempt: a resumed range or
 * a retry later than the first needs a new signature. */
static int
op_prepare(struct s3_client *c, struct s3_op *op, struct dk_err *e)
{
	struct sigv4_header sh[S3_OP_MAXHEADERS + 8];
	size_t nsh = 0;
	char host[300], amz_date[17], body_hash[65], range[80];
	char *path, *query, *epath, *auth;
	struct curl_slist *l = NULL;
	struct sigv4_request req;
	struct sigv4_key key = {
		c->set->access_key, c->set->secret_key, c->set->session_token,
		c->set->region, "s3"
	};
	time_t when = time(NULL);

	op_release_request(op);
	if (c->virtual_host)
		snprintf(host, sizeof(host), "%s.%s", op->bucket, c->host);
	else
		snprintf(host, sizeof(host), "%s", c->host);
	path = op_path(c, op);
	query = sigv4_canonical_query(op->params, op->nparams);
	epath = path ? sigv4_uri_encode(path, 1) : NULL;
	if (path == NULL || query == NULL || epath == NULL ||
	    asprintf(&op->url, "%s%s%s%s%s", c->virtual_host ? "https://" : c->base,
	    c->virtual_host ? host : "", epath, *query ? "?" : "", query) < 0) {
		free(path), free(query), free(epath);
		op->url = NULL;
		return dk_fail(e, DK_EIO, "out of memory");
	}
	free(epath);
	free(query);

	sigv4_amz_date(when, amz_date);
	if (op->sign_body)
		payload_sha256_hex(op->body ? op->body : "", op->body_len, body_hash);
	else if (!op->send_body)
		snprintf(body_hash, sizeof(body_hash), "%s", SIGV4_EMPTY_SHA256);
	else
		snprintf(body_hash, sizeof(body_hash), "%s", SIGV4_UNSIGNED_PAYLOAD);

	l = add_header(l, sh, &nsh, "host", host);
	l = add_header(l, sh, &nsh, "x-amz-date", amz_date);
	l = add_header(l, sh, &nsh, "x-amz-content-sha256", body_hash);
	if (c->set->session_token != NULL)
		l = add_header(l, sh, &nsh, "x-amz-security-token", c->set->session_token);
	if (op->ranged) {
		uint64_t from = op->range_start + op->call.body_buf.len;
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
	auth = sigv4_authorization(&key, &req);
	free(path);
	if (auth == NULL) {
		curl_slist_free_all(l);
		return dk_fail(e, DK_EIO, "out of memory");
	}
	l = add_header(l, sh, &nsh, "Authorization", auth);
	free(auth);
	/* libcurl would add these on its own; S3 wants neither. */
	l = curl_slist_append(l, "Expect:");
	if (op->send_body)
		l = curl_slist_append(l, "Content-Type: application/octet-stream");
	op->slist = l;

	op->call.method = op->method;
	op->call.url = op->url;
	op->call.headers = l;
	op->call.body = op->body;
	op->call.body_len = op->body_len;
	op->call.send_body = op->send_body;
	op->call.head = op->head;
	return DK_OK;
}

static const char *
secret_hint(const struct s3_client *c)
{
	return c->set->secret_from ? c->set->secret_from : "the secret key";
}

int
s3_fail(struct s3_client *c, struct dk_err *e, const char *bucket, const char *key,
    long http_status, const char *code, const char *message)
{
	char what[1200];
	int has_code = code != NULL && *code != '\0';
	struct s3err_meaning m = s3err_classify(http_status, code);

	if (e->status != DK_OK)
		return e->status;
	if (key != NULL && *key != '\0')
		snprintf(what, sizeof(what), "s3://%s/%s", bucket, key);
	else
		snprintf(what, sizeof(what), "s3://%s", bucket);
	switch (m.kind) {
	case S3ERR_SECRET:
		dk_fail(e, m.status, "%s: credentials refused by %s (%s): check %s",
		    what, c->base, code, secret_hint(c));
		break;
	case S3ERR_KEY_ID:
		dk_fail(e, m.status, "%s: credentials refused by %s (%s): check the "
		    "access key id (R2_ACCESS_KEY_ID or AWS_ACCESS_KEY_ID) and session token",
		    what, c->base, code);
		break;
	case S3ERR_DENIED:
		dk_fail(e, m.status, "%s: access denied (HTTP %ld%s%s): the credentials "
		    "lack permission, or the secret is wrong (check %s)", what, http_status,
		    has_code ? " " : "", has_code ? code : "", secret_hint(c));
		break;
	case S3ERR_NO_BUCKET:
		dk_fail(e, m.status, "s3://%s: no such bucket (NoSuchBucket)", bucket);
		break;
	case S3ERR_NO_KEY:
		dk_fail(e, m.status, "%s: not found (HTTP %ld%s%s)", what, http_status,
		    has_code ? " " : "", has_code ? code : "");
		break;
	case S3ERR_BAD_NAME:
		dk_fail(e, m.status, "%s: invalid bucket name (InvalidBucketName)", what);
		break;
	case S3ERR_PRECONDITION:
		dk_fail(e, m.status, "%s: the service refused the condition (HTTP %ld%s%s)",
		    what, http_status, has_code ? " " : "", has_code ? code : "");
		break;
	default:
		dk_fail(e, DK_ESERVICE, "%s: HTTP %ld%s%s from %s%s%s", what, http_status,
		    has_code ? " " : "", has_code ? code : "", c->base,
		    message != NULL && *message ? ": " : "", message ? message : "");
		break;
	}
	dk_err_reason(e, m.reason);
	dk_err_object(e, "%s", what);
	return dk_err_http(e, http_status, code);
}

/* Exponential backoff with equal jitter: a cap of 0.25 s doubling to 20 s,
 * and a wait between half the cap and the cap. Equal, not full, jitter on
 * purpose: the fixed half gives a service that said SlowDown or 503 a real
 * pause on every try, and the random half, drawn from this client's own
 * seed, keeps processes that failed together from retrying together. */
double
s3_backoff(struct s3_client *c, int tries)
{
	double cap = fmin(20.0, 0.25 * pow(2.0, tries - 1));

	return cap * (0.5 + 0.5 * erand48(c->jitter));
}

/* One line per attempt for -v; the URL carries no secret (credentials
 * travel in headers, which are never printed). */
static void
op_trace(struct s3_client *c, struct s3_op *op, const char *outcome)
{
	const char *q = op->url != NULL ? strchr(op->url, '?') : NULL;

	log_trace(c->log, "%s s3://%s/%s%s -> %s in %.3fs (try %d)", op->method, op->bucket,
	    op->key ? op->key : "", q ? q : "", outcome, op->call.seconds, op->tries);
}

static int
op_start(struct s3_client *c, struct s3_op *op, struct dk_err *e)
{
	int rc;

	op->tries++;
	if ((rc = op_prepare(c, op, e)) != DK_OK)
		return rc;
	return http_start(c->http, &op->call, e);
}

int
s3_submit(struct s3_client *c, struct s3_op *op, struct dk_err *e)
{
	int rc;

	op->status = DK_OK;
	dk_err_clear(&op->err);
	op->tries = 0;
	/* The kept body is where a resumed range continues from. */
	buf_reset(&op->call.body_buf);
	op->call.keep_body = op->ranged;
	if ((rc = op_start(c, op, e)) != DK_OK)
		return rc;
	c->pending++;
	return DK_OK;
}

static void
op_finish(struct s3_client *c, struct s3_op *op)
{
	op->next = c->finished;
	c->finished = op;
}

static void
op_retry_later(struct s3_client *c, struct s3_op *op)
{
	op->retry_at = now_seconds() + s3_backoff(c, op->tries);
	op->next = c->waiting;
	c->waiting = op;
}

/* A ranged GET answered 2xx: is it the object we pinned, at the offset we
 * asked for? */
static int
op_check_range(struct s3_op *op, size_t kept)
{
	struct http_call *h = &op->call;
	unsigned long long from, to, total;
	uint64_t want_from = op->range_start + kept;

	if (op->pin_etag[0] != '\0' && h->etag[0] != '\0' && strcmp(h->etag, op->pin_etag) != 0)
		return dk_fail(&op->err, DK_EDATA, "s3://%s/%s changed while it was read "
		    "(ETag %s, was %s): start again", op->bucket, op->key, h->etag, op->pin_etag);
	if (h->status == 206) {
		if (sscanf(h->content_range, "bytes %llu-%llu/%llu", &from, &to, &total) != 3 ||
		    from != want_from)
			return dk_fail(&op->err, DK_ESERVICE, "s3://%s/%s: the service answered "
			    "range %s to a request for bytes from %llu", op->bucket, op->key,
			    h->content_range, (unsigned long long)want_from);
	} else if (want_from != 0) {
		return dk_fail(&op->err, DK_ESERVICE, "s3://%s/%s: the service ignored the "
		    "range request", op->bucket, op->key);
	}
	return DK_OK;
}

/* Decides what a finished attempt means: done, retry, or failure. */
static void
op_settle(struct s3_client *c, struct s3_op *op, size_t kept)
{
	struct http_call *h = &op->call;
	struct s3xml_error xe;
	char outcome[CURL_ERROR_SIZE + 16];

	if (h->result != CURLE_OK) {
		snprintf(outcome, sizeof(outcome), "failed: %s",
		    h->errbuf[0] ? h->errbuf : curl_easy_strerror(h->result));
		op_trace(c, op, outcome);
		if (http_result_transient(h->result) && op->tries <= c->retries &&
		    !interrupt_requested()) {
			op_retry_later(c, op);
			return;
		}
		dk_fail(&op->err, DK_ESERVICE, "cannot reach %s%s: %s", c->base,
		    op->tries > 1 ? " after all retries" : "",
		    h->errbuf[0] ? h->errbuf : curl_easy_strerror(h->result));
		op->status = op->err.status;
		op_finish(c, op);
		return;
	}
	snprintf(outcome, sizeof(outcome), "%ld", h->status);
	op_trace(c, op, outcome);
	if (h->status >= 200 && h->status < 300) {
		if (op->ranged)
			op->status = op_check_range(op, kept);
		op_finish(c, op);
		return;
	}
	/* The error document follows what an earlier attempt kept; a HEAD
	 * answer has none at all. */
	if (h->body_buf.p == NULL ||
	    s3xml_parse_error(h->body_buf.p + kept, h->body_buf.len - kept, &xe) != 0)
		memset(&xe, 0, sizeof(xe));
	h->body_buf.len = kept;
	if (s3err_transient(h->status, xe.code) && op->tries <= c->retries && !interrupt_requested()) {
		op_retry_later(c, op);
		return;
	}
	if (h->status == 412 && op->ranged)
		dk_fail(&op->err, DK_EDATA, "s3://%s/%s changed while it was read: start again",
		    op->bucket, op->key);
	else
		s3_fail(c, &op->err, op->bucket, op->key, h->status, xe.code, xe.message);
	op->status = op->err.status;
	op_finish(c, op);
}

/* Restarts the ops whose backoff has passed. */
static void
wake_waiting(struct s3_client *c)
{
	struct s3_op **pp = &c->waiting, *op;
	double t = now_seconds();

	while ((op = *pp) != NULL) {
		if (op->retry_at > t && !interrupt_requested()) {
			pp = &op->next;
			continue;
		}
		*pp = op->next;
		if (interrupt_requested()) {
			dk_fail(&op->err, DK_ESERVICE, "interrupted");
			op->status = op->err.status;
			op_finish(c, op);
		} else if (op_start(c, op, &op->err) != DK_OK) {
			op->status = op->err.status;
			op_finish(c, op);
		}
	}
}

/* Takes want (any op when want is NULL) off the finished list. */
static struct s3_op *
finished_take(struct s3_client *c, const struct s3_op *want)
{
	struct s3_op **pp = &c->finished, *op;

	for (; (op = *pp) != NULL; pp = &op->next) {
		if (want != NULL && op != want)
			continue;
		*pp = op->next;
		op->next = NULL;
		c->pending--;
		return op;
	}
	return NULL;
}

/* Moves the transfers along for at most the time left before deadline:
 * restarts ops whose backoff has passed and settles one that finished. */
static void
client_poll(struct s3_client *c, double deadline)
{
	struct http_call *h;
	int slice = c->waiting != NULL ? 50 : 200;
	int left;

	wake_waiting(c);
	left = (int)((deadline - now_seconds()) * 1000.0);
	if (slice > left)	/* the caller has other work waiting */
		slice = left > 1 ? left : 1;
	if ((h = http_wait(c->http, slice)) != NULL) {
		struct s3_op *op = (struct s3_op *)((char *)h - offsetof(struct s3_op, call));
		op_settle(c, op, h->kept_before);
		return;
	}
	if (http_running(c->http) == 0 && c->waiting != NULL) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* Waits up to timeout_ms for want (any op when NULL) to finish. Other ops
 * that finish meanwhile stay on the finished list for a later s3_next. */
static struct s3_op *
client_wait(struct s3_client *c, const struct s3_op *want, int timeout_ms)
{
	double deadline = now_seconds() + timeout_ms / 1000.0;
	struct s3_op *op;

	for (;;) {
		if ((op = finished_take(c, want)) != NULL)
			return op;
		if (c->pending == 0)
			return NULL;
		client_poll(c, deadline);
		if (now_seconds() >= deadline)
			return finished_take(c, want);
	}
}

struct s3_op *
s3_next(struct s3_client *c, int timeout_ms)
{
	return client_wait(c, NULL, timeout_ms);
}

int
s3_pending(struct s3_client *c)
{
	return c->pending;
}

void
s3_cancel_all(struct s3_client *c)
{
	http_cancel_all(c->http);
	c->waiting = NULL;
	c->finished = NULL;
	c->pending = 0;
}

int
s3_run(struct s3_client *c, struct s3_op *op, struct dk_err *e)
{
	struct s3_op *done;
	int rc;

	if ((rc = s3_submit(c, op, e)) != DK_OK)
		return rc;
	do {
		done = client_wait(c, op, 1000);
	} while (done == NULL && c->pending > 0);
	if (op->status != DK_OK)
		*e = op->err;
	return op->status;
}
