#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "curlload.h"
#include "http.h"
#include "vec.h"

struct http_pool {
	CURLM *multi;
	char *ca_bundle;
	long stall_seconds;
	int running;
	int woken;		/* http_wake: return from http_wait */
	struct http_call *active;	/* calls in flight */
	CURL **idle;		/* easy handles kept for reuse */
	int nidle;
	size_t cap_idle;
};

struct http_pool *
http_pool_new(const char *ca_bundle, long stall_seconds, struct dk_err *e)
{
	struct http_pool *p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		dk_fail(e, DK_EIO, "out of memory");
		return NULL;
	}
	p->stall_seconds = stall_seconds;
	p->ca_bundle = ca_bundle != NULL ? strdup(ca_bundle) : NULL;
	return p;
}

static CURLcode global_status = CURLE_FAILED_INIT;

static void
global_init(void)
{
	global_status = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* libcurl and its TLS library are set up at the first request, not
 * before: a run that sends none (walfetch serving from its spool) saves
 * their start-up, a good part of a short process's CPU. Once per
 * process, whichever thread asks first. */
static int
pool_open(struct http_pool *p, struct dk_err *e)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	if (p->multi != NULL)
		return DK_OK;
	if (curlload_error() != NULL)
		return dk_fail(e, DK_EIO, "%s", curlload_error());
	pthread_once(&once, global_init);
	if (global_status != CURLE_OK || (p->multi = curl_multi_init()) == NULL)
		return dk_fail(e, DK_EIO, "cannot initialise libcurl");
	/* Reuse connections across calls instead of a handshake each. */
	curl_multi_setopt(p->multi, CURLMOPT_MAXCONNECTS, 64L);
	return DK_OK;
}

void
http_pool_free(struct http_pool *p)
{
	if (p == NULL)
		return;
	http_cancel_all(p);
	for (int i = 0; i < p->nidle; i++)
		curl_easy_cleanup(p->idle[i]);
	free(p->idle);
	curl_multi_cleanup(p->multi);
	free(p->ca_bundle);
	free(p);
}

/* Copies the value of header line h into out when its name is name. */
static int
header_take(const char *h, size_t n, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name), vl;
	const char *v;

	if (n <= nl || strncasecmp(h, name, nl) != 0 || h[nl] != ':')
		return 0;
	v = h + nl + 1;
	vl = n - nl - 1;
	while (vl > 0 && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	if (vl >= outlen)
		vl = outlen - 1;
	memcpy(out, v, vl);
	out[vl] = '\0';
	return 1;
}

static void
response_reset(struct http_call *c)
{
	c->status = 0;
	c->etag[0] = c->content_range[0] = c->last_modified[0] = c->sha256_meta[0] = '\0';
	c->content_length = 0;
	c->has_content_length = 0;
	c->too_big = 0;
	c->stopped = 0;
	c->body_buf.len = c->kept_before;
}

static size_t
on_header(char *h, size_t size, size_t n, void *arg)
{
	struct http_call *c = arg;
	char num[32];

	(void)size;
	/* A new status line (after 100 Continue, or a redirect) starts over. */
	if (n > 5 && strncmp(h, "HTTP/", 5) == 0) {
		response_reset(c);
		/* The status, known before the body: it decides the body's cap. */
		if (sscanf(h, "HTTP/%*s %ld", &c->status) != 1)
			c->status = 0;
	}
	/* The blank line after the final answer's headers: the body is next. */
	if (n <= 2 && (h[0] == '\r' || h[0] == '\n') && c->status >= 200 &&
	    c->on_answer != NULL && c->on_answer(c) != 0) {
		c->stopped = 1;
		return 0;
	}
	header_take(h, n, "ETag", c->etag, sizeof(c->etag));
	header_take(h, n, "Content-Range", c->content_range, sizeof(c->content_range));
	header_take(h, n, "Last-Modified", c->last_modified, sizeof(c->last_modified));
	header_take(h, n, "x-amz-meta-sha256", c->sha256_meta, sizeof(c->sha256_meta));
	if (header_take(h, n, "Content-Length", num, sizeof(num))) {
		c->content_length = strtoull(num, NULL, 10);
		c->has_content_length = 1;
	}
	return n;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct http_call *c = arg;

	(void)size;
	if (c->on_data != NULL && c->status >= 200 && c->status < 300) {
		if (c->on_data(c, data, n) == 0)
			return n;
		c->stopped = 1;
		return 0;
	}
	if ((c->status >= 300 && c->body_buf.len - c->kept_before + n > HTTP_ERROR_BODY_MAX) ||
	    (c->max_body != 0 && c->body_buf.len + n > c->max_body)) {
		c->too_big = 1;
		return 0;	/* libcurl stops the transfer */
	}
	return buf_append(&c->body_buf, data, n) == 0 ? n : 0;
}

static CURL *
easy_get(struct http_pool *p)
{
	if (p->nidle > 0) {
		CURL *h = p->idle[--p->nidle];
		curl_easy_reset(h);
		return h;
	}
	return curl_easy_init();
}

static void
easy_put(struct http_pool *p, CURL *h)
{
	if (vec_reserve((void **)&p->idle, &p->cap_idle, (size_t)p->nidle + 1,
	    sizeof(*p->idle)) != 0) {
		curl_easy_cleanup(h);	/* not kept for reuse, that is all */
		return;
	}
	p->idle[p->nidle++] = h;
}

static void
easy_setup(struct http_pool *p, struct http_call *c, CURL *h)
{
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(h, CURLOPT_PRIVATE, c);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->stall_seconds > p->stall_seconds ?
	    c->stall_seconds : p->stall_seconds);
	curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 512L * 1024);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	/* An S3 key is not a file path: "a/../b" names an object of its own,
	 * and the path signed is the path sent. */
	curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
	if (p->ca_bundle != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, p->ca_bundle);
	if (c->head) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (c->send_body) {
		/* POSTFIELDS sends straight from our buffer, without the copy
		 * a read callback would make. */
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body_len ? c->body : "");
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
		/* A large body goes out in fewer, larger writes. */
		if (c->body_len >= HTTP_LARGE_BODY)
			curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, (long)HTTP_LARGE_BODY);
	} else if (strcmp(c->method, "GET") != 0) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
	}
}

int
http_start(struct http_pool *p, struct http_call *c, struct dk_err *e)
{
	CURL *h;

	if (pool_open(p, e) != DK_OK)
		return DK_EIO;
	if ((h = easy_get(p)) == NULL)
		return dk_fail(e, DK_EIO, "cannot create a libcurl handle");
	if (!c->keep_body)
		buf_reset(&c->body_buf);
	c->kept_before = c->body_buf.len;
	response_reset(c);
	c->result = CURLE_OK;
	c->errbuf[0] = '\0';
	c->easy = h;
	easy_setup(p, c, h);
	if (curl_multi_add_handle(p->multi, h) != CURLM_OK) {
		easy_put(p, h);
		c->easy = NULL;
		return dk_fail(e, DK_EIO, "cannot start a libcurl transfer");
	}
	p->running++;
	c->next_active = p->active;
	p->active = c;
	return DK_OK;
}

static void
active_remove(struct http_pool *p, struct http_call *c)
{
	struct http_call **pp = &p->active;

	while (*pp != NULL && *pp != c)
		pp = &(*pp)->next_active;
	if (*pp != NULL)
		*pp = c->next_active;
	c->next_active = NULL;
}

static void
call_done(struct http_pool *p, struct http_call *c, CURLcode rc)
{
	c->result = rc;
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &c->status);
	curl_easy_getinfo(c->easy, CURLINFO_TOTAL_TIME, &c->seconds);
	curl_multi_remove_handle(p->multi, c->easy);
	easy_put(p, c->easy);
	c->easy = NULL;
	p->running--;
	active_remove(p, c);
}

struct http_call *
http_wait(struct http_pool *p, int timeout_ms)
{
	int still, left;
	CURLMsg *m;

	if (p->multi == NULL)
		return NULL;
	for (;;) {
		curl_multi_perform(p->multi, &still);
		while ((m = curl_multi_info_read(p->multi, &left)) != NULL) {
			struct http_call *c;
			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
			call_done(p, c, m->data.result);
			return c;
		}
		if (timeout_ms <= 0 || p->running == 0 || p->woken) {
			p->woken = 0;
			return NULL;
		}
		/* Short polls keep SIGINT handling and retry timers responsive. */
		int slice = timeout_ms < 100 ? timeout_ms : 100;
		curl_multi_poll(p->multi, NULL, 0, slice, NULL);
		timeout_ms -= slice;
	}
}

int
http_content_range(const struct http_call *c, uint64_t *from, uint64_t *to, uint64_t *total)
{
	unsigned long long f, t, n;

	if (sscanf(c->content_range, "bytes %llu-%llu/%llu", &f, &t, &n) != 3)
		return 0;
	*from = f;
	*to = t;
	*total = n;
	return 1;
}

void
http_wake(struct http_pool *p)
{
	p->woken = 1;
}

void
http_cancel(struct http_pool *p, struct http_call *c)
{
	if (c->easy == NULL)
		return;
	curl_multi_remove_handle(p->multi, c->easy);
	easy_put(p, c->easy);
	c->easy = NULL;
	p->running--;
	active_remove(p, c);
}

void
http_cancel_all(struct http_pool *p)
{
	while (p->active != NULL)
		http_cancel(p, p->active);
}

int
http_running(struct http_pool *p)
{
	return p->running;
}

int
http_result_transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_COULDNT_RESOLVE_HOST:
		return 1;
	default:
		return 0;
	}
}
