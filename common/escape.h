/* The one way a key is escaped on a line of text: r2ls prints a key that
 * holds a control byte so, stalecheck names keys so, and lsparse reads
 * them back. Backslash and control bytes become \\ \n \t \r or \xHH, so
 * that a name never splits a line and reads back unambiguously. */
#ifndef DRKIT_ESCAPE_H
#define DRKIT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Whether key holds a control byte (one that could split or hide a line). */
int escape_key_needed(const char *key);

/* Writes key escaped, and also every byte found in also (may be NULL) as
 * \xHH. */
void escape_key_write(FILE *f, const char *key, const char *also);

/* Decodes s[0..len) as escape_key_write wrote it into a malloc'd string
 * (NULL when out of memory). A backslash before anything else stays as it
 * is, since plain `aws s3 ls` output does not escape; \x00 is not decoded. */
char *escape_key_decode(const char *s, size_t len);

#endif
