/* What drkit adds to jansson: names from outside (S3 keys, ETags,
 * prefixes) kept exact in JSON although they need not be UTF-8, and the
 * one way every JSON line is written (r2ls --ndjson, stalecheck -f json). */
#ifndef DRKIT_JSON_H
#define DRKIT_JSON_H

#include <stdio.h>

#include <jansson.h>

/* A JSON string of s: s itself when it is UTF-8, else s with each byte
 * that does not start a valid sequence as U+FFFD. NULL when out of memory. */
json_t *json_text(const char *s);

/* Sets obj's member name to the name s. JSON strings are Unicode, S3 keys
 * are bytes: when s is not UTF-8, name holds json_text(s), for people,
 * and name_hex its exact bytes in hexadecimal, for programs. So the line
 * stays valid JSON and the name stays exact. 0, or -1 when out of memory. */
int json_set_name(json_t *obj, const char *name, const char *s);

/* Reads back what json_set_name stored: *out is a malloc'd copy of the
 * bytes. 1 found, 0 absent (*out NULL), -1 not a string, a U+0000, bad
 * hex, a name_hex that disagrees with name, or out of memory. */
int json_get_name(const json_t *obj, const char *name, char **out);

/* Writes obj as one line (compact, members in the order they were set,
 * UTF-8 as it is, reals to 15 digits) and drops the caller's reference.
 * 0, or -1 when obj is NULL or f failed. */
int json_write_line(FILE *f, json_t *obj);

#endif
