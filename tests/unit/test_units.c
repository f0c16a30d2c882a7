/* Durations, sizes, fractions and times as operators type them. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "timestamp.h"
#include "units.h"

static long long
dur(const char *s)
{
	struct dk_err e = { 0 };
	long long v = -1;

	return units_parse_duration(s, &v, &e) == DK_OK ? v : -1;
}

static unsigned long long
size(const char *s)
{
	struct dk_err e = { 0 };
	unsigned long long v = 0;

	return units_parse_size(s, &v, &e) == DK_OK ? v : 1ULL;
}

static long long
when(const char *s)
{
	struct dk_err e = { 0 };
	time_t t;

	return timestamp_parse(s, &t, &e) == DK_OK ? (long long)t : -1;
}

static const char *
fmt(long long secs)
{
	static char buf[32];

	units_format_duration(secs, buf, sizeof(buf));
	return buf;
}

int
main(void)
{
	struct dk_err e = { 0 };
	double f;
	char buf[32];

	CHECK(dur("90m") == 5400, "90m is 5400 s");
	CHECK(dur("26h") == 93600, "26h is 93600 s");
	CHECK(dur("2d") == 172800, "2d is 172800 s");
	CHECK(dur("1w") == 604800, "1w is a week");
	CHECK(dur("1d12h") == 129600, "1d12h adds up");
	CHECK(dur("45") == 45 && dur("45s") == 45, "a bare number is seconds");
	CHECK(dur("0") == 0, "0 is a duration");
	CHECK(dur("") == -1 && dur("h") == -1 && dur("5x") == -1 && dur("-5m") == -1,
	    "empty, unitless, unknown unit and negative are refused");
	CHECK(dur("1h30") == -1, "1h30 is refused: 30 what?");
	CHECK(dur("5M") == -1, "M is not minutes (nor months)");
	CHECK(dur("99999999999999999999s") == -1 && dur("999999999999999w") == -1,
	    "overflow is refused");
	CHECK(units_parse_duration("5x", &(long long){ 0 }, &e) == DK_EUSAGE &&
	    strstr(e.msg, "5x") != NULL, "the message names the bad value: %s", e.msg);

	CHECK(size("0") == 0 && size("123") == 123 && size("123B") == 123, "bytes");
	CHECK(size("50M") == 52428800ULL && size("50MiB") == 52428800ULL, "50M = 50MiB = 50*1024^2");
	CHECK(size("50MB") == 50000000ULL, "50MB = 50*1000^2");
	CHECK(size("1k") == 1024 && size("1K") == 1024 && size("1KB") == 1000 && size("1kB") == 1000,
	    "k and K are 1024, KB and kB 1000");
	CHECK(size("2G") == 2147483648ULL && size("2GB") == 2000000000ULL, "G and GB");
	CHECK(size("1T") == 1099511627776ULL && size("1TB") == 1000000000000ULL, "T and TB");
	CHECK(size("1P") == 1125899906842624ULL, "P");
	CHECK(size("50m") == 1 && size("1.5G") == 1 && size("-1") == 1 && size("M") == 1 &&
	    size("20000000P") == 1, "lowercase m, fractions, negatives, no number, overflow refused");

	CHECK(units_parse_fraction("50%", &f, &e) == DK_OK && f == 0.5, "50%% is 0.5");
	CHECK(units_parse_fraction("0.25", &f, &e) == DK_OK && f == 0.25, "0.25");
	CHECK(units_parse_fraction("0", &f, &e) == DK_OK && f == 0, "0 turns it off");
	CHECK(units_parse_fraction("150%", &f, &e) != DK_OK && units_parse_fraction("x", &f, &e) != DK_OK &&
	    units_parse_fraction("1.5", &f, &e) != DK_OK && units_parse_fraction("nan", &f, &e) != DK_OK,
	    "over 100%%, words and nan refused");

	CHECK(strcmp(fmt(0), "0s") == 0, "0s");
	CHECK(strcmp(fmt(42), "42s") == 0, "42s");
	CHECK(strcmp(fmt(5400), "1h 30m") == 0, "1h 30m");
	CHECK(strcmp(fmt(93600), "1d 2h") == 0, "1d 2h");
	CHECK(strcmp(fmt(172800), "2d") == 0, "2d");
	CHECK(strcmp(fmt(172801), "2d") == 0, "two units at most: %s", fmt(172801));
	CHECK(strcmp(fmt(-7200), "-2h") == 0, "negative: %s", fmt(-7200));

	setenv("TZ", "UTC", 1);
	CHECK(when("@1795575600") == 1795575600LL, "@epoch");
	CHECK(when("2026-11-25T03:00:00Z") == 1795575600LL, "RFC 3339 Z");
	CHECK(when("2026-11-25t03:00:00.123z") == 1795575600LL, "lowercase t/z and a fraction");
	CHECK(when("2026-11-25T04:30:00+01:30") == 1795575600LL, "an offset east");
	CHECK(when("2026-11-24T22:00:00-05:00") == 1795575600LL, "an offset west");
	CHECK(when("2026-11-25 03:00:00") == 1795575600LL, "local time, TZ=UTC");
	CHECK(when("2026-02-30T00:00:00Z") == -1 && when("2026-11-25T24:00:00Z") == -1 &&
	    when("2026-11-25T03:00:00") == -1 && when("2026-11-25T03:00:00.Z") == -1 &&
	    when("@") == -1 && when("@12x") == -1 && when("yesterday") == -1,
	    "30 February, 24:00, no zone, empty fraction, bad epochs, words refused");

	setenv("TZ", "Europe/Berlin", 1);
	CHECK(when("2026-11-25 04:00:00") == 1795575600LL, "Berlin in winter is UTC+1");
	CHECK(when("2026-07-01 14:00:00") == when("2026-07-01T12:00:00Z"), "Berlin in summer is UTC+2");
	CHECK(when("2026-03-29 02:30:00") == -1, "02:30 does not exist in Berlin on 29 March 2026");
	CHECK(when("2026-03-29 03:00:00") - when("2026-03-29 01:59:59") == 1,
	    "the spring-forward gap takes no time");
	CHECK(when("2026-10-25 03:00:00") - when("2026-10-25 01:00:00") == 3 * 3600,
	    "the fall-back day has a 3-hour gap from 01:00 to 03:00");

	timestamp_format_rfc3339(1795575600, buf, sizeof(buf));
	CHECK(strcmp(buf, "2026-11-25T03:00:00Z") == 0, "formats RFC 3339 UTC whatever TZ: %s", buf);
	return TAP_END();
}
