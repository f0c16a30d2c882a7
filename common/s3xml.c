/* S3's XML answers, matched by their exact element paths. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <expat.h>
#include <curl/curl.h>

#include "buf.h"
#include "s3xml.h"
#include "timestamp.h"
#include "vec.h"

/* A small driver over expat: keeps the path of open elements
 * ("ListBucketResult/Contents/Key") and the text of the innermost one, and
 * calls on_end(path, text) when it closes. A path longer than the buffer
 * stops the parse: no answer drkit reads nests that deep, and a path cut
 * short would be matched against the wrong element. */
struct xml_walk {
	char path[512];
	size_t len;
	int too_deep;
	XML_Parser parser;
	struct buf text;
	void (*on_end)(void *arg, const char *path, const char *text);
	void *arg;
};

static void
walk_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct xml_walk *w = arg;
	size_t n = strlen(name);

	(void)attrs;
	if (w->len + 1 + n >= sizeof(w->path)) {
		w->too_deep = 1;
		XML_StopParser(w->parser, XML_FALSE);
		return;
	}
	if (w->len > 0)
		w->path[w->len++] = '/';
	memcpy(w->path + w->len, name, n + 1);
	w->len += n;
	buf_reset(&w->text);
}

static void
walk_end(void *arg, const XML_Char *name)
{
	struct xml_walk *w = arg;
	char *slash;

	(void)name;
	w->on_end(w->arg, w->path, w->text.p != NULL ? w->text.p : "");
	buf_reset(&w->text);
	slash = strrchr(w->path, '/');
	w->len = slash != NULL ? (size_t)(slash - w->path) : 0;
	w->path[w->len] = '\0';
}

static void
walk_text(void *arg, const XML_Char *s, int len)
{
	struct xml_walk *w = arg;

	buf_append(&w->text, s, (size_t)len);
}

/* 0 when body was read whole, XML_TOO_DEEP when an element path did not
 * fit, -1 when it is not well-formed XML. */
#define XML_TOO_DEEP (-2)

static int
xml_walk(const char *body, size_t len, void (*on_end)(void *, const char *, const char *),
    void *arg)
{
	struct xml_walk w = { .on_end = on_end, .arg = arg };
	int ok;

	if (body == NULL || len > INT_MAX || (w.parser = XML_ParserCreate("UTF-8")) == NULL)
		return -1;
	XML_SetUserData(w.parser, &w);
	XML_SetElementHandler(w.parser, walk_start, walk_end);
	XML_SetCharacterDataHandler(w.parser, walk_text);
	ok = XML_Parse(w.parser, body, (int)len, 1) == XML_STATUS_OK;
	XML_ParserFree(w.parser);
	buf_free(&w.text);
	if (w.too_deep)
		return XML_TOO_DEEP;
	return ok ? 0 : -1;
}

static void
copy_text(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src);
}

static void
error_end(void *arg, const char *path, const char *text)
{
	struct s3xml_error *e = arg;

	if (strcmp(path, "Error/Code") == 0)
		copy_text(e->code, sizeof(e->code), text);
	else if (strcmp(path, "Error/Message") == 0)
		copy_text(e->message, sizeof(e->message), text);
}

int
s3xml_parse_error(const char *body, size_t len, struct s3xml_error *out)
{
	memset(out, 0, sizeof(*out));
	if (len == 0 || xml_walk(body, len, error_end, out) != 0)
		return -1;
	return out->code[0] != '\0' ? 0 : -1;
}

struct list_walk {
	struct s3xml_list_page *page;
	struct s3_entry cur;
	int url_encoded;
	int is_list;
	int failed;
	size_t cap_entries, cap_prefixes;
};

/* S3's "url" encoding is form encoding: '+' stands for a space (a real
 * '+' comes as %2B), as botocore's unquote_plus reads it. */
static char *
url_decode(const char *s)
{
	char *out, *d, *plus = strdup(s);

	if (plus == NULL)
		return NULL;
	for (char *p = plus; *p != '\0'; p++)
		if (*p == '+')
			*p = ' ';
	d = curl_easy_unescape(NULL, plus, 0, NULL);
	free(plus);
	out = d != NULL ? strdup(d) : NULL;
	curl_free(d);
	return out;
}

static void
list_end(void *arg, const char *path, const char *text)
{
	struct list_walk *w = arg;
	struct s3xml_list_page *pg = w->page;

	if (strcmp(path, "ListBucketResult") == 0)
		w->is_list = 1;
	else if (strcmp(path, "ListBucketResult/EncodingType") == 0)
		w->url_encoded = strcmp(text, "url") == 0;
	else if (strcmp(path, "ListBucketResult/IsTruncated") == 0)
		pg->truncated = strcmp(text, "true") == 0;
	else if (strcmp(path, "ListBucketResult/NextContinuationToken") == 0) {
		free(pg->next_token);
		pg->next_token = strdup(text);
	} else if (strcmp(path, "ListBucketResult/Contents/Key") == 0) {
		free(w->cur.key);
		w->cur.key = strdup(text);	/* decoded at the end: EncodingType may come later */
	} else if (strcmp(path, "ListBucketResult/Contents/Size") == 0)
		w->cur.size = strtoull(text, NULL, 10);
	else if (strcmp(path, "ListBucketResult/Contents/LastModified") == 0) {
		struct dk_err te = { 0 };
		if (timestamp_parse_rfc3339(text, strlen(text), &w->cur.mtime, &te) != DK_OK)
			w->failed = 1;
	} else if (strcmp(path, "ListBucketResult/Contents/ETag") == 0)
		copy_text(w->cur.etag, sizeof(w->cur.etag), text);
	else if (strcmp(path, "ListBucketResult/Contents") == 0) {
		if (w->cur.key == NULL || vec_reserve((void **)&pg->entries, &w->cap_entries,
		    pg->nentries + 1, sizeof(*pg->entries)) != 0) {
			w->failed = 1;
			return;
		}
		pg->entries[pg->nentries++] = w->cur;
		memset(&w->cur, 0, sizeof(w->cur));
	} else if (strcmp(path, "ListBucketResult/CommonPrefixes/Prefix") == 0) {
		if (vec_reserve((void **)&pg->prefixes, &w->cap_prefixes, pg->nprefixes + 1,
		    sizeof(char *)) != 0) {
			w->failed = 1;
			return;
		}
		pg->prefixes[pg->nprefixes++] = strdup(text);
	}
}

static int
list_decode(struct s3xml_list_page *pg)
{
	for (size_t i = 0; i < pg->nentries; i++) {
		char *k = url_decode(pg->entries[i].key);
		if (k == NULL)
			return -1;
		free(pg->entries[i].key);
		pg->entries[i].key = k;
	}
	for (size_t i = 0; i < pg->nprefixes; i++) {
		char *k = url_decode(pg->prefixes[i]);
		if (k == NULL)
			return -1;
		free(pg->prefixes[i]);
		pg->prefixes[i] = k;
	}
	return 0;
}

int
s3xml_parse_list(const char *body, size_t len, struct s3xml_list_page *page, struct dk_err *e)
{
	struct list_walk w = { .page = page };
	int rc;

	memset(page, 0, sizeof(*page));
	rc = xml_walk(body, len, list_end, &w);
	if (rc != 0 || !w.is_list || w.failed || (w.url_encoded && list_decode(page) != 0)) {
		free(w.cur.key);
		s3xml_list_page_free(page);
		if (rc == XML_TOO_DEEP)
			return dk_fail(e, DK_ESERVICE, "the service sent a listing nested "
			    "deeper than any S3 listing");
		return dk_fail(e, DK_ESERVICE, "the service sent a listing that cannot be read");
	}
	free(w.cur.key);
	return DK_OK;
}

void
s3xml_list_page_free(struct s3xml_list_page *page)
{
	for (size_t i = 0; i < page->nentries; i++)
		free(page->entries[i].key);
	for (size_t i = 0; i < page->nprefixes; i++)
		free(page->prefixes[i]);
	free(page->entries);
	free(page->prefixes);
	free(page->next_token);
	memset(page, 0, sizeof(*page));
}

static void
upload_id_end(void *arg, const char *path, const char *text)
{
	char **id = arg;

	if (strcmp(path, "InitiateMultipartUploadResult/UploadId") == 0 && *id == NULL)
		*id = strdup(text);
}

char *
s3xml_parse_upload_id(const char *body, size_t len)
{
	char *id = NULL;

	if (xml_walk(body, len, upload_id_end, &id) != 0) {
		free(id);
		return NULL;
	}
	return id;
}

struct delete_walk {
	struct s3xml_delete_failure *f;
	long n;
	size_t cap;
	struct s3xml_delete_failure cur;
	int is_result;
	int failed;
};

static void
delete_end(void *arg, const char *path, const char *text)
{
	struct delete_walk *w = arg;

	if (strcmp(path, "DeleteResult") == 0)
		w->is_result = 1;
	else if (strcmp(path, "DeleteResult/Error/Key") == 0) {
		free(w->cur.key);
		w->cur.key = strdup(text);
	} else if (strcmp(path, "DeleteResult/Error/Code") == 0)
		copy_text(w->cur.code, sizeof(w->cur.code), text);
	else if (strcmp(path, "DeleteResult/Error/Message") == 0)
		copy_text(w->cur.message, sizeof(w->cur.message), text);
	else if (strcmp(path, "DeleteResult/Error") == 0) {
		if (vec_reserve((void **)&w->f, &w->cap, (size_t)w->n + 1, sizeof(*w->f)) != 0) {
			w->failed = 1;
			return;
		}
		w->f[w->n++] = w->cur;
		memset(&w->cur, 0, sizeof(w->cur));
	}
}

long
s3xml_parse_delete(const char *body, size_t len, struct s3xml_delete_failure **failures)
{
	struct delete_walk w = { 0 };

	*failures = NULL;
	if (xml_walk(body, len, delete_end, &w) != 0 || !w.is_result || w.failed) {
		free(w.cur.key);
		s3xml_delete_failures_free(w.f, w.n);
		return -1;
	}
	free(w.cur.key);
	*failures = w.f;
	return w.n;
}

void
s3xml_delete_failures_free(struct s3xml_delete_failure *f, long n)
{
	for (long i = 0; i < n; i++)
		free(f[i].key);
	free(f);
}
