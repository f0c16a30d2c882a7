/* The little JSON drkit speaks: strings written with RFC 8259 escaping, and
 * the scalars of one flat object read back (r2ls --ndjson lines). */
#ifndef DRKIT_JSON_H
#define DRKIT_JSON_H

#include <stdio.h>

/* Writes s as a quoted JSON string. */
void json_write_string(FILE *f, const char *s);

/* A cursor over one JSON text of known length. */
struct json_cur {
	const char *p;
	const char *end;
};

void json_skip_space(struct json_cur *c);

/* Consumes c if it is the next byte after white space. */
int json_eat(struct json_cur *c, char ch);

/* Reads a string into a malloc'd, NUL-terminated *out (UTF-8; \u escapes
 * and surrogate pairs decoded). 0 when the next value is not a string, or
 * holds U+0000 (a key cannot). */
int json_read_string(struct json_cur *c, char **out);

/* Reads a non-negative integer without fraction or exponent. */
int json_read_uint(struct json_cur *c, unsigned long long *v);

/* Skips any one value, objects and arrays included. */
int json_skip_value(struct json_cur *c);

#endif
