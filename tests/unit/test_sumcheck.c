/* sha256sum -c without a process: a list on "-", a file that matches, one
 * that does not, one missing, a bad line; what is printed and said. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sumcheck.h"
#include "tap.h"

#define ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static char out[4096], said[4096];

static void
note(void *arg, const char *msg)
{
	(void)arg;
	strcat(said, msg);
	strcat(said, "|");
}

/* Checks the list text given as "-"; returns the status. */
static int
check(struct sumcheck *o, const char *list)
{
	static const struct dk_log log = { note, NULL, NULL };
	char *dash[] = { "-" };
	int rc;

	said[0] = out[0] = '\0';
	o->in = fmemopen((void *)list, strlen(list), "r");
	o->out = fmemopen(out, sizeof(out), "w");
	o->log = &log;
	rc = sumcheck_lists(o, dash, 1);
	fclose(o->in);
	fclose(o->out);
	return rc;
}

int
main(void)
{
	char dir[] = "/tmp/test_sumcheck.XXXXXX", list[1024], *names[1];
	struct sumcheck o = { .binary = -1 };
	FILE *f;
	int rc;

	if (mkdtemp(dir) == NULL || chdir(dir) != 0 || (f = fopen("abc", "w")) == NULL)
		return 1;
	fputs("abc", f);
	fclose(f);
	if ((f = fopen("other", "w")) == NULL)
		return 1;
	fputs("abd", f);
	fclose(f);

	rc = check(&o, ABC "  abc\n");
	CHECK(rc == DK_OK && strcmp(out, "abc: OK\n") == 0 && said[0] == '\0',
	    "a file that matches: %s", out);
	snprintf(list, sizeof(list), ABC "  abc\n" ABC " *other\nnot a line\n" ABC "  gone\n");
	rc = check(&o, list);
	CHECK(rc == DK_EDATA &&
	    strcmp(out, "abc: OK\nother: FAILED\ngone: FAILED open or read\n") == 0,
	    "OK, FAILED, FAILED open or read: %s", out);
	CHECK(strcmp(said, "gone: No such file or directory|WARNING: 1 line is improperly formatted|"
	    "WARNING: 1 listed file could not be read|WARNING: 1 computed checksum did NOT match|") == 0,
	    "sha256sum's messages and warnings: %s", said);
	o.ignore_missing = 1;
	o.quiet = 1;
	rc = check(&o, ABC "  abc\n" ABC "  gone\n");
	CHECK(rc == DK_OK && out[0] == '\0' && said[0] == '\0',
	    "--ignore-missing --quiet: silent and 0");
	rc = check(&o, ABC "  gone\n");
	CHECK(rc == DK_EDATA && strcmp(said, "'standard input': no file was verified|") == 0,
	    "--ignore-missing with nothing verified: %s", said);
	o.quiet = 0;
	o.ignore_missing = 0;
	o.strict = 1;
	rc = check(&o, ABC "  abc\nbad\n");
	CHECK(rc == DK_EDATA, "--strict fails on a bad line");
	rc = check(&o, "# only a comment\n");
	CHECK(rc == DK_EDATA &&
	    strcmp(said, "'standard input': no properly formatted checksum lines found|") == 0,
	    "no checksum line: %s", said);

	names[0] = "abc";
	o.strict = 0;
	o.binary = 1;
	o.out = fmemopen(out, sizeof(out), "w");
	rc = sumcheck_print(&o, names, 1);
	fclose(o.out);
	CHECK(rc == DK_OK && strcmp(out, ABC " *abc\n") == 0, "-b prints HEX *NAME: %s", out);
	unlink("abc");
	unlink("other");
	rmdir(dir);
	return TAP_END();
}
