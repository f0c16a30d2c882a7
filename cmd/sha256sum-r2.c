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
#include "download.h"
#include "holdback.h"
#include "io.h"
#include "pump.h"
#include "recorded.h"
#include "s3.h"
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
	    "Checking what r2put recorded (its KEY.sha256 sidecar, else x-amz-meta-sha256):\n"
	    "      --verify NAME     copy standard input to standard output while hashing\n"
	    "                        it; the last 64 KiB are written only when the hash\n"
	    "                        matches what was recorded for NAME (s3://BUCKET/KEY)\n"
	    "      --remote NAME     read the object NAME itself and check it against its\n"
	    "                        recorded checksum; may be given several times\n"
	    "      --allow-missing   a NAME with no recorded checksum passes (unverified)\n"
	    "  -v, --verbose         trace every S3 request on stderr\n"
	    "\n"
	    "  -h, --help            show this help and exit\n"
	    "      --version         show the version and exit\n"
	    "\n"
	    "Exit status: 0 all good, 1 a file could not be read or did not match, or a\n"
	    "list held no checksum line, 2 usage, 3 settings or credentials, 4 no such\n"
	    "object or no recorded checksum, 5 service failure, 6 cannot write output.\n");
}

enum {
	OPT_TAG = CLI_OPT_FIRST_OWN, OPT_IGNORE_MISSING, OPT_QUIET, OPT_STATUS, OPT_STRICT,
	OPT_VERIFY, OPT_REMOTE, OPT_ALLOW_MISSING,
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
	{ "verify", required_argument, NULL, OPT_VERIFY },
	{ "remote", required_argument, NULL, OPT_REMOTE },
	{ "allow-missing", no_argument, NULL, OPT_ALLOW_MISSING },
	CLI_LONGOPTS_BASE,
	{ NULL, 0, NULL, 0 },
};

struct opts {
	int binary;		/* -1 not given, 0 -t, 1 -b */
	int tag, zero, check;
	int ignore_missing, quiet, status, strict, warn;
	const char *verify;	/* --verify NAME */
	char **remote;		/* --remote NAMEs */
	int nremote;
	int allow_missing;
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

/* The checksum recorded for arg; *hex is "" when there is none and
 * --allow-missing lets that pass. */
static int
recorded_for(struct s3_client *c, const struct settings *set, const char *arg,
    int allow_missing, struct objname *n, char hex[SHA256_HEXLEN + 1], struct dk_err *e)
{
	const char *source;
	int rc;

	hex[0] = '\0';
	if ((rc = objname_parse(arg, set->bucket, n, e)) != DK_OK)
		return rc;
	rc = recorded_sha256(c, n, hex, &source, e);
	if (rc == DK_ENOTFOUND && allow_missing && strstr(e->msg, "no recorded checksum")) {
		cli_note("%s (--allow-missing: not verified)", e->msg);
		dk_err_clear(e);
		return DK_OK;
	}
	if (rc == DK_OK)
		cli_trace("s3://%s/%s: recorded SHA-256 %s (%s)", n->bucket, n->key, hex, source);
	return rc;
}

/* --verify: standard input to standard output, the tail withheld until the
 * hash matched the recorded one. */
static int
verify_stream(struct s3_client *c, const struct settings *set, const struct opts *o,
    struct dk_err *e)
{
	struct objname n = { 0 };
	struct io_fd_sink out;
	struct holdback hold;
	struct sha256_sink sha;
	char hex[SHA256_HEXLEN + 1], what[1100];
	int rc;

	if ((rc = recorded_for(c, set, o->verify, o->allow_missing, &n, hex, e)) != DK_OK) {
		objname_free(&n);
		return rc;
	}
	snprintf(what, sizeof(what), "standard input against s3://%s/%s", n.bucket, n.key);
	io_fd_sink_init(&out, STDOUT_FILENO, "standard output");
	rc = holdback_init(&hold, &out.sink, HOLDBACK_MIN, e);
	if (rc == DK_OK && (rc = sha256_sink_init(&sha, &hold.sink, e)) == DK_OK) {
		if (hex[0] == '\0' || (rc = sha256_sink_expect(&sha, hex, what, e)) == DK_OK)
			rc = pump_fd(STDIN_FILENO, "standard input", &sha.sink, NULL, NULL, e);
		sha256_sink_free(&sha);
	}
	holdback_free(&hold);
	objname_free(&n);
	return rc;
}

/* --remote: each object read and hashed, "NAME: OK" or "NAME: FAILED". */
static int
check_remote(struct s3_client *c, const struct settings *set, const struct opts *o,
    const char *arg, struct dk_err *e)
{
	struct download_opts dl = { .jobs = 8, .chunk = 8u << 20 };
	struct objname n = { 0 };
	struct sha256_sink sha;
	char hex[SHA256_HEXLEN + 1];
	int rc;

	rc = recorded_for(c, set, arg, o->allow_missing, &n, hex, e);
	if (rc == DK_OK && (rc = sha256_sink_init(&sha, NULL, e)) == DK_OK) {
		if (hex[0] == '\0' || (rc = sha256_sink_expect(&sha, hex, arg, e)) == DK_OK)
			rc = download_object(c, &n, &sha.sink, &dl, e);
		if (rc == DK_OK)
			rc = sink_finish(&sha.sink, e);
		sha256_sink_free(&sha);
	}
	if ((rc == DK_OK && !o->quiet && !o->status) || rc == DK_EDATA)
		printf("s3://%s/%s: %s\n", n.bucket, n.key, rc == DK_OK ? "OK" : "FAILED");
	objname_free(&n);
	return rc;
}

static int
run_s3_modes(const struct opts *o)
{
	struct settings set;
	struct s3_client *c;
	struct dk_err e = { 0 }, first = { 0 };
	int rc = DK_OK;

	if ((c = s3_connect(&set, cli_log(), &e)) == NULL)
		return cli_fail(&e);
	if (o->verify != NULL)
		rc = verify_stream(c, &set, o, &e);
	for (int i = 0; i < o->nremote && rc != DK_EUSAGE; i++) {
		dk_err_clear(&e);
		int r = check_remote(c, &set, o, o->remote[i], &e);
		if (r != DK_OK && first.status == DK_OK) {
			first = e;
			rc = r;
		}
		if (r != DK_OK)
			cli_fail(&e);
	}
	s3_client_free(c);
	settings_free(&set);
	if (o->verify != NULL)
		return rc == DK_OK ? 0 : cli_fail(&e);
	return rc == DK_OK ? 0 : first.status;
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
	if ((o->verify != NULL || o->nremote > 0) && (o->check || o->tag || o->zero))
		return cli_usage_error("--verify and --remote do not go with --check, --tag or --zero");
	if (o->verify != NULL && o->nremote > 0)
		return cli_usage_error("--verify reads standard input, --remote the bucket: give one");
	if (o->allow_missing && o->verify == NULL && o->nremote == 0)
		return cli_usage_error("--allow-missing goes with --verify or --remote");
	if (!o->check && o->nremote == 0 &&
	    (o->ignore_missing || o->quiet || o->status || o->strict || o->warn))
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
	while ((c = getopt_long(argc, argv, "btzcwvh", longopts, NULL)) != -1) {
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
		case OPT_VERIFY: o.verify = optarg; break;
		case OPT_REMOTE:
			if ((o.remote = realloc(o.remote, (size_t)(o.nremote + 1) * sizeof(char *))) == NULL)
				return cli_usage_error("out of memory");
			o.remote[o.nremote++] = optarg;
			break;
		case OPT_ALLOW_MISSING: o.allow_missing = 1; break;
		default:
			if ((st = cli_option(c, usage)) == CLI_NOT_MINE)
				return cli_usage_error("unknown option");
			if (st != CLI_CONTINUE)
				return st;
			break;
		}
	}
	if ((st = check_opts(&o)) != DK_OK)
		return st;
	if (o.verify != NULL || o.nremote > 0) {
		if (optind < argc)
			return cli_usage_error("--verify and --remote take no FILE operand");
		st = run_s3_modes(&o);
		free(o.remote);
		return st;
	}
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
