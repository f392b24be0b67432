#include "ui/fetch.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "./a//b/../c/" -> "a/c": the form both tar layers and the model agree on. */
static char *norm(const char *s) { return util_path_norm(s); }

struct fetch {
    struct archive *outer, *inner;
    int64_t size;
};

static la_ssize_t inner_read(struct archive *a, void *ctx, const void **buf)
{
    (void)a;
    struct fetch *f = ctx;
    size_t sz;
    la_int64_t off;
    int r = archive_read_data_block(f->outer, buf, &sz, &off);
    if (r == ARCHIVE_EOF)
        return 0;
    if (r < ARCHIVE_WARN)
        return -1;
    return (la_ssize_t)sz;
}

static void fetch_close(struct fetch *f)
{
    if (f->inner)
        archive_read_free(f->inner);
    if (f->outer)
        archive_read_free(f->outer);
    f->inner = f->outer = NULL;
}

static struct archive *new_reader(void)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    return a;
}

/* Finds the blob member in the outer archive (following symbolic and hard links between
 * members) and leaves f->outer positioned on its data. */
static int open_blob_in_tar(const char *path, const char *cand1, const char *cand2, struct fetch *f,
                            struct errbuf *err)
{
    char *want1 = xstrdup(cand1), *want2 = cand2 ? xstrdup(cand2) : NULL;
    int rc = RC_FAILED;
    for (int hop = 0; hop < 8; hop++) {
        struct archive *a = new_reader();
        if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
            errbuf_set(err, "%s: %s", path, archive_error_string(a));
            archive_read_free(a);
            break;
        }
        struct archive_entry *e;
        char *next = NULL;
        int found = 0;
        while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
            char *n = norm(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
            int hit = !strcmp(n, want1) || (want2 && !strcmp(n, want2));
            if (!hit) {
                free(n);
                continue;
            }
            if (archive_entry_hardlink(e)) {
                next = norm(archive_entry_hardlink(e));
            } else if (archive_entry_filetype(e) == AE_IFLNK) {
                const char *t = archive_entry_symlink(e);
                const char *slash = strrchr(n, '/');
                char *j = t[0] == '/' ? xstrdup(t)
                                      : xasprintf("%.*s/%s", slash ? (int)(slash - n) : 0, n, t);
                next = norm(j);
                free(j);
            } else {
                found = 1;
            }
            free(n);
            break;
        }
        if (found) {
            f->outer = a;
            rc = RC_OK;
            break;
        }
        archive_read_free(a);
        if (!next) {
            errbuf_set(err, "layer blob %s not found in %s", want1, path);
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

static int open_member(const struct image *img, uint32_t entry, struct fetch *f, struct errbuf *err)
{
    const struct model *m = &img->model;
    memset(f, 0, sizeof *f);
    if (!img->source || !strcmp(img->source, "-")) {
        errbuf_set(err, "content not available for standard input");
        return RC_FAILED;
    }
    if (!entry || entry >= m->n_entries) {
        errbuf_set(err, "no file selected");
        return RC_FAILED;
    }
    const struct entry *en = &m->entries[entry];
    if (en->layer >= img->n_layers) {
        errbuf_set(err, "this version is in no layer of the image");
        return RC_FAILED;
    }
    if (en->flags & EF_WHITEOUT) {
        errbuf_set(err, "a whiteout marker has no content");
        return RC_FAILED;
    }
    if ((en->mode & 0170000) != 0100000) {
        errbuf_set(err, "not a regular file");
        return RC_FAILED;
    }
    char pbuf[PATH_MAX + 1];
    const char *target = model_path_str(m, en->path, pbuf, sizeof pbuf);
    if ((en->flags & EF_HARDLINK) && m->ext && m->ext[entry].link)
        target = strpool_get(&m->names, m->ext[entry].link);
    char *want = norm(target);

    const struct image_layer *L = &img->layers[en->layer];
    const char *d = L->digest ? L->digest : "";
    char *cand1 = norm(d), *cand2 = NULL;
    const char *colon = strchr(d, ':');
    if (colon && !strchr(d, '/'))
        cand2 = xasprintf("blobs/%.*s/%s", (int)(colon - d), d, colon + 1);
    else if (!strchr(d, '/'))
        cand2 = xasprintf("blobs/sha256/%s", d);

    int rc = RC_FAILED;
    struct stat st;
    f->inner = new_reader();
    if (stat(img->source, &st) == 0 && S_ISDIR(st.st_mode)) {
        char *p = xasprintf("%s/%s", img->source, cand2 ? cand2 : cand1);
        if (archive_read_open_filename(f->inner, p, 1 << 16) != ARCHIVE_OK)
            errbuf_set(err, "%s: %s", p, archive_error_string(f->inner));
        else
            rc = RC_OK;
        free(p);
    } else if (open_blob_in_tar(img->source, cand1, cand2, f, err) == RC_OK) {
        if (archive_read_open(f->inner, f, NULL, inner_read, NULL) != ARCHIVE_OK)
            errbuf_set(err, "layer %u: %s", en->layer, archive_error_string(f->inner));
        else
            rc = RC_OK;
    }
    if (rc == RC_OK) {
        rc = RC_FAILED;
        struct archive_entry *e;
        int r;
        while ((r = archive_read_next_header(f->inner, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
            char *n = norm(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
            int hit = !strcmp(n, want) && !archive_entry_hardlink(e) &&
                      archive_entry_filetype(e) == AE_IFREG;
            free(n);
            if (hit) {
                f->size = archive_entry_size(e);
                rc = RC_OK;
                break;
            }
        }
        if (rc != RC_OK)
            errbuf_set(err, "/%s not found in layer %u", want, en->layer);
    }
    free(want);
    free(cand1);
    free(cand2);
    if (rc != RC_OK)
        fetch_close(f);
    return rc;
}

int fetch_entry(const struct image *img, uint32_t entry, size_t max, char **buf, size_t *len,
                int *truncated, struct errbuf *err)
{
    struct fetch f;
    *buf = NULL;
    *len = 0;
    *truncated = 0;
    if (open_member(img, entry, &f, err) != RC_OK)
        return RC_FAILED;
    size_t want = f.size > 0 && (uint64_t)f.size < max ? (size_t)f.size : max;
    char *b = xmalloc(want + 1);
    size_t got = 0;
    while (got < want) {
        la_ssize_t n = archive_read_data(f.inner, b + got, want - got);
        if (n < 0) {
            errbuf_set(err, "reading: %s", archive_error_string(f.inner));
            free(b);
            fetch_close(&f);
            return RC_FAILED;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    b[got] = 0;
    *truncated = f.size > 0 && (uint64_t)f.size > got;
    *buf = b;
    *len = got;
    fetch_close(&f);
    return RC_OK;
}

static int comp_ok(const char *c)
{
    return *c && strcmp(c, ".") && strcmp(c, "..") && !strchr(c, '/');
}

int fetch_create_safe(const char *dir, const char *const *comps, size_t n, unsigned mode,
                      struct errbuf *err)
{
    if (!n) {
        errbuf_set(err, "nothing to create");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (!comp_ok(comps[i])) {
            errbuf_set(err, "refusing to write a path with '%s' in it", comps[i]);
            return -1;
        }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        errbuf_set(err, "%s: %s", dir, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i + 1 < n; i++) {
        int fd = openat(dfd, comps[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
            if (mkdirat(dfd, comps[i], 0755) != 0 && errno != EEXIST) {
                errbuf_set(err, "%s: cannot create folder %s: %s", dir, comps[i], strerror(errno));
                close(dfd);
                return -1;
            }
            fd = openat(dfd, comps[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0) {
            errbuf_set(err, "refusing: %s under %s is %s", comps[i], dir,
                       errno == ELOOP || errno == ENOTDIR ? "a symbolic link or not a folder"
                                                          : strerror(errno));
            close(dfd);
            return -1;
        }
        close(dfd);
        dfd = fd;
    }
    int fd = openat(dfd, comps[n - 1], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    (mode_t)(mode & 0755));
    if (fd < 0)
        errbuf_set(err, "%s: %s: %s", dir, comps[n - 1],
                   errno == EEXIST ? "already exists, not overwritten" : strerror(errno));
    close(dfd);
    return fd;
}

int fetch_extract(const struct image *img, uint32_t entry, const char *dir, char *written,
                  size_t wlen, struct errbuf *err)
{
    const struct model *m = &img->model;
    if (written && wlen)
        written[0] = 0;
    if (!entry || entry >= m->n_entries) {
        errbuf_set(err, "no file selected");
        return RC_FAILED;
    }
    /* Never inside the image (an OCI layout is a folder). */
    char rd[PATH_MAX], rs[PATH_MAX];
    if (img->source && realpath(dir, rd) && realpath(img->source, rs)) {
        size_t n = strlen(rs);
        if (!strncmp(rd, rs, n) && (rd[n] == 0 || rd[n] == '/')) {
            errbuf_set(err, "refusing to write inside the image");
            return RC_FAILED;
        }
    }
    struct fetch f;
    if (open_member(img, entry, &f, err) != RC_OK)
        return RC_FAILED;
    /* components of the in-image path */
    const char *comps[256];
    size_t nc = 0;
    uint32_t chain[256];
    for (uint32_t p = m->entries[entry].path; p > MODEL_ROOT && nc < 256; p = m->paths[p].parent)
        chain[nc++] = p;
    for (size_t i = 0; i < nc; i++)
        comps[i] = model_name(m, chain[nc - 1 - i]);
    int fd = fetch_create_safe(dir, comps, nc, (m->entries[entry].mode & 0100) ? 0755 : 0644, err);
    if (fd < 0) {
        fetch_close(&f);
        return RC_FAILED;
    }
    int rc = RC_OK;
    char buf[1 << 16];
    for (;;) {
        la_ssize_t n = archive_read_data(f.inner, buf, sizeof buf);
        if (n < 0) {
            errbuf_set(err, "reading: %s", archive_error_string(f.inner));
            rc = RC_FAILED;
            break;
        }
        if (n == 0)
            break;
        for (la_ssize_t o = 0; o < n;) {
            ssize_t w = write(fd, buf + o, (size_t)(n - o));
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                errbuf_set(err, "writing: %s", strerror(errno));
                rc = RC_FAILED;
                break;
            }
            o += w;
        }
        if (rc != RC_OK)
            break;
    }
    if (close(fd) != 0 && rc == RC_OK) {
        errbuf_set(err, "writing: %s", strerror(errno));
        rc = RC_FAILED;
    }
    fetch_close(&f);
    if (rc == RC_OK && written && wlen) {
        size_t o = (size_t)snprintf(written, wlen, "%s", dir);
        for (size_t i = 0; i < nc && o < wlen; i++)
            o += (size_t)snprintf(written + o, wlen - o, "/%s", comps[i]);
    }
    return rc;
}
