/*
 * libcurl, opened at its first use instead of linked: Debian's libcurl
 * brings about thirty libraries (GnuTLS, Kerberos, LDAP, SSH, ...) that
 * the dynamic loader maps and relocates at every start, about 10 ms of CPU.
 * walfetch runs once per WAL segment and, serving a segment from its
 * spool, never makes a request: it pays nothing for libcurl then. A
 * program that does make requests pays the same as when linked.
 *
 * The functions drkit calls are defined here under their own names and
 * call libcurl's through dlsym; the variadic ones pass their one argument
 * on by the type libcurl's option and info numbers encode. Freeing
 * nothing does not open libcurl.
 */
#define CURL_DISABLE_TYPECHECK
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <curl/curl.h>

#include "curlload.h"

#define LIBCURL "libcurl.so.4"

static struct {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_reset) *easy_reset;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_easy_unescape) *easy_unescape;
	__typeof__(curl_multi_init) *multi_init;
	__typeof__(curl_multi_setopt) *multi_setopt;
	__typeof__(curl_multi_add_handle) *multi_add_handle;
	__typeof__(curl_multi_remove_handle) *multi_remove_handle;
	__typeof__(curl_multi_perform) *multi_perform;
	__typeof__(curl_multi_poll) *multi_poll;
	__typeof__(curl_multi_info_read) *multi_info_read;
	__typeof__(curl_multi_cleanup) *multi_cleanup;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
	__typeof__(curl_url) *url;
	__typeof__(curl_url_set) *url_set;
	__typeof__(curl_url_get) *url_get;
	__typeof__(curl_url_cleanup) *url_cleanup;
	__typeof__(curl_free) *free;
	__typeof__(curl_getdate) *getdate;
} fn;

static char load_error[512];
static int loaded;

#define BIND(name) (*(void **)&fn.name = dlsym(h, "curl_" #name)) != NULL

/* dlerror's message, which it may not have. */
static const char *
why(void)
{
	const char *s = dlerror();

	return s != NULL ? s : "the loader gave no reason";
}

static void
load(void)
{
	void *h = dlopen(LIBCURL, RTLD_LAZY | RTLD_LOCAL);

	if (h == NULL) {
		snprintf(load_error, sizeof(load_error), "cannot load %s: %s", LIBCURL, why());
		return;
	}
	loaded = BIND(global_init) && BIND(easy_init) && BIND(easy_setopt) &&
	    BIND(easy_getinfo) && BIND(easy_reset) && BIND(easy_cleanup) &&
	    BIND(easy_strerror) && BIND(easy_unescape) && BIND(multi_init) &&
	    BIND(multi_setopt) && BIND(multi_add_handle) && BIND(multi_remove_handle) &&
	    BIND(multi_perform) && BIND(multi_poll) && BIND(multi_info_read) &&
	    BIND(multi_cleanup) && BIND(slist_append) && BIND(slist_free_all) && BIND(url) &&
	    BIND(url_set) && BIND(url_get) && BIND(url_cleanup) && BIND(free) && BIND(getdate);
	if (!loaded)
		snprintf(load_error, sizeof(load_error), "%s lacks a function: %s", LIBCURL,
		    why());
}

static int
ready(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, load);
	return loaded;
}

const char *
curlload_error(void)
{
	return ready() ? NULL : load_error;
}

CURLcode
curl_global_init(long flags)
{
	return ready() ? fn.global_init(flags) : CURLE_FAILED_INIT;
}

CURL *
curl_easy_init(void)
{
	return ready() ? fn.easy_init() : NULL;
}

/* The option's number says its argument's type (CURLOPTTYPE_*). */
CURLcode
curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	CURLcode rc;
	va_list ap;

	if (!ready())
		return CURLE_FAILED_INIT;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = fn.easy_setopt(h, opt, va_arg(ap, long));
	else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB)
		rc = fn.easy_setopt(h, opt, va_arg(ap, curl_off_t));
	else
		rc = fn.easy_setopt(h, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLMcode
curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
	CURLMcode rc;
	va_list ap;

	if (!ready())
		return CURLM_INTERNAL_ERROR;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = fn.multi_setopt(m, opt, va_arg(ap, long));
	else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB)
		rc = fn.multi_setopt(m, opt, va_arg(ap, curl_off_t));
	else
		rc = fn.multi_setopt(m, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

/* Every CURLINFO_* takes a pointer to where its answer goes. */
CURLcode
curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	CURLcode rc;
	va_list ap;

	if (!ready())
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	rc = fn.easy_getinfo(h, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

void
curl_easy_reset(CURL *h)
{
	if (ready())
		fn.easy_reset(h);
}

void
curl_easy_cleanup(CURL *h)
{
	if (h != NULL && ready())
		fn.easy_cleanup(h);
}

const char *
curl_easy_strerror(CURLcode rc)
{
	return ready() ? fn.easy_strerror(rc) : load_error;
}

char *
curl_easy_unescape(CURL *h, const char *s, int len, int *outlen)
{
	return ready() ? fn.easy_unescape(h, s, len, outlen) : NULL;
}

CURLM *
curl_multi_init(void)
{
	return ready() ? fn.multi_init() : NULL;
}

CURLMcode
curl_multi_add_handle(CURLM *m, CURL *h)
{
	return ready() ? fn.multi_add_handle(m, h) : CURLM_INTERNAL_ERROR;
}

CURLMcode
curl_multi_remove_handle(CURLM *m, CURL *h)
{
	return ready() ? fn.multi_remove_handle(m, h) : CURLM_INTERNAL_ERROR;
}

CURLMcode
curl_multi_perform(CURLM *m, int *running)
{
	return ready() ? fn.multi_perform(m, running) : CURLM_INTERNAL_ERROR;
}

CURLMcode
curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned int n, int timeout_ms, int *ret)
{
	return ready() ? fn.multi_poll(m, extra, n, timeout_ms, ret) : CURLM_INTERNAL_ERROR;
}

CURLMsg *
curl_multi_info_read(CURLM *m, int *left)
{
	return ready() ? fn.multi_info_read(m, left) : NULL;
}

CURLMcode
curl_multi_cleanup(CURLM *m)
{
	if (m == NULL)
		return CURLM_BAD_HANDLE;
	return ready() ? fn.multi_cleanup(m) : CURLM_INTERNAL_ERROR;
}

struct curl_slist *
curl_slist_append(struct curl_slist *l, const char *s)
{
	return ready() ? fn.slist_append(l, s) : NULL;
}

void
curl_slist_free_all(struct curl_slist *l)
{
	if (l != NULL && ready())
		fn.slist_free_all(l);
}

CURLU *
curl_url(void)
{
	return ready() ? fn.url() : NULL;
}

CURLUcode
curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	return ready() ? fn.url_set(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

CURLUcode
curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
	return ready() ? fn.url_get(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

void
curl_url_cleanup(CURLU *u)
{
	if (u != NULL && ready())
		fn.url_cleanup(u);
}

void
curl_free(void *p)
{
	if (p != NULL && ready())
		fn.free(p);
}

time_t
curl_getdate(const char *s, const time_t *unused)
{
	return ready() ? fn.getdate(s, unused) : -1;
}
