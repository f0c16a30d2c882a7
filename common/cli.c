#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "escape.h"
#include "units.h"

const char *cli_prog = "drkit";
int cli_verbose;
int cli_quiet;
int cli_progress_mode = -1;
int cli_lost_output_status = DK_EIO;

/* A descriptor 0-2 closed by the caller would be taken by the first file
 * or socket opened, and output would go there. Hold each with /dev/null
 * opened the wrong way round, so that a use of it fails as it should. */
static void
hold_closed_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		int got = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
		if (got != fd) {
			/* Not even /dev/null: nothing safe is left to do. */
			_exit(DK_EIO);
		}
	}
}

/* Output lost at the last flush (a full disk, a closed descriptor) is a
 * failure, never exit 0. A reader that went away is not: SIGPIPE's rule. */
static void
close_stdout(void)
{
	/* An earlier write may have failed with the buffer dropped: the
	 * stream's error flag is all that remembers it. */
	int failed_before = ferror(stdout);

	errno = 0;
	if (fclose(stdout) == 0 && !failed_before)
		return;
	if (errno == EPIPE)
		return;
	fprintf(stderr, "%s: cannot write standard output: %s\n", cli_prog,
	    errno != 0 ? strerror(errno) : "write error");
	_exit(cli_lost_output_status);
}

void
cli_init(const char *prog)
{
	cli_prog = prog;
	hold_closed_std_fds();
	interrupt_install();
	atexit(close_stdout);
}

int
cli_option(int ch, void (*usage)(void))
{
	switch (ch) {
	case 'q': cli_quiet = 1; return CLI_CONTINUE;
	case 'v': cli_verbose = 1; return CLI_CONTINUE;
	case CLI_OPT_PROGRESS: cli_progress_mode = 1; return CLI_CONTINUE;
	case CLI_OPT_NO_PROGRESS: cli_progress_mode = 0; return CLI_CONTINUE;
	case 'h': usage(); return 0;
	case CLI_OPT_VERSION: return cli_version();
	default: return cli_usage_error("unknown option");
	}
}

int
cli_interrupt_status(void)
{
	return 128 + interrupt_signal;
}

/* "PROG: message" on stderr; what came from outside (keys, ETags, a
 * server's words) cannot drive the terminal. */
static void
say(const char *msg)
{
	fprintf(stderr, "%s: ", cli_prog);
	escape_text_write(stderr, msg);
	fputc('\n', stderr);
}

int
cli_fail(const struct dk_err *e)
{
	if (interrupt_requested()) {
		fprintf(stderr, "%s: interrupted by signal %d\n", cli_prog, (int)interrupt_signal);
		return cli_interrupt_status();
	}
	if (!e->quiet)
		say(e->msg);
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

static void
cli_vline(const char *fmt, va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	say(msg);
}

void
cli_note(const char *fmt, ...)
{
	va_list ap;

	if (cli_quiet)
		return;
	va_start(ap, fmt);
	cli_vline(fmt, ap);
	va_end(ap);
}

void
cli_trace(const char *fmt, ...)
{
	va_list ap;

	if (!cli_verbose)
		return;
	va_start(ap, fmt);
	cli_vline(fmt, ap);
	va_end(ap);
}

static void
log_to_stderr(void *arg, const char *msg)
{
	(void)arg;
	say(msg);
}

const struct dk_log *
cli_log(void)
{
	static struct dk_log l;

	l.note = cli_quiet ? NULL : log_to_stderr;
	l.trace = cli_verbose ? log_to_stderr : NULL;
	l.arg = NULL;
	return &l;
}

/* On a terminal the line is rewritten in place; elsewhere (a log file)
 * each update is a line of its own. */
static void
draw_progress(void *arg, const char *line, int last)
{
	int tty = *(const int *)arg;

	if (tty)
		fprintf(stderr, "\r%s: %s\033[K%s", cli_prog, line, last ? "\n" : "");
	else
		fprintf(stderr, "%s: %s\n", cli_prog, line);
}

void
cli_progress_init(struct progress *p, uint64_t total)
{
	static int tty;
	int on;

	tty = isatty(STDERR_FILENO);
	on = !cli_quiet && (cli_progress_mode == 1 || (cli_progress_mode == -1 && tty));
	progress_init(p, on, total, draw_progress, &tty);
}
