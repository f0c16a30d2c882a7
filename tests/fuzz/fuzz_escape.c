/* libFuzzer target: the key escaper. Any key (any bytes but NUL) written
 * escaped holds no control character or non-UTF-8 byte, and reads back as
 * the same key. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *key = strndup((const char *)data, size), *out = NULL, *back;
	size_t len = 0;
	FILE *f;

	if (key == NULL || (f = open_memstream(&out, &len)) == NULL) {
		free(key);
		return 0;
	}
	escape_key_write(f, key, NULL);
	fclose(f);
	if (escape_key_needed(out))
		abort();	/* what was escaped still needs escaping */
	if ((back = escape_key_decode(out, len)) != NULL && strcmp(back, key) != 0)
		abort();	/* it does not read back */
	free(back);
	free(out);
	free(key);
	return 0;
}
