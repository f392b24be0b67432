/* layer.h: read one layer blob (tar, gzip or zstd; eStargz is gzip) into the model.
 *
 * A blob's bytes come from a struct layer_src: either a byte range of a seekable file (file
 * bodies are then skipped by seeking, which is what makes --no-content fast) or the current
 * member of an outer archive being streamed (stdin, a gzipped docker save). */
#ifndef STRATA_LAYER_H
#define STRATA_LAYER_H

#include <stdint.h>
#include <stddef.h>

#include "src/image.h"

struct archive;

struct layer_src {
    /* a range of a file ... */
    int fd;                    /* -1 when reading from `outer` */
    uint64_t off, len, pos;
    /* ... or the current member of an outer archive, after `peek` bytes already taken */
    struct archive *outer;
    const void *peek; size_t peek_len; int peek_used;
    /* common */
    unsigned char *buf; size_t bufsz;
    uint64_t consumed;         /* raw blob bytes read or skipped so far */
    _Atomic uint64_t *progress;/* advanced with consumed (a file range), or set to the outer
                                * archive's raw bytes read (a member of `outer`); may be NULL */
    char errmsg[256];          /* why a read failed */
};

struct layer_result {
    int compression;           /* enum compression */
    int estargz;
    uint64_t entries;
    uint32_t odd_paths;        /* names with "..", absolute or empty: kept inside the root */
    char odd_example[128];
    uint32_t read_warnings;    /* libarchive warnings (charset, …) */
};

/* Sniffs the compression from the first bytes of a blob. */
int layer_sniff(const void *p, size_t n);
/* Whether the first bytes look like a layer: gzip, zstd, or a tar header. */
int layer_looks_like_blob(const void *p, size_t n);

/* Reads the blob into model blob `blob`. Returns RC_OK, or RC_FATAL with err set to what went
 * wrong inside the blob (the caller adds the file and layer names). */
int layer_read(struct model *m, uint32_t blob, struct layer_src *src, const struct image_opts *o,
               struct layer_result *res, struct errbuf *err);

#endif
