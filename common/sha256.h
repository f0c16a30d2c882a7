/* SHA-256 through OpenSSL's EVP interface, its hex form, and a sink that
 * hashes what passes through it: r2put records the digest of what it
 * uploaded, sha256sum-r2 compares a stream with a recorded one. */
#ifndef DRKIT_SHA256_H
#define DRKIT_SHA256_H

#include <stddef.h>

#include "err.h"
#include "sink.h"

#define SHA256_LEN 32
#define SHA256_HEXLEN 64

struct sha256 {
	void *ctx;		/* EVP_MD_CTX */
};

int sha256_init(struct sha256 *h, struct dk_err *e);
void sha256_update(struct sha256 *h, const void *buf, size_t len);
/* Ends the hash: out gets the digest; h may be started again with init. */
void sha256_final(struct sha256 *h, unsigned char out[SHA256_LEN]);
void sha256_free(struct sha256 *h);

/* Hashes fd to its end into digest. On a read error e says
 * "WHAT: strerror" (DK_EIO), as coreutils words it. */
int sha256_fd(int fd, const char *what, unsigned char digest[SHA256_LEN], struct dk_err *e);

/* hex gets 64 lowercase hex digits and a NUL. */
void sha256_hex(const unsigned char digest[SHA256_LEN], char hex[SHA256_HEXLEN + 1]);

/* Accepts 64 hex digits of either case; returns 1 when s is one. */
int sha256_parse_hex(const char *s, unsigned char digest[SHA256_LEN]);

/* A pass-through sink that hashes. At finish the digest is in digest/hex;
 * then, when an expected digest was set, a mismatch aborts down and is
 * DK_EDATA; otherwise down is finished. down may be NULL (hash only). */
struct sha256_sink {
	struct sink sink;
	struct sink *down;
	struct sha256 h;
	int expect_set;
	unsigned char expect[SHA256_LEN];
	unsigned char digest[SHA256_LEN];
	char hex[SHA256_HEXLEN + 1];	/* valid after finish */
	const char *what;		/* names the stream in a mismatch */
};

int sha256_sink_init(struct sha256_sink *s, struct sink *down, struct dk_err *e);

/* The digest the stream must have: hex, 64 digits. DK_EDATA if it is not
 * one. May be called any time before finish. */
int sha256_sink_expect(struct sha256_sink *s, const char *hex, const char *what, struct dk_err *e);

void sha256_sink_free(struct sha256_sink *s);

#endif
