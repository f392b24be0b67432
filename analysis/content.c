/* content.c: the sink that sees file contents once (src/sink.h), and its per-worker copies.
 *
 * One sink does three jobs per regular file, so the reader calls one set of callbacks:
 *   1. content hash: XXH3-64 over every regular file. Why XXH3: duplicate detection needs a
 *      fast non-cryptographic hash (it runs over every byte of every layer, GB/s matters more
 *      than collision resistance against an adversary); 64 bits keep the per-entry cost at 8 B
 *      and, with the size compared too, a false duplicate among 1M files is ~1e-8 likely.
 *      Debian ships libxxhash, so this costs no vendored code.
 *   2. secrets: the first SECRETS_CONTENT_CAP bytes of files secrets_needs_content() wants are
 *      buffered and scanned at file_end; hits are kept by entry until analysis_run().
 *   3. package databases (dpkg status / info lists, apk installed, python RECORD / METADATA,
 *      npm package.json at package roots) are kept in memory; npm and METADATA are reduced to
 *      "name\nversion" at file_end. No other content is kept.
 * When layers are read on several threads, each gets a forked instance (sink_fork), joined back
 * in manifest order (sink_join): the results are those of one instance reading them in turn. */
#include "analysis/analysis.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "analysis/analysis_int.h"
#include "analysis/secrets.h"
#include "src/budget.h"
#include "src/util.h"

#define META_CAP (64u << 20)   /* a dpkg status bigger than this is not a status file */

static int meta_kind(const char *path)
{
    size_t n = strlen(path);
#define ENDS(s) (n >= sizeof(s) - 1 && memcmp(path + n - (sizeof(s) - 1), s, sizeof(s) - 1) == 0)
    if (strcmp(path, "/var/lib/dpkg/status") == 0)
        return META_DPKG_STATUS;
    if (strncmp(path, "/var/lib/dpkg/status.d/", 23) == 0 && !strchr(path + 23, '/'))
        return ENDS(".md5sums") ? META_DPKG_MD5 : META_DPKG_STATUS;
    if (strncmp(path, "/var/lib/dpkg/info/", 19) == 0 && !strchr(path + 19, '/') && ENDS(".list"))
        return META_DPKG_LIST;
    if (strncmp(path, "/var/lib/dpkg/info/", 19) == 0 && !strchr(path + 19, '/') && ENDS(".md5sums"))
        return META_DPKG_SUMS;
    if (strcmp(path, "/lib/apk/db/installed") == 0 || strcmp(path, "/usr/lib/apk/db/installed") == 0)
        return META_APK;
    if (ENDS(".dist-info/RECORD"))
        return META_PY_RECORD;
    if (ENDS(".dist-info/METADATA"))
        return META_PY_METADATA;
    if (ENDS("/package.json")) {
        const char *nm = NULL;
        for (const char *s = strstr(path, "/node_modules/"); s; s = strstr(s + 1, "/node_modules/"))
            nm = s + 14;
        if (!nm)
            return -1;
        const char *sl = strchr(nm, '/');
        if (nm[0] == '@' && sl)
            sl = strchr(sl + 1, '/');
        if (sl && strcmp(sl, "/package.json") == 0)
            return META_NPM;
    }
#undef ENDS
    return -1;
}

void content_meta_drop(struct analysis_priv *p)
{
    for (size_t i = 0; i < p->n_meta; i++) {
        free(p->meta[i].path);
        free(p->meta[i].data);
        budget_give(p->meta[i].held);
    }
    p->n_meta = 0;
}

/* A package database file is kept whole until analysis_run(): its bytes come from the budget.
 * The first one that does not fit turns package attribution off (a warning says which file),
 * and what was kept is given back at once. */
static int meta_room(struct analysis_priv *p, const struct sink_file *f)
{
    if (p->meta_refused)
        return 0;
    if (!budget_take(f->size + 1)) {
        p->meta_refused = xstrdup(f->path);
        p->meta_refused_size = f->size;
        content_meta_drop(p);
        return 0;
    }
    budget_give(p->cur_held);   /* a file whose end never came */
    p->cur_held = f->size + 1;
    free(p->mbuf);
    p->mbuf = xmalloc(f->size + 1);
    p->mcap = f->size + 1;
    return 1;
}

static int sink_begin(void *ctx, const struct sink_file *f)
{
    struct analysis *a = ctx;
    struct analysis_priv *p = PRIV(a);
    if (a->opts.no_content)
        return 0;
    p->cur_entry = f->entry;
    p->cur_size = f->size;
    p->cur_hash = 1;
    XXH3_64bits_reset(p->xx);
    p->cur_sec = !a->opts.no_secret_content && secrets_needs_content(p->sc, f->path, f->size) &&
                 !analysis_allowed(a, f->path);
    int mk = f->size <= META_CAP ? meta_kind(f->path) : -1;
    if (mk >= 0 && !meta_room(p, f))
        mk = -1;
    p->cur_meta = mk >= 0 ? mk + 1 : 0;
    p->slen = p->mlen = 0;
    if (p->cur_sec || p->cur_meta) {
        size_t n = strlen(f->path) + 1;
        ARR_GROW(p->cur_path, p->cur_path_cap, 0, n);
        memcpy(p->cur_path, f->path, n);
    }
    if (p->cur_sec) {
        /* as big as the largest file scanned so far needs: small images never pay for 1 MiB */
        size_t want = f->size < SECRETS_CONTENT_CAP ? (size_t)f->size + 1 : SECRETS_CONTENT_CAP;
        if (want > p->scap) {
            free(p->sbuf);
            p->sbuf = xmalloc(want);
            p->scap = want;
        }
    }
    return 1;
}

static void sink_data(void *ctx, const void *buf, size_t len)
{
    struct analysis *a = ctx;
    struct analysis_priv *p = PRIV(a);
    if (p->cur_hash)
        XXH3_64bits_update(p->xx, buf, len);
    if (p->cur_sec && p->slen < p->scap) {
        size_t n = p->scap - p->slen < len ? p->scap - p->slen : len;
        memcpy(p->sbuf + p->slen, buf, n);
        p->slen += n;
    }
    if (p->cur_meta && p->mlen + len <= META_CAP) {
        ARR_GROW(p->mbuf, p->mcap, p->mlen, len + 1);  /* only past the size the header gave */
        memcpy(p->mbuf + p->mlen, buf, len);
        p->mlen += len;
    }
}

/* "Name: x" header value of an email-style block, or NULL. */
static char *header_value(const char *buf, size_t len, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && buf[e] != '\n')
            e++;
        if (e == i)
            break;      /* blank line: end of the headers */
        if (e - i > kl && strncasecmp(buf + i, key, kl) == 0 && buf[i + kl] == ':') {
            size_t s = i + kl + 1;
            while (s < e && (buf[s] == ' ' || buf[s] == '\t'))
                s++;
            size_t t = e;
            while (t > s && (buf[t - 1] == '\r' || buf[t - 1] == ' '))
                t--;
            return xstrndup(buf + s, t - s);
        }
        i = e + 1;
    }
    return NULL;
}

static void keep_meta(struct analysis_priv *p, int kind)
{
    char *data = NULL;
    size_t len = 0;
    uint64_t held = p->cur_held;
    p->cur_held = 0;
    if (kind == META_NPM) {
        json_error_t err;
        int was = budget_json_charge(1);     /* past the budget: read as a package.json without a name */
        json_t *j = json_loadb(p->mbuf ? p->mbuf : "", p->mlen, 0, &err);
        budget_json_charge(was);
        const char *nm = j ? json_string_value(json_object_get(j, "name")) : NULL;
        const char *ver = j ? json_string_value(json_object_get(j, "version")) : NULL;
        data = xasprintf("%s\n%s", nm ? nm : "", ver ? ver : "");
        json_decref(j);
        len = strlen(data);
    } else if (kind == META_PY_METADATA) {
        char *nm = header_value(p->mbuf ? p->mbuf : "", p->mlen, "Name");
        char *ver = header_value(p->mbuf ? p->mbuf : "", p->mlen, "Version");
        data = xasprintf("%s\n%s", nm ? nm : "", ver ? ver : "");
        free(nm);
        free(ver);
        len = strlen(data);
    } else {        /* the buffer itself, sized from the tar header, moves to the record */
        len = p->mlen;
        data = p->mbuf;
        data[len] = 0;
        p->mbuf = NULL;
        p->mcap = 0;
    }
    if (kind == META_NPM || kind == META_PY_METADATA) {
        free(p->mbuf);          /* only name and version are kept: a few bytes, not counted */
        p->mbuf = NULL;
        p->mcap = 0;
        budget_give(held);
        held = 0;
    }
    ARR_GROW(p->meta, p->cap_meta, p->n_meta, 1);
    p->meta[p->n_meta++] = (struct meta_rec){p->cur_entry, kind, xstrdup(p->cur_path), data, len, held};
}

/* Room in hash and hashed (new ones zeroed: not hashed) for n + k entries: one capacity for
 * both, cap_hash, since both grow by the same rule from it. */
static void hash_room(struct analysis_priv *p, size_t n, size_t k)
{
    size_t cap = p->cap_hash;
    ARR_GROW(p->hash, p->cap_hash, n, k);
    ARR_GROW0(p->hashed, cap, n, k);
}

static void sink_end(void *ctx)
{
    struct analysis *a = ctx;
    struct analysis_priv *p = PRIV(a);
    if (p->cur_hash) {
        uint32_t e = p->cur_entry;
        hash_room(p, e, 1);
        p->hash[e] = XXH3_64bits_digest(p->xx);
        p->hashed[e] = 1;
        a->hashed_bytes += p->cur_size;
    }
    if (p->cur_sec) {
        struct hit_ctx hc = {a, p->cur_entry, -1, p->sbuf, p->slen, 1, p->slen == p->cur_size};
        secrets_scan_content(p->sc, p->cur_path, p->sbuf, p->slen, analysis_on_hit, &hc);
        a->scanned_bytes += p->slen;
    }
    if (p->cur_meta)
        keep_meta(p, p->cur_meta - 1);
    p->cur_hash = p->cur_sec = p->cur_meta = 0;
}

/* ---- one instance per layer read on a worker thread (src/sink.h) ---- */

/* A child shares nothing mutable with its parent: its own scanner (from the parent's spares,
 * else a new one with the same rules silenced), hash state, buffers and results; the allow
 * globs are borrowed read-only. Called on the reading thread only, as is the join. */
static void *sink_fork(void *ctx)
{
    struct analysis *a = ctx;
    struct analysis_priv *p = PRIV(a);
    struct analysis *c = xcalloc(1, sizeof *c);
    struct analysis_priv *cp = xcalloc(1, sizeof *cp);
    c->priv = cp;
    c->opts = a->opts;
    cp->allow = p->allow;
    cp->n_allow = p->n_allow;
    if (p->n_spare) {
        cp->sc = p->spare[--p->n_spare];
    } else {
        cp->sc = secrets_new();
        for (size_t i = 0; i < p->n_ignore; i++)
            secrets_ignore(cp->sc, p->ignore[i]);
    }
    cp->xx = XXH3_createState();
    if (!cp->xx)
        die("out of memory");
    return c;
}

/* Moves what the child saw into the parent, as if the parent had seen it: entries shifted by
 * first_entry, hits and package files after the parent's own (joins come in manifest order). */
static void sink_join(void *ctx, void *child, uint32_t first_entry)
{
    struct analysis *a = ctx, *c = child;
    struct analysis_priv *p = PRIV(a), *cp = PRIV(c);
    size_t top = cp->cap_hash;
    while (top && !cp->hashed[top - 1])
        top--;
    if (top)
        hash_room(p, first_entry, top);
    for (size_t e = 0; e < top; e++)
        if (cp->hashed[e]) {
            p->hash[first_entry + e] = cp->hash[e];
            p->hashed[first_entry + e] = 1;
        }
    a->hashed_bytes += c->hashed_bytes;
    a->scanned_bytes += c->scanned_bytes;
    if (cp->n_hits) {
        ARR_GROW(p->hits, p->cap_hits, p->n_hits, cp->n_hits);
        for (size_t i = 0; i < cp->n_hits; i++) {
            p->hits[p->n_hits] = cp->hits[i];      /* raw and name move with it */
            p->hits[p->n_hits++].entry += first_entry;
        }
    }
    /* package files: the first that did not fit (in manifest order) turns them all off */
    if (!p->meta_refused && cp->meta_refused) {
        p->meta_refused = cp->meta_refused;
        p->meta_refused_size = cp->meta_refused_size;
        cp->meta_refused = NULL;
        content_meta_drop(p);
    }
    if (p->meta_refused) {
        content_meta_drop(cp);
    } else if (cp->n_meta) {
        ARR_GROW(p->meta, p->cap_meta, p->n_meta, cp->n_meta);
        for (size_t i = 0; i < cp->n_meta; i++) {
            p->meta[p->n_meta] = cp->meta[i];
            p->meta[p->n_meta++].entry += first_entry;
        }
        cp->n_meta = 0;
    }
    budget_give(cp->cur_held);     /* a file whose end never came (a damaged layer) */
    ARR_GROW(p->spare, p->cap_spare, p->n_spare, 1);
    p->spare[p->n_spare++] = cp->sc;
    XXH3_freeState(cp->xx);
    free(cp->hash);
    free(cp->hashed);
    free(cp->cur_path);
    free(cp->sbuf);
    free(cp->mbuf);
    free(cp->hits);
    free(cp->meta);
    free(cp->meta_refused);
    free(cp);
    free(c);
}

size_t analysis_sinks(struct analysis *a, struct sink *out, size_t max)
{
    if (!max || a->opts.no_content)
        return 0;
    out[0] = (struct sink){a, sink_begin, sink_data, sink_end, sink_fork, sink_join};
    return 1;
}

