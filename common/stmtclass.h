/* What a statement of a dump is to the restore, by its tokens as
 * PostgreSQL's lexer would read them (blanks, -- and nested slash-star
 * comments skipped, keywords in any case, quoted identifiers and strings
 * never taken for keywords; no SQL is parsed): pure functions, so that what
 * the restore refuses or treats apart is testable without a server. */
#ifndef DRKIT_STMTCLASS_H
#define DRKIT_STMTCLASS_H

#include <stddef.h>

enum stmt_kind {
	STMT_OTHER,
	STMT_TXN,		/* BEGIN, COMMIT...: the restore owns the transaction, left out */
	STMT_TXN_END,		/* ROLLBACK, two-phase commit: would end it, refused */
	STMT_COPY,		/* COPY ... FROM stdin: data follows */
	STMT_OWNER,		/* ALTER ... OWNER TO, SET SESSION AUTHORIZATION (-O) */
	STMT_PRIV,		/* GRANT, REVOKE, ALTER DEFAULT PRIVILEGES (-x) */
	STMT_CREATE_DB,		/* runs outside the transaction, undone on failure */
	STMT_DROP,		/* DROP DATABASE, DROP TABLESPACE: a restore never destroys */
	STMT_NONTX,		/* cannot run in a transaction: held until the dump verified */
	STMT_CREATE_ROLE,	/* skipped when the role exists, undone on failure */
	STMT_INDEX,		/* an index or key: post-data, may run in parallel */
	STMT_INSERT,		/* INSERT INTO: its rows are counted */
	STMT_TABLESPACE,	/* CREATE TABLESPACE: outside the transaction, undone on failure */
	STMT_PROGRAM,		/* COPY ... PROGRAM, or a DO block that spells one: a shell on the server */
};

#define STMT_SNIP 72		/* how much of a statement's first line messages quote */

enum stmt_kind stmtclass_kind(const char *sql, size_t n);

/* The name the statement acts on, malloc'ed, or NULL: the table of a COPY
 * or INSERT as the dump writes it (schema.name, quotes kept); the database
 * of CREATE DATABASE, the role of CREATE ROLE and the tablespace of CREATE
 * TABLESPACE as SQL reads them ("Quoted" kept, else folded to lower case). */
char *stmtclass_name(const char *sql, size_t n, enum stmt_kind k);

/* 1 when a statement of kind k belongs to the cluster-wide part of a
 * dump, before its first database (roles, tablespaces, database settings,
 * session settings): what may commit before the dump is verified. */
int stmtclass_cluster_wide(const char *sql, size_t n, enum stmt_kind k);

/* The table a CREATE TABLE or CREATE UNLOGGED TABLE makes, named as the
 * dump writes it (schema.name, quotes kept, as stmtclass_name names a
 * COPY's), malloc'ed; NULL for any other statement. *partitioned is 1 for
 * a partitioned table (PARTITION BY), which COPY FREEZE refuses. */
char *stmtclass_created_table(const char *sql, size_t n, int *partitioned);

/* Where a COPY ... FROM stdin may take an option list: the offset just
 * past its stdin when nothing but the ';' follows (pg_dump's spelling);
 * 0 when it has options of its own or is no such COPY. */
size_t stmtclass_copy_options_at(const char *sql, size_t n);

/* For pg_dump's ALTER TABLE ONLY t ADD CONSTRAINT c FOREIGN KEY ...; (one
 * constraint, not NOT VALID already): the statement that validates it
 * later (ALTER TABLE ONLY t VALIDATE CONSTRAINT c;), malloc'ed, and in
 * *at the offset where " NOT VALID" goes (its ';', else n). NULL for
 * any other statement. */
char *stmtclass_foreign_key(const char *sql, size_t n, size_t *at);

/* 1 for what leaves a snapshot or portal registered in the transaction
 * (DECLARE of a cursor, PREPARE), after which COPY FREEZE is refused. */
int stmtclass_holds_snapshot(const char *sql, size_t n);

/* 1 for a statement that only sets the session (SET, RESET, SET SESSION
 * AUTHORIZATION, pg_dump's SELECT pg_catalog.set_config(...)): what
 * another connection must repeat to build the dump's indexes as its own
 * session would. SET LOCAL, SET TRANSACTION and SET CONSTRAINTS do not. */
int stmtclass_is_setting(const char *sql, size_t n);

/* The statement's first line into out[STMT_SNIP], cut with "..." when long. */
void stmtclass_first_line(const char *sql, size_t n, char *out);

/* The statement's first two words in capitals ("DROP TABLESPACE"), comments
 * left out, into out[STMT_SNIP]: what messages call it. */
void stmtclass_words(const char *sql, size_t n, char *out);

#endif
