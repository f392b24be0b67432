#include "src/layer.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/layer_bytes.h"
#include "src/tarscan.h"

int layer_sniff(const void *p, size_t n)
{
    const unsigned char *b = p;
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
        return COMP_GZIP;
    if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
        return COMP_ZSTD;
    return COMP_NONE;
}

int layer_looks_like_blob(const void *p, size_t n)
{
    const unsigned char *b = p;
    if (layer_sniff(p, n) != COMP_NONE)
        return 1;
    if (n >= 263 && memcmp(b + 257, "ustar", 5) == 0)
        return 1;
    if (n >= 512) {
        /* an empty tar is all zeros; an old v7 tar header has a valid checksum */
        size_t z = 0;
        while (z < 512 && b[z] == 0)
            z++;
        if (z == 512)
            return 1;
        unsigned sum = 0;
        for (int i = 0; i < 512; i++)
            sum += (i >= 148 && i < 156) ? ' ' : b[i];
        char ck[9];
        memcpy(ck, b + 148, 8);
        ck[8] = 0;
        return (unsigned)strtoul(ck, NULL, 8) == sum;
    }
    return 0;
}


/* ---------------------------------------------------------------- chunk sources */

/* A plain layer: chunks straight from the file range or the outer archive; seeks where it can. */
static int plain_next(void *ctx, const unsigned char **p, size_t *n)
{
    struct layer_src *s = ctx;
    const void *b;
    ssize_t r = layer_src_read(s, &b);
    if (r < 0)
        return -1;
    *p = b;
    *n = (size_t)r;
    return r > 0;
}

/* Only ranges of files can skip: the body is stepped over without reading it. */
static int plain_skip(void *ctx, uint64_t n)
{
    struct layer_src *s = ctx;
    uint64_t left = s->len - s->pos;
    uint64_t k = n < left ? n : left;
    s->pos += k;
    layer_src_advance(s, k);
    return k == n ? 0 : -1;
}

static const char *plain_error(void *ctx)
{
    struct layer_src *s = ctx;
    return s->errmsg[0] ? s->errmsg : NULL;
}


/* A compressed layer: the decompressor runs on a thread of its own while this thread walks the
 * tar, so a layer costs about as long as its decompression alone (two cores are the common
 * case). Slots of decompressed bytes go round between the two. Without a thread the walk pulls
 * one slot at a time from the decompressor itself (inline_next). */
#define NSLOT 4
#define SLOT (1u << 20)

struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned char *slot[NSLOT];   /* allocated when first filled: a small layer fills one */
    size_t cap;                   /* bytes per slot (slot_size) */
    size_t len[NSLOT];
    int head, count;          /* filled slots: head .. head+count-1 */
    int held;                 /* slot the consumer is reading, -1 */
    int done, failed, cancel;
    struct decomp d;          /* the producer's alone until done is set */
};

/* Full-size slots kept from one layer to the next. Freed, a MiB slot went back to the kernel
 * (glibc maps blocks of that size, or trims them off a thread's heap), and the next layer took
 * a page fault per 4 KiB to fill it again: 3,300 faults and about 50 ms of the 0.42 s of the
 * bench's 4-layer config-style image, on this VM. SLOT_KEEP bounds what is kept: NSLOT slots
 * for each of 4 layers in flight; more layers at once allocate as before. Small slots (a small
 * blob's, slot_size) are not kept. The kept slots live for the process, reachable from keep[]. */
#define SLOT_KEEP (4 * NSLOT)
static pthread_mutex_t keep_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *keep[SLOT_KEEP];
static int n_keep;

static unsigned char *slot_alloc(size_t cap)
{
    unsigned char *p = NULL;
    if (cap == SLOT) {
        pthread_mutex_lock(&keep_mu);
        if (n_keep)
            p = keep[--n_keep];
        pthread_mutex_unlock(&keep_mu);
    }
    return p ? p : xmalloc(cap);
}

static void slot_release(unsigned char *p, size_t cap)
{
    if (p && cap == SLOT) {
        pthread_mutex_lock(&keep_mu);
        if (n_keep < SLOT_KEEP) {
            keep[n_keep++] = p;
            p = NULL;
        }
        pthread_mutex_unlock(&keep_mu);
    }
    free(p);
}

/* Producer side: wait for a free slot (-1 when the consumer has stopped), publish a full one,
 * end the stream. */
static int slot_get(struct pipe *pp)
{
    pthread_mutex_lock(&pp->mu);
    while (pp->count + (pp->held >= 0) >= NSLOT && !pp->cancel)
        pthread_cond_wait(&pp->cv, &pp->mu);
    int s = pp->cancel ? -1 : (pp->head + pp->count) % NSLOT;
    pthread_mutex_unlock(&pp->mu);
    return s;
}

static void slot_put(struct pipe *pp, int s, size_t len)
{
    pthread_mutex_lock(&pp->mu);
    pp->len[s] = len;
    pp->count++;
    pthread_cond_broadcast(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
}

static void *pipe_produce(void *arg)
{
    struct pipe *pp = arg;
    for (;;) {
        int s = slot_get(pp);
        if (s < 0)
            return NULL;
        if (!pp->slot[s])
            pp->slot[s] = slot_alloc(pp->cap);   /* published to the walk by slot_put's lock */
        ssize_t n = decomp_fill(&pp->d, pp->slot[s], pp->cap);
        if (n > 0) {
            slot_put(pp, s, (size_t)n);
            continue;
        }
        pthread_mutex_lock(&pp->mu);
        pp->failed = n < 0;
        pp->done = 1;
        pthread_cond_broadcast(&pp->cv);
        pthread_mutex_unlock(&pp->mu);
        return NULL;
    }
}

static int pipe_next(void *ctx, const unsigned char **p, size_t *n)
{
    struct pipe *pp = ctx;
    pthread_mutex_lock(&pp->mu);
    if (pp->held >= 0) {             /* give the last slot back */
        pp->held = -1;
        pp->head = (pp->head + 1) % NSLOT;
        pp->count--;
        pthread_cond_broadcast(&pp->cv);
    }
    while (!pp->count && !pp->done)
        pthread_cond_wait(&pp->cv, &pp->mu);
    int r;
    if (pp->count) {
        pp->held = pp->head;
        *p = pp->slot[pp->head];
        *n = pp->len[pp->head];
        r = 1;
    } else {
        r = pp->failed ? -1 : 0;
    }
    pthread_mutex_unlock(&pp->mu);
    return r;
}

/* No producer thread: decompress the next slot's worth here, when the walk asks for it. */
static int inline_next(void *ctx, const unsigned char **p, size_t *n)
{
    struct pipe *pp = ctx;
    if (!pp->slot[0])
        pp->slot[0] = slot_alloc(pp->cap);
    ssize_t r = decomp_fill(&pp->d, pp->slot[0], pp->cap);
    if (r < 0) {
        pp->failed = 1;
        return -1;
    }
    *p = pp->slot[0];
    *n = (size_t)r;
    return r > 0;
}

/* Decompressed bytes per slot: a full SLOT for any layer of some size, less for a small blob
 * (its size known: src->len, 0 when not; 8x its compressed bytes, at least 64 KiB), whose whole
 * tar usually fits one slot. Fuzzing opens thousands of tiny layers a second, where a MiB-sized
 * buffer each (mapped, and poisoned by ASan) was most of the time. */
static size_t slot_size(const struct layer_src *src)
{
    uint64_t n = src->len;
    if (!n || n > SLOT / 8)
        return SLOT;
    return n * 8 < (64u << 10) ? (64u << 10) : (size_t)n * 8;
}

static const char *pipe_error(void *ctx)
{
    struct pipe *pp = ctx;
    return pp->d.fail ? layer_fail_text(pp->d.fail) : NULL;
}

/* ---------------------------------------------------------------- entries */

struct fan {
    const struct image_opts *o;
    const uint8_t *wants;
};

static void fan_data(void *ctx, const void *p, size_t n)
{
    struct fan *f = ctx;
    for (size_t i = 0; i < f->o->n_sinks; i++)
        if (f->wants[i])
            f->o->sinks[i].file_data(f->o->sinks[i].ctx, p, n);
}

/* Content of a plain layer in a seekable file goes to the sinks on a second thread: this
 * thread walks the headers and skips bodies by seeking, the worker preads each wanted body and
 * feeds the sinks (hashing, secret scanning). Jobs keep the files' order, so a sink sees the same
 * sequence as without the worker. */
struct cjob {
    uint32_t blob, entry;
    uint16_t mode;
    uint64_t off, size;        /* body: absolute file offset and length */
    char *path;
};

#define CJOBS 4096

struct cworker {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct cjob *q;            /* a ring of qcap jobs */
    size_t qcap, head, count;
    int done, failed;          /* failed: enum layer_fail */
    int fd;
    uint64_t end;              /* the blob's end in the file */
    size_t win;                /* read window: 1 MiB, or the blob's size when smaller */
    const struct image_opts *o;
    char err[160];
};

static void *cworker_run(void *arg)
{
    struct cworker *cw = arg;
    const struct image_opts *o = cw->o;
    uint8_t *wants = xcalloc(o->n_sinks, 1);
    const size_t WIN = cw->win;
    unsigned char *buf = xmalloc(WIN);
    uint64_t win_off = 0;
    size_t win_len = 0;
    for (;;) {
        pthread_mutex_lock(&cw->mu);
        while (!cw->count && !cw->done)
            pthread_cond_wait(&cw->cv, &cw->mu);
        if (!cw->count) {
            pthread_mutex_unlock(&cw->mu);
            break;
        }
        struct cjob j = cw->q[cw->head];
        pthread_mutex_unlock(&cw->mu);

        struct sink_file sf = {j.blob, j.entry, j.path, j.size, j.mode};
        int any = 0;
        for (size_t i = 0; i < o->n_sinks; i++) {
            wants[i] = o->sinks[i].file_begin ? (uint8_t)(o->sinks[i].file_begin(o->sinks[i].ctx, &sf) != 0) : 0;
            any |= wants[i];
        }
        /* Bodies come in file order: one 1 MiB window serves many small files per pread. */
        uint64_t left = j.size, at = j.off;
        while (any && left && !cw->failed) {
            if (at < win_off || at >= win_off + win_len) {
                size_t k = at + WIN <= cw->end ? WIN : at < cw->end ? (size_t)(cw->end - at) : 0;
                ssize_t r = k ? pread(cw->fd, buf, k, (off_t)at) : 0;
                if (r <= 0) {
                    snprintf(cw->err, sizeof cw->err, "%s", r < 0 ? strerror(errno) : "truncated tar archive");
                    cw->failed = r < 0 ? LF_READ : LF_TAR_TRUNCATED;
                    break;
                }
                win_off = at;
                win_len = (size_t)r;
            }
            size_t in = (size_t)(at - win_off), k = win_len - in;
            if (k > left)
                k = (size_t)left;
            for (size_t i = 0; i < o->n_sinks; i++)
                if (wants[i])
                    o->sinks[i].file_data(o->sinks[i].ctx, buf + in, k);
            at += k;
            left -= k;
        }
        for (size_t i = 0; any && i < o->n_sinks; i++)
            if (wants[i] && o->sinks[i].file_end)
                o->sinks[i].file_end(o->sinks[i].ctx);
        free(j.path);
        pthread_mutex_lock(&cw->mu);
        cw->head = (cw->head + 1) % cw->qcap;
        cw->count--;
        pthread_cond_broadcast(&cw->cv);
        pthread_mutex_unlock(&cw->mu);
    }
    free(wants);
    free(buf);
    return NULL;
}

static void cworker_push(struct cworker *cw, const struct cjob *j)
{
    pthread_mutex_lock(&cw->mu);
    while (cw->count == cw->qcap)
        pthread_cond_wait(&cw->cv, &cw->mu);
    cw->q[(cw->head + cw->count) % cw->qcap] = *j;
    cw->count++;
    pthread_cond_broadcast(&cw->cv);
    pthread_mutex_unlock(&cw->mu);
}

/* Walks the tar from cs into the model. Returns LF_NONE, or the kind of failure with err set;
 * *src_fail is where the chunk source keeps its own kind when it is the one that failed. */
static int walk(struct blobents *be, struct chunk_src *cs, const struct image_opts *o,
                struct layer_result *res, struct errbuf *err, struct layer_src *fsrc, const int *src_fail)
{
    uint32_t blob = be->blob;
    struct tar_walk w;
    struct tar_entry te;
    tar_walk_init(&w, cs);
    int want_content = !o->no_content && o->n_sinks > 0;
    uint8_t *wants = want_content ? xcalloc(o->n_sinks, 1) : NULL;
    char *name = xmalloc(65536);
    char *full = xmalloc(65536 + 2);
    int r, fail = LF_NONE;
    struct cworker *cw = NULL;
    pthread_t cwt;
    if (want_content && fsrc && fsrc->fd >= 0) {
        cw = xcalloc(1, sizeof *cw);
        pthread_mutex_init(&cw->mu, NULL);
        pthread_cond_init(&cw->cv, NULL);
        cw->fd = fsrc->fd;
        cw->end = fsrc->off + fsrc->len;
        cw->win = fsrc->len < (1u << 20) ? (size_t)fsrc->len + 1 : (1u << 20);
        /* a job is a member with a body, so 512 + 1 bytes of the blob at least: a small blob
         * gets a ring of its size, not CJOBS (160 KiB to clear per layer, per fuzz input) */
        cw->qcap = fsrc->len / 512 + 1 < CJOBS ? (size_t)(fsrc->len / 512 + 1) : CJOBS;
        cw->q = xmalloc(cw->qcap * sizeof *cw->q);
        cw->o = o;
        if (pthread_create(&cwt, NULL, cworker_run, cw) != 0) {
            pthread_mutex_destroy(&cw->mu);
            pthread_cond_destroy(&cw->cv);
            free(cw->q);
            free(cw);
            cw = NULL;      /* no thread: read bodies here, as for a stream */
        }
    }
    uint32_t member = 0;        /* ordinal of te in the blob: where src/fetch.c finds it again */
    while ((r = tar_walk_next(&w, &te)) == 1) {
        member++;
        int odd = 0;
        size_t len = util_path_clean(te.path, name, 65536, &odd);
        if (odd || len == 0) {
            if (len == 0 && strcmp(te.path, "./") != 0 && strcmp(te.path, ".") != 0 && strcmp(te.path, "/") != 0)
                odd = 1;
            if (odd && !res->odd_paths++)
                util_escape(te.path, res->odd_example, sizeof res->odd_example);
        }
        if (len == 0)
            continue;       /* the root itself */
        char *base = strrchr(name, '/');
        size_t dirlen = base ? (size_t)(base - name) : 0;
        base = base ? base + 1 : name;
        if (res->compression == COMP_GZIP && dirlen == 0 &&
            (strcmp(base, "stargz.index.json") == 0 || strcmp(base, ".prefetch.landmark") == 0 ||
             strcmp(base, ".no.prefetch.landmark") == 0)) {
            res->estargz = 1;   /* eStargz metadata, not a file of the image */
            continue;
        }
        res->entries++;
        if (strncmp(base, ".wh.", 4) == 0) {
            /* dir/.wh.NAME deletes dir/NAME; dir/.wh..wh..opq hides all that dir had below */
            blobents_add(be, strcmp(base, ".wh..wh..opq") == 0 ? BE_OPAQUE : BE_WHITEOUT, name, len,
                         0, 0, 0, 0, 0, 0, NULL, 0);
            continue;
        }
        uint16_t flags = te.type == TT_HARDLINK ? EF_HARDLINK : 0;
        uint32_t e = blobents_add(be, BE_ENTRY, name, len, te.size, (uint16_t)te.mode, flags, te.uid,
                                  te.gid, te.mtime, te.link, member);
        if (!want_content || te.type != TT_FILE)
            continue;
        full[0] = '/';
        memcpy(full + 1, name, len + 1);
        if (cw) {
            /* the body starts where the walker stands in the current chunk */
            struct cjob j = {blob, e, (uint16_t)te.mode, fsrc->off + fsrc->pos - w.avail, te.size,
                             xstrndup(full, len + 1)};
            cworker_push(cw, &j);
            continue;
        }
        struct sink_file sf = {blob, e, full, te.size, (uint16_t)te.mode};
        int any = 0;
        for (size_t i = 0; i < o->n_sinks; i++) {
            wants[i] = o->sinks[i].file_begin ? (uint8_t)(o->sinks[i].file_begin(o->sinks[i].ctx, &sf) != 0) : 0;
            any |= wants[i];
        }
        if (!any)
            continue;
        struct fan f = {o, wants};
        int dr = tar_walk_data(&w, fan_data, &f);
        for (size_t i = 0; i < o->n_sinks; i++)
            if (wants[i] && o->sinks[i].file_end)
                o->sinks[i].file_end(o->sinks[i].ctx);
        if (dr != 0) {
            r = -1;
            break;
        }
    }
    if (cw) {
        pthread_mutex_lock(&cw->mu);
        cw->done = 1;
        pthread_cond_broadcast(&cw->cv);
        pthread_mutex_unlock(&cw->mu);
        pthread_join(cwt, NULL);
        if (cw->failed && r >= 0) {
            fail = cw->failed;
            errbuf_set(err, "%s", cw->failed == LF_READ ? cw->err : layer_fail_text(cw->failed));
        }
        pthread_mutex_destroy(&cw->mu);
        pthread_cond_destroy(&cw->cv);
        free(cw->q);
        free(cw);
    }
    if (r < 0) {
        switch (w.fail) {
        case TF_SOURCE: fail = *src_fail ? *src_fail : LF_READ; break;
        case TF_NOT_TAR: fail = LF_TAR_NOT_TAR; break;
        case TF_CORRUPT: fail = LF_TAR_CORRUPT; break;
        case TF_TOO_BIG: fail = LF_TAR_TOO_BIG; break;
        default: fail = LF_TAR_TRUNCATED; break;
        }
        errbuf_clear(err);
        errbuf_set(err, "%s", w.err[0] ? w.err : layer_fail_text(fail));
    }
    free(wants);
    free(name);
    free(full);
    tar_walk_free(&w);
    return fail;
}

const char *layer_fail_text(int kind)
{
    switch (kind) {
    case LF_NONE: return "read whole";
    case LF_READ: return "read error";
    case LF_TRUNCATED_BLOB: return "the file ends inside the layer";
    case LF_OUTER: return "the archive breaks off inside this layer";
    case LF_GZIP_CORRUPT: return "corrupt gzip stream";
    case LF_GZIP_TRUNCATED: return "truncated gzip stream";
    case LF_ZSTD_CORRUPT: return "corrupt zstd stream";
    case LF_ZSTD_TRUNCATED: return "truncated zstd stream";
    case LF_TAR_NOT_TAR: return "not a tar archive";
    case LF_TAR_TRUNCATED: return "truncated tar archive";
    case LF_TAR_CORRUPT: return "corrupt tar header";
    case LF_TAR_TOO_BIG: return "tar extended header too big";
    case LF_NOMEM: return "out of memory while decompressing";
    default: return "unreadable";
    }
}

/* The message of a failed compressed layer: the phrase of its kind, plus the library's name for
 * the code where it says more ("invalid block type", "Unknown frame descriptor"). */
static void stream_message(struct errbuf *err, const struct decomp *d, int fail)
{
    char walk_msg[sizeof err->msg];
    snprintf(walk_msg, sizeof walk_msg, "%s", err->msg);
    errbuf_clear(err);
    if (fail == LF_GZIP_CORRUPT || fail == LF_ZSTD_CORRUPT)
        errbuf_set(err, "%s%s%s%s", layer_fail_text(fail), d->detail[0] ? " (" : "", d->detail,
                   d->detail[0] ? ")" : "");
    else if (fail == LF_READ)
        errbuf_set(err, "read error: %s", strerror(d->fail_errno));
    else if (fail == LF_OUTER)
        errbuf_set(err, "%s", d->detail[0] ? d->detail : layer_fail_text(fail));
    else if (fail == LF_TAR_TRUNCATED)
        errbuf_set(err, "truncated tar archive (the %s stream itself is whole)",
                   d->comp == COMP_ZSTD ? "zstd" : "gzip");
    else
        errbuf_set(err, "%s", walk_msg[0] ? walk_msg : layer_fail_text(fail));
}

int layer_read(struct blobents *be, struct layer_src *src, const struct image_opts *o,
               struct layer_result *res, struct errbuf *err)
{
    memset(res, 0, sizeof *res);
    src->errmsg[0] = 0;
    src->fail = src->fail_errno = 0;
    /* Sniff the compression from the first bytes, never from a name or media type. */
    unsigned char magic[4] = {0};
    size_t nmagic = 0;
    if (src->fd >= 0) {
        size_t k = src->len < 4 ? (size_t)src->len : 4;
        ssize_t r = k ? pread(src->fd, magic, k, (off_t)src->off) : 0;
        nmagic = r > 0 ? (size_t)r : 0;
    } else {
        nmagic = src->peek_len < 4 ? src->peek_len : 4;
        if (nmagic)
            memcpy(magic, src->peek, nmagic);
    }
    res->compression = layer_sniff(magic, nmagic);
    if (res->compression == COMP_NONE) {
        struct chunk_src cs = {src, plain_next, src->fd >= 0 ? plain_skip : NULL, plain_error};
        res->fail = walk(be, &cs, o, res, err, src, &src->fail);
        if (res->fail == LF_READ && src->fail == LF_READ)
            errbuf_clear(err), errbuf_set(err, "read error: %s", strerror(src->fail_errno));
        return res->fail == LF_NONE ? RC_OK : res->fail == LF_OUTER ? RC_FATAL : RC_FAILED;
    }

    struct pipe pp;
    memset(&pp, 0, sizeof pp);
    pp.held = -1;
    if (decomp_init(&pp.d, res->compression, src) != 0) {
        decomp_free(&pp.d);
        res->fail = LF_NOMEM;
        errbuf_set(err, "%s", layer_fail_text(LF_NOMEM));
        return RC_FAILED;
    }
    pthread_mutex_init(&pp.mu, NULL);
    pthread_cond_init(&pp.cv, NULL);
    pp.cap = slot_size(src);
    pthread_t t;
    int threaded = pthread_create(&t, NULL, pipe_produce, &pp) == 0;
    /* without a thread the walk pulls from the decompressor itself, one slot at a time */
    struct chunk_src cs = {&pp, threaded ? pipe_next : inline_next, NULL, pipe_error};
    int fail = walk(be, &cs, o, res, err, NULL, &pp.d.fail);
    /* The tar may end (or break) before its stream does: read the stream to its end, so that a
     * damaged stream is reported as such, and the same whatever the threads' timing. */
    if (fail != LF_OUTER && !pp.d.fail) {
        const unsigned char *p;
        size_t n;
        while (cs.next(&pp, &p, &n) > 0)
            ;
    }
    if (threaded) {
        pthread_mutex_lock(&pp.mu);
        pp.cancel = 1;
        pthread_cond_broadcast(&pp.cv);
        pthread_mutex_unlock(&pp.mu);
        pthread_join(t, NULL);
    }
    /* the stream's failure is the cause of whatever the tar walk then met */
    if (pp.d.fail)
        fail = pp.d.fail;
    if (fail != LF_NONE)
        stream_message(err, &pp.d, fail);
    res->fail = fail;
    decomp_free(&pp.d);
    for (int i = 0; i < NSLOT; i++)
        slot_release(pp.slot[i], pp.cap);
    pthread_mutex_destroy(&pp.mu);
    pthread_cond_destroy(&pp.cv);
    return fail == LF_NONE ? RC_OK : fail == LF_OUTER ? RC_FATAL : RC_FAILED;
}
