/* libFuzzer target: object names as users type them. A name that parses
 * has a bucket and a key that come from the input, whatever it held. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "objname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *arg = strndup((const char *)data, size);
	struct objname n = { 0 };
	struct dk_err e = { 0 };

	if (arg == NULL)
		return 0;
	if (objname_parse(arg, size & 1 ? "default-bucket" : NULL, &n, &e) == DK_OK) {
		if (n.bucket == NULL || n.key == NULL || *n.bucket == '\0')
			abort();
		if (strlen(n.key) > strlen(arg))
			abort();
		objname_free(&n);
	} else if (e.status == DK_OK || e.msg[0] == '\0') {
		abort();	/* a refusal always says why */
	}
	free(arg);
	return 0;
}
