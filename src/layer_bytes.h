/* layer_bytes.h: a layer's raw bytes and their decompression, for src/layer.c (which walks the
 * tar in them) and nothing else.
 *
 * layer_src_read takes the blob's next bytes from where struct layer_src says they are (a file
 * range, a member of an outer archive, a registry blob) and moves its progress. */
#ifndef STRATA_LAYER_BYTES_H
#define STRATA_LAYER_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <zstd.h>

#include "src/layer.h"

struct inflate_state;

/* The blob's next raw bytes: >0, 0 at its end, -1 with s->fail (LF_READ, LF_TRUNCATED_BLOB or
 * LF_OUTER) and s->errmsg set. */
ssize_t layer_src_read(struct layer_src *s, const void **out);
/* n more raw bytes were read or skipped: consumed and progress move. */
void layer_src_advance(struct layer_src *s, uint64_t n);

/* Decompression, one buffer at a time, with ISA-L's igzip inflate or libzstd directly, so that a
 * failure is known by its code (an ISAL_* error, a zstd error code, input ending inside a stream)
 * and no byte is copied through another library's buffers. igzip rather than zlib: on this
 * project's machine it inflates the real gzip layers about 3x as fast as zlib (figures in the
 * commit that made the change), and gzip is the common layer compression. */
struct decomp {
    int comp;                       /* COMP_GZIP or COMP_ZSTD */
    struct layer_src *src;
    struct inflate_state *ist;      /* gzip: ~87 KB, on the heap (worker threads' stacks) */
    ZSTD_DStream *zs;
    size_t zlast;                   /* zstd: last hint, 0 between frames */
    const unsigned char *in;
    size_t in_len, in_pos;
    int eof;                        /* the blob has no more raw bytes */
    int in_member;                  /* gzip: inside a member */
    int done;
    int fail, fail_errno;           /* enum layer_fail, errno for LF_READ */
    char detail[256];               /* the library's name for a code, for the message */
};

/* 0, or -1 when the decompressor could not be made (out of memory); decomp_free either way. */
int decomp_init(struct decomp *d, int comp, struct layer_src *src);
void decomp_free(struct decomp *d);
/* Fills out with up to cap decompressed bytes: the count, 0 at the end, -1 on failure
 * (d->fail). Bytes decoded before a failure are returned first; the failure comes next call. */
ssize_t decomp_fill(struct decomp *d, unsigned char *out, size_t cap);

#endif
