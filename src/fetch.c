#include "src/fetch.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "src/blobsrc.h"
#include "src/tarscan.h"

/* The cleaned-name buffer of src/layer.c's walk: names are compared in the form it stored. */
#define NAME_BUF 65536

struct fetch {
    struct blob_stream bs;      /* the layer's blob, wherever it lives (src/blobsrc.h) */
    int bs_open;
    struct archive *inner;      /* the blob through libarchive's filters, "raw" format */
    struct chunk_src cs;
    struct tar_walk w;
    int walking;
    uint64_t size;
    unsigned layer;
    char msg[256];              /* why the blob could not be read */
    fetch_tick_fn tick;         /* while walking to the member, else NULL */
    void *tctx;
    uint64_t walked, next_tick; /* layer bytes read in this pass */
    int cancelled;
};

#define FETCH_TICK (4u << 20)

/* ---------------------------------------------------------------- the blob */

static struct archive *new_reader(int raw)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    if (raw)
        archive_read_support_format_raw(a);
    else
        archive_read_support_format_tar(a);
    return a;
}

static la_ssize_t bs_read(struct archive *a, void *ctx, const void **buf)
{
    struct fetch *f = ctx;
    ssize_t k = blobsrc_read(&f->bs, buf);
    if (k < 0) {
        archive_set_error(a, EIO, "%s", blobsrc_error(&f->bs));
        return -1;
    }
    return (la_ssize_t)k;
}

/* Decompressed bytes of the blob, in the chunks libarchive hands out. */
static int inner_next(void *ctx, const unsigned char **p, size_t *n)
{
    struct fetch *f = ctx;
    const void *b;
    ssize_t k = blobsrc_archive_block(f->inner, &b, f->msg, sizeof f->msg);
    if (k <= 0)
        return (int)k;
    size_t sz = (size_t)k;
    *p = b;
    *n = sz;
    f->walked += sz;
    if (f->tick && f->walked >= f->next_tick) {
        f->next_tick = f->walked + FETCH_TICK;
        if (f->tick(f->tctx, f->walked)) {
            f->cancelled = 1;
            snprintf(f->msg, sizeof f->msg, "cancelled");
            return -1;
        }
    }
    return 1;
}

static const char *inner_error(void *ctx)
{
    struct fetch *f = ctx;
    return f->msg[0] ? f->msg : NULL;
}

static void blob_close(struct fetch *f)
{
    if (f->walking)
        tar_walk_free(&f->w);
    f->walking = 0;
    if (f->inner)
        archive_read_free(f->inner);
    f->inner = NULL;
    if (f->bs_open)
        blobsrc_close(&f->bs);
    f->bs_open = 0;
    f->msg[0] = 0;
}

/* Opens layer L's blob from the start (src/blobsrc.h knows where it lives) and readies the
 * header walker on it. */
static int blob_open(struct fetch *f, const struct image *img, unsigned L, struct errbuf *err)
{
    blob_close(f);
    f->walked = 0;
    f->next_tick = FETCH_TICK;
    if (blobsrc_open_layer(&f->bs, img, L, err) != RC_OK)
        return RC_FAILED;
    f->bs_open = 1;
    int rc = RC_FAILED;
    struct archive_entry *ae;
    f->inner = new_reader(1);
    if (archive_read_open(f->inner, f, NULL, bs_read, NULL) != ARCHIVE_OK) {
        errbuf_set(err, "layer %u: %s", L, archive_error_string(f->inner));
    } else {
        int r = archive_read_next_header(f->inner, &ae);   /* "raw": one member, the blob */
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            errbuf_set(err, "layer %u: %s", L,
                       archive_error_string(f->inner) ? archive_error_string(f->inner) : "empty blob");
        else
            rc = RC_OK;
    }
    if (rc == RC_OK) {
        f->cs = (struct chunk_src){f, inner_next, NULL, inner_error};
        tar_walk_init(&f->w, &f->cs);
        f->walking = 1;
    } else {
        blob_close(f);
    }
    return rc;
}

/* ---------------------------------------------------------------- the member */

/* Where the body to read is: member `nth` of the layer, named `name` (cleaned, no leading '/'),
 * or, while `link` is set, the last member named `link` before member `nth`. */
struct target {
    uint32_t nth;
    char *name;
    char *link;
};

static int is_file_member(const struct tar_entry *te)
{
    return te->type == TT_FILE || (te->type == TT_OTHER && (te->mode & 0170000) == 0100000);
}

/* One pass over the layer for a hard link: the member it names. Moves t one hop on. */
static int resolve_link(struct fetch *f, struct target *t, char *clean, struct errbuf *err)
{
    struct tar_entry te;
    uint32_t nth = 0, found = 0;
    char *found_link = NULL;
    int r;
    while ((r = tar_walk_next(&f->w, &te)) == 1 && ++nth < t->nth) {
        util_path_clean(te.path, clean, NAME_BUF, NULL);
        if (strcmp(clean, t->link) != 0 || (!is_file_member(&te) && te.type != TT_HARDLINK))
            continue;
        found = nth;
        free(found_link);
        found_link = te.type == TT_HARDLINK && te.link ? util_path_norm(te.link) : NULL;
    }
    if (r < 0) {
        errbuf_set(err, "layer %u: %s", f->layer, f->w.err);
        free(found_link);
        return RC_FAILED;
    }
    if (!found) {
        errbuf_set(err, "hard link target /%s is not in layer %u before the link", t->link, f->layer);
        free(found_link);
        return RC_FAILED;
    }
    free(t->name);
    t->name = t->link;
    t->link = found_link;
    t->nth = found;
    return RC_OK;
}

/* Walks to member t->nth and checks it is the file the model says. */
static int seek_member(struct fetch *f, const struct target *t, char *clean, struct errbuf *err)
{
    struct tar_entry te;
    uint32_t nth = 0;
    int r;
    while ((r = tar_walk_next(&f->w, &te)) == 1)
        if (++nth == t->nth)
            break;
    if (r < 0) {
        errbuf_set(err, "layer %u: %s", f->layer, f->w.err);
        return RC_FAILED;
    }
    if (r == 0) {
        errbuf_set(err, "layer %u has changed on disk since it was read (it ends before /%s)",
                   f->layer, t->name);
        return RC_FAILED;
    }
    util_path_clean(te.path, clean, NAME_BUF, NULL);
    if (strcmp(clean, t->name) != 0 || !is_file_member(&te)) {
        errbuf_set(err, "layer %u has changed on disk since it was read (/%s is not where it was)",
                   f->layer, t->name);
        return RC_FAILED;
    }
    f->size = te.size;
    return RC_OK;
}

/* The node's whole path without the leading '/', of any length (model_path_str cuts). */
static char *path_of(const struct model *m, uint32_t node)
{
    size_t len = 0;
    for (uint32_t p = node; p > MODEL_ROOT; p = m->paths[p].parent)
        len += strlen(model_name(m, p)) + 1;
    char *s = xmalloc(len + 1);
    s[len] = 0;
    size_t o = len;
    for (uint32_t p = node; p > MODEL_ROOT; p = m->paths[p].parent) {
        const char *n = model_name(m, p);
        size_t k = strlen(n);
        o -= k;
        memcpy(s + o, n, k);
        s[--o] = '/';
    }
    memmove(s, s + (len ? 1 : 0), len);     /* "/a/b" -> "a/b" */
    return s;
}

int fetch_open(struct fetch **out, const struct image *img, uint32_t entry, struct errbuf *err)
{
    return fetch_open_tick(out, img, entry, NULL, NULL, err);
}

int fetch_open_tick(struct fetch **out, const struct image *img, uint32_t entry,
                    fetch_tick_fn tick, void *tctx, struct errbuf *err)
{
    const struct model *m = &img->model;
    *out = NULL;
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
    const struct entry_ext *x = m->ext ? &m->ext[entry] : NULL;
    if (!x || !x->member) {
        errbuf_set(err, "no record of where this file is in layer %u", en->layer);
        return RC_FAILED;
    }
    struct target t = {x->member, path_of(m, en->path), NULL};
    if ((en->flags & EF_HARDLINK) && x->link)
        t.link = util_path_norm(strpool_get(&m->names, x->link));

    struct fetch *f = xcalloc(1, sizeof *f);
    f->layer = en->layer;
    f->tick = tick;
    f->tctx = tctx;
    char *clean = xmalloc(NAME_BUF);
    int rc = RC_OK;
    /* a link to a link to ...: one pass per hop, each to an earlier member, so it ends */
    for (int hop = 0; rc == RC_OK && t.link; hop++) {
        if (hop == 16) {
            errbuf_set(err, "hard link chain longer than 16 links");
            rc = RC_FAILED;
        } else if ((rc = blob_open(f, img, en->layer, err)) == RC_OK) {
            rc = resolve_link(f, &t, clean, err);
        }
    }
    if (rc == RC_OK && (rc = blob_open(f, img, en->layer, err)) == RC_OK)
        rc = seek_member(f, &t, clean, err);
    free(clean);
    free(t.name);
    free(t.link);
    if (rc != RC_OK) {
        int cancelled = f->cancelled;
        fetch_close(f);
        if (cancelled) {
            errbuf_clear(err);
            errbuf_set(err, "cancelled");
        }
        return cancelled ? RC_WARN : RC_FAILED;
    }
    f->tick = NULL;             /* the body is the caller's to pace */
    *out = f;
    return RC_OK;
}

uint64_t fetch_size(const struct fetch *f) { return f->size; }

int fetch_next(struct fetch *f, const void **p, size_t *n, struct errbuf *err)
{
    const unsigned char *b;
    int r = tar_walk_read(&f->w, &b, n);
    if (r < 0)
        errbuf_set(err, "layer %u: %s", f->layer, f->w.err[0] ? f->w.err : "read error");
    *p = r > 0 ? b : NULL;
    return r;
}

void fetch_close(struct fetch *f)
{
    if (!f)
        return;
    blob_close(f);
    free(f);
}

int fetch_entry(const struct image *img, uint32_t entry, size_t max, char **buf, size_t *len,
                int *truncated, struct errbuf *err)
{
    return fetch_entry_tick(img, entry, max, buf, len, truncated, NULL, NULL, err);
}

int fetch_entry_tick(const struct image *img, uint32_t entry, size_t max, char **buf, size_t *len,
                     int *truncated, fetch_tick_fn tick, void *tctx, struct errbuf *err)
{
    struct fetch *f;
    *buf = NULL;
    *len = 0;
    *truncated = 0;
    int rc = fetch_open_tick(&f, img, entry, tick, tctx, err);
    if (rc != RC_OK)
        return rc;
    size_t want = f->size < max ? (size_t)f->size : max;
    char *b = xmalloc(want + 1);
    size_t got = 0;
    const void *p;
    size_t n;
    int r = 1;
    while (got < want && (r = fetch_next(f, &p, &n, err)) == 1) {
        size_t k = n < want - got ? n : want - got;
        memcpy(b + got, p, k);
        got += k;
    }
    if (r < 0) {
        free(b);
        fetch_close(f);
        return RC_FAILED;
    }
    b[got] = 0;
    *truncated = f->size > got;
    *buf = b;
    *len = got;
    fetch_close(f);
    return RC_OK;
}
