#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "hex.h"
#include "io.h"
#include "sha256.h"

int
sha256_init(struct sha256 *h, struct dk_err *e)
{
	if (h->ctx == NULL && (h->ctx = EVP_MD_CTX_new()) == NULL)
		return dk_fail(e, DK_EIO, "out of memory for SHA-256");
	if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
		return dk_fail(e, DK_EIO, "OpenSSL cannot start SHA-256");
	return DK_OK;
}

void
sha256_update(struct sha256 *h, const void *buf, size_t len)
{
	EVP_DigestUpdate(h->ctx, buf, len);
}

void
sha256_final(struct sha256 *h, unsigned char out[SHA256_LEN])
{
	unsigned int n = SHA256_LEN;

	EVP_DigestFinal_ex(h->ctx, out, &n);
}

void
sha256_free(struct sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

int
sha256_fd(int fd, const char *what, unsigned char digest[SHA256_LEN], struct dk_err *e)
{
	struct sha256 h = { NULL };
	unsigned char *buf = malloc(IO_BUFSIZE);
	ssize_t n;
	int st;

	if (buf == NULL)
		return dk_fail(e, DK_EIO, "out of memory for the read buffer");
	if ((st = sha256_init(&h, e)) != DK_OK) {
		free(buf);
		return st;
	}
	while ((n = io_read_full(fd, buf, IO_BUFSIZE, what, e)) != 0) {
		if (n < 0) {
			/* sha256sum's own words: "NAME: Is a directory". */
			st = e->reason == DK_R_INTERRUPTED ? e->status :
			    dk_refail(e, DK_EIO, "%s: %s", what, strerror(e->sys_errno));
			break;
		}
		sha256_update(&h, buf, (size_t)n);
	}
	if (st == DK_OK)
		sha256_final(&h, digest);
	sha256_free(&h);
	free(buf);
	return st;
}

void
sha256_hex(const unsigned char digest[SHA256_LEN], char hex[SHA256_HEXLEN + 1])
{
	hex_encode(digest, SHA256_LEN, hex);
}

int
sha256_parse_hex(const char *s, unsigned char digest[SHA256_LEN])
{
	/* Digits first: a short string ends at its NUL, never read past. */
	return strnlen(s, SHA256_HEXLEN + 1) == SHA256_HEXLEN &&
	    hex_decode(s, digest, SHA256_LEN) == 0;
}

static int
sha256_sink_write(struct sink *s, const void *buf, size_t len, struct dk_err *e)
{
	struct sha256_sink *h = (struct sha256_sink *)s;

	sha256_update(&h->h, buf, len);
	return h->down ? sink_write(h->down, buf, len, e) : DK_OK;
}

static int
sha256_sink_finish(struct sink *s, struct dk_err *e)
{
	struct sha256_sink *h = (struct sha256_sink *)s;
	char want[SHA256_HEXLEN + 1];

	sha256_final(&h->h, h->digest);
	sha256_hex(h->digest, h->hex);
	if (h->expect_set && memcmp(h->digest, h->expect, SHA256_LEN) != 0) {
		if (h->down)
			sink_abort(h->down);
		sha256_hex(h->expect, want);
		return dk_fail(e, DK_EDATA, "%s: SHA-256 mismatch: got %s, recorded %s",
		    h->what, h->hex, want);
	}
	return h->down ? sink_finish(h->down, e) : DK_OK;
}

static void
sha256_sink_abort(struct sink *s)
{
	struct sha256_sink *h = (struct sha256_sink *)s;

	if (h->down)
		sink_abort(h->down);
}

int
sha256_sink_init(struct sha256_sink *s, struct sink *down, struct dk_err *e)
{
	memset(s, 0, sizeof(*s));
	s->sink.write = sha256_sink_write;
	s->sink.finish = sha256_sink_finish;
	s->sink.abort = sha256_sink_abort;
	s->down = down;
	s->what = "stream";
	return sha256_init(&s->h, e);
}

int
sha256_sink_expect(struct sha256_sink *s, const char *hex, const char *what, struct dk_err *e)
{
	if (!sha256_parse_hex(hex, s->expect))
		return dk_fail(e, DK_EDATA, "%s: the recorded checksum is not a SHA-256 digest: %.80s", what, hex);
	s->expect_set = 1;
	s->what = what;
	return DK_OK;
}

void
sha256_sink_free(struct sha256_sink *s)
{
	sha256_free(&s->h);
}
