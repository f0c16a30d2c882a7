#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

/* Reads the unsigned decimal at *p into *v; 0 when there is none or it
 * overflows. */
static int
read_number(const char **p, unsigned long long *v)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return 0;
	errno = 0;
	*v = strtoull(*p, &end, 10);
	if (errno == ERANGE)
		return 0;
	*p = end;
	return 1;
}

static long long
duration_unit(char c)
{
	switch (c) {
	case 's': return 1;
	case 'm': return 60;
	case 'h': return 3600;
	case 'd': return 86400;
	case 'w': return 7 * 86400;
	default: return 0;
	}
}

int
units_parse_duration(const char *s, long long *secs, struct dk_err *e)
{
	const char *p = s;
	long long total = 0;
	int parts = 0;

	if (*p == '\0')
		return dk_fail(e, DK_EUSAGE, "empty duration (want e.g. 90m, 26h, 2d)");
	while (*p != '\0') {
		unsigned long long n;
		long long unit = 1;

		if (!read_number(&p, &n))
			return dk_fail(e, DK_EUSAGE, "bad duration '%s' (want e.g. 90m, 26h, 2d)", s);
		if (*p != '\0') {
			unit = duration_unit(*p++);
			if (unit == 0)
				return dk_fail(e, DK_EUSAGE, "bad duration '%s': units are s, m, h, d, w", s);
		} else if (parts > 0) {
			/* "1h30" is ambiguous: say what 30 is. */
			return dk_fail(e, DK_EUSAGE, "bad duration '%s': give each number a unit", s);
		}
		if (n > (unsigned long long)(LLONG_MAX / unit) ||
		    total > LLONG_MAX - (long long)n * unit)
			return dk_fail(e, DK_EUSAGE, "duration '%s' is too long", s);
		total += (long long)n * unit;
		parts++;
	}
	*secs = total;
	return DK_OK;
}

struct size_suffix {
	const char *name;
	unsigned long long mult;
};

#define KI 1024ULL
#define KD 1000ULL
static const struct size_suffix suffixes[] = {
	{ "", 1 }, { "B", 1 },
	{ "K", KI }, { "k", KI }, { "KiB", KI }, { "KB", KD }, { "kB", KD },
	{ "M", KI * KI }, { "MiB", KI * KI }, { "MB", KD * KD },
	{ "G", KI * KI * KI }, { "GiB", KI * KI * KI }, { "GB", KD * KD * KD },
	{ "T", KI * KI * KI * KI }, { "TiB", KI * KI * KI * KI }, { "TB", KD * KD * KD * KD },
	{ "P", KI * KI * KI * KI * KI }, { "PiB", KI * KI * KI * KI * KI },
	{ "PB", KD * KD * KD * KD * KD },
};

int
units_parse_size(const char *s, unsigned long long *bytes, struct dk_err *e)
{
	const char *p = s;
	unsigned long long n;

	if (!read_number(&p, &n))
		return dk_fail(e, DK_EUSAGE, "bad size '%s' (want e.g. 50M, 50MB, 1GiB)", s);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (strcmp(p, suffixes[i].name) != 0)
			continue;
		if (n > ULLONG_MAX / suffixes[i].mult)
			return dk_fail(e, DK_EUSAGE, "size '%s' is too large", s);
		*bytes = n * suffixes[i].mult;
		return DK_OK;
	}
	return dk_fail(e, DK_EUSAGE, "bad size '%s': suffixes are K, M, G, T, P "
	    "(powers of 1024), KiB..PiB (the same), KB..PB (powers of 1000)", s);
}

int
units_parse_fraction(const char *s, double *v, struct dk_err *e)
{
	char *end;
	double d;

	if (!isdigit((unsigned char)s[0]) && s[0] != '.')
		return dk_fail(e, DK_EUSAGE, "bad fraction '%s' (want e.g. 50%% or 0.5)", s);
	errno = 0;
	d = strtod(s, &end);
	if (*end == '%' && end[1] == '\0') {
		d /= 100;
		end++;
	}
	if (end == s || *end != '\0' || errno == ERANGE || !(d >= 0 && d <= 1))
		return dk_fail(e, DK_EUSAGE, "bad fraction '%s' (want 0%% to 100%%, or 0 to 1)", s);
	*v = d;
	return DK_OK;
}

void
units_format_duration(long long secs, char *buf, size_t len)
{
	static const struct { long long secs; char name; } u[] = {
		{ 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' },
	};
	const char *sign = secs < 0 ? "-" : "";
	unsigned long long v = secs < 0 ? 0ULL - (unsigned long long)secs : (unsigned long long)secs;
	size_t i = 0;

	while (i < 3 && v < (unsigned long long)u[i].secs)
		i++;
	unsigned long long hi = v / (unsigned long long)u[i].secs;
	unsigned long long lo = i < 3 ? v % (unsigned long long)u[i].secs / (unsigned long long)u[i + 1].secs : 0;
	if (lo != 0)
		snprintf(buf, len, "%s%llu%c %llu%c", sign, hi, u[i].name, lo, u[i + 1].name);
	else
		snprintf(buf, len, "%s%llu%c", sign, hi, u[i].name);
}
