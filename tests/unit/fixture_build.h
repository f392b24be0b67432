/* fixture_build.h: container images built in memory with libarchive's write API, for the unit
 * tests. Header-only (static functions): the Makefile makes one binary per tests/unit/test_*.c.
 *
 *   struct fx_buf layer = fx_layer(FX_GZIP, (struct fx_ent[]){
 *       FX_D("etc"), FX_F("etc/hosts", "127.0.0.1 localhost\n"), FX_F("etc/.wh.old", ""), FX_END});
 *   struct fx_img im = {0};
 *   fx_img_layer(&im, layer);                     // takes ownership
 *   fx_img_history(&im, "[{\"created_by\":\"/bin/sh -c #(nop) ADD x\"}]");
 *   char *path = fx_write(&im, FX_OCI_ARCHIVE, FX_PLAIN, dir, "oci.tar");
 *   ... image_open(&img, path, &opts) ...
 *   fx_img_free(&im); free(path);
 *
 * Digests are deterministic fake "sha256:<64 hex>" values (the reader never verifies them).
 * Outer tars are written with the layers in reverse manifest order and the manifests last, so
 * that a reader relying on member order fails. Nothing here is committed as a binary blob. */
#ifndef STRATA_FIXTURE_BUILD_H
#define STRATA_FIXTURE_BUILD_H

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/util.h"

/* ------------------------------------------------------------------ growable byte buffer */

struct fx_buf {
    unsigned char *p;
    size_t len, cap;
};

static void fx_buf_add(struct fx_buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 4096;
        while (c < b->len + n + 1)
            c *= 2;
        b->p = xrealloc(b->p, c);
        b->cap = c;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void fx_buf_free(struct fx_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static struct fx_buf fx_buf_str(const char *s)
{
    struct fx_buf b = {0};
    fx_buf_add(&b, s, strlen(s));
    return b;
}

static struct fx_buf fx_buf_copy(const struct fx_buf *src)
{
    struct fx_buf b = {0};
    fx_buf_add(&b, src->p, src->len);
    return b;
}

static char *fx_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fx_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    return s;
}

/* Deterministic 64-hex fake digest of some bytes (4 FNV-1a lanes). */
static void fx_hex(const void *p, size_t n, char out[65])
{
    const unsigned char *b = p;
    for (int lane = 0; lane < 4; lane++) {
        uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)(lane * 0x9e3779b97f4a7c15ULL);
        for (size_t i = 0; i < n; i++) {
            h ^= b[i];
            h *= 0x100000001b3ULL;
        }
        h ^= n;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        snprintf(out + lane * 16, 17, "%016llx", (unsigned long long)h);
    }
}

/* ------------------------------------------------------------------ tar writer */

enum { FX_PLAIN, FX_GZIP, FX_ZSTD };

struct fx_tar {
    struct archive *a;
    struct archive_entry *e;
    struct fx_buf out;
    int filter;
    time_t mtime;
};

static la_ssize_t fx_tar_write_cb(struct archive *a, void *ud, const void *buf, size_t n)
{
    (void)a;
    fx_buf_add(&((struct fx_tar *)ud)->out, buf, n);
    return (la_ssize_t)n;
}

static struct fx_tar *fx_tar_new(int filter)
{
    struct fx_tar *t = xcalloc(1, sizeof *t);
    t->a = archive_write_new();
    t->e = archive_entry_new();
    t->filter = filter;
    t->mtime = 1700000000;
    archive_write_set_format_pax_restricted(t->a);
    if (filter == FX_GZIP)
        archive_write_add_filter_gzip(t->a);
    else if (filter == FX_ZSTD)
        archive_write_add_filter_zstd(t->a);
    archive_write_set_bytes_in_last_block(t->a, 1);
    if (archive_write_open2(t->a, t, NULL, fx_tar_write_cb, NULL, NULL) != ARCHIVE_OK) {
        fprintf(stderr, "fx_tar_new: %s\n", archive_error_string(t->a));
        abort();
    }
    return t;
}

static void fx_tar_header(struct fx_tar *t, const char *path, unsigned type, unsigned perm,
                          int64_t size, const char *symlink, const char *hardlink)
{
    archive_entry_clear(t->e);
    archive_entry_copy_pathname(t->e, path);
    archive_entry_set_filetype(t->e, type);
    archive_entry_set_perm(t->e, perm);
    archive_entry_set_size(t->e, size);
    archive_entry_set_mtime(t->e, t->mtime, 0);
    archive_entry_set_uid(t->e, 0);
    archive_entry_set_gid(t->e, 0);
    if (symlink)
        archive_entry_copy_symlink(t->e, symlink);
    if (hardlink)
        archive_entry_copy_hardlink(t->e, hardlink);
    if (archive_write_header(t->a, t->e) < ARCHIVE_WARN) {
        fprintf(stderr, "fx_tar_header %s: %s\n", path, archive_error_string(t->a));
        abort();
    }
}

static void fx_tar_file(struct fx_tar *t, const char *path, const void *data, size_t len)
{
    fx_tar_header(t, path, AE_IFREG, 0644, (int64_t)len, NULL, NULL);
    if (len && archive_write_data(t->a, data, len) != (la_ssize_t)len) {
        fprintf(stderr, "fx_tar_file %s: %s\n", path, archive_error_string(t->a));
        abort();
    }
}

static void fx_tar_dir(struct fx_tar *t, const char *path)
{
    fx_tar_header(t, path, AE_IFDIR, 0755, 0, NULL, NULL);
}

static void fx_tar_symlink(struct fx_tar *t, const char *path, const char *target)
{
    fx_tar_header(t, path, AE_IFLNK, 0777, 0, target, NULL);
}

static void fx_tar_hardlink(struct fx_tar *t, const char *path, const char *target)
{
    fx_tar_header(t, path, AE_IFREG, 0644, 0, NULL, target);
}

static struct fx_buf fx_tar_end(struct fx_tar *t)
{
    if (archive_write_close(t->a) != ARCHIVE_OK) {
        fprintf(stderr, "fx_tar_end: %s\n", archive_error_string(t->a));
        abort();
    }
    archive_write_free(t->a);
    archive_entry_free(t->e);
    struct fx_buf b = t->out;
    free(t);
    return b;
}

/* ------------------------------------------------------------------ layers from a list */

struct fx_ent {
    char type;             /* 'f' file, 'd' dir, 'l' symlink, 'h' hard link, 0 end */
    const char *path;
    const char *data;      /* file content, or link target */
};
#define FX_F(p, s) {'f', (p), (s)}
#define FX_D(p) {'d', (p), NULL}
#define FX_L(p, t) {'l', (p), (t)}
#define FX_H(p, t) {'h', (p), (t)}
#define FX_WH(p) {'f', (p), ""}
#define FX_END {0, NULL, NULL}

static void fx_tar_ents(struct fx_tar *t, const struct fx_ent *e)
{
    for (; e->type; e++) {
        switch (e->type) {
        case 'f': fx_tar_file(t, e->path, e->data, strlen(e->data)); break;
        case 'd': fx_tar_dir(t, e->path); break;
        case 'l': fx_tar_symlink(t, e->path, e->data); break;
        case 'h': fx_tar_hardlink(t, e->path, e->data); break;
        default: abort();
        }
    }
}

static struct fx_buf fx_layer(int filter, const struct fx_ent *e)
{
    struct fx_tar *t = fx_tar_new(filter);
    fx_tar_ents(t, e);
    return fx_tar_end(t);
}

/* Raw gzip / zstd of some bytes (for broken layers built by hand). */
static struct fx_buf fx_compress(int filter, const void *p, size_t n)
{
    struct archive *a = archive_write_new();
    struct fx_tar holder = {0};
    archive_write_set_format_raw(a);
    if (filter == FX_GZIP)
        archive_write_add_filter_gzip(a);
    else
        archive_write_add_filter_zstd(a);
    archive_write_set_bytes_in_last_block(a, 1);
    archive_write_open2(a, &holder, NULL, fx_tar_write_cb, NULL, NULL);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "x");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_size(e, (int64_t)n);
    archive_write_header(a, e);
    archive_write_data(a, p, n);
    archive_write_close(a);
    archive_write_free(a);
    archive_entry_free(e);
    return holder.out;
}

/* ------------------------------------------------------------------ whole images */

enum fx_format {
    FX_LEGACY,        /* docker save <= 24: <v1id>/layer.tar, <hex>.json, manifest.json, repositories */
    FX_BUILDAH,       /* <diffid>.tar + <v1id>/layer.tar symlink -> ../<diffid>.tar */
    FX_KANIKO,        /* config member "sha256:<hex>", layers "<hex>.tar.gz" */
    FX_DOCKER25,      /* OCI layout + manifest.json naming blobs/sha256/<hex> */
    FX_OCI_ARCHIVE,   /* oci-layout, index.json, blobs/ */
    FX_OCI_NESTED,    /* index.json -> image index -> manifest + attestation manifest */
    FX_OCI_DIR,       /* like FX_OCI_ARCHIVE, written as a folder */
};

#define FX_MAX_LAYERS 16
#define FX_MAX_PLATFORMS 4

struct fx_plat {
    const char *os, *arch, *variant;
    struct fx_buf layers[FX_MAX_LAYERS];
    int n_layers;
    char *history;         /* JSON array text, NULL for none */
    char *config;          /* full config JSON; NULL: generated */
};

struct fx_img {
    struct fx_plat plat[FX_MAX_PLATFORMS];
    int n_plat;            /* 0 means 1 */
    const char *tag;       /* NULL: "app:1" */
    /* damage, applied when writing */
    const char *manifest_override;   /* manifest.json text (docker formats) */
    const char *index_override;      /* index.json text (OCI formats) */
    int drop_layer;                  /* 1 + index of a layer blob to leave out */
    int drop_config;
};

static struct fx_plat *fx_p(struct fx_img *im, int p)
{
    if (im->n_plat <= p)
        im->n_plat = p + 1;
    return &im->plat[p];
}

/* Adds a layer blob to platform 0 (takes ownership). */
static void fx_img_layer(struct fx_img *im, struct fx_buf blob)
{
    struct fx_plat *p = fx_p(im, 0);
    if (p->n_layers == FX_MAX_LAYERS)
        abort();
    p->layers[p->n_layers++] = blob;
}

static void fx_img_history(struct fx_img *im, const char *history_json)
{
    struct fx_plat *p = fx_p(im, 0);
    free(p->history);
    p->history = history_json ? strdup(history_json) : NULL;
}

static void fx_img_free(struct fx_img *im)
{
    for (int k = 0; k < FX_MAX_PLATFORMS; k++) {
        for (int i = 0; i < im->plat[k].n_layers; i++)
            fx_buf_free(&im->plat[k].layers[i]);
        free(im->plat[k].history);
        free(im->plat[k].config);
    }
    memset(im, 0, sizeof *im);
}

/* diff_id: the digest of the uncompressed tar. We fake it from the blob bytes with a prefix
 * so that it differs from the blob digest of a compressed layer. */
static void fx_diffid(const struct fx_buf *b, char out[72])
{
    struct fx_buf t = {0};
    fx_buf_add(&t, "diff:", 5);
    fx_buf_add(&t, b->p, b->len);
    char hex[65];
    fx_hex(t.p, t.len, hex);
    fx_buf_free(&t);
    snprintf(out, 72, "sha256:%s", hex);
}

static void fx_digest(const void *p, size_t n, char out[72])
{
    char hex[65];
    fx_hex(p, n, hex);
    snprintf(out, 72, "sha256:%s", hex);
}

static char *fx_config_json(const struct fx_plat *p)
{
    if (p->config)
        return strdup(p->config);
    struct fx_buf ids = {0};
    for (int i = 0; i < p->n_layers; i++) {
        char d[72];
        fx_diffid(&p->layers[i], d);
        if (i)
            fx_buf_add(&ids, ",", 1);
        fx_buf_add(&ids, "\"", 1);
        fx_buf_add(&ids, d, strlen(d));
        fx_buf_add(&ids, "\"", 1);
    }
    char *s = fx_printf("{\"architecture\":\"%s\",\"os\":\"%s\"%s%s%s,"
                        "\"config\":{\"Env\":[\"PATH=/usr/bin\"],\"Cmd\":[\"sh\"],\"WorkingDir\":\"/app\"},"
                        "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[%s]}%s%s}",
                        p->arch ? p->arch : "amd64", p->os ? p->os : "linux",
                        p->variant ? ",\"variant\":\"" : "", p->variant ? p->variant : "",
                        p->variant ? "\"" : "", ids.p ? (char *)ids.p : "",
                        p->history ? ",\"history\":" : "", p->history ? p->history : "");
    fx_buf_free(&ids);
    return s;
}

/* Members of the outer image, collected before writing (so the order can be chosen). */
struct fx_member {
    char *name;
    struct fx_buf data;
    char *symlink;
};
struct fx_members {
    struct fx_member m[128];
    int n;
};

static void fx_mem_add(struct fx_members *ms, const char *name, const void *p, size_t n)
{
    if (ms->n == 128)
        abort();
    struct fx_member *m = &ms->m[ms->n++];
    memset(m, 0, sizeof *m);
    m->name = strdup(name);
    fx_buf_add(&m->data, p, n);
}

static void fx_mem_str(struct fx_members *ms, const char *name, const char *s)
{
    fx_mem_add(ms, name, s, strlen(s));
}

static void fx_mem_link(struct fx_members *ms, const char *name, const char *target)
{
    if (ms->n == 128)
        abort();
    struct fx_member *m = &ms->m[ms->n++];
    memset(m, 0, sizeof *m);
    m->name = strdup(name);
    m->symlink = strdup(target);
}

static void fx_members_free(struct fx_members *ms)
{
    for (int i = 0; i < ms->n; i++) {
        free(ms->m[i].name);
        fx_buf_free(&ms->m[i].data);
        free(ms->m[i].symlink);
    }
    ms->n = 0;
}

/* Adds an OCI manifest + config + layer blobs for platform p; returns the manifest JSON
 * (caller frees) and its digest in `mdigest`, its size in *msize. */
static char *fx_oci_manifest(const struct fx_img *im, int pi, struct fx_members *ms, char mdigest[72],
                             char layer_names[][96])
{
    const struct fx_plat *p = &im->plat[pi];
    char *cfg = fx_config_json(p);
    char cdig[72];
    fx_digest(cfg, strlen(cfg), cdig);
    struct fx_buf ls = {0};
    /* layer blobs, written in reverse */
    for (int i = p->n_layers - 1; i >= 0; i--) {
        char d[72];
        fx_digest(p->layers[i].p, p->layers[i].len, d);
        char *name = fx_printf("blobs/sha256/%s", d + 7);
        snprintf(layer_names[i], 96, "%s", name);
        int dup = 0;
        for (int k = 0; k < ms->n; k++)
            dup |= strcmp(ms->m[k].name, name) == 0;
        if (im->drop_layer != i + 1 && !dup)
            fx_mem_add(ms, name, p->layers[i].p, p->layers[i].len);
        free(name);
    }
    for (int i = 0; i < p->n_layers; i++) {
        char d[72];
        fx_digest(p->layers[i].p, p->layers[i].len, d);
        int gz = p->layers[i].len > 1 && p->layers[i].p[0] == 0x1f && p->layers[i].p[1] == 0x8b;
        int zs = p->layers[i].len > 3 && p->layers[i].p[0] == 0x28 && p->layers[i].p[1] == 0xb5;
        char *one = fx_printf("%s{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar%s\","
                              "\"digest\":\"%s\",\"size\":%zu}",
                              i ? "," : "", gz ? "+gzip" : zs ? "+zstd" : "", d, p->layers[i].len);
        fx_buf_add(&ls, one, strlen(one));
        free(one);
    }
    if (!im->drop_config) {
        char *cname = fx_printf("blobs/sha256/%s", cdig + 7);
        fx_mem_str(ms, cname, cfg);
        free(cname);
    }
    char *man = fx_printf("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                          "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                          "\"digest\":\"%s\",\"size\":%zu},\"layers\":[%s]}",
                          cdig, strlen(cfg), ls.p ? (char *)ls.p : "");
    fx_buf_free(&ls);
    free(cfg);
    fx_digest(man, strlen(man), mdigest);
    char *mname = fx_printf("blobs/sha256/%s", mdigest + 7);
    fx_mem_str(ms, mname, man);
    free(mname);
    return man;
}

static void fx_collect(const struct fx_img *im, enum fx_format fmt, struct fx_members *ms)
{
    const char *tag = im->tag ? im->tag : "app:1";
    const struct fx_plat *p = &im->plat[0];
    char lnames[FX_MAX_LAYERS][96];
    if (fmt == FX_LEGACY || fmt == FX_BUILDAH || fmt == FX_KANIKO) {
        char *cfg = fx_config_json(p);
        char chex[65];
        fx_hex(cfg, strlen(cfg), chex);
        char *cname = fmt == FX_KANIKO ? fx_printf("sha256:%s", chex) : fx_printf("%s.json", chex);
        struct fx_buf ls = {0};
        for (int i = p->n_layers - 1; i >= 0; i--) {
            char diff[72], v1[65];
            fx_diffid(&p->layers[i], diff);
            fx_hex(diff, strlen(diff), v1);   /* a v1 id per layer */
            v1[0] = (char)('a' + i % 6);
            char *name;
            if (fmt == FX_LEGACY) {
                name = fx_printf("%s/layer.tar", v1);
                char *dir = fx_printf("%s/VERSION", v1);
                fx_mem_str(ms, dir, "1.0");
                free(dir);
                if (im->drop_layer != i + 1)
                    fx_mem_add(ms, name, p->layers[i].p, p->layers[i].len);
            } else if (fmt == FX_BUILDAH) {
                char *real = fx_printf("%s.tar", diff + 7);
                if (im->drop_layer != i + 1)
                    fx_mem_add(ms, real, p->layers[i].p, p->layers[i].len);
                name = fx_printf("%s/layer.tar", v1);
                char *target = fx_printf("../%s", real);
                fx_mem_link(ms, name, target);
                free(target);
                free(real);
            } else {
                char d[72];
                fx_digest(p->layers[i].p, p->layers[i].len, d);
                name = fx_printf("%s.tar.gz", d + 7);
                if (im->drop_layer != i + 1)
                    fx_mem_add(ms, name, p->layers[i].p, p->layers[i].len);
            }
            snprintf(lnames[i], 96, "%s", name);
            free(name);
        }
        for (int i = 0; i < p->n_layers; i++) {
            fx_buf_add(&ls, i ? ",\"" : "\"", i ? 2 : 1);
            fx_buf_add(&ls, lnames[i], strlen(lnames[i]));
            fx_buf_add(&ls, "\"", 1);
        }
        if (!im->drop_config)
            fx_mem_str(ms, cname, cfg);
        if (fmt == FX_LEGACY) {
            char *repo = fx_printf("{\"app\":{\"1\":\"%s\"}}", chex);
            fx_mem_str(ms, "repositories", repo);
            free(repo);
        }
        char *man = im->manifest_override ? strdup(im->manifest_override)
                  : fx_printf("[{\"Config\":\"%s\",\"RepoTags\":[\"%s%s\"],\"Layers\":[%s]}]", cname,
                              fmt == FX_BUILDAH ? "docker.io/library/" : "", tag,
                              ls.p ? (char *)ls.p : "");
        fx_mem_str(ms, "manifest.json", man);
        free(man);
        free(cname);
        free(cfg);
        fx_buf_free(&ls);
        return;
    }

    /* OCI shapes */
    char mdig[FX_MAX_PLATFORMS][72];
    size_t mlen[FX_MAX_PLATFORMS];
    int np = im->n_plat ? im->n_plat : 1;
    char scratch[FX_MAX_LAYERS][96];
    for (int k = 0; k < np; k++) {
        char *man = fx_oci_manifest(im, k, ms, mdig[k], k == 0 ? lnames : scratch);
        mlen[k] = strlen(man);
        free(man);
    }
    struct fx_buf descs = {0};
    for (int k = 0; k < np; k++) {
        const struct fx_plat *q = &im->plat[k];
        char *d = fx_printf("%s{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                            "\"digest\":\"%s\",\"size\":%zu,"
                            "\"platform\":{\"architecture\":\"%s\",\"os\":\"%s\"%s%s%s}%s%s%s}",
                            k ? "," : "", mdig[k], mlen[k], q->arch ? q->arch : "amd64",
                            q->os ? q->os : "linux", q->variant ? ",\"variant\":\"" : "",
                            q->variant ? q->variant : "", q->variant ? "\"" : "",
                            fmt == FX_OCI_NESTED ? "" : ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"",
                            fmt == FX_OCI_NESTED ? "" : tag, fmt == FX_OCI_NESTED ? "" : "\"}");
        fx_buf_add(&descs, d, strlen(d));
        free(d);
    }
    if (fmt == FX_OCI_NESTED) {
        /* an attestation manifest (unknown/unknown) first, so that picking "the first" fails */
        const char *att_layer = "{\"_type\":\"https://in-toto.io/Statement/v0.1\"}";
        char ldig[72], acdig[72], amdig[72];
        fx_digest(att_layer, strlen(att_layer), ldig);
        const char *acfg = "{\"architecture\":\"unknown\",\"os\":\"unknown\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
        fx_digest(acfg, strlen(acfg), acdig);
        char *n1 = fx_printf("blobs/sha256/%s", ldig + 7);
        fx_mem_str(ms, n1, att_layer);
        char *n2 = fx_printf("blobs/sha256/%s", acdig + 7);
        fx_mem_str(ms, n2, acfg);
        char *am = fx_printf("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                             "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%zu},"
                             "\"layers\":[{\"mediaType\":\"application/vnd.in-toto+json\",\"digest\":\"%s\",\"size\":%zu}]}",
                             acdig, strlen(acfg), ldig, strlen(att_layer));
        fx_digest(am, strlen(am), amdig);
        char *n3 = fx_printf("blobs/sha256/%s", amdig + 7);
        fx_mem_str(ms, n3, am);
        char *inner = fx_printf("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                                "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                                "\"digest\":\"%s\",\"size\":%zu,\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"},"
                                "\"annotations\":{\"vnd.docker.reference.digest\":\"%s\",\"vnd.docker.reference.type\":\"attestation-manifest\"}},%s]}",
                                amdig, strlen(am), mdig[0], (char *)descs.p);
        char idig[72];
        fx_digest(inner, strlen(inner), idig);
        char *n4 = fx_printf("blobs/sha256/%s", idig + 7);
        fx_mem_str(ms, n4, inner);
        char *top = fx_printf("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                              "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                              "\"digest\":\"%s\",\"size\":%zu,\"annotations\":{\"io.containerd.image.name\":\"docker.io/library/%s\","
                              "\"org.opencontainers.image.ref.name\":\"%s\"}}]}",
                              idig, strlen(inner), tag, strchr(tag, ':') ? strchr(tag, ':') + 1 : tag);
        fx_mem_str(ms, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
        fx_mem_str(ms, "index.json", im->index_override ? im->index_override : top);
        free(n1); free(n2); free(n3); free(n4); free(am); free(inner); free(top);
        fx_buf_free(&descs);
        return;
    }
    char *index = fx_printf("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                            "\"manifests\":[%s]}", (char *)descs.p);
    fx_buf_free(&descs);
    fx_mem_str(ms, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
    fx_mem_str(ms, "index.json", im->index_override ? im->index_override : index);
    free(index);
    if (fmt == FX_DOCKER25) {
        /* manifest.json beside the layout, naming blobs/sha256/<hex> */
        char *cfg = fx_config_json(p);
        char cdig[72];
        fx_digest(cfg, strlen(cfg), cdig);
        struct fx_buf ls = {0};
        for (int i = 0; i < p->n_layers; i++) {
            fx_buf_add(&ls, i ? ",\"" : "\"", i ? 2 : 1);
            fx_buf_add(&ls, lnames[i], strlen(lnames[i]));
            fx_buf_add(&ls, "\"", 1);
        }
        char *man = im->manifest_override ? strdup(im->manifest_override)
                  : fx_printf("[{\"Config\":\"blobs/sha256/%s\",\"RepoTags\":[\"%s\"],\"Layers\":[%s]}]",
                              cdig + 7, tag, ls.p ? (char *)ls.p : "");
        fx_mem_str(ms, "manifest.json", man);
        free(man);
        free(cfg);
        fx_buf_free(&ls);
    }
}

static void fx_write_tar_members(const struct fx_members *ms, int filter, const char *path)
{
    struct fx_tar *t = fx_tar_new(filter);
    for (int i = 0; i < ms->n; i++) {
        if (ms->m[i].symlink)
            fx_tar_symlink(t, ms->m[i].name, ms->m[i].symlink);
        else
            fx_tar_file(t, ms->m[i].name, ms->m[i].data.p, ms->m[i].data.len);
    }
    struct fx_buf b = fx_tar_end(t);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b.p, 1, b.len, f) != b.len || fclose(f) != 0) {
        perror(path);
        abort();
    }
    fx_buf_free(&b);
}

static void fx_mkdirs(const char *path)
{
    char *p = strdup(path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            mkdir(p, 0755);
            *s = '/';
        }
    mkdir(p, 0755);
    free(p);
}

static void fx_write_file(const char *path, const void *p, size_t n)
{
    char *d = strdup(path);
    char *slash = strrchr(d, '/');
    if (slash) {
        *slash = 0;
        fx_mkdirs(d);
    }
    free(d);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* Writes the image under dir as `name` (a tar, or a folder for FX_OCI_DIR); returns the path. */
static char *fx_write(const struct fx_img *im, enum fx_format fmt, int outer_filter, const char *dir,
                      const char *name)
{
    struct fx_members ms = {.n = 0};
    fx_collect(im, fmt, &ms);
    char *path = fx_printf("%s/%s", dir, name);
    if (fmt == FX_OCI_DIR) {
        fx_mkdirs(path);
        for (int i = 0; i < ms.n; i++) {
            char *f = fx_printf("%s/%s", path, ms.m[i].name);
            fx_write_file(f, ms.m[i].data.p, ms.m[i].data.len);
            free(f);
        }
    } else {
        fx_write_tar_members(&ms, outer_filter, path);
    }
    fx_members_free(&ms);
    return path;
}

/* Writes arbitrary members (name, text) pairs as an outer tar; NULL name ends the list. */
static char *fx_write_raw(const char *dir, const char *name, int filter, const char *const *pairs)
{
    struct fx_members ms = {.n = 0};
    for (; pairs[0]; pairs += 2)
        fx_mem_str(&ms, pairs[0], pairs[1]);
    char *path = fx_printf("%s/%s", dir, name);
    fx_write_tar_members(&ms, filter, path);
    fx_members_free(&ms);
    return path;
}

/* Bytes of a file, for truncating copies. */
static struct fx_buf fx_read_file(const char *path)
{
    struct fx_buf b = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        abort();
    char tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
        fx_buf_add(&b, tmp, k);
    fclose(f);
    return b;
}

static void fx_rm_rf(const char *path)
{
    char *cmd = fx_printf("rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", path);
    free(cmd);
}

static char *fx_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    char *tmpl = fx_printf("%s/strata-unit-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmpl)) {
        perror("mkdtemp");
        abort();
    }
    return tmpl;
}

/* The end of an fx_tmpdir() folder: removed, unless STRATA_KEEP_FIXTURES is set (then its
 * place is said, to look at what a failing test wrote). */
static void fx_tmpdir_free(char *dir)
{
    if (!getenv("STRATA_KEEP_FIXTURES"))
        fx_rm_rf(dir);
    else
        fprintf(stderr, "fixtures kept in %s\n", dir);
    free(dir);
}

#endif
