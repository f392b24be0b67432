/* test_pool.c: the worker pool of --jobs (src/pool.h), the per-blob entry arrays that workers
 * fill (src/blobents.h) and the content sink's fork/join (src/sink.h, analysis/content.c).
 *   - every job runs once, results are taken in index order, a job starts only after it was
 *     prepared and never more than `window` ahead of the merge, with 0, 1 and 3 workers;
 *   - entries buffered and merged build the very model that direct insertion builds (path nodes,
 *     entries, details and names byte for byte), whiteouts, opaque folders and links included;
 *   - a sink forked per blob and joined in order ends with the hashes, secret hits and package
 *     files of one sink fed every file in turn, entry numbers shifted. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "analysis/analysis.h"
#include "analysis/analysis_int.h"
#include "src/blobents.h"
#include "src/model.h"
#include "src/pool.h"
#include "src/util.h"

/* ---------------------------------------------------------------- the pool */

#define NJOBS 64

struct pt {
    size_t window;
    _Atomic int ran[NJOBS];         /* times each job ran */
    _Atomic int prepared[NJOBS];
    _Atomic int early;              /* a job ran before its prepare */
    size_t waiting_for;             /* the consumer's pool_wait argument (its thread only) */
    int too_far;                    /* a prepare more than window ahead of the merge */
    int result[NJOBS];
    pthread_t caller;
    _Atomic int by_caller;          /* jobs the calling thread ran */
};

static void pt_prepare(void *ctx, size_t i)
{
    struct pt *t = ctx;
    if (i > t->waiting_for + t->window)
        t->too_far = 1;
    atomic_store(&t->prepared[i], 1);
}

static void pt_run(void *ctx, size_t i)
{
    struct pt *t = ctx;
    if (!atomic_load(&t->prepared[i]))
        atomic_store(&t->early, 1);
    /* uneven work, later jobs shorter, so that they finish out of order */
    struct timespec ts = {0, (long)((NJOBS - i) % 7) * 200000L};
    nanosleep(&ts, NULL);
    t->result[i] = (int)(i * 3 + 1);
    if (pthread_equal(pthread_self(), t->caller))
        atomic_fetch_add(&t->by_caller, 1);
    atomic_fetch_add(&t->ran[i], 1);
}

static void run_pool(unsigned workers, int helps, size_t window)
{
    struct pt *t = xcalloc(1, sizeof *t);
    t->window = window;
    t->caller = pthread_self();
    struct pool *p = pool_start(workers, helps, NJOBS, window, pt_prepare, pt_run, t);
    assert_true(pool_workers(p) <= workers);
    unsigned started = pool_workers(p);
    for (size_t i = 0; i < NJOBS; i++) {
        t->waiting_for = i;
        pool_wait(p, i);
        assert_int_equal(atomic_load(&t->ran[i]), 1);
        assert_int_equal(t->result[i], (int)(i * 3 + 1));     /* its result is complete when merged */
    }
    pool_stop(p);
    for (size_t i = 0; i < NJOBS; i++)
        assert_int_equal(atomic_load(&t->ran[i]), 1);
    assert_int_equal(atomic_load(&t->early), 0);
    assert_int_equal(t->too_far, 0);
    if (!helps && started)      /* the caller only merged: the workers ran every job */
        assert_int_equal(atomic_load(&t->by_caller), 0);
    if (!started)
        assert_int_equal(atomic_load(&t->by_caller), NJOBS);
    free(t);
}

static void test_pool_no_worker(void **state)
{
    (void)state;
    run_pool(0, 1, 1);
    run_pool(0, 1, 4);
    run_pool(0, 0, 1);   /* no worker: the calling thread runs every job though it does not help */
}
static void test_pool_one_worker(void **state) { (void)state; run_pool(1, 1, 2); run_pool(1, 0, 1); }
static void test_pool_three_workers(void **state) { (void)state; run_pool(3, 1, 6); run_pool(3, 0, 1); }

/* Stopped early (a fatal layer): jobs never started are not run, and stop returns. */
static void test_pool_stop_early(void **state)
{
    (void)state;
    struct pt *t = xcalloc(1, sizeof *t);
    t->window = 2;
    struct pool *p = pool_start(2, 1, NJOBS, 2, pt_prepare, pt_run, t);
    pool_wait(p, 0);
    pool_wait(p, 1);
    pool_stop(p);
    int ran = 0;
    for (size_t i = 0; i < NJOBS; i++)
        ran += atomic_load(&t->ran[i]);
    assert_true(ran >= 2 && ran <= 2 + 2 + 1);
    free(t);
}

/* ---------------------------------------------------------------- entries: direct vs merged */

struct ent { int kind; const char *name; uint64_t size; uint16_t mode; uint16_t flags; const char *link; };

static const struct ent blob_a[] = {
    {BE_ENTRY, "etc", 0, 0040755, 0, NULL},
    {BE_ENTRY, "etc/passwd", 120, 0100644, 0, NULL},
    {BE_ENTRY, "etc/group", 40, 0100644, 0, NULL},
    {BE_ENTRY, "usr/bin/sh", 0, 0120777, 0, "dash"},
    {BE_ENTRY, "usr/bin/dash", 90000, 0100755, 0, NULL},
    {BE_ENTRY, "usr/bin/rbash", 0, 0100755, EF_HARDLINK, "usr/bin/dash"},
    {BE_ENTRY, "var/lib/x/y/z", 3, 0100600, 0, NULL},
};
static const struct ent blob_b[] = {
    {BE_WHITEOUT, "etc/.wh.group", 0, 0, 0, NULL},
    {BE_OPAQUE, "var/lib/x/.wh..wh..opq", 0, 0, 0, NULL},
    {BE_ENTRY, "var/lib/x/new", 7, 0100644, 0, NULL},
    {BE_ENTRY, "etc/passwd", 130, 0100644, 0, NULL},
    {BE_ENTRY, "opt/a/b/c/d/e", 1, 0100644, 0, NULL},
};

static void add_all(struct blobents *be, const struct ent *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        blobents_add(be, (enum blobent_kind)e[i].kind, e[i].name, strlen(e[i].name), e[i].size, e[i].mode,
                     e[i].flags, 1000 + (uint32_t)i, 2000, 1700000000 + (int64_t)i, e[i].link,
                     e[i].kind == BE_ENTRY ? (uint32_t)i + 1 : 0);
}

static void build(struct model *m, int buffered)
{
    model_init(m);
    const struct ent *blobs[2] = {blob_a, blob_b};
    size_t n[2] = {sizeof blob_a / sizeof *blob_a, sizeof blob_b / sizeof *blob_b};
    struct blobents be[2];
    if (buffered)       /* workers fill both, in any order, before anything is merged */
        for (int k = 1; k >= 0; k--) {
            blobents_buffered(&be[k], (uint32_t)k);
            add_all(&be[k], blobs[k], n[k]);
            assert_int_equal(be[k].n, n[k]);
        }
    for (int k = 0; k < 2; k++) {
        uint32_t b = model_blob_begin(m);
        assert_int_equal(b, (uint32_t)k);
        if (buffered) {
            blobents_merge(&be[k], m, b);
        } else {
            blobents_direct(&be[k], m, b);
            add_all(&be[k], blobs[k], n[k]);
        }
        blobents_free(&be[k]);
        model_blob_end(m, b);
    }
    uint32_t order[2] = {0, 1};
    assert_int_equal(model_stack(m, order, 2), RC_OK);
}

static void test_blobents_merge_same_model(void **state)
{
    (void)state;
    struct model d, b;
    build(&d, 0);
    build(&b, 1);
    assert_int_equal(d.n_paths, b.n_paths);
    assert_int_equal(d.n_entries, b.n_entries);
    assert_memory_equal(d.paths, b.paths, d.n_paths * sizeof *d.paths);
    assert_memory_equal(d.entries, b.entries, d.n_entries * sizeof *d.entries);
    assert_memory_equal(d.ext, b.ext, d.n_entries * sizeof *d.ext);
    assert_int_equal(d.names.len, b.names.len);
    assert_memory_equal(d.names.buf, b.names.buf, d.names.len);
    assert_memory_equal(d.blobs, b.blobs, d.n_blobs * sizeof *d.blobs);
    /* and what the model says: the whiteout and the opaque marker acted, the link kept */
    uint32_t grp = model_lookup(&b, "/etc/group"), z = model_lookup(&b, "/var/lib/x/y/z");
    assert_int_equal(b.path_final[grp], 0);
    assert_int_equal(b.path_final[z], 0);
    uint32_t sh = b.path_final[model_lookup(&b, "/usr/bin/sh")];
    assert_string_equal(strpool_get(&b.names, b.ext[sh].link), "dash");
    assert_int_equal(b.ext[sh].member, 4);
    model_free(&d);
    model_free(&b);
}

/* ---------------------------------------------------------------- sink fork / join */

struct file { const char *path; const char *body; };
static const struct file files_a[] = {
    {"/app/.env", "AWS_ACCESS_KEY_ID=AKIAQX7T3BENIGN2K9ZQ\n"},
    {"/var/lib/dpkg/status", "Package: fakeapp\nStatus: install ok installed\nVersion: 1.0\n"},
    {"/srv/plain.txt", "nothing here\n"},
};
static const struct file files_b[] = {
    {"/srv/plain.txt", "nothing here either\n"},
    {"/app/conf.py", "token = \"ghp_0123456789abcdefghijABCDEFGHIJ012345\"\n"},
    {"/var/lib/dpkg/info/fakeapp.list", "/srv\n/srv/plain.txt\n"},
};

static void feed(const struct sink *s, void *ctx, const struct file *f, size_t n, uint32_t first)
{
    for (size_t i = 0; i < n; i++) {
        struct sink_file sf = {0, first + (uint32_t)i, f[i].path, strlen(f[i].body), 0100644};
        if (!s->file_begin(ctx, &sf))
            continue;
        /* in two pieces, as a reader hands bytes over */
        size_t len = strlen(f[i].body), half = len / 2;
        s->file_data(ctx, f[i].body, half);
        s->file_data(ctx, f[i].body + half, len - half);
        s->file_end(ctx);
    }
}

static void test_sink_fork_join_as_one(void **state)
{
    (void)state;
    struct analysis_opts o = {0};
    struct analysis *one = analysis_new(&o), *par = analysis_new(&o);
    struct sink s1, sp;
    assert_int_equal(analysis_sinks(one, &s1, 1), 1);
    assert_int_equal(analysis_sinks(par, &sp, 1), 1);
    assert_non_null(sp.fork);
    assert_non_null(sp.join);
    /* one sink: blob A's entries at 1.., blob B's at 10.. */
    feed(&s1, one, files_a, 3, 1);
    feed(&s1, one, files_b, 3, 10);
    /* forked: both children fed (B first, as a faster worker would), joined in blob order */
    void *ca = sp.fork(par), *cb = sp.fork(par);
    feed(&sp, cb, files_b, 3, 0);
    feed(&sp, ca, files_a, 3, 0);
    sp.join(par, ca, 1);
    sp.join(par, cb, 10);

    struct analysis_priv *p1 = PRIV(one), *pp = PRIV(par);
    assert_int_equal(p1->n_hits, pp->n_hits);
    assert_true(p1->n_hits >= 2);
    for (size_t i = 0; i < p1->n_hits; i++) {
        assert_int_equal(p1->hits[i].entry, pp->hits[i].entry);
        assert_string_equal(p1->hits[i].rule_id, pp->hits[i].rule_id);
        assert_string_equal(p1->hits[i].masked, pp->hits[i].masked);
        assert_null(pp->hits[i].name);       /* content hits name no variable */
    }
    assert_int_equal(p1->n_meta, pp->n_meta);
    assert_int_equal(p1->n_meta, 2);
    for (size_t i = 0; i < p1->n_meta; i++) {
        assert_int_equal(p1->meta[i].entry, pp->meta[i].entry);
        assert_int_equal(p1->meta[i].kind, pp->meta[i].kind);
        assert_int_equal(p1->meta[i].len, pp->meta[i].len);
        assert_memory_equal(p1->meta[i].data, pp->meta[i].data, p1->meta[i].len);
    }
    uint32_t entries[] = {1, 2, 3, 10, 11, 12, 0, 4, 9, 13};
    for (size_t i = 0; i < sizeof entries / sizeof *entries; i++) {
        uint64_t h1 = 0, hp = 0;
        int k1 = analysis_entry_hash(one, entries[i], &h1), kp = analysis_entry_hash(par, entries[i], &hp);
        assert_int_equal(k1, kp);
        assert_int_equal(k1, entries[i] && (entries[i] <= 3 || (entries[i] >= 10 && entries[i] <= 12)));
        assert_true(h1 == hp);
    }
    assert_true(one->hashed_bytes == par->hashed_bytes);
    assert_true(one->scanned_bytes == par->scanned_bytes);
    /* the joined children's scanners wait for the next fork: a third fork reuses one */
    assert_int_equal(pp->n_spare, 2);
    sp.join(par, sp.fork(par), 20);
    assert_int_equal(pp->n_spare, 2);
    analysis_free(one);
    analysis_free(par);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_no_worker),
        cmocka_unit_test(test_pool_one_worker),
        cmocka_unit_test(test_pool_three_workers),
        cmocka_unit_test(test_pool_stop_early),
        cmocka_unit_test(test_blobents_merge_same_model),
        cmocka_unit_test(test_sink_fork_join_as_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
