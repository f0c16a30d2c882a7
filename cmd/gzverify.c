/* gzverify: checks a gzip stream as `gzip -t` does while passing it on,
 * and never lets the end of a bad stream through. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "holdback.h"
#include "io.h"
#include "progress.h"
#include "pump.h"
#include "verify.h"

static void
usage(void)
{
	printf("usage: gzverify [-t | -d] [--ignore-trailing] [--progress | --no-progress] [-v | -q]\n"
	    "\n"
	    "Checks the gzip stream on standard input as strictly as gzip -t: headers,\n"
	    "deflate data, CRC-32 and length of every member, multi-member streams.\n"
	    "Zero padding after the last member is accepted, other trailing bytes are not.\n"
	    "The last 64 KiB of output are withheld until the whole input verified; on\n"
	    "failure they are never written and the exit status is 1.\n"
	    "\n"
	    "  (default)              pass the input through to standard output unchanged\n"
	    "  -t, --test             test only, write nothing\n"
	    "  -d, --decompress       write the decompressed data to standard output\n"
	    "      --ignore-trailing  accept any bytes after the last member\n"
	    "      --progress         show bytes read, rate and ETA on standard error\n"
	    "                         (the default when it is a terminal)\n"
	    "      --no-progress      never show progress\n"
	    "  -v, --verbose          report members and sizes when the stream is good\n"
	    "  -q, --quiet            print nothing but errors\n"
	    "  -h, --help             show this help and exit\n"
	    "      --version          show the version and exit\n"
	    "\n"
	    "Exit status: 0 the stream is whole, 1 it is not (corrupt, truncated, not gzip),\n"
	    "2 usage, 6 cannot read input or write output.\n");
}

enum { OPT_IGNORE_TRAILING = CLI_OPT_FIRST_OWN };

static const struct option longopts[] = {
	{ "test", no_argument, NULL, 't' },
	{ "decompress", no_argument, NULL, 'd' },
	{ "ignore-trailing", no_argument, NULL, OPT_IGNORE_TRAILING },
	CLI_LONGOPTS_PROGRESS,
	CLI_LONGOPTS_COMMON,
	{ NULL, 0, NULL, 0 },
};

int
main(int argc, char **argv)
{
	struct dk_err e;
	struct io_fd_sink out;
	struct holdback hold;
	struct verify_sink v;
	struct progress prog;
	int mode = 0, flags = 0, c, st;
	long long size;

	cli_init("gzverify");
	dk_err_clear(&e);
	while ((c = getopt_long(argc, argv, "tdvqh", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
		case 'd':
			if (mode != 0 && mode != c)
				return cli_usage_error("-t and -d exclude each other");
			mode = c;
			break;
		case OPT_IGNORE_TRAILING:
			flags |= GZCHECK_IGNORE_TRAILING;
			break;
		default:
			if ((st = cli_option(c, usage)) != CLI_CONTINUE)
				return st;
			break;
		}
	}
	if (optind < argc)
		return cli_usage_error("reads standard input only; unexpected '%s'", argv[optind]);

	io_fd_sink_init(&out, STDOUT_FILENO, "standard output");
	if ((st = holdback_init(&hold, &out.sink, HOLDBACK_MIN, &e)) != DK_OK)
		return cli_fail(&e);
	st = verify_sink_init(&v, VERIFY_GZIP, mode == 0 ? &hold.sink : NULL,
	    mode == 'd' ? &hold.sink : NULL, flags, &e);
	size = io_file_size(STDIN_FILENO);
	cli_progress_init(&prog, size > 0 ? (uint64_t)size : 0);
	if (st == DK_OK)
		st = pump_fd(STDIN_FILENO, "standard input", &v.sink, progress_pump, &prog, &e);
	progress_end(&prog, v.gz.in_bytes, NULL, NULL);
	if (st == DK_OK && !cli_quiet)
		cli_trace("OK: %" PRIu64 " member%s, %" PRIu64 " bytes compressed, %" PRIu64
		    " bytes decompressed", v.gz.members, v.gz.members == 1 ? "" : "s",
		    v.gz.in_bytes, v.gz.out_bytes);
	verify_sink_free(&v);
	holdback_free(&hold);
	return st == DK_OK ? 0 : cli_fail(&e);
}
