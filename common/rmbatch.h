/* r2rm's engine: the objects named as arguments or on a stream, queued
 * into DeleteObjects requests of up to 1000 keys of one bucket. Only what
 * the service deleted is said to be deleted. */
#ifndef DRKIT_RMBATCH_H
#define DRKIT_RMBATCH_H

#include <stdio.h>

#include "s3.h"

#define RMBATCH_MAX 1000	/* DeleteObjects' limit */

struct rmbatch {
	struct s3_client *c;
	const char *default_bucket;	/* a bare KEY's bucket ($R2_BUCKET); may be NULL */
	int dry_run;			/* say what would be deleted, delete nothing */
	FILE *out;			/* "delete: s3://B/K" per object; NULL: say nothing */
	/* A key the service would not delete, in one line. It is an error:
	 * the caller shows it even when quiet. */
	void (*refused)(void *arg, const char *msg);
	void *arg;

	char *bucket;			/* of the queued keys */
	char *keys[RMBATCH_MAX];
	char not_deleted[RMBATCH_MAX];	/* the service refused keys[i] */
	size_t n;
	unsigned long failed;		/* keys refused so far */
	unsigned long deleted;
	int fail_status;		/* the status of the first refusal */
};

void rmbatch_init(struct rmbatch *b, struct s3_client *c, const char *default_bucket);

/* Queues one name (s3://BUCKET/KEY, r2://BUCKET/KEY or KEY); a batch is
 * sent when full or when the bucket changes. */
int rmbatch_add(struct rmbatch *b, const char *name, struct dk_err *e);

/* Queues every name of f, each ended by delim ('\n' or '\0'); empty
 * names are skipped, a NUL inside a newline-ended name is DK_EUSAGE. */
int rmbatch_add_stream(struct rmbatch *b, FILE *f, int delim, struct dk_err *e);

/* Queues names in order, "-" standing for the names on in (read with
 * delim); no names at all means in. "-" given twice is DK_EUSAGE before
 * anything is queued: standard input is read once. */
int rmbatch_add_names(struct rmbatch *b, char *const *names, int n, FILE *in, int delim,
    struct dk_err *e);

/* Sends what is queued. DK_OK only when every object was deleted; else
 * the status of the first key refused (by s3err_classify) and a message
 * counting them. */
int rmbatch_finish(struct rmbatch *b, struct dk_err *e);

void rmbatch_free(struct rmbatch *b);

#endif
