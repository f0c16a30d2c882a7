#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timestamp.h"

/* Reads n digits at s into *v. */
static int
digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

/* "YYYY-MM-DD?HH:MM:SS" at s, with sep any of seps; fills tm. */
static int
read_datetime(const char *s, size_t len, const char *seps, struct tm *tm)
{
	int y, mo, d, h, mi, sec;

	if (len < 19 || s[4] != '-' || s[7] != '-' || strchr(seps, s[10]) == NULL ||
	    s[10] == '\0' || s[13] != ':' || s[16] != ':')
		return 0;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &sec))
		return 0;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = sec;
	return 1;
}

/* The fields mktime/timegm normalised are the ones given: no 31 November,
 * no 25:00, no wall time skipped by the zone. */
static int
same_fields(const struct tm *a, const struct tm *b)
{
	return a->tm_year == b->tm_year && a->tm_mon == b->tm_mon && a->tm_mday == b->tm_mday &&
	    a->tm_hour == b->tm_hour && a->tm_min == b->tm_min && a->tm_sec == b->tm_sec;
}

/* The offset "Z" or "+HH:MM" / "-HH:MM" at s (n bytes), in seconds east. */
static int
read_offset(const char *s, size_t n, long *off)
{
	int h, m;

	if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		*off = 0;
		return 1;
	}
	if (n != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' ||
	    !digits(s + 1, 2, &h) || !digits(s + 4, 2, &m) || h > 23 || m > 59)
		return 0;
	*off = (h * 3600L + m * 60L) * (s[0] == '-' ? -1 : 1);
	return 1;
}

int
timestamp_parse_rfc3339(const char *s, size_t len, time_t *t, struct dk_err *e)
{
	struct tm tm, check;
	size_t i = 19;
	long off;

	if (!read_datetime(s, len, "Tt ", &tm))
		goto bad;
	if (i < len && s[i] == '.') {
		for (i++; i < len && isdigit((unsigned char)s[i]); i++)
			;
		if (i == 20)
			goto bad;
	}
	if (!read_offset(s + i, len - i, &off))
		goto bad;
	check = tm;
	*t = timegm(&check);
	if (!same_fields(&tm, &check))
		goto bad;
	*t -= off;
	return DK_OK;
bad:
	return dk_fail(e, DK_EDATA, "'%.*s' is not an RFC 3339 time", (int)(len > 64 ? 64 : len), s);
}

int
timestamp_parse_local(const char *s, size_t len, time_t *t, struct dk_err *e)
{
	struct tm tm, check;

	if (len != 19 || !read_datetime(s, len, " ", &tm))
		return dk_fail(e, DK_EDATA, "'%.*s' is not a local time YYYY-MM-DD HH:MM:SS",
		    (int)(len > 64 ? 64 : len), s);
	tm.tm_isdst = -1;
	check = tm;
	*t = mktime(&check);
	if (!same_fields(&tm, &check))
		return dk_fail(e, DK_EDATA, "'%.*s' does not exist in the local time zone "
		    "(is TZ the one the listing was made in?)", (int)len, s);
	return DK_OK;
}

int
timestamp_parse(const char *s, time_t *t, struct dk_err *e)
{
	size_t len = strlen(s);

	if (s[0] == '@') {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (s[1] == '\0' || *end != '\0' || errno == ERANGE || isspace((unsigned char)s[1]))
			return dk_fail(e, DK_EUSAGE, "bad time '%s' (want @SECONDS)", s);
		*t = (time_t)v;
		return DK_OK;
	}
	if (len == 19 && s[10] == ' ')
		return timestamp_parse_local(s, len, t, e) == DK_OK ? DK_OK :
		    dk_refail(e, DK_EUSAGE, "bad time '%s': not a valid local time", s);
	if (timestamp_parse_rfc3339(s, len, t, e) != DK_OK)
		return dk_refail(e, DK_EUSAGE, "bad time '%s' (want RFC 3339, "
		    "'YYYY-MM-DD HH:MM:SS' local, or @SECONDS)", s);
	return DK_OK;
}

void
timestamp_format_rfc3339(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
