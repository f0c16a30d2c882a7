/* shapeproxy [-d MS] [-r MBPS] [-p PORT] UPSTREAM_PORT: a TCP proxy on
 * loopback that makes the S3 test server look far away, for the bench.
 * Each direction of each connection is a link of its own: bytes leave at
 * most MBPS MB/s (default 25, 0 for no cap) and arrive MS milliseconds
 * later (default 20, one way). A new connection's first bytes wait one
 * round trip more, as a TCP handshake far away would make them. The byte
 * stream is passed exactly; EOF is passed on (half-close) after the delay.
 * Prints the port it listens on, then serves until killed.
 *
 * A reader thread stamps each chunk with the time it will arrive and queues
 * it; a writer thread delivers it then. Without the split, a delay would
 * be paid per chunk instead of once. The queue is bounded a little above
 * the link's bandwidth-delay product, so that a slow reader pushes back. */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK	(64 * 1024)

struct chunk {
	struct chunk *next;
	int64_t due;		/* ns, CLOCK_MONOTONIC: when it arrives */
	size_t len;		/* 0: end of stream */
	char data[];
};

/* One direction of one connection. */
struct link {
	int from, to;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk *head, *tail;
	size_t queued, limit;
	int dead;		/* the writer failed: drop, stop reading */
	int64_t tx_free;	/* ns: when the link is free to send again */
	struct conn *conn;
};

struct conn {
	pthread_mutex_t mu;
	int refs;		/* threads still running */
	int cfd, sfd;
	struct link up, down;
};

static int64_t delay_ns = 20 * 1000000LL;
static double rate = 25e6;	/* bytes per second; 0: no cap */

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
sleep_until(int64_t t)
{
	struct timespec ts = { t / 1000000000LL, t % 1000000000LL };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* When LEN bytes read now arrive at the other end: queued behind what the
 * link is still sending, at the capped rate, then the one-way delay. */
static int64_t
link_stamp(struct link *l, size_t len)
{
	int64_t t = now_ns();

	if (l->tx_free > t)
		t = l->tx_free;
	if (rate > 0)
		t += (int64_t)(len * 1e9 / rate);
	l->tx_free = t;
	return t + delay_ns;
}

static int
link_push(struct link *l, struct chunk *c)
{
	pthread_mutex_lock(&l->mu);
	while (!l->dead && l->queued > 0 && l->queued + c->len > l->limit)
		pthread_cond_wait(&l->cv, &l->mu);
	if (l->dead) {
		pthread_mutex_unlock(&l->mu);
		free(c);
		return -1;
	}
	c->due = link_stamp(l, c->len);
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
	l->queued += c->len;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	return 0;
}

static struct chunk *
link_pop(struct link *l)
{
	struct chunk *c;

	pthread_mutex_lock(&l->mu);
	while (l->head == NULL)
		pthread_cond_wait(&l->cv, &l->mu);
	c = l->head;
	if ((l->head = c->next) == NULL)
		l->tail = NULL;
	l->queued -= c->len;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	return c;
}

static void
link_kill(struct link *l)
{
	pthread_mutex_lock(&l->mu);
	l->dead = 1;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	shutdown(l->from, SHUT_RD);
}

static void
conn_release(struct conn *c)
{
	int last;

	pthread_mutex_lock(&c->mu);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->mu);
	if (!last)
		return;
	close(c->cfd);
	close(c->sfd);
	while (c->up.head)
		free(link_pop(&c->up));
	while (c->down.head)
		free(link_pop(&c->down));
	free(c);
}

static void *
link_reader(void *arg)
{
	struct link *l = arg;
	struct chunk *c;
	ssize_t n;

	for (;;) {
		if ((c = malloc(sizeof(*c) + CHUNK)) == NULL)
			break;
		c->next = NULL;
		while ((n = read(l->from, c->data, CHUNK)) < 0 && errno == EINTR)
			;
		c->len = n > 0 ? (size_t)n : 0;
		if (link_push(l, c) != 0 || n <= 0)
			break;
	}
	conn_release(l->conn);
	return NULL;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = send(fd, p, len, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Delivers C when it is due; non-zero when the direction has ended. */
static int
link_deliver(struct link *l, struct chunk *c)
{
	int done = 1;

	sleep_until(c->due);
	if (c->len == 0)
		shutdown(l->to, SHUT_WR);
	else if (write_all(l->to, c->data, c->len) != 0) {
		/* The peer is gone: the other direction ends too. */
		link_kill(l);
		shutdown(l->to, SHUT_RDWR);
	} else
		done = 0;
	free(c);
	return done;
}

static void *
link_writer(void *arg)
{
	struct link *l = arg;

	while (!link_deliver(l, link_pop(l)))
		;
	conn_release(l->conn);
	return NULL;
}

static void
link_init(struct link *l, struct conn *c, int from, int to)
{
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	l->from = from;
	l->to = to;
	l->conn = c;
	/* Twice the bandwidth-delay product and some: the cap, not the
	 * queue, must be what limits a stream. */
	l->limit = rate > 0 ? (size_t)(2 * rate * (delay_ns / 1e9)) + 4 * CHUNK : 64u << 20;
}

static int
connect_upstream(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd, one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int
spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	pthread_attr_t a;
	int rc;

	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 256 * 1024);
	rc = pthread_create(&t, &a, fn, arg);
	pthread_attr_destroy(&a);
	return rc;
}

static void
conn_start(int cfd, int upstream)
{
	struct conn *c;
	int sfd, one = 1;

	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((sfd = connect_upstream(upstream)) < 0 || (c = calloc(1, sizeof(*c))) == NULL) {
		perror("shapeproxy: upstream");
		if (sfd >= 0)
			close(sfd);
		close(cfd);
		return;
	}
	pthread_mutex_init(&c->mu, NULL);
	c->cfd = cfd;
	c->sfd = sfd;
	c->refs = 4;
	link_init(&c->up, c, cfd, sfd);
	link_init(&c->down, c, sfd, cfd);
	/* The handshake's round trip: nothing reaches the server before it. */
	c->up.tx_free = now_ns() + 2 * delay_ns;
	if (spawn(link_writer, &c->up) || spawn(link_writer, &c->down) ||
	    spawn(link_reader, &c->up) || spawn(link_reader, &c->down)) {
		perror("shapeproxy: thread");
		exit(1);
	}
}

static int
listen_on(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t len = sizeof(sa);
	int fd, one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		perror("shapeproxy: listen");
		exit(1);
	}
	printf("%d\n", ntohs(sa.sin_port));
	fflush(stdout);
	return fd;
}

static void
usage(void)
{
	fprintf(stderr, "usage: shapeproxy [-d MS] [-r MBPS] [-p PORT] UPSTREAM_PORT\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	int ch, lfd, cfd, port = 0, upstream;
	char *end;

	while ((ch = getopt(argc, argv, "d:r:p:")) != -1) {
		switch (ch) {
		case 'd': delay_ns = (int64_t)(strtod(optarg, &end) * 1e6); break;
		case 'r': rate = strtod(optarg, &end) * 1e6; break;
		case 'p': port = atoi(optarg); break;
		default: usage();
		}
	}
	if (argc - optind != 1 || delay_ns < 0 || rate < 0)
		usage();
	upstream = atoi(argv[optind]);
	signal(SIGPIPE, SIG_IGN);
	lfd = listen_on(port);
	for (;;) {
		if ((cfd = accept(lfd, NULL, NULL)) < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			perror("shapeproxy: accept");
			return 1;
		}
		conn_start(cfd, upstream);
	}
}
