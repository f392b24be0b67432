/* packages.c: which package owns each file of the final filesystem, and bytes per package.
 *
 * Sources, in the attribution order of the catalogue (a file goes to the first that lists it):
 *   dpkg    var/lib/dpkg/info/<pkg>[:arch].list (+ status for the version; Installed-Size x 1024
 *           as the size of a package with no list), distroless status.d/<pkg> + <pkg>.md5sums
 *   apk     lib/apk/db/installed: P: name, V: version, F: folder, R: file in the last F
 *   python  *.dist-info/RECORD (paths relative to the dist-info's parent) + METADATA
 *   npm     node_modules/<name>/package.json (or @scope/name): the package folder, without
 *           nested node_modules
 * Only database files still visible in the final filesystem count: a package removed later
 * takes its list with it. */
#include "analysis/analysis_int.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/budget.h"
#include "src/sha256.h"
#include "src/util.h"

struct pctx {
    struct analysis *a;
    const struct model *m;
    struct package *pk; size_t n, cap;
    uint64_t *acc;              /* per layer, bytes of the package being filled */
    uint64_t held;              /* metadata budget taken for c->pk */
    int refused;                /* the budget ran out: no attribution at all */
};

#define STR_COST(n) ((n) + 1 + 16)      /* a string and malloc's overhead */

/* Takes n bytes of the budget for what attribution builds; sets c->refused when it cannot. */
static int pk_hold(struct pctx *c, uint64_t n, uint64_t *held)
{
    if (c->refused || !budget_take(n)) {
        c->refused = 1;
        return 0;
    }
    *held += n;
    return 1;
}

int package_is_build_only(const char *name)
{
    static const char *pats[] = {
        "gcc", "gcc-[0-9]*", "gcc[0-9]*", "cpp", "cpp-[0-9]*", "g++", "g++-[0-9]*", "c++",
        "binutils*", "*-dev", "*-dev-*", "*-devel", "libc6-dev", "make", "build-essential",
        "build-base", "linux-libc-dev", "libgcc-*-dev", "cmake", "cmake-data", "autoconf",
        "automake", "libtool", "pkg-config", "pkgconf", "bison", "flex", "dpkg-dev", "gfortran*",
        "clang", "clang-[0-9]*", "llvm-*-dev", "musl-dev", "patch", "m4", "fortify-headers",
        "libstdc++-*-dev", "nasm", "yasm", "ninja-build", "meson", "gettext-dev", "cython*",
    };
    /* gcc-12-base and friends are runtime dependencies of libgcc-s1 / libstdc++6. */
    if (util_fnmatch("gcc*-base", name, 0) == 0 || util_fnmatch("cpp*-base", name, 0) == 0)
        return 0;
    for (size_t i = 0; i < sizeof pats / sizeof *pats; i++)
        if (util_fnmatch(pats[i], name, 0) == 0)
            return 1;
    return 0;
}

static int meta_visible(const struct analysis *a, const struct model *m, const struct meta_rec *r)
{
    if (r->entry >= m->n_entries)
        return 0;
    uint32_t node = m->entries[r->entry].path;
    uint32_t v = m->path_final[node];
    return v && analysis_src_entry(a, v) == r->entry;
}

static size_t pkg_new(struct pctx *c, const char *eco, const char *name, size_t nl,
                      const char *ver)
{
    ARR_GROW(c->pk, c->cap, c->n, 1);
    struct package *p = &c->pk[c->n];
    memset(p, 0, sizeof *p);
    p->name = xstrndup(name, nl);
    p->version = xstrdup(ver ? ver : "");
    pk_hold(c, 2 * sizeof *p + STR_COST(nl) + STR_COST(strlen(p->version)), &c->held);
    p->ecosystem = eco;
    p->layer = -1;
    p->list_layer = -1;
    p->build_only = strcmp(eco, "deb") == 0 || strcmp(eco, "apk") == 0 ?
                    package_is_build_only(p->name) : 0;
    memset(c->acc, 0, (c->m->n_layers ? c->m->n_layers : 1) * sizeof *c->acc);
    return c->n++;
}

static void pkg_done(struct pctx *c, size_t i)
{
    uint64_t best = 0;
    for (uint32_t L = 0; L < c->m->n_layers; L++)
        if (c->acc[L] > best) {
            best = c->acc[L];
            c->pk[i].layer = (int)L;
        }
}

static void own_node(struct pctx *c, size_t i, uint32_t node)
{
    struct analysis_priv *p = PRIV(c->a);
    const struct model *m = c->m;
    if (!node || p->owner[node])
        return;
    uint32_t e = m->path_final[node];
    if (!e || !entry_is_reg(&m->entries[e]))
        return;
    p->owner[node] = (uint32_t)i + 1;
    c->pk[i].bytes += m->entries[e].size;
    c->pk[i].files++;
    if (m->entries[e].layer < m->n_layers)
        c->acc[m->entries[e].layer] += m->entries[e].size;
}

static void own_path(struct pctx *c, size_t i, const char *path, size_t len)
{
    own_node(c, i, analysis_find_path(c->a, path, len));
}

/* ---- dpkg ---- */

struct dstat { char *name, *version; uint64_t isize; int layer; int used; };

static int cmp_dstat(const void *x, const void *y)
{
    return strcmp(((const struct dstat *)x)->name, ((const struct dstat *)y)->name);
}

static void parse_status(struct pctx *c, const char *buf, size_t len, int layer, struct dstat **out,
                         size_t *n, size_t *cap, uint64_t *held)
{
    char *name = NULL, *ver = NULL;
    uint64_t isize = 0;
    int installed = 1;
    size_t i = 0;
    for (;;) {
        size_t e = i;
        while (e < len && buf[e] != '\n')
            e++;
        int blank = e == i || i >= len;
        if (blank) {
            if (name && installed &&
                pk_hold(c, 2 * sizeof **out + STR_COST(strlen(name)) + STR_COST(ver ? strlen(ver) : 0), held)) {
                ARR_GROW(*out, *cap, *n, 1);     /* doubling: what the 2 x above holds */
                (*out)[(*n)++] = (struct dstat){name, ver ? ver : xstrdup(""), isize, layer, 0};
            } else {
                free(name);
                free(ver);
            }
            name = ver = NULL;
            isize = 0;
            installed = 1;
            if (i >= len || c->refused)
                break;
        } else if (buf[i] != ' ' && buf[i] != '\t') {
            const char *colon = memchr(buf + i, ':', e - i);
            if (colon) {
                size_t kl = (size_t)(colon - (buf + i));
                const char *v = colon + 1;
                while (v < buf + e && *v == ' ')
                    v++;
                size_t vl = (size_t)(buf + e - v);
                while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
                    vl--;
                if (kl == 7 && strncmp(buf + i, "Package", 7) == 0) {
                    free(name);
                    name = xstrndup(v, vl);
                } else if (kl == 7 && strncmp(buf + i, "Version", 7) == 0) {
                    free(ver);
                    ver = xstrndup(v, vl);
                } else if (kl == 14 && strncmp(buf + i, "Installed-Size", 14) == 0) {
                    isize = strtoull(v, NULL, 10);
                } else if (kl == 6 && strncmp(buf + i, "Status", 6) == 0) {
                    installed = vl >= 10 && strncmp(v + vl - 10, " installed", 10) == 0 &&
                                strncmp(v, "deinstall", 9) != 0 && strncmp(v, "purge", 5) != 0;
                }
            }
        }
        i = e + 1;
    }
}

static struct dstat *find_status(struct dstat *st, size_t n, const char *name)
{
    struct dstat key = {.name = (char *)name};
    return n ? bsearch(&key, st, n, sizeof *st, cmp_dstat) : NULL;
}

static void each_line(struct pctx *c, size_t pkg, const char *buf, size_t len, int md5)
{
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && buf[e] != '\n')
            e++;
        const char *s = buf + i;
        size_t n = e - i;
        if (md5) {      /* "<md5>  path/without/leading/slash" */
            const char *sp = memchr(s, ' ', n);
            if (sp) {
                while (sp < s + n && *sp == ' ')
                    sp++;
                n -= (size_t)(sp - s);
                s = sp;
            } else {
                n = 0;
            }
        }
        while (n && s[n - 1] == '\r')
            n--;
        if (n) {
            if (s[0] == '/') {
                own_path(c, pkg, s, n);
            } else {
                char *t = xasprintf("/%.*s", (int)n, s);
                own_path(c, pkg, t, strlen(t));
                free(t);
            }
        }
        i = e + 1;
    }
}

static const char *base_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void dpkg_run(struct pctx *c)
{
    struct analysis_priv *p = PRIV(c->a);
    const struct model *m = c->m;
    struct dstat *st = NULL;
    size_t n_st = 0, cap_st = 0;
    uint64_t st_held = 0;
    for (size_t i = 0; i < p->n_meta && !c->refused; i++) {
        const struct meta_rec *r = &p->meta[i];
        if (r->kind == META_DPKG_STATUS && meta_visible(c->a, m, r))
            parse_status(c, r->data, r->len, m->entries[r->entry].layer, &st, &n_st, &cap_st, &st_held);
    }
    if (n_st)
        qsort(st, n_st, sizeof *st, cmp_dstat);
    for (size_t i = 0; i < p->n_meta && !c->refused; i++) {
        const struct meta_rec *r = &p->meta[i];
        int md5 = r->kind == META_DPKG_MD5;
        if ((r->kind != META_DPKG_LIST && !md5) || !meta_visible(c->a, m, r))
            continue;
        const char *b = base_of(r->path);
        size_t nl = strlen(b) - (md5 ? 8 : 5);
        const char *colon = memchr(b, ':', nl);
        if (colon)
            nl = (size_t)(colon - b);
        char *name = xstrndup(b, nl);
        struct dstat *s = find_status(st, n_st, name);
        if (n_st && !s) {       /* a list left behind by a removed package */
            free(name);
            continue;
        }
        size_t k = pkg_new(c, "deb", name, nl, s ? s->version : NULL);
        c->pk[k].list_layer = (int)m->entries[r->entry].layer;
        if (s)
            s->used = 1;
        free(name);
        each_line(c, k, r->data, r->len, md5);
        pkg_done(c, k);
    }
    for (size_t i = 0; i < n_st; i++) {
        if (!st[i].used && !c->refused) {   /* no file list: Installed-Size (KiB) as an estimate */
            size_t k = pkg_new(c, "deb", st[i].name, strlen(st[i].name), st[i].version);
            c->pk[k].bytes = st[i].isize * 1024;
            c->pk[k].layer = st[i].layer == LAYER_NONE ? -1 : st[i].layer;
        }
        free(st[i].name);
        free(st[i].version);
    }
    free(st);
    budget_give(st_held);
}

/* ---- apk ---- */

static void apk_run(struct pctx *c)
{
    struct analysis_priv *p = PRIV(c->a);
    for (size_t mi = 0; mi < p->n_meta && !c->refused; mi++) {
        const struct meta_rec *r = &p->meta[mi];
        if (r->kind != META_APK || !meta_visible(c->a, c->m, r))
            continue;
        const char *buf = r->data;
        size_t len = r->len;
        long cur = -1;
        char dir[4096] = "";
        char *pend_name = NULL, *pend_ver = NULL;
        for (size_t i = 0; i <= len;) {
            size_t e = i;
            while (e < len && buf[e] != '\n')
                e++;
            size_t n = e - i;
            if (n == 0 || i >= len) {
                if (cur >= 0)
                    pkg_done(c, (size_t)cur);
                else if (pend_name)
                    pkg_done(c, pkg_new(c, "apk", pend_name, strlen(pend_name), pend_ver));
                free(pend_name);
                free(pend_ver);
                pend_name = pend_ver = NULL;
                cur = -1;
                dir[0] = 0;
                if (i >= len)
                    break;
            } else if (n >= 2 && buf[i + 1] == ':') {
                const char *v = buf + i + 2;
                size_t vl = n - 2;
                switch (buf[i]) {
                case 'P':
                    free(pend_name);
                    pend_name = xstrndup(v, vl);
                    break;
                case 'V':
                    if (cur >= 0) {
                        free(c->pk[cur].version);
                        c->pk[cur].version = xstrndup(v, vl);
                    } else {
                        free(pend_ver);
                        pend_ver = xstrndup(v, vl);
                    }
                    break;
                case 'F':
                    snprintf(dir, sizeof dir, "/%.*s", (int)vl, v);
                    break;
                case 'R':
                    if (cur < 0 && pend_name)
                        cur = (long)pkg_new(c, "apk", pend_name, strlen(pend_name), pend_ver);
                    if (cur >= 0) {
                        char *t = xasprintf("%s/%.*s", dir, (int)vl, v);
                        own_path(c, (size_t)cur, t, strlen(t));
                        free(t);
                    }
                    break;
                }
            }
            i = e + 1;
        }
        free(pend_name);
        free(pend_ver);
    }
}

/* ---- python ---- */

static void python_run(struct pctx *c)
{
    struct analysis_priv *p = PRIV(c->a);
    for (size_t mi = 0; mi < p->n_meta && !c->refused; mi++) {
        const struct meta_rec *r = &p->meta[mi];
        if (r->kind != META_PY_RECORD || !meta_visible(c->a, c->m, r))
            continue;
        const char *sl = strrchr(r->path, '/');
        size_t dl = (size_t)(sl - r->path);           /* ".../x-1.0.dist-info" */
        const char *ps = dl ? memrchr(r->path, '/', dl) : NULL;
        size_t parent_len = ps ? (size_t)(ps - r->path) : 0;
        char *name = NULL, *ver = NULL;
        for (size_t k = 0; k < p->n_meta; k++) {
            const struct meta_rec *q = &p->meta[k];
            if (q->kind == META_PY_METADATA && strncmp(q->path, r->path, dl + 1) == 0 &&
                strcmp(q->path + dl + 1, "METADATA") == 0 && meta_visible(c->a, c->m, q)) {
                const char *nlp = strchr(q->data, '\n');
                if (nlp && nlp > q->data) {
                    name = xstrndup(q->data, (size_t)(nlp - q->data));
                    ver = xstrdup(nlp + 1);
                }
                break;
            }
        }
        if (!name) {    /* "name-1.0.dist-info" */
            const char *b = ps ? ps + 1 : r->path;
            size_t bl = (size_t)(r->path + dl - b) - 10;
            const char *dash = memchr(b, '-', bl);
            name = xstrndup(b, dash ? (size_t)(dash - b) : bl);
            ver = dash ? xstrndup(dash + 1, bl - (size_t)(dash + 1 - b)) : xstrdup("");
        }
        size_t k = pkg_new(c, "python", name, strlen(name), ver);
        c->pk[k].list_layer = (int)c->m->entries[r->entry].layer;
        free(name);
        free(ver);
        const char *buf = r->data;
        for (size_t i = 0; i < r->len;) {
            size_t e = i;
            while (e < r->len && buf[e] != '\n')
                e++;
            const char *f = buf + i;
            size_t fl;
            char *tmp = NULL;
            if (e > i && *f == '"') {   /* quoted CSV field, "" is a quote */
                size_t cap = e - i, o = 0;
                tmp = xmalloc(cap + 1);
                for (size_t j = i + 1; j < e; j++) {
                    if (buf[j] == '"') {
                        if (j + 1 < e && buf[j + 1] == '"') {
                            tmp[o++] = '"';
                            j++;
                            continue;
                        }
                        break;
                    }
                    tmp[o++] = buf[j];
                }
                f = tmp;
                fl = o;
            } else {
                const char *comma = memchr(f, ',', e - i);
                fl = comma ? (size_t)(comma - f) : e - i;
            }
            if (fl) {
                char *full = f[0] == '/' ? xstrndup(f, fl)
                                         : xasprintf("%.*s/%.*s", (int)parent_len, r->path, (int)fl, f);
                own_path(c, k, full, strlen(full));
                free(full);
            }
            free(tmp);
            i = e + 1;
        }
        pkg_done(c, k);
    }
}

/* ---- npm ---- */

static void own_tree(struct pctx *c, size_t k, uint32_t root)
{
    const struct model *m = c->m;
    size_t cap = 64, sp = 0;
    uint32_t *st = xmalloc(cap * sizeof *st);
    st[sp++] = root;
    while (sp) {
        uint32_t n = st[--sp];
        own_node(c, k, n);
        for (uint32_t ch = m->paths[n].first_child; ch; ch = m->paths[ch].next_sibling) {
            if (!m->path_final_files[ch] || strcmp(model_name(m, ch), "node_modules") == 0)
                continue;
            ARR_GROW(st, cap, sp, 1);
            st[sp++] = ch;
        }
    }
    free(st);
}

static void npm_run(struct pctx *c)
{
    struct analysis_priv *p = PRIV(c->a);
    for (size_t mi = 0; mi < p->n_meta && !c->refused; mi++) {
        const struct meta_rec *r = &p->meta[mi];
        if (r->kind != META_NPM || !meta_visible(c->a, c->m, r))
            continue;
        const char *nlp = strchr(r->data, '\n');
        const char *sl = strrchr(r->path, '/');
        uint32_t dir = c->m->paths[c->m->entries[r->entry].path].parent;
        const char *name = r->data;
        size_t nl = nlp ? (size_t)(nlp - r->data) : 0;
        if (!nl) {      /* no name in package.json: the folder's */
            const char *b = sl;
            while (b > r->path && b[-1] != '/')
                b--;
            name = b;
            nl = (size_t)(sl - b);
        }
        size_t k = pkg_new(c, "npm", name, nl, nlp ? nlp + 1 : "");
        own_tree(c, k, dir);
        pkg_done(c, k);
    }
}

void packages_sha256_b64(const void *p, size_t n, char out[44])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    struct sha256 h;
    char hex[65];
    unsigned char d[33] = {0};
    sha256_init(&h);
    sha256_update(&h, p, n);
    sha256_hex(&h, hex);
    for (int i = 0; i < 32; i++) {
        unsigned hi = (unsigned)(hex[2 * i] <= '9' ? hex[2 * i] - '0' : hex[2 * i] - 'a' + 10);
        unsigned lo = (unsigned)(hex[2 * i + 1] <= '9' ? hex[2 * i + 1] - '0' : hex[2 * i + 1] - 'a' + 10);
        d[i] = (unsigned char)(hi << 4 | lo);
    }
    size_t o = 0;
    for (int i = 0; i < 33; i += 3) {        /* 32 bytes: 10 whole groups and 2 bytes */
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | (i + 2 < 33 ? d[i + 2] : 0);
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = b64[v >> 6 & 63];
        if (i + 2 < 32)
            out[o++] = b64[v & 63];
    }
    out[43] = '\0';
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                            : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The line of buf (a package's file list) for rel ("usr/lib/x.py", no leading '/'), dpkg
 * md5sums form "<md5>  rel": 1 and *md5 filled when found. */
static int md5sums_find(const char *buf, size_t len, const char *rel, size_t rl, unsigned char md5[16])
{
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - buf) : len, j = i + 32;
        if (e - i <= 34) {   /* no room for "<md5>  " and a name (and j would pass e) */
            i = e + 1;
            continue;
        }
        while (j < e && buf[j] == ' ')
            j++;
        size_t n = e - j;
        while (n && buf[j + n - 1] == '\r')
            n--;
        if (n == rl && memcmp(buf + j, rel, rl) == 0) {
            for (int k = 0; k < 16; k++) {
                int h = hexval(buf[i + 2 * k]), l = hexval(buf[i + 2 * k + 1]);
                if (h < 0 || l < 0)
                    return 0;
                md5[k] = (unsigned char)(h << 4 | l);
            }
            return 1;
        }
        i = e + 1;
    }
    return 0;
}

/* pip RECORD "rel,sha256=<b64>,size" (rel to the dist-info's parent; unquoted lines only). */
static int record_find(const char *buf, size_t len, const char *rel, size_t rl, char sha[44])
{
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - buf) : len;
        if (e - i > rl + 8 && memcmp(buf + i, rel, rl) == 0 && buf[i + rl] == ',' &&
            memcmp(buf + i + rl + 1, "sha256=", 7) == 0) {
            const char *v = buf + i + rl + 8, *c = memchr(v, ',', (size_t)(buf + e - v));
            size_t n = c ? (size_t)(c - v) : (size_t)(buf + e - v);
            if (n != 43)
                return 0;
            memcpy(sha, v, 43);
            sha[43] = '\0';
            return 1;
        }
        i = e + 1;
    }
    return 0;
}

/* What the package database recorded for path: 1 digest matches, 0 differs, -1 none known
 * (no record line with a digest, or no digest of the content). */
static int recorded_match(const struct analysis *a, const struct model *m, const char *path,
                          const struct hit_rec *h)
{
    const struct analysis_priv *p = PRIV(a);
    if (!h || !h->hashed || path[0] != '/')
        return -1;
    for (size_t i = 0; i < p->n_meta; i++) {
        const struct meta_rec *r = &p->meta[i];
        if ((r->kind == META_DPKG_MD5 || r->kind == META_DPKG_SUMS) && meta_visible(a, m, r)) {
            unsigned char md5[16];
            const char *rel = path + 1;
            int found = md5sums_find(r->data, r->len, rel, strlen(rel), md5);
            if (!found && strncmp(rel, "usr/", 4) == 0)     /* usrmerge: listed as bin/x */
                found = md5sums_find(r->data, r->len, rel + 4, strlen(rel + 4), md5);
            if (found)
                return memcmp(md5, h->md5, 16) == 0;
        } else if (r->kind == META_PY_RECORD && meta_visible(a, m, r)) {
            const char *sl = strrchr(r->path, '/');
            const char *ps = sl && sl > r->path ? memrchr(r->path, '/', (size_t)(sl - r->path)) : NULL;
            size_t parent = ps ? (size_t)(ps - r->path) : 0;
            char sha[44];
            if (strncmp(path, r->path, parent) != 0 || path[parent] != '/')
                continue;
            const char *rel = path + parent + 1;
            if (record_find(r->data, r->len, rel, strlen(rel), sha))
                return strcmp(sha, h->sha256) == 0;
        }
    }
    return -1;
}

/* "Installed unchanged": a dpkg, apk or pip package lists the file (dpkg info/<pkg>.list or
 * status.d md5sums, apk R: lines, pip RECORD), and
 *   - where the package recorded a digest of it (dpkg md5sums, pip RECORD sha256) and the hit's
 *     file was scanned whole: the content's digest is that one (an edit in the very RUN that
 *     installed the package, or a later layer writing it back unchanged, is told apart);
 *   - else: this version of it lies in the layer that installed the package: the layer of the
 *     package's file list (dpkg writes info/<pkg>.list, pip its RECORD, at each install or
 *     upgrade), or for apk, whose one database every `apk add` rewrites, the layer holding
 *     most of the package's bytes. A later layer that edits the file makes a new version in
 *     another layer: not pristine.
 * What this exempts is only the heuristic rules (SRF_GENERIC); token formats are reported in
 * package files too. npm packages own folders, not file lists: never pristine. */
int packages_file_pristine(const struct analysis *a, const struct model *m, uint32_t e,
                           const struct hit_rec *h)
{
    const struct analysis_priv *p = PRIV(a);
    if (!p->owner || !e || e >= m->n_entries)
        return 0;
    uint32_t node = m->entries[e].path;
    if (node >= m->n_paths || !p->owner[node])
        return 0;
    const struct package *pk = &a->pkgs[p->owner[node] - 1];
    if (strcmp(pk->ecosystem, "npm") == 0)
        return 0;
    char pb[4096];
    int rec = recorded_match(a, m, model_path_str(m, node, pb, sizeof pb), h);
    if (rec >= 0)
        return rec;
    int install = pk->list_layer >= 0 ? pk->list_layer : pk->layer;
    return install >= 0 && (uint32_t)install == m->entries[e].layer;
}

static int cmp_pkg_idx(const void *x, const void *y, void *ctx)
{
    const struct package *base = ctx;
    const struct package *a = &base[*(const uint32_t *)x], *b = &base[*(const uint32_t *)y];
    if (a->bytes != b->bytes)
        return a->bytes < b->bytes ? 1 : -1;
    int r = strcmp(a->name, b->name);
    return r ? r : strcmp(a->ecosystem, b->ecosystem);
}

void packages_run(struct analysis *a, const struct image *img)
{
    struct analysis_priv *p = PRIV(a);
    const struct model *m = &img->model;
    struct pctx c = {.a = a, .m = m};
    char lim[32], sz[16];
    p->owner = xcalloc(m->n_paths ? m->n_paths : 1, sizeof *p->owner);
    if (p->meta_refused) {
        char esc[600];
        analysis_warn(a, "package database %s (%s) does not fit in the metadata budget (%s; "
                      "--max-metadata SIZE to change it): no package attribution",
                      util_escape(p->meta_refused, esc, sizeof esc),
                      fmt_size(p->meta_refused_size, sz, sizeof sz), budget_limit_str(lim, sizeof lim));
        return;
    }
    c.acc = xcalloc(m->n_layers ? m->n_layers : 1, sizeof *c.acc);
    dpkg_run(&c);
    apk_run(&c);
    python_run(&c);
    npm_run(&c);
    free(c.acc);
    if (c.refused) {
        analysis_warn(a, "the package databases list more than the metadata budget holds (%s; "
                      "--max-metadata SIZE to change it): no package attribution",
                      budget_limit_str(lim, sizeof lim));
        for (size_t i = 0; i < c.n; i++) {
            free(c.pk[i].name);
            free(c.pk[i].version);
        }
        c.n = 0;
        memset(p->owner, 0, (m->n_paths ? m->n_paths : 1) * sizeof *p->owner);
        budget_give(c.held);
        c.held = 0;
    }
    p->pkgs_held = c.held;
    if (!c.n) {
        free(c.pk);
        return;
    }
    /* Largest first; owner[] follows the new order. */
    uint32_t *ord = xmalloc(c.n * sizeof *ord), *inv = xmalloc(c.n * sizeof *inv);
    for (size_t i = 0; i < c.n; i++)
        ord[i] = (uint32_t)i;
    qsort_r(ord, c.n, sizeof *ord, cmp_pkg_idx, c.pk);
    a->pkgs = xmalloc(c.n * sizeof *a->pkgs);
    for (size_t i = 0; i < c.n; i++) {
        a->pkgs[i] = c.pk[ord[i]];
        inv[ord[i]] = (uint32_t)i;
    }
    a->n_pkgs = c.n;
    for (uint32_t n = 0; n < m->n_paths; n++)
        if (p->owner[n])
            p->owner[n] = inv[p->owner[n] - 1] + 1;
    free(ord);
    free(inv);
    free(c.pk);
}
