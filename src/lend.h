/* lend.h: a growing heap array that readers on other threads may hold while its owner goes on
 * appending (the names and path nodes the view's states of the tree share with the model being
 * read, strpool.c and model.c).
 *
 * The owner never moves or frees a buffer that is lent: when it must grow one, it copies into a
 * new buffer and leaves the old to its borrowers, the last of whom frees it. What the owner
 * wrote before lending stays put; it appends past it, and any field it changes in place
 * afterwards must be read and written atomically (model.h says which). */
#ifndef STRATA_LEND_H
#define STRATA_LEND_H

#include <stddef.h>

struct lend;

/* buf (from malloc) with one holder, its owner. */
struct lend *lend_new(void *buf);
/* One holder more (a borrower); any thread. */
void lend_hold(struct lend *l);
/* One holder less; the last frees the buffer. Any thread. */
void lend_drop(struct lend *l);
/* Room for n + k elements of size in *buf (which holds n), grown as util_grow would; a lent
 * buffer is copied, not moved. Returns nonzero when *buf changed. Owner's thread only. */
int lend_grow(struct lend **l, void **buf, size_t *cap, size_t n, size_t k, size_t size);

#endif
