#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
progress_init(struct progress *p, int mode, uint64_t total)
{
	p->on = mode == 1 || (mode == -1 && isatty(STDERR_FILENO) && !cli_quiet);
	p->total = total;
	p->start = p->last = mono();
	p->shown = 0;
}

static void
human(double v, char *out, size_t n)
{
	const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int i = 0;

	while (v >= 1024 && i < 4)
		v /= 1024, i++;
	snprintf(out, n, i ? "%.1f %s" : "%.0f %s", v, unit[i]);
}

static void
progress_show(struct progress *p, uint64_t bytes, const char *what, double t)
{
	char done[32], rate[32], eta[32] = "";
	double secs = t - p->start, bps = secs > 0 ? (double)bytes / secs : 0;

	human((double)bytes, done, sizeof(done));
	human(bps, rate, sizeof(rate));
	if (p->total > 0 && bps > 0 && bytes <= p->total) {
		long left = (long)((double)(p->total - bytes) / bps);
		snprintf(eta, sizeof(eta), ", %ld:%02ld left", left / 60, left % 60);
	}
	fprintf(stderr, "\r%s: %s %s at %s/s%s\033[K", cli_prog, what ? what : "", done, rate, eta);
	p->shown = 1;
}

void
progress_update(struct progress *p, uint64_t bytes, const char *what)
{
	double t;

	if (!p->on)
		return;
	t = mono();
	if (t - p->last < 0.25)
		return;
	p->last = t;
	progress_show(p, bytes, what, t);
}

void
progress_end(struct progress *p, uint64_t bytes, const char *what)
{
	if (!p->on)
		return;
	progress_show(p, bytes, what, mono());
	fputc('\n', stderr);
}

void
progress_pump(void *arg, uint64_t bytes)
{
	progress_update(arg, bytes, NULL);
}
