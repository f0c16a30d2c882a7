/* The target database's life around a restore: a new one for --create,
 * made under a side name and renamed into place once whole; a side
 * database for --replace swapped in by renames; dropped again when a
 * restore this run started fails. Nothing that existed is ever dropped.
 * A database restored aside is nobody's until the rename, so the restore
 * may commit in steps and use several connections. */
#ifndef DRKIT_PGTARGET_H
#define DRKIT_PGTARGET_H

#include <stddef.h>

#include "err.h"

/* What -d's database goes through around one restore. */
struct pgtarget {
	int create;		/* --create: made when it does not exist */
	int replace;		/* --replace: restored aside, then swapped in */
	char *name;		/* the database -d names */
	char side[64];		/* where the restore goes first (aside) */
	char before[64];	/* --replace: where the old database goes */
	int made;		/* this run created the database it restores into */
	int aside;		/* it restores into side, renamed to name at the end */
	int moved;		/* the old database is now called before */
};

/* Before the restore: creates what it goes into (--create's side
 * database when the target does not exist, --replace's side database,
 * given the owner of the one it replaces).
 * *into: the database to restore into, NULL for conninfo's. */
int pgtarget_begin(struct pgtarget *t, const char *conninfo, const char **into, struct dk_err *e);

/* After it, whose status was rc: when DK_OK, the side database is
 * renamed into place (--replace: swapped in, the old one moved aside);
 * when not (or the rename fails), what begin made is dropped again. Returns the status of the whole. */
int pgtarget_end(struct pgtarget *t, const char *conninfo, int rc, struct dk_err *e);

void pgtarget_free(struct pgtarget *t);

#endif
