#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "sha256.h"
#include "sumcheck.h"
#include "sumfile.h"

/* Counts over one check list, for its closing warnings. */
struct tally {
	unsigned long misformatted, unreadable, mismatched, matched;
};

/* name as coreutils quotes it in a message; valid until the next call. */
static const char *
quoted(const char *name)
{
	static char *buf;

	free(buf);
	buf = malloc(8 * strlen(name) + 8);
	if (buf == NULL)
		return name;
	sumfile_quote(name, buf);
	return buf;
}

/* Hashes the file (o->in for "-"); on failure returns -1 with errno's
 * cause in *err_no, or 0 there when the reason was already said. */
static int
hash_file(const struct sumcheck *o, const char *name, unsigned char digest[SHA256_LEN],
    int *err_no)
{
	struct dk_err e;
	int stdin_file = strcmp(name, "-") == 0;
	int fd = stdin_file ? fileno(o->in) : open(name, O_RDONLY);
	int st;

	*err_no = 0;
	if (fd < 0) {
		*err_no = errno;
		return -1;
	}
	dk_err_clear(&e);
	st = sha256_fd(fd, quoted(name), digest, &e);
	if (!stdin_file)
		close(fd);
	if (st != DK_OK) {
		log_note(o->log, "%s", e.msg);
		return -1;
	}
	return 0;
}

int
sumcheck_print(const struct sumcheck *o, char *const *names, int n)
{
	unsigned char digest[SHA256_LEN];
	char hex[SHA256_HEXLEN + 1];
	int rc = DK_OK, err_no;

	for (int i = 0; i < n; i++) {
		if (hash_file(o, names[i], digest, &err_no) != 0) {
			if (err_no != 0)
				log_note(o->log, "%s: %s", quoted(names[i]), strerror(err_no));
			rc = DK_EDATA;
			continue;
		}
		sha256_hex(digest, hex);
		sumfile_put_line(o->out, hex, names[i], o->binary == 1, o->tag, o->zero);
	}
	return rc;
}

/* One entry of a check list: "NAME: OK", "NAME: FAILED" or "NAME: FAILED
 * open or read". */
static void
check_entry(const struct sumcheck *o, const struct sumfile_entry *ent, struct tally *t)
{
	unsigned char want[SHA256_LEN], got[SHA256_LEN];
	int escape = !o->status && strchr(ent->name, '\n') != NULL;
	const char *verdict = NULL;
	int err_no;

	sha256_parse_hex(ent->hex, want);
	if (hash_file(o, ent->name, got, &err_no) != 0) {
		if (o->ignore_missing && err_no == ENOENT)
			return;
		if (err_no != 0)
			log_note(o->log, "%s: %s", quoted(ent->name), strerror(err_no));
		t->unreadable++;
		verdict = "FAILED open or read";
	} else if (memcmp(want, got, SHA256_LEN) != 0) {
		t->mismatched++;
		verdict = "FAILED";
	} else {
		t->matched++;
		verdict = o->quiet ? NULL : "OK";
	}
	if (verdict != NULL && !o->status) {
		if (escape)
			putc('\\', o->out);
		sumfile_put_name(o->out, ent->name, escape);
		fprintf(o->out, ": %s\n", verdict);
	}
}

static void
warn_count(const struct sumcheck *o, unsigned long n, const char *one, const char *many)
{
	if (n != 0)
		log_note(o->log, "WARNING: %lu %s", n, n == 1 ? one : many);
}

/* Reads the list f, checking each entry; returns whether it held a
 * properly formatted line. */
static int
check_lines(const struct sumcheck *o, FILE *f, const char *lname, int from_stdin, struct tally *t)
{
	struct sumfile_parser p;
	struct sumfile_entry ent;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	int properly = 0;

	sumfile_parser_init(&p);
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		int r = sumfile_parse_line(&p, line, (size_t)len, &ent);
		if (r == 0)
			continue;
		if (r < 0 || (from_stdin && strcmp(ent.name, "-") == 0)) {
			t->misformatted++;
			if (o->warn)
				log_note(o->log, "%s: %lu: improperly formatted SHA256 checksum line",
				    quoted(lname), lineno);
			continue;
		}
		properly = 1;
		check_entry(o, &ent, t);
	}
	free(line);
	return properly;
}

/* Checks every file a list names, as sha256sum -c does. */
static int
check_list(const struct sumcheck *o, const char *list)
{
	struct tally t = { 0, 0, 0, 0 };
	int from_stdin = strcmp(list, "-") == 0;
	const char *lname = from_stdin ? "standard input" : list;
	FILE *f = from_stdin ? o->in : fopen(list, "r");
	int properly, read_error;

	if (f == NULL) {
		log_note(o->log, "%s: %s", quoted(list), strerror(errno));
		return 0;
	}
	properly = check_lines(o, f, lname, from_stdin, &t);
	read_error = ferror(f);
	if (read_error)
		log_note(o->log, "%s: read error", quoted(lname));
	if (!from_stdin)
		fclose(f);
	if (!properly) {
		log_note(o->log, "%s: no properly formatted checksum lines found", quoted(lname));
		return 0;
	}
	if (!o->status) {
		warn_count(o, t.misformatted, "line is improperly formatted",
		    "lines are improperly formatted");
		warn_count(o, t.unreadable, "listed file could not be read",
		    "listed files could not be read");
		warn_count(o, t.mismatched, "computed checksum did NOT match",
		    "computed checksums did NOT match");
		if (o->ignore_missing && t.matched == 0)
			log_note(o->log, "%s: no file was verified", quoted(lname));
	}
	return !read_error && t.matched != 0 && t.unreadable == 0 && t.mismatched == 0 &&
	    !(o->strict && t.misformatted != 0);
}

int
sumcheck_lists(const struct sumcheck *o, char *const *lists, int n)
{
	int ok = 1;

	for (int i = 0; i < n; i++)
		ok &= check_list(o, lists[i]);
	return ok ? DK_OK : DK_EDATA;
}
