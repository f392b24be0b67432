/* prefetch.c: the rollups of the layers next to the one shown, built on a thread of their own
 * while the view waits for keys, so that `[` and `]` find them ready. On a 1M-entry image a
 * layer's rollups are an O(entries + paths) pass of about 200 ms, which the key used to wait
 * for. One layer at a time; the result goes into the view's cache on the UI thread. */
#include "ui/prefetch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "src/util.h"

struct prefetch {
    const struct model *m;
    pthread_t t;
    int running;               /* a thread was started and not joined */
    int layer;                 /* what it builds */
    atomic_int done;
    struct rows_layer *out;
};

static void *prefetch_main(void *arg)
{
    struct prefetch *p = arg;
    p->out = rows_layer_new(p->m, p->layer, 0);   /* reads the model only */
    atomic_store(&p->done, 1);
    return NULL;
}

struct prefetch *prefetch_new(const struct model *m)
{
    struct prefetch *p = xcalloc(1, sizeof *p);
    p->m = m;
    return p;
}

/* Waits for the thread and hands its layer to r's cache. */
static void prefetch_collect(struct prefetch *p, struct rows *r)
{
    if (!p->running)
        return;
    pthread_join(p->t, NULL);
    p->running = 0;
    rows_adopt(r, p->out);   /* a model not r's: freed there */
    p->out = NULL;
}

int prefetch_poll(struct prefetch *p, struct rows *r)
{
    int got = -1;
    if (!p)
        return got;
    if (p->running && atomic_load(&p->done)) {
        got = p->layer;
        prefetch_collect(p, r);
    }
    if (p->running || r->layer < 0)
        return got;
    /* the next one to have: the layer below the one shown, then the one above */
    int want = -1;
    if (r->layer > 0 && !rows_cached(r, r->layer - 1))
        want = r->layer - 1;
    else if (r->layer + 1 < (int)p->m->n_layers && !rows_cached(r, r->layer + 1))
        want = r->layer + 1;
    if (want < 0)
        return got;
    p->layer = want;
    atomic_store(&p->done, 0);
    p->out = NULL;
    if (pthread_create(&p->t, NULL, prefetch_main, p) == 0)
        p->running = 1;   /* else: built on demand, as without a prefetcher */
    return got;
}

void prefetch_wait(struct prefetch *p, struct rows *r, int layer)
{
    if (p && p->running && p->layer == layer)
        prefetch_collect(p, r);   /* on its way: sooner than building it again */
}

void prefetch_free(struct prefetch *p, struct rows *r)
{
    if (!p)
        return;
    prefetch_collect(p, r);
    free(p);
}
