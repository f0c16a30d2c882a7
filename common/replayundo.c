/* The names of what a restore made outside its transaction (databases,
 * tablespaces, roles; the tables COPY FREEZE may load), and the undo that
 * drops them again when the restore fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "pgconn.h"
#include "replay_int.h"
#include "vec.h"

int
replay_remember(struct names *l, const char *name)
{
	char *copy = strdup(name);

	if (copy == NULL || vec_reserve((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v)) != 0) {
		free(copy);
		return -1;
	}
	l->v[l->n++] = copy;
	return 0;
}

void
replay_names_free(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* DROP kind name for each name, on pg. */
static void
undo_list(struct replay *rp, PGconn *pg, const char *kind, const struct names *l, const char *suffix)
{
	struct dk_err e2;

	dk_err_clear(&e2);
	for (size_t i = 0; i < l->n; i++) {
		char *q = pgconn_quote_ident(pg, l->v[i]), sql[600];
		snprintf(sql, sizeof(sql), "DROP %s IF EXISTS %s%s", kind, q, suffix);
		if (pgconn_exec(pg, sql, &e2) == DK_OK)
			log_trace(rp->o->log, "dropped %s %s again", kind, q);
		free(q);
	}
}

/* Undoes what autocommitted: the databases, tablespaces and roles the dump
 * created, in that order (a database may lie in a tablespace, a role own
 * either). */
void
replay_undo(struct replay *rp)
{
	struct dk_err e2;
	PGconn *pg;

	replay_close_all(rp);
	if (rp->dbs_made.n == 0 && rp->roles_made.n == 0 && rp->spaces_made.n == 0)
		return;
	dk_err_clear(&e2);
	if ((pg = pgconn_open(rp->o->conninfo, rp->first_db, &e2)) == NULL)
		return;
	undo_list(rp, pg, "DATABASE", &rp->dbs_made, PQserverVersion(pg) >= 130000 ? " WITH (FORCE)" : "");
	undo_list(rp, pg, "TABLESPACE", &rp->spaces_made, "");
	undo_list(rp, pg, "ROLE", &rp->roles_made, "");
	PQfinish(pg);
}
