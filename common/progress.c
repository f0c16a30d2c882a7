#include <stdio.h>

#include "clock.h"
#include "progress.h"

void
progress_init(struct progress *p, int on, uint64_t total,
    void (*draw)(void *arg, const char *line, int last), void *arg)
{
	p->on = on && draw != NULL;
	p->total = total;
	p->start = p->last = clock_now();
	p->shown = 0;
	p->draw = draw;
	p->arg = arg;
}

void
progress_human(double v, char *out, unsigned n)
{
	const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int i = 0;

	while (v >= 1024 && i < 4)
		v /= 1024, i++;
	snprintf(out, n, i ? "%.1f %s" : "%.0f %s", v, unit[i]);
}

static void
progress_show(struct progress *p, uint64_t bytes, const char *what, const char *detail,
    double t, int last)
{
	char done[32], rate[32], share[48] = "", line[512];
	double secs = t - p->start, bps = secs > 0 ? (double)bytes / secs : 0;

	progress_human((double)bytes, done, sizeof(done));
	progress_human(bps, rate, sizeof(rate));
	if (p->total > 0 && bps > 0 && bytes <= p->total) {
		long left = (long)((double)(p->total - bytes) / bps);
		snprintf(share, sizeof(share), ", %.0f%%, %ld:%02ld left",
		    100.0 * (double)bytes / (double)p->total, left / 60, left % 60);
	}
	snprintf(line, sizeof(line), "%s%s%s at %s/s%s%s%s", what ? what : "",
	    what && *what ? " " : "", done, rate, share, detail ? ", " : "", detail ? detail : "");
	p->draw(p->arg, line, last);
	p->shown = 1;
}

void
progress_update(struct progress *p, uint64_t bytes, const char *what, const char *detail)
{
	double t;

	if (!p->on)
		return;
	t = clock_now();
	if (t - p->last < 0.25)
		return;
	p->last = t;
	progress_show(p, bytes, what, detail, t, 0);
}

void
progress_end(struct progress *p, uint64_t bytes, const char *what, const char *detail)
{
	if (!p->on)
		return;
	progress_show(p, bytes, what, detail, clock_now(), 1);
}

void
progress_pump(void *arg, uint64_t bytes)
{
	progress_update(arg, bytes, NULL, NULL);
}
