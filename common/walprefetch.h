/* walfetch's prefetcher: a detached process that keeps the segments after
 * the one asked for last fetched into the spool (walspool.h), several
 * GETs in flight, while recovery asks for them one by one. */
#ifndef DRKIT_WALPREFETCH_H
#define DRKIT_WALPREFETCH_H

#include "walspool.h"

/* Forks the prefetcher for x's spool, unless one is at work. */
void prefetch_start(const struct wf_ctx *x);

#endif
