/* libFuzzer target: sha256sum check-list lines. Any line parses without a
 * fault; a name written as sha256sum writes it parses back the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sumfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char hex[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void
round_trip(const char *name, int binary, int tag)
{
	struct sumfile_parser p;
	struct sumfile_entry en;
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);

	if (f == NULL)
		return;
	sumfile_put_line(f, hex, name, binary, tag, 0);
	fclose(f);
	if (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	sumfile_parser_init(&p);
	if (sumfile_parse_line(&p, line, len, &en) != 1 || strcmp(en.name, name) != 0 ||
	    strcmp(en.hex, hex) != 0)
		abort();
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sumfile_parser p;
	struct sumfile_entry en;
	char *line = malloc(size + 1), *name;

	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	sumfile_parser_init(&p);
	sumfile_parse_line(&p, line, size, &en);
	free(line);
	/* A name sha256sum could have been given: no NUL, not empty. */
	if ((name = strndup((const char *)data, size)) != NULL && *name != '\0') {
		round_trip(name, size & 1, 0);
		if (strchr(name, '\n') == NULL && strchr(name, '\r') == NULL &&
		    strchr(name, '\\') == NULL)
			round_trip(name, 0, 1);
	}
	free(name);
	return 0;
}
