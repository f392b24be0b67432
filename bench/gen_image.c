/* gen_image.c: a large synthetic container image for `make bench`, written with libarchive.
 *
 *   gen_image OUTDIR [OWN_ENTRIES]      default 1,000,000 own entries over 12 layers
 *
 * Writes into OUTDIR (which must exist and be empty):
 *   layers/LNN.tar        each layer as a plain tar (the `tar -t` floor reads these)
 *   layers/LNN.tar.zst    the same bytes, zstd level 3 (the `zstd -dc` floor reads these)
 *   docker.tar            docker-archive: manifest.json, <hex>.json config, <hex>/layer.tar
 *   oci-zstd.tar          OCI archive: oci-layout, index.json, blobs/sha256/... (zstd layers)
 *   meta.txt              "key value" lines: entries, layers, content_bytes, ... for run.sh
 *
 * Paths are a pure function of (layer, seed): later layers re-walk the earlier layers' path
 * generators to pick files to overwrite (1%), delete with a .wh. marker (0.3%) and package
 * folders to make opaque (0.2%). Each layer has its own top folder (site-packages,
 * node_modules, ...), deep trees (up to ~12 levels), 1 to 600 files per folder, 3% symlinks, a
 * few hard links, sizes mostly under 4 KiB with a tail up to 32 MiB. Contents are slices of one
 * pseudo-random text buffer, so writing costs little more than the copy.
 *
 * Layers are written by nproc worker processes (fork; they take layer numbers from a shared
 * counter), each compressing and hashing its own layers with `sha256sum`; the parent then
 * writes the two outer archives, one of them in a child. Everything is deterministic. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#define GEN_VERSION "1"
#define N_LAYERS 12
#define TEXT_SZ (64u << 20)
#define MTIME 1700000000

static const char *const WORDS[] = {
    "alpha", "beta", "gamma", "delta", "core", "util", "http", "json", "yaml", "parse", "token",
    "stream", "buffer", "cache", "index", "query", "model", "view", "store", "event", "queue",
    "worker", "client", "server", "proxy", "route", "config", "schema", "types", "helper", "common",
    "crypto", "hash", "zlib", "image", "font", "locale", "intl", "time", "date", "math", "vector",
    "matrix", "tensor", "graph", "node", "tree", "list", "map", "set", "react", "redux", "lodash",
    "babel", "webpack", "eslint", "jest", "mocha", "numpy", "pandas", "scipy", "torch", "django",
    "flask", "rails", "rack", "spring", "guava", "netty", "jackson", "log", "debug", "test", "spec",
    "docs", "src", "lib", "dist", "build", "plugin", "loader", "runtime", "compat", "legacy",
    "internal", "vendor", "extra", "contrib", "tools", "scripts", "assets", "static", "templates",
};
#define N_WORDS (sizeof WORDS / sizeof *WORDS)

static const char *const EXTS[] = {".js", ".py", ".pyc", ".json", ".md", ".txt", ".h", ".c", ".rb",
                                   ".so", ".d.ts", ".map", ".css", ".html", ".yml", ".class", ".xml",
                                   ".mo", ".png", ".gz"};
#define N_EXTS (sizeof EXTS / sizeof *EXTS)

static const char *const PREFIX[N_LAYERS] = {
    "usr/share/doc",
    "usr/lib/x86_64-linux-gnu",
    "usr/lib/python3/dist-packages",
    "usr/local/lib/python3.11/site-packages",
    "app/node_modules",
    "usr/local/lib/node_modules",
    "opt/conda/pkgs",
    "var/lib/gems/3.1.0/gems",
    "root/.m2/repository/org",
    "srv/www/static/assets",
    "opt/app/lib",
    "home/app/.cache/pip/wheels",
};
static const unsigned WEIGHT[N_LAYERS] = {14, 10, 12, 8, 10, 6, 9, 7, 8, 5, 6, 5};

static const char *const CREATED_BY[N_LAYERS] = {
    "/bin/sh -c #(nop) ADD file:4b03b5f551e3fbdf47ec609712007327828f7530cc3455c43bbcdcaf449a75a9 in / ",
    "RUN /bin/sh -c apt-get update && apt-get install -y libssl3 libxml2 # buildkit",
    "RUN /bin/sh -c apt-get install -y python3 python3-pip # buildkit",
    "RUN /bin/sh -c pip install -r requirements.txt # buildkit",
    "COPY node_modules /app/node_modules # buildkit",
    "RUN /bin/sh -c npm install -g typescript eslint # buildkit",
    "RUN /bin/sh -c conda install -y numpy scipy # buildkit",
    "RUN /bin/sh -c gem install rails # buildkit",
    "RUN /bin/sh -c mvn dependency:go-offline # buildkit",
    "COPY static /srv/www/static # buildkit",
    "COPY lib /opt/app/lib # buildkit",
    "RUN /bin/sh -c pip wheel -r requirements.txt # buildkit",
};

/* ------------------------------------------------------------------ small helpers */

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gen_image: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi)   /* [lo, hi] */
{
    return lo + rng_next(r) % (hi - lo + 1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *text;   /* TEXT_SZ bytes of word salad, shared by every file's content */

static void text_init(void)
{
    struct rng r = {42};
    text = xmalloc(TEXT_SZ);
    size_t o = 0;
    unsigned col = 0;
    while (o < TEXT_SZ) {
        char w[48];
        uint64_t x = rng_next(&r);
        int n;
        if (x % 11 == 0)
            n = snprintf(w, sizeof w, "%u", (unsigned)(x >> 40) % 100000);
        else
            n = snprintf(w, sizeof w, "%s", WORDS[(x >> 8) % N_WORDS]);
        col += (unsigned)n + 1;
        w[n++] = col > 72 || x % 29 == 0 ? '\n' : (x % 13 == 0 ? '.' : ' ');
        if (w[n - 1] == '\n')
            col = 0;
        for (int i = 0; i < n && o < TEXT_SZ; i++)
            text[o++] = w[i];
    }
}

/* ------------------------------------------------------------------ path walk */

enum { EV_DIR, EV_FILE };
typedef void (*walk_fn)(void *ctx, int ev, const char *path, size_t len, int depth);

struct walk {
    struct rng r;
    char path[4096];
    uint64_t left;         /* own entries still to emit */
    walk_fn fn;
    void *ctx;
};

static void walk_dir(struct walk *w, size_t len, int depth)
{
    if (!w->left)
        return;
    w->left--;
    w->fn(w->ctx, EV_DIR, w->path, len, depth);
    uint64_t u = rng_next(&w->r) % 100, nfiles;
    nfiles = u < 50 ? rng_range(&w->r, 1, 8) : u < 85 ? rng_range(&w->r, 9, 40)
           : u < 97 ? rng_range(&w->r, 41, 150) : rng_range(&w->r, 151, 600);
    for (uint64_t i = 0; i < nfiles && w->left; i++) {
        uint64_t x = rng_next(&w->r);
        int n = snprintf(w->path + len, sizeof w->path - len, "/%s%s%s-%u%s", WORDS[x % N_WORDS],
                         x & 0x100 ? "_" : "", x & 0x100 ? WORDS[(x >> 12) % N_WORDS] : "",
                         (unsigned)i, EXTS[(x >> 24) % N_EXTS]);
        w->left--;
        w->fn(w->ctx, EV_FILE, w->path, len + (size_t)n, depth + 1);
    }
    uint64_t nsub = depth >= 9 ? 0 : depth <= 2 ? rng_range(&w->r, 1, 3) : rng_next(&w->r) % 3;
    for (uint64_t i = 0; i < nsub && w->left; i++) {
        uint64_t x = rng_next(&w->r);
        int n = snprintf(w->path + len, sizeof w->path - len, "/%s%u", WORDS[x % N_WORDS], (unsigned)i);
        walk_dir(w, len + (size_t)n, depth + 1);
    }
    w->path[len] = 0;
}

static uint64_t layer_target(int layer, uint64_t total)
{
    unsigned sum = 0;
    for (int i = 0; i < N_LAYERS; i++)
        sum += WEIGHT[i];
    return total * WEIGHT[layer] / sum;
}

/* The layer's own paths: package folders under its prefix until `target` entries. */
static void walk_layer(int layer, uint64_t target, walk_fn fn, void *ctx)
{
    struct walk *w = xmalloc(sizeof *w);
    w->r.s = 0x5eedull + (uint64_t)layer * 7919u;
    w->left = target;
    w->fn = fn;
    w->ctx = ctx;
    for (unsigned p = 0; w->left; p++) {
        uint64_t x = rng_next(&w->r);
        int n = snprintf(w->path, sizeof w->path, "%s/%s-%s-%u", PREFIX[layer], WORDS[x % N_WORDS],
                         WORDS[(x >> 16) % N_WORDS], p);
        walk_dir(w, (size_t)n, 1);
    }
    free(w);
}

/* ------------------------------------------------------------------ layer writer */

struct dirset {            /* 64-bit hashes of folder paths written in this layer */
    uint64_t *slot;
    size_t cap, n;
};

static uint64_t hash_str(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h | 1;
}

static int dirset_add(struct dirset *d, uint64_t h)   /* 1 if new */
{
    if (2 * (d->n + 1) > d->cap) {
        struct dirset nd = {calloc(d->cap ? d->cap * 2 : 1024, 8), d->cap ? d->cap * 2 : 1024, 0};
        if (!nd.slot)
            die("out of memory");
        for (size_t i = 0; i < d->cap; i++)
            if (d->slot[i])
                dirset_add(&nd, d->slot[i]);
        free(d->slot);
        *d = nd;
    }
    size_t i = h & (d->cap - 1);
    while (d->slot[i]) {
        if (d->slot[i] == h)
            return 0;
        i = (i + 1) & (d->cap - 1);
    }
    d->slot[i] = h;
    d->n++;
    return 1;
}

struct lstat_ {            /* per layer, in shared memory */
    uint64_t entries, files, content_bytes, tar_bytes, zst_bytes, whiteouts, overwrites, opaque;
    char tar_sha[65], zst_sha[65];
};

struct lw {
    int layer;
    struct archive *a;
    struct archive_entry *ae;
    struct rng r;          /* content decisions */
    struct rng sel;        /* overwrite / whiteout picks */
    struct dirset dirs;
    struct lstat_ *st;
    char last_file[4096];
    char opaque[4096];
    size_t opaque_len;
    char tmp[4200];
};

static void put_header(struct lw *w, const char *path, unsigned type, unsigned perm, uint64_t size,
                       const char *link, int hard)
{
    struct archive_entry *ae = w->ae;
    archive_entry_clear(ae);
    archive_entry_copy_pathname(ae, path);
    archive_entry_set_mtime(ae, MTIME + w->layer * 3600, 0);
    archive_entry_set_uid(ae, w->layer >= 9 ? 1000 : 0);
    archive_entry_set_gid(ae, w->layer >= 9 ? 1000 : 0);
    if (hard) {
        archive_entry_copy_hardlink(ae, link);
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, perm);
        archive_entry_set_size(ae, 0);
    } else {
        archive_entry_set_filetype(ae, type);
        archive_entry_set_perm(ae, perm);
        if (link)
            archive_entry_copy_symlink(ae, link);
        archive_entry_set_size(ae, type == AE_IFREG ? (la_int64_t)size : 0);
    }
    if (archive_write_header(w->a, ae) != ARCHIVE_OK)
        die("layer %d: %s: %s", w->layer, path, archive_error_string(w->a));
    w->st->entries++;
}

static uint64_t pick_size(struct rng *r)
{
    uint64_t u = rng_next(r) % 1000000;
    if (u < 10)
        return rng_range(r, 16u << 20, 32u << 20);
    if (u < 110)
        return rng_range(r, 1u << 20, 8u << 20);
    u %= 1000;
    return u < 620 ? rng_range(r, 0, 1023) : u < 900 ? rng_range(r, 1024, 4095)
         : u < 985 ? rng_range(r, 4096, 16383) : rng_range(r, 16384, 98303);
}

static void put_file(struct lw *w, const char *path, uint64_t size)
{
    put_header(w, path, AE_IFREG, w->layer % 3 ? 0644 : 0755, size, NULL, 0);
    uint64_t off = rng_next(&w->r) % (TEXT_SZ - size);
    if (size && archive_write_data(w->a, text + off, size) != (la_ssize_t)size)
        die("layer %d: %s: %s", w->layer, path, archive_error_string(w->a));
    w->st->files++;
    w->st->content_bytes += size;
}

/* Writes the missing folders of path[0..len) (each prefix, then itself). */
static void ensure_dirs(struct lw *w, const char *path, size_t len)
{
    char buf[4096];
    memcpy(buf, path, len);
    buf[len] = 0;
    if (!dirset_add(&w->dirs, hash_str(buf, len)))
        return;   /* present, so are its parents */
    const char *slash = memrchr(buf, '/', len);
    if (slash) {
        /* parents first; our own hash is in the set already, so write ours after them */
        ensure_dirs(w, buf, (size_t)(slash - buf));
    }
    put_header(w, buf, AE_IFDIR, 0755, 0, NULL, 0);
}

static void own_event(void *ctx, int ev, const char *path, size_t len, int depth)
{
    struct lw *w = ctx;
    (void)depth;
    if (ev == EV_DIR) {
        ensure_dirs(w, path, len);
        return;
    }
    uint64_t u = rng_next(&w->r) % 1000;
    if (u < 30) {
        const char *base = strrchr(path, '/') + 1;
        snprintf(w->tmp, sizeof w->tmp, "%s.1", base);
        put_header(w, path, AE_IFLNK, 0777, 0, w->tmp, 0);
    } else if (u < 32 && w->last_file[0]) {
        put_header(w, path, AE_IFREG, 0644, 0, w->last_file, 1);
    } else {
        put_file(w, path, pick_size(&w->r));
        memcpy(w->last_file, path, len + 1);
    }
}

static void later_event(void *ctx, int ev, const char *path, size_t len, int depth)
{
    struct lw *w = ctx;
    if (w->opaque_len && len > w->opaque_len && path[w->opaque_len] == '/' &&
        memcmp(path, w->opaque, w->opaque_len) == 0)
        return;   /* inside a folder this layer made opaque */
    w->opaque_len = 0;
    uint64_t u = rng_next(&w->sel) % 10000;
    if (ev == EV_DIR) {
        if (depth != 1 || u >= 20)
            return;
        ensure_dirs(w, path, len);
        snprintf(w->tmp, sizeof w->tmp, "%s/.wh..wh..opq", path);
        put_header(w, w->tmp, AE_IFREG, 0644, 0, NULL, 0);
        for (int i = 0; i < 3; i++) {
            snprintf(w->tmp, sizeof w->tmp, "%s/rebuilt-%d.txt", path, i);
            put_file(w, w->tmp, pick_size(&w->r));
        }
        memcpy(w->opaque, path, len + 1);
        w->opaque_len = len;
        w->st->opaque++;
        return;
    }
    if (u >= 130)
        return;
    const char *slash = memrchr(path, '/', len);
    ensure_dirs(w, path, (size_t)(slash - path));
    if (u < 100) {
        put_file(w, path, pick_size(&w->r));
        w->st->overwrites++;
    } else {
        snprintf(w->tmp, sizeof w->tmp, "%.*s/.wh.%s", (int)(slash - path), path, slash + 1);
        put_header(w, w->tmp, AE_IFREG, 0644, 0, NULL, 0);
        w->st->whiteouts++;
    }
}

static void sha256_file(const char *path, char out[65])
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "sha256sum '%s'", path);
    FILE *p = popen(cmd, "r");
    if (!p || fscanf(p, "%64s", out) != 1 || strlen(out) != 64)
        die("sha256sum %s failed", path);
    pclose(p);
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        die("%s: %s", path, strerror(errno));
    return (uint64_t)st.st_size;
}

static void zstd_file(const char *in, const char *out)
{
    FILE *fi = fopen(in, "rb"), *fo = fopen(out, "wb");
    if (!fi || !fo)
        die("%s: %s", out, strerror(errno));
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 3);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    size_t ibsz = ZSTD_CStreamInSize(), obsz = ZSTD_CStreamOutSize();
    char *ib = xmalloc(ibsz), *ob = xmalloc(obsz);
    for (;;) {
        size_t n = fread(ib, 1, ibsz, fi);
        int last = n < ibsz;
        ZSTD_inBuffer zi = {ib, n, 0};
        int done;
        do {
            ZSTD_outBuffer zo = {ob, obsz, 0};
            size_t rem = ZSTD_compressStream2(cc, &zo, &zi, last ? ZSTD_e_end : ZSTD_e_continue);
            if (ZSTD_isError(rem))
                die("zstd: %s", ZSTD_getErrorName(rem));
            if (fwrite(ob, 1, zo.pos, fo) != zo.pos)
                die("%s: write failed", out);
            done = last ? rem == 0 : zi.pos == zi.size;
        } while (!done);
        if (last)
            break;
    }
    if (ferror(fi) || fclose(fo) != 0)
        die("%s: I/O error", out);
    fclose(fi);
    ZSTD_freeCCtx(cc);
    free(ib);
    free(ob);
}

static void write_layer(const char *outdir, int layer, uint64_t total, struct lstat_ *st)
{
    char tarp[4096], zstp[4096];
    snprintf(tarp, sizeof tarp, "%s/layers/L%02d.tar", outdir, layer);
    snprintf(zstp, sizeof zstp, "%s/layers/L%02d.tar.zst", outdir, layer);
    struct lw *w = calloc(1, sizeof *w);
    if (!w)
        die("out of memory");
    w->layer = layer;
    w->st = st;
    w->r.s = 0xc0ffeeull * (uint64_t)(layer + 1);
    w->a = archive_write_new();
    w->ae = archive_entry_new();
    archive_write_set_format_pax_restricted(w->a);
    archive_write_set_bytes_per_block(w->a, 1 << 20);
    archive_write_set_bytes_in_last_block(w->a, 1);
    if (archive_write_open_filename(w->a, tarp) != ARCHIVE_OK)
        die("%s: %s", tarp, archive_error_string(w->a));
    walk_layer(layer, layer_target(layer, total), own_event, w);
    for (int k = 0; k < layer; k++) {
        w->sel.s = 0xabcdefull + (uint64_t)layer * 1000003u + (uint64_t)k;
        w->opaque_len = 0;
        walk_layer(k, layer_target(k, total), later_event, w);
    }
    if (archive_write_close(w->a) != ARCHIVE_OK)
        die("%s: %s", tarp, archive_error_string(w->a));
    archive_write_free(w->a);
    archive_entry_free(w->ae);
    free(w->dirs.slot);
    free(w);
    zstd_file(tarp, zstp);
    st->tar_bytes = file_size(tarp);
    st->zst_bytes = file_size(zstp);
    sha256_file(tarp, st->tar_sha);
    sha256_file(zstp, st->zst_sha);
}

/* ------------------------------------------------------------------ outer archives */

static void add_mem(struct archive *a, const char *name, const void *p, size_t n, int dir)
{
    struct archive_entry *ae = archive_entry_new();
    archive_entry_set_pathname(ae, name);
    archive_entry_set_filetype(ae, dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(ae, dir ? 0755 : 0644);
    archive_entry_set_size(ae, dir ? 0 : (la_int64_t)n);
    archive_entry_set_mtime(ae, MTIME, 0);
    if (archive_write_header(a, ae) != ARCHIVE_OK ||
        (n && archive_write_data(a, p, n) != (la_ssize_t)n))
        die("%s: %s", name, archive_error_string(a));
    archive_entry_free(ae);
}

static void add_file(struct archive *a, const char *name, const char *path)
{
    uint64_t size = file_size(path);
    struct archive_entry *ae = archive_entry_new();
    archive_entry_set_pathname(ae, name);
    archive_entry_set_filetype(ae, AE_IFREG);
    archive_entry_set_perm(ae, 0644);
    archive_entry_set_size(ae, (la_int64_t)size);
    archive_entry_set_mtime(ae, MTIME, 0);
    if (archive_write_header(a, ae) != ARCHIVE_OK)
        die("%s: %s", name, archive_error_string(a));
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        die("%s: %s", path, strerror(errno));
    static char buf[1 << 20];
    ssize_t k;
    while ((k = read(fd, buf, sizeof buf)) > 0)
        if (archive_write_data(a, buf, (size_t)k) != k)
            die("%s: %s", name, archive_error_string(a));
    if (k < 0)
        die("%s: %s", path, strerror(errno));
    close(fd);
    archive_entry_free(ae);
}

static struct archive *outer_open(const char *path)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_set_bytes_per_block(a, 1 << 20);
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open_filename(a, path) != ARCHIVE_OK)
        die("%s: %s", path, archive_error_string(a));
    return a;
}

static void outer_close(struct archive *a, const char *path)
{
    if (archive_write_close(a) != ARCHIVE_OK)
        die("%s: %s", path, archive_error_string(a));
    archive_write_free(a);
}

static char *dumps(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    if (!s)
        die("json_dumps failed");
    return s;
}

/* sha256 of a string, through a file (sha256sum is the only hasher we use). */
static void sha256_mem(const char *outdir, const char *s, char out[65])
{
    char p[4096];
    snprintf(p, sizeof p, "%s/.digest.tmp", outdir);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(s, 1, strlen(s), f) != strlen(s) || fclose(f) != 0)
        die("%s: write failed", p);
    sha256_file(p, out);
    unlink(p);
}

static char *make_config(const struct lstat_ *st)
{
    json_t *ids = json_array(), *hist = json_array();
    for (int i = 0; i < N_LAYERS; i++) {
        json_array_append_new(ids, json_sprintf("sha256:%s", st[i].tar_sha));
        json_array_append_new(hist, json_pack("{s:s, s:s}", "created", "2024-01-01T00:00:00Z",
                                              "created_by", CREATED_BY[i]));
        if (i == 0)
            json_array_append_new(hist, json_pack("{s:s, s:s, s:b}", "created", "2024-01-01T00:00:00Z",
                                                  "created_by", "/bin/sh -c #(nop)  CMD [\"bash\"]",
                                                  "empty_layer", 1));
    }
    json_array_append_new(hist, json_pack("{s:s, s:s, s:b}", "created", "2024-01-01T00:00:00Z",
                                          "created_by", "ENV APP_ENV=bench", "empty_layer", 1));
    json_t *c = json_pack("{s:s, s:s, s:s, s:{s:[s, s], s:[s], s:s, s:s}, s:{s:s, s:o}, s:o}",
                          "architecture", "amd64", "os", "linux", "created", "2024-01-01T00:00:00Z",
                          "config", "Env", "PATH=/usr/local/bin:/usr/bin:/bin", "APP_ENV=bench",
                          "Cmd", "bash", "WorkingDir", "/app", "User", "app",
                          "rootfs", "type", "layers", "diff_ids", ids, "history", hist);
    if (!c)
        die("config json");
    char *s = dumps(c);
    json_decref(c);
    return s;
}

static void write_docker(const char *outdir, const struct lstat_ *st, const char *cfg, const char *cfg_sha)
{
    char path[4096], name[4096], lp[4096];
    snprintf(path, sizeof path, "%s/docker.tar", outdir);
    struct archive *a = outer_open(path);
    json_t *layers = json_array();
    for (int i = 0; i < N_LAYERS; i++) {
        snprintf(name, sizeof name, "%s/", st[i].tar_sha);
        add_mem(a, name, NULL, 0, 1);
        snprintf(name, sizeof name, "%s/VERSION", st[i].tar_sha);
        add_mem(a, name, "1.0", 3, 0);
        char *j = xmalloc(200);
        int n = snprintf(j, 200, "{\"id\":\"%s\"}", st[i].tar_sha);
        snprintf(name, sizeof name, "%s/json", st[i].tar_sha);
        add_mem(a, name, j, (size_t)n, 0);
        free(j);
        snprintf(name, sizeof name, "%s/layer.tar", st[i].tar_sha);
        snprintf(lp, sizeof lp, "%s/layers/L%02d.tar", outdir, i);
        add_file(a, name, lp);
        json_array_append_new(layers, json_string(name));
    }
    snprintf(name, sizeof name, "%s.json", cfg_sha);
    add_mem(a, name, cfg, strlen(cfg), 0);
    json_t *m = json_pack("[{s:s, s:[s], s:o}]", "Config", name, "RepoTags", "strata-bench:1m",
                          "Layers", layers);
    char *ms = dumps(m);
    add_mem(a, "manifest.json", ms, strlen(ms), 0);
    const char *repos = "{\"strata-bench\":{\"1m\":\"0\"}}";
    add_mem(a, "repositories", repos, strlen(repos), 0);
    free(ms);
    json_decref(m);
    outer_close(a, path);
}

static void write_oci(const char *outdir, const struct lstat_ *st, const char *cfg, const char *cfg_sha)
{
    char path[4096], name[4096], lp[4096];
    snprintf(path, sizeof path, "%s/oci-zstd.tar", outdir);
    json_t *layers = json_array();
    for (int i = 0; i < N_LAYERS; i++)
        json_array_append_new(layers, json_pack("{s:s, s:s, s:I}", "mediaType",
                                                "application/vnd.oci.image.layer.v1.tar+zstd",
                                                "digest", "", "size", (json_int_t)st[i].zst_bytes));
    for (int i = 0; i < N_LAYERS; i++)
        json_object_set_new(json_array_get(layers, (size_t)i), "digest",
                            json_sprintf("sha256:%s", st[i].zst_sha));
    json_t *man = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2,
                            "mediaType", "application/vnd.oci.image.manifest.v1+json",
                            "config", "mediaType", "application/vnd.oci.image.config.v1+json",
                            "digest", "", "size", (json_int_t)strlen(cfg), "layers", layers);
    json_object_set_new(json_object_get(man, "config"), "digest", json_sprintf("sha256:%s", cfg_sha));
    char *ms = dumps(man), man_sha[65];
    sha256_mem(outdir, ms, man_sha);
    json_t *ix = json_pack("{s:i, s:s, s:[{s:s, s:s, s:I, s:{s:s}}]}", "schemaVersion", 2,
                           "mediaType", "application/vnd.oci.image.index.v1+json", "manifests",
                           "mediaType", "application/vnd.oci.image.manifest.v1+json", "digest", "",
                           "size", (json_int_t)strlen(ms), "annotations",
                           "org.opencontainers.image.ref.name", "strata-bench:1m");
    json_object_set_new(json_array_get(json_object_get(ix, "manifests"), 0), "digest",
                        json_sprintf("sha256:%s", man_sha));
    char *is = dumps(ix);

    struct archive *a = outer_open(path);
    const char *layout = "{\"imageLayoutVersion\":\"1.0.0\"}";
    add_mem(a, "oci-layout", layout, strlen(layout), 0);
    add_mem(a, "blobs/", NULL, 0, 1);
    add_mem(a, "blobs/sha256/", NULL, 0, 1);
    for (int i = 0; i < N_LAYERS; i++) {
        snprintf(name, sizeof name, "blobs/sha256/%s", st[i].zst_sha);
        snprintf(lp, sizeof lp, "%s/layers/L%02d.tar.zst", outdir, i);
        add_file(a, name, lp);
    }
    snprintf(name, sizeof name, "blobs/sha256/%s", cfg_sha);
    add_mem(a, name, cfg, strlen(cfg), 0);
    snprintf(name, sizeof name, "blobs/sha256/%s", man_sha);
    add_mem(a, name, ms, strlen(ms), 0);
    add_mem(a, "index.json", is, strlen(is), 0);
    outer_close(a, path);
    free(ms);
    free(is);
    json_decref(man);
    json_decref(ix);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: gen_image OUTDIR [OWN_ENTRIES]   (generator version %s)\n", GEN_VERSION);
        return 2;
    }
    const char *outdir = argv[1];
    uint64_t total = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
    if (total < 1000)
        die("OWN_ENTRIES must be at least 1000");
    char p[4096];
    snprintf(p, sizeof p, "%s/layers", outdir);
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        die("%s: %s", p, strerror(errno));
    double t0 = now();
    text_init();

    struct lstat_ *st = mmap(NULL, sizeof *st * N_LAYERS + 64, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (st == MAP_FAILED)
        die("mmap: %s", strerror(errno));
    memset(st, 0, sizeof *st * N_LAYERS);
    int *next = (int *)(st + N_LAYERS);
    *next = 0;
    long nw = sysconf(_SC_NPROCESSORS_ONLN);
    if (nw < 1)
        nw = 1;
    if (nw > N_LAYERS)
        nw = N_LAYERS;
    fflush(NULL);
    for (long i = 0; i < nw; i++) {
        pid_t pid = fork();
        if (pid < 0)
            die("fork: %s", strerror(errno));
        if (pid == 0) {
            /* the biggest layers first: LPT keeps the workers even */
            static const int order[N_LAYERS] = {0, 2, 1, 4, 6, 3, 8, 7, 5, 10, 9, 11};
            int k;
            while ((k = __atomic_fetch_add(next, 1, __ATOMIC_SEQ_CST)) < N_LAYERS)
                write_layer(outdir, order[k], total, &st[order[k]]);
            _exit(0);
        }
    }
    int bad = 0, ws;
    while (wait(&ws) > 0)
        if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
            bad = 1;
    if (bad)
        die("a layer worker failed");
    double t1 = now();

    char *cfg = make_config(st), cfg_sha[65];
    sha256_mem(outdir, cfg, cfg_sha);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        write_oci(outdir, st, cfg, cfg_sha);
        _exit(0);
    }
    write_docker(outdir, st, cfg, cfg_sha);
    if (waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
        die("writing oci-zstd.tar failed");
    double t2 = now();

    uint64_t e = 0, f = 0, cb = 0, tb = 0, zb = 0, wh = 0, ow = 0, op = 0;
    for (int i = 0; i < N_LAYERS; i++) {
        e += st[i].entries;
        f += st[i].files;
        cb += st[i].content_bytes;
        tb += st[i].tar_bytes;
        zb += st[i].zst_bytes;
        wh += st[i].whiteouts;
        ow += st[i].overwrites;
        op += st[i].opaque;
    }
    snprintf(p, sizeof p, "%s/meta.txt", outdir);
    FILE *m = fopen(p, "w");
    if (!m)
        die("%s: %s", p, strerror(errno));
    fprintf(m, "generator %s\nown_entries %llu\nlayers %d\nentries %llu\nfiles %llu\ncontent_bytes %llu\n"
               "layer_tar_bytes %llu\nlayer_zst_bytes %llu\nwhiteouts %llu\noverwrites %llu\nopaque %llu\n"
               "docker_bytes %llu\noci_bytes %llu\nlayers_seconds %.1f\nouter_seconds %.1f\n",
            GEN_VERSION, (unsigned long long)total, N_LAYERS, (unsigned long long)e,
            (unsigned long long)f, (unsigned long long)cb, (unsigned long long)tb,
            (unsigned long long)zb, (unsigned long long)wh, (unsigned long long)ow,
            (unsigned long long)op, (unsigned long long)file_size(strcat(strcpy(p, outdir), "/docker.tar")),
            (unsigned long long)file_size(strcat(strcpy(p, outdir), "/oci-zstd.tar")), t1 - t0, t2 - t1);
    if (fclose(m) != 0)
        die("meta.txt: write failed");
    for (int i = 0; i < N_LAYERS; i++)
        printf("L%02d %8llu entries %6.0f MiB tar %6.0f MiB zst\n", i, (unsigned long long)st[i].entries,
               st[i].tar_bytes / 1048576.0, st[i].zst_bytes / 1048576.0);
    printf("total %llu entries, %llu files, %.2f GiB content; layers %.1f s, outer archives %.1f s\n",
           (unsigned long long)e, (unsigned long long)f, cb / 1073741824.0, t1 - t0, t2 - t1);
    free(cfg);
    return 0;
}
