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

/* The WAL archive's facts after its problems: the newest file, the walk. */
static void
write_wal_summary(FILE *f, const struct staleness_result *r, const char *also)
{
	const struct walarchive_check *c = &r->wal.check;
	char age[32];

	if (c->newest == NULL)
		return;
	units_format_duration(r->age < 0 ? -r->age : r->age, age, sizeof(age));
	fprintf(f, "%snewest %s: %s %s", r->nproblems ? "; " : "", c->newest->name, age,
	    r->age < 0 ? "in the future" : "old");
	if (c->start[0] != '\0' && !c->off_history)
		fprintf(f, "; %llu of %llu segments from %s to %s, timeline %u",
		    (unsigned long long)c->present, (unsigned long long)c->expected, c->start,
		    c->newest_segment, r->wal.timeline);
	if (r->wal.base != NULL) {
		fputs(" (the start of ", f);
		lsparse_write_key(f, r->wal.base, also);
		fputc(')', f);
	}
}

/* The sentence after "BACKUP STATE - " or "WAL STATE - ": the problems,
 * then the facts. Bytes of also in the key are escaped (the '|' that
 * starts perfdata). */
static void
write_summary(FILE *f, const struct staleness_result *r, const char *also)
{
	const struct ls_entry *en = r->newest;
	char age[32];

	for (size_t i = 0; i < r->nproblems; i++)
		fprintf(f, "%s%s", i ? "; " : "", r->problems[i]);
	if (r->wal.on)
		write_wal_summary(f, r, also);
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
	const struct walarchive_check *c = &r->wal.check;

	fprintf(f, "%s %s - ", r->wal.on ? "WAL" : "BACKUP", staleness_state_name(r->state));
	write_summary(f, r, "|");
	if (!r->judged) {
		fputc('\n', f);
		return;
	}
	fputs(" |", f);
	if (r->wal.on) {
		if (c->newest != NULL)
			fprintf(f, " age=%llds;%lld;%lld;0", r->age, p->warn_age, p->crit_age);
		fprintf(f, " segments=%llu;;;0 missing=%llu;;0;0\n",
		    (unsigned long long)c->present, (unsigned long long)(c->expected - c->present));
		return;
	}
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

/* A WAL archive's members, after the common ones. */
static json_t *
json_wal(const struct staleness_result *r, const struct staleness_policy *p)
{
	const struct walarchive_check *c = &r->wal.check;
	json_t *o, *newest = json_null();
	char when[32];

	if (c->newest != NULL) {
		timestamp_format_rfc3339(c->newest->mtime, when, sizeof(when));
		newest = json_pack("{s:s,s:I,s:s,s:I}", "name", c->newest->name,
		    "size", (json_int_t)c->newest->size, "last_modified", when,
		    "age_seconds", (json_int_t)r->age);
	}
#define OR_NULL(s) ((s)[0] != '\0' ? json_string(s) : json_null())
	o = json_pack("{s:I,s:o,s:I,s:o,s:o,s:I,s:I,s:o}", "objects", (json_int_t)r->objects,
	    "newest", newest, "timeline", (json_int_t)r->wal.timeline,
	    "start_segment", OR_NULL(c->start), "newest_segment", OR_NULL(c->newest_segment),
	    "segments_expected", (json_int_t)c->expected,
	    "segments_present", (json_int_t)c->present, "first_missing", OR_NULL(c->first_missing));
#undef OR_NULL
	if (o == NULL || (r->wal.base != NULL ? json_set_name(o, "base", r->wal.base) :
	    json_object_set_new(o, "base", json_null())) != 0 ||
	    json_object_set_new(o, "thresholds", json_pack("{s:I,s:I,s:I,s:I}",
	    "warn_age_seconds", (json_int_t)p->warn_age, "crit_age_seconds",
	    (json_int_t)p->crit_age, "max_skew_seconds", (json_int_t)p->max_skew,
	    "segment_size_bytes", (json_int_t)p->seg_size)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The members of a backup listing's answer, after the common ones. */
static json_t *
json_backup(const struct staleness_result *r, const struct staleness_policy *p)
{
	json_t *o = json_pack("{s:I,s:I,s:o,s:I,s:o}",
	    "objects", (json_int_t)r->objects, "count", (json_int_t)r->count,
	    "newest", json_newest(r), "previous", (json_int_t)r->median_of,
	    "median_previous_size", r->median_of > 0 ? json_integer((json_int_t)r->median) :
	    json_null());

	if (o == NULL || json_object_set_new(o, "thresholds", json_thresholds(p)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
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
	    json_object_set_new(doc, "now", json_string(now)) != 0 ||
	    json_object_update_new(doc, r->wal.on ? json_wal(r, p) : json_backup(r, p)) != 0) {
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

/* One metric, drkit_NS_NAME: NS is backup or wal, by what was judged. */
static void
gauge(FILE *f, const char *ns, const char *name, const char *help, const char *prefix,
    long long v)
{
	fprintf(f, "# HELP drkit_%s_%s %s\n# TYPE drkit_%s_%s gauge\ndrkit_%s_%s",
	    ns, name, help, ns, name, ns, name);
	write_label(f, prefix);
	fprintf(f, " %lld\n", v);
}

/* The gauges every answer has: ok, status and when it was judged. */
static void
gauges_state(FILE *f, const char *ns, const char *ok_help, const char *status_help,
    const struct staleness_result *r, const struct staleness_policy *p, const char *prefix)
{
	gauge(f, ns, "ok", ok_help, prefix, r->state == STALE_OK);
	gauge(f, ns, "status", status_help, prefix, r->state);
	gauge(f, ns, "check_timestamp_seconds",
	    "When the check was made, in seconds since the epoch.", prefix, (long long)p->now);
}

static void
write_prometheus_wal(FILE *f, const struct staleness_result *r, const struct staleness_policy *p,
    const char *prefix)
{
	const struct walarchive_check *c = &r->wal.check;

	gauges_state(f, "wal",
	    "1 when the WAL archive is fresh and whole (stalecheck --wal OK), else 0.",
	    "stalecheck --wal's state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.", r, p, prefix);
	if (!r->judged)
		return;
	gauge(f, "wal", "files", "WAL files archived (segments, .partial, .history, .backup).",
	    prefix, (long long)r->objects);
	gauge(f, "wal", "timeline", "The newest timeline with a segment archived.", prefix,
	    (long long)r->wal.timeline);
	gauge(f, "wal", "segments_expected",
	    "Segments from the base backup's start to the newest one.", prefix,
	    (long long)c->expected);
	gauge(f, "wal", "segments_missing",
	    "Segments of those not archived (more than 0: CRITICAL).", prefix,
	    (long long)(c->expected - c->present));
	if (c->newest == NULL)
		return;
	gauge(f, "wal", "age_seconds",
	    "Age of the newest WAL file in seconds (negative: dated in the future).", prefix,
	    r->age);
	gauge(f, "wal", "last_modified_timestamp_seconds", "Last-modified time of the newest "
	    "WAL file, in seconds since the epoch.", prefix, (long long)c->newest->mtime);
}

static void
write_prometheus(FILE *f, const struct staleness_result *r, const struct staleness_policy *p,
    const char *prefix)
{
	const struct ls_entry *en = r->newest;

	gauges_state(f, "backup",
	    "1 when the newest backup is fresh and whole (stalecheck OK), else 0.",
	    "stalecheck's state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.", r, p, prefix);
	if (r->judged)
		gauge(f, "backup", "count", "Backups found.", prefix, (long long)r->count);
	if (en == NULL)
		return;
	gauge(f, "backup", "age_seconds",
	    "Age of the newest backup in seconds (negative: dated in the future).", prefix, r->age);
	gauge(f, "backup", "size_bytes", "Size of the newest backup in bytes.", prefix,
	    (long long)en->size);
	gauge(f, "backup", "last_modified_timestamp_seconds", "Last-modified time of the newest "
	    "backup, in seconds since the epoch.", prefix, (long long)en->mtime);
	gauge(f, "backup", "checksum_present",
	    "1 when the newest backup's .sha256 sidecar is listed, else 0.", prefix,
	    r->has_checksum);
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
		if (r->wal.on)
			write_prometheus_wal(out, r, p, prefix);
		else
			write_prometheus(out, r, p, prefix);
		break;
	}
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
