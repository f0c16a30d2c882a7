#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

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
