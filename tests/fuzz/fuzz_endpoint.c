/* libFuzzer target: endpoint URLs (R2_ENDPOINT, endpoint_url). Any string
 * is read without a fault; one that is accepted gives a base URL with a
 * scheme and a host, and nothing after the host. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct settings set = { .region = "auto" };
	struct s3req_target t;
	struct dk_err e = { 0 };

	if ((set.endpoint = strndup((const char *)data, size)) == NULL)
		return 0;
	if (s3req_target_init(&t, &set, &e) == DK_OK) {
		const char *h = strstr(t.base, "://");
		if (h == NULL || h[3] == '\0' || strcmp(h + 3, t.host) != 0)
			abort();	/* the base is scheme://host, whatever came in */
	} else if (e.status != DK_ECONFIG && e.status != DK_EIO) {
		abort();	/* a bad endpoint is a configuration error */
	}
	s3req_target_free(&t);
	free(set.endpoint);
	return 0;
}
