/* strpool.h: NUL-terminated strings addressed by a u32 offset into one buffer, interned (one copy
 * of each) or, for the model's basenames, stored as they come.
 *
 * Offsets, never pointers, are what the model stores: the buffer grows by realloc, so a pointer
 * from strpool_get() is valid only until the next strpool_intern() or strpool_add(). Offset 0
 * is the empty string and means "none". Strings are never freed one by one; strpool_free()
 * drops them all.
 *
 * Another thread may read the strings so far while the pool grows on (the view reads a copy of
 * the tree while the reader adds names): strpool_borrow() hands it the buffer itself, not a
 * copy. The pool never moves or frees a buffer that is lent: when it must grow, it copies into a
 * new one and leaves the old to its borrowers, the last of whom frees it. Bytes below a
 * borrower's len are never written again; the pool writes only past them. */
#ifndef STRATA_STRPOOL_H
#define STRATA_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

struct lend;  /* a buffer and how many hold it (lend.h) */

struct strpool {
    char *buf;        /* all strings, NUL-terminated, back to back */
    size_t len, cap;
    struct lend *share;   /* buf's holders: this pool (unless borrowed) and borrowers */
    uint64_t *slots;  /* open addressing: offset << 32 | 32 bits of its hash; 0 = empty. The
                       * hash bits settle most probes without touching the string, and the
                       * slot a string starts probing at is taken from them. */
    size_t nslots, used;
};

void strpool_init(struct strpool *p);
void strpool_free(struct strpool *p);
/* Returns the offset of an equal string, adding it if new. Aborts past 4 GiB of names. */
uint32_t strpool_intern(struct strpool *p, const char *s, size_t len);
/* Stores a copy of s without looking for an equal one, for strings whose user finds them by its
 * own index (the model's basenames: by parent and name): the offset, 0 for the empty string. */
uint32_t strpool_add(struct strpool *p, const char *s, size_t len);
/* For a reader on another thread: *view becomes a read-only pool of p's strings so far (no
 * interning, no adding), sharing p's buffer; give it back with strpool_return (any thread, also
 * after p is freed). Called on the thread that adds to p, which strpool_init set up. */
void strpool_borrow(const struct strpool *p, struct strpool *view);
void strpool_return(struct strpool *view);
static inline const char *strpool_get(const struct strpool *p, uint32_t off) { return p->buf + off; }

#endif
