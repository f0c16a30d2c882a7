/* The line format of coreutils' sha256sum: what it prints for a file and
 * what it accepts in a check list, escapes of odd names included. r2put
 * writes its KEY.sha256 sidecar with it, sha256sum-r2 reads and writes it. */
#ifndef DRKIT_SUMFILE_H
#define DRKIT_SUMFILE_H

#include <stddef.h>
#include <stdio.h>

/* Names that a hash line must escape: backslash, newline, carriage return. */
int sumfile_name_is_odd(const char *name);

/* Prints name, escaping \ \n \r as coreutils does when escape is set. */
void sumfile_put_name(FILE *f, const char *name, int escape);

/* One hash line, as `sha256sum [-b] [--tag] [-z]` prints it: "HEX  NAME",
 * "HEX *NAME" (binary), "SHA256 (NAME) = HEX" (tag); a leading backslash
 * and escapes when the name is odd, unless zero (NUL ends the line). */
void sumfile_put_line(FILE *f, const char *hex, const char *name, int binary, int tag, int zero);

/* Reads check-list lines; remembers whether the list uses the BSD
 * "HEX NAME" form, which coreutils does not let mix with the usual one. */
struct sumfile_parser {
	int bsd_reversed;	/* -1 unknown yet, 0 no, 1 yes */
};

void sumfile_parser_init(struct sumfile_parser *p);

struct sumfile_entry {
	const char *hex;	/* 64 hex digits, NUL-terminated (inside line) */
	const char *name;	/* unescaped, NUL-terminated (inside line) */
	int binary;
};

/* Parses one check-list line (without its newline) in place, as
 * `sha256sum -c` does. Returns 1 for an entry, 0 for a line to skip (empty,
 * or a # comment), -1 for an improperly formatted line. */
int sumfile_parse_line(struct sumfile_parser *p, char *line, size_t len, struct sumfile_entry *out);

/* Quotes name for a diagnostic the way coreutils' error messages do
 * (shell quoting: 'no such', 'a'$'\n''b'); out must hold 8 * strlen + 8. */
void sumfile_quote(const char *name, char *out);

#endif
