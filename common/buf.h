/* A growable byte buffer. */
#ifndef DRKIT_BUF_H
#define DRKIT_BUF_H

#include <stddef.h>

struct buf {
	char *p;
	size_t len;
	size_t cap;
};

/* Appends n bytes (kept NUL-terminated); returns 0, or -1 on ENOMEM. */
int buf_append(struct buf *b, const void *data, size_t n);
/* Makes room for at least n bytes in all; returns 0, or -1 on ENOMEM. */
int buf_reserve(struct buf *b, size_t n);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
