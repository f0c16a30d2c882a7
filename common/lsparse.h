/* Reads r2ls output back into entries: the `aws s3 ls` format (local
 * time), its --rfc3339 variant (UTC) and --ndjson, detected line by line.
 * Whoever produces entries (this parser, a live listing) hands the same
 * struct ls_list to the evaluator. */
#ifndef DRKIT_LSPARSE_H
#define DRKIT_LSPARSE_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "err.h"

struct ls_entry {
	char *key;			/* unescaped; malloc'd */
	unsigned long long size;	/* bytes */
	time_t mtime;			/* last modified */
	char *etag;			/* malloc'd, quotes kept; NULL when unknown */
};

struct ls_list {
	struct ls_entry *v;
	size_t n, cap;
	size_t prefixes;		/* "PRE dir/" lines seen */
	long long total_objects;	/* --summarize's count; -1 when absent */
};

enum ls_line_kind {
	LS_LINE_ENTRY,			/* *entry was filled */
	LS_LINE_PREFIX,			/* "PRE dir/" */
	LS_LINE_OTHER,			/* blank line, "Total Size:" */
	LS_LINE_TOTAL,			/* "Total Objects: N"; N in entry->size */
};

void lsparse_init(struct ls_list *l);
void lsparse_free(struct ls_list *l);

/* Appends a copy of key and etag (NULL allowed). DK_EIO when out of memory. */
int lsparse_add(struct ls_list *l, const char *key, unsigned long long size, time_t mtime,
    const char *etag, struct dk_err *e);

/* Parses one line (len bytes, no newline) of any of the three formats.
 * DK_EDATA with e filled when the line is none of them. */
int lsparse_line(const char *line, size_t len, struct ls_entry *entry, enum ls_line_kind *kind,
    struct dk_err *e);

/* Reads every line of f into l. DK_EDATA naming the line number when one
 * is not r2ls output, or when --summarize's count disagrees with the
 * objects read (a listing cut short); DK_EIO when f cannot be read. */
int lsparse_read(FILE *f, const char *what, struct ls_list *l, struct dk_err *e);

/* Writes key as r2ls prints it (escape_key_write: control bytes and
 * backslash escaped), and every byte of also as \xHH. */
void lsparse_write_key(FILE *f, const char *key, const char *also);

#endif
