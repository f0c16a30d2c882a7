/* S3's XML answers as services send them: listing pages, Error documents,
 * DeleteResult, and what is not one of them: near-miss element names, a
 * nesting too deep to hold, a time with a zone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3xml.h"
#include "tap.h"

#define LEN(s) (sizeof(s) - 1)

/* 2026-11-25T03:03:24Z */
static const time_t t_0303 = 1795575804;

static const char page_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Name>bkt</Name><Prefix>daily/</Prefix><KeyCount>2</KeyCount>"
    "<IsTruncated>true</IsTruncated>"
    "<NextContinuationToken>tok+en/=</NextContinuationToken>"
    "<EncodingType>url</EncodingType>"
    "<Contents><Key>daily/a+b%2Bc.gz</Key><LastModified>2026-11-25T03:03:24.000Z</LastModified>"
    "<ETag>&quot;abc&quot;</ETag><Size>1234</Size></Contents>"
    "<Contents><Key>daily/z%0Aline</Key><LastModified>2026-11-25T05:03:24+02:00</LastModified>"
    "<ETag>&quot;def&quot;</ETag><Size>5</Size></Contents>"
    "<CommonPrefixes><Prefix>daily/sub%20dir/</Prefix></CommonPrefixes>"
    "</ListBucketResult>";

static void
test_list_page(void)
{
	struct s3xml_list_page pg;
	struct dk_err e = { 0 };
	int rc = s3xml_parse_list(page_xml, LEN(page_xml), &pg, &e);

	CHECK(rc == DK_OK, "a ListObjectsV2 page parses");
	if (rc != DK_OK)
		return;
	CHECK(pg.nentries == 2 && pg.nprefixes == 1, "two objects and one common prefix");
	CHECK(pg.truncated, "IsTruncated true");
	CHECK(pg.next_token != NULL && strcmp(pg.next_token, "tok+en/=") == 0,
	    "the continuation token is kept as sent");
	CHECK(strcmp(pg.entries[0].key, "daily/a b+c.gz") == 0,
	    "url encoding: '+' is a space, %%2B a plus");
	CHECK(strcmp(pg.entries[1].key, "daily/z\nline") == 0, "a newline in a key survives");
	CHECK(strcmp(pg.prefixes[0], "daily/sub dir/") == 0, "prefixes are decoded too");
	CHECK(pg.entries[0].size == 1234 && pg.entries[1].size == 5, "sizes");
	CHECK(strcmp(pg.entries[0].etag, "\"abc\"") == 0, "the ETag, entities read");
	CHECK(pg.entries[0].mtime == t_0303, "LastModified with fractional seconds and Z");
	CHECK(pg.entries[1].mtime == t_0303, "LastModified with a +02:00 offset is the same instant");
	s3xml_list_page_free(&pg);
}

static void
test_list_not_a_listing(void)
{
	static const char near_miss[] =
	    "<ListBucketResultX><IsTruncated>false</IsTruncated></ListBucketResultX>";
	static const char inner_only[] =
	    "<Other><ListBucketResult><Contents><Key>k</Key></Contents></ListBucketResult></Other>";
	static const char bad_time[] =
	    "<ListBucketResult><Contents><Key>k</Key><LastModified>yesterday</LastModified>"
	    "</Contents></ListBucketResult>";
	static const char empty[] = "<ListBucketResult><IsTruncated>false</IsTruncated>"
	    "</ListBucketResult>";
	struct s3xml_list_page pg;
	struct dk_err e = { 0 };
	int rc;

	rc = s3xml_parse_list(near_miss, LEN(near_miss), &pg, &e);
	CHECK(rc == DK_ESERVICE, "<ListBucketResultX> is not a listing (no prefix match)");
	dk_err_clear(&e);
	rc = s3xml_parse_list(inner_only, LEN(inner_only), &pg, &e);
	CHECK(rc == DK_ESERVICE, "a ListBucketResult that is not the root is not a listing");
	dk_err_clear(&e);
	rc = s3xml_parse_list(bad_time, LEN(bad_time), &pg, &e);
	CHECK(rc == DK_ESERVICE, "a LastModified that is no time is refused, not read as 0");
	dk_err_clear(&e);
	rc = s3xml_parse_list("<ListBucketResult>", 18, &pg, &e);
	CHECK(rc == DK_ESERVICE, "a page cut short is refused");
	dk_err_clear(&e);
	rc = s3xml_parse_list(empty, LEN(empty), &pg, &e);
	CHECK(rc == DK_OK && pg.nentries == 0 && !pg.truncated, "an empty listing is one");
	if (rc == DK_OK)
		s3xml_list_page_free(&pg);
}

/* A listing whose elements nest until their path passes 512 bytes. */
static void
test_deep_nesting(void)
{
	struct s3xml_list_page pg;
	struct dk_err e = { 0 };
	char *xml = malloc(8192), *p = xml;
	int rc;

	p += sprintf(p, "<ListBucketResult><Contents>");
	for (int i = 0; i < 60; i++)
		p += sprintf(p, "<Deep%04d>", i);
	for (int i = 59; i >= 0; i--)
		p += sprintf(p, "</Deep%04d>", i);
	p += sprintf(p, "<Key>k</Key></Contents></ListBucketResult>");
	rc = s3xml_parse_list(xml, (size_t)(p - xml), &pg, &e);
	CHECK(rc == DK_ESERVICE, "elements nested past the path buffer are an error, "
	    "not a silent truncation");
	CHECK(strstr(e.msg, "nested deeper") != NULL, "... that says so: %s", e.msg);
	free(xml);
}

static void
test_error_document(void)
{
	static const char doc[] =
	    "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code>"
	    "<Message>The specified key does not exist.</Message><Key>k</Key></Error>";
	static const char nested[] =
	    "<Wrapper><Error><Code>NoSuchKey</Code></Error></Wrapper>";
	static const char near_miss[] = "<Errors><Code>NoSuchKey</Code></Errors>";
	struct s3xml_error xe;
	int rc;

	rc = s3xml_parse_error(doc, LEN(doc), &xe);
	CHECK(rc == 0 && strcmp(xe.code, "NoSuchKey") == 0, "an Error document's code");
	CHECK(strcmp(xe.message, "The specified key does not exist.") == 0, "... and message");
	rc = s3xml_parse_error(nested, LEN(nested), &xe);
	CHECK(rc == -1, "an Error below the root is not an Error document");
	rc = s3xml_parse_error(near_miss, LEN(near_miss), &xe);
	CHECK(rc == -1, "<Errors> is not <Error>");
	rc = s3xml_parse_error("", 0, &xe);
	CHECK(rc == -1 && xe.code[0] == '\0', "an empty body is none");
	rc = s3xml_parse_error("not xml", 7, &xe);
	CHECK(rc == -1, "text that is not XML is none");
}

static void
test_delete_result(void)
{
	static const char ok[] = "<DeleteResult></DeleteResult>";
	static const char failed[] =
	    "<DeleteResult><Deleted><Key>a</Key></Deleted>"
	    "<Error><Key>b &amp; c</Key><Code>AccessDenied</Code><Message>no</Message></Error>"
	    "<Error><Key>d</Key><Code>InternalError</Code><Message>later</Message></Error>"
	    "</DeleteResult>";
	static const char near_miss[] = "<DeleteResults></DeleteResults>";
	struct s3xml_delete_failure *f;
	long n;

	n = s3xml_parse_delete(ok, LEN(ok), &f);
	CHECK(n == 0, "a quiet DeleteResult with no error");
	n = s3xml_parse_delete(failed, LEN(failed), &f);
	CHECK(n == 2, "two keys failed");
	if (n == 2) {
		CHECK(strcmp(f[0].key, "b & c") == 0 && strcmp(f[0].code, "AccessDenied") == 0,
		    "the first failure's key and code");
		CHECK(strcmp(f[1].key, "d") == 0 && strcmp(f[1].message, "later") == 0,
		    "the second failure's key and message");
		s3xml_delete_failures_free(f, n);
	}
	n = s3xml_parse_delete(near_miss, LEN(near_miss), &f);
	CHECK(n == -1, "<DeleteResults> is not a DeleteResult");
}

static void
test_upload_id(void)
{
	static const char doc[] = "<InitiateMultipartUploadResult><Bucket>b</Bucket>"
	    "<Key>k</Key><UploadId>VXBsb2FkIElE</UploadId></InitiateMultipartUploadResult>";
	static const char other[] = "<Result><UploadId>x</UploadId></Result>";
	char *id = s3xml_parse_upload_id(doc, LEN(doc));

	CHECK(id != NULL && strcmp(id, "VXBsb2FkIElE") == 0, "the UploadId of a new upload");
	free(id);
	id = s3xml_parse_upload_id(other, LEN(other));
	CHECK(id == NULL, "none in another document");
	free(id);
}

int
main(void)
{
	test_list_page();
	test_list_not_a_listing();
	test_deep_nesting();
	test_error_document();
	test_delete_result();
	test_upload_id();
	return TAP_END();
}
