/* secrets.c: the scanner that runs analysis/secret_rules.c.
 *
 * Speed comes from not running regexes over text that cannot match. Every content rule lists
 * literal keywords (>= 3 bytes) that any match contains. All rules' keywords are one Vectorscan
 * (Hyperscan) literal database, scanned in one pass over the text; only around a keyword found
 * there (its line, or `span` bytes for multi-line PEM blocks) does that rule's PCRE2 JIT regex
 * run. Text with no keyword costs the one pass and nothing else. Two databases: one without the
 * keywords of path-limited rules (.npmrc's _auth, .pypirc's password, …), used for every file
 * those rules do not apply to, so a "password" in a config file costs nothing for them.
 *
 * generic-api-key (SRF_ASSIGN) is the exception: its keywords (key, token, secret, password)
 * are in every line of config text, so it goes the other way round. analysis/secret_assign.c
 * finds the assignments with a token-like value after them (rare), and the keywords are looked
 * for only in the few bytes before those; each one found is handled as a keyword Vectorscan
 * reported, in the same order, so the findings are the ones the keyword pass would give.
 *
 * Paths get the same treatment: every path pattern of every list (file rules, path-limited
 * content rules, allowlist, skip list) is one literal in a second Vectorscan database, so one
 * scan of a path names the few patterns that can match it; only those are tried, with the
 * same exact test (pat_match) that would otherwise run for every pattern in turn. */
#include "analysis/secrets.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <hs/hs.h>
#include <pcre2.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analysis/secret_assign.h"
#include "src/util.h"

#define HS_CHUNK    (1u << 30)          /* hs_scan takes an unsigned length */
#define MAX_BACK    1024                /* how far before a keyword a line window may start */
#define MAX_FWD     8192                /* how far after it a line window may reach */
#define BINARY_PROBE 8192
#define MASK_MIN    16                  /* shorter values are starred entirely */
#define PATH_PATS_MAX  512              /* path patterns over all lists (the table has ~250) */
#define PATH_LISTS_MAX 64               /* non-empty pattern lists (the table has ~20) */

enum { PAT_EXACT, PAT_PREFIX, PAT_COMPONENT, PAT_SUFFIX, PAT_EXT, PAT_BASEPREFIX,
       PAT_BASESUB, PAT_BASENAME };

struct pat {
    const char *s;                      /* points into the owning list's copy */
    unsigned short len;
    unsigned char how;                  /* PAT_* */
    unsigned short id;                  /* its Vectorscan id: bit in pathq.pat */
};

struct patlist {
    struct pat *v;
    size_t n;
    char *buf;                          /* the '|'-split copy the patterns point into */
    unsigned short id;                  /* bit in pathq.list (when n > 0) */
    unsigned short first;               /* its patterns' ids: first .. first + n - 1 */
};

/* One path as the matchers see it, and which patterns the prefilter found possible. */
struct pathq {
    const char *path, *base;            /* base: the basename, inside path */
    size_t plen, blen;
    int all;                            /* no prefilter: every pattern is a candidate */
    const unsigned short *owner;        /* pattern id -> its list's id */
    uint64_t pat[PATH_PATS_MAX / 64];   /* candidate patterns */
    uint64_t list[PATH_LISTS_MAX / 64]; /* lists with a candidate */
};

struct kw {                             /* one per keyword; its index is its Vectorscan id */
    uint16_t rule;
    uint8_t len;
};

struct akw {                            /* a keyword of an SRF_ASSIGN rule */
    const char *s;                      /* in the rule table, not NUL-terminated at len */
    uint16_t rule;
    uint8_t len, icase;
};

struct rstate {
    size_t scanned_until;               /* keywords before this offset need no new window */
    size_t last_end;                    /* end of the last kept match: no overlapping repeats */
};

struct hitrec {
    size_t vs, ve;                      /* the secret value */
    uint32_t rule;
};

struct allow {
    struct patlist paths, under;
    unsigned scope;
};

struct secret_scanner {
    size_t nrules;
    pcre2_code **code;                  /* per rule: regex (content, env, history) or NULL */
    pcre2_code **exempt;                /* per rule: exempt regex for name rules */
    struct patlist *files;              /* per rule: SK_FILE patterns */
    size_t *file_rules, nfile_rules;    /* the SK_FILE rules' indexes, in table order */
    struct patlist *files_exempt;
    struct patlist *paths;              /* per rule: SK_CONTENT path restriction */
    unsigned char *ignored;
    struct kw *kw;
    size_t nkw, maxkw;                  /* maxkw: the longest keyword's length */
    hs_database_t *hs_db;               /* every content rule's keywords, block mode, but
                                         * the SRF_ASSIGN rules' */
    hs_database_t *hs_db_common;        /* the same without the path-limited rules' (NULL
                                         * when that leaves none) */
    struct akw *akw;                    /* the SRF_ASSIGN rules' keywords */
    size_t nakw;
    const char **kwlit;                 /* every keyword: kw[i]'s at i; the SRF_ASSIGN ones
                                         * last, from nkw on (nkw + nakw in all) */
    hs_database_t *hs_db_ref;           /* tests: all of them in one database */
    int content_reference;              /* tests: secrets_internal_content_reference */
    hs_scratch_t *hs_scratch;
    struct allow *allow;
    size_t nallow;
    struct patlist skip;
    const struct pat *pat[PATH_PATS_MAX];       /* every path pattern, by id */
    unsigned short pat_list[PATH_PATS_MAX];     /* its list's id */
    size_t npat, nlist;
    hs_database_t *path_db;             /* path patterns' literals; shares hs_scratch */
    int path_reference;                 /* tests: no prefilter (secrets_internal_path_reference) */
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit_stack;
    /* per-call scratch */
    struct rstate *st;
    unsigned char *active;
    int paths_active, assign_active;    /* a path-limited / SRF_ASSIGN rule is active */
    struct hitrec *hits;
    size_t nhits, caphits;
    const char *sbuf;                   /* the text hs_scan is scanning, */
    size_t slen, sbase, smin_end;       /* its length, the chunk's offset in it, and the end a
                                         * match must pass to be new (chunks overlap) */
};

/* ---- small helpers ---- */

static void *xmalloc_(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("strata: out of memory\n", stderr);
        abort();
    }
    return p;
}

static void *xcalloc_(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p) {
        fputs("strata: out of memory\n", stderr);
        abort();
    }
    return p;
}

static char *xstrdup_(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc_(n), s, n);
}

/* Splits spec into pl and registers its patterns with s for the path prefilter. */
static void patlist_init(struct secret_scanner *s, struct patlist *pl, const char *spec)
{
    memset(pl, 0, sizeof *pl);
    if (!spec || !*spec)
        return;
    pl->buf = xstrdup_(spec);
    size_t n = 1;
    for (const char *c = spec; *c; c++)
        n += *c == '|';
    pl->v = xcalloc_(n, sizeof *pl->v);
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

static void patlist_free(struct patlist *pl)
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
static int patlist_match(const struct patlist *pl, const struct pathq *q, size_t from,
                         size_t *end)
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

/* Fills q for path: its basename, and the patterns that can match it (one Vectorscan scan). */
static void path_query(const struct secret_scanner *s, const char *path, struct pathq *q)
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

/* Rule-class bits silenced for this path by the allowlist; ~0u means every rule. */
static unsigned allowed_scope(const struct secret_scanner *s, const struct pathq *q)
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

static int rule_allowed(unsigned scope, const struct secret_rule *r)
{
    return scope == ~0u || (r->flags & scope & (SRF_KEYMAT | SRF_NAMES));
}

static pcre2_code *compile(const char *re, const char *id)
{
    int err;
    PCRE2_SIZE off;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
    if (!c) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(err, msg, sizeof msg);
        fprintf(stderr, "strata: secret rule %s: regex error at %zu: %s\n", id, (size_t)off,
                (const char *)msg);
        abort();
    }
    pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);   /* without JIT support pcre2_match interprets */
    return c;
}

/* ---- construction ---- */

/* The path prefilter: every registered pattern's literal, its id its index in s->pat, found
 * anywhere in the path (caseless for *.ext), so every path pat_match accepts reports it. Not
 * anchored: '^', '$' or (^|/) make the database slower than pat_match confirming the few
 * candidates. EXT's caseless is ASCII's and strncasecmp's the locale's, but in the UTF-8
 * locale strata runs in no byte folds onto an ASCII letter but its other case. */
static void compile_paths(struct secret_scanner *s)
{
    if (!s->npat)
        return;
    const char **lit = xcalloc_(s->npat, sizeof *lit);
    size_t *len = xcalloc_(s->npat, sizeof *len);
    unsigned *flags = xcalloc_(s->npat, sizeof *flags), *ids = xcalloc_(s->npat, sizeof *ids);
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

/* One keyword database (NULL for none); s->hs_scratch grows to fit it. */
static hs_database_t *compile_keywords(struct secret_scanner *s, const char **lit,
                                       const size_t *len, const unsigned *flags,
                                       const unsigned *ids, size_t n)
{
    hs_database_t *db = NULL;
    hs_compile_error_t *err = NULL;
    if (!n)
        return NULL;
    if (hs_compile_lit_multi(lit, flags, ids, len, (unsigned)n, HS_MODE_BLOCK, NULL, &db,
                             &err) != HS_SUCCESS) {
        fprintf(stderr, "strata: secret keywords: %s\n", err ? err->message : "hs_compile");
        abort();
    }
    if (hs_alloc_scratch(db, &s->hs_scratch) != HS_SUCCESS) {
        fputs("strata: out of memory\n", stderr);
        abort();
    }
    return db;
}

struct secret_scanner *secrets_new(void)
{
    struct secret_scanner *s = xcalloc_(1, sizeof *s);
    size_t n = secret_rules_n;
    s->nrules = n;
    s->code = xcalloc_(n, sizeof *s->code);
    s->exempt = xcalloc_(n, sizeof *s->exempt);
    s->files = xcalloc_(n, sizeof *s->files);
    s->files_exempt = xcalloc_(n, sizeof *s->files_exempt);
    s->file_rules = xcalloc_(n, sizeof *s->file_rules);
    s->paths = xcalloc_(n, sizeof *s->paths);
    s->ignored = xcalloc_(n, 1);
    s->active = xcalloc_(n, 1);
    s->st = xcalloc_(n, sizeof *s->st);

    uint32_t maxgroups = 1;
    size_t nkw = 0;
    for (size_t i = 0; i < n; i++) {
        const struct secret_rule *r = &secret_rules[i];
        if (r->kind == SK_FILE) {
            s->file_rules[s->nfile_rules++] = i;
            patlist_init(s, &s->files[i], r->pattern);
            patlist_init(s, &s->files_exempt[i], r->exempt);
            continue;
        }
        s->code[i] = compile(r->pattern, r->id);
        if (r->exempt)
            s->exempt[i] = compile(r->exempt, r->id);
        patlist_init(s, &s->paths[i], r->paths);
        uint32_t cap = 0;
        pcre2_pattern_info(s->code[i], PCRE2_INFO_CAPTURECOUNT, &cap);
        if (cap + 1 > maxgroups)
            maxgroups = cap + 1;
        if (r->group > cap) {
            fprintf(stderr, "strata: secret rule %s: group %u of %u\n", r->id, r->group, cap);
            abort();
        }
        if (r->keywords)
            for (const char *c = r->keywords; *c; c++)
                nkw += *c == '|';
        nkw += r->keywords != NULL;
    }

    s->kw = xcalloc_(nkw, sizeof *s->kw);
    s->akw = xcalloc_(nkw, sizeof *s->akw);
    const char **lit = xcalloc_(nkw, sizeof *lit);
    size_t *litlen = xcalloc_(nkw, sizeof *litlen);
    unsigned *litflags = xcalloc_(nkw, sizeof *litflags), *ids = xcalloc_(nkw, sizeof *ids);
    uint16_t *litrule = xcalloc_(nkw, sizeof *litrule);
    size_t nlit = 0;
    for (size_t i = 0; i < n; i++) {
        const struct secret_rule *r = &secret_rules[i];
        if (r->kind != SK_CONTENT || !r->keywords)
            continue;
        const char *c = r->keywords;
        while (*c) {
            const char *e = strchr(c, '|');
            size_t len = e ? (size_t)(e - c) : strlen(c);
            if (len < 3 || len > 255) {
                fprintf(stderr, "strata: secret rule %s: keyword of %zu bytes\n", r->id, len);
                abort();
            }
            lit[nlit] = c;
            litlen[nlit] = len;
            litflags[nlit] = (r->flags & SRF_KWICASE) ? HS_FLAG_CASELESS : 0;
            litrule[nlit++] = (uint16_t)i;
            c += len + (e != NULL);
        }
    }
    for (size_t a = 0; a < nlit; a++)
        for (size_t b = 0; b < nlit; b++)
            if (a != b && litrule[a] == litrule[b] && litlen[a] >= litlen[b] &&
                memmem(lit[a], litlen[a], lit[b], litlen[b])) {
                fprintf(stderr, "strata: secret rule %s: a keyword holds another\n",
                        secret_rules[litrule[a]].id);
                abort();
            }
    /* The Vectorscan literals are the keywords of every rule but the SRF_ASSIGN ones, in
     * table order, each one's id its index in s->kw; the SRF_ASSIGN ones follow (in s->kw
     * for the reference database of the tests) and go to s->akw. Every occurrence is
     * reported (no HS_FLAG_SINGLEMATCH): a rule's first keyword may be a near miss and its
     * second the secret. */
    s->kwlit = xcalloc_(nkw, sizeof *s->kwlit);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < nlit; k++) {
            const struct secret_rule *r = &secret_rules[litrule[k]];
            int assign = (r->flags & SRF_ASSIGN) != 0;
            if (assign != pass)
                continue;
            if (assign && !(r->flags & SRF_ANCHOR)) {
                fprintf(stderr, "strata: secret rule %s: SRF_ASSIGN without SRF_ANCHOR\n", r->id);
                abort();
            }
            size_t at = s->nkw + s->nakw;
            s->kwlit[at] = lit[k];
            s->kw[at] = (struct kw){litrule[k], (uint8_t)litlen[k]};
            if (litlen[k] > s->maxkw)
                s->maxkw = litlen[k];
            if (assign)
                s->akw[s->nakw++] = (struct akw){lit[k], litrule[k], (uint8_t)litlen[k],
                                                 (r->flags & SRF_KWICASE) != 0};
            else
                s->nkw++;
        }
    }
    for (size_t k = 0; k < s->nkw + s->nakw; k++) {
        const struct secret_rule *r = &secret_rules[s->kw[k].rule];
        lit[k] = s->kwlit[k];
        litlen[k] = s->kw[k].len;
        litflags[k] = (r->flags & SRF_KWICASE) ? HS_FLAG_CASELESS : 0;
        ids[k] = (unsigned)k;
    }
    s->hs_db = compile_keywords(s, lit, litlen, litflags, ids, s->nkw);
    /* the common database: the same ids, without the path-limited rules' literals */
    size_t ncommon = 0;
    for (size_t k = 0; k < s->nkw; k++) {
        if (secret_rules[s->kw[k].rule].paths)
            continue;
        lit[ncommon] = lit[k];
        litlen[ncommon] = litlen[k];
        litflags[ncommon] = litflags[k];
        ids[ncommon++] = ids[k];
    }
    s->hs_db_common = compile_keywords(s, lit, litlen, litflags, ids, ncommon);
    free(lit);
    free(litlen);
    free(litflags);
    free(ids);
    free(litrule);

    s->nallow = secret_allows_n;
    s->allow = xcalloc_(s->nallow, sizeof *s->allow);
    for (size_t i = 0; i < s->nallow; i++) {
        patlist_init(s, &s->allow[i].paths, secret_allows[i].paths);
        patlist_init(s, &s->allow[i].under, secret_allows[i].under);
        s->allow[i].scope = secret_allows[i].scope;
    }
    patlist_init(s, &s->skip, secret_skip_paths);
    compile_paths(s);

    s->md = pcre2_match_data_create(maxgroups, NULL);
    s->mctx = pcre2_match_context_create(NULL);
    s->jit_stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    if (!s->md || !s->mctx || !s->jit_stack) {
        fputs("strata: out of memory\n", stderr);
        abort();
    }
    pcre2_jit_stack_assign(s->mctx, NULL, s->jit_stack);
    pcre2_set_match_limit(s->mctx, 1000000);    /* a pathological line fails, not hangs */
    return s;
}

void secrets_free(struct secret_scanner *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nrules; i++) {
        pcre2_code_free(s->code[i]);
        pcre2_code_free(s->exempt[i]);
        patlist_free(&s->files[i]);
        patlist_free(&s->files_exempt[i]);
        patlist_free(&s->paths[i]);
    }
    for (size_t i = 0; i < s->nallow; i++) {
        patlist_free(&s->allow[i].paths);
        patlist_free(&s->allow[i].under);
    }
    patlist_free(&s->skip);
    pcre2_match_data_free(s->md);
    pcre2_match_context_free(s->mctx);
    pcre2_jit_stack_free(s->jit_stack);
    free(s->code);
    free(s->exempt);
    free(s->files);
    free(s->files_exempt);
    free(s->file_rules);
    free(s->paths);
    free(s->ignored);
    free(s->active);
    free(s->st);
    free(s->kw);
    hs_free_scratch(s->hs_scratch);
    hs_free_database(s->hs_db);
    hs_free_database(s->hs_db_common);
    hs_free_database(s->hs_db_ref);
    free(s->akw);
    free(s->kwlit);
    hs_free_database(s->path_db);
    free(s->allow);
    free(s->hits);
    free(s);
}

int secrets_ignore(struct secret_scanner *s, const char *rule_id)
{
    for (size_t i = 0; i < s->nrules; i++) {
        if (strcmp(secret_rules[i].id, rule_id) == 0) {
            s->ignored[i] = 1;
            return 0;
        }
    }
    return -1;
}

/* ---- hits: collected per call, then the best per overlapping group is reported ---- */

static void add_hit(struct secret_scanner *s, size_t rule, size_t vs, size_t ve)
{
    ARR_GROW(s->hits, s->caphits, s->nhits, 1);
    s->hits[s->nhits++] = (struct hitrec){vs, ve, (uint32_t)rule};
}

static int hit_cmp(const void *a, const void *b)
{
    const struct hitrec *x = a, *y = b;
    if (x->vs != y->vs)
        return x->vs < y->vs ? -1 : 1;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    return 0;
}

static int better(const struct hitrec *a, const struct hitrec *b)
{
    const struct secret_rule *ra = &secret_rules[a->rule], *rb = &secret_rules[b->rule];
    if (ra->severity != rb->severity)
        return ra->severity > rb->severity;
    return a->rule < b->rule;
}

static int emit_hits(struct secret_scanner *s, const char *text, enum secret_kind where,
                     secret_hit_fn fn, void *ctx)
{
    int count = 0;
    if (!s->nhits)
        return 0;
    if (s->nhits > 1)
        qsort(s->hits, s->nhits, sizeof *s->hits, hit_cmp);
    size_t i = 0;
    while (i < s->nhits) {
        size_t best = i, end = s->hits[i].ve, j = i + 1;
        while (j < s->nhits && s->hits[j].vs < end) {
            if (better(&s->hits[j], &s->hits[best]))
                best = j;
            if (s->hits[j].ve > end)
                end = s->hits[j].ve;
            j++;
        }
        const struct hitrec *h = &s->hits[best];
        const struct secret_rule *r = &secret_rules[h->rule];
        struct secret_hit out = {r->id, r->severity, where, r->fix, h->vs, h->ve - h->vs, ""};
        secrets_mask(text + h->vs, h->ve - h->vs, out.masked, sizeof out.masked);
        if (fn)
            fn(ctx, &out);
        count++;
        i = j;
    }
    s->nhits = 0;
    return count;
}

/* ---- content ---- */

static int has_example(const char *v, size_t n)
{
    for (size_t i = 0; i + 7 <= n; i++)
        if ((v[i] | 0x20) == 'e' && strncasecmp(v + i, "example", 7) == 0)
            return 1;
    return 0;
}

/* The match in s->md (rc from pcre2_match): validate its value and record it. 1 if kept. */
static int keep_match(struct secret_scanner *s, size_t r, const char *buf, unsigned rc)
{
    const struct secret_rule *rule = &secret_rules[r];
    struct rstate *st = &s->st[r];
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
    unsigned g = rule->group;
    if (rc <= g || ov[2 * g] == PCRE2_UNSET || ov[0] < st->last_end)
        return 0;
    size_t vs = ov[2 * g], ve = ov[2 * g + 1];
    if (ve <= vs || has_example(buf + vs, ve - vs))
        return 0;
    if (rule->check && !rule->check(buf, ov, g))
        return 0;
    add_hit(s, r, vs, ve);
    st->last_end = ov[1];
    return 1;
}

/* Runs rule r's regex at (SRF_ANCHOR) or around (its line, or span bytes) a keyword at p. */
static void run_window(struct secret_scanner *s, size_t r, const char *buf, size_t len, size_t p)
{
    const struct secret_rule *rule = &secret_rules[r];
    struct rstate *st = &s->st[r];
    if (rule->flags & SRF_ANCHOR) {
        /* one attempt, anchored at the keyword; a match may run to the span or MAX_FWD */
        size_t lim = rule->span ? rule->span : MAX_FWD;
        if (p < st->last_end)
            return;
        int rc = pcre2_match(s->code[r], (PCRE2_SPTR)buf, len - p > lim ? p + lim : len, p,
                             PCRE2_ANCHORED, s->md, s->mctx);
        if (rc > 0)
            keep_match(s, r, buf, (unsigned)rc);
        return;
    }
    size_t lo = p > MAX_BACK ? p - MAX_BACK : 0, ws, we, hi;
    const char *nl = memrchr(buf + lo, '\n', p - lo);
    ws = nl ? (size_t)(nl - buf) + 1 : lo;
    int clipped;
    if (rule->span) {
        we = len - p > rule->span ? p + rule->span : len;
        clipped = 1;
    } else {
        hi = len - p > MAX_FWD ? p + MAX_FWD : len;
        nl = memchr(buf + p, '\n', hi - p);
        we = nl ? (size_t)(nl - buf) : hi;
        clipped = !nl && hi < len;
    }
    size_t off = ws, last = 0;
    while (off <= we) {
        int rc = pcre2_match(s->code[r], (PCRE2_SPTR)buf, we, off, 0, s->md, s->mctx);
        if (rc <= 0)
            break;
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
        off = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
        if (keep_match(s, r, buf, (unsigned)rc))
            last = ov[1];
    }
    /* A window that ended at a newline (or the end) saw every match this rule has on it; a
     * clipped one leaves a margin so a token cut at its edge is seen whole next time. */
    if (!clipped)
        st->scanned_until = we;
    else if (last > p)
        st->scanned_until = last;
    else
        st->scanned_until = we - p > 512 ? we - 512 : p + 1;
}

/* A keyword of rule r, kwlen bytes, starts at s->sbuf[at]: run the rule there, unless its
 * line was looked at already (scanned_until) or a kept match covers it (last_end). */
static void on_rule_keyword(struct secret_scanner *s, size_t r, size_t at, size_t kwlen)
{
    const struct secret_rule *rule = &secret_rules[r];
    struct rstate *st = &s->st[r];
    if (!s->active[r] || at < st->scanned_until || at < st->last_end)
        return;
    if (rule->pre && !rule->pre(s->sbuf, s->slen, at, kwlen))
        return;
    run_window(s, r, s->sbuf, s->slen, at);
}

/* Vectorscan reports keywords by end offset. No keyword of a rule holds another (checked in
 * secrets_new), so one rule's keywords end in the order they start: each runs as it comes,
 * and a rule's state (scanned_until, last_end) only moves forward, as one pass over the text
 * meets them. Rules share no state, so their interleaving does not matter. A keyword before
 * its rule's scanned_until (its line was looked at) or last_end (inside a kept match) is
 * skipped at once: in keyword-dense text that is most of them, with no copy and no sort. */
static int on_keyword(unsigned id, unsigned long long from, unsigned long long to,
                      unsigned flags, void *ctx)
{
    struct secret_scanner *s = ctx;
    const struct kw *kw = &s->kw[id];
    size_t end = s->sbase + (size_t)to;
    (void)from, (void)flags;
    if (end > s->smin_end)
        on_rule_keyword(s, kw->rule, end - kw->len, kw->len);
    return 0;
}

static int akw_at(const struct akw *k, const char *t)
{
    if (!k->icase)
        return memcmp(t, k->s, k->len) == 0;
    for (size_t i = 0; i < k->len; i++) {
        unsigned char a = (unsigned char)t[i], b = (unsigned char)k->s[i];
        if (a != b && ((a | 0x20) != (b | 0x20) || (unsigned char)((a | 0x20) - 'a') > 25))
            return 0;
    }
    return 1;
}

/* The SRF_ASSIGN rules: for every operator secret_assign_next reports, every start of one of
 * their keywords in the name before it (secret_assign_name), in order, as Vectorscan would
 * have reported it. A keyword anywhere else cannot start a match whose value passes the
 * rule's check, and a keyword that gives no kept match changes no state: skipping those
 * leaves the findings as they were. The names of successive operators do not overlap unless
 * they are the same name (an operator byte is no name byte), so `done` keeps the order. */
static void scan_assign(struct secret_scanner *s, const char *buf, size_t len)
{
    size_t done = 0, lo, hi;
    for (size_t o = 0; (o = secret_assign_next(buf, len, o)) < len; o++) {
        secret_assign_name(buf, o, &lo, &hi);
        for (size_t i = lo > done ? lo : done; i < hi; i++)
            for (size_t k = 0; k < s->nakw; k++)
                if (len - i >= s->akw[k].len && akw_at(&s->akw[k], buf + i))
                    on_rule_keyword(s, s->akw[k].rule, i, s->akw[k].len);
        if (hi > done)
            done = hi;
    }
}

/* The one pass: Vectorscan finds every keyword occurrence; each runs its rule as it comes.
 * Then the SRF_ASSIGN rules' own pass. */
static void scan_text(struct secret_scanner *s, const char *buf, size_t len)
{
    hs_database_t *db = s->content_reference ? s->hs_db_ref
                        : s->paths_active      ? s->hs_db
                                               : s->hs_db_common;
    if (len < 3)
        return;
    memset(s->st, 0, s->nrules * sizeof *s->st);
    s->sbuf = buf;
    s->slen = len;
    s->smin_end = 0;
    /* Chunks overlap by maxkw - 1 bytes so no keyword is cut; one seen before is skipped. */
    for (size_t base = 0; db;) {
        size_t n = len - base > HS_CHUNK ? HS_CHUNK : len - base;
        s->sbase = base;
        if (hs_scan(db, buf + base, (unsigned)n, 0, s->hs_scratch, on_keyword, s) !=
            HS_SUCCESS) {
            fputs("strata: secret keyword scan failed\n", stderr);
            abort();
        }
        if (base + n == len)
            break;
        s->smin_end = base + n;
        base = base + n - (s->maxkw - 1);
    }
    if (s->assign_active && !s->content_reference)
        scan_assign(s, buf, len);
}

/* Which content rules run: not ignored, path restrictions met, not allowlisted. */
static int set_active(struct secret_scanner *s, const char *path, enum secret_kind where)
{
    struct pathq q;
    if (path)
        path_query(s, path, &q);
    unsigned scope = allowed_scope(s, path ? &q : NULL);
    int any = 0;
    s->paths_active = s->assign_active = 0;
    for (size_t i = 0; i < s->nrules; i++) {
        const struct secret_rule *r = &secret_rules[i];
        int on = r->kind == SK_CONTENT && !s->ignored[i];
        if (on && scope && rule_allowed(scope, r))
            on = 0;
        if (on && s->paths[i].n && !(path && patlist_match(&s->paths[i], &q, 0, NULL)))
            on = 0;
        if (on && where == SK_ENV && (r->flags & SRF_NOENV))
            on = 0;
        s->active[i] = (unsigned char)on;
        any |= on;
        s->paths_active |= on && s->paths[i].n;
        s->assign_active |= on && (r->flags & SRF_ASSIGN);
    }
    return any;
}

int secrets_scan_content(struct secret_scanner *s, const char *path, const char *buf, size_t len,
                         secret_hit_fn fn, void *ctx)
{
    if (!buf || !len)
        return 0;
    if (memchr(buf, 0, len < BINARY_PROBE ? len : BINARY_PROBE))
        return 0;
    s->nhits = 0;
    if (!set_active(s, path, SK_CONTENT))
        return 0;
    scan_text(s, buf, len);
    return emit_hits(s, buf, SK_CONTENT, fn, ctx);
}

/* ---- file names ---- */

int secrets_check_path(struct secret_scanner *s, const char *path, secret_hit_fn fn, void *ctx)
{
    if (!path || !*path)
        return 0;
    struct pathq q;
    path_query(s, path, &q);
    unsigned scope = allowed_scope(s, &q);
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
    return allowed_scope(s, &q) != ~0u;
}

void secrets_internal_path_reference(struct secret_scanner *s, int on)
{
    s->path_reference = on;
}

void secrets_internal_content_reference(struct secret_scanner *s, int on)
{
    size_t n = s->nkw + s->nakw;
    if (on && !s->hs_db_ref && n) {
        size_t *len = xcalloc_(n, sizeof *len);
        unsigned *flags = xcalloc_(n, sizeof *flags), *ids = xcalloc_(n, sizeof *ids);
        for (size_t k = 0; k < n; k++) {
            len[k] = s->kw[k].len;
            flags[k] = (secret_rules[s->kw[k].rule].flags & SRF_KWICASE) ? HS_FLAG_CASELESS : 0;
            ids[k] = (unsigned)k;
        }
        s->hs_db_ref = compile_keywords(s, s->kwlit, len, flags, ids, n);
        free(len);
        free(flags);
        free(ids);
    }
    s->content_reference = on;
}

int secrets_internal_active(struct secret_scanner *s, const char *path, unsigned char *active)
{
    int any = set_active(s, path, SK_CONTENT);
    memcpy(active, s->active, s->nrules);
    return any;
}

/* ---- names: Env entries and build args ---- */

/* NAME is text[ns..ne), its value text[vs..ve). */
static void check_name(struct secret_scanner *s, enum secret_kind kind, const char *text,
                       size_t ns, size_t ne, size_t vs, size_t ve)
{
    for (size_t i = 0; i < s->nrules; i++) {
        const struct secret_rule *r = &secret_rules[i];
        if (r->kind != kind || s->ignored[i] || ne <= ns || ve <= vs)
            continue;
        if (pcre2_match(s->code[i], (PCRE2_SPTR)text + ns, ne - ns, 0, 0, s->md, s->mctx) <= 0)
            continue;
        if (s->exempt[i] &&
            pcre2_match(s->exempt[i], (PCRE2_SPTR)text + ns, ne - ns, 0, 0, s->md, s->mctx) > 0)
            continue;
        size_t ov[2] = {vs, ve};
        if (r->check && !r->check(text, ov, 0))
            continue;
        add_hit(s, i, vs, ve);
    }
}

int secrets_check_env(struct secret_scanner *s, const char *nv, secret_hit_fn fn, void *ctx)
{
    if (!nv || !*nv)
        return 0;
    size_t len = strlen(nv);
    const char *eq = strchr(nv, '=');
    s->nhits = 0;
    if (set_active(s, NULL, SK_ENV))
        scan_text(s, nv, len);
    if (eq)
        check_name(s, SK_ENV, nv, 0, (size_t)(eq - nv), (size_t)(eq - nv) + 1, len);
    return emit_hits(s, nv, SK_ENV, fn, ctx);
}

static size_t skip_ws(const char *t, size_t i, size_t len)
{
    while (i < len && (t[i] == ' ' || t[i] == '\t'))
        i++;
    return i;
}

static int starts(const char *t, size_t i, size_t len, const char *w)
{
    size_t n = strlen(w);
    return len - i >= n && memcmp(t + i, w, n) == 0;
}

/* NAME=value words from i. For "|N …" (is_arg 0) at most n names, and a word without '='
 * before the n-th name continues the previous value (docker records "|2 A=two words B=1
 * /bin/sh -c" unquoted); the list ends at the n-th name's value. For "ARG …" (is_arg 1) every
 * word is an argument, and one without '=' has no default. */
static void check_args(struct secret_scanner *s, const char *t, size_t i, size_t len, size_t n,
                       int is_arg)
{
    size_t seen = 0, ns = 0, ne = 0, vs = 0, ve = 0;
    int have = 0;
    while (i < len) {
        i = skip_ws(t, i, len);
        size_t e = i;
        while (e < len && t[e] != ' ' && t[e] != '\t')
            e++;
        if (e == i)
            break;
        const char *eq = memchr(t + i, '=', e - i);
        int is_name = eq && eq > t + i;
        for (const char *c = t + i; is_name && c < eq; c++)
            if (!(*c == '_' || (*c >= '0' && *c <= '9') || ((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z')))
                is_name = 0;
        if (is_name && (is_arg || seen < n)) {
            if (have)
                check_name(s, SK_HISTORY, t, ns, ne, vs, ve);
            ns = i, ne = (size_t)(eq - t), vs = ne + 1, ve = e, have = 1;
            seen++;
        } else if (!is_arg && have && seen < n) {
            ve = e;
        } else if (!is_arg) {
            break;
        }
        i = e;
    }
    if (have)
        check_name(s, SK_HISTORY, t, ns, ne, vs, ve);
}

int secrets_check_history(struct secret_scanner *s, const char *cb, secret_hit_fn fn, void *ctx)
{
    if (!cb || !*cb)
        return 0;
    size_t len = strlen(cb);
    s->nhits = 0;
    if (set_active(s, NULL, SK_HISTORY))
        scan_text(s, cb, len);

    size_t i = skip_ws(cb, 0, len);
    if (starts(cb, i, len, "RUN "))
        i = skip_ws(cb, i + 4, len);
    if (starts(cb, i, len, "/bin/sh -c #(nop) "))
        i = skip_ws(cb, i + 18, len);
    if (i < len && cb[i] == '|') {
        /* "|N A=1 B=2 /bin/sh -c …": the N build args the RUN saw (classic builder, BuildKit) */
        size_t n = 0, j = i + 1;
        while (j < len && cb[j] >= '0' && cb[j] <= '9' && n < 10000)
            n = n * 10 + (size_t)(cb[j++] - '0');
        if (j > i + 1 && n)
            check_args(s, cb, j, len, n, 0);
    } else if (starts(cb, i, len, "ARG ")) {
        check_args(s, cb, i + 4, len, 0, 1);
    }
    return emit_hits(s, cb, SK_HISTORY, fn, ctx);
}

/* ---- formatting ---- */

void secrets_mask(const char *v, size_t n, char *out, size_t outsz)
{
    size_t o = 0;
    if (!outsz)
        return;
    if (n >= MASK_MIN && outsz >= 9) {
        size_t stars = n - 7;
        if (stars > outsz - 8)
            stars = outsz - 8;
        for (size_t i = 0; i < 4; i++)
            out[o++] = v[i] > ' ' && v[i] < 127 ? v[i] : '?';
        memset(out + o, '*', stars);
        o += stars;
        for (size_t i = n - 3; i < n; i++)
            out[o++] = v[i] > ' ' && v[i] < 127 ? v[i] : '?';
    } else {
        size_t stars = n < outsz - 1 ? n : outsz - 1;
        memset(out, '*', stars);
        o = stars;
    }
    out[o] = '\0';
}

static const char *const sev_names[] = {"info", "low", "medium", "high", "critical"};

const char *secrets_sev_name(enum secret_sev sev)
{
    return (unsigned)sev < 5 ? sev_names[sev] : "unknown";
}

int secrets_sev_parse(const char *name)
{
    for (int i = 0; name && i < 5; i++)
        if (strcasecmp(name, sev_names[i]) == 0)
            return i;
    return -1;
}

const char *secrets_kind_name(enum secret_kind kind)
{
    static const char *const names[] = {"content", "file", "env", "history"};
    return (unsigned)kind < 4 ? names[kind] : "unknown";
}

int secrets_rule_generic(const char *rule_id)
{
    for (size_t i = 0; rule_id && i < secret_rules_n; i++)
        if (secret_rules[i].id == rule_id || strcmp(secret_rules[i].id, rule_id) == 0)
            return (secret_rules[i].flags & SRF_GENERIC) != 0;
    return 0;
}

size_t secrets_rule_count(void)
{
    return secret_rules_n;
}

int secrets_rule_info(size_t i, struct secret_rule_info *out)
{
    if (i >= secret_rules_n || !out)
        return -1;
    out->id = secret_rules[i].id;
    out->severity = secret_rules[i].severity;
    out->kind = secret_rules[i].kind;
    out->fix = secret_rules[i].fix;
    return 0;
}
