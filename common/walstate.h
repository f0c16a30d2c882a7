/* walpush's state directory (pg_wal/.walpush): one small file a segment,
 * saying what an earlier call stored for it, so that the call PostgreSQL
 * makes for that segment later need not ask the service again. Every
 * operation is best effort: without the state the call asks the service. */
#ifndef DRKIT_WALSTATE_H
#define DRKIT_WALSTATE_H

struct walstate {
	char *dir;			/* PGWAL/.walpush, NULL without one */
};

/* Opens (creates) the directory inside waldir when waldir is PostgreSQL's
 * pg_wal (it has archive_status); else st->dir stays NULL. Free st->dir. */
void walstate_open(struct walstate *st, const char *waldir);
/* Whether an earlier call left an entry for name. */
int walstate_has(const struct walstate *s, const char *name);
/* Whether name's entry is exactly line; the entry is used up either way. */
int walstate_take(const struct walstate *s, const char *name, const char *line);
/* Records line as name's entry, atomically. */
void walstate_put(const struct walstate *s, const char *name, const char *line);
/* Drops entries whose segment PostgreSQL has removed or recycled. */
void walstate_prune(const struct walstate *s, const char *waldir);
#endif
