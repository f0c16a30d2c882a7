/* libFuzzer target: psql's statement splitting on arbitrary scripts, byte
 * by byte and, with the first byte choosing it, in a client encoding whose
 * multibyte characters hold ASCII bytes. */
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
	static const char *const encodings[] = { "UTF8", "SJIS", "BIG5", "GB18030", "JOHAB" };
	unsigned long events = 0;
	struct sqlscan s;

	sqlscan_buffer((const char *)data, size, count, &events);
	if (size == 0)
		return 0;
	sqlscan_init(&s);
	sqlscan_set_encoding(&s, encodings[data[0] % (sizeof(encodings) / sizeof(encodings[0]))]);
	/* At most an event a byte: the bound only catches a scanner that stalls. */
	for (size_t i = 0; i <= size; i++) {
		enum sqlscan_event ev = sqlscan_next(&s, (const char *)data + 1, size - 1, 1);
		if (ev != SQLSCAN_STATEMENT && ev != SQLSCAN_META && ev != SQLSCAN_COMMENT)
			break;
	}
	return 0;
}
