/* What every program's main does the same way: its name in messages, the
 * options they all take, -v/-q, signals, the library's notes and progress
 * on stderr, and turning an error record into an exit status. Only the
 * programs (cmd/) and the test drivers call this: the rest of the library
 * never prints and never includes it. */
#ifndef DRKIT_CLI_H
#define DRKIT_CLI_H

#include <getopt.h>
#include <stdint.h>

#include "err.h"
#include "interrupt.h"
#include "log.h"
#include "progress.h"

extern const char *cli_prog;		/* "r2get" */
extern int cli_verbose;			/* -v given: trace requests */
extern int cli_quiet;			/* -q given: errors only */
extern int cli_progress_mode;		/* --progress 1, --no-progress 0, else -1 */
extern int cli_lost_output_status;	/* exit status when stdout is lost (6) */

/* getopt_long values of the shared long options without a short form. */
enum {
	CLI_OPT_VERSION = 0x1000,
	CLI_OPT_PROGRESS,
	CLI_OPT_NO_PROGRESS,
	CLI_OPT_FIRST_OWN	/* a program's own long-only options start here */
};

/* The options every program takes, for the end of its option table
 * (before the { NULL } row); "hqv" goes in its short options. */
#define CLI_LONGOPTS_COMMON \
	{ "quiet", no_argument, NULL, 'q' }, \
	CLI_LONGOPTS_BASE
/* The same without -q, for sha256sum-r2, whose --quiet is sha256sum's. */
#define CLI_LONGOPTS_BASE \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, CLI_OPT_VERSION }
/* And for the programs that stream: --progress and --no-progress. */
#define CLI_LONGOPTS_PROGRESS \
	{ "progress", no_argument, NULL, CLI_OPT_PROGRESS }, \
	{ "no-progress", no_argument, NULL, CLI_OPT_NO_PROGRESS }

/* The answer of cli_option: go on parsing. */
#define CLI_CONTINUE (-1)

/* Handles a shared option (-q -v -h --version --progress --no-progress),
 * or any other as an unknown one; returns CLI_CONTINUE, or the status to
 * exit with now (0 after --help or --version, 2 for an unknown option).
 * usage prints the program's help. */
int cli_option(int ch, void (*usage)(void));

/* Names the program and installs the SIGINT/SIGTERM flag
 * (interrupt_install), so that loops can clean up before exiting. */
void cli_init(const char *prog);

/* Prints "PROG: message" for e (unless e->quiet) and returns its status,
 * or 128 + signal when the program was interrupted. */
int cli_fail(const struct dk_err *e);

/* Prints "PROG: message" and a hint to --help; returns DK_EUSAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "PROG (drkit) VERSION" on stdout; returns 0. */
int cli_version(void);

/* Option values: a whole number from min to max (nothing after it), or a
 * size as units_parse_size reads it ("16M", "2GB"). On a bad value they
 * print the usage error naming opt and return DK_EUSAGE. */
int cli_parse_number(const char *opt, const char *arg, long long min, long long max,
    long long *out);
int cli_parse_size(const char *opt, const char *arg, unsigned long long min,
    unsigned long long max, unsigned long long *out);

/* "PROG: message" on stderr, unless -q. */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "PROG: message" on stderr, only with -v. */
void cli_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The library's notes and traces, to stderr as -q and -v say. */
const struct dk_log *cli_log(void);

/* Progress on stderr as --progress, --no-progress and -q say: by default
 * only when stderr is a terminal. */
void cli_progress_init(struct progress *p, uint64_t total);

/* The status to exit with after an interruption was cleaned up. */
int cli_interrupt_status(void);

#endif
