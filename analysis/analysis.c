/* analysis.c: analysis_run()'s orchestration over the finished model, and what the analysis
 * modules share (warnings, ignores, allow globs, the path index, secret hits). The sink that sees
 * file contents while the image is read is in content.c. */
#include "analysis/analysis.h"

#include <fnmatch.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <xxhash.h>

#include "analysis/analysis_int.h"
#include "analysis/dfmap.h"
#include "analysis/dockerignore.h"
#include "analysis/md5.h"
#include "analysis/advice.h"
#include "analysis/secrets.h"
#include "src/budget.h"
#include "src/util.h"

void analysis_warn(struct analysis *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    ARR_GROW(a->warnings, a->cap_warnings, a->n_warnings, 1);
    a->warnings[a->n_warnings++] = s;
}

int analysis_ignored(const struct analysis *a, const char *id)
{
    const struct analysis_priv *p = PRIV(a);
    for (size_t i = 0; i < p->n_ignore; i++)
        if (strcmp(p->ignore[i], id) == 0)
            return 1;
    return 0;
}

int analysis_allowed(const struct analysis *a, const char *path)
{
    const struct analysis_priv *p = PRIV(a);
    for (size_t i = 0; i < p->n_allow; i++) {
        const char *g = p->allow[i];
        size_t n = strlen(g);
        // "/dir/" or "/dir/**" allow a whole folder; otherwise fnmatch with '*' crossing '/'.
        if (n && g[n - 1] == '/' && strncmp(path, g, n) == 0)
            return 1;
        if (n > 3 && strcmp(g + n - 3, "/**") == 0 && strncmp(path, g, n - 2) == 0)
            return 1;
        if (util_fnmatch(g, path, 0) == 0)
            return 1;
    }
    return 0;
}

void analysis_add_ignore(struct analysis *a, const char *id)
{
    struct analysis_priv *p = PRIV(a);
    if (analysis_ignored(a, id))
        return;
    ARR_GROW(p->ignore, p->cap_ignore, p->n_ignore, 1);
    p->ignore[p->n_ignore++] = xstrdup(id);
    secrets_ignore(p->sc, id);     /* -1 for waste ids: fine */
}

struct analysis *analysis_new(const struct analysis_opts *o)
{
    struct analysis *a = xcalloc(1, sizeof *a);
    struct analysis_priv *p = xcalloc(1, sizeof *p);
    a->priv = p;
    if (o)
        a->opts = *o;
    a->opts.ignore = NULL;
    a->opts.n_ignore = 0;
    if (!a->opts.model_threshold)
        a->opts.model_threshold = 10u * 1000 * 1000;
    a->ci.lowest_efficiency = 0.9;
    a->ci.fail_on_severity = SEV_HIGH;
    p->sc = secrets_new();
    p->xx = XXH3_createState();
    if (!p->xx)
        die("out of memory");
    for (size_t i = 0; o && i < o->n_ignore; i++)
        analysis_add_ignore(a, o->ignore[i]);
    const char *cfg = o ? o->config_path : NULL;
    a->config_rc = config_load(a, cfg ? cfg : ".strata.conf", cfg != NULL);
    return a;
}

/* ---- secret hits ---- */

void analysis_on_hit(void *ctx, const struct secret_hit *h)
{
    struct hit_ctx *hc = ctx;
    struct analysis_priv *p = PRIV(hc->a);
    ARR_GROW(p->hits, p->cap_hits, p->n_hits, 1);
    struct hit_rec *r = &p->hits[p->n_hits++];
    memset(r, 0, sizeof *r);
    r->entry = hc->entry;
    r->history = hc->history;
    r->rule_id = h->rule_id;
    r->fix = h->fix;
    r->severity = (int)h->severity;
    r->kind = (int)h->kind;
    snprintf(r->masked, sizeof r->masked, "%s", h->masked);
    if (hc->a->opts.show_secrets && hc->text && h->len && h->offset + h->len <= hc->text_len)
        r->raw = xstrndup(hc->text + h->offset, h->len);
    /* Env and history values: which variable they belong to (the values themselves were found
     * and masked everywhere by mask_prepare before this pass) */
    if (!hc->content && !hc->entry && hc->text && h->len && h->offset + h->len <= hc->text_len)
        r->name = mask_value_name(hc->text, h->offset, (int)h->kind, r->via, sizeof r->via);
    /* a heuristic hit in a whole file: the digests a package recorded for it are compared with
     * these to tell whether the package's copy is unchanged (packages_file_pristine) */
    if (hc->content && hc->whole && hc->text && secrets_rule_generic(h->rule_id)) {
        md5_digest(hc->text, hc->text_len, r->md5);
        packages_sha256_b64(hc->text, hc->text_len, r->sha256);
        r->hashed = 1;
    }
}


/* ---- entries of repeated blobs ---- */

/* model_stack() copies the entries of a blob used by two layers; the sinks saw the originals. */
static void build_orig(struct analysis *a, const struct model *m)
{
    struct analysis_priv *p = PRIV(a);
    uint32_t base = 1;
    for (uint32_t b = 0; b < m->n_blobs; b++)
        if (m->blobs[b].first_entry + m->blobs[b].n_entries > base)
            base = m->blobs[b].first_entry + m->blobs[b].n_entries;
    p->orig_base = base;
    if (m->n_entries <= base)
        return;
    p->orig = xcalloc(m->n_entries - base, sizeof *p->orig);
    for (uint32_t L = 0; L < m->n_layers; L++) {
        const struct layer_stats *ls = &m->layers[L];
        if (ls->first_entry < base || !ls->n_entries)
            continue;
        for (uint32_t b = 0; b < m->n_blobs; b++) {
            const struct blob *bl = &m->blobs[b];
            if (bl->n_entries != ls->n_entries)
                continue;
            int same = 1;
            for (uint32_t k = 0; k < bl->n_entries && same; k++)
                same = m->entries[bl->first_entry + k].path == m->entries[ls->first_entry + k].path &&
                       m->entries[bl->first_entry + k].size == m->entries[ls->first_entry + k].size;
            if (!same)
                continue;
            for (uint32_t k = 0; k < bl->n_entries; k++)
                p->orig[ls->first_entry + k - base] = bl->first_entry + k;
            break;
        }
    }
}

uint32_t analysis_src_entry(const struct analysis *a, uint32_t e)
{
    const struct analysis_priv *p = PRIV(a);
    if (p->orig && e >= p->orig_base && p->orig[e - p->orig_base])
        return p->orig[e - p->orig_base];
    return e;
}

int analysis_entry_hash(const struct analysis *a, uint32_t entry, uint64_t *out)
{
    const struct analysis_priv *p = PRIV(a);
    entry = analysis_src_entry(a, entry);
    if (entry >= p->cap_hash || !p->hashed[entry])
        return 0;
    if (out)
        *out = p->hash[entry];
    return 1;
}

/* ---- path index: full path -> node, by a hash chained over the components ---- */

static inline uint64_t comp_hash(uint64_t parent, const char *s, size_t n)
{
    return XXH3_64bits_withSeed(s, n, parent) | 1;   /* never 0 */
}

void analysis_build_path_index(struct analysis *a, const struct model *m)
{
    struct analysis_priv *p = PRIV(a);
    p->phash = xcalloc(m->n_paths ? m->n_paths : 1, sizeof *p->phash);
    size_t n = 16;
    while (n < (size_t)m->n_paths * 2)
        n *= 2;
    p->n_pslots = n;
    p->pslots = xcalloc(n, sizeof *p->pslots);
    if (m->n_paths <= MODEL_ROOT)
        return;
    p->phash[MODEL_ROOT] = 0x9e3779b97f4a7c15ull;
    /* Children always have higher indices than their parents. */
    for (uint32_t i = MODEL_ROOT + 1; i < m->n_paths; i++) {
        const char *nm = model_name(m, i);
        p->phash[i] = comp_hash(p->phash[m->paths[i].parent], nm, strlen(nm));
        size_t h = (size_t)p->phash[i] & (n - 1);
        while (p->pslots[h])
            h = (h + 1) & (n - 1);
        p->pslots[h] = i;
    }
}

static uint32_t find_norm(const struct analysis *a, const char *path, size_t len, int usr)
{
    const struct analysis_priv *p = PRIV(a);
    const struct model *m = &p->img->model;
    struct { const char *s; size_t n; } comp[256];
    int nc = 0;
    if (usr)
        comp[nc++].s = "usr", comp[0].n = 3;
    for (size_t i = 0; i < len;) {
        while (i < len && path[i] == '/')
            i++;
        size_t j = i;
        while (j < len && path[j] != '/')
            j++;
        size_t k = j - i;
        if (k == 0 || (k == 1 && path[i] == '.')) {
        } else if (k == 2 && path[i] == '.' && path[i + 1] == '.') {
            if (nc > (usr ? 1 : 0))
                nc--;
        } else {
            if (nc == 256)
                return 0;
            comp[nc].s = path + i;
            comp[nc++].n = k;
        }
        i = j;
    }
    if (!nc)
        return MODEL_ROOT;
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < nc; i++)
        h = comp_hash(h, comp[i].s, comp[i].n);
    size_t mask = p->n_pslots - 1;
    for (size_t s = (size_t)h & mask; p->pslots[s]; s = (s + 1) & mask) {
        uint32_t node = p->pslots[s];
        if (p->phash[node] != h)
            continue;
        const char *nm = model_name(m, node);
        if (strlen(nm) == comp[nc - 1].n && memcmp(nm, comp[nc - 1].s, comp[nc - 1].n) == 0)
            return node;
    }
    return 0;
}

uint32_t analysis_find_path(const struct analysis *a, const char *path, size_t len)
{
    if (!PRIV(a)->pslots)
        return 0;
    uint32_t n = find_norm(a, path, len, 0);
    if (n)
        return n;
    /* usrmerge: dpkg lists say /bin/ls, the file is /usr/bin/ls behind a /bin symlink. */
    static const char *merged[] = {"/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/"};
    for (size_t i = 0; i < sizeof merged / sizeof *merged; i++)
        if (len > strlen(merged[i]) && strncmp(path, merged[i], strlen(merged[i])) == 0)
            return find_norm(a, path, len, 1);
    return 0;
}

/* ---- secret findings ---- */

static void add_finding(struct analysis *a, const struct image *img, const struct hit_rec *h,
                        uint32_t e, int layer, int history)
{
    const struct model *m = &img->model;
    char pb[4096];
    struct secret_finding f = {0};
    /* heuristic rules say nothing about files a package installed unchanged (issue 8 #3) */
    if (e && secrets_rule_generic(h->rule_id) && packages_file_pristine(a, m, e, h))
        return;
    f.rule_id = h->rule_id;
    f.severity = h->severity;
    f.kind = h->kind;
    f.entry = e;
    f.layer = layer;
    f.history = history;
    f.fix = h->fix;
    snprintf(f.masked, sizeof f.masked, "%s", h->masked);
    f.raw = h->raw ? xstrdup(h->raw) : NULL;
    f.name = xstrdup(h->name ? h->name : "");
    snprintf(f.via, sizeof f.via, "%s", h->via);
    f.hidden_by = -1;
    if (e) {
        const struct entry *en = &m->entries[e];
        f.path = xstrdup(model_path_str(m, en->path, pb, sizeof pb));
        f.visible = en->hidden_at == LAYER_NONE;
        if (!f.visible) {
            f.hidden_by = en->hidden_at;
            f.deleted = (en->flags & EF_DELETED) != 0;
        }
    } else {
        f.path = xstrdup("");
        f.visible = 1;
    }
    /* the masked copies (mask.c): an instruction may quote the very value found */
    const char *cb = "";
    if (layer >= 0 && (size_t)layer < img->n_layers)
        cb = analysis_layer_instruction(a, img, (size_t)layer);
    if (history >= 0 && (size_t)history < img->n_history)
        cb = analysis_history_instruction(a, img, (size_t)history);
    f.created_by = xstrdup(cb);
    ARR_GROW(a->secrets, a->cap_secrets, a->n_secrets, 1);
    a->secrets[a->n_secrets++] = f;
}

static int cmp_secret(const void *x, const void *y)
{
    const struct secret_finding *a = x, *b = y;
    if (a->severity != b->severity)
        return b->severity - a->severity;
    if (a->layer != b->layer)
        return a->layer - b->layer;
    int c = strcmp(a->path, b->path);
    if (!c)
        c = strcmp(a->rule_id, b->rule_id);
    return c ? c : strcmp(a->masked, b->masked);
}

static void take_hits(struct analysis *a, const struct image *img, size_t from)
{
    struct analysis_priv *p = PRIV(a);
    const struct model *m = &img->model;
    for (size_t i = from; i < p->n_hits; i++) {
        const struct hit_rec *h = &p->hits[i];
        if (h->kind == SK_ENV || h->kind == SK_HISTORY || !h->entry) {
            int layer = -1;
            if (h->history >= 0 && (size_t)h->history < img->n_history)
                layer = img->history[h->history].layer;
            add_finding(a, img, h, 0, layer, h->history);
            continue;
        }
        if (h->entry >= m->n_entries)
            continue;
        if (m->entries[h->entry].layer != LAYER_NONE)
            add_finding(a, img, h, h->entry, m->entries[h->entry].layer, -1);
        /* the same blob used again by a later layer */
        if (p->orig)
            for (uint32_t e = p->orig_base; e < m->n_entries; e++)
                if (p->orig[e - p->orig_base] == h->entry)
                    add_finding(a, img, h, e, m->entries[e].layer, -1);
    }
}

static void secrets_run(struct analysis *a, const struct image *img)
{
    struct analysis_priv *p = PRIV(a);
    const struct model *m = &img->model;
    size_t content_hits = p->n_hits;
    take_hits(a, img, 0);
    /* File names, in every layer: a key deleted later is still in the tarball. One walk of the
     * trie builds each path once (no model_path_str per entry); a path's verdict then goes to
     * every version of it. */
    struct path_frame { uint32_t node; size_t len; } *st = xmalloc(sizeof *st * 1024);
    size_t cap = 1024, sp = 0;
    char *pb = xmalloc(8192);
    for (uint32_t c = m->paths[MODEL_ROOT].first_child; c; c = m->paths[c].next_sibling)
        st[sp++] = (struct path_frame){c, 0};
    while (sp) {
        struct path_frame f = st[--sp];
        const char *nm = model_name(m, f.node);
        size_t nl = strlen(nm);
        if (f.len + 1 + nl + 1 > 8192)
            continue;           /* deeper than any real path: nothing to name */
        pb[f.len] = '/';
        memcpy(pb + f.len + 1, nm, nl + 1);
        size_t len = f.len + 1 + nl;
        for (uint32_t c = m->paths[f.node].first_child; c; c = m->paths[c].next_sibling) {
            ARR_GROW(st, cap, sp, 1);
            st[sp++] = (struct path_frame){c, len};
        }
        uint32_t first = 0;
        for (uint32_t e = m->path_first ? m->path_first[f.node] : 0; e; e = m->entries[e].next_version)
            if (!(m->entries[e].flags & (EF_WHITEOUT | EF_IMPLICIT))) {
                first = e;
                break;
            }
        if (!first || analysis_allowed(a, pb))
            continue;
        size_t before = p->n_hits;
        struct hit_ctx hc = {a, first, -1, NULL, 0, 0, 0};
        if (!secrets_check_path(p->sc, pb, analysis_on_hit, &hc))
            continue;
        size_t after = p->n_hits;
        for (uint32_t e = m->entries[first].next_version; e; e = m->entries[e].next_version) {
            if (m->entries[e].flags & (EF_WHITEOUT | EF_IMPLICIT))
                continue;
            for (size_t k = before; k < after; k++) {
                struct hit_rec copy = p->hits[k];
                copy.entry = e;
                copy.raw = copy.raw ? xstrdup(copy.raw) : NULL;
                copy.name = copy.name ? xstrdup(copy.name) : NULL;
                ARR_GROW(p->hits, p->cap_hits, p->n_hits, 1);
                p->hits[p->n_hits++] = copy;
            }
        }
    }
    free(st);
    free(pb);
    for (size_t i = 0; i < img->n_env; i++) {
        struct hit_ctx hc = {a, 0, -1, img->env[i], strlen(img->env[i]), 0, 0};
        secrets_check_env(p->sc, img->env[i], analysis_on_hit, &hc);
    }
    for (size_t j = 0; j < img->n_history; j++) {
        const char *cb = img->history[j].created_by ? img->history[j].created_by : "";
        struct hit_ctx hc = {a, 0, (int)j, cb, strlen(cb), 0, 0};
        secrets_check_history(p->sc, cb, analysis_on_hit, &hc);
    }
    /* The path/env/history hits were recorded after the content hits. */
    for (size_t i = content_hits; i < p->n_hits; i++) {
        const struct hit_rec *h = &p->hits[i];
        if (h->entry && h->kind != SK_ENV && h->kind != SK_HISTORY) {
            if (m->entries[h->entry].layer != LAYER_NONE)
                add_finding(a, img, h, h->entry, m->entries[h->entry].layer, -1);
        } else {
            int layer = h->history >= 0 ? img->history[h->history].layer : -1;
            add_finding(a, img, h, 0, layer, h->history);
        }
    }
    if (!a->opts.show_secrets)
        for (size_t i = 0; i < a->n_secrets; i++) {
            free(a->secrets[i].raw);
            a->secrets[i].raw = NULL;
        }
    if (a->n_secrets)
        qsort(a->secrets, a->n_secrets, sizeof *a->secrets, cmp_secret);
}

struct secrets_job {
    struct analysis *a;
    const struct image *img;
    struct dockerignore *di;
};

/* The secrets, then the .dockerignore that keeps them (and the waste) out: the second reads the
 * first's findings, and neither touches what the waste walk and the duplicate groups write. */
static void secrets_then_dockerignore(struct secrets_job *j)
{
    secrets_run(j->a, j->img);
    j->di = dockerignore_hints_prepare(j->a, j->img);
}

static void *secrets_thread(void *arg)
{
    secrets_then_dockerignore(arg);
    return NULL;
}

int analysis_run(struct analysis *a, const struct image *img)
{
    struct analysis_priv *p = PRIV(a);
    if (!img->model.stacked)
        return RC_FATAL;
    p->img = img;
    build_orig(a, &img->model);
    if (p->n_meta)      /* only package databases look paths up by name */
        analysis_build_path_index(a, &img->model);
    mask_prepare(a, img);      /* before any finding or fix text quotes an instruction */
    packages_run(a, img);
    dfmap_free(a->dfmap);
    a->dfmap = dfmap_build(a->opts.dockerfile, img);   /* findings cite its lines */
    /* The secret file-name pass touches only the hits and a->secrets, and the .dockerignore after
     * it only reads; the waste walk and the duplicate groups touch neither: on two cores they run
     * side by side. Without a thread they run one after the other. */
    struct secrets_job job = {a, img, NULL};
    pthread_t t;
    int threaded = pthread_create(&t, NULL, secrets_thread, &job) == 0;
    waste_run(a, img);
    dupes_run(a, img);
    if (threaded)
        pthread_join(t, NULL);
    else
        secrets_then_dockerignore(&job);
    dockerignore_hints_add(a, img, job.di);   /* after the waste hints, placed by history */
    /* owner stays: the view shows a package's files (fgroups_package_of) */
    free(p->phash);
    free(p->pslots);
    p->phash = NULL;
    p->pslots = NULL;
    p->n_pslots = 0;
    p->img = NULL;
    advice_run(a, img);     /* reads the categories and packages made above */
    return a->n_warnings ? RC_WARN : RC_OK;
}

void analysis_free(struct analysis *a)
{
    if (!a)
        return;
    struct analysis_priv *p = PRIV(a);
    dfmap_free(a->dfmap);
    for (size_t i = 0; i < a->n_cats; i++) {
        free(a->cats[i].fix);
        for (size_t k = 0; k < a->cats[i].n_paths; k++)
            free(a->cats[i].paths[k]);
        free(a->cats[i].paths);
        free(a->cats[i].blame);
    }
    free(a->cats);
    free(a->dead);
    for (size_t i = 0; i < a->n_dups; i++)
        free(a->dups[i].entries);
    free(a->dups);
    for (size_t i = 0; i < a->n_pkgs; i++) {
        free(a->pkgs[i].name);
        free(a->pkgs[i].version);
    }
    free(a->pkgs);
    for (size_t i = 0; i < a->n_secrets; i++) {
        free(a->secrets[i].path);
        free(a->secrets[i].created_by);
        free(a->secrets[i].raw);
        free(a->secrets[i].name);
    }
    free(a->secrets);
    mask_free(a);
    advice_free(a->advice);
    for (size_t i = 0; i < a->n_hints; i++)
        free(a->hints[i].text);
    free(a->hints);
    for (size_t i = 0; i < a->n_warnings; i++)
        free(a->warnings[i]);
    free(a->warnings);
    if (p) {
        secrets_free(p->sc);
        XXH3_freeState(p->xx);
        free(p->hash);
        free(p->hashed);
        free(p->cur_path);
        free(p->sbuf);
        free(p->mbuf);
        budget_give(p->cur_held);
        budget_give(p->pkgs_held);
        for (size_t i = 0; i < p->n_hits; i++) {
            free(p->hits[i].raw);
            free(p->hits[i].name);
        }
        free(p->hits);
        for (size_t i = 0; i < p->n_masks; i++)
            free(p->masks[i].raw);
        free(p->masks);
        content_meta_drop(p);
        free(p->meta);
        for (size_t i = 0; i < p->n_spare; i++)
            secrets_free(p->spare[i]);
        free(p->spare);
        free(p->meta_refused);
        for (size_t i = 0; i < p->n_ignore; i++)
            free(p->ignore[i]);
        free(p->ignore);
        for (size_t i = 0; i < p->n_allow; i++)
            free(p->allow[i]);
        free(p->allow);
        for (size_t i = 0; i < p->n_urules; i++) {
            free(p->urules[i].id);
            free(p->urules[i].pattern);
            free(p->urules[i].title);
            free(p->urules[i].fix);
        }
        free(p->urules);
        free(p->orig);
        free(p->owner);
        free(p->phash);
        free(p->pslots);
        free(p);
    }
    free(a);
}
