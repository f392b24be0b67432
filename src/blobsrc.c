/* blobsrc.c: blob streams over a file range, a file, a member of a tar, or a registry blob
 * (src/registry.h); and which of them holds a layer of an opened image. */
#include "src/blobsrc.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/image.h"
#include "src/registry.h"
#include "src/source.h"

#define BLOBSRC_BUF (1u << 20)

void blobsrc_open_range(struct blob_stream *s, int fd, uint64_t off, uint64_t size)
{
    memset(s, 0, sizeof *s);
    s->fd = fd;
    s->off = off;
    s->size = size;
}

int blobsrc_open_file(struct blob_stream *s, const char *path, struct errbuf *e)
{
    memset(s, 0, sizeof *s);
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (s->fd < 0 || fstat(s->fd, &st) != 0) {
        int en = errno;
        errbuf_set(e, "%s", strerror(en));
        if (s->fd >= 0)
            close(s->fd);
        s->fd = -1;
        errno = en;
        return RC_FATAL;
    }
    s->own_fd = 1;
    s->size = (uint64_t)st.st_size;
    return RC_OK;
}

void blobsrc_open_registry(struct blob_stream *s, struct reg_image *ri, size_t file)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->size = ri->f[file].size;
    s->reg = registry_blob_open(ri, file);
}

/* Finds the member (following symbolic and hard links between members, at most 8 hops) and
 * leaves s->outer positioned on its data. */
int blobsrc_open_member(struct blob_stream *s, const char *path, const char *name, const char *alt,
                        struct errbuf *e)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    char *want1 = util_path_norm(name), *want2 = alt ? util_path_norm(alt) : NULL;
    int rc = RC_FAILED;
    for (int hop = 0; hop < 8; hop++) {
        struct archive *a = archive_read_new();
        archive_read_support_filter_all(a);
        archive_read_support_format_tar(a);
        if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
            errbuf_set(e, "%s: %s", path, archive_error_string(a));
            archive_read_free(a);
            break;
        }
        struct archive_entry *ae;
        char *next = NULL;
        int found = 0;
        while (archive_read_next_header(a, &ae) == ARCHIVE_OK) {
            char *n = util_path_norm(archive_entry_pathname(ae) ? archive_entry_pathname(ae) : "");
            if (strcmp(n, want1) != 0 && (!want2 || strcmp(n, want2) != 0)) {
                free(n);
                continue;
            }
            if (archive_entry_hardlink(ae)) {
                next = util_path_norm(archive_entry_hardlink(ae));
            } else if (archive_entry_filetype(ae) == AE_IFLNK) {
                const char *t = archive_entry_symlink(ae) ? archive_entry_symlink(ae) : "";
                const char *slash = strrchr(n, '/');
                char *j = t[0] == '/' ? xstrdup(t) : xasprintf("%.*s/%s", slash ? (int)(slash - n) : 0, n, t);
                next = util_path_norm(j);
                free(j);
            } else {
                found = 1;
                s->size = (uint64_t)archive_entry_size(ae);
            }
            free(n);
            break;
        }
        if (found) {
            s->outer = a;
            rc = RC_OK;
            break;
        }
        archive_read_free(a);
        if (!next) {
            errbuf_set(e, "layer blob %s not found in %s", want1, path);
            break;
        }
        free(want1);
        free(want2);
        want1 = next;
        want2 = NULL;
    }
    free(want1);
    free(want2);
    return rc;
}

int blobsrc_open_layer(struct blob_stream *s, const struct image *img, unsigned L, struct errbuf *e)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    const char *d = img->layers[L].digest ? img->layers[L].digest : "";
    if (img->reg) {
        for (size_t i = 0; i < img->reg->n; i++)
            if (!img->reg->f[i].data && strcmp(img->reg->f[i].digest, d) == 0) {
                blobsrc_open_registry(s, img->reg, i);
                return RC_OK;
            }
        errbuf_set(e, "layer %u: %s is not among the image's blobs", L, d);
        return RC_FAILED;
    }
    if (!img->source || !strcmp(img->source, "-")) {
        errbuf_set(e, "content not available for standard input");
        return RC_FAILED;
    }
    struct source_ref ref;
    source_parse(img->source, &ref);
    struct stat st;
    int rc = RC_FAILED;
    if (ref.kind != SRC_PATH || stat(ref.target, &st) != 0 || S_ISFIFO(st.st_mode)) {
        /* an engine's stream or a pipe was read once; or the file went away since */
        errbuf_set(e, "content not available: %s is not a file or folder on disk", img->source);
        source_ref_free(&ref);
        return RC_FAILED;
    }
    /* the name as the manifest gives it (docker-archive), or its blob path (OCI) */
    char *cand1 = util_path_norm(d), *cand2 = NULL;
    const char *colon = strchr(d, ':');
    if (colon && !strchr(d, '/'))
        cand2 = xasprintf("blobs/%.*s/%s", (int)(colon - d), d, colon + 1);
    else if (!strchr(d, '/'))
        cand2 = xasprintf("blobs/sha256/%s", d);
    if (S_ISDIR(st.st_mode)) {
        char *p = xasprintf("%s/%s", ref.target, cand2 ? cand2 : cand1);
        struct errbuf oe = {0};
        if (blobsrc_open_file(s, p, &oe) == RC_OK)
            rc = RC_OK;
        else
            errbuf_set(e, "%s: %s", p, oe.msg);
        free(p);
    } else {
        rc = blobsrc_open_member(s, ref.target, cand1, cand2, e);
    }
    free(cand1);
    free(cand2);
    source_ref_free(&ref);
    return rc;
}

ssize_t blobsrc_archive_block(struct archive *a, const void **p, char *err, size_t errlen)
{
    size_t sz;
    la_int64_t off;
    int r;
    do   /* an empty block (a sparse file's hole) carries nothing: the next one */
        r = archive_read_data_block(a, p, &sz, &off);
    while (r >= ARCHIVE_WARN && r != ARCHIVE_EOF && sz == 0);
    if (r == ARCHIVE_EOF)
        return 0;
    if (r < ARCHIVE_WARN) {
        snprintf(err, errlen, "%s", archive_error_string(a) ? archive_error_string(a) : "read error");
        return -1;
    }
    return (ssize_t)sz;
}

ssize_t blobsrc_read(struct blob_stream *s, const void **p)
{
    if (s->outer) {
        ssize_t k = blobsrc_archive_block(s->outer, p, s->err, sizeof s->err);
        if (k > 0)
            s->pos += (uint64_t)k;
        return k;
    }
    if (s->reg) {
        ssize_t k = registry_blob_read(s->reg, p);
        if (k < 0)
            snprintf(s->err, sizeof s->err, "%s", registry_blob_error(s->reg));
        else
            s->pos += (uint64_t)k;
        return k;
    }
    uint64_t left = s->size - s->pos;
    size_t want = left < BLOBSRC_BUF ? (size_t)left : BLOBSRC_BUF;
    if (want == 0)
        return 0;
    if (!s->buf)
        s->buf = xmalloc(BLOBSRC_BUF);
    ssize_t r;
    do
        r = pread(s->fd, s->buf, want, (off_t)(s->off + s->pos));
    while (r < 0 && errno == EINTR);
    if (r <= 0) {
        snprintf(s->err, sizeof s->err, "%s", r < 0 ? strerror(errno) : "the file ends early");
        return -1;
    }
    s->pos += (uint64_t)r;
    *p = s->buf;
    return r;
}

const char *blobsrc_error(const struct blob_stream *s)
{
    return s->err[0] ? s->err : "read error";
}

void blobsrc_close(struct blob_stream *s)
{
    if (s->reg)
        registry_blob_close(s->reg);
    if (s->outer)
        archive_read_free(s->outer);
    if (s->own_fd && s->fd >= 0)
        close(s->fd);
    free(s->buf);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}
