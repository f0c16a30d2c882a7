/* stalecheck: is the newest backup fresh and whole? Reads r2ls output and
 * answers as a monitoring plugin: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 * With --wal, the same of a WAL archive: its newest file, and no segment
 * missing since the oldest kept base backup. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "lsfetch.h"
#include "lsparse.h"
#include "staleness.h"
#include "stalereport.h"
#include "timestamp.h"
#include "units.h"
#include "walarchive.h"
#include "walbase.h"

static void
usage(void)
{
	printf("usage: r2ls [--recursive|--ndjson] s3://BUCKET/PREFIX | stalecheck [options]\n"
	    "       stalecheck [options] s3://BUCKET/PREFIX\n"
	    "       stalecheck --wal [--base NAME] [options] s3://BUCKET/WALPREFIX\n"
	    "Judges the newest backup in an r2ls listing on standard input, or in the\n"
	    "listing of PREFIX (every object under it, as r2ls --recursive lists them).\n"
	    "With --wal, judges walpush's WAL archive under WALPREFIX instead.\n"
	    "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for a bad option).\n"
	    "\n"
	    "  -g, --glob PATTERN       backups are the keys matching PATTERN (fnmatch);\n"
	    "                           default every key; KEY.sha256 sidecars never count\n"
	    "  -w, --warn-age DURATION  WARNING when the newest is older (default 26h)\n"
	    "  -c, --crit-age DURATION  CRITICAL when the newest is older (default 48h)\n"
	    "      --max-skew DURATION  dated further in the future is WARNING (default 5m)\n"
	    "  -s, --min-size SIZE      CRITICAL when the newest is smaller (default 0);\n"
	    "                           K M G T = powers of 1024, KB MB GB TB = of 1000\n"
	    "      --shrink FRACTION    CRITICAL when the newest is smaller than FRACTION\n"
	    "                           of the median of the previous ones (default 50%%; 0: off)\n"
	    "      --history N          previous backups in that median (default 7)\n"
	    "      --require-checksum   CRITICAL when the newest has no KEY.sha256 sidecar\n"
	    "      --min-count N        WARNING when fewer backups are listed (default 1)\n"
	    "      --wal                WALPREFIX is a WAL archive: its newest file is judged\n"
	    "                           by -w and -c (default 5m and 15m: 2-3 times\n"
	    "                           archive_timeout), and a missing segment is CRITICAL\n"
	    "      --base NAME          with --wal: every segment from the start of the base\n"
	    "                           backup NAME (its backup_label) must be there; NAME\n"
	    "                           ending in / is the oldest base backup under it\n"
	    "                           (default: from the oldest segment archived)\n"
	    "      --segment-size SIZE  with --wal: the cluster's WAL segment size (16M)\n"
	    "  -f, --format FORMAT      nagios (default), json or prometheus\n"
	    "      --prefix NAME        what was listed, for the prometheus label and\n"
	    "                           json (default stdin)\n"
	    "      --now TIME           judge as at TIME: RFC 3339, 'YYYY-MM-DD HH:MM:SS'\n"
	    "                           local, or @SECONDS since the epoch\n"
	    "  -q, --quiet              print errors only\n"
	    "  -v, --verbose            trace every request when listing PREFIX\n"
	    "  -h, --help               this text\n"
	    "      --version            the version\n"
	    "DURATION: 90m, 26h, 2d, 1w, 1d12h (units s m h d w). The aws-style listing\n"
	    "is read in the local time zone (TZ), as r2ls prints it.\n");
}

enum {
	OPT_MAX_SKEW = CLI_OPT_FIRST_OWN, OPT_SHRINK, OPT_HISTORY, OPT_REQUIRE_CHECKSUM, OPT_MIN_COUNT,
	OPT_PREFIX, OPT_NOW, OPT_WAL, OPT_BASE, OPT_SEGMENT_SIZE,
};

static const struct option options[] = {
	{ "glob", required_argument, NULL, 'g' },
	{ "warn-age", required_argument, NULL, 'w' },
	{ "crit-age", required_argument, NULL, 'c' },
	{ "max-skew", required_argument, NULL, OPT_MAX_SKEW },
	{ "min-size", required_argument, NULL, 's' },
	{ "shrink", required_argument, NULL, OPT_SHRINK },
	{ "history", required_argument, NULL, OPT_HISTORY },
	{ "require-checksum", no_argument, NULL, OPT_REQUIRE_CHECKSUM },
	{ "min-count", required_argument, NULL, OPT_MIN_COUNT },
	{ "format", required_argument, NULL, 'f' },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "now", required_argument, NULL, OPT_NOW },
	{ "wal", no_argument, NULL, OPT_WAL },
	{ "base", required_argument, NULL, OPT_BASE },
	{ "segment-size", required_argument, NULL, OPT_SEGMENT_SIZE },
	CLI_LONGOPTS_COMMON,
	{ NULL, 0, NULL, 0 },
};

static int
parse_count(const char *s, size_t *n, struct dk_err *e)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno == ERANGE || v > (size_t)-1)
		return dk_fail(e, DK_EUSAGE, "bad count '%s' (want a whole number)", s);
	*n = (size_t)v;
	return DK_OK;
}

static int
parse_segment_size(const char *s, uint64_t *size, struct dk_err *e)
{
	unsigned long long v;

	if (units_parse_size(s, &v, e) != DK_OK || !wal_seg_size_valid(v))
		return dk_refail(e, DK_EUSAGE, "bad segment size '%s' (want a power of 2 from "
		    "1M to 1G)", s);
	*size = v;
	return DK_OK;
}

/* Applies one option to p; DK_EUSAGE with e filled when its value is bad. */
static int
apply_option(int c, const char *arg, struct staleness_policy *p, struct dk_err *e)
{
	switch (c) {
	case 'g': p->glob = arg; return DK_OK;
	case 'w': return units_parse_duration(arg, &p->warn_age, e);
	case 'c': return units_parse_duration(arg, &p->crit_age, e);
	case OPT_MAX_SKEW: return units_parse_duration(arg, &p->max_skew, e);
	case 's': return units_parse_size(arg, &p->min_size, e);
	case OPT_SHRINK: return units_parse_fraction(arg, &p->shrink, e);
	case OPT_HISTORY: return parse_count(arg, &p->history, e);
	case OPT_MIN_COUNT: return parse_count(arg, &p->min_count, e);
	case OPT_NOW: return timestamp_parse(arg, &p->now, e);
	case OPT_REQUIRE_CHECKSUM: p->require_checksum = 1; return DK_OK;
	case OPT_SEGMENT_SIZE: return parse_segment_size(arg, &p->seg_size, e);
	default: return dk_fail(e, DK_EUSAGE, "unknown option");
	}
}

/* Connects, parses the name arg and runs fn on both: what listing a
 * prefix of backups and judging a WAL archive share. */
static int
with_name(const char *arg, int (*fn)(struct s3_client *c, const struct settings *set,
    const struct objname *n, void *ctx, struct dk_err *e), void *ctx, struct dk_err *e)
{
	struct settings set;
	struct s3_client *c;
	struct objname name;
	int rc;

	if ((c = s3_connect(&set, cli_log(), e)) == NULL)
		return e->status;
	if ((rc = objname_parse(arg, set.bucket, &name, e)) == DK_OK) {
		rc = fn(c, &set, &name, ctx, e);
		objname_free(&name);
	}
	s3_client_free(c);
	settings_free(&set);
	return rc;
}

/* Lists name itself, as r2ls --recursive would. */
static int
list_prefix(struct s3_client *c, const struct settings *set, const struct objname *n,
    void *list, struct dk_err *e)
{
	(void)set;
	return lsfetch_list(c, n, list, e);
}

struct wal_job {
	const char *base_arg;		/* --base */
	const struct staleness_policy *p;
	struct walarchive *a;
	struct walbase_label *base;
	struct staleness_result *r;
};

/* Lists the WAL archive n and reads the base backup's label, then judges
 * them. */
static int
judge_wal(struct s3_client *c, const struct settings *set, const struct objname *n,
    void *ctx, struct dk_err *e)
{
	struct wal_job *j = ctx;
	struct objname base_name;
	int rc;

	if ((rc = walarchive_load(c, n, j->a, e)) != DK_OK)
		return rc;
	if (j->base_arg != NULL) {
		if ((rc = objname_parse(j->base_arg, set->bucket, &base_name, e)) != DK_OK)
			return rc;
		rc = walbase_read(c, &base_name, j->base, e);
		objname_free(&base_name);
		if (rc != DK_OK)
			return rc;
	}
	staleness_evaluate_wal(j->a, j->base_arg != NULL ? j->base : NULL, j->p, j->r);
	return DK_OK;
}

/* UNKNOWN for the error: its object named first, so that the alert says
 * which file could not be read. */
static void
unknown_from(struct staleness_result *r, const struct dk_err *e)
{
	char why[sizeof(e->object) + sizeof(e->msg) + 2];

	if (e->object[0] != '\0' && strstr(e->msg, e->object) == NULL)
		snprintf(why, sizeof(why), "%s: %s", e->object, e->msg);
	else
		snprintf(why, sizeof(why), "%s", e->msg);
	staleness_unknown(r, why);
}

/* Options that judge backups, or a WAL archive, alone: 1 when one was
 * given in the wrong mode (said on stderr). */
static int
mode_mismatch(int wal, int backup_opts, int wal_opts)
{
	if (wal && backup_opts) {
		cli_usage_error("--glob, --min-size, --shrink, --history, --require-checksum and "
		    "--min-count judge backups, not a WAL archive (--wal)");
		return 1;
	}
	if (!wal && wal_opts) {
		cli_usage_error("--base and --segment-size need --wal");
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct staleness_policy policy;
	struct staleness_result result;
	enum stalereport_format format = STALEREPORT_NAGIOS;
	const char *prefix = NULL;
	struct dk_err e = { 0 };
	struct ls_list list;
	struct walarchive archive;
	struct walbase_label base;
	struct wal_job job = { NULL, &policy, &archive, &base, &result };
	int c, rc, wal = 0, ages = 0, backup_opts = 0, wal_opts = 0;

	cli_init("stalecheck");
	cli_lost_output_status = STALE_UNKNOWN;
	staleness_policy_init(&policy, time(NULL));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":g:w:c:s:f:hqv", options, NULL)) != -1) {
		switch (c) {
		case 'h': case 'q': case 'v': case CLI_OPT_VERSION:
			if ((rc = cli_option(c, usage)) != CLI_CONTINUE)
				return rc;
			break;
		case 'f':
			if (!stalereport_parse_format(optarg, &format)) {
				cli_usage_error("bad format '%s' (want nagios, json or prometheus)", optarg);
				return STALE_UNKNOWN;
			}
			break;
		case OPT_PREFIX: prefix = optarg; break;
		case OPT_WAL: wal = 1; break;
		case OPT_BASE: job.base_arg = optarg; wal_opts = 1; break;
		case ':':
			cli_usage_error("option '%s' needs a value", argv[optind - 1]);
			return STALE_UNKNOWN;
		case '?':
			cli_usage_error("unknown option '%s'", argv[optind - 1]);
			return STALE_UNKNOWN;
		default:
			ages |= c == 'w' ? 1 : c == 'c' ? 2 : 0;
			backup_opts |= strchr("gs", c) != NULL || c == OPT_SHRINK ||
			    c == OPT_HISTORY || c == OPT_REQUIRE_CHECKSUM || c == OPT_MIN_COUNT;
			wal_opts |= c == OPT_SEGMENT_SIZE;
			if (apply_option(c, optarg, &policy, &e) != DK_OK) {
				cli_usage_error("%s", e.msg);
				return STALE_UNKNOWN;
			}
		}
	}
	if (optind < argc - 1) {
		cli_usage_error("unexpected argument '%s': name one prefix at most", argv[optind + 1]);
		return STALE_UNKNOWN;
	}
	if (mode_mismatch(wal, backup_opts, wal_opts))
		return STALE_UNKNOWN;
	if (wal && optind >= argc) {
		cli_usage_error("--wal lists the archive itself: name it (s3://BUCKET/PREFIX)");
		return STALE_UNKNOWN;
	}
	if (wal && !(ages & 1))
		policy.warn_age = STALENESS_WAL_WARN;
	if (wal && !(ages & 2))
		policy.crit_age = STALENESS_WAL_CRIT;
	if (policy.warn_age > policy.crit_age) {
		cli_usage_error("--warn-age is longer than --crit-age");
		return STALE_UNKNOWN;
	}

	lsparse_init(&list);
	walarchive_init(&archive, policy.seg_size);
	if (optind < argc && prefix == NULL)
		prefix = argv[optind];
	if (prefix == NULL)
		prefix = "stdin";
	if (wal)
		rc = with_name(argv[optind], judge_wal, &job, &e);
	else if ((rc = optind < argc ? with_name(argv[optind], list_prefix, &list, &e) :
	    lsparse_read(stdin, "standard input", &list, &e)) == DK_OK)
		staleness_evaluate(&list, &policy, &result);
	if (rc != DK_OK) {
		if (interrupt_requested()) {	/* ended by a signal: no verdict */
			lsparse_free(&list);
			walarchive_free(&archive);
			return cli_fail(&e);
		}
		cli_fail(&e);
		unknown_from(&result, &e);
		result.wal.on = wal;
	} else if (result.state == STALE_UNKNOWN) {
		fprintf(stderr, "%s: %s\n", cli_prog, result.problems[0]);
	}
	if (stalereport_write(stdout, format, &result, &policy, prefix) != 0) {
		dk_refail(&e, DK_EIO, "cannot write standard output: %s", strerror(errno));
		cli_fail(&e);
		result.state = STALE_UNKNOWN;
	}
	lsparse_free(&list);
	walarchive_free(&archive);
	return result.state;
}
