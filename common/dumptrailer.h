/* pg_dump's completion trailer, the one rule: a dump is whole when its last
 * "-- PostgreSQL database dump complete" line (pg_dumpall's "... cluster
 * dump complete", when the dump began as pg_dumpall's) is followed by
 * nothing but blank lines, comments and the \unrestrict that pg_dump
 * 17.6+/15.14+ prints last. r2put --verify pgdump (verify.c) and
 * pgrestore-stream (replay.c) both judge a dump by it. */
#ifndef DRKIT_DUMPTRAILER_H
#define DRKIT_DUMPTRAILER_H

#include <stddef.h>

#include "err.h"

#define DUMPTRAILER_DB "-- PostgreSQL database dump complete"
#define DUMPTRAILER_CLUSTER "-- PostgreSQL database cluster dump complete"
#define DUMPTRAILER_CLUSTER_HEAD "-- PostgreSQL database cluster dump"

enum dumptrailer_kind {
	DUMPTRAILER_OTHER,	/* a line the trailer may not be followed by */
	DUMPTRAILER_MAY_FOLLOW,	/* blank, a comment, \unrestrict */
	DUMPTRAILER_HEAD,	/* pg_dumpall's first comment */
	DUMPTRAILER_DONE_DB,	/* pg_dump's trailer */
	DUMPTRAILER_DONE_CLUSTER,	/* pg_dumpall's */
};

/* What one line (without its newline) is to the rule. */
enum dumptrailer_kind dumptrailer_classify(const char *line, size_t len);

/* The rule's state over a dump read line by line (or item by item: a
 * statement, a meta-command, a comment line). */
struct dumptrailer {
	int cluster;		/* pg_dumpall's head seen */
	int seen;		/* the trailer was seen */
	int followed;		/* and a line that may not follow it came after */
	unsigned long at;	/* line of the last trailer (0: not counted) */
	unsigned long after;	/* line of what followed it */
	char follows[64];	/* that line, quoted */
	char last[64];		/* the last line that may not follow a trailer, quoted */
};

void dumptrailer_init(struct dumptrailer *t);

/* Feeds one line (a multi-line item: its first line counts); lineno is
 * its line in the dump, or 0 when not counted. */
void dumptrailer_line(struct dumptrailer *t, const char *line, size_t len, unsigned long lineno);

/* Feeds an SQL statement, which never may follow the trailer, whatever
 * its first line looks like; lineno as above. */
void dumptrailer_statement(struct dumptrailer *t, const char *sql, size_t len, unsigned long lineno);

/* The trailer the dump must end with: pg_dump's or pg_dumpall's. */
const char *dumptrailer_want(const struct dumptrailer *t);

/* DK_OK when the lines fed end a whole dump. Otherwise DK_EDATA and e
 * says what is wrong: no trailer at its end (the dump ends at end_line,
 * 0 when not counted), or what follows the trailer. */
int dumptrailer_check(const struct dumptrailer *t, unsigned long end_line, struct dk_err *e);

#endif
