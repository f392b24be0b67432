/* dupes.c: files with equal content (same size and XXH3-64) across paths and layers.
 *
 * Every version counts, visible or not: a file rewritten by a later layer with the same bytes
 * (RUN chmod, a COPY repeated after a cache bust) ships twice, and so does a copy under another
 * name. wasted = size * (copies - 1): one copy is needed. */
#include "analysis/analysis_int.h"

#include <stdlib.h>
#include <string.h>

#include "src/util.h"

struct hk { uint64_t hash, size; uint32_t entry; };

/* Copies of one content go by layer, then tar order within the layer: entry indices depend on
 * the order the input delivered the blobs, the report must not. */
static int cmp_hk(const void *x, const void *y, void *ctx)
{
    const struct model *m = ctx;
    const struct hk *a = x, *b = y;
    if (a->size != b->size)
        return a->size < b->size ? 1 : -1;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    const struct entry *ea = &m->entries[a->entry], *eb = &m->entries[b->entry];
    if (ea->layer != eb->layer)
        return ea->layer < eb->layer ? -1 : 1;
    uint32_t pa = a->entry - m->layers[ea->layer].first_entry;
    uint32_t pb = b->entry - m->layers[eb->layer].first_entry;
    return pa < pb ? -1 : pa > pb;
}

static int cmp_group(const void *x, const void *y)
{
    const struct dup_group *a = x, *b = y;
    if (a->wasted != b->wasted)
        return a->wasted < b->wasted ? 1 : -1;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    return 0;
}

void dupes_run(struct analysis *a, const struct image *img)
{
    const struct model *m = &img->model;
    size_t n = 0;
    struct hk *v = NULL;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t e = 1; e < m->n_entries; e++) {
            const struct entry *en = &m->entries[e];
            uint64_t h;
            if (!en->size || !entry_is_reg(en) || en->layer == LAYER_NONE ||
                !analysis_entry_hash(a, e, &h))
                continue;
            if (pass)
                v[n] = (struct hk){h, en->size, e};
            n++;
        }
        if (!pass) {
            if (n < 2)
                return;
            v = xmalloc(n * sizeof *v);
            n = 0;
        }
    }
    qsort_r(v, n, sizeof *v, cmp_hk, (void *)&img->model);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && v[j].size == v[i].size && v[j].hash == v[i].hash)
            j++;
        if (j - i >= 2) {
            ARR_GROW(a->dups, a->cap_dups, a->n_dups, 1);
            struct dup_group *g = &a->dups[a->n_dups++];
            g->hash = v[i].hash;
            g->size = v[i].size;
            g->n = j - i;
            g->entries = xmalloc(g->n * sizeof *g->entries);
            for (size_t k = i; k < j; k++)
                g->entries[k - i] = v[k].entry;   /* entry order: lowest layer first */
            g->wasted = g->size * (g->n - 1);
            a->dup_wasted = sat_add(a->dup_wasted, g->wasted);
        }
        i = j;
    }
    free(v);
    if (a->n_dups)
        qsort(a->dups, a->n_dups, sizeof *a->dups, cmp_group);
}
