/* gzcheck: what gzip -t accepts passes, anything else fails with the right
 * reason, member and offset, however the input is split, through both
 * inflate backends (ISA-L and zlib). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "capture.h"
#include "gzcheck.h"
#include "tap.h"
#include "vec.h"

/* The backend every check below runs through. */
static enum inflate_backend backend;

struct blob {
	unsigned char *p;
	size_t len, cap;
};

static void
blob_add(struct blob *b, const void *p, size_t len)
{
	/* Doubling: pulled 64 bytes at a time, a realloc per call would copy
	 * the whole output each time (a minute under the sanitizers). */
	if (vec_reserve((void **)&b->p, &b->cap, b->len + len + 1, 1) != 0)
		abort();
	memcpy(b->p + b->len, p, len);
	b->len += len;
}

/* Appends one gzip member of data; with fields, every optional header
 * field (FEXTRA, FNAME, FCOMMENT, FHCRC). */
static void
gz_member(struct blob *b, const void *data, size_t len, int fields)
{
	static unsigned char extra[] = { 'A', 'P', 2, 0, 'h', 'i' };
	gz_header h;
	z_stream zs;
	unsigned char out[65536];

	memset(&zs, 0, sizeof(zs));
	deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	if (fields) {
		memset(&h, 0, sizeof(h));
		h.extra = extra;
		h.extra_len = sizeof(extra);
		h.name = (unsigned char *)"dump.sql";
		h.comment = (unsigned char *)"nightly";
		h.hcrc = 1;
		deflateSetHeader(&zs, &h);
	}
	zs.next_in = (unsigned char *)data;
	zs.avail_in = (uInt)len;
	int ret;
	do {
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		ret = deflate(&zs, Z_FINISH);
		blob_add(b, out, sizeof(out) - zs.avail_out);
	} while (ret != Z_STREAM_END);
	deflateEnd(&zs);
}

/* Runs the checker over b in pieces of step bytes. */
static int
check(const struct blob *b, size_t step, int flags, struct gzcheck *g, struct capture *out, struct dk_err *e)
{
	int st = DK_OK;

	dk_err_clear(e);
	capture_init(out);
	gzcheck_init_with(g, &out->sink, flags, backend, e);
	for (size_t off = 0; off < b->len && st == DK_OK; off += step)
		st = gzcheck_update(g, b->p + off, b->len - off < step ? b->len - off : step, e);
	if (st == DK_OK)
		st = gzcheck_finish(g, e);
	return st;
}

/* The pull form over b: input in pieces of instep, output into a buffer
 * of outstep bytes, as the restore reads; the data lands in out. */
static int
pull(const struct blob *b, size_t instep, size_t outstep, struct gzcheck *g, struct blob *out, struct dk_err *e)
{
	unsigned char buf[64];
	size_t off = 0, have = 0;
	int st;

	dk_err_clear(e);
	out->len = 0;
	gzcheck_init_with(g, NULL, 0, backend, e);
	for (;;) {
		size_t used, made;
		if ((st = gzcheck_read(g, b->p + off, have, &used, buf, outstep, &made, e)) != DK_OK)
			return st;
		off += used;
		have -= used;
		blob_add(out, buf, made);
		if (made > 0 || (used > 0 && have > 0))
			continue;
		if (off + have == b->len)
			return gzcheck_finish(g, e);
		have = b->len - off < have + instep ? b->len - off : have + instep;
	}
}

static unsigned char *
text(size_t len)
{
	unsigned char *t = malloc(len);
	unsigned int x = 12345;

	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245 + 12345;
		t[i] = (unsigned char)("abcdefgh ij\n"[(x >> 16) % 12]);
	}
	return t;
}

static void
free_all(struct gzcheck *g, struct capture *c)
{
	gzcheck_free(g);
	free(c->buf);
}

static void
run(void)
{
	struct gzcheck g;
	struct capture out;
	struct dk_err e;
	struct blob one = { 0 }, multi = { 0 }, b = { 0 };
	unsigned char *t = text(300000);
	int st;

	gz_member(&one, t, 300000, 0);
	st = check(&one, one.len, 0, &g, &out, &e);
	CHECK(st == DK_OK && out.len == 300000 && memcmp(out.buf, t, 300000) == 0 && g.members == 1,
	    "a whole member passes and decompresses to its data");
	free_all(&g, &out);

	st = check(&one, 1, 0, &g, &out, &e);
	CHECK(st == DK_OK && out.len == 300000, "the same member fed a byte at a time passes");
	free_all(&g, &out);

	gz_member(&multi, t, 1000, 0);
	size_t end1 = multi.len;
	gz_member(&multi, "", 0, 0);
	size_t end2 = multi.len;
	gz_member(&multi, t + 1000, 5000, 1);
	blob_add(&multi, "\0\0\0\0", 4);
	for (size_t step = 1; step <= 7; step += 3) {
		st = check(&multi, step, 0, &g, &out, &e);
		CHECK(st == DK_OK && g.members == 3 && out.len == 6000 && memcmp(out.buf, t, 6000) == 0,
		    "three members (one empty, one with every header field) and zero padding pass, step %zu", step);
		free_all(&g, &out);
	}

	struct blob got = { 0 };
	for (size_t step = 1; step <= 64; step *= 8) {
		st = pull(&multi, step, step, &g, &got, &e);
		CHECK(st == DK_OK && got.len == 6000 && memcmp(got.p, t, 6000) == 0,
		    "pulled through a %zu-byte buffer, the same members give the same data", step);
		gzcheck_free(&g);
	}
	st = pull(&one, 4096, 64, &g, &got, &e);
	CHECK(st == DK_OK && got.len == 300000 && memcmp(got.p, t, 300000) == 0,
	    "pulled 64 bytes at a time, a member with much output per input byte comes out whole");
	gzcheck_free(&g);
	b.len = 0;
	blob_add(&b, one.p, one.len);
	blob_add(&b, "x", 1);
	st = pull(&b, 4096, 64, &g, &got, &e);
	CHECK(st == DK_EDATA && g.reason == GZ_TRAILING && g.err_offset == one.len,
	    "pulled, trailing garbage fails as pushed: %s", e.msg);
	CHECK(e.has_offset && e.offset == one.len, "and the error record holds the offset");
	gzcheck_free(&g);
	struct blob short1 = { one.p, one.len - 3, 0 };
	st = pull(&short1, 4096, 64, &g, &got, &e);
	CHECK(st == DK_EDATA && g.reason == GZ_TRUNCATED, "pulled, a cut member fails as truncated: %s", e.msg);
	gzcheck_free(&g);
	free(got.p);

	/* Every truncation of the multi-member stream before its padding;
	 * a cut at a member's end leaves a shorter valid stream. */
	size_t whole = multi.len - 4, bad = 0;
	for (size_t cut = 0; cut < whole; cut++) {
		struct blob c = { multi.p, cut, 0 };
		int boundary = cut == end1 || cut == end2;
		st = check(&c, 3, 0, &g, &out, &e);
		if (boundary ? st != DK_OK : st != DK_EDATA || g.reason != (cut == 0 ? GZ_NOT_GZIP : GZ_TRUNCATED))
			bad++;
		if (cut > 0 && st == DK_EDATA && g.err_offset != cut)
			bad++;
		free_all(&g, &out);
	}
	CHECK(bad == 0, "every one of %zu truncations fails as truncated at its length", whole - 2);

	struct blob empty = { 0 };
	st = check(&empty, 1, 0, &g, &out, &e);
	CHECK(st == DK_EDATA && g.reason == GZ_NOT_GZIP, "empty input is not gzip: %s", e.msg);
	free_all(&g, &out);

	struct blob plain = { (unsigned char *)"-- PostgreSQL database dump\n", 28, 0 };
	st = check(&plain, 28, 0, &g, &out, &e);
	CHECK(st == DK_EDATA && g.reason == GZ_NOT_GZIP && strstr(e.msg, "not gzip") != NULL,
	    "plain text is not gzip: %s", e.msg);
	free_all(&g, &out);

	/* The trailer: CRC-32 then ISIZE, 4 bytes each. */
	b.len = 0;
	blob_add(&b, one.p, one.len);
	b.p[b.len - 8] ^= 1;
	st = check(&b, 4096, 0, &g, &out, &e);
	CHECK(st == DK_EDATA && g.reason == GZ_BAD_CRC && g.err_offset == one.len - 8 &&
	    strstr(e.msg, "CRC mismatch") != NULL, "a flipped CRC bit fails at the CRC: %s", e.msg);
	free_all(&g, &out);
	b.p[b.len - 8] ^= 1;
	b.p[b.len - 2] ^= 0x10;
	st = check(&b, 4096, 0, &g, &out, &e);
	CHECK(st == DK_EDATA && g.reason == GZ_BAD_LENGTH && g.err_offset == one.len - 4,
	    "a flipped length bit fails at the length: %s", e.msg);
	free_all(&g, &out);
	b.p[b.len - 2] ^= 0x10;

	b.p[3] |= 0x80;
	st = check(&b, 4096, 0, &g, &out, &e);
	CHECK(st == DK_EDATA && g.reason == GZ_BAD_HEADER, "a reserved flag is a bad header: %s", e.msg);
	free_all(&g, &out);
	b.p[3] &= 0x7f;
	b.p[2] = 7;
	st = check(&b, 4096, 0, &g, &out, &e);
	CHECK(st == DK_EDATA && g.reason == GZ_BAD_HEADER, "a method other than deflate is a bad header: %s", e.msg);
	free_all(&g, &out);
	b.p[2] = 8;

	b.p[one.len / 2] ^= 0x55;
	st = check(&b, 4096, 0, &g, &out, &e);
	CHECK(st == DK_EDATA && (g.reason == GZ_BAD_DEFLATE || g.reason == GZ_BAD_CRC || g.reason == GZ_BAD_LENGTH),
	    "a flipped body byte fails: %s", e.msg);
	free_all(&g, &out);

	/* The header CRC of the member with every field (the third). */
	b.len = 0;
	blob_add(&b, multi.p, multi.len);
	size_t third = (size_t)((unsigned char *)memmem(b.p + 10, b.len - 10, "dump.sql", 8) - b.p);
	b.p[third] ^= 0x20;
	st = check(&b, 4096, 0, &g, &out, &e);
	CHECK(st == DK_EDATA && g.reason == GZ_BAD_HEADER && g.members == 3 && strstr(e.msg, "member 3") != NULL,
	    "a changed file name fails the third member's header CRC: %s", e.msg);
	free_all(&g, &out);

	/* What may follow the last member. */
	static const struct { const char *tail; size_t len; int flags, status; enum gzcheck_reason why; const char *name; } after[] = {
		{ "x", 1, 0, DK_EDATA, GZ_TRAILING, "a garbage byte" },
		{ "x", 1, GZCHECK_IGNORE_TRAILING, DK_OK, GZ_OK, "a garbage byte, ignored" },
		{ "\0\0x", 3, 0, DK_EDATA, GZ_TRAILING, "zeros then garbage" },
		{ "\x1f", 1, 0, DK_EDATA, GZ_TRUNCATED, "a lone 1f" },
		{ "\x1f", 1, GZCHECK_IGNORE_TRAILING, DK_EDATA, GZ_TRUNCATED, "a lone 1f, even when ignoring garbage" },
		{ "\x1f\x8b", 2, 0, DK_EDATA, GZ_TRUNCATED, "a magic and nothing more" },
		{ "\x1f\x9e", 2, 0, DK_EDATA, GZ_TRAILING, "pack's magic" },
		{ "\x1f\x8b\x08\x00", 4, GZCHECK_IGNORE_TRAILING, DK_EDATA, GZ_TRUNCATED, "a cut member, even when ignoring garbage" },
	};
	/* The large member in 4 KiB steps, a small one a byte at a time (the
	 * large one byte by byte costs seconds a case under the sanitizers). */
	struct blob small = { 0 };
	gz_member(&small, t, 3000, 0);
	const struct { const struct blob *member; size_t step; } feeds[] = { { &one, 4096 }, { &small, 1 } };
	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		for (size_t f = 0; f < 2; f++) {
			const struct blob *m = feeds[f].member;
			b.len = 0;
			blob_add(&b, m->p, m->len);
			blob_add(&b, after[i].tail, after[i].len);
			st = check(&b, feeds[f].step, after[i].flags, &g, &out, &e);
			CHECK(st == after[i].status && g.reason == after[i].why,
			    "after the last member, %s (step %zu): %s", after[i].name, feeds[f].step, st ? e.msg : "OK");
			size_t zeros = 0;
			while (zeros < after[i].len && after[i].tail[zeros] == 0)
				zeros++;
			if (after[i].why == GZ_TRAILING)
				CHECK(g.err_offset == m->len + zeros,
				    "the garbage's offset is where it starts: %s", e.msg);
			free_all(&g, &out);
		}
	}
	free(small.p);

	free(one.p);
	free(multi.p);
	free(b.p);
	free(t);
}

int
main(void)
{
	static const enum inflate_backend both[] = { INFLATE_ISAL, INFLATE_ZLIB };

	for (size_t i = 0; i < sizeof(both) / sizeof(both[0]); i++) {
		backend = both[i];
		printf("# through %s\n", inflate_backend_name(backend));
		run();
	}
	return TAP_END();
}
