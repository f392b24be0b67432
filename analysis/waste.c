/* waste.c: junk categories in the final filesystem (apt lists, caches, toolchains, ...), and
 * waste_run(), which adds the dead bytes (waste_dead.c) and the hints (waste_hints.c).
 *
 * Matching 1M paths against ~90 rows: the rows are compiled once into directory matchers
 * (absolute globs bucketed by depth with a literal-prefix check, and trailing-component globs
 * checked against the node's name first) and file matchers (basename globs bucketed by their
 * last character, `*LIT` suffixes compared with memcmp). One depth-first walk of the final
 * tree carries two bitsets per directory: the matchers some ancestor matched (anchors) and the
 * directory rows in force. A file then costs one bucket lookup plus a few compares, and its
 * row is the lowest set bit: the first row in table order, so each byte counts once. */
#include "analysis/waste_int.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/util.h"

#define MAXW 4                  /* 256 compiled rules, 256 matchers */
#define MAXR (MAXW * 64)

struct row {                    /* builtin or user row, as used here */
    const char *id, *pattern, *title, *fix, *keep;
    int severity;
    unsigned flags;
};

enum { MK_ABS, MK_TAIL };
struct matcher {                /* a directory glob */
    int kind;
    char *glob;                 /* MK_ABS: "/usr/local/cuda*"; MK_TAIL: "target/release" */
    size_t len;                 /* strlen(glob): compile looks each glob up among the others */
    int depth;                  /* MK_ABS: components; MK_TAIL: components of the tail */
    size_t lit;                 /* MK_ABS: length of the literal prefix */
    const char *last;           /* MK_TAIL: last component glob (points into glob) */
    int last_lit;               /* last component has no wildcard */
};

enum { CR_DIR, CR_FILE_BASE, CR_FILE_ABS, CR_BUILD_PKG };
struct crule {
    int kind, row, cat;
    int matcher;                /* CR_DIR: the directory it names */
    int anchor;                 /* -1, or a matcher some ancestor directory must match */
    char *glob;                 /* CR_FILE_BASE: basename glob; CR_FILE_ABS: full glob */
    int glob_kind;              /* 0 fnmatch, 1 literal, 2 "*LIT" suffix */
    const char *lit; size_t lit_len;
    int depth; size_t prefix;   /* CR_FILE_ABS */
};

struct cat_acc {
    const char *id, *title, *fix;
    int severity, row;
    unsigned flags;
    uint64_t bytes; uint32_t files;
    uint64_t *by_layer;
    uint32_t top_node[WASTE_TOPK]; uint64_t top_bytes[WASTE_TOPK];
    uint32_t cur_node; uint64_t cur_bytes;
};

struct wctx {
    struct analysis *a;
    const struct image *img;
    const struct model *m;
    struct row *rows; size_t n_rows;
    struct matcher mt[MAXR]; int n_mt;
    struct crule cr[MAXR]; int n_cr;
    struct cat_acc *cats; size_t n_cats;
    int cuda;
    /* file-rule buckets by the last character of the basename glob; 256 = wildcard last */
    int *bucket[257]; int n_bucket[257]; size_t cap_bucket[257];
    int abs_rules[MAXR]; int n_abs;
    uint32_t act_node[MAXR];    /* where a CR_DIR rule came into force */
};

static inline void bset(uint64_t *w, int i) { w[i >> 6] |= 1ull << (i & 63); }
static inline int btest(const uint64_t *w, int i) { return (w[i >> 6] >> (i & 63)) & 1; }

static int has_wild(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '*' || s[i] == '?' || s[i] == '[' || s[i] == '\\')
            return 1;
    return 0;
}

static int count_comps(const char *s)
{
    int n = 0;
    for (const char *p = s; *p;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        n++;
        while (*p && *p != '/')
            p++;
    }
    return n;
}

static int matcher_get(struct wctx *w, int kind, const char *glob, size_t len)
{
    for (int i = 0; i < w->n_mt; i++)
        if (w->mt[i].kind == kind && w->mt[i].len == len && memcmp(w->mt[i].glob, glob, len) == 0)
            return i;
    if (w->n_mt == MAXR)
        return -1;
    struct matcher *m = &w->mt[w->n_mt];
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->glob = xstrndup(glob, len);
    m->len = strlen(m->glob);   /* xstrndup stops at a NUL byte in glob */
    m->depth = count_comps(m->glob);
    if (kind == MK_ABS) {
        size_t k = 0;
        while (m->glob[k] && !has_wild(m->glob + k, 1))
            k++;
        m->lit = k;
    } else {
        const char *sl = strrchr(m->glob, '/');
        m->last = sl ? sl + 1 : m->glob;
        m->last_lit = !has_wild(m->last, strlen(m->last));
    }
    return w->n_mt++;
}

/* Directory glob "X/" (no trailing slash in s): absolute, or "**\/TAIL". */
static int dir_matcher(struct wctx *w, const char *s, size_t len)
{
    while (len > 1 && s[len - 1] == '/')
        len--;
    if (len >= 3 && memcmp(s, "**/", 3) == 0)
        return matcher_get(w, MK_TAIL, s + 3, len - 3);
    if (s[0] == '/')
        return matcher_get(w, MK_ABS, s, len);
    return -1;
}

static int add_crule(struct wctx *w, int row, int cat, const char *pat)
{
    if (w->n_cr == MAXR)
        return -1;
    struct crule c = {.row = row, .cat = cat, .matcher = -1, .anchor = -1};
    size_t len = strlen(pat);
    int is_dir = len && pat[len - 1] == '/';
    const char *split = NULL;
    for (const char *p = strstr(pat, "/**/"); p; p = strstr(p + 1, "/**/"))
        split = p;
    const char *tail = pat;
    if (split) {
        c.anchor = dir_matcher(w, pat, (size_t)(split - pat) + 1);
        if (c.anchor < 0)
            return -1;
        tail = split + 4;
    } else if (strncmp(pat, "**/", 3) == 0) {
        tail = pat + 3;
    } else if (pat[0] != '/') {
        return -1;
    }
    if (is_dir && tail != pat && !*tail) {
        /* An empty TAIL: ANCHOR then the any-depth part is everything below ANCHOR, the same
         * as "ANCHOR/"; the any-depth prefix alone would be every file: not a rule. */
        if (!split)
            return -1;
        char *t = xstrndup(pat, (size_t)(split - pat) + 1);
        int r = add_crule(w, row, cat, t);
        free(t);
        return r;
    }
    if (is_dir) {
        c.kind = CR_DIR;
        if (tail == pat)
            c.matcher = dir_matcher(w, pat, len);
        else
            c.matcher = matcher_get(w, MK_TAIL, tail, strlen(tail) - 1);
        if (c.matcher < 0)
            return -1;
    } else if (tail == pat) {
        c.kind = CR_FILE_ABS;
        c.glob = xstrdup(pat);
        c.depth = count_comps(pat);
        size_t k = 0;
        while (pat[k] && !has_wild(pat + k, 1))
            k++;
        c.prefix = k;
    } else {
        if (strchr(tail, '/'))
            return -1;
        c.kind = CR_FILE_BASE;
        c.glob = xstrdup(tail);
        size_t tl = strlen(tail);
        if (!has_wild(tail, tl)) {
            c.glob_kind = 1;
            c.lit = c.glob;
            c.lit_len = tl;
        } else if (tail[0] == '*' && !has_wild(tail + 1, tl - 1)) {
            c.glob_kind = 2;
            c.lit = c.glob + 1;
            c.lit_len = tl - 1;
        }
    }
    w->cr[w->n_cr] = c;
    return w->n_cr++;
}

static void compile(struct wctx *w)
{
    struct analysis_priv *p = PRIV(w->a);
    w->n_rows = n_waste_rules + p->n_urules;
    w->rows = xcalloc(w->n_rows, sizeof *w->rows);
    for (size_t i = 0; i < n_waste_rules; i++) {
        const struct waste_rule *r = &waste_rules[i];
        w->rows[i] = (struct row){r->id, r->pattern, r->title, r->fix, r->keep, r->severity, r->flags};
    }
    for (size_t i = 0; i < p->n_urules; i++) {
        const struct user_rule *u = &p->urules[i];
        w->rows[n_waste_rules + i] = (struct row){u->id, u->pattern, u->title, u->fix, NULL,
                                                  u->severity, 0};
    }
    w->cats = xcalloc(w->n_rows, sizeof *w->cats);
    for (size_t i = 0; i < w->n_rows; i++) {
        const struct row *r = &w->rows[i];
        if (analysis_ignored(w->a, r->id))
            continue;
        size_t c;
        for (c = 0; c < w->n_cats; c++)
            if (strcmp(w->cats[c].id, r->id) == 0)
                break;
        if (c == w->n_cats) {
            struct cat_acc *ca = &w->cats[w->n_cats++];
            ca->id = r->id;
            ca->title = r->title;
            ca->fix = r->fix;
            ca->severity = r->severity;
            ca->flags = r->flags;
            ca->row = (int)i;
            ca->by_layer = xcalloc(w->m->n_layers ? w->m->n_layers : 1, sizeof(uint64_t));
        }
        if (r->flags & WR_BUILD_PKG) {
            if (w->n_cr < MAXR)
                w->cr[w->n_cr++] = (struct crule){.kind = CR_BUILD_PKG, .row = (int)i,
                                                  .cat = (int)c, .matcher = -1, .anchor = -1};
            continue;
        }
        int ok;
        if (r->pattern[0] == '~' && r->pattern[1] == '/') {
            char *a1 = xasprintf("/root/%s", r->pattern + 2);
            char *a2 = xasprintf("/home/*/%s", r->pattern + 2);
            ok = add_crule(w, (int)i, (int)c, a1) >= 0 && add_crule(w, (int)i, (int)c, a2) >= 0;
            free(a1);
            free(a2);
        } else {
            ok = add_crule(w, (int)i, (int)c, r->pattern) >= 0;
        }
        if (!ok)
            analysis_warn(w->a, "waste rule %s: pattern \"%s\" not understood or too many rules",
                          r->id, r->pattern);
    }
    for (int i = 0; i < w->n_cr; i++) {
        struct crule *c = &w->cr[i];
        if (c->kind == CR_FILE_BASE) {
            size_t gl = strlen(c->glob);
            unsigned char last = (unsigned char)c->glob[gl - 1];
            int b = has_wild(c->glob + gl - 1, 1) ? 256 : last;
            ARR_GROW(w->bucket[b], w->cap_bucket[b], (size_t)w->n_bucket[b], 1);
            w->bucket[b][w->n_bucket[b]++] = i;
        } else if (c->kind == CR_FILE_ABS) {
            w->abs_rules[w->n_abs++] = i;
        }
    }
}

static void wctx_free(struct wctx *w)
{
    for (int i = 0; i < w->n_mt; i++)
        free(w->mt[i].glob);
    for (int i = 0; i < w->n_cr; i++)
        free(w->cr[i].glob);
    for (int b = 0; b < 257; b++)
        free(w->bucket[b]);
    for (size_t c = 0; c < w->n_cats; c++)
        free(w->cats[c].by_layer);
    free(w->cats);
    free(w->rows);
}

/* path: the directory's full path, len its length; name its basename; depth its components. */
static int matcher_hits(const struct matcher *mt, const char *path, size_t len, const char *name,
                        int depth)
{
    if (mt->kind == MK_ABS) {
        if (mt->depth != depth || len < mt->lit || memcmp(path, mt->glob, mt->lit) != 0)
            return 0;
        return mt->lit == len && mt->glob[mt->lit] == 0 ? 1 : util_fnmatch(mt->glob, path, FNM_PATHNAME) == 0;
    }
    if (depth < mt->depth)
        return 0;
    if (mt->last_lit ? strcmp(mt->last, name) != 0 : util_fnmatch(mt->last, name, FNM_PATHNAME) != 0)
        return 0;
    if (mt->depth == 1)
        return 1;
    /* Start of the last mt->depth components. */
    const char *s = path + len;
    for (int k = 0; k < mt->depth && s > path; k++) {
        s--;
        while (s > path && *s != '/')
            s--;
    }
    return util_fnmatch(mt->glob, s + 1, FNM_PATHNAME) == 0;
}

static int keep_hits(const char *keep, const char *path)
{
    char pat[256];
    while (keep && *keep) {
        size_t n = strcspn(keep, ":");
        if (n < sizeof pat) {
            memcpy(pat, keep, n);
            pat[n] = 0;
            if (util_fnmatch(pat, path, 0) == 0)
                return 1;
        }
        keep += n;
        if (*keep == ':')
            keep++;
    }
    return 0;
}

/* Paths order ties: the walk's child order depends on how the input was read (stream or file),
 * the report must not. */
static int node_cmp(const struct model *m, uint32_t x, uint32_t y)
{
    char px[4096], py[4096];
    return strcmp(model_path_str(m, x, px, sizeof px), model_path_str(m, y, py, sizeof py));
}

/* Whether (bx, x) ranks before (by, y): more bytes first, then path order. */
static int top_before(const struct model *m, uint64_t bx, uint32_t x, uint64_t by, uint32_t y)
{
    if (bx != by)
        return bx > by;
    return node_cmp(m, x, y) < 0;
}

static void cat_flush(const struct model *m, struct cat_acc *ca)
{
    if (!ca->cur_node)
        return;
    int slot = -1;
    for (int k = 0; k < WASTE_TOPK; k++)
        if (ca->top_node[k] == ca->cur_node)
            slot = k;
    if (slot >= 0) {
        ca->top_bytes[slot] += ca->cur_bytes;
    } else {
        int min = -1;
        for (int k = 0; k < WASTE_TOPK && min < 0; k++)
            if (!ca->top_node[k])
                min = k;
        if (min < 0) {
            min = 0;
            for (int k = 1; k < WASTE_TOPK; k++)
                if (top_before(m, ca->top_bytes[min], ca->top_node[min], ca->top_bytes[k], ca->top_node[k]))
                    min = k;
        }
        if (!ca->top_node[min] ||
            top_before(m, ca->cur_bytes, ca->cur_node, ca->top_bytes[min], ca->top_node[min])) {
            ca->top_node[min] = ca->cur_node;
            ca->top_bytes[min] = ca->cur_bytes;
        }
    }
    ca->cur_node = 0;
    ca->cur_bytes = 0;
}

static int cuda_present(const struct model *m)
{
    uint32_t local = model_lookup(m, "/usr/local");
    if (!local)
        return 0;
    for (uint32_t c = m->paths[local].first_child; c; c = m->paths[c].next_sibling)
        if (strncmp(model_name(m, c), "cuda", 4) == 0 && m->path_final_files[c]) {
            uint32_t l = model_child(m, c, "lib64");
            if (l && m->path_final_files[l])
                return 1;
        }
    return 0;
}

static void file_visit(struct wctx *w, uint32_t node, const char *path, size_t len,
                       const char *name, int depth, const uint64_t *anch, const uint64_t *act)
{
    const struct model *m = w->m;
    const struct entry *en = &m->entries[m->path_final[node]];
    uint64_t cand[MAXW];
    memcpy(cand, act, sizeof cand);
    size_t nl = strlen(name);
    int buckets[2] = {nl ? (unsigned char)name[nl - 1] : 256, 256};
    for (int bi = 0; bi < 2; bi++) {
        int b = buckets[bi];
        for (int k = 0; k < w->n_bucket[b]; k++) {
            const struct crule *c = &w->cr[w->bucket[b][k]];
            if (c->anchor >= 0 && !btest(anch, c->anchor))
                continue;
            int hit;
            if (c->glob_kind == 1)
                hit = nl == c->lit_len && memcmp(name, c->lit, nl) == 0;
            else if (c->glob_kind == 2)
                hit = nl >= c->lit_len && memcmp(name + nl - c->lit_len, c->lit, c->lit_len) == 0;
            else
                hit = util_fnmatch(c->glob, name, FNM_PATHNAME) == 0;
            if (hit)
                bset(cand, w->bucket[b][k]);
        }
        if (b == 256)
            break;
    }
    for (int k = 0; k < w->n_abs; k++) {
        const struct crule *c = &w->cr[w->abs_rules[k]];
        if (c->depth == depth && len >= c->prefix && memcmp(path, c->glob, c->prefix) == 0 &&
            util_fnmatch(c->glob, path, FNM_PATHNAME) == 0)
            bset(cand, w->abs_rules[k]);
    }
    struct analysis_priv *p = PRIV(w->a);
    for (int i = 0; i < w->n_cr; i++)
        if (w->cr[i].kind == CR_BUILD_PKG && p->owner && p->owner[node] &&
            w->a->pkgs[p->owner[node] - 1].build_only)
            bset(cand, i);
    int any = 0;
    for (int i = 0; i < MAXW; i++)
        any |= cand[i] != 0;
    if (!any || analysis_allowed(w->a, path))
        return;
    for (int wd = 0; wd < MAXW; wd++) {
        for (uint64_t bits = cand[wd]; bits; bits &= bits - 1) {
            int i = wd * 64 + __builtin_ctzll(bits);
            const struct crule *c = &w->cr[i];
            const struct row *r = &w->rows[c->row];
            if ((r->flags & WR_BIG) && en->size < w->a->opts.model_threshold)
                continue;
            if ((r->flags & WR_NEEDS_CUDA) && !w->cuda)
                continue;
            if (r->keep && keep_hits(r->keep, path))
                continue;
            struct cat_acc *ca = &w->cats[c->cat];
            ca->bytes += en->size;
            ca->files++;
            if (en->layer < m->n_layers)
                ca->by_layer[en->layer] += en->size;
            uint32_t top = c->kind == CR_DIR ? w->act_node[i] : node;
            if (ca->cur_node != top)
                cat_flush(w->m, ca);
            ca->cur_node = top;
            ca->cur_bytes += en->size;
            return;
        }
    }
}

struct frame {
    uint32_t node, child;
    size_t len;
    int depth;
    uint64_t anch[MAXW], act[MAXW];
};

static void walk(struct wctx *w)
{
    const struct model *m = w->m;
    if (!m->path_final || m->n_paths <= MODEL_ROOT)
        return;
    size_t pcap = 4096, fcap = 64, sp = 0;
    char *path = xmalloc(pcap);
    struct frame *st = xmalloc(fcap * sizeof *st);
    path[0] = 0;
    st[sp++] = (struct frame){.node = MODEL_ROOT, .child = m->paths[MODEL_ROOT].first_child};
    while (sp) {
        struct frame *f = &st[sp - 1];
        uint32_t c = f->child;
        if (!c) {
            sp--;
            continue;
        }
        f->child = m->paths[c].next_sibling;
        if (!m->path_final_files[c])
            continue;
        const char *name = model_name(m, c);
        size_t nl = strlen(name);
        ARR_GROW(path, pcap, f->len, nl + 2);
        path[f->len] = '/';
        memcpy(path + f->len + 1, name, nl + 1);
        size_t len = f->len + 1 + nl;
        uint32_t e = m->path_final[c];
        if (e && entry_is_reg(&m->entries[e])) {
            file_visit(w, c, path, len, name, f->depth + 1, f->anch, f->act);
            continue;
        }
        if (!m->paths[c].first_child)
            continue;
        ARR_GROW(st, fcap, sp, 1);
        f = &st[sp - 1];            /* st may have moved */
        struct frame *g = &st[sp++];
        *g = *f;
        g->node = c;
        g->child = m->paths[c].first_child;
        g->len = len;
        g->depth = f->depth + 1;
        uint64_t hit[MAXW] = {0};
        for (int i = 0; i < w->n_mt; i++)
            if (matcher_hits(&w->mt[i], path, len, name, g->depth))
                bset(hit, i);
        for (int i = 0; i < w->n_cr; i++) {
            const struct crule *cr = &w->cr[i];
            if (cr->kind != CR_DIR || btest(g->act, i) || !btest(hit, cr->matcher))
                continue;
            if (cr->anchor >= 0 && !btest(f->anch, cr->anchor))
                continue;
            bset(g->act, i);
            w->act_node[i] = c;
        }
        for (int k = 0; k < MAXW; k++)
            g->anch[k] |= hit[k];
    }
    free(st);
    free(path);
}

/* "RUN pip install torch && …" -> at most ~48 characters, cut at a space, with "…". */
/* Build-only packages, largest first, as "gcc-12, cpp-12, libc6-dev". */
static char *build_pkg_names(const struct analysis *a, int max)
{
    char *out = xstrdup("");
    int n = 0;
    for (size_t i = 0; i < a->n_pkgs && n < max; i++) {   /* pkgs are sorted largest first */
        if (!a->pkgs[i].build_only || !a->pkgs[i].bytes)
            continue;
        char *t = xasprintf("%s%s%s", out, n ? ", " : "", a->pkgs[i].name);
        free(out);
        out = t;
        n++;
    }
    return out;
}

static int cmp_cat(const void *x, const void *y)
{
    const struct waste_cat *a = x, *b = y;
    if (a->bytes != b->bytes)
        return a->bytes < b->bytes ? 1 : -1;
    return strcmp(a->id, b->id);
}

void waste_run(struct analysis *a, const struct image *img)
{
    const struct model *m = &img->model;

    waste_dead_run(a, img);
    uint64_t removable = 0;
    for (size_t i = 0; i < a->n_cats; i++)
        removable += a->cats[i].bytes;

    /* Junk in the final filesystem. */
    struct wctx *w = xcalloc(1, sizeof *w);
    w->a = a;
    w->img = img;
    w->m = m;
    compile(w);
    w->cuda = cuda_present(m);
    walk(w);
    char pb[4096], sz[64];
    for (size_t c = 0; c < w->n_cats; c++) {
        struct cat_acc *ca = &w->cats[c];
        cat_flush(m, ca);
        if (!ca->bytes)
            continue;       /* empty lock files and the like: nothing to win */
        struct waste_cat wc = {.id = ca->id, .title = ca->title, .severity = ca->severity,
                               .bytes = ca->bytes, .files = ca->files, .layer = -1, .hidden_by = -1};
        uint64_t best = 0;
        for (uint32_t L = 0; L < m->n_layers; L++)
            if (ca->by_layer[L] > best) {
                best = ca->by_layer[L];
                wc.layer = (int)L;
            }
        wc.from_base = waste_is_base(img, wc.layer);
        /* top paths, largest first */
        int order[WASTE_TOPK], k = 0;
        for (int i = 0; i < WASTE_TOPK; i++)
            if (ca->top_node[i])
                order[k++] = i;
        for (int i = 1; i < k; i++)
            for (int j = i; j > 0 && top_before(m, ca->top_bytes[order[j]], ca->top_node[order[j]],
                                                ca->top_bytes[order[j - 1]], ca->top_node[order[j - 1]]); j--) {
                int t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        wc.paths = xcalloc(WASTE_TOPK, sizeof *wc.paths);
        for (int i = 0; i < k; i++)
            wc.paths[wc.n_paths++] = xstrdup(model_path_str(m, ca->top_node[order[i]], pb, sizeof pb));
        fmt_size(ca->bytes, sz, sizeof sz);
        if (strcmp(ca->id, "toolchain") == 0) {
            char *names = build_pkg_names(a, 3);
            char *s = *names ? xasprintf("%s: %s", sz, names) : xstrdup(sz);
            wc.fix = waste_make_fix(a, img, wc.layer, ca->fix, s, ca->flags);
            free(s);
            free(names);
        } else {
            wc.fix = waste_make_fix(a, img, wc.layer, ca->fix, sz, ca->flags);
        }
        removable += ca->bytes;
        waste_push_cat(a, &wc);
    }
    wctx_free(w);
    free(w);
    if (a->n_cats)
        qsort(a->cats, a->n_cats, sizeof *a->cats, cmp_cat);
    a->removable_bytes = removable;
    waste_hints_run(a, img);
}
