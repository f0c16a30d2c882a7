/* The target database's life around a restore: created for --create,
 * a side database for --replace swapped in by renames, dropped again when
 * a restore this run started fails. Nothing that existed is ever dropped. */
#ifndef DRKIT_PGTARGET_H
#define DRKIT_PGTARGET_H

#include <stddef.h>

#include "err.h"

/* Creates database name from template0 unless it exists; *made tells
 * which. owner_of: give it the owner of that database, when it exists
 * (NULL: the connecting user). */
int pgtarget_create(const char *conninfo, const char *name, const char *owner_of, int *made, struct dk_err *e);

/* Drops database name, which this run made (after a failed restore). */
void pgtarget_drop(const char *conninfo, const char *name);

/* "NAME_SUFFIX_YYYYMMDDTHHMMSSZ", cut to PostgreSQL's 63 bytes. */
void pgtarget_name(char *out, size_t size, const char *name, const char *suffix);

/* Moves name aside to before (when it exists) and side into its place:
 * the target's sessions are refused and ended first. */
int pgtarget_swap(const char *conninfo, const char *name, const char *side, const char *before,
		  int *moved, struct dk_err *e);

#endif
