#include "src/strpool.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "src/hugemem.h"
#include "src/lend.h"
#include "src/util.h"

void strpool_init(struct strpool *p)
{
    memset(p, 0, sizeof *p);
    p->cap = 1 << 12;           /* doubled as names arrive */
    p->buf = xmalloc(p->cap);
    p->share = lend_new(p->buf);
    p->buf[0] = 0;
    p->len = 1;
    p->nslots = 1 << 8;
    p->slots = xcalloc(p->nslots, sizeof *p->slots);
}

void strpool_free(struct strpool *p)
{
    if (p->share)
        lend_drop(p->share);   /* the buffer stays while it is lent */
    else
        free(p->buf);
    free(p->slots);
    memset(p, 0, sizeof *p);
}

/* A slot's probe start comes from its tag bits, so growing moves slots without reading a string
 * again (rehashing every name was a random read per name, and a strlen and a hash). */
static void grow_slots(struct strpool *p)
{
    size_t n = p->nslots * 2;
    uint64_t *s = xcalloc(n, sizeof *s);
    hugemem_advise(s, n * sizeof *s);
    for (size_t i = 0; i < p->nslots; i++) {
        uint64_t v = p->slots[i];
        if (!v)
            continue;
        size_t h = (size_t)(uint32_t)v & (n - 1);
        while (s[h])
            h = (h + 1) & (n - 1);
        s[h] = v;
    }
    free(p->slots);
    p->slots = s;
    p->nslots = n;
}

/* Appends s as a new string: its offset. */
static uint32_t append(struct strpool *p, const char *s, size_t len)
{
    if (p->len + len + 1 > UINT32_MAX)
        die("more than 4 GiB of names");
    void *b = p->buf;   /* every pool has a share, from strpool_init */
    if (lend_grow(&p->share, &b, &p->cap, p->len, len + 1, 1)) {
        p->buf = b;
        hugemem_advise(p->buf, p->cap);
    }
    uint32_t off = (uint32_t)p->len;
    memcpy(p->buf + off, s, len);
    p->buf[off + len] = 0;
    p->len += len + 1;
    return off;
}

void strpool_borrow(const struct strpool *p, struct strpool *view)
{
    memset(view, 0, sizeof *view);
    view->buf = p->buf;
    view->len = view->cap = p->len;
    view->share = p->share;   /* every pool has one from strpool_init */
    lend_hold(p->share);
}

void strpool_return(struct strpool *view)
{
    strpool_free(view);
}

uint32_t strpool_add(struct strpool *p, const char *s, size_t len)
{
    return len ? append(p, s, len) : 0;
}

uint32_t strpool_intern(struct strpool *p, const char *s, size_t len)
{
    if (len == 0)
        return 0;
    if (p->used * 4 >= p->nslots * 3)
        grow_slots(p);
    size_t mask = p->nslots - 1;
    uint64_t hv = XXH3_64bits(s, len);
    uint32_t tag = (uint32_t)(hv >> 32);
    size_t h = tag & mask;
    for (;; h = (h + 1) & mask) {
        uint64_t v = p->slots[h];
        if (!v)
            break;
        if ((uint32_t)v != tag)
            continue;
        const char *c = p->buf + (v >> 32);
        if (strncmp(c, s, len) == 0 && c[len] == 0)
            return (uint32_t)(v >> 32);
    }
    uint32_t off = append(p, s, len);
    p->slots[h] = (uint64_t)off << 32 | tag;
    p->used++;
    return off;
}
