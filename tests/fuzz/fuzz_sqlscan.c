/* libFuzzer target: psql's statement splitting on arbitrary scripts. */
#include <stdint.h>

#include "sqlscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
count(void *arg, enum sqlscan_event ev, const char *text, size_t n, unsigned long line)
{
	(void)ev;
	(void)text;
	(void)n;
	(void)line;
	++*(unsigned long *)arg;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long events = 0;

	sqlscan_buffer((const char *)data, size, count, &events);
	return 0;
}
