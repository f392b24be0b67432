#include "src/extract.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/fetch.h"

#define TICK_EVERY (1u << 20)

int extract_check(const struct image *img, uint32_t entry, struct errbuf *err)
{
    const struct model *m = &img->model;
    if (!entry || entry >= m->n_entries) {
        errbuf_set(err, "select a file first");
        return RC_FAILED;
    }
    const struct entry *en = &m->entries[entry];
    char p[PATH_MAX], esc[PATH_MAX];
    util_escape(model_path_str(m, en->path, p, sizeof p), esc, sizeof esc);
    if (en->flags & EF_WHITEOUT) {
        errbuf_set(err, "%s is deleted at this layer: nothing to extract", esc);
        return RC_FAILED;
    }
    if (entry_is_dir(en)) {
        errbuf_set(err, "%s is a directory: x extracts one file", esc);
        return RC_FAILED;
    }
    if ((en->mode & 0170000) == 0120000) {
        errbuf_set(err, "%s is a symbolic link: nothing to extract", esc);
        return RC_FAILED;
    }
    if ((en->mode & 0170000) != 0100000) {
        errbuf_set(err, "%s is not a regular file", esc);
        return RC_FAILED;
    }
    if (!img->source || !strcmp(img->source, "-")) {
        errbuf_set(err, "content not available for standard input");
        return RC_FAILED;
    }
    return RC_OK;
}

static int comp_ok(const char *c)
{
    return *c && strcmp(c, ".") && strcmp(c, "..") && !strchr(c, '/');
}

static int is_under(const char *real, const char *root)
{
    size_t n = strlen(root);
    if (n == 1 && root[0] == '/')
        return 1;
    return !strncmp(real, root, n) && (real[n] == 0 || real[n] == '/');
}

/* Whether the folder `path` (existing) lies inside the image. */
static int in_image(const char *path, const char *image_real)
{
    char r[PATH_MAX];
    return image_real && realpath(path, r) && is_under(r, image_real);
}

/* mkdir -p dir, each new folder made in a parent checked to lie outside the image. */
static int make_dest(const char *dir, const char *image_real, struct errbuf *err)
{
    char *p = xstrdup(dir);
    size_t len = strlen(p);
    int rc = RC_OK;
    for (size_t i = 1; i <= len && rc == RC_OK; i++) {
        if (p[i] != '/' && p[i] != 0)
            continue;
        if (p[i - 1] == '/')
            continue;               /* "a//b" */
        char c = p[i];
        p[i] = 0;
        struct stat st;
        if (stat(p, &st) == 0) {
            if (!S_ISDIR(st.st_mode)) {
                errbuf_set(err, "%s is not a folder", p);
                rc = RC_FAILED;
            }
        } else if (errno != ENOENT) {
            errbuf_set(err, "%s: %s", p, strerror(errno));
            rc = RC_FAILED;
        } else {
            char *slash = strrchr(p, '/');
            char *parent = slash ? (slash == p ? xstrdup("/") : xstrndup(p, (size_t)(slash - p)))
                                 : xstrdup(".");
            if (in_image(parent, image_real)) {
                errbuf_set(err, "refusing to write inside the image");
                rc = RC_FAILED;
            } else if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                errbuf_set(err, "cannot create folder %s: %s", p, strerror(errno));
                rc = RC_FAILED;
            }
            free(parent);
        }
        p[i] = c;
    }
    free(p);
    if (rc == RC_OK && in_image(dir, image_real)) {
        errbuf_set(err, "refusing to write inside the image");
        rc = RC_FAILED;
    }
    return rc;
}

/* fd of dir/comps[0]/.../comps[n-2], made as needed, no symbolic link followed; -1 with err. */
static int open_parent(const char *dir, const char *const *comps, size_t n, struct errbuf *err)
{
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
    return dfd;
}

/* Moves tmp to name in dfd, never over an existing name. 0, or -1 with errno. */
static int publish(int dfd, const char *tmp, const char *name)
{
    if (renameat2(dfd, tmp, dfd, name, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    /* a filesystem without RENAME_NOREPLACE: a hard link fails on an existing name too */
    if (linkat(dfd, tmp, dfd, name, 0) != 0)
        return -1;
    unlinkat(dfd, tmp, 0);
    return 0;
}

/* Every component a plain name the system can take, the whole path short enough to name. */
static int check_path(const char *dir, const char *const *comps, size_t n, struct errbuf *err)
{
    if (!n) {
        errbuf_set(err, "nothing to extract");
        return RC_FAILED;
    }
    size_t plen = strlen(dir);
    for (size_t i = 0; i < n; i++) {
        if (!comp_ok(comps[i])) {
            errbuf_set(err, "refusing to write a path with '%s' in it", comps[i]);
            return RC_FAILED;
        }
        size_t cl = strlen(comps[i]);
        if (cl > NAME_MAX) {
            errbuf_set(err, "refusing: a name of %zu bytes in the path is longer than %d", cl, NAME_MAX);
            return RC_FAILED;
        }
        plen += 1 + cl;
    }
    if (plen >= PATH_MAX) {
        errbuf_set(err, "refusing: the path would be %zu bytes, longer than %d; nothing written",
                   plen, PATH_MAX - 1);
        return RC_FAILED;
    }
    return RC_OK;
}

int extract_write(const char *dir, const char *const *comps, size_t n, unsigned mode,
                  uint64_t total, extract_read_fn rd, void *rctx, extract_tick_fn tick, void *tctx,
                  const char *image_path, char *written, size_t wlen, struct errbuf *err)
{
    if (written && wlen)
        written[0] = 0;
    if (!dir || !*dir)
        dir = ".";
    if (check_path(dir, comps, n, err) != RC_OK)
        return RC_FAILED;
    char image_real[PATH_MAX];
    const char *ir = image_path && realpath(image_path, image_real) ? image_real : NULL;
    if (make_dest(dir, ir, err) != RC_OK)
        return RC_FAILED;
    int dfd = open_parent(dir, comps, n, err);
    if (dfd < 0)
        return RC_FAILED;
    const char *name = comps[n - 1];
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        errbuf_set(err, "%s: %s: already exists, not overwritten", dir, name);
        close(dfd);
        return RC_FAILED;
    }
    char tmp[64];
    int fd = -1;
    static unsigned seq;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        snprintf(tmp, sizeof tmp, ".strata-extract-%ld-%u.tmp", (long)getpid(), seq++);
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        errbuf_set(err, "%s: cannot create a file: %s", dir, strerror(errno));
        close(dfd);
        return RC_FAILED;
    }
    int rc = RC_OK;
    uint64_t done = 0, next_tick = TICK_EVERY;
    const void *p;
    size_t k;
    int r;
    while ((r = rd(rctx, &p, &k, err)) == 1) {
        if (util_write_all(fd, p, k) != 0) {
            errbuf_set(err, "writing %s: %s", name, strerror(errno));
            rc = RC_FAILED;
            break;
        }
        done += k;
        if (tick && done >= next_tick) {
            next_tick = done + TICK_EVERY;
            if (tick(tctx, done, total)) {
                errbuf_set(err, "extract cancelled: nothing written");
                rc = RC_WARN;
                break;
            }
        }
    }
    if (r < 0)
        rc = RC_FAILED;     /* rd said why */
    /* permission bits only: setuid, setgid and sticky are never carried out of an image */
    if (rc == RC_OK && fchmod(fd, (mode_t)(mode & 0777)) != 0) {
        errbuf_set(err, "%s: %s", name, strerror(errno));
        rc = RC_FAILED;
    }
    if (close(fd) != 0 && rc == RC_OK) {
        errbuf_set(err, "writing %s: %s", name, strerror(errno));
        rc = RC_FAILED;
    }
    if (rc == RC_OK && publish(dfd, tmp, name) != 0) {
        errbuf_set(err, "%s: %s: %s", dir, name,
                   errno == EEXIST ? "already exists, not overwritten" : strerror(errno));
        rc = RC_FAILED;
    }
    if (rc != RC_OK)
        unlinkat(dfd, tmp, 0);
    close(dfd);
    if (rc == RC_OK && written && wlen) {
        size_t o = (size_t)snprintf(written, wlen, "%s", dir);
        for (size_t i = 0; i < n && o < wlen; i++)
            o += (size_t)snprintf(written + o, wlen - o, "/%s", comps[i]);
    }
    return rc;
}

static int fetch_read(void *ctx, const void **p, size_t *n, struct errbuf *err)
{
    return fetch_next(ctx, p, n, err);
}

struct seek_tick {
    extract_tick_fn tick;
    void *tctx;
};

static int on_seek(void *ctx, uint64_t read)
{
    struct seek_tick *st = ctx;
    return st->tick(st->tctx, read, 0);
}

int extract_entry(const struct image *img, uint32_t entry, const char *dir, extract_tick_fn tick,
                  void *tctx, char *written, size_t wlen, struct errbuf *err)
{
    if (written && wlen)
        written[0] = 0;
    if (extract_check(img, entry, err) != RC_OK)
        return RC_FAILED;
    const struct model *m = &img->model;
    size_t nc = 0;
    for (uint32_t p = m->entries[entry].path; p > MODEL_ROOT; p = m->paths[p].parent)
        nc++;
    const char **comps = xcalloc(nc ? nc : 1, sizeof *comps);
    size_t i = nc;
    for (uint32_t p = m->entries[entry].path; p > MODEL_ROOT; p = m->paths[p].parent)
        comps[--i] = model_name(m, p);
    struct fetch *f;
    int rc = RC_FAILED;
    if (!dir || !*dir)
        dir = ".";
    /* a path it could not write is refused before the layer is read */
    struct seek_tick st = {tick, tctx};
    int orc = RC_FAILED;
    if (check_path(dir, comps, nc, err) == RC_OK &&
        (orc = fetch_open_tick(&f, img, entry, tick ? on_seek : NULL, &st, err)) == RC_OK) {
        rc = extract_write(dir, comps, nc, m->entries[entry].mode, fetch_size(f), fetch_read, f,
                           tick, tctx, img->source, written, wlen, err);
        fetch_close(f);
    } else if (orc == RC_WARN) {
        errbuf_clear(err);
        errbuf_set(err, "extract cancelled: nothing written");
        rc = RC_WARN;
    }
    free(comps);
    return rc;
}
