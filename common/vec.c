#include <stdint.h>
#include <stdlib.h>

#include "vec.h"

int
vec_reserve(void **arr, size_t *cap, size_t need, size_t elsize)
{
	size_t c = *cap ? *cap : 8;
	void *p;

	if (need <= *cap)
		return 0;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			return -1;
		c *= 2;
	}
	if (elsize != 0 && c > SIZE_MAX / elsize)
		return -1;
	if ((p = realloc(*arr, c * elsize)) == NULL)
		return -1;
	*arr = p;
	*cap = c;
	return 0;
}
