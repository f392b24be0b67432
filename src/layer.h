/* layer.h: read one layer blob (tar, gzip or zstd; eStargz is gzip) into the model.
 *
 * A blob's bytes come from a struct layer_src: either a byte range of a seekable file (file
 * bodies are then skipped by seeking, which is what makes --no-content fast) or the current
 * member of an outer archive being streamed (stdin, a gzipped docker save). */
#ifndef STRATA_LAYER_H
#define STRATA_LAYER_H

#include <stdint.h>
#include <stddef.h>

#include "src/blobents.h"
#include "src/image.h"

struct archive;
struct blob_stream;

struct layer_src {
    /* a range of a file ... */
    int fd;                    /* -1 when reading from `outer` */
    uint64_t off, len, pos;    /* len: the blob's size; for a member of `outer`, 0 or its size */
    /* ... or the current member of an outer archive, or a blob stream (src/blobsrc.h: a registry
     * blob), after `peek` bytes already taken */
    struct archive *outer;
    struct blob_stream *bs;    /* instead of outer when set */
    const void *peek; size_t peek_len; int peek_used;
    /* common */
    unsigned char *buf; size_t bufsz;
    uint64_t consumed;         /* raw blob bytes read or skipped so far */
    _Atomic uint64_t *progress;/* advanced with consumed (a file range), or set to the outer
                                * archive's raw bytes read (a member of `outer`); may be NULL */
    int fail, fail_errno;      /* enum layer_fail of a failed read (LF_READ, LF_OUTER, …) */
    char errmsg[256];          /* why a read failed */
};

/* Why a layer could not be read whole, decided where the failure happened: an errno, an ISA-L (igzip) or
 * zstd code, the tar walker's state. Messages are built from the kind, never the other way. */
enum layer_fail {
    LF_NONE,
    LF_READ,            /* read(2) of the image file failed (fail_errno) */
    LF_TRUNCATED_BLOB,  /* the file ended before the blob's listed size */
    LF_OUTER,           /* the outer archive broke inside this member: the image is damaged */
    LF_GZIP_CORRUPT,    /* igzip: a bad header, block, code, distance, CRC or length */
    LF_GZIP_TRUNCATED,  /* the blob ended inside a gzip member */
    LF_ZSTD_CORRUPT,    /* libzstd returned an error code */
    LF_ZSTD_TRUNCATED,  /* the blob ended inside a zstd frame */
    LF_TAR_NOT_TAR,     /* the first header is no tar header */
    LF_TAR_TRUNCATED,   /* the tar ended inside a header or a body (its stream was sound) */
    LF_TAR_CORRUPT,     /* a later header's checksum or size is wrong */
    LF_TAR_TOO_BIG,     /* an extended header over 64 MiB */
    LF_NOMEM,           /* the decompressor could not get memory */
};

/* A short fixed phrase for a kind: "truncated gzip stream", "not a tar archive", … */
const char *layer_fail_text(int kind);

struct layer_result {
    int compression;           /* enum compression */
    int estargz;
    uint64_t entries;
    uint32_t odd_paths;        /* names with "..", absolute or empty: kept inside the root */
    char odd_example[128];
    uint32_t read_warnings;    /* libarchive warnings (charset, …) */
    int fail;                  /* enum layer_fail: LF_NONE when the layer was read whole */
};

/* Sniffs the compression from the first bytes of a blob. */
int layer_sniff(const void *p, size_t n);
/* Whether the first bytes look like a layer: gzip, zstd, or a tar header. */
int layer_looks_like_blob(const void *p, size_t n);

/* Reads the blob's entries into be (src/blobents.h: straight into the model, or into the blob's
 * own array when layers are read on worker threads). The sinks of o see sink_file.entry as
 * blobents_add() numbers it. Returns RC_OK; RC_FAILED when the layer is damaged (res->fail says
 * how, err words it; the entries read before the damage are in be); or RC_FATAL when the outer
 * archive broke (LF_OUTER: nothing after it can be read). The caller adds the file and layer
 * names to err. */
int layer_read(struct blobents *be, struct layer_src *src, const struct image_opts *o,
               struct layer_result *res, struct errbuf *err);

#endif
