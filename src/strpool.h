/* strpool.h: NUL-terminated strings addressed by a u32 offset into one buffer, interned (one copy
 * of each) or, for the model's basenames, stored as they come.
 *
 * Offsets, never pointers, are what the model stores: the buffer grows by realloc, so a pointer
 * from strpool_get() is valid only until the next strpool_intern() or strpool_add(). Offset 0
 * is the empty string and means "none". Strings are never freed one by one; strpool_free()
 * drops them all. */
#ifndef STRATA_STRPOOL_H
#define STRATA_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

struct strpool {
    char *buf;        /* all strings, NUL-terminated, back to back */
    size_t len, cap;
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
static inline const char *strpool_get(const struct strpool *p, uint32_t off) { return p->buf + off; }

#endif
