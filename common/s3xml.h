/* S3's XML answers, read with expat: the Error document, list pages,
 * multipart upload and batch delete results. */
#ifndef DRKIT_S3XML_H
#define DRKIT_S3XML_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

struct s3xml_error {
	char code[64];		/* "NoSuchKey"; "" when the body was no Error document */
	char message[256];
};

/* Fills out from an Error document; returns 0 when body was one. */
int s3xml_parse_error(const char *body, size_t len, struct s3xml_error *out);

struct s3_entry {		/* one object of a listing */
	char *key;		/* full key, decoded */
	uint64_t size;
	time_t mtime;
	char etag[80];
};

struct s3xml_list_page {
	struct s3_entry *entries;
	size_t nentries;
	char **prefixes;	/* CommonPrefixes, decoded */
	size_t nprefixes;
	int truncated;
	char *next_token;	/* NextContinuationToken, NULL when none */
};

/* Parses one ListObjectsV2 page (keys URL-decoded when EncodingType is
 * url). DK_ESERVICE when the body is not a listing. */
int s3xml_parse_list(const char *body, size_t len, struct s3xml_list_page *page,
    struct dk_err *e);
void s3xml_list_page_free(struct s3xml_list_page *page);

/* The UploadId of an InitiateMultipartUploadResult, malloc'ed, or NULL. */
char *s3xml_parse_upload_id(const char *body, size_t len);

struct s3xml_delete_failure {
	char *key;
	char code[64];
	char message[256];
};

/* The <Error> entries of a DeleteResult; returns their count, or -1 when
 * the body is not a DeleteResult. *failures is malloc'ed. */
long s3xml_parse_delete(const char *body, size_t len, struct s3xml_delete_failure **failures);
void s3xml_delete_failures_free(struct s3xml_delete_failure *f, long n);

#endif
