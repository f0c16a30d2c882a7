#include <string.h>
#include <time.h>

#include "escape.h"
#include "json.h"
#include "lsformat.h"
#include "timestamp.h"

/* A name with a newline (or another control byte) would split the line:
 * print it escaped instead, so that it reads back unambiguously. Other
 * names print as aws prints them. */
static void
put_name(struct ls_printer *p, const char *s)
{
	if (!escape_key_needed(s)) {
		fputs(s, p->out);
		return;
	}
	if (!p->escaped_warned++)
		log_note(p->log, "some keys hold control characters: printed with backslash escapes "
		    "(use --ndjson or -0 to read them exactly)");
	escape_key_write(p->out, s, NULL);
}

/* aws s3 ls names an object by the part after its last '/' unless
 * --recursive, and a common prefix by its last component. */
static const char *
last_part(const char *key)
{
	const char *slash = strrchr(key, '/');

	return slash != NULL ? slash + 1 : key;
}

void
ls_print_prefix(struct ls_printer *p, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *start = prefix;
	json_t *line;

	switch (p->format) {
	case LS_NUL:
		return;
	case LS_NDJSON:
		line = json_object();
		if (json_set_name(line, "prefix", prefix) != 0 || json_write_line(p->out, line) != 0)
			p->failed = 1;
		return;
	default:
		break;
	}
	/* "a/b/" shows as "b/": the component before the trailing slash. */
	for (const char *s = prefix; s + 1 < prefix + n; s++)
		if (*s == '/')
			start = s + 1;
	fprintf(p->out, "%27sPRE ", "");
	put_name(p, start);
	fputc('\n', p->out);
}

/* awscli's human_readable_size. */
static void
human_size(uint64_t v, char *out, size_t n)
{
	static const char *suffix[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double b = (double)v, unit = 1024.0;

	if (v == 1) {
		snprintf(out, n, "1 Byte");
		return;
	}
	if (v < 1024) {
		snprintf(out, n, "%llu Bytes", (unsigned long long)v);
		return;
	}
	for (int i = 0; i < 6; i++) {
		unit *= 1024.0;
		if (i == 5 || (b / unit) * 1024.0 < 1023.5) {
			snprintf(out, n, "%.1f %s", 1024.0 * b / unit, suffix[i]);
			return;
		}
	}
}

static void
put_time(struct ls_printer *p, time_t t)
{
	char buf[64];
	struct tm tm;

	if (p->format == LS_RFC3339) {
		timestamp_format_rfc3339(t, buf, sizeof(buf));
		fputs(buf, p->out);
		return;
	}
	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	fputs(buf, p->out);
}

/* {"key":...,"size":...,"last_modified":"...Z","etag":...} */
static int
ndjson_entry(FILE *f, const struct s3_entry *en)
{
	json_t *line = json_object();
	char when[32];

	timestamp_format_rfc3339(en->mtime, when, sizeof(when));
	if (json_set_name(line, "key", en->key) != 0 ||
	    json_object_set_new(line, "size", json_integer((json_int_t)en->size)) != 0 ||
	    json_object_set_new(line, "last_modified", json_string(when)) != 0 ||
	    json_set_name(line, "etag", en->etag) != 0) {
		json_decref(line);
		return -1;
	}
	return json_write_line(f, line);
}

void
ls_print_entry(struct ls_printer *p, const struct s3_entry *en)
{
	char size[32];

	p->objects++;
	p->bytes += en->size;
	switch (p->format) {
	case LS_NUL:
		fprintf(p->out, "s3://%s/", p->bucket);
		fwrite(en->key, 1, strlen(en->key), p->out);
		fputc('\0', p->out);
		return;
	case LS_NDJSON:
		if (ndjson_entry(p->out, en) != 0)
			p->failed = 1;
		return;
	default:
		break;
	}
	if (p->human)
		human_size(en->size, size, sizeof(size));
	else
		snprintf(size, sizeof(size), "%llu", (unsigned long long)en->size);
	put_time(p, en->mtime);
	fprintf(p->out, " %10s ", size);
	put_name(p, p->full_keys ? en->key : last_part(en->key));
	fputc('\n', p->out);
}

void
ls_print_summary(struct ls_printer *p)
{
	char size[32];

	if (p->format == LS_NUL)
		return;
	if (p->format == LS_NDJSON) {
		if (json_write_line(p->out, json_pack("{s:I,s:I}", "total_objects",
		    (json_int_t)p->objects, "total_size", (json_int_t)p->bytes)) != 0)
			p->failed = 1;
		return;
	}
	if (p->human)
		human_size(p->bytes, size, sizeof(size));
	else
		snprintf(size, sizeof(size), "%llu", (unsigned long long)p->bytes);
	fprintf(p->out, "\nTotal Objects: %llu\n   Total Size: %s\n",
	    (unsigned long long)p->objects, size);
}
