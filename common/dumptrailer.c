#include <stdio.h>
#include <string.h>

#include "dumptrailer.h"

static int
line_is(const char *p, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(p, s, len) == 0;
}

static int
line_starts(const char *p, size_t len, const char *s)
{
	return len >= strlen(s) && memcmp(p, s, strlen(s)) == 0;
}

static int
line_blank(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

enum dumptrailer_kind
dumptrailer_classify(const char *line, size_t len)
{
	if (line_is(line, len, DUMPTRAILER_DB))
		return DUMPTRAILER_DONE_DB;
	if (line_is(line, len, DUMPTRAILER_CLUSTER))
		return DUMPTRAILER_DONE_CLUSTER;
	if (line_is(line, len, DUMPTRAILER_CLUSTER_HEAD))
		return DUMPTRAILER_HEAD;
	if (line_blank(line, len) || line_starts(line, len, "--") || line_starts(line, len, "\\unrestrict "))
		return DUMPTRAILER_MAY_FOLLOW;
	return DUMPTRAILER_OTHER;
}

void
dumptrailer_init(struct dumptrailer *t)
{
	memset(t, 0, sizeof(*t));
}

/* The line's printable start, for a message. */
static void
quote_line(char *out, size_t outsize, const char *p, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && p[i] != '\n' && o + 1 < outsize; i++)
		out[o++] = ((unsigned char)p[i] >= 0x20 && (unsigned char)p[i] < 0x7f) ? p[i] : '?';
	out[o] = '\0';
}

/* A line that may not follow the trailer. */
static void
other(struct dumptrailer *t, const char *line, size_t len, unsigned long lineno)
{
	quote_line(t->last, sizeof(t->last), line, len);
	if (t->seen && !t->followed) {
		t->followed = 1;
		t->after = lineno;
		memcpy(t->follows, t->last, sizeof(t->follows));
	}
}

static void
trailer_seen(struct dumptrailer *t, unsigned long lineno)
{
	t->seen = 1;
	t->followed = 0;
	t->at = lineno;
}

void
dumptrailer_line(struct dumptrailer *t, const char *line, size_t len, unsigned long lineno)
{
	const char *nl = memchr(line, '\n', len);

	if (nl != NULL)
		len = (size_t)(nl - line);
	switch (dumptrailer_classify(line, len)) {
	case DUMPTRAILER_HEAD:
		t->cluster = 1;
		break;
	case DUMPTRAILER_DONE_DB:
		/* Inside pg_dumpall's output each database ends with its own:
		 * only the cluster's counts. */
		if (!t->cluster)
			trailer_seen(t, lineno);
		break;
	case DUMPTRAILER_DONE_CLUSTER:
		if (t->cluster)
			trailer_seen(t, lineno);
		break;
	case DUMPTRAILER_MAY_FOLLOW:
		break;
	case DUMPTRAILER_OTHER:
		other(t, line, len, lineno);
		break;
	}
}

void
dumptrailer_statement(struct dumptrailer *t, const char *sql, size_t len, unsigned long lineno)
{
	const char *nl;

	/* Quote its first line with text, on the line it is on. */
	while (len > 0 && (*sql == ' ' || *sql == '\t' || *sql == '\r' || *sql == '\n')) {
		lineno += lineno != 0 && *sql == '\n';
		sql++, len--;
	}
	nl = memchr(sql, '\n', len);
	other(t, sql, nl != NULL ? (size_t)(nl - sql) : len, lineno);
}

const char *
dumptrailer_want(const struct dumptrailer *t)
{
	return t->cluster ? DUMPTRAILER_CLUSTER : DUMPTRAILER_DB;
}

static const char *
dumptrailer_tool(const struct dumptrailer *t)
{
	return t->cluster ? "pg_dumpall" : "pg_dump";
}

int
dumptrailer_check(const struct dumptrailer *t, unsigned long end_line, struct dk_err *e)
{
	char at[32] = "", after[32] = "", last[96] = "";

	if (!t->seen) {
		if (end_line != 0)
			snprintf(at, sizeof(at), " at line %lu", end_line);
		if (t->last[0] != '\0')
			snprintf(last, sizeof(last), "; its last line is \"%s\"", t->last);
		dk_fail(e, DK_EDATA, "incomplete dump: it ends%s without %s's completion trailer \"%s\"%s",
			at, dumptrailer_tool(t), dumptrailer_want(t), last);
		return dk_err_line(e, end_line);
	}
	if (t->followed) {
		if (t->at != 0)
			snprintf(at, sizeof(at), " (line %lu)", t->at);
		if (t->after != 0)
			snprintf(after, sizeof(after), " on line %lu", t->after);
		dk_fail(e, DK_EDATA, "the dump goes on after %s's completion trailer%s: \"%s\"%s; "
			"text appended to a dump, or two dumps in one", dumptrailer_tool(t), at, t->follows, after);
		return dk_err_line(e, t->after);
	}
	return DK_OK;
}
