/* waste_dead.c: dead bytes, the versions of files a later layer overwrote ("shadowed") or
 * deleted: every copy of the image still ships them. Each kind is one category, blamed per
 * (writer, hider) pair of layers, with a fix for the layer that can change. */
#include "analysis/waste_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/secrets.h"
#include "src/util.h"

/* Ties go by layer, then by the entry's place in its layer's tar: the same whichever way the
 * input was read (entry indices are not: a stream meets the blobs in another order). */
static int cmp_dead(const void *x, const void *y, void *ctx)
{
    const struct model *dead_model = ctx;
    const struct dead_file *a = x, *b = y;
    if (a->size != b->size)
        return a->size < b->size ? 1 : -1;
    if (a->layer != b->layer)
        return a->layer < b->layer ? -1 : 1;
    uint32_t pa = a->entry - dead_model->layers[a->layer].first_entry;
    uint32_t pb = b->entry - dead_model->layers[b->layer].first_entry;
    return pa < pb ? -1 : pa > pb;
}

static int cmp_blame_key(const void *x, const void *y)
{
    const struct waste_blame *a = x, *b = y;
    if (a->layer != b->layer)
        return a->layer < b->layer ? -1 : 1;
    return (a->hidden_by > b->hidden_by) - (a->hidden_by < b->hidden_by);
}

static int cmp_blame_bytes(const void *x, const void *y)
{
    const struct waste_blame *a = x, *b = y;
    if (a->bytes != b->bytes)
        return a->bytes < b->bytes ? 1 : -1;
    return cmp_blame_key(x, y);
}

/* The dead bytes of one kind per (writer, hider) pair, largest first. */
static void blame_pairs(const struct analysis *a, const struct image *img, int del, struct waste_cat *c)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_dead; i++)
        n += a->dead[i].deleted == del;
    if (!n)
        return;
    struct waste_blame *v = xcalloc(n, sizeof *v);
    n = 0;
    for (size_t i = 0; i < a->n_dead; i++)
        if (a->dead[i].deleted == del)
            v[n++] = (struct waste_blame){a->dead[i].layer, a->dead[i].hidden_at, a->dead[i].size, 1, 0};
    qsort(v, n, sizeof *v, cmp_blame_key);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && v[k - 1].layer == v[i].layer && v[k - 1].hidden_by == v[i].hidden_by) {
            v[k - 1].bytes += v[i].bytes;
            v[k - 1].files++;
        } else {
            v[k++] = v[i];
        }
    }
    qsort(v, k, sizeof *v, cmp_blame_bytes);
    /* the boundary once: it walks the history, and an image can have 30,000 layers to blame */
    size_t nbase = analysis_base_layers(img);
    for (size_t i = 0; i < k; i++)
        v[i].from_base = v[i].layer >= 0 && (size_t)v[i].layer < nbase;
    c->blame = v;
    c->n_blame = k;
}

/* "RUN rm -rf /tmp/build … (layer 6)", or "layer 6" when history does not name it. */
static char *who(const struct analysis *a, const struct image *img, int layer)
{
    char *si = waste_short_instr(waste_layer_instr(a, img, layer));
    char *out = *si ? xasprintf("%s (layer %d)", si, layer) : xasprintf("layer %d", layer);
    free(si);
    return out;
}

/* The fix for dead bytes speaks to the layer that can change: the one that wrote them when it is
 * the user's (delete in the same RUN, merge the RUNs), the one that hid them when the base image
 * wrote them (an apt-get upgrade or an rm of the base's files: the choice of base). */
static char *dead_fix(const struct analysis *a, const struct image *img, int del,
                      const struct waste_blame *top, const char *size)
{
    char *w = who(a, img, top->layer), *h = who(a, img, top->hidden_by), *out;
    if (top->from_base && waste_is_base(img, top->hidden_by))
        out = xasprintf("from the base image (%s): its own layers %s these files; choose a leaner "
                        "base image", size, del ? "delete" : "rewrite");
    else if (top->from_base && del)
        out = xasprintf("%s deletes files from the base image (%s): they stay in the image; "
                        "choose a base image without them instead of deleting them", h, size);
    else if (top->from_base)
        out = xasprintf("%s rewrites files from the base image (%s), as a package upgrade does: "
                        "choose a newer base image instead of upgrading in a layer", h, size);
    else if (del)
        out = xasprintf("%s: files deleted by layer %d still ship (%s): delete them in the same "
                        "RUN that creates them, or use a multi-stage build", w, top->hidden_by, size);
    else
        out = xasprintf("%s rewrites files of %s (%s): use COPY --chmod/--chown instead of RUN "
                        "chmod/chown, and merge RUNs that rewrite files", h, w, size);
    free(w);
    free(h);
    return out;
}

static void dead_cats(struct analysis *a, const struct image *img, const struct model *m)
{
    for (int del = 0; del <= 1; del++) {
        const char *id = del ? "deleted" : "shadowed";
        if (analysis_ignored(a, id))
            continue;
        uint64_t bytes = del ? m->deleted_bytes : m->shadowed_bytes;
        if (!bytes)
            continue;
        struct waste_cat c = {.id = id, .severity = SEV_LOW, .bytes = bytes, .layer = -1, .hidden_by = -1};
        c.title = del ? "deleted in a later layer" : "overwritten in a later layer";
        uint64_t best = 0;
        for (uint32_t L = 0; L < m->n_layers; L++) {
            uint64_t b = del ? m->layers[L].deleted_bytes : m->layers[L].shadowed_bytes;
            if (b > best) {
                best = b;
                c.layer = (int)L;
            }
        }
        c.from_base = waste_is_base(img, c.layer);
        char buf[64];
        c.paths = xcalloc(WASTE_TOPK, sizeof *c.paths);
        for (size_t i = 0; i < a->n_dead; i++) {
            if (a->dead[i].deleted != del)
                continue;
            c.files++;
            if (c.n_paths < WASTE_TOPK) {
                char pb[4096];
                c.paths[c.n_paths++] = xstrdup(model_path_str(m, m->entries[a->dead[i].entry].path,
                                                              pb, sizeof pb));
            }
        }
        blame_pairs(a, img, del, &c);
        /* the hider of most bytes, over every writer */
        uint64_t *by = xcalloc(m->n_layers ? m->n_layers : 1, sizeof *by);
        best = 0;
        for (size_t i = 0; i < c.n_blame; i++)
            if (c.blame[i].hidden_by >= 0 && (uint32_t)c.blame[i].hidden_by < m->n_layers &&
                (by[c.blame[i].hidden_by] += c.blame[i].bytes) > best) {
                best = by[c.blame[i].hidden_by];
                c.hidden_by = c.blame[i].hidden_by;
            }
        free(by);
        fmt_size(bytes, buf, sizeof buf);
        if (c.n_blame) {
            c.fix = dead_fix(a, img, del, &c.blame[0], buf);
        } else {    /* dead bytes with no file behind them (a model without entries): as before */
            c.fix = waste_make_fix(a, img, c.layer,
                             del ? "deleting in a later layer does not shrink the image: delete in "
                                   "the same RUN that creates the files, or use a multi-stage build (%s)"
                                 : "later layers rewrite these files (%s): use COPY --chmod/--chown "
                                   "instead of RUN chmod/chown, and merge RUNs that rewrite files",
                             buf, 0);
        }
        waste_push_cat(a, &c);
    }
}

/* Dead files: every hidden version of a regular file with bytes, into a->dead (largest
 * first), and the "shadowed" and "deleted" categories they make. */
void waste_dead_run(struct analysis *a, const struct image *img)
{
    const struct model *m = &img->model;
    size_t n = 0;
    for (uint32_t e = 1; e < m->n_entries; e++) {
        const struct entry *en = &m->entries[e];
        if (en->hidden_at != LAYER_NONE && en->size && entry_is_reg(en) && en->layer != LAYER_NONE)
            n++;
    }
    a->dead = n ? xcalloc(n, sizeof *a->dead) : NULL;
    for (uint32_t e = 1; e < m->n_entries; e++) {
        const struct entry *en = &m->entries[e];
        if (en->hidden_at != LAYER_NONE && en->size && entry_is_reg(en) && en->layer != LAYER_NONE)
            a->dead[a->n_dead++] = (struct dead_file){e, en->size, en->layer, en->hidden_at,
                                                      (en->flags & EF_DELETED) != 0};
    }
    if (a->n_dead)
        qsort_r(a->dead, a->n_dead, sizeof *a->dead, cmp_dead, (void *)m);
    dead_cats(a, img, m);
}
