#include <string.h>
#include <stdio.h>

#include "download.h"
#include "escape.h"
#include "holdback.h"
#include "io.h"
#include "pump.h"
#include "recorded.h"
#include "remotesum.h"
#include "sha256.h"

/* The checksum recorded for arg; hex is "" when there is none and
 * allow_missing lets that pass. */
static int
recorded_for(const struct remotesum *r, const char *arg, struct objname *n,
    char hex[SHA256_HEXLEN + 1], struct dk_err *e)
{
	const char *source;
	int rc;

	hex[0] = '\0';
	if ((rc = objname_parse(arg, r->default_bucket, n, e)) != DK_OK)
		return rc;
	rc = recorded_sha256(r->c, n, hex, &source, e);
	if (rc != DK_OK && e->reason == DK_R_NO_CHECKSUM && r->allow_missing) {
		log_note(r->log, "%s (--allow-missing: not verified)", e->msg);
		dk_err_clear(e);
		return DK_OK;
	}
	if (rc == DK_OK)
		log_trace(r->log, "s3://%s/%s: recorded SHA-256 %s (%s)", n->bucket, n->key, hex,
		    source);
	return rc;
}

int
remotesum_verify_stream(const struct remotesum *r, const char *name, int in_fd, int out_fd,
    struct dk_err *e)
{
	struct objname n = { 0 };
	struct io_fd_sink out;
	struct holdback hold;
	struct sha256_sink sha;
	char hex[SHA256_HEXLEN + 1], what[1100];
	int rc;

	if ((rc = recorded_for(r, name, &n, hex, e)) != DK_OK) {
		objname_free(&n);
		return rc;
	}
	snprintf(what, sizeof(what), "standard input against s3://%s/%s", n.bucket, n.key);
	io_fd_sink_init(&out, out_fd, "standard output");
	rc = holdback_init(&hold, &out.sink, HOLDBACK_MIN, e);
	if (rc == DK_OK && (rc = sha256_sink_init(&sha, &hold.sink, e)) == DK_OK) {
		if (hex[0] == '\0' || (rc = sha256_sink_expect(&sha, hex, what, e)) == DK_OK)
			rc = pump_fd(in_fd, "standard input", &sha.sink, NULL, NULL, e);
		sha256_sink_free(&sha);
	}
	holdback_free(&hold);
	objname_free(&n);
	return rc;
}

int
remotesum_check(const struct remotesum *r, const char *name, struct dk_err *e)
{
	struct download_opts dl = { .jobs = 8, .chunk = 8u << 20 };
	struct objname n = { 0 };
	struct sha256_sink sha;
	char hex[SHA256_HEXLEN + 1];
	int rc;

	rc = recorded_for(r, name, &n, hex, e);
	if (rc == DK_OK && (rc = sha256_sink_init(&sha, NULL, e)) == DK_OK) {
		if (hex[0] == '\0' || (rc = sha256_sink_expect(&sha, hex, name, e)) == DK_OK)
			rc = download_object(r->c, &n, &sha.sink, &dl, e);
		if (rc == DK_OK)
			rc = sink_finish(&sha.sink, e);
		sha256_sink_free(&sha);
	}
	if ((rc == DK_OK && !r->quiet) || rc == DK_EDATA)
	{
		fprintf(r->out, "s3://%s/", n.bucket);
		escape_key_print(r->out, n.key);
		fprintf(r->out, ": %s\n", rc == DK_OK ? "OK" : "FAILED");
	}
	objname_free(&n);
	return rc;
}

int
remotesum_check_all(const struct remotesum *r, char *const *names, size_t n,
    void (*failed)(void *arg, const struct dk_err *e), void *arg, struct dk_err *first)
{
	struct dk_err e;

	dk_err_clear(first);
	for (size_t i = 0; i < n && first->status != DK_EUSAGE; i++) {
		dk_err_clear(&e);
		if (remotesum_check(r, names[i], &e) == DK_OK)
			continue;
		if (first->status == DK_OK)
			*first = e;
		if (failed != NULL)
			failed(arg, &e);
	}
	return first->status;
}
