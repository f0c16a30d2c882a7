/* libFuzzer target: the gzip verifier on arbitrary bytes, fed whole and in
 * two pieces, through each inflate backend; both ways must agree. */
#include <stdint.h>
#include <stdlib.h>

#include "gzcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
check(const uint8_t *data, size_t size, size_t split, enum inflate_backend b)
{
	struct gzcheck g;
	struct dk_err e = { 0 };
	int rc;

	if (gzcheck_init_with(&g, NULL, 0, b, &e) != DK_OK)
		return -1;
	rc = gzcheck_update(&g, data, split, &e);
	if (rc == DK_OK)
		rc = gzcheck_update(&g, data + split, size - split, &e);
	if (rc == DK_OK)
		rc = gzcheck_finish(&g, &e);
	gzcheck_free(&g);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (check(data, size, size, INFLATE_ISAL) != check(data, size, size / 2, INFLATE_ISAL))
		abort();
	if (check(data, size, size, INFLATE_ZLIB) != check(data, size, size / 2, INFLATE_ZLIB))
		abort();
	return 0;
}
