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
 * reported, in the same order, so the findings are the ones the keyword pass would give. */
#include "analysis/secrets_int.h"

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

/* ---- construction ---- */

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
    struct secret_scanner *s = xcalloc(1, sizeof *s);
    size_t n = secret_rules_n;
    s->nrules = n;
    s->code = xcalloc(n, sizeof *s->code);
    s->exempt = xcalloc(n, sizeof *s->exempt);
    s->files = xcalloc(n, sizeof *s->files);
    s->files_exempt = xcalloc(n, sizeof *s->files_exempt);
    s->file_rules = xcalloc(n, sizeof *s->file_rules);
    s->paths = xcalloc(n, sizeof *s->paths);
    s->ignored = xcalloc(n, 1);
    s->active = xcalloc(n, 1);
    s->st = xcalloc(n, sizeof *s->st);

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

    s->kw = xcalloc(nkw, sizeof *s->kw);
    s->akw = xcalloc(nkw, sizeof *s->akw);
    const char **lit = xcalloc(nkw, sizeof *lit);
    size_t *litlen = xcalloc(nkw, sizeof *litlen);
    unsigned *litflags = xcalloc(nkw, sizeof *litflags), *ids = xcalloc(nkw, sizeof *ids);
    uint16_t *litrule = xcalloc(nkw, sizeof *litrule);
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
    s->kwlit = xcalloc(nkw, sizeof *s->kwlit);
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
    s->allow = xcalloc(s->nallow, sizeof *s->allow);
    for (size_t i = 0; i < s->nallow; i++) {
        patlist_init(s, &s->allow[i].paths, secret_allows[i].paths);
        patlist_init(s, &s->allow[i].under, secret_allows[i].under);
        s->allow[i].scope = secret_allows[i].scope;
    }
    patlist_init(s, &s->skip, secret_skip_paths);
    path_compile_prefilter(s);

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

void scanner_add_hit(struct secret_scanner *s, size_t rule, size_t vs, size_t ve)
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

int scanner_emit_hits(struct secret_scanner *s, const char *text, enum secret_kind where,
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
    scanner_add_hit(s, r, vs, ve);
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
void scanner_scan_text(struct secret_scanner *s, const char *buf, size_t len)
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
int scanner_set_active(struct secret_scanner *s, const char *path, enum secret_kind where)
{
    struct pathq q;
    if (path)
        path_query(s, path, &q);
    unsigned scope = path_allowed_scope(s, path ? &q : NULL);
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
    if (!scanner_set_active(s, path, SK_CONTENT))
        return 0;
    scanner_scan_text(s, buf, len);
    return scanner_emit_hits(s, buf, SK_CONTENT, fn, ctx);
}

void secrets_internal_content_reference(struct secret_scanner *s, int on)
{
    size_t n = s->nkw + s->nakw;
    if (on && !s->hs_db_ref && n) {
        size_t *len = xcalloc(n, sizeof *len);
        unsigned *flags = xcalloc(n, sizeof *flags), *ids = xcalloc(n, sizeof *ids);
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
    int any = scanner_set_active(s, path, SK_CONTENT);
    memcpy(active, s->active, s->nrules);
    return any;
}
