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
};

/* Fills s; DK_ECONFIG with the variable to set when something is missing. */
int settings_load(struct settings *s, struct dk_err *e);
void settings_free(struct settings *s);

#endif
