/* What every program's main does the same way: its name in messages,
 * -v/-q, --version, signals, and turning an error record into an exit. */
#ifndef DRKIT_CLI_H
#define DRKIT_CLI_H

#include <signal.h>

#include "err.h"

extern const char *cli_prog;		/* "r2get" */
extern int cli_verbose;			/* -v given: trace requests */
extern int cli_quiet;			/* -q given: errors only */
extern volatile sig_atomic_t cli_interrupted;	/* SIGINT or SIGTERM seen */

/* Names the program and installs SIGINT/SIGTERM handlers that only set
 * cli_interrupted, so that loops can clean up (abort an upload, remove a
 * partial file) before exiting. SIGPIPE keeps its default: a closed reader
 * ends the program quietly. */
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

/* The status to exit with after an interruption was cleaned up. */
int cli_interrupt_status(void);

#endif
