#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <sys/stat.h>

#include "curlload.h"
#include "settings.h"

/* The subset of an AWS profile drkit reads. */
struct profile {
	char *access_key;
	char *secret_key;
	char *session_token;
	char *region;
	char *endpoint;
};

static char *
env_dup(const char *name)
{
	const char *v = getenv(name);

	return (v != NULL && *v != '\0') ? strdup(v) : NULL;
}

static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static void
profile_set(struct profile *p, const char *name, const char *value, int in_s3_block)
{
	char **slot = NULL;

	if (strcmp(name, "aws_access_key_id") == 0)
		slot = &p->access_key;
	else if (strcmp(name, "aws_secret_access_key") == 0)
		slot = &p->secret_key;
	else if (strcmp(name, "aws_session_token") == 0)
		slot = &p->session_token;
	else if (strcmp(name, "region") == 0 && !in_s3_block)
		slot = &p->region;
	else if (strcmp(name, "endpoint_url") == 0)
		slot = &p->endpoint;	/* the s3 = block's one is the more specific */
	if (slot == NULL || *value == '\0')
		return;
	if (*slot != NULL && !(in_s3_block && slot == &p->endpoint))
		return;
	free(*slot);
	*slot = strdup(value);
}

/* Reads section want ("default", or "profile NAME" in the config file) of
 * an INI-style AWS file, including a nested "s3 =" block. */
static void
profile_read(const char *path, const char *want, struct profile *p)
{
	FILE *f;
	char line[4096];
	int in_section = 0, in_s3_block = 0;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		int indented = line[0] == ' ' || line[0] == '\t';
		char *s = trim(line), *eq;

		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (end != NULL)
				*end = '\0';
			in_section = strcmp(trim(s + 1), want) == 0;
			in_s3_block = 0;
			continue;
		}
		if (!in_section || (eq = strchr(s, '=')) == NULL)
			continue;
		*eq = '\0';
		char *name = trim(s), *value = trim(eq + 1);
		if (!indented)
			in_s3_block = strcmp(name, "s3") == 0 && *value == '\0';
		if (!indented || in_s3_block)
			profile_set(p, name, value, indented && in_s3_block);
	}
	fclose(f);
}

static char *
aws_file(const char *var, const char *name)
{
	const char *home = getenv("HOME");
	char *path;

	if (getenv(var) != NULL)
		return strdup(getenv(var));
	if (home == NULL)
		return NULL;
	if (asprintf(&path, "%s/.aws/%s", home, name) < 0)
		return NULL;
	return path;
}

static void
profile_load(struct profile *p)
{
	const char *name = getenv("AWS_PROFILE");
	char *creds = aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
	char *config = aws_file("AWS_CONFIG_FILE", "config");
	char *section = NULL;

	if (name == NULL || *name == '\0')
		name = "default";
	profile_read(creds, name, p);
	if (strcmp(name, "default") == 0)
		profile_read(config, "default", p);
	else if (asprintf(&section, "profile %s", name) >= 0)
		profile_read(config, section, p);
	free(section);
	free(creds);
	free(config);
}

static void
profile_free(struct profile *p)
{
	free(p->access_key);
	free(p->secret_key);
	free(p->session_token);
	free(p->region);
	free(p->endpoint);
}

/* Takes *from when *to is still unset: first found wins. */
static void
take(char **to, char **from)
{
	if (*to == NULL && *from != NULL) {
		*to = *from;
		*from = NULL;
	}
}

static int
settings_credentials(struct settings *s, struct profile *p, struct dk_err *e)
{
	if ((s->access_key = env_dup("R2_ACCESS_KEY_ID")) != NULL) {
		s->secret_key = env_dup("R2_SECRET_ACCESS_KEY");
		s->secret_from = "R2_SECRET_ACCESS_KEY";
	} else if ((s->access_key = env_dup("AWS_ACCESS_KEY_ID")) != NULL) {
		s->secret_key = env_dup("AWS_SECRET_ACCESS_KEY");
		s->session_token = env_dup("AWS_SESSION_TOKEN");
		s->secret_from = "AWS_SECRET_ACCESS_KEY";
	} else {
		take(&s->access_key, &p->access_key);
		take(&s->secret_key, &p->secret_key);
		take(&s->session_token, &p->session_token);
		s->secret_from = "aws_secret_access_key in the AWS profile";
	}
	if (s->access_key == NULL)
		return dk_fail(e, DK_ECONFIG, "no credentials: set R2_ACCESS_KEY_ID and "
		    "R2_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
		    "or a profile in ~/.aws/credentials)");
	if (s->secret_key == NULL)
		return dk_fail(e, DK_ECONFIG, "no secret key: set %s", s->secret_from);
	return DK_OK;
}

/* Does the endpoint carry what it must not: a user name or password (a
 * secret would then travel in messages), a path, a query or a fragment? */
static const char *
endpoint_extra(CURLU *u)
{
	static const struct { CURLUPart part; const char *what; } parts[] = {
		{ CURLUPART_USER, "a user name" },
		{ CURLUPART_PASSWORD, "a password" },
		{ CURLUPART_OPTIONS, "login options" },
		{ CURLUPART_QUERY, "a query" },
		{ CURLUPART_FRAGMENT, "a fragment" },
	};
	char *v;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (curl_url_get(u, parts[i].part, &v, 0) == CURLUE_OK) {
			curl_free(v);
			return parts[i].what;
		}
	}
	if (curl_url_get(u, CURLUPART_PATH, &v, 0) == CURLUE_OK) {
		int has_path = strspn(v, "/") != strlen(v);
		curl_free(v);
		if (has_path)
			return "a path (buckets go in object names)";
	}
	return NULL;
}

/* Rewrites *ep as "scheme://host[:port]", the scheme in lower case, from
 * libcurl's URL parser; DK_ECONFIG naming the setting (from) for anything
 * else. The endpoint is not quoted when it may hold a password. */
static int
endpoint_check(char **ep, const char *from, struct dk_err *e)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *norm = NULL;
	const char *extra = NULL;
	int rc = DK_OK;

	if (u == NULL)
		return dk_fail(e, DK_EIO, "%s", curlload_error() ? curlload_error() : "out of memory");
	if (strncasecmp(*ep, "https://", 8) != 0 && strncasecmp(*ep, "http://", 7) != 0)
		rc = dk_fail(e, DK_ECONFIG, "%s: the endpoint must start with https:// "
		    "(or http:// for a local server)", from);
	else if (curl_url_set(u, CURLUPART_URL, *ep, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || *host == '\0')
		rc = dk_fail(e, DK_ECONFIG, "%s: the endpoint has no host name a URL can "
		    "hold: set it to https://HOST[:PORT]", from);
	else if ((extra = endpoint_extra(u)) != NULL)
		rc = dk_fail(e, DK_ECONFIG, "%s: the endpoint holds %s: set it to "
		    "https://HOST[:PORT] alone", from, extra);
	if (rc == DK_OK && curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;	/* none given: the scheme's own */
	if (rc == DK_OK && asprintf(&norm, "%s://%s%s%s", strcasecmp(scheme, "https") == 0 ?
	    "https" : "http", host, port ? ":" : "", port ? port : "") < 0)
		rc = dk_fail(e, DK_EIO, "out of memory");
	if (rc == DK_OK) {
		free(*ep);
		*ep = norm;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

static int
settings_endpoint(struct settings *s, struct profile *p, struct dk_err *e)
{
	const char *from = "R2_ENDPOINT";
	int r2_endpoint = 0;

	if ((s->endpoint = env_dup("R2_ENDPOINT")) != NULL)
		r2_endpoint = 1;
	else if ((s->endpoint = env_dup(from = "AWS_ENDPOINT_URL_S3")) == NULL &&
	    (s->endpoint = env_dup(from = "AWS_ENDPOINT_URL")) == NULL)
		from = "endpoint_url in the AWS profile";
	take(&s->endpoint, &p->endpoint);

	if (s->endpoint == NULL && getenv("R2_ACCESS_KEY_ID") != NULL)
		return dk_fail(e, DK_ECONFIG, "no endpoint: set R2_ENDPOINT "
		    "(https://ACCOUNT_ID.r2.cloudflarestorage.com)");
	s->endpoint_from = from;
	s->path_style = s->endpoint != NULL;

	/* R2 signs with region "auto"; an AWS region left in the environment
	 * for other tools must not break it. */
	if (!r2_endpoint && (s->region = env_dup("AWS_REGION")) == NULL)
		s->region = env_dup("AWS_DEFAULT_REGION");
	if (!r2_endpoint)
		take(&s->region, &p->region);
	if (s->region == NULL)
		s->region = strdup(s->endpoint != NULL ? "auto" : "us-east-1");
	return DK_OK;
}

/* A CA bundle libcurl cannot read would fail every request as a network
 * error (exit 5) when it is a setting to fix. */
static int
ca_bundle_check(const char *path, struct dk_err *e)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	int err = errno;

	if (f != NULL && fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode))
		err = EISDIR;
	else if (f != NULL && fgetc(f) == EOF)
		err = ferror(f) ? errno : 0;
	else if (f != NULL)
		err = -1;
	if (f != NULL)
		fclose(f);
	if (err == -1)
		return DK_OK;
	dk_fail(e, DK_ECONFIG, "AWS_CA_BUNDLE %s: %s: set it to a readable file of "
	    "PEM certificates", path, err == EISDIR ? "not a regular file" :
	    err == 0 ? "empty" : strerror(err));
	dk_err_object(e, "%s", path);
	e->sys_errno = err > 0 ? err : 0;
	return e->status;
}

int
settings_check_endpoint(struct settings *s, struct dk_err *e)
{
	int rc;

	if (s->endpoint == NULL || s->endpoint_checked)
		return DK_OK;
	if ((rc = endpoint_check(&s->endpoint, s->endpoint_from, e)) == DK_OK)
		s->endpoint_checked = 1;
	return rc;
}

static int
load(struct settings *s, int check, struct dk_err *e)
{
	struct profile p = { 0 };
	int rc;

	memset(s, 0, sizeof(*s));
	profile_load(&p);
	rc = settings_credentials(s, &p, e);
	if (rc == DK_OK)
		rc = settings_endpoint(s, &p, e);
	if (rc == DK_OK && check)
		rc = settings_check_endpoint(s, e);
	s->bucket = env_dup("R2_BUCKET");
	s->ca_bundle = env_dup("AWS_CA_BUNDLE");
	if (rc == DK_OK && s->ca_bundle != NULL)
		rc = ca_bundle_check(s->ca_bundle, e);
	profile_free(&p);
	if (rc != DK_OK)
		settings_free(s);
	return rc;
}

int
settings_load(struct settings *s, struct dk_err *e)
{
	return load(s, 1, e);
}

int
settings_load_unchecked(struct settings *s, struct dk_err *e)
{
	return load(s, 0, e);
}

void
settings_free(struct settings *s)
{
	free(s->access_key);
	free(s->secret_key);
	free(s->session_token);
	free(s->endpoint);
	free(s->region);
	free(s->bucket);
	free(s->ca_bundle);
	memset(s, 0, sizeof(*s));
}
