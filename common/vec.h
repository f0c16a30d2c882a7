/* The one growable array: capacity doubles, so n appends cost O(n). */
#ifndef DRKIT_VEC_H
#define DRKIT_VEC_H

#include <stddef.h>

/* Makes room for at least need elements of elsize bytes in *arr, whose
 * capacity is *cap; returns 0, or -1 on ENOMEM (*arr is then untouched).
 *	if (vec_reserve((void **)&v, &cap, n + 1, sizeof(*v)) != 0) ...
 */
int vec_reserve(void **arr, size_t *cap, size_t need, size_t elsize);

#endif
