/* psql's meta-commands as a restore meets them in a dump: \connect and
 * \encoding are run (by the caller), \restrict and \unrestrict kept here as
 * state; while restricted any other meta-command is an error, and every
 * other meta-command is refused, never executed. No server needed. */
#ifndef DRKIT_PSQLMETA_H
#define DRKIT_PSQLMETA_H

#include <stddef.h>

#include "err.h"

enum psqlmeta_what {
	PSQLMETA_NONE,		/* handled here (\restrict, \unrestrict) */
	PSQLMETA_CONNECT,	/* switch to the database arg */
	PSQLMETA_ENCODING,	/* set the client encoding arg */
};

struct psqlmeta {
	char *key;		/* \restrict's key while restricted, else NULL */
};

struct psqlmeta_cmd {
	enum psqlmeta_what what;
	char *arg;		/* malloc'ed; the caller frees it */
};

void psqlmeta_init(struct psqlmeta *m);
void psqlmeta_free(struct psqlmeta *m);

/* One meta-command line (text[0] is the backslash) at dump line line.
 * DK_OK with *cmd saying what to do; DK_ESAFETY for a refused one, DK_EDATA
 * for a malformed one, e saying which. */
int psqlmeta_parse(struct psqlmeta *m, const char *text, size_t n, unsigned long line,
    struct psqlmeta_cmd *cmd, struct dk_err *e);

/* At the end of the dump (line lines): DK_EDATA when still restricted. */
int psqlmeta_finish(const struct psqlmeta *m, unsigned long lines, struct dk_err *e);

#endif
