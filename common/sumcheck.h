/* coreutils' sha256sum, line for line: files hashed into lines, and check
 * lists checked (sha256sum -c) with the same output, warnings and verdict,
 * so that a script written for one runs with the other. */
#ifndef DRKIT_SUMCHECK_H
#define DRKIT_SUMCHECK_H

#include <stdio.h>

#include "err.h"
#include "log.h"

struct sumcheck {
	int binary, tag, zero;	/* how lines are printed: -b, --tag, -z */
	int ignore_missing;	/* -c: the options of sha256sum -c */
	int quiet, status, strict, warn;
	FILE *in;		/* what "-" names, as a list or a file */
	FILE *out;		/* hash lines, "NAME: OK" lines */
	const struct dk_log *log;	/* sha256sum's messages ("NAME: No such file") */
};

/* Prints the hash line of each file. DK_OK, or DK_EDATA when a file could
 * not be read (said through log). */
int sumcheck_print(const struct sumcheck *o, char *const *names, int n);

/* Checks every file each list names. DK_OK when each list held a proper
 * line and every file listed matched (as --ignore-missing, --strict say);
 * else DK_EDATA. */
int sumcheck_lists(const struct sumcheck *o, char *const *lists, int n);

#endif
