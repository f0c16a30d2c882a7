/* The S3 client loop: ops go out through the pool (built and signed by
 * s3req.c), come back, are retried with backoff when the failure is
 * transient, and settle with the status s3err.c gives their answer. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include "clock.h"
#include "interrupt.h"
#include "s3.h"
#include "s3err.h"
#include "s3req.h"

struct s3_client {
	const struct settings *set;
	const struct dk_log *log;
	struct http_pool *http;
	struct s3req_target t;	/* where requests go and how they are signed */
	int retries;
	unsigned short jitter[3];	/* erand48 state, seeded per client */
	struct s3_op *waiting;	/* ops sleeping until their retry time */
	struct s3_op *finished;	/* ops done, not yet handed out */
	int pending;
	int woken;		/* s3_wake: the wait returns early */
};

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
	if (s3req_target_init(&c->t, set, e) != DK_OK) {
		s3_client_free(c);
		return NULL;
	}
	if (!c->t.virtual_host && strncmp(c->t.base, "http://", 7) == 0 &&
	    !s3req_host_loopback(c->t.host))
		log_note(log, "endpoint %s is plain http: request signatures%s travel "
		    "in clear; use https://", c->t.base,
		    set->session_token != NULL ? " and the session token" : "");
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

struct s3_client *
s3_lazy_client(struct s3_lazy *l, struct dk_err *e)
{
	if (l->c == NULL && settings_check_endpoint(l->set, e) == DK_OK)
		l->c = s3_client_new(l->set, l->log, e);
	return l->c;
}

void
s3_client_free(struct s3_client *c)
{
	if (c == NULL)
		return;
	s3_cancel_all(c);
	http_pool_free(c->http);
	s3req_target_free(&c->t);
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

void
s3_op_free(struct s3_op *op)
{
	s3req_release(op);
	for (size_t i = 0; i < op->nheaders; i++) {
		free(op->headers[i].name);
		free(op->headers[i].value);
	}
	op->nheaders = 0;
	buf_free(&op->call.body_buf);
}

int
s3_fail(struct s3_client *c, struct dk_err *e, const char *bucket, const char *key,
    long http_status, const char *code, const char *message)
{
	struct s3err_where w = { c->t.base, c->set->secret_from, bucket, key };

	return s3err_fail(e, &w, http_status, code, message);
}

int
s3_presign_get(struct s3_client *c, const struct objname *n, long expires, char **url,
    struct dk_err *e)
{
	if (expires < 1 || expires > S3_PRESIGN_MAX)
		return dk_fail(e, DK_EUSAGE, "a presigned URL lasts 1 second to 7 days, "
		    "not %ld seconds", expires);
	if ((*url = s3req_presign_get(&c->t, n->bucket, n->key, time(NULL), expires)) == NULL)
		return dk_fail(e, DK_EIO, "out of memory");
	return DK_OK;
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

static struct s3_op *
op_of(struct http_call *h)
{
	return (struct s3_op *)((char *)h - offsetof(struct s3_op, call));
}

static int op_check_range(struct s3_op *op, uint64_t kept);

/* A streamed op's answer, before its body: its range and pin checked,
 * then shown to the caller. Non-zero stops the transfer. */
static int
op_answer(struct http_call *h)
{
	struct s3_op *op = op_of(h);
	int rc;

	if (h->status < 200 || h->status >= 300)
		return 0;	/* an error document: kept, settled as always */
	if (op->ranged && op_check_range(op, op->delivered) != DK_OK)
		return -1;
	if (op->on_answer == NULL || (rc = op->on_answer(op)) == DK_OK)
		return 0;
	op->enough = rc == S3_ANSWER_ENOUGH;
	return -1;
}

/* A streamed op's body, piece by piece, capped at what the range holds. */
static int
op_data(struct http_call *h, const char *p, size_t n)
{
	struct s3_op *op = op_of(h);

	if (op->ranged && op->delivered + n > op->range_len) {
		h->max_body = (size_t)op->range_len;
		h->too_big = 1;
		return -1;
	}
	if (op->deliver(op, p, n) != DK_OK)
		return -1;
	op->delivered += n;
	return 0;
}

static int
op_start(struct s3_client *c, struct s3_op *op, struct dk_err *e)
{
	int rc;

	op->tries++;
	if ((rc = s3req_prepare(&c->t, op, e)) != DK_OK)
		return rc;
	if (op->deliver != NULL) {
		op->call.on_answer = op_answer;
		op->call.on_data = op_data;
	}
	return http_start(c->http, &op->call, e);
}

int
s3_submit(struct s3_client *c, struct s3_op *op, struct dk_err *e)
{
	int rc;

	op->status = DK_OK;
	dk_err_clear(&op->err);
	op->tries = 0;
	op->delivered = 0;
	op->enough = 0;
	op->cleanup = interrupt_requested();
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
	op->retry_at = clock_now() + s3_backoff(c, op->tries);
	op->next = c->waiting;
	c->waiting = op;
}

/* A ranged GET answered 2xx: is it the object we pinned, at the offset we
 * asked for? */
static int
op_check_range(struct s3_op *op, uint64_t kept)
{
	struct http_call *h = &op->call;
	uint64_t from, to, total;
	uint64_t want_from = op->range_start + kept;

	if (op->pin_etag[0] != '\0' && h->etag[0] != '\0' && strcmp(h->etag, op->pin_etag) != 0) {
		dk_fail(&op->err, DK_EDATA, "s3://%s/%s changed while it was read "
		    "(ETag %s, was %s): start again", op->bucket, op->key, h->etag, op->pin_etag);
		dk_err_object(&op->err, "s3://%s/%s", op->bucket, op->key);
		return dk_err_reason(&op->err, DK_R_CHANGED);
	}
	if (h->status == 206 && h->content_range[0] == '\0') {
		return dk_fail(&op->err, DK_ESERVICE, "s3://%s/%s: the service answered a "
		    "range without its Content-Range: the object's size is unknown", op->bucket,
		    op->key);
	} else if (h->status == 206) {
		if (!http_content_range(h, &from, &to, &total) || from != want_from)
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

	if (h->result != CURLE_OK && h->too_big) {
		snprintf(outcome, sizeof(outcome), "%ld, answer cut off", h->status);
		op_trace(c, op, outcome);
		dk_fail(&op->err, DK_ESERVICE, "s3://%s/%s: the service's answer (HTTP %ld) went "
		    "on past %zu bytes, more than such an answer ever holds: refused",
		    op->bucket, op->key ? op->key : "", h->status, h->status >= 300 ?
		    (size_t)HTTP_ERROR_BODY_MAX : h->max_body);
		dk_err_object(&op->err, "s3://%s/%s", op->bucket, op->key ? op->key : "");
		dk_err_http(&op->err, h->status, NULL);
		op->status = op->err.status;
		op_finish(c, op);
		return;
	}
	if (h->result != CURLE_OK && h->stopped) {
		/* The caller's hooks ended it: all was said, or they failed. */
		snprintf(outcome, sizeof(outcome), "%ld, %s", h->status,
		    op->enough ? "headers enough" : "stopped");
		op_trace(c, op, outcome);
		if (!op->enough && op->err.status == DK_OK)
			dk_fail(&op->err, DK_ESERVICE, "s3://%s/%s: stopped", op->bucket, op->key);
		op->status = op->enough ? DK_OK : op->err.status;
		op_finish(c, op);
		return;
	}
	if (h->result != CURLE_OK) {
		snprintf(outcome, sizeof(outcome), "failed: %s",
		    h->errbuf[0] ? h->errbuf : curl_easy_strerror(h->result));
		op_trace(c, op, outcome);
		/* A streamed whole body cannot resume where it broke. */
		if (http_result_transient(h->result) && op->tries <= c->retries &&
		    !interrupt_requested() && (op->ranged || op->delivered == 0)) {
			op_retry_later(c, op);
			return;
		}
		if (h->result == CURLE_PEER_FAILED_VERIFICATION ||
		    h->result == CURLE_SSL_CACERT_BADFILE) {
			/* Not the network: a trust to configure, or a peer not to
			 * trust. */
			dk_fail(&op->err, DK_ECONFIG, "%s: the TLS certificate is not trusted "
			    "(%s): if the service uses a private CA, set AWS_CA_BUNDLE to a "
			    "file of its PEM certificates", c->t.base,
			    h->errbuf[0] ? h->errbuf : curl_easy_strerror(h->result));
			op->status = op->err.status;
			op_finish(c, op);
			return;
		}
		dk_fail(&op->err, DK_ESERVICE, "cannot reach %s%s: %s", c->t.base,
		    op->tries > 1 ? " after all retries" : "",
		    h->errbuf[0] ? h->errbuf : curl_easy_strerror(h->result));
		op->status = op->err.status;
		op_finish(c, op);
		return;
	}
	snprintf(outcome, sizeof(outcome), "%ld", h->status);
	op_trace(c, op, outcome);
	if (h->status >= 200 && h->status < 300) {
		if (op->ranged && op->deliver == NULL)	/* else checked before */
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
	if (h->status == 412 && op->ranged) {
		/* If-Match on the pinned ETag failed: not a refused write. */
		dk_fail(&op->err, DK_EDATA, "s3://%s/%s changed while it was read: start again",
		    op->bucket, op->key);
		dk_err_object(&op->err, "s3://%s/%s", op->bucket, op->key);
		dk_err_reason(&op->err, DK_R_CHANGED);
		dk_err_http(&op->err, h->status, xe.code);
	} else
		s3_fail(c, &op->err, op->bucket, op->key, h->status, xe.code, xe.message);
	op->status = op->err.status;
	op_finish(c, op);
}

static int
op_interrupted(struct s3_op *op)
{
	dk_fail(&op->err, DK_ESERVICE, "interrupted");
	dk_err_reason(&op->err, DK_R_INTERRUPTED);
	return op->status = op->err.status;
}

/* Restarts the ops whose backoff has passed. */
static void
wake_waiting(struct s3_client *c)
{
	struct s3_op **pp = &c->waiting, *op;
	double t = clock_now();

	while ((op = *pp) != NULL) {
		if (op->retry_at > t && !interrupt_requested()) {
			pp = &op->next;
			continue;
		}
		*pp = op->next;
		if (interrupt_requested()) {
			op_interrupted(op);
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
	/* Rounded up: a wait of 1 ms truncated to 0 would spin, calling
	 * libcurl (and poll) thousands of times until the deadline. */
	left = (int)ceil((deadline - clock_now()) * 1000.0);
	if (slice > left)	/* the caller has other work waiting; 0: do not wait */
		slice = left > 0 ? left : 0;
	if ((h = http_wait(c->http, slice)) != NULL) {
		op_settle(c, op_of(h), h->kept_before);
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
	double deadline = clock_now() + timeout_ms / 1000.0;
	struct s3_op *op;

	for (;;) {
		if ((op = finished_take(c, want)) != NULL)
			return op;
		if (c->pending == 0)
			return NULL;
		client_poll(c, deadline);
		if (clock_now() >= deadline || c->woken) {
			c->woken = 0;
			return finished_take(c, want);
		}
	}
}

void
s3_wake(struct s3_client *c)
{
	c->woken = 1;
	http_wake(c->http);
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

/* Takes op out of the pool or the retry queue, unfinished. */
static void
op_abandon(struct s3_client *c, struct s3_op *op)
{
	struct s3_op **pp = &c->waiting;

	http_cancel(c->http, &op->call);
	while (*pp != NULL && *pp != op)
		pp = &(*pp)->next;
	if (*pp != NULL)
		*pp = op->next;
	op->next = NULL;
	c->pending--;
	op_interrupted(op);
}

int
s3_run(struct s3_client *c, struct s3_op *op, struct dk_err *e)
{
	struct s3_op *done;
	int rc;

	if ((rc = s3_submit(c, op, e)) != DK_OK)
		return rc;
	do {
		/* Short waits: a signal is seen within a fraction of a second. */
		done = client_wait(c, op, 200);
		if (done == NULL && interrupt_requested() && !op->cleanup) {
			op_abandon(c, op);
			break;
		}
	} while (done == NULL && c->pending > 0);
	if (op->status != DK_OK)
		*e = op->err;
	return op->status;
}
