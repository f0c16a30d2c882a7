/* The one RFC 3339 parser (listings, r2ls --rfc3339, s3xml's LastModified)
 * and the local "YYYY-MM-DD HH:MM:SS" of aws s3 ls. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "timestamp.h"

/* 2026-11-25T03:03:24Z */
#define T0 ((time_t)1795575804)

static int
rfc3339(const char *s, time_t *t)
{
	struct dk_err e = { 0 };

	return timestamp_parse_rfc3339(s, strlen(s), t, &e);
}

static void
test_rfc3339_forms(void)
{
	static const char *same[] = {
		"2026-11-25T03:03:24Z",
		"2026-11-25T03:03:24.000Z",
		"2026-11-25T03:03:24.123456789Z",
		"2026-11-25t03:03:24z",
		"2026-11-25 03:03:24Z",
		"2026-11-25T05:03:24+02:00",
		"2026-11-25T05:03:24.5+02:00",
		"2026-11-24T21:33:24-05:30",
		"2026-11-25T03:03:24+00:00",
		"2026-11-25T03:03:24-00:00",
	};

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		time_t t = 0;
		int rc = rfc3339(same[i], &t);
		CHECK(rc == DK_OK && t == T0, "%s is 2026-11-25T03:03:24Z", same[i]);
	}
}

static void
test_rfc3339_refused(void)
{
	static const char *bad[] = {
		"2026-11-25T03:03:24",		/* no zone: not an instant */
		"2026-11-25T03:03:24.Z",	/* a point without digits */
		"2026-11-25T03:03:24+2:00",
		"2026-11-25T03:03:24+02",
		"2026-11-25T03:03:24+24:00",
		"2026-11-25T03:03:24ZZ",
		"2026-11-31T00:00:00Z",		/* no 31 November */
		"2026-02-29T00:00:00Z",
		"2026-11-25T24:00:00Z",
		"2026-11-25X03:03:24Z",
		"26-11-25T03:03:24Z",
		"",
	};
	struct dk_err e = { 0 };
	time_t t;
	int rc;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = rfc3339(bad[i], &t);
		CHECK(rc == DK_EDATA, "'%s' is refused", bad[i]);
	}
	rc = timestamp_parse_rfc3339("2026-11-25T03:03:24Z trailing", 20, &t, &e);
	CHECK(rc == DK_OK && t == T0, "exactly len bytes are read");
	rc = timestamp_parse_rfc3339("2026-11-25T03:03:24Z", 19, &t, &e);
	CHECK(rc == DK_EDATA && strstr(e.msg, "RFC 3339") != NULL,
	    "a time cut before its zone is refused, saying what was wanted");
	rc = rfc3339("2028-02-29T12:00:00Z", &t);
	CHECK(rc == DK_OK, "a leap day of a leap year is a day");
}

static void
test_format(void)
{
	char buf[32];
	time_t t = 0;
	int rc;

	timestamp_format_rfc3339(T0, buf, sizeof(buf));
	CHECK(strcmp(buf, "2026-11-25T03:03:24Z") == 0, "formats as RFC 3339 UTC");
	rc = rfc3339(buf, &t);
	CHECK(rc == DK_OK && t == T0, "and reads back");
}

static void
test_local(void)
{
	struct dk_err e = { 0 };
	time_t t;
	int rc;

	/* Central Europe in POSIX form: no tz database needed. */
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	rc = timestamp_parse_local("2026-11-25 04:03:24", 19, &t, &e);
	CHECK(rc == DK_OK && t == T0, "local time in TZ (CET, UTC+1)");
	rc = timestamp_parse_local("2026-03-29 02:30:00", 19, &t, &e);
	CHECK(rc == DK_EDATA, "a wall time the zone skips is refused");
	dk_err_clear(&e);
	rc = timestamp_parse_local("2026-11-25T04:03:24", 19, &t, &e);
	CHECK(rc == DK_EDATA, "a 'T' is not the local form");
	unsetenv("TZ");
	tzset();
}

static void
test_any(void)
{
	struct dk_err e = { 0 };
	time_t t;
	int rc;

	rc = timestamp_parse("@1795575804", &t, &e);
	CHECK(rc == DK_OK && t == T0, "@EPOCH");
	rc = timestamp_parse("2026-11-25T05:03:24+02:00", &t, &e);
	CHECK(rc == DK_OK && t == T0, "RFC 3339 with an offset");
	rc = timestamp_parse("@", &t, &e);
	CHECK(rc == DK_EUSAGE, "a bare @ is a usage error");
	dk_err_clear(&e);
	rc = timestamp_parse("@ 5", &t, &e);
	CHECK(rc == DK_EUSAGE, "@ and a space is a usage error");
	dk_err_clear(&e);
	rc = timestamp_parse("yesterday", &t, &e);
	CHECK(rc == DK_EUSAGE && strstr(e.msg, "yesterday") != NULL,
	    "anything else is a usage error naming it");
}

int
main(void)
{
	test_rfc3339_forms();
	test_rfc3339_refused();
	test_format();
	test_local();
	test_any();
	return TAP_END();
}
