#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "units.h"

const char *cli_prog = "drkit";
int cli_verbose;
int cli_quiet;
volatile sig_atomic_t cli_interrupted;

static void
on_signal(int signo)
{
	cli_interrupted = signo;
}

void
cli_init(const char *prog)
{
	struct sigaction sa;

	cli_prog = prog;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int
cli_interrupt_status(void)
{
	return 128 + cli_interrupted;
}

int
cli_fail(const struct dk_err *e)
{
	if (cli_interrupted) {
		fprintf(stderr, "%s: interrupted by signal %d\n", cli_prog, (int)cli_interrupted);
		return cli_interrupt_status();
	}
	if (!e->quiet)
		fprintf(stderr, "%s: %s\n", cli_prog, e->msg);
	return e->status;
}

int
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try '%s --help')\n", cli_prog);
	return DK_EUSAGE;
}

int
cli_parse_number(const char *opt, const char *arg, long long min, long long max,
    long long *out)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(arg, &end, 10);
	if (end == arg || *end != '\0' || errno == ERANGE || n < min || n > max)
		return cli_usage_error("%s: want a whole number from %lld to %lld, not '%s'",
		    opt, min, max, arg);
	*out = n;
	return DK_OK;
}

int
cli_parse_size(const char *opt, const char *arg, unsigned long long min,
    unsigned long long max, unsigned long long *out)
{
	struct dk_err e = { 0 };
	unsigned long long n;

	if (units_parse_size(arg, &n, &e) != DK_OK || n < min || n > max)
		return cli_usage_error("%s: want a size from %llu to %llu bytes (like 16M), "
		    "not '%s'", opt, min, max, arg);
	*out = n;
	return DK_OK;
}

int
cli_version(void)
{
	printf("%s (drkit) %s\n", cli_prog, DRKIT_VERSION);
	return 0;
}

void
cli_note(const char *fmt, ...)
{
	va_list ap;

	if (cli_quiet)
		return;
	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
cli_trace(const char *fmt, ...)
{
	va_list ap;

	if (!cli_verbose)
		return;
	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
