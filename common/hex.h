/* Lowercase hexadecimal: the one encoder and decoder every digest uses. */
#ifndef DRKIT_HEX_H
#define DRKIT_HEX_H

#include <stddef.h>

/* Writes 2 * len digits and a NUL into out (2 * len + 1 bytes). */
void hex_encode(const void *data, size_t len, char *out);

/* Reads exactly 2 * len digits of either case from s into out; returns 0,
 * or -1 when s is shorter or holds anything else (out is then undefined).
 * What follows the digits is the caller's to judge. */
int hex_decode(const char *s, void *out, size_t len);

#endif
