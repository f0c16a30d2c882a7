/* verifysink MODE: standard input through the verifying sink r2put --verify
 * uses (MODE gzip or pgdump), then through the hold-back writer to standard
 * output; exits with the sink's status. Lets tests feed it real pg_dump
 * output. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "holdback.h"
#include "io.h"
#include "pump.h"
#include "verify.h"

int
main(int argc, char **argv)
{
	struct dk_err e;
	struct io_fd_sink out;
	struct holdback hold;
	struct verify_sink v;
	enum verify_mode mode;
	int st;

	memset(&v, 0, sizeof(v));
	cli_init("verifysink");
	dk_err_clear(&e);
	if (argc != 2 || verify_mode_parse(argv[1], &mode, &e) != DK_OK)
		return cli_usage_error("usage: verifysink gzip|pgdump");
	io_fd_sink_init(&out, STDOUT_FILENO, "standard output");
	if ((st = holdback_init(&hold, &out.sink, HOLDBACK_MIN, &e)) == DK_OK &&
	    (st = verify_sink_init(&v, mode, &hold.sink, NULL, 0, &e)) == DK_OK)
		st = pump_fd(STDIN_FILENO, "standard input", &v.sink, NULL, NULL, &e);
	verify_sink_free(&v);
	holdback_free(&hold);
	return st == DK_OK ? 0 : cli_fail(&e);
}
