/* The one way a key is escaped on a line of text: r2ls prints a key that
 * holds a control byte so, stalecheck names keys so, and lsparse reads
 * them back. Backslash and control bytes become \\ \n \t \r or \xHH, so
 * that a name never splits a line and reads back unambiguously. */
#ifndef DRKIT_ESCAPE_H
#define DRKIT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Whether key holds a control character (one that could split or hide a
 * line, C0, DEL or C1) or bytes that are not UTF-8. */
int escape_key_needed(const char *key);

/* Writes key escaped, and also every byte found in also (may be NULL) as
 * \xHH. Bytes that are not UTF-8, and C1 characters, are \xHH too. */
void escape_key_write(FILE *f, const char *key, const char *also);

/* A key on a line of text: as it is when it holds nothing to escape (as
 * aws prints it), else escaped. */
void escape_key_print(FILE *f, const char *key);

/* A message for a terminal: control characters and bytes that are not
 * UTF-8 escaped as escape_key_write does, backslashes left as they are. */
void escape_text_write(FILE *f, const char *text);

/* Decodes s[0..len) as escape_key_write wrote it into a malloc'd string
 * (NULL when out of memory). A backslash before anything else stays as it
 * is, since plain `aws s3 ls` output does not escape; \x00 is not decoded. */
char *escape_key_decode(const char *s, size_t len);

#endif
