/* A listing read from S3 itself, into the same list that r2ls output
 * parses into: stalecheck's "list the prefix yourself" mode. */
#ifndef DRKIT_LSFETCH_H
#define DRKIT_LSFETCH_H

#include "lsparse.h"
#include "s3.h"

/* Lists every object under name (recursively) into l. */
int lsfetch_list(struct s3_client *c, const struct objname *name, struct ls_list *l,
    struct dk_err *e);

#endif
