#include "analysis/diff.h"

#include <stdlib.h>
#include <string.h>

#include "src/util.h"

/* ---------------------------------------------------------------- the parallel walk */

struct side {
    const struct image *img;
    const struct analysis *an;
    const struct model *m;
    uint8_t *present;        /* per path node: in the final filesystem (own entry or below) */
    int hashed;              /* the analysis can give content hashes */
};

struct fvec { struct diff_file *v; size_t n, cap; };

struct walk {
    const struct image_diff *d;
    struct side s[2];
    char *path; size_t len, cap;        /* path of the current node, no trailing '/' */
    struct fvec only[2], changed;       /* NULL-free when only the tree is wanted */
    int want_files;
    struct diff_tree *tree;             /* NULL when only the files are wanted */
};

struct kid { const char *name; uint32_t node; };

static int kid_cmp(const void *x, const void *y)
{
    return strcmp(((const struct kid *)x)->name, ((const struct kid *)y)->name);
}

/* Present children of `node`, sorted by name; *n set. Caller frees. */
static struct kid *kids_of(const struct side *s, uint32_t node, size_t *n)
{
    *n = 0;
    if (!node)
        return NULL;
    size_t cnt = 0;
    for (uint32_t c = s->m->paths[node].first_child; c; c = s->m->paths[c].next_sibling)
        cnt += s->present[c];
    if (!cnt)
        return NULL;
    struct kid *k = xreallocarray(NULL, cnt, sizeof *k);
    for (uint32_t c = s->m->paths[node].first_child; c; c = s->m->paths[c].next_sibling)
        if (s->present[c])
            k[(*n)++] = (struct kid){model_name(s->m, c), c};
    qsort(k, *n, sizeof *k, kid_cmp);
    return k;
}

static uint8_t *present_map(const struct model *m)
{
    uint8_t *p = xcalloc(m->n_paths ? m->n_paths : 1, 1);
    if (!m->path_final || m->n_paths <= MODEL_ROOT)
        return p;
    /* A parent is always interned before its children: one pass from the top index down. */
    for (uint32_t i = m->n_paths - 1; i > MODEL_ROOT; i--) {
        uint32_t e = m->path_final[i];
        if (e && !(m->entries[e].flags & EF_WHITEOUT))
            p[i] = 1;
        if (p[i])
            p[m->paths[i].parent] = 1;
    }
    p[MODEL_ROOT] = 1;
    return p;
}

/* Final visible non-directory entry of a node, 0 if none (absent or a directory). */
static uint32_t file_entry(const struct side *s, uint32_t node)
{
    if (!node || !s->m->path_final)
        return 0;
    uint32_t e = s->m->path_final[node];
    if (!e)
        return 0;
    const struct entry *en = &s->m->entries[e];
    if ((en->flags & EF_WHITEOUT) || entry_is_dir(en))
        return 0;
    return e;
}

static const char *link_of(const struct side *s, uint32_t e)
{
    if (!s->m->ext || !s->m->ext[e].link)
        return "";
    return strpool_get(&s->m->names, s->m->ext[e].link);
}

static int files_differ(const struct walk *w, uint32_t ea, uint32_t eb)
{
    const struct entry *x = &w->s[0].m->entries[ea], *y = &w->s[1].m->entries[eb];
    if ((x->mode & 0170000) != (y->mode & 0170000))
        return 1;
    if ((x->flags & EF_HARDLINK) != (y->flags & EF_HARDLINK))
        return 1;
    if (x->size != y->size)
        return 1;
    if (strcmp(link_of(&w->s[0], ea), link_of(&w->s[1], eb)) != 0)
        return 1;
    uint64_t ha, hb;
    if (w->s[0].hashed && w->s[1].hashed && analysis_entry_hash(w->s[0].an, ea, &ha) &&
        analysis_entry_hash(w->s[1].an, eb, &hb) && ha != hb)
        return 1;
    return 0;
}

static void fvec_push(struct fvec *v, const struct walk *w, uint32_t ea, uint32_t eb)
{
    ARR_GROW(v->v, v->cap, v->n, 1);
    struct diff_file *f = &v->v[v->n++];
    memset(f, 0, sizeof *f);
    f->path = xstrndup(w->len ? w->path : "/", w->len ? w->len : 1);
    f->entry_a = ea;
    f->entry_b = eb;
    f->a_layer = f->b_layer = -1;
    f->a_by = f->b_by = "";
    for (int i = 0; i < 2; i++) {
        uint32_t e = i ? eb : ea;
        if (!e)
            continue;
        const struct side *s = &w->s[i];
        const struct entry *en = &s->m->entries[e];
        uint64_t bytes = entry_is_reg(en) ? en->size : 0;
        int layer = en->layer;
        /* the analysis' masked copy: a RUN line may carry a secret value */
        const char *by = analysis_layer_instruction(s->an, s->img, (size_t)layer);
        if (i) { f->b_bytes = bytes; f->b_layer = layer; f->b_by = by; }
        else { f->a_bytes = bytes; f->a_layer = layer; f->a_by = by; }
    }
}

static void path_push(struct walk *w, const char *name, size_t *saved)
{
    size_t n = strlen(name);
    *saved = w->len;
    ARR_GROW(w->path, w->cap, w->len, n + 2);
    w->path[w->len++] = '/';
    memcpy(w->path + w->len, name, n);
    w->len += n;
    w->path[w->len] = 0;
}

static uint32_t tree_add(struct diff_tree *t, uint32_t parent, uint32_t prev, uint32_t a, uint32_t b,
                         uint16_t depth)
{
    ARR_GROW(t->v, t->cap, t->n, 1);
    uint32_t i = t->n++;
    struct diff_node *d = &t->v[i];
    memset(d, 0, sizeof *d);
    d->a = a;
    d->b = b;
    d->parent = parent;
    d->depth = depth;
    if (prev)
        t->v[prev].next_sibling = i;
    else if (parent)
        t->v[parent].first_child = i;
    return i;
}

/* Compares the pair (na in A, nb in B), either may be 0, then their children merged by name.
 * Returns the DK_* mask of the subtree. `self` is the tree node of this pair (0 without tree). */
static uint8_t walk_pair(struct walk *w, uint32_t na, uint32_t nb, uint32_t self, uint16_t depth)
{
    uint32_t ea = file_entry(&w->s[0], na), eb = file_entry(&w->s[1], nb);
    uint8_t kind;
    if (na && nb) {
        if (ea && eb)
            kind = files_differ(w, ea, eb) ? DK_CHANGED : DK_SAME;
        else if (ea || eb)
            kind = DK_CHANGED;      /* a file facing a directory */
        else
            kind = DK_SAME;
    } else {
        kind = na ? DK_ONLY_A : DK_ONLY_B;
    }
    if (w->want_files && (ea || eb)) {
        if (ea && eb) {
            if (kind == DK_CHANGED)
                fvec_push(&w->changed, w, ea, eb);
        } else if (ea) {
            fvec_push(&w->only[0], w, ea, 0);
        } else {
            fvec_push(&w->only[1], w, 0, eb);
        }
    }

    size_t n1, n2;
    struct kid *k1 = kids_of(&w->s[0], na, &n1), *k2 = kids_of(&w->s[1], nb, &n2);
    uint8_t mask = kind;
    size_t i = 0, j = 0;
    uint32_t prev = 0;
    while (i < n1 || j < n2) {
        int c = i == n1 ? 1 : j == n2 ? -1 : strcmp(k1[i].name, k2[j].name);
        uint32_t ca = c <= 0 ? k1[i].node : 0, cb = c >= 0 ? k2[j].node : 0;
        size_t saved;
        path_push(w, c <= 0 ? k1[i].name : k2[j].name, &saved);
        uint32_t child = 0;
        if (w->tree) {
            child = tree_add(w->tree, self, prev, ca, cb, depth);
            prev = child;
        }
        mask |= walk_pair(w, ca, cb, child, (uint16_t)(depth + 1));
        w->len = saved;
        w->path[w->len] = 0;
        if (c <= 0)
            i++;
        if (c >= 0)
            j++;
    }
    free(k1);
    free(k2);
    if (w->tree && self) {
        struct diff_node *d = &w->tree->v[self];
        d->kind = kind;
        d->mask = mask;
        d->a_bytes = na && w->s[0].m->path_final_size ? w->s[0].m->path_final_size[na] : 0;
        d->b_bytes = nb && w->s[1].m->path_final_size ? w->s[1].m->path_final_size[nb] : 0;
    }
    return mask;
}

static void walk_init(struct walk *w, const struct image_diff *d)
{
    memset(w, 0, sizeof *w);
    w->d = d;
    for (int i = 0; i < 2; i++) {
        struct side *s = &w->s[i];
        s->img = i ? d->b : d->a;
        s->an = i ? d->ab : d->aa;
        s->m = &s->img->model;
        s->present = present_map(s->m);
        s->hashed = s->an && s->an->priv && !s->an->opts.no_content;
    }
    w->cap = 256;
    w->path = xmalloc(w->cap);
    w->path[0] = 0;
}

static void walk_run(struct walk *w, uint32_t root_self)
{
    uint32_t ra = w->s[0].m->n_paths > MODEL_ROOT ? MODEL_ROOT : 0;
    uint32_t rb = w->s[1].m->n_paths > MODEL_ROOT ? MODEL_ROOT : 0;
    walk_pair(w, ra, rb, root_self, 0);
}

static void walk_fini(struct walk *w)
{
    for (int i = 0; i < 2; i++)
        free(w->s[i].present);
    free(w->path);
}

/* ---------------------------------------------------------------- side-by-side counts */

struct keyed { const char *k1, *k2; int side; uint64_t v; const void *src; };

static int keyed_cmp(const void *x, const void *y)
{
    const struct keyed *a = x, *b = y;
    int c = strcmp(a->k1, b->k1);
    if (!c)
        c = strcmp(a->k2, b->k2);
    return c ? c : a->side - b->side;
}

static int count_cmp(const void *x, const void *y)
{
    const struct diff_side_count *a = x, *b = y;
    uint64_t ma = a->a > a->b ? a->a : a->b, mb = b->a > b->b ? b->a : b->b;
    if (ma != mb)
        return ma > mb ? -1 : 1;
    return strcmp(a->id, b->id);
}

static uint64_t absdiff(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

static int pkg_cmp(const void *x, const void *y)
{
    const struct diff_pkg *a = x, *b = y;
    uint64_t da = absdiff(a->a_bytes, a->b_bytes), db = absdiff(b->a_bytes, b->b_bytes);
    if (da != db)
        return da > db ? -1 : 1;
    int c = strcmp(a->ecosystem, b->ecosystem);
    return c ? c : strcmp(a->name, b->name);
}

static int file_cmp(const void *x, const void *y)
{
    const struct diff_file *a = x, *b = y;
    uint64_t ma = a->a_bytes > a->b_bytes ? a->a_bytes : a->b_bytes;
    uint64_t mb = b->a_bytes > b->b_bytes ? b->a_bytes : b->b_bytes;
    if (ma != mb)
        return ma > mb ? -1 : 1;
    return strcmp(a->path, b->path);
}

static void merge_counts(struct keyed *k, size_t n, struct diff_side_count **out, size_t *nout)
{
    qsort(k, n, sizeof *k, keyed_cmp);
    struct diff_side_count *v = n ? xreallocarray(NULL, n, sizeof *v) : NULL;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!m || strcmp(v[m - 1].id, k[i].k1) != 0)
            v[m++] = (struct diff_side_count){k[i].k1, 0, 0};
        if (k[i].side)
            v[m - 1].b += k[i].v;
        else
            v[m - 1].a += k[i].v;
    }
    if (m)
        qsort(v, m, sizeof *v, count_cmp);
    *out = v;
    *nout = m;
}

static void compare_analyses(struct image_diff *d)
{
    const struct analysis *an[2] = {d->aa, d->ab};
    size_t n = 0, cap = 0;
    for (int s = 0; s < 2; s++)
        if (an[s])
            cap += an[s]->n_cats + an[s]->n_secrets + an[s]->n_pkgs;
    struct keyed *k = xreallocarray(NULL, cap ? cap : 1, sizeof *k);

    for (int s = 0; s < 2; s++)
        for (size_t i = 0; an[s] && i < an[s]->n_cats; i++)
            k[n++] = (struct keyed){an[s]->cats[i].id, "", s, an[s]->cats[i].bytes, NULL};
    merge_counts(k, n, &d->cats, &d->n_cats);

    n = 0;
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; an[s] && i < an[s]->n_secrets; i++)
            k[n++] = (struct keyed){an[s]->secrets[i].rule_id, "", s, 1, NULL};
    merge_counts(k, n, &d->secrets, &d->n_secrets);

    n = 0;
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; an[s] && i < an[s]->n_pkgs; i++) {
            const struct package *p = &an[s]->pkgs[i];
            k[n++] = (struct keyed){p->ecosystem ? p->ecosystem : "", p->name ? p->name : "", s,
                                    p->bytes, p};
        }
    qsort(k, n, sizeof *k, keyed_cmp);
    d->pkgs = n ? xreallocarray(NULL, n, sizeof *d->pkgs) : NULL;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const struct package *p = k[i].src;
        if (!m || strcmp(d->pkgs[m - 1].ecosystem, k[i].k1) || strcmp(d->pkgs[m - 1].name, k[i].k2))
            d->pkgs[m++] = (struct diff_pkg){xstrdup(k[i].k2), k[i].k1, 0, 0, NULL, NULL};
        struct diff_pkg *q = &d->pkgs[m - 1];
        if (k[i].side) {
            q->b_bytes += p->bytes;
            q->b_version = p->version;
        } else {
            q->a_bytes += p->bytes;
            q->a_version = p->version;
        }
    }
    if (m)
        qsort(d->pkgs, m, sizeof *d->pkgs, pkg_cmp);
    d->n_pkgs = m;
    free(k);
}

/* ---------------------------------------------------------------- compute */

struct image_diff *diff_compute(const struct image *a, const struct analysis *aa,
                                const struct image *b, const struct analysis *ab)
{
    struct image_diff *d = xcalloc(1, sizeof *d);
    d->a = a;
    d->b = b;
    d->aa = aa;
    d->ab = ab;
    for (size_t i = 0; i < a->n_layers && i < b->n_layers; i++) {
        const char *x = a->layers[i].diff_id, *y = b->layers[i].diff_id;
        if (!x || !y || !*x || strcmp(x, y) != 0)
            break;
        d->shared_layers++;
    }
    compare_analyses(d);

    struct walk w;
    walk_init(&w, d);
    w.want_files = 1;
    d->content_compared = w.s[0].hashed && w.s[1].hashed;
    walk_run(&w, 0);
    walk_fini(&w);

    struct fvec *lists[3] = {&w.only[0], &w.only[1], &w.changed};
    for (int i = 0; i < 3; i++)
        if (lists[i]->n)
            qsort(lists[i]->v, lists[i]->n, sizeof *lists[i]->v, file_cmp);
    d->only_a = w.only[0].v;
    d->n_only_a = w.only[0].n;
    d->only_b = w.only[1].v;
    d->n_only_b = w.only[1].n;
    d->changed = w.changed.v;
    d->n_changed = w.changed.n;
    for (size_t i = 0; i < d->n_only_a; i++)
        d->only_a_bytes = sat_add(d->only_a_bytes, d->only_a[i].a_bytes);
    for (size_t i = 0; i < d->n_only_b; i++)
        d->only_b_bytes = sat_add(d->only_b_bytes, d->only_b[i].b_bytes);
    for (size_t i = 0; i < d->n_changed; i++) {
        d->changed_a_bytes = sat_add(d->changed_a_bytes, d->changed[i].a_bytes);
        d->changed_b_bytes = sat_add(d->changed_b_bytes, d->changed[i].b_bytes);
    }
    return d;
}

void diff_free(struct image_diff *d)
{
    if (!d)
        return;
    free(d->cats);
    free(d->secrets);
    for (size_t i = 0; i < d->n_pkgs; i++)
        free(d->pkgs[i].name);
    free(d->pkgs);
    struct diff_file *lists[3] = {d->only_a, d->only_b, d->changed};
    size_t ns[3] = {d->n_only_a, d->n_only_b, d->n_changed};
    for (int l = 0; l < 3; l++) {
        for (size_t i = 0; i < ns[l]; i++)
            free(lists[l][i].path);
        free(lists[l]);
    }
    free(d);
}

/* ---------------------------------------------------------------- aligned tree */

struct diff_tree *diff_tree_build(const struct image_diff *d)
{
    struct diff_tree *t = xcalloc(1, sizeof *t);
    struct walk w;
    walk_init(&w, d);
    w.tree = t;
    tree_add(t, 0, 0, 0, 0, 0);                     /* node 0: unused */
    uint32_t root = tree_add(t, 0, 0, MODEL_ROOT, MODEL_ROOT, 0);
    walk_run(&w, root);
    walk_fini(&w);
    return t;
}

void diff_tree_free(struct diff_tree *t)
{
    if (!t)
        return;
    free(t->v);
    free(t);
}

const char *diff_node_name(const struct image_diff *d, const struct diff_node *n)
{
    if (!n->parent)
        return "/";
    return n->a ? model_name(&d->a->model, n->a) : model_name(&d->b->model, n->b);
}

char *diff_node_path(const struct image_diff *d, const struct diff_node *n, char *buf, size_t len)
{
    if (n->a)
        return model_path_str(&d->a->model, n->a, buf, len);
    return model_path_str(&d->b->model, n->b, buf, len);
}
