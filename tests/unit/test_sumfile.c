/* sumfile: sha256sum's line format, written and read with its quirks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sumfile.h"
#include "tap.h"

#define H "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static char *
line_of(const char *name, int binary, int tag, int zero, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	sumfile_put_line(f, H, name, binary, tag, zero);
	fclose(f);
	return buf;
}

static int
parses(const char *line, const char *name, int binary)
{
	struct sumfile_parser p;
	struct sumfile_entry ent;
	char *copy = strdup(line);
	int r;

	sumfile_parser_init(&p);
	r = sumfile_parse_line(&p, copy, strlen(copy), &ent);
	r = r == 1 && strcmp(ent.name, name) == 0 && ent.binary == binary && strcmp(ent.hex, H) == 0;
	free(copy);
	return r;
}

int
main(void)
{
	size_t len;
	char *l;

	l = line_of("plain name", 0, 0, 0, &len);
	CHECK(strcmp(l, H "  plain name\n") == 0, "a plain name: HEX, two spaces, name");
	free(l);
	l = line_of("a\\b\nc\rd", 0, 0, 0, &len);
	CHECK(strcmp(l, "\\" H "  a\\\\b\\nc\\rd\n") == 0, "an odd name: leading backslash and escapes");
	free(l);
	l = line_of("a\\b", 1, 1, 0, &len);
	CHECK(strcmp(l, "\\SHA256 (a\\\\b) = " H "\n") == 0, "--tag escapes inside the parentheses");
	free(l);
	l = line_of("a\nb", 1, 0, 1, &len);
	CHECK(len == 64 + 2 + 3 + 1 && memcmp(l, H " *a\nb", 69) == 0 && l[69] == '\0', "-z: raw name, NUL ends");
	free(l);

	CHECK(parses(H "  plain name", "plain name", 0), "reads HEX  NAME");
	CHECK(parses(H " *bin", "bin", 1), "reads HEX *NAME as binary");
	CHECK(parses("\\" H "  a\\\\b\\nc", "a\\b\nc", 0), "reads an escaped name");
	CHECK(parses("SHA256 (x y) = " H, "x y", 0), "reads a BSD tag line");
	CHECK(parses("  " H "  lead", "lead", 0), "leading blanks are skipped");
	CHECK(parses(H "  crlf\r", "crlf", 0), "a trailing CR is dropped");
	CHECK(parses(H "  trailing space ", "trailing space ", 0), "the rest of the line is the name");
	CHECK(!parses("\\" H "  bad\\q", "bad\\q", 0), "an unknown escape is improper");
	CHECK(!parses(H "x  name", "name", 0), "65 hex digits are improper");
	CHECK(!parses("0" H "  name", "name", 0), "a digest too long is improper");
	CHECK(!parses(H, "", 0), "a digest alone is improper");

	struct sumfile_parser p;
	struct sumfile_entry ent;
	char a[] = H "  first", b[] = H " second", c[] = "# comment", d[] = "";
	sumfile_parser_init(&p);
	int ra = sumfile_parse_line(&p, a, strlen(a), &ent);
	int rb = sumfile_parse_line(&p, b, strlen(b), &ent);
	CHECK(ra == 1 && rb == -1, "BSD's HEX NAME does not mix with HEX  NAME");
	int rc = sumfile_parse_line(&p, c, strlen(c), &ent);
	int rd = sumfile_parse_line(&p, d, 0, &ent);
	CHECK(rc == 0 && rd == 0, "comments and empty lines are skipped");

	char q[128];
	sumfile_quote("plain.txt", q);
	CHECK(strcmp(q, "plain.txt") == 0, "a plain name is not quoted");
	sumfile_quote("no such", q);
	CHECK(strcmp(q, "'no such'") == 0, "a space is quoted: %s", q);
	sumfile_quote("no\nsuch", q);
	CHECK(strcmp(q, "'no'$'\\n''such'") == 0, "a newline as $'\\n': %s", q);
	sumfile_quote("b\\\nx", q);
	CHECK(strcmp(q, "'b\\'$'\\n''x'") == 0, "backslash then newline: %s", q);
	return TAP_END();
}
