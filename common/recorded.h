/* The SHA-256 that r2put recorded for an object: its KEY.sha256 sidecar
 * (sha256sum's format), else its x-amz-meta-sha256 metadata. */
#ifndef DRKIT_RECORDED_H
#define DRKIT_RECORDED_H

#include "s3.h"
#include "sha256.h"

/* Fills hex (lowercase) and *source ("sidecar" or "metadata"). DK_ENOTFOUND
 * when the object has neither (reason DK_R_NO_CHECKSUM), or does not
 * exist; DK_EDATA when the sidecar is not a checksum line. */
int recorded_sha256(struct s3_client *c, const struct objname *n, char hex[SHA256_HEXLEN + 1],
    const char **source, struct dk_err *e);

#endif
