/* tarscan.h: a tar header walker for layer blobs (ustar, GNU long names, pax).
 *
 * Why not libarchive's tar reader here: libarchive stays the decompressor (gzip, zstd) and the
 * reader of outer archives, but for the inner layers strata needs only headers, and
 * libarchive's per-entry work (archive_entry objects, a wide-character copy of every regular
 * file's name to test for a trailing '/') cost as much as the whole scan. This walker reads
 * headers in place from the chunk they arrive in and skips bodies by seeking where the source
 * can seek, so a plain layer of a file costs little more than reading its headers.
 *
 *   struct tar_walk w;
 *   tar_walk_init(&w, &src);               // src: next chunk / optional skip
 *   while ((rc = tar_walk_next(&w, &e)) == 1) {
 *       ... e.path, e.type, e.size ...
 *       tar_walk_data(&w, fn, ctx);        // optional: the body, in chunks; else it is skipped
 *   }
 *   // rc 0: end of archive; -1: w.fail says what kind of failure, w.err words it
 *   tar_walk_free(&w);
 */
#ifndef STRATA_TARSCAN_H
#define STRATA_TARSCAN_H

#include <stddef.h>
#include <stdint.h>

/* A source of bytes in chunks. next() sets *p and *n to the next chunk (valid until the next call)
 * and returns 1, 0 at the end, -1 on error (message in the source). skip() may be NULL; else it
 * drops n bytes not yet returned and returns 0, or -1 when fewer remain. */
struct chunk_src {
    void *ctx;
    int (*next)(void *ctx, const unsigned char **p, size_t *n);
    int (*skip)(void *ctx, uint64_t n);
    const char *(*error)(void *ctx);    /* message after a -1, may be NULL */
};

enum tar_type { TT_FILE, TT_HARDLINK, TT_SYMLINK, TT_DIR, TT_OTHER };

/* Why a walk stopped, decided where it happened (never from a message's wording). */
enum tar_fail {
    TF_NONE,
    TF_SOURCE,      /* the chunk source failed (its error() says why; the caller knows the kind) */
    TF_NOT_TAR,     /* the very first header is not a tar header */
    TF_TRUNCATED,   /* the bytes ended inside a header, a body or its padding */
    TF_CORRUPT,     /* a later header's checksum or size field is wrong */
    TF_TOO_BIG,     /* an extended header (pax, GNU long name) over 64 MiB */
};

struct tar_entry {
    const char *path;       /* as stored, NUL-terminated; valid until the next call */
    size_t path_len;
    const char *link;       /* link target or NULL */
    int type;               /* enum tar_type */
    uint32_t mode;          /* permission bits and S_IFMT type bits */
    uint64_t size;          /* body size as in the header (0 for links and dirs) */
    uint32_t uid, gid;
    int64_t mtime;
};

struct tar_walk {
    struct chunk_src *src;
    const unsigned char *p; size_t avail;   /* unread part of the current chunk */
    unsigned char hdr[512];                 /* a header that straddled two chunks */
    uint64_t body_left;                     /* body bytes of the current entry not yet consumed */
    uint64_t pad_left;                      /* padding after it */
    char *path; size_t path_cap;
    char *link; size_t link_cap;
    char *lname; size_t lname_cap;          /* pending GNU 'L' / pax path for the next entry */
    char *llink; size_t llink_cap;          /* pending GNU 'K' / pax linkpath */
    int have_lname, have_llink;
    int64_t pax_size;  int have_pax_size;
    int64_t pax_uid, pax_gid, pax_mtime;
    int have_pax_uid, have_pax_gid, have_pax_mtime;
    uint64_t entries;
    int bad_first;                          /* the very first header was not tar */
    int fail;                               /* enum tar_fail after a -1 */
    char err[256];
};

void tar_walk_init(struct tar_walk *w, struct chunk_src *src);
void tar_walk_free(struct tar_walk *w);
/* 1: an entry; 0: end of archive; -1: error (w->err). */
int tar_walk_next(struct tar_walk *w, struct tar_entry *e);
/* Delivers the current entry's body; 0, or -1 on error (truncated). */
int tar_walk_data(struct tar_walk *w, void (*fn)(void *ctx, const void *p, size_t n), void *ctx);
/* The next piece of the current entry's body, in place, for a reader that may stop part way:
 * 1 with *p, *n set (valid until the next call), 0 once the body is done, -1 on error. */
int tar_walk_read(struct tar_walk *w, const unsigned char **p, size_t *n);

#endif
