/* libFuzzer target: the AWS profile files. The input, split at its first
 * NUL, is ~/.aws/credentials and ~/.aws/config; loading never faults, and
 * a failure always says what to set. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char cred_path[] = "/tmp/drkit-fuzz-credentials-XXXXXX";
static char conf_path[] = "/tmp/drkit-fuzz-config-XXXXXX";

static int
setup(void)
{
	static const char *vars[] = { "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY", "R2_ENDPOINT",
	    "R2_BUCKET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_DEFAULT_REGION",
	    "AWS_PROFILE", "AWS_CA_BUNDLE" };
	int a = mkstemp(cred_path), b = mkstemp(conf_path);

	if (a < 0 || b < 0)
		return -1;
	close(a);
	close(b);
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	setenv("AWS_SHARED_CREDENTIALS_FILE", cred_path, 1);
	setenv("AWS_CONFIG_FILE", conf_path, 1);
	return 0;
}

static void
write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		return;
	fwrite(p, 1, n, f);
	fclose(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const uint8_t *nul = memchr(data, 0, size);
	size_t first = nul ? (size_t)(nul - data) : size;
	struct settings s;
	struct dk_err e = { 0 };

	if (!ready && (ready = setup() == 0 ? 1 : -1) < 0)
		return 0;
	if (ready < 0)
		return 0;
	write_file(cred_path, data, first);
	write_file(conf_path, nul ? nul + 1 : data, nul ? size - first - 1 : 0);
	if (settings_load(&s, &e) == DK_OK) {
		if (s.access_key == NULL || s.secret_key == NULL || s.region == NULL)
			abort();
		settings_free(&s);
	} else if (e.msg[0] == '\0') {
		abort();
	}
	return 0;
}
