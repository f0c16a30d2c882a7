/* verify: the sink in front of r2put's upload finishes it only for a whole
 * gzip stream, or a whole pg_dump (gzipped or plain) with its trailer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "capture.h"
#include "tap.h"
#include "verify.h"

static const char dump_head[] =
    "--\n-- PostgreSQL database dump\n--\n\n\\restrict abc123\n\n"
    "SET statement_timeout = 0;\nCREATE TABLE t (a int);\nCOPY t (a) FROM stdin;\n";
static const char dump_end[] =
    "\\.\n\n\n--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict abc123\n\n";
static const char cluster_head[] =
    "--\n-- PostgreSQL database cluster dump\n--\n\n\\restrict k1\nSET default_transaction_read_only = off;\n";
static const char cluster_end[] =
    "--\n-- PostgreSQL database cluster dump complete\n--\n\n";
static const char db_end[] = "--\n-- PostgreSQL database dump complete\n--\n\n";

struct text {
	char *p;
	size_t len;
};

/* A dump of rows lines between head and end. */
static struct text
dump(const char *head, int rows, const char *end)
{
	struct text t;
	FILE *f = open_memstream(&t.p, &t.len);

	fputs(head, f);
	for (int i = 0; i < rows; i++)
		fprintf(f, "%d\n", i);
	fputs(end, f);
	fclose(f);
	return t;
}

static struct text
gzip_of(const struct text *in)
{
	struct text t;
	uLong bound = compressBound(in->len) + 64;
	z_stream zs;

	memset(&zs, 0, sizeof(zs));
	t.p = malloc(bound);
	deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	zs.next_in = (unsigned char *)in->p;
	zs.avail_in = (uInt)in->len;
	zs.next_out = (unsigned char *)t.p;
	zs.avail_out = (uInt)bound;
	deflate(&zs, Z_FINISH);
	t.len = zs.total_out;
	deflateEnd(&zs);
	return t;
}

struct result {
	int status;
	char msg[1024];
	struct capture down, decoded;
};

/* Streams data through a verify sink in pieces of step bytes. */
static void
run(enum verify_mode mode, const char *data, size_t len, size_t step, struct result *r)
{
	struct verify_sink v;
	struct dk_err e;
	int st = DK_OK;

	dk_err_clear(&e);
	capture_init(&r->down);
	capture_init(&r->decoded);
	verify_sink_init(&v, mode, &r->down.sink, &r->decoded.sink, 0, &e);
	for (size_t off = 0; off < len && st == DK_OK; off += step)
		st = sink_write(&v.sink, data + off, len - off < step ? len - off : step, &e);
	if (st == DK_OK)
		st = sink_finish(&v.sink, &e);
	else
		sink_abort(&v.sink);
	verify_sink_free(&v);
	r->status = st;
	snprintf(r->msg, sizeof(r->msg), "%s", st ? e.msg : "OK");
}

static int
committed(const struct result *r, const struct text *raw)
{
	return r->status == DK_OK && r->down.finished == 1 && r->down.aborted == 0 &&
	    r->down.len == raw->len && memcmp(r->down.buf, raw->p, raw->len) == 0;
}

static int
refused(const struct result *r)
{
	return r->status == DK_EDATA && r->down.finished == 0 && r->down.aborted == 1 &&
	    r->decoded.finished == 0;
}

static void
done(struct result *r)
{
	free(r->down.buf);
	free(r->decoded.buf);
}

int
main(void)
{
	struct result r;
	struct text whole = dump(dump_head, 20000, dump_end);
	struct text gz = gzip_of(&whole);
	struct text cut = { whole.p, whole.len - 30 };
	struct text gzcut = gzip_of(&cut);

	run(VERIFY_PGDUMP, gz.p, gz.len, 65536, &r);
	CHECK(committed(&r, &gz) && r.decoded.len == whole.len, "a whole gzipped dump commits: %s", r.msg);
	done(&r);
	run(VERIFY_PGDUMP, gz.p, gz.len, 7, &r);
	CHECK(committed(&r, &gz), "the same in 7-byte writes: %s", r.msg);
	done(&r);
	run(VERIFY_PGDUMP, whole.p, whole.len, 4096, &r);
	CHECK(committed(&r, &whole), "a whole plain dump commits: %s", r.msg);
	done(&r);

	run(VERIFY_PGDUMP, gz.p, gz.len - 100, 65536, &r);
	CHECK(refused(&r) && strstr(r.msg, "unexpected end of input") != NULL,
	    "a truncated gzip aborts: %s", r.msg);
	done(&r);
	run(VERIFY_PGDUMP, gzcut.p, gzcut.len, 65536, &r);
	CHECK(refused(&r) && strstr(r.msg, "incomplete dump") != NULL,
	    "a whole gzip of a cut dump aborts: %s", r.msg);
	done(&r);
	run(VERIFY_PGDUMP, cut.p, cut.len, 65536, &r);
	CHECK(refused(&r) && strstr(r.msg, "incomplete dump") != NULL, "a cut plain dump aborts: %s", r.msg);
	done(&r);
	run(VERIFY_PGDUMP, whole.p, whole.len - 2, 65536, &r);
	CHECK(refused(&r), "a dump without its last newline aborts: %s", r.msg);
	done(&r);
	run(VERIFY_PGDUMP, "", 0, 1, &r);
	CHECK(r.status == DK_EDATA && strstr(r.msg, "empty") != NULL, "empty input is no dump: %s", r.msg);
	done(&r);

	struct text old = dump(dump_head, 10, db_end);
	run(VERIFY_PGDUMP, old.p, old.len, 3, &r);
	CHECK(committed(&r, &old), "a dump without \\unrestrict (before pg_dump 17.6) commits: %s", r.msg);
	done(&r);
	struct text more = dump(dump_head, 10, "-- PostgreSQL database dump complete\nSELECT 1;\n");
	run(VERIFY_PGDUMP, more.p, more.len, 3, &r);
	CHECK(refused(&r) && strstr(r.msg, "SELECT 1;") != NULL, "SQL after the trailer aborts: %s", r.msg);
	done(&r);

	struct text cluster = dump(cluster_head, 10, cluster_end);
	run(VERIFY_PGDUMP, cluster.p, cluster.len, 4096, &r);
	CHECK(committed(&r, &cluster), "a whole pg_dumpall commits: %s", r.msg);
	done(&r);
	struct text cluster_cut = dump(cluster_head, 10, db_end);
	run(VERIFY_PGDUMP, cluster_cut.p, cluster_cut.len, 4096, &r);
	CHECK(refused(&r) && strstr(r.msg, "cluster dump complete") != NULL,
	    "a pg_dumpall cut after one database aborts: %s", r.msg);
	done(&r);

	run(VERIFY_GZIP, gzcut.p, gzcut.len, 65536, &r);
	CHECK(committed(&r, &gzcut) && r.decoded.finished == 1 && r.decoded.len == cut.len,
	    "--verify gzip wants only a whole gzip stream: %s", r.msg);
	done(&r);
	run(VERIFY_GZIP, whole.p, whole.len, 65536, &r);
	CHECK(refused(&r) && strstr(r.msg, "not gzip") != NULL, "--verify gzip refuses plain text: %s", r.msg);
	done(&r);

	enum verify_mode m;
	struct dk_err e;
	dk_err_clear(&e);
	int bad = verify_mode_parse("zip", &m, &e);
	CHECK(bad == DK_EUSAGE, "an unknown mode is a usage error: %s", e.msg);

	free(whole.p);
	free(gz.p);
	free(gzcut.p);
	free(old.p);
	free(more.p);
	free(cluster.p);
	free(cluster_cut.p);
	return TAP_END();
}
