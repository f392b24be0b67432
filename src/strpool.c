#include "src/strpool.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "src/util.h"

void strpool_init(struct strpool *p)
{
    memset(p, 0, sizeof *p);
    p->cap = 1 << 16;
    p->buf = xmalloc(p->cap);
    p->buf[0] = 0;
    p->len = 1;
    p->nslots = 1 << 12;
    p->slots = xcalloc(p->nslots, sizeof *p->slots);
}

void strpool_free(struct strpool *p)
{
    free(p->buf);
    free(p->slots);
    memset(p, 0, sizeof *p);
}

static void grow_slots(struct strpool *p)
{
    size_t n = p->nslots * 2;
    uint32_t *s = xcalloc(n, sizeof *s);
    for (size_t i = 0; i < p->nslots; i++) {
        uint32_t off = p->slots[i];
        if (!off)
            continue;
        const char *str = p->buf + off;
        size_t h = (size_t)XXH3_64bits(str, strlen(str)) & (n - 1);
        while (s[h])
            h = (h + 1) & (n - 1);
        s[h] = off;
    }
    free(p->slots);
    p->slots = s;
    p->nslots = n;
}

uint32_t strpool_intern(struct strpool *p, const char *s, size_t len)
{
    if (len == 0)
        return 0;
    if (p->used * 4 >= p->nslots * 3)
        grow_slots(p);
    size_t mask = p->nslots - 1;
    size_t h = (size_t)XXH3_64bits(s, len) & mask;
    for (;; h = (h + 1) & mask) {
        uint32_t off = p->slots[h];
        if (!off)
            break;
        const char *c = p->buf + off;
        if (strncmp(c, s, len) == 0 && c[len] == 0)
            return off;
    }
    if (p->len + len + 1 > UINT32_MAX)
        die("more than 4 GiB of names");
    if (p->len + len + 1 > p->cap) {
        while (p->len + len + 1 > p->cap)
            p->cap *= 2;
        p->buf = xrealloc(p->buf, p->cap);
    }
    uint32_t off = (uint32_t)p->len;
    memcpy(p->buf + off, s, len);
    p->buf[off + len] = 0;
    p->len += len + 1;
    p->slots[h] = off;
    p->used++;
    return off;
}
