/* libcurl, opened at its first use (see curlload.c). */
#ifndef DRKIT_CURLLOAD_H
#define DRKIT_CURLLOAD_H

/* Why libcurl could not be opened; NULL when it was. Opens it. */
const char *curlload_error(void);

#endif
