/* Test driver: signs request descriptions read from stdin with common/sigv4,
 * so that tests can compare the result with another signer (botocore) or
 * send it to a real server with curl.
 *
 * usage: sigv4_sign [-c] < DESCRIPTIONS
 *
 * A description is lines "FIELD<TAB>ARG[<TAB>ARG]" ended by "end":
 *   id ID                 names the request in the output
 *   method GET            path /bucket/key (not encoded)
 *   param NAME VALUE      header NAME VALUE (repeatable, in order)
 *   payload HEX|UNSIGNED-PAYLOAD
 *   time EPOCH            region R   access A   secret S   token T
 *   presign SCHEME EXPIRES    (a presigned URL instead of a header)
 * Arguments escape '\' as \\, tab as \t, newline as \n, any byte as \xHH.
 *
 * For each request it prints "ID<TAB>authorization<TAB>VALUE" (after adding
 * the headers the S3 client adds: x-amz-date, x-amz-content-sha256 and,
 * with a token, x-amz-security-token) or "ID<TAB>presign<TAB>URL"; with -c
 * also "ID<TAB>canonical<TAB>REQUEST", the request escaped as above. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sigv4.h"

#define MAXFIELDS 3
#define MAXITEMS 64

struct desc {
	char *id, *method, *path, *payload, *region, *access, *secret, *token;
	char *scheme;
	long expires;
	time_t when;
	struct sigv4_param params[MAXITEMS];
	size_t nparams;
	struct sigv4_header headers[MAXITEMS + 3];
	size_t nheaders;
};

static void
die(long lineno, const char *msg)
{
	fprintf(stderr, "sigv4_sign: line %ld: %s\n", lineno, msg);
	exit(2);
}

/* Undoes the escapes of one argument in place. */
static int
unescape(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		s++;
		if (*s == '\\')
			*o++ = '\\';
		else if (*s == 't')
			*o++ = '\t';
		else if (*s == 'n')
			*o++ = '\n';
		else if (*s == 'x' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			char hex[3] = { s[1], s[2], '\0' };
			*o++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else
			return -1;
	}
	*o = '\0';
	return 0;
}

static void
print_escaped(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\\')
			fputs("\\\\", stdout);
		else if (*p == '\t')
			fputs("\\t", stdout);
		else if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\x%02x", *p);
		else
			putchar(*p);
	}
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL) {
		perror("sigv4_sign");
		exit(1);
	}
	return p;
}

static void
desc_free(struct desc *d)
{
	free(d->id);
	free(d->method);
	free(d->path);
	free(d->payload);
	free(d->region);
	free(d->access);
	free(d->secret);
	free(d->token);
	free(d->scheme);
	for (size_t i = 0; i < d->nparams; i++) {
		free((char *)d->params[i].name);
		free((char *)d->params[i].value);
	}
	for (size_t i = 0; i < d->nheaders; i++) {
		free((char *)d->headers[i].name);
		free((char *)d->headers[i].value);
	}
	memset(d, 0, sizeof(*d));
}

/* Stores one line's field into d; returns 1 at "end". */
static int
desc_add(struct desc *d, char **f, int nf, long lineno)
{
	char **one[] = { &d->id, &d->method, &d->path, &d->payload, &d->region,
	    &d->access, &d->secret, &d->token };
	static const char *names[] = { "id", "method", "path", "payload", "region",
	    "access", "secret", "token" };

	if (strcmp(f[0], "end") == 0)
		return 1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(f[0], names[i]) == 0 && nf == 2) {
			free(*one[i]);
			*one[i] = xstrdup(f[1]);
			return 0;
		}
	}
	if (strcmp(f[0], "time") == 0 && nf == 2) {
		d->when = (time_t)strtoll(f[1], NULL, 10);
	} else if (strcmp(f[0], "presign") == 0 && nf == 3) {
		free(d->scheme);
		d->scheme = xstrdup(f[1]);
		d->expires = strtol(f[2], NULL, 10);
	} else if (strcmp(f[0], "param") == 0 && nf == 3 && d->nparams < MAXITEMS) {
		d->params[d->nparams++] = (struct sigv4_param){ xstrdup(f[1]), xstrdup(f[2]) };
	} else if (strcmp(f[0], "header") == 0 && nf == 3 && d->nheaders < MAXITEMS) {
		d->headers[d->nheaders++] = (struct sigv4_header){ xstrdup(f[1]), xstrdup(f[2]) };
	} else {
		die(lineno, "unknown field, wrong argument count or too many items");
	}
	return 0;
}

static void
add_header(struct desc *d, const char *name, const char *value)
{
	d->headers[d->nheaders++] = (struct sigv4_header){ xstrdup(name), xstrdup(value) };
}

static void
desc_sign(struct desc *d, int canonical, long lineno)
{
	const char *payload = d->payload != NULL ? d->payload : SIGV4_EMPTY_SHA256;
	struct sigv4_key key = {
		.access_key = d->access, .secret_key = d->secret,
		.session_token = d->token, .region = d->region, .service = "s3",
	};
	char amz_date[17], *out, *cr;
	const char *kind = "presign";

	if (d->id == NULL || d->method == NULL || d->path == NULL || d->region == NULL ||
	    d->access == NULL || d->secret == NULL)
		die(lineno, "a request needs id, method, path, region, access and secret");
	if (d->scheme == NULL) {
		/* What the S3 client sends with every header-signed request. */
		sigv4_amz_date(d->when, amz_date);
		add_header(d, "X-Amz-Date", amz_date);
		add_header(d, "X-Amz-Content-SHA256", payload);
		if (d->token != NULL)
			add_header(d, "X-Amz-Security-Token", d->token);
		kind = "authorization";
	}
	struct sigv4_request req = {
		.method = d->method, .path = d->path,
		.params = d->params, .nparams = d->nparams,
		.headers = d->headers, .nheaders = d->nheaders,
		.payload_sha256 = payload, .when = d->when,
	};
	out = d->scheme != NULL ? sigv4_presign(&key, &req, d->scheme, d->expires)
	    : sigv4_authorization(&key, &req);
	if (out == NULL)
		die(lineno, "signing failed");
	printf("%s\t%s\t%s\n", d->id, kind, out);
	free(out);
	if (canonical && d->scheme == NULL) {
		cr = sigv4_canonical_request(&req);
		printf("%s\tcanonical\t", d->id);
		print_escaped(cr != NULL ? cr : "(null)");
		putchar('\n');
		free(cr);
	}
}

int
main(int argc, char **argv)
{
	struct desc d = {0};
	char *line = NULL, *f[MAXFIELDS + 1];
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	int canonical = 0, opt;

	while ((opt = getopt(argc, argv, "c")) != -1) {
		if (opt != 'c') {
			fprintf(stderr, "usage: sigv4_sign [-c] < DESCRIPTIONS\n");
			return 2;
		}
		canonical = 1;
	}
	while ((len = getline(&line, &cap, stdin)) != -1) {
		int nf = 0;
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (line[0] == '\0')
			continue;
		for (char *s = line; s != NULL && nf <= MAXFIELDS; nf++) {
			f[nf] = strsep(&s, "\t");
			if (unescape(f[nf]) != 0)
				die(lineno, "bad escape");
		}
		if (nf > MAXFIELDS)
			die(lineno, "too many fields");
		if (desc_add(&d, f, nf, lineno)) {
			desc_sign(&d, canonical, lineno);
			desc_free(&d);
		}
	}
	free(line);
	desc_free(&d);
	return fflush(stdout) == 0 ? 0 : 1;
}
