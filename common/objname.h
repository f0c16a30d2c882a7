/* Object names as users type them: s3://BUCKET/KEY, r2://BUCKET/KEY, or a
 * bare KEY in the default bucket ($R2_BUCKET). */
#ifndef DRKIT_OBJNAME_H
#define DRKIT_OBJNAME_H

#include "err.h"

struct objname {
	char *bucket;
	char *key;		/* "" for a whole bucket or its root */
};

/* Parses arg; default_bucket may be NULL. DK_EUSAGE for a malformed name,
 * DK_ECONFIG when a bare key has no bucket to go to. */
int objname_parse(const char *arg, const char *default_bucket, struct objname *out,
    struct dk_err *e);
void objname_free(struct objname *n);

#endif
