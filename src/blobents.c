#include "src/blobents.h"

#include <stdlib.h>
#include <string.h>

#include "src/util.h"

#define BE_CHUNK (1u << 20)
#define BE_FIRST (16u << 10)     /* the first chunk: most layers are small (and a fuzz input is) */
#define DIRMAX 65536             /* the walker's longest cleaned name */

struct be_chunk {
    struct be_chunk *next;
    size_t used, cap;
    unsigned char data[];
};

/* One entry, followed in its chunk by name NUL [link NUL], padded to 8 bytes. 48 bytes. */
struct be_rec {
    uint64_t size;
    int64_t mtime;
    uint32_t uid, gid, member;
    uint32_t len, link_len;      /* link_len UINT32_MAX: no link */
    uint16_t mode, flags;
    uint8_t kind;
};

struct dircache {
    char *dir;
    size_t len;                  /* (size_t)-1: nothing cached */
    uint32_t node;
};

void blobents_direct(struct blobents *be, struct model *m, uint32_t blob)
{
    memset(be, 0, sizeof *be);
    be->m = m;
    be->blob = blob;
    be->lastdir_len = (size_t)-1;
}

void blobents_buffered(struct blobents *be, uint32_t blob)
{
    memset(be, 0, sizeof *be);
    be->blob = blob;
    be->lastdir_len = (size_t)-1;
}

/* The model side, shared by both modes so that they intern the same names in the same order:
 * the folder (once per run of files in one folder), then the entry's own node. */
static uint32_t apply(struct model *m, uint32_t blob, struct dircache *dc, int kind, const char *name,
                      size_t len, uint64_t size, uint16_t mode, uint16_t flags, uint32_t uid,
                      uint32_t gid, int64_t mtime, const char *link, uint32_t member)
{
    const char *slash = memrchr(name, '/', len);
    size_t dirlen = slash ? (size_t)(slash - name) : 0;
    const char *base = slash ? slash + 1 : name;
    uint32_t dir;
    if (dirlen == dc->len && memcmp(name, dc->dir, dirlen) == 0) {
        dir = dc->node;
    } else {
        dir = model_intern_path(m, name, dirlen);
        if (dirlen < DIRMAX) {
            if (!dc->dir)
                dc->dir = xmalloc(DIRMAX);
            memcpy(dc->dir, name, dirlen);
            dc->len = dirlen;
            dc->node = dir;
        }
    }
    if (kind == BE_OPAQUE)
        return model_add_entry(m, blob, dir, 0, 0040755, EF_OPAQUE | EF_IMPLICIT, 0, 0, 0, NULL);
    if (kind == BE_WHITEOUT) {
        uint32_t p = model_intern_child(m, dir, base + 4, len - (size_t)(base - name) - 4);
        return model_add_entry(m, blob, p, 0, 0, EF_WHITEOUT, 0, 0, 0, NULL);
    }
    uint32_t p = model_intern_child(m, dir, base, len - (size_t)(base - name));
    uint32_t e = model_add_entry(m, blob, p, size, mode, flags, uid, gid, mtime, link);
    m->ext[e].member = member;
    return e;
}

uint32_t blobents_add(struct blobents *be, enum blobent_kind kind, const char *name, size_t len,
                      uint64_t size, uint16_t mode, uint16_t flags, uint32_t uid, uint32_t gid,
                      int64_t mtime, const char *link, uint32_t member)
{
    if (be->m) {
        struct dircache dc = {be->lastdir, be->lastdir_len, be->lastdir_node};
        uint32_t e = apply(be->m, be->blob, &dc, (int)kind, name, len, size, mode, flags, uid, gid,
                           mtime, link, member);
        be->lastdir = dc.dir;
        be->lastdir_len = dc.len;
        be->lastdir_node = dc.node;
        be->n++;
        return e;
    }
    size_t link_len = link ? strlen(link) : 0;
    size_t need = sizeof(struct be_rec) + len + 1 + (link ? link_len + 1 : 0);
    need = (need + 7) & ~(size_t)7;
    if (!be->tail || be->tail->used + need > be->tail->cap) {
        /* chunks double from BE_FIRST to BE_CHUNK */
        size_t cap = be->tail ? (be->tail->cap < BE_CHUNK ? be->tail->cap * 2 : BE_CHUNK) : BE_FIRST;
        if (cap < need)
            cap = need;
        struct be_chunk *c = xmalloc(sizeof *c + cap);
        c->next = NULL;
        c->used = 0;
        c->cap = cap;
        if (be->tail)
            be->tail->next = c;
        else
            be->head = c;
        be->tail = c;
    }
    unsigned char *p = be->tail->data + be->tail->used;
    struct be_rec r = {size, mtime, uid, gid, member, (uint32_t)len,
                       link ? (uint32_t)link_len : UINT32_MAX, mode, flags, (uint8_t)kind};
    memcpy(p, &r, sizeof r);
    memcpy(p + sizeof r, name, len);
    p[sizeof r + len] = 0;
    if (link)
        memcpy(p + sizeof r + len + 1, link, link_len + 1);
    be->tail->used += need;
    return be->n++;
}

void blobents_merge(struct blobents *be, struct model *m, uint32_t blob)
{
    struct dircache dc = {NULL, (size_t)-1, 0};
    struct be_chunk *c = be->head;
    while (c) {
        for (size_t at = 0; at < c->used;) {
            struct be_rec r;
            memcpy(&r, c->data + at, sizeof r);
            const char *name = (const char *)c->data + at + sizeof r;
            const char *link = r.link_len == UINT32_MAX ? NULL : name + r.len + 1;
            apply(m, blob, &dc, r.kind, name, r.len, r.size, r.mode, r.flags, r.uid, r.gid, r.mtime,
                  link, r.member);
            size_t need = sizeof r + r.len + 1 + (link ? (size_t)r.link_len + 1 : 0);
            at += (need + 7) & ~(size_t)7;
        }
        struct be_chunk *next = c->next;
        free(c);            /* what is in the model now need not be held twice */
        c = next;
    }
    be->head = be->tail = NULL;
    free(dc.dir);
}

void blobents_free(struct blobents *be)
{
    for (struct be_chunk *c = be->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(be->lastdir);
    memset(be, 0, sizeof *be);
}
