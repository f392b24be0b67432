/* image_layers.c: the layers of a seekable image (a plain tar file or a directory), each read
 * once into the model, on several threads when --jobs allows.
 *
 * With one job (or a sink that cannot fork) the layers are read one after the other straight
 * into the model. With more, each distinct blob is a job of src/pool.h: a worker decompresses
 * and walks it into the blob's own entry array (src/blobents.h), its files going to forked sink
 * instances; this thread merges the blobs into the model in the order the manifest first uses
 * them and joins their sinks, which is the order one job reads them in. So the model, the sinks'
 * results and the warnings come out the same whatever the number of jobs. */
#include "src/image_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/blobents.h"
#include "src/blobsrc.h"
#include "src/layer.h"
#include "src/pool.h"

#define MAX_SINKS 8
#define BUFSZ (1u << 20)

struct ljob {
    struct member *mb;
    size_t li;                  /* the first layer that uses it */
    struct blobents be;
    struct image_opts o;        /* the reader's options, with this job's sinks */
    struct sink sinks[MAX_SINKS];
    int prepared;
    int lr;                     /* layer_read's return */
    int open_errno;             /* the member's file could not be opened */
    struct layer_result res;
    struct errbuf e;
};

struct lread {
    struct reader *r;
    struct ljob *jobs;
    size_t n;
    uint32_t first_blob;        /* model blob of job 0 */
};

/* Reads one job's blob into its blobents (any thread): touches only the job, the image file
 * (pread), its own blob stream (src/blobsrc.h) and the progress counters. */
static void job_read(struct reader *r, struct ljob *j)
{
    struct member *mb = j->mb;
    struct blob_stream bs;
    struct errbuf oe = {0};
    if (mb->remote) {
        blobsrc_open_registry(&bs, r->reg, mb->remote - 1);
    } else if (mb->disk) {
        if (blobsrc_open_file(&bs, mb->disk, &oe) != RC_OK) {
            j->open_errno = errno ? errno : EIO;
            j->lr = RC_FATAL;
            return;
        }
        bs.size = mb->size;     /* as listed, so a file that shrank reads as truncated */
    } else {
        blobsrc_open_range(&bs, r->fd, mb->off, mb->size);
    }
    /* no bigger than the blob: a small layer does not pay for a 1 MiB buffer */
    size_t bufsz = bs.size < BUFSZ ? (size_t)bs.size + 1 : BUFSZ;
    unsigned char *buf = xmalloc(bufsz);
    struct layer_src src = {.fd = bs.fd, .off = bs.off, .len = bs.size, .buf = buf, .bufsz = bufsz,
                            .progress = &r->prog->bytes_done};
    if (bs.fd < 0) {
        /* a stream: its first bytes are the peek layer_read sniffs the compression from */
        const void *p = NULL;
        ssize_t k = blobsrc_read(&bs, &p);
        src.bs = &bs;
        src.peek = p;
        src.peek_len = k > 0 ? (size_t)k : 0;
        if (k < 0) {
            errbuf_set(&j->e, "%s", blobsrc_error(&bs));
            j->lr = RC_FATAL;
            goto out;
        }
    }
    j->lr = layer_read(&j->be, &src, &j->o, &j->res, &j->e);
    if (bs.fd < 0 && j->lr != RC_FATAL) {
        /* the tar can end before the blob does: read on to its end, so that its digest is known
         * right before anything of it counts (a wrong one is fatal, whatever the walk said) */
        const void *p;
        ssize_t k;
        while ((k = blobsrc_read(&bs, &p)) > 0)
            atomic_fetch_add(&r->prog->bytes_done, (uint64_t)k);
    }
    if (bs.fd < 0 && bs.err[0]) {      /* the blob's own failure is the cause of the rest */
        errbuf_clear(&j->e);
        errbuf_set(&j->e, "%s", blobsrc_error(&bs));
        j->lr = RC_FATAL;
    }
    /* account for what the reader did not need to touch */
    if (src.consumed < mb->size && bs.fd >= 0)
        atomic_fetch_add(&r->prog->bytes_done, mb->size - src.consumed);
out:
    blobsrc_close(&bs);
    free(buf);
}

/* After the job's entries are in model blob b (this thread): what image.c needs of the member. */
static int job_finish(struct reader *r, struct ljob *j, uint32_t b)
{
    struct image *img = r->img;
    struct member *mb = j->mb;
    if (j->open_errno) {
        errbuf_set(&img->err, "%s: %s: %s", r->base, mb->name, strerror(j->open_errno));
        return RC_FATAL;
    }
    mb->blob = (int)b;
    mb->comp = j->res.compression;
    mb->estargz = j->res.estargz;
    if (j->res.odd_paths)
        image_warn(img, "layer %zu: %u names leave the image root or are empty (e.g. \"%s\"); kept inside it",
                   j->li, j->res.odd_paths, j->res.odd_example);
    mb->entries = j->res.entries;
    if (j->lr == RC_FATAL) {
        char sd[48];
        image_layer_label(&img->layers[j->li], sd, sizeof sd);
        errbuf_set(&img->err, "%s: layer %zu (%s): %s", r->base, j->li, sd, j->e.msg);
        return RC_FATAL;
    }
    if (j->lr != RC_OK)
        mb->error = xstrdup(j->e.msg);   /* a damaged layer: the image opens without its rest */
    return RC_OK;
}

static void pool_prepare(void *ctx, size_t i)
{
    struct lread *lr = ctx;
    struct ljob *j = &lr->jobs[i];
    const struct image_opts *o = lr->r->o;
    blobents_buffered(&j->be, lr->first_blob + (uint32_t)i);
    for (size_t k = 0; k < o->n_sinks; k++) {
        j->sinks[k] = o->sinks[k];
        j->sinks[k].ctx = o->sinks[k].fork(o->sinks[k].ctx);
    }
    j->prepared = 1;
}

static void pool_run(void *ctx, size_t i)
{
    struct lread *lr = ctx;
    job_read(lr->r, &lr->jobs[i]);
}

/* Gives the forked sink instances back (merging what they saw) and frees the entries. */
static void job_release(struct lread *lr, struct ljob *j, uint32_t first_entry)
{
    const struct image_opts *o = lr->r->o;
    for (size_t k = 0; j->prepared && k < o->n_sinks; k++)
        o->sinks[k].join(o->sinks[k].ctx, j->sinks[k].ctx, first_entry);
    j->prepared = 0;
    blobents_free(&j->be);
}

static int can_fork(const struct image_opts *o)
{
    if (o->n_sinks > MAX_SINKS)
        return 0;
    for (size_t k = 0; k < o->n_sinks; k++)
        if (!o->sinks[k].fork || !o->sinks[k].join)
            return 0;
    return 1;
}

int image_read_layers(struct reader *r, struct member **lm, size_t n_layers)
{
    struct image *img = r->img;
    struct model *m = &img->model;
    struct lread lr = {.r = r, .first_blob = m->n_blobs};
    lr.jobs = xcalloc(n_layers ? n_layers : 1, sizeof *lr.jobs);
    /* one job per distinct blob, in the order the manifest first uses them */
    for (size_t i = 0; i < n_layers; i++) {
        if (lm[i]->blob >= 0 || lm[i]->queued)
            continue;
        lm[i]->queued = 1;
        struct ljob *j = &lr.jobs[lr.n++];
        j->mb = lm[i];
        j->li = i;
        j->o = *r->o;
        j->o.sinks = j->sinks;
    }
    unsigned jobs = r->o->jobs ? r->o->jobs : 1;
    int rc = RC_OK;
    size_t done = 0;
    if (lr.n <= 1 || !can_fork(r->o)) {
        for (; done < lr.n && rc == RC_OK; done++) {
            struct ljob *j = &lr.jobs[done];
            j->o.sinks = r->o->sinks;
            uint32_t b = model_blob_begin(m);
            blobents_direct(&j->be, m, b);
            job_read(r, j);
            blobents_free(&j->be);
            model_blob_end(m, b);
            rc = job_finish(r, j, b);
            if (rc == RC_OK)
                atomic_store(&r->prog->layers_done, (uint32_t)j->li + 1);
            if (rc == RC_OK)
                rc = image_stack_ready(r);   /* the layers read so far, for the view */
        }
    } else {
        /* --jobs N > 1: N - 1 workers, and this thread reads layers too when it has none to
         * merge. --jobs 1: one worker reads while this thread merges and stacks the layer before:
         * done in turn, the stacking between layers left the decompressor idle (0.42 s of 5.2 s
         * on the bench's 1M-entry gzip image), and two layers' entries at most wait here. */
        struct pool *p = jobs > 1 ? pool_start(jobs - 1, 1, lr.n, 2 * (size_t)jobs, pool_prepare, pool_run, &lr)
                                  : pool_start(1, 0, lr.n, 1, pool_prepare, pool_run, &lr);
        for (; done < lr.n && rc == RC_OK; done++) {
            struct ljob *j = &lr.jobs[done];
            pool_wait(p, done);
            uint32_t b = model_blob_begin(m);
            blobents_merge(&j->be, m, b);
            model_blob_end(m, b);
            job_release(&lr, j, m->blobs[b].first_entry);
            rc = job_finish(r, j, b);
            if (rc == RC_OK)
                atomic_store(&r->prog->layers_done, (uint32_t)j->li + 1);
            if (rc == RC_OK)
                rc = image_stack_ready(r);   /* the layers read so far, for the view */
        }
        pool_stop(p);
        for (size_t k = done; k < lr.n; k++)    /* after a fatal layer: read or not, dropped */
            job_release(&lr, &lr.jobs[k], 0);
    }
    if (rc == RC_OK)     /* progress counts layers, a repeated blob for each use */
        atomic_store(&r->prog->layers_done, (uint32_t)n_layers);
    free(lr.jobs);
    return rc;
}
