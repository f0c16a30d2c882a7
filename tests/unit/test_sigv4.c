/* Signature V4: the S3 examples AWS publishes ("Signature Calculations for
 * the Authorization Header: Transferring Payload in a Single Chunk" and
 * "Authenticating Requests: Using Query Parameters") reproduce exactly, and
 * the encoding rules behind them hold on their own. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sigv4.h"
#include "tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* 20130524T000000Z, the time of every AWS example. */
static const time_t aws_when = 1369353600;

static const struct sigv4_key aws_key = {
	.access_key = "AKIAIOSFODNN7EXAMPLE",
	.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	.session_token = NULL,
	.region = "us-east-1",
	.service = "s3",
};

#define AWS_HOST "examplebucket.s3.amazonaws.com"
#define AWS_CRED "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"

/* One check that got equals want, showing both when it does not. */
static void
check_str(const char *name, const char *got, const char *want)
{
	int same = got != NULL && strcmp(got, want) == 0;

	CHECK(same, "%s", name);
	if (!same)
		printf("#   want: %s\n#   got:  %s\n", want, got != NULL ? got : "(null)");
}

/* Checks the Authorization value of req and frees it. */
static void
check_auth(const char *name, const struct sigv4_key *key,
    const struct sigv4_request *req, const char *want)
{
	char *got = sigv4_authorization(key, req);

	check_str(name, got, want);
	free(got);
}

static void
test_get_object(void)
{
	const struct sigv4_header h[] = {
		{ "Host", AWS_HOST },
		{ "Range", "bytes=0-9" },
		{ "x-amz-content-sha256", SIGV4_EMPTY_SHA256 },
		{ "x-amz-date", "20130524T000000Z" },
	};
	const struct sigv4_request req = {
		.method = "GET", .path = "/test.txt",
		.headers = h, .nheaders = N(h),
		.payload_sha256 = SIGV4_EMPTY_SHA256, .when = aws_when,
	};
	char *cr = sigv4_canonical_request(&req);

	check_str("AWS GET Object: canonical request", cr,
	    "GET\n/test.txt\n\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "range:bytes=0-9\n"
	    "x-amz-content-sha256:" SIGV4_EMPTY_SHA256 "\n"
	    "x-amz-date:20130524T000000Z\n\n"
	    "host;range;x-amz-content-sha256;x-amz-date\n"
	    SIGV4_EMPTY_SHA256);
	free(cr);
	check_auth("AWS GET Object: Authorization, signature f0e8bdb8...", &aws_key, &req,
	    AWS_CRED ", SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
	    "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

static void
test_put_object(void)
{
	static const char body[] = "Welcome to Amazon S3.";
	unsigned char md[32];
	unsigned int mdlen = 0;
	char hex[65];

	EVP_Digest(body, strlen(body), md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	check_str("AWS PUT Object: payload hash", hex,
	    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");

	const struct sigv4_header h[] = {
		{ "Host", AWS_HOST },
		{ "Date", "Fri, 24 May 2013 00:00:00 GMT" },
		{ "x-amz-date", "20130524T000000Z" },
		{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
		{ "x-amz-content-sha256", hex },
	};
	const struct sigv4_request req = {
		.method = "PUT", .path = "/test$file.text",
		.headers = h, .nheaders = N(h),
		.payload_sha256 = hex, .when = aws_when,
	};
	char *cr = sigv4_canonical_request(&req);

	check_str("AWS PUT Object: canonical request ('$' encoded once)", cr,
	    "PUT\n/test%24file.text\n\n"
	    "date:Fri, 24 May 2013 00:00:00 GMT\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
	    "x-amz-date:20130524T000000Z\n"
	    "x-amz-storage-class:REDUCED_REDUNDANCY\n\n"
	    "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
	    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	free(cr);
	check_auth("AWS PUT Object: Authorization, signature 98ad7217...", &aws_key, &req,
	    AWS_CRED ", SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;"
	    "x-amz-storage-class, "
	    "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

/* GET on the bucket with an empty payload, as examples 3 and 4 are. */
static void
check_bucket_get(const char *name, const struct sigv4_param *params, size_t n,
    const char *want_sig)
{
	const struct sigv4_header h[] = {
		{ "Host", AWS_HOST },
		{ "x-amz-date", "20130524T000000Z" },
		{ "x-amz-content-sha256", SIGV4_EMPTY_SHA256 },
	};
	const struct sigv4_request req = {
		.method = "GET", .path = "/", .params = params, .nparams = n,
		.headers = h, .nheaders = N(h),
		.payload_sha256 = SIGV4_EMPTY_SHA256, .when = aws_when,
	};
	char want[512];

	snprintf(want, sizeof(want), "%s, SignedHeaders=host;x-amz-content-sha256;"
	    "x-amz-date, Signature=%s", AWS_CRED, want_sig);
	check_auth(name, &aws_key, &req, want);
}

static void
test_bucket_examples(void)
{
	const struct sigv4_param lifecycle[] = { { "lifecycle", "" } };
	/* Given out of order: the signer sorts them. */
	const struct sigv4_param list[] = { { "prefix", "J" }, { "max-keys", "2" } };

	check_bucket_get("AWS GET Bucket Lifecycle (?lifecycle), signature fea454ca...",
	    lifecycle, N(lifecycle),
	    "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
	check_bucket_get("AWS Get Bucket (?max-keys=2&prefix=J), signature 34b48302...",
	    list, N(list),
	    "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

static void
test_presign(void)
{
	const struct sigv4_header h[] = { { "Host", AWS_HOST } };
	const struct sigv4_request req = {
		.method = "GET", .path = "/test.txt",
		.headers = h, .nheaders = N(h), .when = aws_when,
	};
	char *url = sigv4_presign(&aws_key, &req, "https", 86400);

	check_str("AWS presigned GET /test.txt, 86400 s: URL and signature aeeed9bb...",
	    url, "https://examplebucket.s3.amazonaws.com/test.txt"
	    "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
	    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
	    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
	    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
	free(url);

	struct sigv4_key with_token = aws_key;
	with_token.session_token = "tok/en+=";
	url = sigv4_presign(&with_token, &req, "https", 60);
	CHECK(url != NULL && strstr(url, "&X-Amz-Security-Token=tok%2Fen%2B%3D&") != NULL &&
	    strstr(url, "&X-Amz-Expires=60&") != NULL,
	    "presign with a session token signs X-Amz-Security-Token, encoded");
	free(url);

	const struct sigv4_request nohost = { .method = "GET", .path = "/x", .when = aws_when };
	url = sigv4_presign(&aws_key, &nohost, "https", 60);
	CHECK(url == NULL, "presign without a Host header gives no URL");
	free(url);
}

static void
check_encode(const char *in, int keep_slash, const char *want)
{
	char *got = sigv4_uri_encode(in, keep_slash);
	char name[128];

	snprintf(name, sizeof(name), "uri_encode(\"%s\", %d) = \"%s\"", in, keep_slash, want);
	check_str(name, got, want);
	free(got);
}

static void
test_uri_encode(void)
{
	check_encode("AZaz09-_.~", 0, "AZaz09-_.~");
	check_encode("/my key/a+b=c", 1, "/my%20key/a%2Bb%3Dc");
	check_encode("/a//b/", 0, "%2Fa%2F%2Fb%2F");
	check_encode("/a//b/", 1, "/a//b/");
	check_encode("100%!*'()", 1, "100%25%21%2A%27%28%29");
	check_encode("caf\xc3\xa9", 1, "caf%C3%A9");
	check_encode("", 1, "");
}

static void
check_query(const char *name, const struct sigv4_param *p, size_t n, const char *want)
{
	char *got = sigv4_canonical_query(p, n);
	char full[128];

	snprintf(full, sizeof(full), "canonical query: %s", name);
	check_str(full, got, want);
	free(got);
}

static void
test_canonical_query(void)
{
	const struct sigv4_param byvalue[] = { { "b", "2" }, { "a", "1" }, { "a", "0" } };
	/* "a" before "a-b" although '-' sorts before '=': names compare alone. */
	const struct sigv4_param prefix[] = { { "a-b", "1" }, { "a", "1" } };
	const struct sigv4_param odd[] = { { "k y", "v/w+x" }, { "uploads", "" } };
	/* Encoded order: "%C3" sorts before "Z" and "a". */
	const struct sigv4_param enc[] = { { "a", "" }, { "Z", "" }, { "\xc3\xa9", "" } };

	check_query("none", NULL, 0, "");
	check_query("sorted by name, then value", byvalue, N(byvalue), "a=0&a=1&b=2");
	check_query("a name that prefixes another", prefix, N(prefix), "a=1&a-b=1");
	check_query("encoded, bare name gets '='", odd, N(odd), "k%20y=v%2Fw%2Bx&uploads=");
	check_query("sorted by encoded name", enc, N(enc), "%C3%A9=&Z=&a=");
}

static void
test_headers(void)
{
	const struct sigv4_header h[] = {
		{ "X-Amz-Meta-B", "  two   inner\t\tspaces  " },
		{ "host", "h" },
		{ "x-amz-meta-a", "first" },
		{ "X-AMZ-META-A", "second" },
		{ "x-amz-meta-empty", "   " },
	};
	const struct sigv4_request req = {
		.method = "PUT", .path = "/b/k",
		.headers = h, .nheaders = N(h),
		.payload_sha256 = SIGV4_UNSIGNED_PAYLOAD, .when = aws_when,
	};
	char *cr = sigv4_canonical_request(&req);

	check_str("headers lowercased, sorted, trimmed, repeated names joined in order",
	    cr, "PUT\n/b/k\n\nhost:h\n"
	    "x-amz-meta-a:first,second\n"
	    "x-amz-meta-b:two inner spaces\n"
	    "x-amz-meta-empty:\n\n"
	    "host;x-amz-meta-a;x-amz-meta-b;x-amz-meta-empty\n"
	    "UNSIGNED-PAYLOAD");
	free(cr);
}

static void
test_amz_date(void)
{
	char d[17];

	sigv4_amz_date(aws_when, d);
	check_str("amz date of the AWS examples", d, "20130524T000000Z");
	sigv4_amz_date(1795642496, d);	/* a time of day with every field set */
	check_str("amz date is UTC with seconds", d, "20261125T213456Z");
}

int
main(void)
{
	test_get_object();
	test_put_object();
	test_bucket_examples();
	test_presign();
	test_uri_encode();
	test_canonical_query();
	test_headers();
	test_amz_date();
	return TAP_END();
}
