#include "ui/rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analysis/path_filter.h"
#include "src/util.h"

#define OWN_VISIBLE 0x20     /* scratch bit in status while building a layer */

static inline int is_marker(const struct entry *e) { return e->flags & (EF_WHITEOUT | EF_IMPLICIT); }
/* A version that layer L deleted (by a whiteout or an opaque directory), not a marker itself. */
static inline int removed_by(const struct entry *e, uint32_t L)
{
    return e->layer != LAYER_NONE && e->hidden_at == L && (e->flags & EF_DELETED) && !is_marker(e);
}

void rows_init(struct rows *r, const struct model *m)
{
    memset(r, 0, sizeof *r);
    r->m = m;
    r->layer = -1;
    r->open = xcalloc(m->n_paths ? m->n_paths : 1, 1);
    r->n_cache = m->n_paths > ROWS_CACHE_BIG_PATHS ? 3 : ROWS_CACHE;
    for (int i = 0; i < ROWS_CACHE; i++)
        r->cache[i].layer = -2;
}

static void layer_drop(struct rows_layer *c)
{
    free(c->size);
    free(c->lsize);
    free(c->status);
    free(c->mask);
    memset(c, 0, sizeof *c);
    c->layer = -2;
}

void rows_free(struct rows *r)
{
    for (int i = 0; i < ROWS_CACHE; i++)
        layer_drop(&r->cache[i]);
    free(r->open);
    free(r->pass);
    free(r->fsize);
    free(r->flsize);
    free(r->fcount);
    free(r->rank);
    free(r->v);
    memset(r, 0, sizeof *r);
}

/* O(entries + paths): what the merged tree and this layer's changes look like after `L`. */
static void layer_lsize(const struct model *m, struct rows_layer *c);

/* lean: lsize left for first use (layer_lsize). */
static void layer_build(const struct model *m, struct rows_layer *c, int L, int lean)
{
    uint32_t n = m->n_paths;
    c->layer = L;
    c->of = m->entries;
    c->n_paths = n;
    c->size = xcalloc(n, sizeof *c->size);
    c->lsize = NULL;   /* made when a view of this layer's changes first needs it (layer_lsize) */
    c->status = xcalloc(n, 1);
    c->mask = xcalloc(n, 1);

    /* Versions this layer deleted (whiteouts, opaque directories). */
    for (uint32_t e = 1; e < m->n_entries; e++) {
        const struct entry *en = &m->entries[e];
        if (!removed_by(en, L))
            continue;
        c->status[en->path] = (c->status[en->path] & ~RS_ALL) | RS_REMOVED;
    }
    /* What this layer wrote. */
    if ((uint32_t)L < m->n_layers) {
        const struct layer_stats *ls = &m->layers[L];
        for (uint32_t e = ls->first_entry; e < ls->first_entry + ls->n_entries; e++) {
            const struct entry *en = &m->entries[e];
            if (is_marker(en))
                continue;
            c->status[en->path] = (c->status[en->path] & ~RS_ALL) |
                                  ((en->flags & EF_ADDED) ? RS_ADDED : RS_MODIFIED);
        }
    }
    /* The merged tree after L. */
    for (uint32_t k = 0; k <= (uint32_t)L && k < m->n_layers; k++) {
        const struct layer_stats *ls = &m->layers[k];
        for (uint32_t e = ls->first_entry; e < ls->first_entry + ls->n_entries; e++) {
            const struct entry *en = &m->entries[e];
            if (is_marker(en) || en->hidden_at <= L)
                continue;
            c->status[en->path] |= RS_EXISTS | OWN_VISIBLE;
            if (entry_is_reg(en))
                c->size[en->path] = sat_add(c->size[en->path], en->size);
        }
    }
    for (uint32_t p = 1; p < n; p++) {
        unsigned kind = c->status[p] & RS_ALL;
        if (!kind && (c->status[p] & OWN_VISIBLE))
            kind = RS_UNCHANGED;
        c->mask[p] = (uint8_t)kind;
        c->status[p] = (uint8_t)((c->status[p] & ~(OWN_VISIBLE | RS_ALL)) | kind);
    }
    /* Children always have higher indices than their parents. */
    for (uint32_t p = n - 1; p > MODEL_ROOT && p < n; p--) {
        uint32_t q = m->paths[p].parent;
        c->size[q] = sat_add(c->size[q], c->size[p]);
        c->mask[q] |= c->mask[p];
        if (c->status[p] & RS_EXISTS)
            c->status[q] |= RS_EXISTS;
    }
    /* A path gone after L that L removed things under shows the bytes removed: each removed
     * version counts for its path and the gone folders above it (all under a gone path is gone
     * too), and not what L wrote and hid again itself (so not the changes' bytes). Done
     * here rather than in an array of its own, as this runs beside two states of the tree while
     * loading, where 8 B a path is felt. */
    for (uint32_t e = 1; e < m->n_entries; e++) {
        const struct entry *en = &m->entries[e];
        if (!removed_by(en, L) || !entry_is_reg(en))
            continue;
        for (uint32_t p = en->path; p > MODEL_ROOT && !(c->status[p] & RS_EXISTS); p = m->paths[p].parent)
            if (c->mask[p] & RS_REMOVED)
                c->size[p] = sat_add(c->size[p], en->size);
    }
    if (!lean)
        layer_lsize(m, c);
}

/* The bytes layer L wrote or removed in each subtree, for the view of its changes alone (c) and
 * the filter's sizes: O(entries + paths). Made with the rest, except for the states of the tree
 * shown while loading (lean), where two layers' rollups are held beside two states of the tree
 * and a view of the changes is rare: there on first use (60-70 ms at 1M entries). */
static void layer_lsize(const struct model *m, struct rows_layer *c)
{
    if (c->lsize || c->layer < 0)
        return;
    uint32_t n = c->n_paths, L = (uint32_t)c->layer;
    c->lsize = xcalloc(n ? n : 1, sizeof *c->lsize);
    for (uint32_t e = 1; e < m->n_entries; e++) {   /* removed by L */
        const struct entry *en = &m->entries[e];
        if (!removed_by(en, L) || !entry_is_reg(en))
            continue;
        c->lsize[en->path] = sat_add(c->lsize[en->path], en->size);
    }
    if (L < m->n_layers) {   /* written by L */
        const struct layer_stats *ls = &m->layers[L];
        for (uint32_t e = ls->first_entry; e < ls->first_entry + ls->n_entries; e++) {
            const struct entry *en = &m->entries[e];
            if (!is_marker(en) && entry_is_reg(en))
                c->lsize[en->path] = sat_add(c->lsize[en->path], en->size);
        }
    }
    for (uint32_t p = n - 1; p > MODEL_ROOT && p < n; p--) {
        uint32_t q = m->paths[p].parent;
        c->lsize[q] = sat_add(c->lsize[q], c->lsize[p]);
    }
}

/* The cached slot of layer L, or the slot to reuse (empty, else the least recently used). */
static struct rows_layer *layer_slot(struct rows *r, int L)
{
    struct rows_layer *victim = &r->cache[0];
    for (int i = 0; i < r->n_cache; i++) {
        struct rows_layer *c = &r->cache[i];
        if (c->layer == L)
            return c;
        if (c == r->cur)
            continue;   /* the layer shown stays */
        if (victim == r->cur || c->layer == -2 || (victim->layer != -2 && c->stamp < victim->stamp))
            victim = c;
    }
    return victim;
}

static struct rows_layer *layer_get(struct rows *r, int L)
{
    struct rows_layer *c = layer_slot(r, L);
    if (c->layer != L) {
        layer_drop(c);
        layer_build(r->m, c, L, r->lean);
    }
    c->stamp = ++r->clock;
    return c;
}

struct rows_layer *rows_layer_new(const struct model *m, int layer, int lean)
{
    if (layer >= (int)m->n_layers)
        layer = (int)m->n_layers - 1;
    if (layer < 0 || !m->n_paths)
        return NULL;
    struct rows_layer *c = xcalloc(1, sizeof *c);
    layer_build(m, c, layer, lean);
    return c;
}

void rows_layer_free(struct rows_layer *c)
{
    if (!c)
        return;
    layer_drop(c);
    free(c);
}

void rows_adopt(struct rows *r, struct rows_layer *c)
{
    if (!c)
        return;
    if (c->of != r->m->entries || c->n_paths != r->m->n_paths) {
        rows_layer_free(c);
        return;
    }
    struct rows_layer *slot = layer_slot(r, c->layer);
    if (slot->layer == c->layer) {   /* had it already */
        rows_layer_free(c);
        return;
    }
    layer_drop(slot);
    *slot = *c;
    slot->stamp = ++r->clock;
    free(c);
}

int rows_cached(const struct rows *r, int layer)
{
    for (int i = 0; i < ROWS_CACHE; i++)
        if (r->cache[i].layer == layer)
            return 1;
    return 0;
}

int rows_steal(struct rows *r, struct rows_layer **out)
{
    int n = 0;
    for (int i = 0; i < ROWS_CACHE; i++) {
        if (r->cache[i].layer == -2)
            continue;
        out[n] = xmalloc(sizeof *out[n]);
        *out[n++] = r->cache[i];
        memset(&r->cache[i], 0, sizeof r->cache[i]);
        r->cache[i].layer = -2;
    }
    r->cur = NULL;
    return n;
}

int rows_shown(const struct rows *r, uint32_t node)
{
    if (!r->cur || node <= MODEL_ROOT || node >= r->m->n_paths)
        return 0;
    unsigned k = r->cur->mask[node] & ~r->hide & RS_ALL;
    if (r->changes_only)
        k &= ~(unsigned)RS_UNCHANGED;
    if (!k)
        return 0;
    return !r->pass || r->pass[node];
}

uint64_t rows_size(const struct rows *r, uint32_t node)
{
    if (!r->cur || node >= r->m->n_paths)
        return 0;
    if (r->pass && r->fsize)
        return r->changes_only ? r->flsize[node] : r->fsize[node];
    if (r->changes_only)   /* lsize is made by rows_rebuild whenever changes_only is set */
        return r->cur->lsize ? r->cur->lsize[node] : 0;
    return r->cur->size[node];
}

uint32_t rows_count(const struct rows *r, uint32_t node)
{
    return r->fcount && node < r->m->n_paths ? r->fcount[node] : 0;
}

/* Sizes and counts of the filtered set at this layer: a path's own bytes are its subtree's
 * minus its children's; only paths in the set (PF_SELF) add theirs to their folders. */
static void filter_sizes(struct rows *r)
{
    const struct model *m = r->m;
    free(r->fsize);
    free(r->flsize);
    free(r->fcount);
    r->fsize = r->flsize = NULL;
    r->fcount = NULL;
    if (!r->pass || !r->cur)
        return;
    layer_lsize(m, r->cur);
    uint32_t n = m->n_paths;
    r->fsize = xcalloc(n, sizeof *r->fsize);
    r->flsize = xcalloc(n, sizeof *r->flsize);
    r->fcount = xcalloc(n, sizeof *r->fcount);
    uint64_t *kids = xcalloc(n, sizeof *kids), *lkids = xcalloc(n, sizeof *lkids);
    for (uint32_t p = n - 1; p > MODEL_ROOT && p < n; p--) {
        uint32_t q = m->paths[p].parent;
        uint64_t own = r->cur->size[p] > kids[p] ? r->cur->size[p] - kids[p] : 0;
        uint64_t lown = r->cur->lsize[p] > lkids[p] ? r->cur->lsize[p] - lkids[p] : 0;
        kids[q] = sat_add(kids[q], r->cur->size[p]);
        lkids[q] = sat_add(lkids[q], r->cur->lsize[p]);
        if ((r->pass[p] & PF_SELF) && (r->cur->mask[p] & RS_ALL)) {
            r->fsize[p] = sat_add(r->fsize[p], own);
            r->flsize[p] = sat_add(r->flsize[p], lown);
            if (!model_first_child(m, p))
                r->fcount[p]++;
        }
        r->fsize[q] = sat_add(r->fsize[q], r->fsize[p]);
        r->flsize[q] = sat_add(r->flsize[q], r->flsize[p]);
        r->fcount[q] += r->fcount[p];
    }
    free(kids);
    free(lkids);
}

unsigned rows_status(const struct rows *r, uint32_t node)
{
    if (!r->cur || node >= r->m->n_paths)
        return 0;
    return r->cur->status[node] & RS_ALL;
}

int rows_has_children(const struct rows *r, uint32_t node)
{
    for (uint32_t c = model_first_child(r->m, node); c; c = r->m->paths[c].next_sibling)
        if (rows_shown(r, c))
            return 1;
    return 0;
}

/* Sibling order: size (largest first, then name) or name. */
static int sib_cmp(const struct rows *r, uint32_t a, uint32_t b)
{
    if (r->sort == SORT_SIZE) {
        uint64_t sa = rows_size(r, a), sb = rows_size(r, b);
        if (sa != sb)
            return sa > sb ? -1 : 1;
    }
    int c = strcmp(model_name(r->m, a), model_name(r->m, b));
    return c ? c : (a < b ? -1 : a > b);
}

static const struct rows *sort_ctx;   /* qsort has no context argument in C11 */

static int sib_qcmp(const void *pa, const void *pb)
{
    return sib_cmp(sort_ctx, *(const uint32_t *)pa, *(const uint32_t *)pb);
}

/* Shown children of node, sorted; caller frees. */
static uint32_t *sorted_children(const struct rows *r, uint32_t node, size_t *n)
{
    size_t k = 0, cap = 16;
    uint32_t *kids = xmalloc(cap * sizeof *kids);
    for (uint32_t c = model_first_child(r->m, node); c; c = r->m->paths[c].next_sibling) {
        if (!rows_shown(r, c))
            continue;
        ARR_GROW(kids, cap, k, 1);
        kids[k++] = c;
    }
    sort_ctx = r;
    qsort(kids, k, sizeof *kids, sib_qcmp);
    *n = k;
    return kids;
}

struct rowvec {
    struct row *v;
    uint32_t n;
    size_t cap;
};

static void push_row(struct rowvec *o, uint32_t node, uint16_t depth)
{
    ARR_GROW(o->v, o->cap, o->n, 1);
    o->v[o->n++] = (struct row){node, depth, 0};
}

static void emit_children(const struct rows *r, uint32_t node, unsigned depth, struct rowvec *o)
{
    size_t k;
    uint32_t *kids = sorted_children(r, node, &k);
    for (size_t i = 0; i < k; i++) {
        push_row(o, kids[i], depth > 0xffff ? 0xffff : (uint16_t)depth);
        if (r->open[kids[i]])
            emit_children(r, kids[i], depth + 1, o);
    }
    free(kids);
}

void rows_rebuild(struct rows *r)
{
    if (r->cur && r->changes_only)
        layer_lsize(r->m, r->cur);   /* rows_size reads it from now on */
    struct rowvec o = {r->v, 0, r->cap};
    if (r->cur)
        emit_children(r, MODEL_ROOT, 0, &o);
    r->v = o.v;
    r->n = o.n;
    r->cap = o.cap;
}

void rows_set_layer(struct rows *r, int layer)
{
    if (layer >= (int)r->m->n_layers)
        layer = (int)r->m->n_layers - 1;
    r->layer = layer < 0 ? -1 : layer;
    r->cur = r->layer < 0 ? NULL : layer_get(r, r->layer);
    filter_sizes(r);
    rows_rebuild(r);
}

void rows_set_changes_only(struct rows *r, int on)
{
    r->changes_only = !!on;
    rows_rebuild(r);
}

void rows_set_sort(struct rows *r, int sort)
{
    r->sort = sort;
    rows_rebuild(r);
}

void rows_set_hide(struct rows *r, unsigned hide)
{
    r->hide = hide & RS_ALL;
    rows_rebuild(r);
}

static int name_has(const char *name, const char *needle)
{
    return strcasestr(name, needle) != NULL;
}

void rows_set_pass(struct rows *r, uint8_t *pass, const char *label)
{
    free(r->pass);
    r->pass = pass;
    r->filter[0] = 0;
    snprintf(r->pass_label, sizeof r->pass_label, "%s", pass && label ? label : "");
    r->pass_files = 0;
    for (uint32_t p = MODEL_ROOT + 1; pass && p < r->m->n_paths; p++)
        r->pass_files += (pass[p] & PF_SELF) != 0;
    filter_sizes(r);
    rows_rebuild(r);
}

int rows_set_filter(struct rows *r, const char *text, char *err, size_t errlen)
{
    const struct model *m = r->m;
    if (!text || !*text) {
        rows_set_pass(r, NULL, NULL);
        return 0;
    }
    struct path_filter *f = path_filter_new(text, err, errlen);
    if (!f)
        return -1;
    uint8_t *pass = xcalloc(m->n_paths ? m->n_paths : 1, 1);
    path_filter_mark(f, m, pass);
    path_filter_free(f);
    char label[300];
    snprintf(label, sizeof label, "/%s/", text);
    rows_set_pass(r, pass, label);
    snprintf(r->filter, sizeof r->filter, "%s", text);
    return 0;
}

static void splice(struct rows *r, uint32_t at, const struct rowvec *ins)
{
    if (!ins->n)
        return;
    ARR_GROW(r->v, r->cap, r->n, ins->n);
    memmove(r->v + at + ins->n, r->v + at, (r->n - at) * sizeof *r->v);
    memcpy(r->v + at, ins->v, ins->n * sizeof *r->v);
    r->n += ins->n;
}

int rows_open(struct rows *r, uint32_t i)
{
    if (i >= r->n)
        return 0;
    uint32_t node = r->v[i].node;
    if (r->open[node] || !rows_has_children(r, node))
        return 0;
    r->open[node] = 1;
    struct rowvec o = {0};
    emit_children(r, node, r->v[i].depth + 1u, &o);
    splice(r, i + 1, &o);
    free(o.v);
    return 1;
}

int rows_close(struct rows *r, uint32_t i)
{
    if (i >= r->n)
        return 0;
    uint32_t node = r->v[i].node;
    if (!r->open[node])
        return 0;
    r->open[node] = 0;
    uint32_t j = i + 1;
    while (j < r->n && r->v[j].depth > r->v[i].depth)
        j++;
    memmove(r->v + i + 1, r->v + j, (r->n - j) * sizeof *r->v);
    r->n -= j - (i + 1);
    return 1;
}

void rows_set_all_open(struct rows *r, int open)
{
    for (uint32_t p = 0; p < r->m->n_paths; p++)
        r->open[p] = (uint8_t)(open && model_first_child(r->m, p));
    rows_rebuild(r);
}

long rows_find(const struct rows *r, uint32_t node)
{
    for (uint32_t i = 0; i < r->n; i++)
        if (r->v[i].node == node)
            return (long)i;
    return -1;
}

long rows_parent(const struct rows *r, uint32_t i)
{
    if (i >= r->n || r->v[i].depth == 0)
        return -1;
    for (long j = (long)i - 1; j >= 0; j--)
        if (r->v[j].depth < r->v[i].depth)
            return j;
    return -1;
}

long rows_reveal(struct rows *r, uint32_t node)
{
    if (!rows_shown(r, node))
        return -1;
    int changed = 0;
    for (uint32_t a = r->m->paths[node].parent; a > MODEL_ROOT; a = r->m->paths[a].parent)
        if (!r->open[a]) {
            r->open[a] = 1;
            changed = 1;
        }
    if (changed)
        rows_rebuild(r);
    return rows_find(r, node);
}

/* Display order of two shown nodes: compare the first differing ancestors as siblings. */
static int display_cmp(const struct rows *r, uint32_t a, uint32_t b)
{
    uint32_t ca[512], cb[512];
    size_t na = 0, nb = 0;
    for (uint32_t p = a; p > MODEL_ROOT && na < 512; p = r->m->paths[p].parent)
        ca[na++] = p;
    for (uint32_t p = b; p > MODEL_ROOT && nb < 512; p = r->m->paths[p].parent)
        cb[nb++] = p;
    while (na && nb && ca[na - 1] == cb[nb - 1]) {
        na--;
        nb--;
    }
    if (!na || !nb)
        return na ? 1 : nb ? -1 : 0;   /* an ancestor comes first */
    return sib_cmp(r, ca[na - 1], cb[nb - 1]);
}

static int display_qcmp(const void *pa, const void *pb)
{
    return display_cmp(sort_ctx, *(const uint32_t *)pa, *(const uint32_t *)pb);
}

size_t rows_search(struct rows *r, const char *text, uint32_t **out)
{
    size_t k = 0, cap = 64;
    uint32_t *hits = xmalloc(cap * sizeof *hits);
    if (text && *text && r->cur) {
        for (uint32_t p = MODEL_ROOT + 1; p < r->m->n_paths; p++) {
            if (!name_has(model_name(r->m, p), text) || !rows_shown(r, p))
                continue;
            ARR_GROW(hits, cap, k, 1);
            hits[k++] = p;
        }
        sort_ctx = r;
        qsort(hits, k, sizeof *hits, display_qcmp);
    }
    *out = hits;
    return k;
}

static const struct model *name_ctx;

static int name_qcmp(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    int c = strcmp(model_name(name_ctx, a), model_name(name_ctx, b));
    return c ? c : (a < b ? -1 : a > b);
}

/* Rank of every path in a depth-first walk with siblings by name: the order of absolute paths,
 * made once (O(paths log paths)) so that sorting matches is an integer compare. */
static void make_rank(struct rows *r)
{
    const struct model *m = r->m;
    uint32_t n = m->n_paths, k = 0, top = 0;
    r->rank = xcalloc(n ? n : 1, sizeof *r->rank);
    uint32_t *stack = xmalloc((n ? n : 1) * sizeof *stack), *kids = NULL;
    size_t cap = 0;
    stack[top++] = MODEL_ROOT;
    name_ctx = m;
    while (top) {
        uint32_t p = stack[--top];
        r->rank[p] = k++;
        size_t nk = 0;
        for (uint32_t c = model_first_child(m, p); c; c = m->paths[c].next_sibling) {
            ARR_GROW(kids, cap, nk, 1);
            kids[nk++] = c;
        }
        qsort(kids, nk, sizeof *kids, name_qcmp);
        while (nk)                       /* pushed last to first: the first name pops first */
            stack[top++] = kids[--nk];
    }
    free(stack);
    free(kids);
}

static const struct rows *rank_ctx;

static int rank_qcmp(const void *pa, const void *pb)
{
    uint32_t a = rank_ctx->rank[*(const uint32_t *)pa], b = rank_ctx->rank[*(const uint32_t *)pb];
    return a < b ? -1 : a > b;
}

size_t rows_search_all(struct rows *r, const char *text, uint32_t **out)
{
    const struct model *m = r->m;
    size_t k = 0, cap = 64;
    uint32_t *hits = xmalloc(cap * sizeof *hits);
    for (uint32_t p = MODEL_ROOT + 1; text && *text && p < m->n_paths; p++) {
        if (!name_has(model_name(m, p), text))
            continue;
        int written = 0;
        for (uint32_t v = m->path_first ? m->path_first[p] : 0; v && !written; v = m->entries[v].next_version)
            written = !is_marker(&m->entries[v]) && m->entries[v].layer != LAYER_NONE;
        if (!written)
            continue;
        ARR_GROW(hits, cap, k, 1);
        hits[k++] = p;
    }
    if (k > 1) {
        if (!r->rank)
            make_rank(r);
        rank_ctx = r;
        qsort(hits, k, sizeof *hits, rank_qcmp);
    }
    *out = hits;
    return k;
}

const char *rows_where(const struct model *m, uint32_t node, int cur_layer, int *show_layer, char *buf,
                       size_t n)
{
    int layers[8], nl = 0, more = 0, last = -1, gone = -1, here = 0;
    for (uint32_t v = m->path_first ? m->path_first[node] : 0; v; v = m->entries[v].next_version) {
        const struct entry *e = &m->entries[v];
        if (is_marker(e) || e->layer == LAYER_NONE)
            continue;
        if (nl < 8)
            layers[nl++] = e->layer;
        else
            more = 1;
        last = e->layer;
        gone = e->hidden_at != LAYER_NONE && (e->flags & EF_DELETED) ? e->hidden_at : -1;
        if (cur_layer >= 0 && e->layer <= cur_layer && e->hidden_at > cur_layer)
            here = 1;
    }
    *show_layer = here ? cur_layer : last;
    size_t o = (size_t)snprintf(buf, n, "in layer%s", nl > 1 ? "s" : "");
    for (int i = 0; i < nl && o < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "%s %d", i ? "," : "", layers[i]);
    if (more && o < n)
        o += (size_t)snprintf(buf + o, n - o, ", …");
    if (gone >= 0 && o < n)
        snprintf(buf + o, n - o, ", deleted in %d", gone);
    return buf;
}
