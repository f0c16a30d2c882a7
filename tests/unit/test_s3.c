/* The S3 engine against a loopback server that answers every request with
 * 200 after a delay the key names ("slow" waits): s3_run keeps an op that
 * finished while it waited for its own, retry waits differ from one
 * client to the next, short waits sleep instead of spinning, and the
 * endpoint is read as a URL. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "s3.h"
#include "s3req.h"
#include "tap.h"

/* Answers one connection's requests until the client closes it. */
static void *
serve_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char req[8192];
	ssize_t n;

	while ((n = read(fd, req, sizeof(req) - 1)) > 0) {
		static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
		req[n] = '\0';
		if (strstr(req, "/slow") != NULL) {
			struct timespec ts = { 0, 400 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		if (write(fd, ok, sizeof(ok) - 1) < 0)
			break;
	}
	close(fd);
	return NULL;
}

static void *
serve(void *arg)
{
	int ls = (int)(intptr_t)arg, fd;
	pthread_t t;

	while ((fd = accept(ls, NULL, NULL)) >= 0)
		if (pthread_create(&t, NULL, serve_conn, (void *)(intptr_t)fd) == 0)
			pthread_detach(t);
	return NULL;
}

/* Starts the server; returns its port, 0 on failure. */
static int
server_start(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	pthread_t t;
	int ls = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 16) != 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &alen) != 0 ||
	    pthread_create(&t, NULL, serve, (void *)(intptr_t)ls) != 0)
		return 0;
	pthread_detach(t);
	return ntohs(a.sin_port);
}

static struct s3_client *
client_new(struct settings *set, char *endpoint)
{
	struct dk_err e = { 0 };

	*set = (struct settings){ .access_key = "AKID", .secret_key = "SECRET",
	    .region = "auto", .endpoint = endpoint, .path_style = 1 };
	return s3_client_new(set, NULL, &e);
}

static void
test_run_keeps_others(struct s3_client *c)
{
	struct s3_op fast, slow;
	struct s3_op *got;
	struct dk_err e = { 0 };
	int rc;

	s3_op_init(&fast, "GET", "bkt", "fast");
	s3_op_init(&slow, "GET", "bkt", "slow");
	rc = s3_submit(c, &fast, &e);
	CHECK(rc == DK_OK, "an op submitted for s3_next starts");
	rc = s3_run(c, &slow, &e);
	CHECK(rc == DK_OK, "s3_run of another op succeeds");
	CHECK(s3_pending(c) == 1, "the op that finished while s3_run waited is still pending");
	got = s3_next(c, 2000);
	CHECK(got == &fast, "s3_next hands it out afterwards");
	CHECK(got != NULL && got->status == DK_OK && got->call.status == 200,
	    "with its answer");
	CHECK(s3_pending(c) == 0, "and nothing is left pending");
	s3_op_free(&fast);
	s3_op_free(&slow);
}

static double
clock_seconds(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* r2put waits 1 ms at a time for its input and its parts at once: a
 * wait rounded down to 0 ms spun, calling libcurl and poll until the
 * deadline. Sleeping, 400 ms of such waits cost a few ms of CPU; spinning,
 * whatever share of a core the machine gave (the bound is generous). */
static void
test_short_waits_sleep(struct s3_client *c)
{
	struct s3_op slow;
	struct s3_op *got = NULL;
	struct dk_err e = { 0 };
	double wall, cpu;

	s3_op_init(&slow, "GET", "bkt", "slow");
	CHECK(s3_submit(c, &slow, &e) == DK_OK, "a slow op starts");
	wall = clock_seconds(CLOCK_MONOTONIC);
	cpu = clock_seconds(CLOCK_THREAD_CPUTIME_ID);
	while (got == NULL && s3_pending(c) > 0)
		got = s3_next(c, 1);
	wall = clock_seconds(CLOCK_MONOTONIC) - wall;
	cpu = clock_seconds(CLOCK_THREAD_CPUTIME_ID) - cpu;
	CHECK(got == &slow && slow.status == DK_OK, "1 ms waits see it finish");
	CHECK(cpu < wall / 10, "and sleep while they wait: %.3f s of CPU in %.3f s", cpu, wall);
	s3_op_free(&slow);
}

static void
test_backoff(struct s3_client *a, struct s3_client *b)
{
	int in_range = 1, differ = 0;

	for (int tries = 1; tries <= 12; tries++) {
		double cap = tries >= 8 ? 20.0 : 0.25 * (1 << (tries - 1));
		double x = s3_backoff(a, tries), y = s3_backoff(b, tries);
		if (x < cap / 2 || x > cap || y < cap / 2 || y > cap)
			in_range = 0;
		if (x != y)
			differ = 1;
	}
	CHECK(in_range, "each wait lies between half the cap and the cap (equal jitter)");
	CHECK(differ, "two clients do not wait the same schedule");
}

static void
test_endpoint(void)
{
	struct settings set = { .access_key = "AKID", .secret_key = "SECRET",
	    .region = "auto", .endpoint = "http://", .path_style = 1 };
	struct dk_err e = { 0 };
	struct s3_client *c = s3_client_new(&set, NULL, &e);

	CHECK(c == NULL && e.status == DK_ECONFIG, "an endpoint without a host is a "
	    "configuration error: %s", e.msg);
	s3_client_free(c);
}

static void
test_loopback(void)
{
	static const char *yes[] = { "localhost", "LOCALHOST:9000", "127.0.0.1", "127.0.0.1:80",
	    "127.255.1.2:9", "[::1]", "[::1]:9000" };
	static const char *no[] = { "10.0.0.1:9000", "128.0.0.1", "localhost.example.com",
	    "127.0.0.1.nip.io", "[::2]:80", "s3.example", "0.0.0.0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(s3req_host_loopback(yes[i]), "%s is this host: no plain-http warning", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(!s3req_host_loopback(no[i]), "%s is another host", no[i]);
}

int
main(void)
{
	struct settings set_a, set_b;
	struct s3_client *a, *b;
	char endpoint[64];
	int port = server_start();

	CHECK(port != 0, "the loopback server starts");
	if (port == 0)
		return TAP_END();
	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", port);
	a = client_new(&set_a, endpoint);
	b = client_new(&set_b, endpoint);
	CHECK(a != NULL && b != NULL, "clients on an http:// endpoint");
	if (a == NULL || b == NULL)
		return TAP_END();
	test_run_keeps_others(a);
	test_short_waits_sleep(a);
	test_backoff(a, b);
	test_endpoint();
	test_loopback();
	s3_client_free(a);
	s3_client_free(b);
	return TAP_END();
}
