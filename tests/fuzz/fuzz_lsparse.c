/* libFuzzer target: reading r2ls listings (all three formats). */
#include <stdint.h>
#include <stdio.h>

#include "lsparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ls_list l;
	struct dk_err e = { 0 };
	FILE *f = fmemopen((void *)data, size, "r");

	if (f == NULL)
		return 0;
	lsparse_init(&l);
	lsparse_read(f, "input", &l, &e);
	lsparse_free(&l);
	fclose(f);
	return 0;
}
