#include "src/layer.h"

#include <archive.h>
#include <archive_entry.h>
#include <pthread.h>
#include <zstd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/tarscan.h"
#include <errno.h>
#include <stdlib.h>

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

static void advance(struct layer_src *s, uint64_t n)
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

static la_ssize_t src_read(struct archive *a, void *ud, const void **out)
{
    struct layer_src *s = ud;
    (void)a;
    if (s->fd >= 0) {
        uint64_t left = s->len - s->pos;
        size_t want = left < s->bufsz ? (size_t)left : s->bufsz;
        if (want == 0)
            return 0;
        ssize_t r;
        do
            r = pread(s->fd, s->buf, want, (off_t)(s->off + s->pos));
        while (r < 0 && errno == EINTR);
        if (r < 0) {
            snprintf(s->errmsg, sizeof s->errmsg, "read error: %s", strerror(errno));
            if (a)
                archive_set_error(a, errno, "read error: %s", strerror(errno));
            return -1;
        }
        s->pos += (uint64_t)r;
        advance(s, (uint64_t)r);
        *out = s->buf;
        return r;
    }
    if (!s->peek_used && s->peek_len) {
        s->peek_used = 1;
        *out = s->peek;
        outer_advance(s, s->peek_len);
        return (la_ssize_t)s->peek_len;
    }
    const void *blk;
    size_t sz;
    la_int64_t off;
    int r = archive_read_data_block(s->outer, &blk, &sz, &off);
    if (r == ARCHIVE_EOF)
        return 0;
    if (r < ARCHIVE_WARN) {
        const char *em = archive_error_string(s->outer) ? archive_error_string(s->outer) : "read error";
        snprintf(s->errmsg, sizeof s->errmsg, "%s", em);
        if (a)
            archive_set_error(a, archive_errno(s->outer) ? archive_errno(s->outer) : EIO, "%s", em);
        return -1;
    }
    *out = blk;
    outer_advance(s, sz);
    return (la_ssize_t)sz;
}

/* Only ranges of files can skip: libarchive then skips file bodies without reading them. */
static la_int64_t src_skip(struct archive *a, void *ud, la_int64_t req)
{
    struct layer_src *s = ud;
    (void)a;
    if (s->fd < 0 || req <= 0)
        return 0;
    uint64_t left = s->len - s->pos;
    uint64_t n = (uint64_t)req < left ? (uint64_t)req : left;
    s->pos += n;
    advance(s, n);
    return (la_int64_t)n;
}


/* ---------------------------------------------------------------- chunk sources */

/* A plain layer: chunks straight from the file range or the outer archive; seeks where it can. */
static int plain_next(void *ctx, const unsigned char **p, size_t *n)
{
    struct layer_src *s = ctx;
    const void *b;
    la_ssize_t r = src_read(NULL, s, &b);
    if (r < 0)
        return -1;
    *p = b;
    *n = (size_t)r;
    return r > 0;
}

static int plain_skip(void *ctx, uint64_t n)
{
    struct layer_src *s = ctx;
    if (s->len - s->pos < n) {
        src_skip(NULL, s, (la_int64_t)(s->len - s->pos));
        return -1;
    }
    return src_skip(NULL, s, (la_int64_t)n) == (la_int64_t)n ? 0 : -1;
}

static const char *plain_error(void *ctx)
{
    struct layer_src *s = ctx;
    return s->errmsg[0] ? s->errmsg : NULL;
}

/* A compressed layer: libarchive decompresses on a thread of its own while this thread walks
 * the tar, so a layer costs about as long as its decompression alone (two cores are the
 * common case). Slots of decompressed bytes go round between the two. */
#define NSLOT 4
#define SLOT (1u << 20)

struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned char *slot[NSLOT];
    size_t len[NSLOT];
    int head, count;          /* filled slots: head .. head+count-1 */
    int held;                 /* slot the consumer is reading, -1 */
    int done, failed, cancel;
    char msg[256];
    struct layer_src *src;
    struct archive *a;
};

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

static void pipe_end(struct pipe *pp, const char *failure)
{
    pthread_mutex_lock(&pp->mu);
    if (failure) {
        snprintf(pp->msg, sizeof pp->msg, "%s", failure);
        pp->failed = 1;
    }
    pp->done = 1;
    pthread_cond_broadcast(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
}

/* gzip (and anything else libarchive knows): its filter, copied into the slots. */
static void *pipe_produce(void *arg)
{
    struct pipe *pp = arg;
    struct archive *a = pp->a;
    const void *blk;
    size_t sz;
    la_int64_t off;
    struct archive_entry *ae;
    int r = archive_read_next_header(a, &ae);
    int fill = -1;
    size_t used = 0;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN && r != ARCHIVE_EOF)
        goto fail;
    while (r != ARCHIVE_EOF && (r = archive_read_data_block(a, &blk, &sz, &off)) != ARCHIVE_EOF) {
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            goto fail;
        const unsigned char *b = blk;
        while (sz) {
            if (fill < 0) {
                if ((fill = slot_get(pp)) < 0)
                    return NULL;
                used = 0;
            }
            size_t k = SLOT - used < sz ? SLOT - used : sz;
            memcpy(pp->slot[fill] + used, b, k);
            used += k;
            b += k;
            sz -= k;
            if (used == SLOT) {
                slot_put(pp, fill, used);
                fill = -1;
            }
        }
    }
    if (fill >= 0 && used)
        slot_put(pp, fill, used);
    pipe_end(pp, NULL);
    return NULL;
fail:
    pipe_end(pp, archive_error_string(a) ? archive_error_string(a) : "decompression failed");
    return NULL;
}

/* zstd: libzstd straight into the slots. Through libarchive each byte was copied twice more
 * (its filter buffer, then the raw reader), 13% of a zstd image's time. */
static void *pipe_produce_zstd(void *arg)
{
    struct pipe *pp = arg;
    ZSTD_DStream *ds = ZSTD_createDStream();
    ZSTD_inBuffer in = {NULL, 0, 0};
    size_t last = 0;            /* 0: between frames */
    int fill = -1, eof = 0;
    size_t used = 0;
    const char *failure = NULL;
    if (!ds) {
        pipe_end(pp, "out of memory for zstd");
        return NULL;
    }
    ZSTD_initDStream(ds);
    for (;;) {
        if (in.pos == in.size && !eof) {
            const void *p;
            la_ssize_t n = src_read(NULL, pp->src, &p);
            if (n < 0) {
                failure = pp->src->errmsg[0] ? pp->src->errmsg : "read error";
                break;
            }
            if (n == 0)
                eof = 1;
            in = (ZSTD_inBuffer){p, (size_t)n, 0};
        }
        if (fill < 0) {
            if ((fill = slot_get(pp)) < 0) {
                ZSTD_freeDStream(ds);
                return NULL;
            }
            used = 0;
        }
        ZSTD_outBuffer out = {pp->slot[fill], SLOT, used};
        size_t in_before = in.pos;
        size_t ret = ZSTD_decompressStream(ds, &out, &in);
        if (ZSTD_isError(ret)) {
            failure = ZSTD_getErrorName(ret);
            break;
        }
        int progress = out.pos != used;
        used = out.pos;
        if (progress || in.pos != in_before)
            last = ret;         /* 0 once a frame is decoded and flushed */
        if (used == SLOT) {
            slot_put(pp, fill, used);
            fill = -1;
        } else if (eof && in.pos == in.size && !progress) {
            break;      /* everything flushed */
        }
    }
    if (!failure && last != 0)
        failure = "Truncated zstd input";
    if (fill >= 0 && used && !failure)
        slot_put(pp, fill, used);
    ZSTD_freeDStream(ds);
    pipe_end(pp, failure);
    return NULL;
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

static const char *pipe_error(void *ctx)
{
    struct pipe *pp = ctx;
    return pp->msg[0] ? pp->msg : NULL;
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
    struct cjob q[CJOBS];
    size_t head, count;
    int done, failed;
    int fd;
    uint64_t end;              /* the blob's end in the file */
    const struct image_opts *o;
    char err[160];
};

static void *cworker_run(void *arg)
{
    struct cworker *cw = arg;
    const struct image_opts *o = cw->o;
    uint8_t *wants = xcalloc(o->n_sinks, 1);
    enum { WIN = 1 << 20 };
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
                    cw->failed = 1;
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
        cw->head = (cw->head + 1) % CJOBS;
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
    while (cw->count == CJOBS)
        pthread_cond_wait(&cw->cv, &cw->mu);
    cw->q[(cw->head + cw->count) % CJOBS] = *j;
    cw->count++;
    pthread_cond_broadcast(&cw->cv);
    pthread_mutex_unlock(&cw->mu);
}

static int walk(struct model *m, uint32_t blob, struct chunk_src *cs, const struct image_opts *o,
                struct layer_result *res, struct errbuf *err, struct layer_src *fsrc)
{
    struct tar_walk w;
    struct tar_entry te;
    tar_walk_init(&w, cs);
    int want_content = !o->no_content && o->n_sinks > 0;
    uint8_t *wants = want_content ? xcalloc(o->n_sinks, 1) : NULL;
    char *name = xmalloc(65536);
    char *full = xmalloc(65536 + 2);
    char *lastdir = xmalloc(65536);
    size_t lastdir_len = (size_t)-1;
    uint32_t lastdir_node = 0;
    int rc = RC_OK, r;
    struct cworker *cw = NULL;
    pthread_t cwt;
    if (want_content && fsrc && fsrc->fd >= 0) {
        cw = xcalloc(1, sizeof *cw);
        pthread_mutex_init(&cw->mu, NULL);
        pthread_cond_init(&cw->cv, NULL);
        cw->fd = fsrc->fd;
        cw->end = fsrc->off + fsrc->len;
        cw->o = o;
        if (pthread_create(&cwt, NULL, cworker_run, cw) != 0) {
            pthread_mutex_destroy(&cw->mu);
            pthread_cond_destroy(&cw->cv);
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
        /* Tar lists a folder's files together: the folder's node is looked up once. */
        uint32_t dir;
        if (dirlen == lastdir_len && memcmp(name, lastdir, dirlen) == 0) {
            dir = lastdir_node;
        } else {
            dir = model_intern_path(m, name, dirlen);
            if (dirlen < 65536) {
                memcpy(lastdir, name, dirlen);
                lastdir_len = dirlen;
                lastdir_node = dir;
            }
        }
        if (strncmp(base, ".wh.", 4) == 0) {
            if (strcmp(base, ".wh..wh..opq") == 0) {
                uint32_t p = dir;
                model_add_entry(m, blob, p, 0, 0040755, EF_OPAQUE | EF_IMPLICIT, 0, 0, 0, NULL);
            } else {
                /* dir/.wh.NAME deletes dir/NAME */
                uint32_t p = model_intern_child(m, dir, base + 4, strlen(base + 4));
                model_add_entry(m, blob, p, 0, 0, EF_WHITEOUT, 0, 0, 0, NULL);
            }
            continue;
        }
        uint32_t p = model_intern_child(m, dir, base, len - (size_t)(base - name));
        uint16_t flags = te.type == TT_HARDLINK ? EF_HARDLINK : 0;
        uint32_t e = model_add_entry(m, blob, p, te.size, (uint16_t)te.mode, flags, te.uid, te.gid,
                                     te.mtime, te.link);
        m->ext[e].member = member;
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
            snprintf(w.err, sizeof w.err, "%s", cw->err);
            r = -1;
        }
        pthread_mutex_destroy(&cw->mu);
        pthread_cond_destroy(&cw->cv);
        free(cw);
    }
    if (r < 0) {
        errbuf_set(err, "%s", w.err[0] ? w.err : "corrupt tar");
        rc = RC_FATAL;
    }
    free(wants);
    free(name);
    free(full);
    free(lastdir);
    tar_walk_free(&w);
    return rc;
}

int layer_read(struct model *m, uint32_t blob, struct layer_src *src, const struct image_opts *o,
               struct layer_result *res, struct errbuf *err)
{
    memset(res, 0, sizeof *res);
    src->errmsg[0] = 0;
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
        return walk(m, blob, &cs, o, res, err, src);
    }

    struct pipe pp;
    memset(&pp, 0, sizeof pp);
    pthread_mutex_init(&pp.mu, NULL);
    pthread_cond_init(&pp.cv, NULL);
    pp.held = -1;
    pp.src = src;
    for (int i = 0; i < NSLOT; i++)
        pp.slot[i] = xmalloc(SLOT);
    struct archive *a = NULL;
    void *(*produce)(void *) = pipe_produce_zstd;
    int rc = RC_OK;
    if (res->compression != COMP_ZSTD) {
        produce = pipe_produce;
        a = pp.a = archive_read_new();
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_zstd(a);
        archive_read_support_format_raw(a);
        archive_read_set_callback_data(a, src);
        archive_read_set_read_callback(a, src_read);
        if (archive_read_open1(a) != ARCHIVE_OK) {
            errbuf_set(err, "%s", archive_error_string(a) ? archive_error_string(a) : "cannot decompress");
            rc = RC_FATAL;
        }
    }
    if (rc == RC_OK) {
        pthread_t t;
        struct chunk_src cs = {&pp, pipe_next, NULL, pipe_error};
        if (pthread_create(&t, NULL, produce, &pp) != 0) {
            produce(&pp);      /* no thread to be had: decompress it all first */
            rc = walk(m, blob, &cs, o, res, err, NULL);
        } else {
            rc = walk(m, blob, &cs, o, res, err, NULL);
            pthread_mutex_lock(&pp.mu);
            pp.cancel = 1;
            pthread_cond_broadcast(&pp.cv);
            pthread_mutex_unlock(&pp.mu);
            pthread_join(t, NULL);
        }
        /* a tar that ended cleanly inside a stream that did not: the stream's error wins */
        if (rc == RC_OK && pp.failed) {
            errbuf_set(err, "%s", pp.msg);
            rc = RC_FATAL;
        } else if (rc != RC_OK && pp.failed) {
            errbuf_clear(err);
            errbuf_set(err, "%s", pp.msg);
        }
    }
    if (a)
        archive_read_free(a);
    for (int i = 0; i < NSLOT; i++)
        free(pp.slot[i]);
    pthread_mutex_destroy(&pp.mu);
    pthread_cond_destroy(&pp.cv);
    return rc;
}
