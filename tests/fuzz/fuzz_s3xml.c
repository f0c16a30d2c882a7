/* libFuzzer target: every S3 answer parser on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "s3xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct s3xml_error xe;
	struct s3xml_list_page page;
	struct s3xml_delete_failure *f;
	struct dk_err e = { 0 };
	long n;

	s3xml_parse_error(body, size, &xe);
	if (s3xml_parse_list(body, size, &page, &e) == DK_OK)
		s3xml_list_page_free(&page);
	free(s3xml_parse_upload_id(body, size));
	if ((n = s3xml_parse_delete(body, size, &f)) > 0)
		s3xml_delete_failures_free(f, n);
	return 0;
}
