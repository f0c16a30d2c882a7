/* Where credentials, endpoint, region and default bucket come from, in
 * DESIGN.md's order: R2_*, then AWS_*, then the AWS profile files. */
#ifndef DRKIT_SETTINGS_H
#define DRKIT_SETTINGS_H

#include "err.h"

struct settings {
	char *access_key;
	char *secret_key;
	char *session_token;	/* NULL when none */
	char *endpoint;		/* "https://ACCOUNT.r2.cloudflarestorage.com"; NULL: AWS */
	char *region;		/* never NULL once loaded */
	char *bucket;		/* default bucket for names without a scheme; may be NULL */
	char *ca_bundle;	/* extra trusted roots (AWS_CA_BUNDLE); may be NULL */
	int path_style;		/* custom endpoints: https://HOST/BUCKET/KEY */
	const char *secret_from; /* the variable or file the secret came from */
	const char *endpoint_from; /* the variable or file the endpoint came from */
	int endpoint_checked;	/* endpoint is "scheme://host[:port]" */
};

/* Fills s; DK_ECONFIG with the variable to set when something is missing. */
int settings_load(struct settings *s, struct dk_err *e);
/* As settings_load, but leaves the endpoint as given until
 * settings_check_endpoint: for a run that may make no request, since the
 * check opens libcurl (its URL parser). */
int settings_load_unchecked(struct settings *s, struct dk_err *e);
/* Checks the endpoint and rewrites it as "scheme://host[:port]", once. */
int settings_check_endpoint(struct settings *s, struct dk_err *e);
void settings_free(struct settings *s);

#endif
