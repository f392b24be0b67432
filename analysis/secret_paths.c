/* secret_paths.c: the scanner's path patterns (file rules, path-limited content rules,
 * allowlist, skip list) and the file-name rules that use them.
 *
 * Paths get the treatment content gets in secrets.c: every path pattern of every list is one
 * literal in a Vectorscan database, so one scan of a path names the few patterns that can
 * match it; only those are tried, with the same exact test (pat_match) that would otherwise
 * run for every pattern in turn. */
#include "analysis/secrets_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/util.h"

void patlist_init(struct secret_scanner *s, struct patlist *pl, const char *spec)
{
    memset(pl, 0, sizeof *pl);
    if (!spec || !*spec)
        return;
    pl->buf = xstrdup(spec);
    size_t n = 1;
    for (const char *c = spec; *c; c++)
        n += *c == '|';
    pl->v = xcalloc(n, sizeof *pl->v);
    char *save = NULL;
    for (char *t = strtok_r(pl->buf, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
        struct pat *p = &pl->v[pl->n++];
        size_t len = strlen(t);
        if (t[0] == '=') {
            p->how = PAT_EXACT, t++, len--;
        } else if (t[0] == '^') {
            p->how = PAT_PREFIX, t++, len--;
        } else if (t[0] == '~') {
            p->how = PAT_BASESUB, t++, len--;
        } else if (t[0] == '/' && len > 1 && t[len - 1] == '/') {
            p->how = PAT_COMPONENT;
        } else if (t[0] == '/') {
            p->how = PAT_SUFFIX;
        } else if (t[0] == '*') {
            p->how = PAT_EXT, t++, len--;
        } else if (len > 1 && t[len - 1] == '*') {
            p->how = PAT_BASEPREFIX, len--;
        } else {
            p->how = PAT_BASENAME;
        }
        p->s = t;
        p->len = (unsigned short)len;
        if (!len || s->npat == PATH_PATS_MAX) {
            fprintf(stderr, "strata: path pattern \"%s\": empty, or raise PATH_PATS_MAX\n", t);
            abort();
        }
        p->id = (unsigned short)s->npat;
        s->pat[s->npat] = p;
        s->pat_list[s->npat++] = (unsigned short)s->nlist;
    }
    if (pl->n) {
        if (s->nlist == PATH_LISTS_MAX) {
            fputs("strata: too many path pattern lists: raise PATH_LISTS_MAX\n", stderr);
            abort();
        }
        pl->id = (unsigned short)s->nlist++;
        pl->first = pl->v[0].id;
    }
}

void patlist_free(struct patlist *pl)
{
    free(pl->v);
    free(pl->buf);
}

/* Does one pattern match? On success *end (if given) is the offset just past the match in the
 * path, so "under" lists can require an order. */
static int pat_match(const struct pat *p, const struct pathq *q, size_t from, size_t *end)
{
    const char *path = q->path, *base = q->base;
    size_t plen = q->plen, blen = q->blen;
    switch (p->how) {
    case PAT_EXACT:
        if (from == 0 && plen == p->len && memcmp(path, p->s, plen) == 0)
            return *end = plen, 1;
        return 0;
    case PAT_PREFIX:
        if (from == 0 && plen >= p->len && memcmp(path, p->s, p->len) == 0)
            return *end = p->len, 1;
        return 0;
    case PAT_COMPONENT: {
        if (from > plen)
            return 0;
        const char *hit = memmem(path + from, plen - from, p->s, p->len);
        if (hit)
            return *end = (size_t)(hit - path) + p->len - 1, 1;   /* keep the final '/' */
        return 0;
    }
    case PAT_SUFFIX:
        if (plen >= p->len && memcmp(path + plen - p->len, p->s, p->len) == 0 &&
            plen - p->len >= from)
            return *end = plen, 1;
        return 0;
    case PAT_EXT:
        if (blen >= p->len && strncasecmp(base + blen - p->len, p->s, p->len) == 0)
            return *end = plen, 1;
        return 0;
    case PAT_BASEPREFIX:
        if (blen >= p->len && memcmp(base, p->s, p->len) == 0)
            return *end = plen, 1;
        return 0;
    case PAT_BASESUB:
        if (memmem(base, blen, p->s, p->len))
            return *end = plen, 1;
        return 0;
    default:
        if (blen == p->len && memcmp(base, p->s, blen) == 0)
            return *end = plen, 1;
        return 0;
    }
}

static int has_bit(const uint64_t *set, unsigned i)
{
    return (set[i / 64] >> (i % 64)) & 1;
}

/* Does a pattern of pl match? The first that does, in list order, sets *end. Only the
 * prefilter's candidates are tried (a list's ids are consecutive, in its order): one that is
 * no candidate cannot match, so the answer is the one trying every pattern would give. */
int patlist_match(const struct patlist *pl, const struct pathq *q, size_t from, size_t *end)
{
    size_t e, lo = pl->first, hi = pl->first + pl->n;
    if (!end)
        end = &e;
    if (q->all) {
        for (size_t i = 0; i < pl->n; i++)
            if (pat_match(&pl->v[i], q, from, end))
                return 1;
        return 0;
    }
    if (!pl->n || !has_bit(q->list, pl->id))
        return 0;
    for (size_t w = lo / 64; w * 64 < hi; w++) {
        uint64_t bits = q->pat[w];
        if (w == lo / 64)
            bits &= ~(uint64_t)0 << (lo % 64);
        if (hi < (w + 1) * 64)
            bits &= ((uint64_t)1 << (hi % 64)) - 1;
        for (; bits; bits &= bits - 1) {
            size_t id = w * 64 + (size_t)__builtin_ctzll(bits);
            if (pat_match(&pl->v[id - lo], q, from, end))
                return 1;
        }
    }
    return 0;
}

static int on_path_pattern(unsigned id, unsigned long long from, unsigned long long to,
                           unsigned flags, void *ctx)
{
    struct pathq *q = ctx;
    unsigned l = q->owner[id];
    (void)from, (void)to, (void)flags;
    q->pat[id / 64] |= (uint64_t)1 << (id % 64);
    q->list[l / 64] |= (uint64_t)1 << (l % 64);
    return 0;
}

void path_query(const struct secret_scanner *s, const char *path, struct pathq *q)
{
    q->path = path;
    q->plen = strlen(path);
    const char *slash = memrchr(path, '/', q->plen);
    q->base = slash ? slash + 1 : path;
    q->blen = q->plen - (size_t)(q->base - path);
    q->owner = s->pat_list;
    memset(q->pat, 0, sizeof q->pat);
    memset(q->list, 0, sizeof q->list);
    q->all = s->path_reference || !s->path_db || q->plen > UINT32_MAX;
    if (q->all || !q->plen)             /* no pattern is empty: "" matches none */
        return;
    if (hs_scan(s->path_db, path, (unsigned)q->plen, 0, s->hs_scratch, on_path_pattern, q) !=
        HS_SUCCESS) {
        fputs("strata: secret path scan failed\n", stderr);
        abort();
    }
}

unsigned path_allowed_scope(const struct secret_scanner *s, const struct pathq *q)
{
    unsigned scope = 0;
    if (!q)
        return 0;
    for (size_t i = 0; i < s->nallow; i++) {
        const struct allow *a = &s->allow[i];
        size_t from = 0;
        if (a->under.n && !patlist_match(&a->under, q, 0, &from))
            continue;
        if (!patlist_match(&a->paths, q, from, NULL))
            continue;
        scope |= a->scope ? a->scope : ~0u;
    }
    return scope;
}

/* The path prefilter: every registered pattern's literal, its id its index in s->pat, found
 * anywhere in the path (caseless for *.ext), so every path pat_match accepts reports it. Not
 * anchored: '^', '$' or (^|/) make the database slower than pat_match confirming the few
 * candidates. EXT's caseless is ASCII's and strncasecmp's the locale's, but in the UTF-8
 * locale strata runs in no byte folds onto an ASCII letter but its other case. */
void path_compile_prefilter(struct secret_scanner *s)
{
    if (!s->npat)
        return;
    const char **lit = xcalloc(s->npat, sizeof *lit);
    size_t *len = xcalloc(s->npat, sizeof *len);
    unsigned *flags = xcalloc(s->npat, sizeof *flags), *ids = xcalloc(s->npat, sizeof *ids);
    for (size_t i = 0; i < s->npat; i++) {
        lit[i] = s->pat[i]->s;
        len[i] = s->pat[i]->len;
        flags[i] = s->pat[i]->how == PAT_EXT ? HS_FLAG_CASELESS : 0;
        ids[i] = (unsigned)i;
    }
    hs_compile_error_t *err = NULL;
    if (hs_compile_lit_multi(lit, flags, ids, len, (unsigned)s->npat, HS_MODE_BLOCK, NULL,
                             &s->path_db, &err) != HS_SUCCESS) {
        fprintf(stderr, "strata: secret path patterns: %s\n", err ? err->message : "hs_compile");
        abort();
    }
    if (hs_alloc_scratch(s->path_db, &s->hs_scratch) != HS_SUCCESS) {
        fputs("strata: out of memory\n", stderr);
        abort();
    }
    free(lit);
    free(len);
    free(flags);
    free(ids);
}

/* ---- file names ---- */

int secrets_check_path(struct secret_scanner *s, const char *path, secret_hit_fn fn, void *ctx)
{
    if (!path || !*path)
        return 0;
    struct pathq q;
    path_query(s, path, &q);
    unsigned scope = path_allowed_scope(s, &q);
    for (size_t k = 0; k < s->nfile_rules; k++) {
        size_t i = s->file_rules[k];
        const struct secret_rule *r = &secret_rules[i];
        if (s->ignored[i] || (scope && rule_allowed(scope, r)))
            continue;
        if (!patlist_match(&s->files[i], &q, 0, NULL) ||
            patlist_match(&s->files_exempt[i], &q, 0, NULL))
            continue;
        struct secret_hit out = {r->id, r->severity, SK_FILE, r->fix, 0, 0, ""};
        if (fn)
            fn(ctx, &out);
        return 1;
    }
    return 0;
}

int secrets_needs_content(const struct secret_scanner *s, const char *path, uint64_t size)
{
    if (!size || !path)
        return 0;
    struct pathq q;
    path_query(s, path, &q);
    if (patlist_match(&s->skip, &q, 0, NULL))
        return 0;
    return path_allowed_scope(s, &q) != ~0u;
}

void secrets_internal_path_reference(struct secret_scanner *s, int on)
{
    s->path_reference = on;
}
