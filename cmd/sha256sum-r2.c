/* sha256sum-r2: coreutils' sha256sum, line for line, for the pipes of the
 * backup runbook. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sha256.h"
#include "sumfile.h"

static void
usage(void)
{
	printf("usage: sha256sum-r2 [-b | -t] [--tag] [-z] [FILE]...\n"
	    "       sha256sum-r2 -c [--ignore-missing] [--quiet | --status] [--strict] [-w] [LIST]...\n"
	    "\n"
	    "Prints or checks SHA-256 checksums exactly as coreutils' sha256sum does.\n"
	    "With no FILE, or when FILE is -, reads standard input.\n"
	    "\n"
	    "  -b, --binary          mark lines with '*' (binary mode)\n"
	    "  -t, --text            mark lines with ' ' (text mode, the default)\n"
	    "      --tag             print BSD-style lines: SHA256 (FILE) = HEX\n"
	    "  -z, --zero            end each line with NUL and do not escape names\n"
	    "  -c, --check           read checksums from the LISTs and check the files\n"
	    "\n"
	    "Only with --check:\n"
	    "      --ignore-missing  do not fail or report for missing files\n"
	    "      --quiet           do not print OK for each file that matches\n"
	    "      --status          print nothing; the exit status tells\n"
	    "      --strict          fail on improperly formatted lines\n"
	    "  -w, --warn            warn about improperly formatted lines\n"
	    "\n"
	    "  -h, --help            show this help and exit\n"
	    "      --version         show the version and exit\n"
	    "\n"
	    "Exit status: 0 all good, 1 a file could not be read or did not match, or a\n"
	    "list held no checksum line, 2 usage, 6 cannot write output.\n");
}

enum {
	OPT_TAG = 256, OPT_IGNORE_MISSING, OPT_QUIET, OPT_STATUS, OPT_STRICT, OPT_VERSION,
};

static const struct option longopts[] = {
	{ "binary", no_argument, NULL, 'b' },
	{ "text", no_argument, NULL, 't' },
	{ "tag", no_argument, NULL, OPT_TAG },
	{ "zero", no_argument, NULL, 'z' },
	{ "check", no_argument, NULL, 'c' },
	{ "ignore-missing", no_argument, NULL, OPT_IGNORE_MISSING },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "status", no_argument, NULL, OPT_STATUS },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "warn", no_argument, NULL, 'w' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	int binary;		/* -1 not given, 0 -t, 1 -b */
	int tag, zero, check;
	int ignore_missing, quiet, status, strict, warn;
};

/* Counts over all check lists, for the closing warnings. */
struct tally {
	unsigned long misformatted, unreadable, mismatched;
};

static char *
quoted(const char *name)
{
	static char *buf;

	free(buf);
	buf = malloc(8 * strlen(name) + 8);
	if (buf == NULL)
		return (char *)name;
	sumfile_quote(name, buf);
	return buf;
}

/* Hashes the file (or standard input for "-"); on failure says why on
 * stderr and returns -1 with errno's cause in *err_no. */
static int
hash_file(const char *name, unsigned char digest[SHA256_LEN], int *err_no)
{
	struct dk_err e;
	int stdin_file = strcmp(name, "-") == 0;
	int fd = stdin_file ? STDIN_FILENO : open(name, O_RDONLY);
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
		fprintf(stderr, "%s: %s\n", cli_prog, e.msg);
		return -1;
	}
	return 0;
}

static int
print_sums(const struct opts *o, char **names, int n)
{
	unsigned char digest[SHA256_LEN];
	char hex[SHA256_HEXLEN + 1];
	int ok = 1, err_no;

	for (int i = 0; i < n; i++) {
		if (hash_file(names[i], digest, &err_no) != 0) {
			if (err_no != 0)
				fprintf(stderr, "%s: %s: %s\n", cli_prog, quoted(names[i]), strerror(err_no));
			ok = 0;
			continue;
		}
		sha256_hex(digest, hex);
		sumfile_put_line(stdout, hex, names[i], o->binary == 1, o->tag, o->zero);
	}
	return ok;
}

/* One entry of a check list: "NAME: OK", "NAME: FAILED", "NAME: FAILED
 * open or read"; returns 1 when the file matched. */
static int
check_entry(const struct opts *o, const struct sumfile_entry *ent, struct tally *t)
{
	unsigned char want[SHA256_LEN], got[SHA256_LEN];
	int escape = !o->status && strchr(ent->name, '\n') != NULL;
	const char *verdict = NULL;
	int err_no, match = 0;

	sha256_parse_hex(ent->hex, want);
	if (hash_file(ent->name, got, &err_no) != 0) {
		if (o->ignore_missing && err_no == ENOENT)
			return 0;
		if (err_no != 0)
			fprintf(stderr, "%s: %s: %s\n", cli_prog, quoted(ent->name), strerror(err_no));
		t->unreadable++;
		verdict = "FAILED open or read";
	} else if (memcmp(want, got, SHA256_LEN) != 0) {
		t->mismatched++;
		verdict = "FAILED";
	} else {
		match = 1;
		verdict = o->quiet ? NULL : "OK";
	}
	if (verdict != NULL && !o->status) {
		if (escape)
			putchar('\\');
		sumfile_put_name(stdout, ent->name, escape);
		printf(": %s\n", verdict);
	}
	return match;
}

static void
warn_count(unsigned long n, const char *one, const char *many)
{
	if (n != 0)
		fprintf(stderr, "%s: WARNING: %lu %s\n", cli_prog, n, n == 1 ? one : many);
}

/* Checks every file a list names, as sha256sum -c does. */
static int
check_list(const struct opts *o, const char *list)
{
	struct sumfile_parser p;
	struct sumfile_entry ent;
	struct tally t = { 0, 0, 0 };
	int from_stdin = strcmp(list, "-") == 0;
	const char *lname = from_stdin ? "standard input" : list;
	FILE *f = from_stdin ? stdin : fopen(list, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0, matched = 0;
	int properly = 0, read_error;

	if (f == NULL) {
		fprintf(stderr, "%s: %s: %s\n", cli_prog, quoted(list), strerror(errno));
		return 0;
	}
	sumfile_parser_init(&p);
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		int r = sumfile_parse_line(&p, line, (size_t)len, &ent);
		if (r == 0)
			continue;
		if (r < 0 || (from_stdin && strcmp(ent.name, "-") == 0)) {
			t.misformatted++;
			if (o->warn)
				fprintf(stderr, "%s: %s: %lu: improperly formatted SHA256 checksum line\n",
				    cli_prog, quoted(lname), lineno);
			continue;
		}
		properly = 1;
		matched += (unsigned long)check_entry(o, &ent, &t);
	}
	read_error = ferror(f);
	if (read_error)
		fprintf(stderr, "%s: %s: read error\n", cli_prog, quoted(lname));
	free(line);
	if (!from_stdin)
		fclose(f);
	if (!properly) {
		fprintf(stderr, "%s: %s: no properly formatted checksum lines found\n", cli_prog,
		    quoted(lname));
		return 0;
	}
	if (!o->status) {
		warn_count(t.misformatted, "line is improperly formatted", "lines are improperly formatted");
		warn_count(t.unreadable, "listed file could not be read", "listed files could not be read");
		warn_count(t.mismatched, "computed checksum did NOT match", "computed checksums did NOT match");
		if (o->ignore_missing && matched == 0)
			fprintf(stderr, "%s: %s: no file was verified\n", cli_prog, quoted(lname));
	}
	return !read_error && matched != 0 && t.unreadable == 0 && t.mismatched == 0 &&
	    !(o->strict && t.misformatted != 0);
}

static int
check_lists(const struct opts *o, char **lists, int n)
{
	int ok = 1;

	for (int i = 0; i < n; i++)
		ok &= check_list(o, lists[i]);
	return ok;
}

/* The combinations coreutils refuses. */
static int
check_opts(const struct opts *o)
{
	if (o->tag && o->binary == 0)
		return cli_usage_error("--tag does not support --text mode");
	if (o->check && o->zero)
		return cli_usage_error("the --zero option is not supported when verifying checksums");
	if (o->check && o->tag)
		return cli_usage_error("the --tag option is meaningless when verifying checksums");
	if (o->check && o->binary != -1)
		return cli_usage_error("the --binary and --text options are meaningless when verifying checksums");
	if (!o->check && (o->ignore_missing || o->quiet || o->status || o->strict || o->warn))
		return cli_usage_error("--ignore-missing, --quiet, --status, --strict and --warn are "
		    "meaningful only when verifying checksums");
	return DK_OK;
}

int
main(int argc, char **argv)
{
	static char *dash[] = { "-", NULL };
	struct opts o = { .binary = -1 };
	char **names;
	int c, n, ok, st;

	cli_init("sha256sum-r2");
	while ((c = getopt_long(argc, argv, "btzcwh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o.binary = 1; break;
		case 't': o.binary = 0; break;
		case OPT_TAG: o.tag = 1; break;
		case 'z': o.zero = 1; break;
		case 'c': o.check = 1; break;
		case OPT_IGNORE_MISSING: o.ignore_missing = 1; break;
		case OPT_QUIET: o.quiet = 1; o.status = 0; o.warn = 0; break;
		case OPT_STATUS: o.status = 1; o.quiet = 0; o.warn = 0; break;
		case OPT_STRICT: o.strict = 1; break;
		case 'w': o.warn = 1; o.status = 0; o.quiet = 0; break;
		case 'h': usage(); return 0;
		case OPT_VERSION: return cli_version();
		default: return cli_usage_error("unknown option");
		}
	}
	if ((st = check_opts(&o)) != DK_OK)
		return st;
	names = optind < argc ? argv + optind : dash;
	n = optind < argc ? argc - optind : 1;
	ok = o.check ? check_lists(&o, names, n) : print_sums(&o, names, n);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		struct dk_err e;
		dk_err_clear(&e);
		dk_fail(&e, DK_EIO, "cannot write standard output: %s", strerror(errno));
		return cli_fail(&e);
	}
	return ok ? 0 : DK_EDATA;
}
