/* finding_groups.c: the findings as a tree of groups (see finding_groups.h). Built once after
 * the analysis, in O(dead files * path depth + groups log groups). */
#include "analysis/finding_groups.h"

#include <stdlib.h>
#include <string.h>

#include "analysis/advice_report.h"
#include "analysis/analysis_int.h"
#include "src/util.h"

static uint32_t add(struct fgroups *g, uint32_t parent, int kind, int cls, uint32_t ref, uint32_t ref2)
{
    ARR_GROW(g->v, g->cap, g->n, 1);
    g->v[g->n] = (struct fgroup){.parent = parent, .ref = ref, .ref2 = ref2, .kind = (uint8_t)kind,
                                 .cls = (uint8_t)cls};
    return g->n++;
}

/* Dead files of one category, by (hiding layer, path) so each layer's files are contiguous. */
static const struct analysis *sort_an;
static const struct model *sort_m;

static int cmp_dead(const void *x, const void *y)
{
    const struct dead_file *a = &sort_an->dead[*(const uint32_t *)x], *b = &sort_an->dead[*(const uint32_t *)y];
    if (a->hidden_at != b->hidden_at)
        return a->hidden_at < b->hidden_at ? -1 : 1;
    uint32_t pa = sort_m->entries[a->entry].path, pb = sort_m->entries[b->entry].path;
    return pa < pb ? -1 : pa > pb;
}

/* One layer's dead files under group `lg`: a group per folder on their paths (dir -> group in
 * gidx, reset through `touched`), the files under their folder's group. */
static void add_layer_files(struct fgroups *g, const struct analysis *an, const struct model *m, uint32_t lg,
                            int cls, const uint32_t *idx, size_t n, uint32_t *gidx, uint32_t **touched,
                            size_t *cap_t)
{
    size_t nt = 0;
    uint32_t chain[512];
    for (size_t k = 0; k < n; k++) {
        const struct dead_file *d = &an->dead[idx[k]];
        if (d->entry >= m->n_entries)
            continue;
        uint32_t dir = m->paths[m->entries[d->entry].path].parent;
        size_t nc = 0;
        for (uint32_t p = dir; p > MODEL_ROOT && p < m->n_paths && !gidx[p] && nc < 512; p = m->paths[p].parent)
            chain[nc++] = p;
        /* top-down, so that a group's parent always has a smaller index */
        while (nc > 0) {
            uint32_t p = chain[--nc], q = m->paths[p].parent;
            uint32_t parent = q > MODEL_ROOT && gidx[q] ? gidx[q] : lg;
            gidx[p] = add(g, parent, FG_FOLDER, cls, p, 0);
            ARR_GROW(*touched, *cap_t, nt, 1);
            (*touched)[nt++] = p;
        }
        uint32_t parent = dir > MODEL_ROOT && dir < m->n_paths && gidx[dir] ? gidx[dir] : lg;
        uint32_t f = add(g, parent, FG_DEAD, cls, idx[k], 0);
        g->v[f].bytes = d->size;
        g->v[f].count = 1;
    }
    for (size_t i = 0; i < nt; i++)
        gidx[(*touched)[i]] = 0;
}

static void add_dead_cat(struct fgroups *g, const struct analysis *an, const struct model *m, size_t cat,
                         int deleted)
{
    uint32_t c = add(g, 0, FG_DEADCAT, deleted ? FK_DEL : FK_OVER, (uint32_t)cat, 0);
    size_t n = 0;
    uint32_t *idx = xmalloc((an->n_dead ? an->n_dead : 1) * sizeof *idx);
    for (size_t i = 0; i < an->n_dead; i++)
        if (!an->dead[i].deleted == !deleted)
            idx[n++] = (uint32_t)i;
    sort_an = an;
    sort_m = m;
    qsort(idx, n, sizeof *idx, cmp_dead);
    uint32_t *gidx = xcalloc(m->n_paths ? m->n_paths : 1, sizeof *gidx), *touched = NULL;
    size_t cap_t = 0;
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && an->dead[idx[b]].hidden_at == an->dead[idx[a]].hidden_at)
            b++;
        uint32_t lg = add(g, c, FG_LAYER, deleted ? FK_DEL : FK_OVER, an->dead[idx[a]].hidden_at, 0);
        add_layer_files(g, an, m, lg, deleted ? FK_DEL : FK_OVER, idx + a, b - a, gidx, &touched, &cap_t);
        a = b;
    }
    free(touched);
    free(gidx);
    free(idx);
}

/* A folder group with one child gives its place to the child: chains of folders become one
 * row, a folder of one file becomes the file. Then dropped groups are squeezed out. */
static void compress(struct fgroups *g)
{
    uint32_t n = g->n;
    uint32_t *cnt = xcalloc(n, sizeof *cnt), *only = xcalloc(n, sizeof *only), *map = xcalloc(n, sizeof *map);
    uint8_t *gone = xcalloc(n, 1);
    for (uint32_t i = 1; i < n; i++) {
        cnt[g->v[i].parent]++;
        only[g->v[i].parent] = i;
    }
    for (uint32_t i = 1; i < n; i++) {
        if (g->v[i].kind != FG_FOLDER || cnt[i] != 1)
            continue;
        uint32_t c = only[i], p = g->v[i].parent;
        g->v[c].parent = p;
        if (only[p] == i)
            only[p] = c;
        gone[i] = 1;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (gone[i])
            continue;
        map[i] = k;
        g->v[k] = g->v[i];
        if (k)
            g->v[k].parent = map[g->v[k].parent];   /* parents come first: already mapped */
        k++;
    }
    g->n = k;
    free(cnt);
    free(only);
    free(map);
    free(gone);
}

static const struct fgroups *sort_g;

static int cmp_group(const void *x, const void *y)
{
    const struct fgroup *a = &sort_g->v[*(const uint32_t *)x], *b = &sort_g->v[*(const uint32_t *)y];
    if ((a->kind == FG_SECRETS) != (b->kind == FG_SECRETS))
        return a->kind == FG_SECRETS ? -1 : 1;
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes ? -1 : 1;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    uint32_t ia = *(const uint32_t *)x, ib = *(const uint32_t *)y;
    return ia < ib ? -1 : ia > ib;
}

/* Child lists from the parent links, each sorted largest first (secrets and a category's top
 * paths keep the analysis' order). */
static void link_children(struct fgroups *g)
{
    uint32_t n = g->n;
    uint32_t *last = xcalloc(n, sizeof *last);
    for (uint32_t i = 0; i < n; i++)
        g->v[i].first = g->v[i].next = 0;
    for (uint32_t i = 1; i < n; i++) {
        uint32_t p = g->v[i].parent;
        if (last[p])
            g->v[last[p]].next = i;
        else
            g->v[p].first = i;
        last[p] = i;
        g->v[i].depth = p ? (uint16_t)(g->v[p].depth + 1) : 0;
    }
    free(last);
    uint32_t *kids = NULL;
    size_t cap = 0;
    sort_g = g;
    for (uint32_t p = 0; p < n; p++) {
        if (g->v[p].kind == FG_SECRETS || g->v[p].kind == FG_CAT || !g->v[p].first)
            continue;
        size_t k = 0;
        for (uint32_t c = g->v[p].first; c; c = g->v[c].next) {
            ARR_GROW(kids, cap, k, 1);
            kids[k++] = c;
        }
        qsort(kids, k, sizeof *kids, cmp_group);
        g->v[p].first = kids[0];
        for (size_t i = 0; i + 1 < k; i++)
            g->v[kids[i]].next = kids[i + 1];
        g->v[kids[k - 1]].next = 0;
    }
    free(kids);
}

void fgroups_build(struct fgroups *g, const struct analysis *an, const struct model *m, const struct image *img)
{
    memset(g, 0, sizeof *g);
    add(g, 0, FG_ROOT, 0, 0, 0);
    if (!an)
        return;
    if (an->n_secrets) {
        uint32_t s = add(g, 0, FG_SECRETS, FK_SECRET, 0, 0);
        g->v[s].count = (uint32_t)an->n_secrets;
        for (size_t i = 0; i < an->n_secrets; i++)
            g->v[add(g, s, FG_SECRET, FK_SECRET, (uint32_t)i, 0)].count = 1;
    }
    for (size_t i = 0; i < an->n_cats; i++) {
        const struct waste_cat *c = &an->cats[i];
        int del = !strcmp(c->id, "deleted"), over = !strcmp(c->id, "shadowed");
        if (del || over) {
            add_dead_cat(g, an, m, i, del);
            continue;
        }
        uint32_t k = add(g, 0, FG_CAT, FK_JUNK, (uint32_t)i, 0);
        g->v[k].bytes = c->bytes;
        g->v[k].count = c->files;
        for (size_t j = 0; j < c->n_paths; j++)
            add(g, k, FG_CATPATH, FK_JUNK, (uint32_t)i, (uint32_t)j);
    }
    uint32_t pk = 0;
    for (size_t i = 0; i < an->n_pkgs; i++) {
        const struct package *p = &an->pkgs[i];
        if (!p->build_only)
            continue;
        if (!pk)
            pk = add(g, 0, FG_PKGS, FK_PKG, 0, 0);
        uint32_t k = add(g, pk, FG_PACKAGE, FK_PKG, (uint32_t)i, 0);
        g->v[k].bytes = p->bytes;
        g->v[k].count = p->files;
        g->v[pk].bytes = sat_add(g->v[pk].bytes, p->bytes);
    }
    if (img) {
        struct advice_item it[16];
        size_t na = advice_items(img, an, it, 16);
        if (na) {
            /* the category sorts by its largest piece: the pieces' bytes overlap (a base and
             * the devel toolchain in it), so they are not summed */
            uint32_t ag = add(g, 0, FG_ADVICE, FK_ADVICE, 0, 0);
            g->v[ag].count = (uint32_t)na;
            for (size_t i = 0; i < na; i++) {
                uint32_t k = add(g, ag, FG_ADVICE_ITEM, FK_ADVICE, (uint32_t)i, 0);
                g->v[k].bytes = it[i].bytes;
                g->v[k].count = 1;
                if (it[i].bytes > g->v[ag].bytes)
                    g->v[ag].bytes = it[i].bytes;
            }
        }
        advice_items_free(it, na);
    }
    compress(g);
    /* totals of the dead-file groups: children have larger indices than their parents */
    for (uint32_t i = g->n - 1; i > 0; i--) {
        struct fgroup *p = &g->v[g->v[i].parent];
        if (p->kind == FG_DEADCAT || p->kind == FG_LAYER || p->kind == FG_FOLDER) {
            p->bytes = sat_add(p->bytes, g->v[i].bytes);
            p->count += g->v[i].count;
        } else if (p->kind == FG_PKGS) {
            p->count++;
        }
    }
    link_children(g);
}

void fgroups_free(struct fgroups *g)
{
    free(g->v);
    memset(g, 0, sizeof *g);
}

const char *fgroups_label(const struct fgroups *g, const struct analysis *an, const struct model *m,
                          uint32_t i, char *buf, size_t n)
{
    uint32_t node = 0;
    buf[0] = 0;
    if (i >= g->n)
        return buf;
    if (g->v[i].kind == FG_FOLDER)
        node = g->v[i].ref;
    else if (g->v[i].kind == FG_DEAD && g->v[i].ref < an->n_dead && an->dead[g->v[i].ref].entry < m->n_entries)
        node = m->entries[an->dead[g->v[i].ref].entry].path;
    if (!node)
        return buf;
    uint32_t base = 0;
    for (uint32_t p = g->v[i].parent; p && !base; p = g->v[p].parent)
        if (g->v[p].kind == FG_FOLDER)
            base = g->v[p].ref;
    model_path_str(m, node, buf, n);
    if (base) {
        char b[4096];
        size_t bl = strlen(model_path_str(m, base, b, sizeof b));
        if (!strncmp(buf, b, bl) && buf[bl] == '/')
            memmove(buf, buf + bl + 1, strlen(buf + bl + 1) + 1);
    }
    return buf;
}

uint32_t fgroups_package_of(const struct analysis *an, const struct model *m, uint32_t node)
{
    const struct analysis_priv *p = an ? PRIV(an) : NULL;
    if (!p || !p->owner || node >= m->n_paths)
        return 0;
    return p->owner[node];
}
