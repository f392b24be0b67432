#include "src/lend.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "src/util.h"

struct lend {
    _Atomic unsigned refs;
    void *buf;
};

struct lend *lend_new(void *buf)
{
    struct lend *l = xmalloc(sizeof *l);
    atomic_init(&l->refs, 1);
    l->buf = buf;
    return l;
}

void lend_hold(struct lend *l)
{
    atomic_fetch_add(&l->refs, 1);
}

void lend_drop(struct lend *l)
{
    if (atomic_fetch_sub(&l->refs, 1) == 1) {
        free(l->buf);
        free(l);
    }
}

int lend_grow(struct lend **l, void **buf, size_t *cap, size_t n, size_t k, size_t size)
{
    if (n + k <= *cap)
        return 0;
    /* only the owner lends, on this thread, so the count cannot rise meanwhile */
    if (atomic_load(&(*l)->refs) > 1) {
        size_t nc = *cap;
        void *nb = util_grow(NULL, &nc, n, k, size);   /* the size util_grow would choose */
        memcpy(nb, *buf, n * size);
        lend_drop(*l);
        *l = lend_new(nb);
        *buf = nb;
        *cap = nc;
        return 1;
    }
    *buf = util_grow(*buf, cap, n, k, size);
    (*l)->buf = *buf;
    return 1;
}
