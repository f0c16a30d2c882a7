#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "json.h"
#include "lsparse.h"
#include "timestamp.h"

void
lsparse_init(struct ls_list *l)
{
	memset(l, 0, sizeof(*l));
	l->total_objects = -1;
}

static void
entry_free(struct ls_entry *en)
{
	free(en->key);
	free(en->etag);
	en->key = en->etag = NULL;
}

void
lsparse_free(struct ls_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		entry_free(&l->v[i]);
	free(l->v);
	lsparse_init(l);
}

/* Takes ownership of en's strings. */
static int
list_push(struct ls_list *l, struct ls_entry *en, struct dk_err *e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct ls_entry *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL) {
			entry_free(en);
			return dk_fail(e, DK_EIO, "out of memory after %zu entries", l->n);
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *en;
	return DK_OK;
}

int
lsparse_add(struct ls_list *l, const char *key, unsigned long long size, time_t mtime,
    const char *etag, struct dk_err *e)
{
	struct ls_entry en = { strdup(key), size, mtime, etag ? strdup(etag) : NULL };

	if (en.key == NULL || (etag != NULL && en.etag == NULL)) {
		entry_free(&en);
		return dk_fail(e, DK_EIO, "out of memory");
	}
	return list_push(l, &en, e);
}

/* The decimal that is all of s[0..len). */
static int
parse_uint(const char *s, size_t len, unsigned long long *v)
{
	char num[24];

	if (len == 0 || len >= sizeof(num))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	memcpy(num, s, len);
	num[len] = '\0';
	errno = 0;
	*v = strtoull(num, NULL, 10);
	return errno != ERANGE;
}

/* "   SIZE KEY" after the time column: the size right-aligned, one space,
 * then the key to the end of the line (leading spaces are the key's). */
static int
parse_size_key(const char *s, size_t len, struct ls_entry *en)
{
	size_t i = 0, start;

	while (i < len && s[i] == ' ')
		i++;
	start = i;
	while (i < len && isdigit((unsigned char)s[i]))
		i++;
	if (i + 1 >= len || s[i] != ' ' || !parse_uint(s + start, i - start, &en->size))
		return 0;
	en->key = escape_key_decode(s + i + 1, len - i - 1);
	return en->key != NULL;
}

/* A member that is absent, or a non-negative integer. */
static int
uint_or_absent(const json_t *v)
{
	return v == NULL || (json_is_integer(v) && json_integer_value(v) >= 0);
}

/* One --ndjson line: an object, or r2ls's {"prefix":...} for a common
 * prefix and {"total_objects":N,...} for --summarize. Keys and ETags as
 * json_set_name wrote them (name_hex when not UTF-8). */
static int
parse_ndjson(const char *s, size_t len, struct ls_entry *en, enum ls_line_kind *kind)
{
	json_t *doc = json_loadb(s, len, 0, NULL), *size, *total, *when, *prefix;
	struct dk_err ignore = { 0 };
	int key, ok = 0;

	if (!json_is_object(doc))
		goto done;
	key = json_get_name(doc, "key", &en->key);
	size = json_object_get(doc, "size");
	total = json_object_get(doc, "total_objects");
	when = json_object_get(doc, "last_modified");
	prefix = json_object_get(doc, "prefix");
	if (key < 0 || json_get_name(doc, "etag", &en->etag) < 0 || !uint_or_absent(size) ||
	    !uint_or_absent(total) || (when != NULL && (!json_is_string(when) ||
	    timestamp_parse_rfc3339(json_string_value(when), json_string_length(when), &en->mtime,
	    &ignore) != DK_OK)))
		goto done;
	if (key == 1 && size != NULL && when != NULL) {
		*kind = LS_LINE_ENTRY;
		en->size = (unsigned long long)json_integer_value(size);
		ok = 1;
	} else if (key == 0 && (prefix != NULL || total != NULL)) {
		*kind = prefix != NULL ? LS_LINE_PREFIX : LS_LINE_TOTAL;
		en->size = total == NULL ? 0 : (unsigned long long)json_integer_value(total);
		ok = 1;
	}
done:
	json_decref(doc);
	if (!ok || *kind != LS_LINE_ENTRY)
		entry_free(en);
	return ok;
}

static int
starts(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && memcmp(s, word, n) == 0;
}

/* A piece of a bad line for the message: printable, at most 40 bytes. */
static void
excerpt(const char *s, size_t len, char *buf, size_t size)
{
	size_t n = len < size - 4 ? len : size - 4;

	for (size_t i = 0; i < n; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	strcpy(buf + n, len > n ? "..." : "");
}

int
lsparse_line(const char *s, size_t len, struct ls_entry *en, enum ls_line_kind *kind,
    struct dk_err *e)
{
	struct dk_err ignore = { 0 };
	size_t sp, lead = 0;
	char bit[44];

	memset(en, 0, sizeof(*en));
	*kind = LS_LINE_OTHER;
	while (lead < len && isspace((unsigned char)s[lead]))
		lead++;
	if (lead == len || starts(s, len, "   Total Size: "))
		return DK_OK;
	if (starts(s, len, "Total Objects: ")) {
		*kind = LS_LINE_TOTAL;
		if (!parse_uint(s + 15, len - 15, &en->size))
			goto bad;
		return DK_OK;
	}
	if (s[lead] == '{') {
		return parse_ndjson(s, len, en, kind) ? DK_OK :
		    dk_fail(e, DK_EDATA, "not an r2ls --ndjson object: '%s'", (excerpt(s, len, bit, sizeof(bit)), bit));
	}
	if (lead > 0 && starts(s + lead, len - lead, "PRE ")) {
		*kind = LS_LINE_PREFIX;
		return DK_OK;
	}
	*kind = LS_LINE_ENTRY;
	sp = memchr(s, ' ', len) ? (size_t)((const char *)memchr(s, ' ', len) - s) : len;
	if (sp >= 20 && timestamp_parse_rfc3339(s, sp, &en->mtime, &ignore) == DK_OK) {
		if (parse_size_key(s + sp, len - sp, en))
			return DK_OK;
	} else if (len > 20 && sp == 10) {
		if (timestamp_parse_local(s, 19, &en->mtime, e) != DK_OK)
			return DK_EDATA;
		if (parse_size_key(s + 19, len - 19, en))
			return DK_OK;
	}
bad:
	excerpt(s, len, bit, sizeof(bit));
	return dk_fail(e, DK_EDATA, "not r2ls output (want 'DATE TIME SIZE KEY', "
	    "'RFC3339 SIZE KEY' or an --ndjson object): '%s'", bit);
}

int
lsparse_read(FILE *f, const char *what, struct ls_list *l, struct dk_err *e)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int rc = DK_OK;
	struct dk_err why = { 0 };

	while (rc == DK_OK && (n = getline(&line, &cap, f)) >= 0) {
		struct ls_entry en;
		enum ls_line_kind kind;

		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (memchr(line, '\0', (size_t)n) != NULL) {
			rc = dk_fail(e, DK_EDATA, "%s line %zu: a NUL byte: not r2ls output", what, lineno);
		} else if (lsparse_line(line, (size_t)n, &en, &kind, &why) != DK_OK) {
			rc = dk_fail(e, DK_EDATA, "%s line %zu: %s", what, lineno, why.msg);
		} else if (kind == LS_LINE_ENTRY) {
			rc = list_push(l, &en, e);
		} else if (kind == LS_LINE_PREFIX) {
			l->prefixes++;
		} else if (kind == LS_LINE_TOTAL) {
			l->total_objects = (long long)en.size;
		}
	}
	if (rc == DK_OK && ferror(f))
		rc = dk_fail(e, DK_EIO, "cannot read %s: %s", what, strerror(errno));
	free(line);
	if (rc == DK_OK && l->total_objects >= 0 && (size_t)l->total_objects != l->n)
		rc = dk_fail(e, DK_EDATA, "%s says Total Objects: %lld but lists %zu: "
		    "the listing is incomplete", what, l->total_objects, l->n);
	return rc;
}

void
lsparse_write_key(FILE *f, const char *key, const char *also)
{
	escape_key_write(f, key, also);
}
