#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "lsparse.h"
#include "stalereport.h"
#include "timestamp.h"
#include "units.h"

int
stalereport_parse_format(const char *name, enum stalereport_format *f)
{
	static const char *names[] = { "nagios", "json", "prometheus" };

	for (int i = 0; i < 3; i++) {
		if (strcmp(name, names[i]) == 0) {
			*f = (enum stalereport_format)i;
			return 1;
		}
	}
	return 0;
}

/* The sentence after "BACKUP STATE - ": the problems, then the facts.
 * Bytes of also in the key are escaped (the '|' that starts perfdata). */
static void
write_summary(FILE *f, const struct staleness_result *r, const char *also)
{
	const struct ls_entry *en = r->newest;
	char age[32];

	for (size_t i = 0; i < r->nproblems; i++)
		fprintf(f, "%s%s", i ? "; " : "", r->problems[i]);
	if (en == NULL)
		return;
	fputs(r->nproblems ? "; newest " : "newest ", f);
	lsparse_write_key(f, en->key, also);
	units_format_duration(r->age < 0 ? -r->age : r->age, age, sizeof(age));
	fprintf(f, ": %s %s, %llu bytes, %zu backup%s", age, r->age < 0 ? "in the future" : "old",
	    en->size, r->count, r->count == 1 ? "" : "s");
}

static char *
summary_text(const struct staleness_result *r, const char *also)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	write_summary(f, r, also);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void
write_nagios(FILE *f, const struct staleness_result *r, const struct staleness_policy *p)
{
	fprintf(f, "BACKUP %s - ", staleness_state_name(r->state));
	write_summary(f, r, "|");
	if (!r->judged) {
		fputc('\n', f);
		return;
	}
	fputs(" |", f);
	if (r->newest != NULL) {
		fprintf(f, " age=%llds;%lld;%lld;0 size=%lluB;;", r->age, p->warn_age, p->crit_age,
		    r->newest->size);
		if (p->min_size > 0)
			fprintf(f, "%llu:", p->min_size);
		fputs(";0", f);
	}
	fprintf(f, " count=%zu;%zu:;;0\n", r->count, p->min_count);
}

/* The newest backup's object, or null when none matched. */
static json_t *
json_newest(const struct staleness_result *r)
{
	const struct ls_entry *en = r->newest;
	json_t *o;
	char when[32];

	if (en == NULL)
		return json_null();
	timestamp_format_rfc3339(en->mtime, when, sizeof(when));
	o = json_object();
	if (json_set_name(o, "key", en->key) != 0 ||
	    json_object_update_new(o, json_pack("{s:I,s:s,s:I}", "size", (json_int_t)en->size,
	    "last_modified", when, "age_seconds", (json_int_t)r->age)) != 0 ||
	    (en->etag != NULL ? json_set_name(o, "etag", en->etag) :
	    json_object_set_new(o, "etag", json_null())) != 0 ||
	    json_object_set_new(o, "checksum", json_boolean(r->has_checksum)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
json_problems(const struct staleness_result *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nproblems; i++) {
		if (json_array_append_new(a, json_text(r->problems[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The policy the answer was judged by. */
static json_t *
json_thresholds(const struct staleness_policy *p)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:f,s:I,s:I,s:b}",
	    "warn_age_seconds", (json_int_t)p->warn_age, "crit_age_seconds", (json_int_t)p->crit_age,
	    "max_skew_seconds", (json_int_t)p->max_skew, "min_size_bytes", (json_int_t)p->min_size,
	    "shrink", p->shrink, "history", (json_int_t)p->history,
	    "min_count", (json_int_t)p->min_count, "require_checksum", p->require_checksum);
}

/* One line; the members in the order stalecheck(1) lists them. */
static int
write_json(FILE *f, const struct staleness_result *r, const struct staleness_policy *p,
    const char *prefix)
{
	char *summary = summary_text(r, NULL);
	char now[32];
	json_t *doc;

	if (summary == NULL)
		return -1;
	timestamp_format_rfc3339(p->now, now, sizeof(now));
	doc = json_pack("{s:s,s:i,s:o,s:o}", "status", staleness_state_name(r->state),
	    "code", r->state, "summary", json_text(summary), "problems", json_problems(r));
	free(summary);
	if (json_set_name(doc, "prefix", prefix) != 0 ||
	    json_object_update_new(doc, json_pack("{s:s,s:I,s:I,s:o,s:I,s:o}", "now", now,
	    "objects", (json_int_t)r->objects, "count", (json_int_t)r->count,
	    "newest", json_newest(r), "previous", (json_int_t)r->median_of,
	    "median_previous_size", r->median_of > 0 ? json_integer((json_int_t)r->median) :
	    json_null())) != 0 ||
	    json_object_set_new(doc, "thresholds", json_thresholds(p)) != 0) {
		json_decref(doc);
		return -1;
	}
	return json_write_line(f, doc);
}

/* A label value: backslash, double quote and newline escaped. */
static void
write_label(FILE *f, const char *prefix)
{
	fputs("{prefix=\"", f);
	for (const char *c = prefix; *c != '\0'; c++) {
		if (*c == '\\' || *c == '"')
			fprintf(f, "\\%c", *c);
		else if (*c == '\n')
			fputs("\\n", f);
		else
			fputc(*c, f);
	}
	fputs("\"}", f);
}

static void
gauge(FILE *f, const char *name, const char *help, const char *prefix, long long v)
{
	fprintf(f, "# HELP drkit_backup_%s %s\n# TYPE drkit_backup_%s gauge\ndrkit_backup_%s",
	    name, help, name, name);
	write_label(f, prefix);
	fprintf(f, " %lld\n", v);
}

static void
write_prometheus(FILE *f, const struct staleness_result *r, const struct staleness_policy *p,
    const char *prefix)
{
	const struct ls_entry *en = r->newest;

	gauge(f, "ok", "1 when the newest backup is fresh and whole (stalecheck OK), else 0.",
	    prefix, r->state == STALE_OK);
	gauge(f, "status", "stalecheck's state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
	    prefix, r->state);
	gauge(f, "check_timestamp_seconds", "When the check was made, in seconds since the epoch.",
	    prefix, (long long)p->now);
	if (r->judged)
		gauge(f, "count", "Backups found.", prefix, (long long)r->count);
	if (en == NULL)
		return;
	gauge(f, "age_seconds", "Age of the newest backup in seconds (negative: dated in the future).",
	    prefix, r->age);
	gauge(f, "size_bytes", "Size of the newest backup in bytes.", prefix, (long long)en->size);
	gauge(f, "last_modified_timestamp_seconds", "Last-modified time of the newest backup, "
	    "in seconds since the epoch.", prefix, (long long)en->mtime);
	gauge(f, "checksum_present", "1 when the newest backup's .sha256 sidecar is listed, else 0.",
	    prefix, r->has_checksum);
}

int
stalereport_write(FILE *out, enum stalereport_format f, const struct staleness_result *r,
    const struct staleness_policy *p, const char *prefix)
{
	switch (f) {
	case STALEREPORT_NAGIOS:
		write_nagios(out, r, p);
		break;
	case STALEREPORT_JSON:
		if (write_json(out, r, p, prefix) != 0)
			return -1;
		break;
	case STALEREPORT_PROMETHEUS:
		write_prometheus(out, r, p, prefix);
		break;
	}
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
