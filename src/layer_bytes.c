/* layer_bytes.c: a layer's raw bytes (layer_src_read) and their decompression (decomp_*), split
 * from src/layer.c, which walks the tar in them. */
#include "src/layer_bytes.h"

#include <archive.h>
#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "src/blobsrc.h"

void layer_src_advance(struct layer_src *s, uint64_t n)
{
    s->consumed += n;
    if (s->progress)
        atomic_fetch_add(s->progress, n);
}

/* A member of an outer stream: progress is the outer file's raw (compressed) bytes read so far,
 * the unit bytes_total counts in, so a .tar.gz moves while its one big layer is read. */
static void outer_advance(struct layer_src *s, uint64_t n)
{
    s->consumed += n;
    if (s->progress)
        atomic_store(s->progress, (uint64_t)archive_filter_bytes(s->outer, -1));
}

ssize_t layer_src_read(struct layer_src *s, const void **out)
{
    if (s->fd >= 0) {
        uint64_t left = s->len - s->pos;
        size_t want = left < s->bufsz ? (size_t)left : s->bufsz;
        if (want == 0)
            return 0;
        ssize_t r;
        do
            r = pread(s->fd, s->buf, want, (off_t)(s->off + s->pos));
        while (r < 0 && errno == EINTR);
        if (r <= 0) {
            /* 0: the file is shorter than its listing said (it shrank under us) */
            s->fail = r < 0 ? LF_READ : LF_TRUNCATED_BLOB;
            s->fail_errno = r < 0 ? errno : 0;
            snprintf(s->errmsg, sizeof s->errmsg, "%s", r < 0 ? strerror(errno) : "the file ends early");
            return -1;
        }
        s->pos += (uint64_t)r;
        layer_src_advance(s, (uint64_t)r);
        *out = s->buf;
        return r;
    }
    if (!s->peek_used && s->peek_len) {
        s->peek_used = 1;
        *out = s->peek;
        if (s->bs)
            layer_src_advance(s, s->peek_len);
        else
            outer_advance(s, s->peek_len);
        return (ssize_t)s->peek_len;
    }
    if (s->bs) {
        /* a registry blob: its transfer failing (after retries) or its digest is fatal, as the
         * outer archive breaking is */
        ssize_t r = blobsrc_read(s->bs, out);
        if (r < 0) {
            s->fail = LF_OUTER;
            s->fail_errno = EIO;
            snprintf(s->errmsg, sizeof s->errmsg, "%s", blobsrc_error(s->bs));
            return -1;
        }
        layer_src_advance(s, (uint64_t)r);
        return r;
    }
    const void *blk;
    size_t sz;
    la_int64_t off;
    int r = archive_read_data_block(s->outer, &blk, &sz, &off);
    if (r == ARCHIVE_EOF)
        return 0;
    if (r < ARCHIVE_WARN) {
        /* the outer archive itself broke: no later member can be trusted either */
        s->fail = LF_OUTER;
        s->fail_errno = archive_errno(s->outer);
        const char *em = archive_error_string(s->outer);
        snprintf(s->errmsg, sizeof s->errmsg, "%s", em ? em : "read error");
        return -1;
    }
    *out = blk;
    outer_advance(s, sz);
    return (ssize_t)sz;
}

int decomp_init(struct decomp *d, int comp, struct layer_src *src)
{
    memset(d, 0, sizeof *d);
    d->comp = comp;
    d->src = src;
    if (comp == COMP_ZSTD) {
        d->zs = ZSTD_createDStream();
        if (!d->zs || ZSTD_isError(ZSTD_initDStream(d->zs)))
            return -1;
        return 0;
    }
    d->ist = malloc(sizeof *d->ist);
    if (!d->ist)
        return -1;
    isal_inflate_init(d->ist);
    return 0;
}

void decomp_free(struct decomp *d)
{
    free(d->ist);
    if (d->zs)
        ZSTD_freeDStream(d->zs);
}

/* ISA-L's error codes have no strings of their own: these name them for the message. */
static const char *isal_error_text(int code)
{
    switch (code) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate code";
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER: return "incorrect header check";
    case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM: return "incorrect data or length check";
    case ISAL_NEED_DICT: return "a preset dictionary is needed";
    default: return "invalid stream";
    }
}

static void decomp_fail(struct decomp *d, int kind, const char *detail)
{
    d->fail = kind;
    snprintf(d->detail, sizeof d->detail, "%s", detail ? detail : "");
}

ssize_t decomp_fill(struct decomp *d, unsigned char *out, size_t cap)
{
    size_t got = 0;
    while (got < cap && !d->done && !d->fail) {
        if (d->in_pos == d->in_len && !d->eof) {
            const void *p;
            ssize_t n = layer_src_read(d->src, &p);
            if (n < 0) {
                decomp_fail(d, d->src->fail, d->src->errmsg);
                d->fail_errno = d->src->fail_errno;
                break;
            }
            d->eof = n == 0;
            d->in = p;
            d->in_len = (size_t)n;
            d->in_pos = 0;
            continue;
        }
        size_t before_in = d->in_pos, before_out = got;
        if (d->comp == COMP_GZIP) {
            struct inflate_state *st = d->ist;
            if (!d->in_member) {
                /* Members may follow one another (eStargz is made of them). Other bytes after
                 * the last member end the stream, as gzip(1) ignores trailing garbage. */
                if (d->in_pos == d->in_len || d->in[d->in_pos] != 0x1f) {
                    d->done = 1;
                    break;
                }
                isal_inflate_reset(st);
                st->crc_flag = ISAL_GZIP;   /* parse the header, check CRC-32 and length */
                d->in_member = 1;
            }
            st->next_in = (uint8_t *)(d->in + d->in_pos);
            st->avail_in = (uint32_t)(d->in_len - d->in_pos);
            st->next_out = out + got;
            st->avail_out = (uint32_t)(cap - got);
            int ir = isal_inflate(st);
            /* at a member's end ISA-L gives back the input it read ahead, so in_pos is exact */
            d->in_pos = d->in_len - st->avail_in;
            got = cap - st->avail_out;
            if (ir < 0 || ir == ISAL_NEED_DICT) {
                decomp_fail(d, LF_GZIP_CORRUPT, isal_error_text(ir));
            } else if (st->block_state == ISAL_BLOCK_FINISH) {
                d->in_member = 0;
            } else if (d->eof && d->in_pos == d->in_len && got == before_out) {
                decomp_fail(d, LF_GZIP_TRUNCATED, NULL);   /* no input left inside a member */
            } else if (d->in_pos == before_in && got == before_out && d->in_pos < d->in_len) {
                /* input and room, yet nothing taken or given: never loop on hostile input */
                decomp_fail(d, LF_GZIP_CORRUPT, "the decoder is stuck");
            }
        } else {
            ZSTD_inBuffer zin = {d->in, d->in_len, d->in_pos};
            ZSTD_outBuffer zout = {out, cap, got};
            size_t ret = ZSTD_decompressStream(d->zs, &zout, &zin);
            if (ZSTD_isError(ret)) {
                ZSTD_ErrorCode c = ZSTD_getErrorCode(ret);
                decomp_fail(d, c == ZSTD_error_memory_allocation ? LF_NOMEM : LF_ZSTD_CORRUPT,
                            ZSTD_getErrorString(c));
                break;
            }
            d->in_pos = zin.pos;
            got = zout.pos;
            if (got != before_out || d->in_pos != before_in)
                d->zlast = ret;     /* 0 once a frame is decoded and flushed */
            else if (d->eof && d->in_pos == d->in_len) {
                if (d->zlast != 0)
                    decomp_fail(d, LF_ZSTD_TRUNCATED, NULL);
                else
                    d->done = 1;
            }
        }
    }
    if (got)
        return (ssize_t)got;
    return d->fail ? -1 : 0;
}
