/* Where credentials, endpoint and region come from, first found wins:
 * R2_*, then AWS_*, then the AWS profile files (endpoint_url included). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "settings.h"
#include "tap.h"

static char dir[] = "/tmp/test_settings.XXXXXX";
static char creds[64], config[64], ca[64];

static const char *vars[] = {
	"R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY", "R2_ENDPOINT", "R2_BUCKET",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_PROFILE", "AWS_CA_BUNDLE",
};

/* A clean environment whose profile files are the (empty) temp ones. */
static void
env_reset(void)
{
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	setenv("HOME", dir, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", creds, 1);
	setenv("AWS_CONFIG_FILE", config, 1);
}

/* Sets NAME, VALUE, ... up to a NULL. */
static void
env_set(const char *const *nv)
{
	for (; nv[0] != NULL; nv += 2)
		setenv(nv[0], nv[1], 1);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

/* Loads s in a clean environment holding env alone; 0 when it loaded. */
static int
load_with(const char *const *env, struct settings *s, const char *name)
{
	struct dk_err e = { 0 };
	int rc;

	env_reset();
	env_set(env);
	rc = settings_load(s, &e);
	CHECK(rc == DK_OK, "%s load", name);
	return rc;
}

static int
eq(const char *a, const char *b)
{
	return a != NULL && b != NULL ? strcmp(a, b) == 0 : a == b;
}

static void
test_r2_first(void)
{
	static const char *const env[] = {
		"R2_ACCESS_KEY_ID", "r2key", "R2_SECRET_ACCESS_KEY", "r2secret",
		"R2_ENDPOINT", "https://acct.r2.cloudflarestorage.com//", "R2_BUCKET", "backups",
		"AWS_ACCESS_KEY_ID", "awskey", "AWS_SECRET_ACCESS_KEY", "awssecret",
		"AWS_SESSION_TOKEN", "awstoken", "AWS_ENDPOINT_URL", "https://aws.example",
		"AWS_REGION", "eu-west-1", NULL
	};
	struct settings s;

	if (load_with(env, &s, "R2_* settings") != DK_OK)
		return;
	CHECK(eq(s.access_key, "r2key") && eq(s.secret_key, "r2secret"),
	    "R2_* credentials win over AWS_*");
	CHECK(s.session_token == NULL, "no AWS session token rides along with R2 keys");
	CHECK(eq(s.endpoint, "https://acct.r2.cloudflarestorage.com"),
	    "R2_ENDPOINT wins, trailing slashes dropped");
	CHECK(eq(s.region, "auto"), "R2 signs for region auto whatever AWS_REGION says");
	CHECK(s.path_style, "a custom endpoint is path-style");
	CHECK(eq(s.bucket, "backups"), "R2_BUCKET is the default bucket");
	CHECK(eq(s.secret_from, "R2_SECRET_ACCESS_KEY"), "the secret's origin is named");
	settings_free(&s);
}

static void
test_aws_env(void)
{
	static const char *const env[] = {
		"AWS_ACCESS_KEY_ID", "awskey", "AWS_SECRET_ACCESS_KEY", "awssecret",
		"AWS_SESSION_TOKEN", "awstoken", "AWS_ENDPOINT_URL", "https://generic.example",
		"AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000", "AWS_DEFAULT_REGION", "us-west-2",
		"AWS_REGION", "eu-central-1", "AWS_CA_BUNDLE", ca, NULL
	};
	struct settings s;
	struct dk_err e = { 0 };
	int rc;

	if (load_with(env, &s, "AWS_* settings") != DK_OK)
		return;
	CHECK(eq(s.access_key, "awskey") && eq(s.session_token, "awstoken"),
	    "AWS keys with their session token");
	CHECK(eq(s.endpoint, "http://127.0.0.1:9000"), "AWS_ENDPOINT_URL_S3 wins over "
	    "AWS_ENDPOINT_URL, http:// allowed when said");
	CHECK(eq(s.region, "eu-central-1"), "AWS_REGION wins over AWS_DEFAULT_REGION");
	CHECK(eq(s.ca_bundle, ca), "AWS_CA_BUNDLE");
	settings_free(&s);

	unsetenv("AWS_ENDPOINT_URL_S3");
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	rc = settings_load(&s, &e);
	CHECK(rc == DK_OK && s.endpoint == NULL && eq(s.region, "us-east-1") && !s.path_style,
	    "without an endpoint: AWS itself, us-east-1, virtual-hosted");
	if (rc == DK_OK)
		settings_free(&s);
}

static void
test_profiles(void)
{
	struct settings s;
	struct dk_err e = { 0 };
	int rc;

	env_reset();
	write_file(creds,
	    "[default]\naws_access_key_id = dkey\naws_secret_access_key = dsecret\n"
	    "[backup]\n# a comment\naws_access_key_id=bkey\n"
	    "aws_secret_access_key = bsecret \naws_session_token = btoken\n");
	write_file(config,
	    "[default]\nregion = eu-north-1\n"
	    "[profile backup]\nregion = auto\nendpoint_url = https://top.example\n"
	    "s3 =\n  endpoint_url = https://s3.example/\n  region = ignored\n"
	    "[backup]\nregion = not-a-profile-section\n");
	rc = settings_load(&s, &e);
	CHECK(rc == DK_OK && eq(s.access_key, "dkey") && eq(s.region, "eu-north-1"),
	    "the default profile: [default] in both files");
	CHECK(rc == DK_OK && s.endpoint == NULL, "... without an endpoint");
	if (rc == DK_OK)
		settings_free(&s);

	setenv("AWS_PROFILE", "backup", 1);
	rc = settings_load(&s, &e);
	CHECK(rc == DK_OK, "AWS_PROFILE=backup loads");
	if (rc != DK_OK)
		return;
	CHECK(eq(s.access_key, "bkey") && eq(s.secret_key, "bsecret") &&
	    eq(s.session_token, "btoken"), "its credentials, values trimmed");
	CHECK(eq(s.endpoint, "https://s3.example"),
	    "the s3 = block's endpoint_url wins over the profile's");
	CHECK(eq(s.region, "auto"), "region from [profile backup], not the s3 block");
	CHECK(eq(s.secret_from, "aws_secret_access_key in the AWS profile"),
	    "the secret's origin is the profile");
	settings_free(&s);

	env_set((const char *const[]){ "AWS_ACCESS_KEY_ID", "envkey",
	    "AWS_SECRET_ACCESS_KEY", "envsecret", "AWS_ENDPOINT_URL", "https://env.example",
	    NULL });
	rc = settings_load(&s, &e);
	CHECK(rc == DK_OK && eq(s.access_key, "envkey") && s.session_token == NULL &&
	    eq(s.endpoint, "https://env.example"), "variables win over the profile");
	if (rc == DK_OK)
		settings_free(&s);
	write_file(creds, "");
	write_file(config, "");
}

/* settings_load fails with status and a message naming want. */
static void
check_fails(const char *name, int status, const char *want)
{
	struct settings s;
	struct dk_err e = { 0 };
	int rc = settings_load(&s, &e);

	CHECK(rc == status && strstr(e.msg, want) != NULL, "%s: %s", name, e.msg);
	if (rc == DK_OK)
		settings_free(&s);
}

static void
test_missing(void)
{
	env_reset();
	check_fails("nothing set", DK_ECONFIG, "set R2_ACCESS_KEY_ID");
	setenv("R2_ACCESS_KEY_ID", "k", 1);
	check_fails("an R2 key without its secret", DK_ECONFIG, "R2_SECRET_ACCESS_KEY");
	setenv("R2_SECRET_ACCESS_KEY", "s", 1);
	check_fails("R2 keys without an endpoint", DK_ECONFIG, "set R2_ENDPOINT");
	setenv("R2_ENDPOINT", "ftp://x.example", 1);
	check_fails("an endpoint that is not http(s)", DK_ECONFIG, "https://");
	env_reset();
	setenv("AWS_ACCESS_KEY_ID", "k", 1);
	check_fails("an AWS key without its secret", DK_ECONFIG, "AWS_SECRET_ACCESS_KEY");
}

/* The family of endpoints: each either loads as want (normalised) or is
 * a configuration error naming the setting, never quoting a password. */
static void
test_endpoints(void)
{
	static const struct { const char *endpoint, *want; } cases[] = {
		{ "https://acct.r2.cloudflarestorage.com", "https://acct.r2.cloudflarestorage.com" },
		{ "HTTPS://Acct.example:8443/", "https://Acct.example:8443" },
		{ "HtTp://127.0.0.1:9000//", "http://127.0.0.1:9000" },
		{ "http://[::1]:9000", "http://[::1]:9000" },
		{ "https://", NULL }, { "http://", NULL }, { "HTTPS://", NULL },
		{ "https:///", NULL }, { "ftp://x", NULL }, { "https:// x", NULL },
		{ "example.com", NULL }, { "//example.com", NULL }, { "", NULL },
		{ "https://h/path", NULL }, { "https://h/bucket/", NULL },
		{ "https://h?x=1", NULL }, { "https://h/?x", NULL }, { "https://h#f", NULL },
		{ "https://user:hunter2@h", NULL }, { "https://:hunter2@h", NULL },
		{ "https://user@h", NULL }, { "http://[::1", NULL }, { "https://h:99999", NULL },
	};
	struct settings s;
	struct dk_err e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;
		env_reset();
		env_set((const char *const[]){ "R2_ACCESS_KEY_ID", "k", "R2_SECRET_ACCESS_KEY",
		    "s", "R2_ENDPOINT", cases[i].endpoint, NULL });
		memset(&e, 0, sizeof(e));
		rc = settings_load(&s, &e);
		if (cases[i].want != NULL) {
			CHECK(rc == DK_OK && eq(s.endpoint, cases[i].want), "endpoint '%s' loads "
			    "as %s: %s", cases[i].endpoint, cases[i].want, rc ? e.msg : s.endpoint);
		} else if (*cases[i].endpoint == '\0') {
			CHECK(rc == DK_ECONFIG, "an empty R2_ENDPOINT is none: %s", e.msg);
		} else {
			CHECK(rc == DK_ECONFIG && strncmp(e.msg, "R2_ENDPOINT: ", 13) == 0 &&
			    strstr(e.msg, "hunter2") == NULL, "endpoint '%s' is exit 3 naming "
			    "R2_ENDPOINT: %s", cases[i].endpoint, e.msg);
		}
		if (rc == DK_OK)
			settings_free(&s);
	}
}

/* An AWS_CA_BUNDLE that cannot be read is a setting to fix. */
static void
test_ca_bundle(void)
{
	char empty[80];
	const char *bad[] = { "/nonexistent/ca.pem", dir, empty };

	snprintf(empty, sizeof(empty), "%s/empty.pem", dir);
	write_file(empty, "");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		env_reset();
		env_set((const char *const[]){ "AWS_ACCESS_KEY_ID", "k",
		    "AWS_SECRET_ACCESS_KEY", "s", "AWS_CA_BUNDLE", bad[i], NULL });
		check_fails(bad[i], DK_ECONFIG, "AWS_CA_BUNDLE");
	}
	unlink(empty);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(creds, sizeof(creds), "%s/credentials", dir);
	snprintf(config, sizeof(config), "%s/config", dir);
	write_file(creds, "");
	write_file(config, "");
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	write_file(ca, "-----BEGIN CERTIFICATE-----\n");
	test_r2_first();
	test_aws_env();
	test_profiles();
	test_missing();
	test_endpoints();
	test_ca_bundle();
	unlink(ca);
	unlink(creds);
	unlink(config);
	rmdir(dir);
	return TAP_END();
}
