/* test_model.c: model_stack semantics on models built directly with model_add_entry.
 * Every case checks the byte rule of formats.md: layer_bytes == final + shadowed + deleted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "src/model.h"
#include "src/util.h"

#define REG 0100644
#define DIR 0040755
#define LNK 0120777

/* ------------------------------------------------------------------ helpers */

static uint32_t P(struct model *m, const char *path)
{
    return model_intern_path(m, path, strlen(path));
}

static uint32_t add(struct model *m, uint32_t blob, const char *path, uint64_t size, uint16_t mode)
{
    return model_add_entry(m, blob, P(m, path), size, mode, 0, 0, 0, 0, NULL);
}
static uint32_t file(struct model *m, uint32_t b, const char *path, uint64_t size) { return add(m, b, path, size, REG); }
static uint32_t dir(struct model *m, uint32_t b, const char *path) { return add(m, b, path, 0, DIR); }
static uint32_t whiteout(struct model *m, uint32_t b, const char *path)
{
    return model_add_entry(m, b, P(m, path), 0, 0, EF_WHITEOUT, 0, 0, 0, NULL);
}
/* as layer.c records `dir/.wh..wh..opq` */
static uint32_t opaque(struct model *m, uint32_t b, const char *dirpath)
{
    return model_add_entry(m, b, P(m, dirpath), 0, DIR, EF_OPAQUE | EF_IMPLICIT, 0, 0, 0, NULL);
}
static uint32_t hardlink(struct model *m, uint32_t b, const char *path, const char *target)
{
    return model_add_entry(m, b, P(m, path), 0, REG, EF_HARDLINK, 0, 0, 0, target);
}

/* The byte rule and its per-layer parts, checked on every stacked model. */
static void check_invariants(const struct model *m)
{
    assert_true(m->stacked);
    assert_int_equal(m->layer_bytes, m->final_bytes + m->shadowed_bytes + m->deleted_bytes);
    uint64_t lb = 0, sh = 0, del = 0, hid = 0, files = 0;
    for (uint32_t L = 0; L < m->n_layers; L++) {
        const struct layer_stats *ls = &m->layers[L];
        uint64_t bytes = 0, fcount = 0, sb = 0, db = 0;
        for (uint32_t e = ls->first_entry; e < ls->first_entry + ls->n_entries; e++) {
            const struct entry *en = &m->entries[e];
            assert_int_equal(en->layer, L);
            if (!entry_is_reg(en))
                continue;
            bytes += en->size;
            fcount++;
            if (en->hidden_at != LAYER_NONE) {
                assert_true(en->hidden_at > L);
                if (en->flags & EF_DELETED)
                    db += en->size;
                else
                    sb += en->size;
            }
        }
        assert_int_equal(ls->bytes, bytes);
        assert_int_equal(ls->files, fcount);
        assert_int_equal(ls->shadowed_bytes, sb);
        assert_int_equal(ls->deleted_bytes, db);
        lb += ls->bytes;
        sh += ls->shadowed_bytes;
        del += ls->deleted_bytes;
        hid += ls->hid_bytes;
    }
    assert_int_equal(m->layer_bytes, lb);
    assert_int_equal(m->shadowed_bytes, sh);
    assert_int_equal(m->deleted_bytes, del);
    assert_int_equal(hid, sh + del);
    /* final view: visible entries sum to final_bytes, and path_final agrees */
    uint64_t fb = 0;
    for (uint32_t p = 1; p < m->n_paths; p++) {
        uint32_t e = m->path_final[p];
        if (e) {
            assert_int_equal(m->entries[e].hidden_at, LAYER_NONE);
            assert_int_equal(m->entries[e].path, p);
            if (entry_is_reg(&m->entries[e]))
                fb += m->entries[e].size, files++;
        }
    }
    assert_int_equal(m->final_bytes, fb);
    assert_int_equal(m->final_files, files);
    assert_int_equal(m->path_final_size[MODEL_ROOT], fb);
    assert_int_equal(m->path_final_files[MODEL_ROOT], files);
    /* the final rollup is the rollup at the last layer */
    if (m->n_layers) {
        uint64_t *sz = calloc(m->n_paths, sizeof *sz);
        model_rollup_at(m, m->n_layers - 1, sz, NULL);
        for (uint32_t p = 1; p < m->n_paths; p++)
            assert_int_equal(sz[p], m->path_final_size[p]);
        free(sz);
    }
}

/* New blob; the previous one is closed first (model_blob_end counts up to the last entry). */
static uint32_t blob(struct model *m)
{
    if (m->n_blobs)
        model_blob_end(m, m->n_blobs - 1);
    return model_blob_begin(m);
}

/* Closes the last blob and stacks blobs 0..n-1 in order. */
static void finish(struct model *m, uint32_t n)
{
    model_blob_end(m, m->n_blobs - 1);
    uint32_t order[64];
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    assert_int_equal(model_stack(m, order, n), RC_OK);
    check_invariants(m);
}

static uint32_t L(const struct model *m, const char *path)
{
    uint32_t p = model_lookup(m, path);
    assert_int_not_equal(p, 0);
    return p;
}

/* ------------------------------------------------------------------ cases */

static void test_file_overwritten_is_shadowed(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    uint32_t b0 = blob(&m);
    uint32_t e0 = file(&m, b0, "etc/conf", 10);
    uint32_t b1 = blob(&m);
    uint32_t e1 = file(&m, b1, "etc/conf", 20);
    finish(&m, 2);
    assert_int_equal(m.entries[e0].hidden_at, 1);
    assert_false(m.entries[e0].flags & EF_DELETED);
    assert_int_equal(m.entries[e1].hidden_at, LAYER_NONE);
    assert_int_equal(m.layers[0].shadowed_bytes, 10);
    assert_int_equal(m.layers[0].deleted_bytes, 0);
    assert_int_equal(m.layers[1].hid_bytes, 10);
    assert_int_equal(m.final_bytes, 20);
    assert_int_equal(m.layer_bytes, 30);
    assert_int_equal(m.layers[0].added, 1);
    assert_int_equal(m.layers[1].added, 0);
    assert_int_equal(m.layers[1].modified, 1);
    assert_int_equal(m.layers[1].removed, 0);
    assert_true(m.entries[e0].flags & EF_ADDED);
    assert_false(m.entries[e1].flags & EF_ADDED);
    assert_int_equal(m.path_final[L(&m, "/etc/conf")], e1);
    model_free(&m);
}

static void test_whiteout_deletes(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    uint32_t b0 = blob(&m);
    dir(&m, b0, "d");
    uint32_t f = file(&m, b0, "d/f", 5);
    uint32_t keep = file(&m, b0, "d/keep", 1);
    uint32_t b1 = blob(&m);
    uint32_t wh = whiteout(&m, b1, "d/f");
    finish(&m, 2);
    assert_int_equal(m.entries[f].hidden_at, 1);
    assert_true(m.entries[f].flags & EF_DELETED);
    assert_int_equal(m.entries[keep].hidden_at, LAYER_NONE);
    assert_int_equal(m.layers[0].deleted_bytes, 5);
    assert_int_equal(m.deleted_bytes, 5);
    assert_int_equal(m.final_bytes, 1);
    assert_int_equal(m.layers[1].removed, 1);
    assert_int_equal(m.layers[1].added, 0);
    assert_int_equal(m.layers[1].entries, 0);   /* the marker is not an entry of the image */
    uint32_t pf = L(&m, "/d/f");
    assert_int_equal(m.path_final[pf], 0);
    assert_int_equal(model_visible_at(&m, pf, 0), f);
    assert_int_equal(model_visible_at(&m, pf, 1), 0);
    assert_int_equal(model_entry_in_layer(&m, pf, 1), wh);
    assert_false(model_exists_at(&m, pf, 1));
    assert_true(model_exists_at(&m, pf, 0));
    model_free(&m);
}

/* `rm -rf dir`: a whiteout of a directory deletes its whole subtree. */
static void test_whiteout_dir_deletes_subtree(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    uint32_t b0 = blob(&m);
    uint32_t d = dir(&m, b0, "d");
    uint32_t x = file(&m, b0, "d/x", 3);
    uint32_t s = dir(&m, b0, "d/s");
    uint32_t y = file(&m, b0, "d/s/y", 4);
    uint32_t z = file(&m, b0, "d/s/deeper/z", 8);    /* no dir entry for deeper: implicit */
    uint32_t other = file(&m, b0, "dd", 2);           /* a sibling with a common prefix */
    uint32_t b1 = blob(&m);
    whiteout(&m, b1, "d");
    finish(&m, 2);
    uint32_t all[] = {d, x, s, y, z};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        assert_int_equal(m.entries[all[i]].hidden_at, 1);
        assert_true(m.entries[all[i]].flags & EF_DELETED);
    }
    assert_int_equal(m.entries[other].hidden_at, LAYER_NONE);
    assert_int_equal(m.layers[1].removed, 5);
    assert_int_equal(m.deleted_bytes, 15);
    assert_int_equal(m.final_bytes, 2);
    assert_false(model_exists_at(&m, L(&m, "/d"), 1));
    assert_false(model_exists_at(&m, L(&m, "/d/s/deeper"), 1));
    assert_true(model_exists_at(&m, L(&m, "/d/s/deeper"), 0));   /* implicit parent of z */
    model_free(&m);
}

/* An opaque directory hides the lower children, not the children this layer writes, whatever
 * the order of the marker among them. */
static void test_opaque_hides_lower_children_only(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    uint32_t b0 = blob(&m);
    uint32_t d0 = dir(&m, b0, "d");
    uint32_t a = file(&m, b0, "d/a", 1);
    uint32_t bb = file(&m, b0, "d/sub/b", 2);
    uint32_t out = file(&m, b0, "e/out", 4);
    uint32_t b1 = blob(&m);
    uint32_t d1 = dir(&m, b1, "d");
    uint32_t c = file(&m, b1, "d/c", 3);          /* before the marker */
    opaque(&m, b1, "d");
    uint32_t c2 = file(&m, b1, "d/c2", 5);        /* after the marker */
    finish(&m, 2);
    assert_true(m.entries[a].flags & EF_DELETED);
    assert_true(m.entries[bb].flags & EF_DELETED);
    assert_int_equal(m.entries[a].hidden_at, 1);
    assert_int_equal(m.entries[d0].hidden_at, 1);      /* replaced by d1, shadowed */
    assert_false(m.entries[d0].flags & EF_DELETED);
    assert_int_equal(m.entries[d1].hidden_at, LAYER_NONE);
    assert_int_equal(m.entries[c].hidden_at, LAYER_NONE);
    assert_int_equal(m.entries[c2].hidden_at, LAYER_NONE);
    assert_int_equal(m.entries[out].hidden_at, LAYER_NONE);
    assert_int_equal(m.layers[1].removed, 2);
    assert_int_equal(m.layers[1].added, 2);
    assert_int_equal(m.layers[1].modified, 1);
    assert_int_equal(m.deleted_bytes, 3);
    assert_int_equal(m.final_bytes, 12);
    model_free(&m);
}

/* A lower version hidden by a whiteout counts as deleted even when the same layer writes the
 * path again; same for an opaque directory. */
static void test_whiteout_then_rewrite_counts_deleted(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    uint32_t b0 = blob(&m);
    uint32_t f0 = file(&m, b0, "f", 10);
    uint32_t x0 = file(&m, b0, "d/x", 4);
    uint32_t b1 = blob(&m);
    uint32_t f1 = file(&m, b1, "f", 7);          /* written before its whiteout in tar order */
    whiteout(&m, b1, "f");
    opaque(&m, b1, "d");
    uint32_t x1 = file(&m, b1, "d/x", 6);
    finish(&m, 2);
    assert_int_equal(m.entries[f0].hidden_at, 1);
    assert_true(m.entries[f0].flags & EF_DELETED);
    assert_true(m.entries[x0].flags & EF_DELETED);
    assert_int_equal(m.entries[f1].hidden_at, LAYER_NONE);
    assert_int_equal(m.entries[x1].hidden_at, LAYER_NONE);
    assert_int_equal(m.layers[0].deleted_bytes, 14);
    assert_int_equal(m.layers[0].shadowed_bytes, 0);
    assert_int_equal(m.final_bytes, 13);
    assert_int_equal(m.layers[1].removed, 2);
    assert_int_equal(m.layers[1].added + m.layers[1].modified, 2);
    model_free(&m);
}

/* A directory replaced by a file: everything below it is shadowed (not deleted). */
static void test_dir_replaced_by_file_shadows_subtree(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    uint32_t b0 = blob(&m);
    uint32_t d = dir(&m, b0, "d");
    uint32_t a = file(&m, b0, "d/a", 5);
    uint32_t bb = file(&m, b0, "d/e/b", 6);
    uint32_t b1 = blob(&m);
    uint32_t fd = file(&m, b1, "d", 9);
    uint32_t b2 = blob(&m);
    uint32_t ln = add(&m, b2, "d", 0, LNK);         /* then by a symlink */
    finish(&m, 3);
    uint32_t all[] = {d, a, bb};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(m.entries[all[i]].hidden_at, 1);
        assert_false(m.entries[all[i]].flags & EF_DELETED);
    }
    assert_int_equal(m.layers[0].shadowed_bytes, 11);
    assert_int_equal(m.entries[fd].hidden_at, 2);
    assert_int_equal(m.layers[1].shadowed_bytes, 9);
    assert_int_equal(m.entries[ln].hidden_at, LAYER_NONE);
    assert_int_equal(m.final_bytes, 0);
    assert_int_equal(m.deleted_bytes, 0);
    assert_int_equal(m.layers[1].removed, 0);
    assert_int_equal(m.layers[1].modified, 1);
    assert_false(model_exists_at(&m, L(&m, "/d/a"), 1));
    assert_true(model_exists_at(&m, L(&m, "/d/a"), 0));
    model_free(&m);
}

/* A file replaced by a directory, with or without a directory entry: the file is shadowed by
 * the new children (its "ancestor" in the later layer is not a directory any more). */
static void test_file_replaced_by_dir(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    uint32_t b0 = blob(&m);
    uint32_t x = file(&m, b0, "x", 5);
    uint32_t w = file(&m, b0, "w", 8);
    uint32_t b1 = blob(&m);
    uint32_t y = file(&m, b1, "x/y", 3);          /* no entry for x itself */
    uint32_t wd = dir(&m, b1, "w");               /* an explicit directory entry */
    uint32_t wz = file(&m, b1, "w/z", 2);
    finish(&m, 2);
    assert_int_equal(m.entries[x].hidden_at, 1);
    assert_false(m.entries[x].flags & EF_DELETED);
    assert_int_equal(m.entries[w].hidden_at, 1);
    assert_int_equal(m.entries[y].hidden_at, LAYER_NONE);
    assert_int_equal(m.entries[wd].hidden_at, LAYER_NONE);
    assert_int_equal(m.entries[wz].hidden_at, LAYER_NONE);
    assert_int_equal(m.layers[0].shadowed_bytes, 13);
    assert_int_equal(m.final_bytes, 5);
    assert_int_equal(model_visible_at(&m, L(&m, "/x"), 1), 0);
    assert_int_equal(model_visible_at(&m, L(&m, "/x"), 0), x);
    model_free(&m);
}

/* Docker 20.10 writes .wh..wh..opq into directories new in the layer: they hide nothing. */
static void test_opaque_on_new_dir_hides_nothing(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    uint32_t b0 = blob(&m);
    file(&m, b0, "etc/a", 1);
    file(&m, b0, "newish", 2);                    /* a sibling with a common prefix */
    uint32_t b1 = blob(&m);
    dir(&m, b1, "new");
    opaque(&m, b1, "new");
    file(&m, b1, "new/f", 2);
    opaque(&m, b1, "new/sub");                    /* marker with no directory entry */
    file(&m, b1, "new/sub/g", 3);
    finish(&m, 2);
    assert_int_equal(m.layers[1].removed, 0);
    assert_int_equal(m.deleted_bytes, 0);
    assert_int_equal(m.shadowed_bytes, 0);
    assert_int_equal(m.final_bytes, 8);
    assert_int_equal(m.layers[1].added, 3);       /* new, new/f, new/sub/g; markers are not entries */
    assert_int_equal(m.layers[1].entries, 3);
    model_free(&m);
}

static void test_hardlinks_count_zero(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    uint32_t b0 = blob(&m);
    file(&m, b0, "bin/busybox", 1000);
    uint32_t h = hardlink(&m, b0, "bin/sh", "bin/busybox");
    hardlink(&m, b0, "bin/ls", "bin/busybox");
    add(&m, b0, "bin/link", 0, LNK);
    uint32_t b1 = blob(&m);
    whiteout(&m, b1, "bin/sh");
    finish(&m, 2);
    assert_false(entry_is_reg(&m.entries[h]));
    assert_true(m.entries[h].flags & EF_HARDLINK);
    assert_int_equal(m.layers[0].bytes, 1000);
    assert_int_equal(m.layers[0].files, 1);
    assert_int_equal(m.layers[0].entries, 4);
    assert_int_equal(m.final_bytes, 1000);
    assert_int_equal(m.final_files, 1);
    assert_int_equal(m.deleted_bytes, 0);
    assert_int_equal(m.layers[1].removed, 1);
    assert_string_equal(strpool_get(&m.names, m.ext[h].link), "bin/busybox");
    model_free(&m);
}

/* visible_at / rollup_at / entry_in_layer at intermediate layers. */
static void test_views_at_intermediate_layers(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    uint32_t b0 = blob(&m);
    uint32_t d = dir(&m, b0, "d");
    uint32_t a0 = file(&m, b0, "d/a", 1);
    uint32_t bb = file(&m, b0, "d/b", 2);
    uint32_t b1 = blob(&m);
    uint32_t a1 = file(&m, b1, "d/a", 10);
    uint32_t wb = whiteout(&m, b1, "d/b");
    uint32_t b2 = blob(&m);
    uint32_t c = file(&m, b2, "d/c", 100);
    finish(&m, 3);
    uint32_t pa = L(&m, "d/a"), pb = L(&m, "d/b"), pc = L(&m, "d/c"), pd = L(&m, "d");
    assert_int_equal(model_visible_at(&m, pa, 0), a0);
    assert_int_equal(model_visible_at(&m, pa, 1), a1);
    assert_int_equal(model_visible_at(&m, pa, 2), a1);
    assert_int_equal(model_visible_at(&m, pb, 0), bb);
    assert_int_equal(model_visible_at(&m, pb, 1), 0);
    assert_int_equal(model_visible_at(&m, pc, 0), 0);
    assert_int_equal(model_visible_at(&m, pc, 2), c);
    assert_int_equal(model_visible_at(&m, pd, 2), d);
    assert_int_equal(model_entry_in_layer(&m, pa, 0), a0);
    assert_int_equal(model_entry_in_layer(&m, pa, 1), a1);
    assert_int_equal(model_entry_in_layer(&m, pa, 2), 0);
    assert_int_equal(model_entry_in_layer(&m, pb, 1), wb);
    assert_true(m.entries[wb].flags & EF_WHITEOUT);
    assert_int_equal(model_entry_in_layer(&m, pd, 1), 0);
    uint64_t *sz = calloc(m.n_paths, sizeof *sz);
    uint32_t *cnt = calloc(m.n_paths, sizeof *cnt);
    model_rollup_at(&m, 0, sz, cnt);
    assert_int_equal(sz[pd], 3);
    assert_int_equal(sz[MODEL_ROOT], 3);
    assert_int_equal(cnt[pd], 3);                 /* d, a, b */
    model_rollup_at(&m, 1, sz, cnt);
    assert_int_equal(sz[pd], 10);
    assert_int_equal(sz[pb], 0);
    assert_int_equal(cnt[pd], 2);
    model_rollup_at(&m, 2, sz, NULL);
    assert_int_equal(sz[pd], 110);
    assert_int_equal(sz[MODEL_ROOT], 110);
    free(sz);
    free(cnt);
    model_free(&m);
}

/* The same blob used by two layers: its entries are copied as the second layer's. A blob that
 * is not a layer of the image is marked unused. */
static void test_repeated_blob(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    uint32_t b0 = blob(&m);
    uint32_t a = file(&m, b0, "a", 5);
    uint32_t b1 = blob(&m);
    file(&m, b1, "b", 7);
    uint32_t b2 = blob(&m);
    uint32_t unused = file(&m, b2, "zzz", 99);
    model_blob_end(&m, b2);
    uint32_t order[] = {0, 1, 0};
    assert_int_equal(model_stack(&m, order, 3), RC_OK);
    check_invariants(&m);
    assert_int_equal(m.n_layers, 3);
    assert_int_not_equal(m.layers[2].first_entry, m.layers[0].first_entry);
    assert_int_equal(m.layers[2].n_entries, 1);
    uint32_t a2 = m.layers[2].first_entry;
    assert_int_equal(m.entries[a2].path, m.entries[a].path);
    assert_int_equal(m.entries[a2].layer, 2);
    assert_int_equal(m.entries[a].hidden_at, 2);
    assert_int_equal(m.layer_bytes, 17);
    assert_int_equal(m.final_bytes, 12);
    assert_int_equal(m.shadowed_bytes, 5);
    assert_int_equal(m.layers[2].modified, 1);
    assert_true(m.entries[unused].flags & EF_UNUSED);
    assert_int_equal(m.entries[unused].layer, LAYER_NONE);
    assert_int_equal(m.path_final[L(&m, "/zzz")], 0);
    assert_int_equal(m.path_final[L(&m, "/a")], a2);
    model_free(&m);
}

/* Blobs met in another order than the layers (the manifest comes last in a tarball). */
static void test_blob_order_differs_from_layer_order(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    uint32_t b0 = blob(&m);
    uint32_t top = file(&m, b0, "f", 2);          /* the upper layer, read first */
    uint32_t b1 = blob(&m);
    uint32_t low = file(&m, b1, "f", 1);
    model_blob_end(&m, b1);
    uint32_t order[] = {1, 0};
    model_stack(&m, order, 2);
    check_invariants(&m);
    assert_int_equal(m.entries[low].layer, 0);
    assert_int_equal(m.entries[top].layer, 1);
    assert_int_equal(m.entries[low].hidden_at, 1);
    assert_int_equal(m.path_final[L(&m, "f")], top);
    model_free(&m);
}

static void test_empty_and_missing_layers(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    uint32_t b0 = blob(&m);
    model_blob_end(&m, b0);
    uint32_t order[] = {0, 7};                    /* 7: a layer that could not be read */
    model_stack(&m, order, 2);
    check_invariants(&m);
    assert_int_equal(m.layer_bytes, 0);
    assert_int_equal(m.layers[1].n_entries, 0);
    model_free(&m);

    model_init(&m);
    model_stack(&m, NULL, 0);
    assert_int_equal(m.n_layers, 0);
    assert_int_equal(m.final_bytes, 0);
    model_free(&m);
}

static void test_path_str(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    char buf[64];
    assert_string_equal(model_path_str(&m, MODEL_ROOT, buf, sizeof buf), "/");
    uint32_t p = P(&m, "usr/lib/x86_64-linux-gnu/libc.so.6");
    assert_string_equal(model_path_str(&m, p, buf, sizeof buf), "/usr/lib/x86_64-linux-gnu/libc.so.6");
    /* truncation keeps the tail */
    uint32_t q = P(&m, "aaa/bbb/ccc");
    char small[8];
    assert_string_equal(model_path_str(&m, q, small, sizeof small), "/ccc");
    char exact[13];
    assert_string_equal(model_path_str(&m, q, exact, sizeof exact), "/aaa/bbb/ccc");
    char one_short[12];
    assert_string_equal(model_path_str(&m, q, one_short, sizeof one_short), "/bbb/ccc");
    char two[2];
    assert_string_equal(model_path_str(&m, MODEL_ROOT, two, sizeof two), "/");
    /* len 1: room for the NUL only. This wrote buf[-1] before the fix in model.c. */
    char tiny[1] = {'x'};
    assert_string_equal(model_path_str(&m, q, tiny, 1), "");
    assert_string_equal(model_path_str(&m, MODEL_ROOT, tiny, 1), "");
    assert_ptr_equal(model_path_str(&m, q, tiny, 0), tiny);

    /* deep: 2,000 levels, path of 4,000 characters */
    char *deep = malloc(5000);
    size_t n = 0;
    for (int i = 0; i < 2000; i++) {
        deep[n++] = 'd';
        deep[n++] = '/';
    }
    deep[--n] = 0;
    uint32_t dp = P(&m, deep);
    char *out = malloc(5000);
    model_path_str(&m, dp, out, 5000);
    assert_int_equal(out[0], '/');
    assert_string_equal(out + 1, deep);
    model_path_str(&m, dp, out, 101);                 /* the last 50 components */
    assert_int_equal(strlen(out), 100);
    assert_int_equal(out[0], '/');
    assert_string_equal(out + 1, deep + strlen(deep) - 99);
    /* lookups of deep paths work both ways */
    assert_int_equal(model_lookup(&m, deep), dp);
    free(deep);
    free(out);
    model_free(&m);
}

static void test_lookup_and_intern(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    uint32_t ab = P(&m, "a/b");
    assert_int_equal(P(&m, "/a/b/"), ab);
    assert_int_equal(P(&m, "./a//b"), ab);
    assert_int_equal(P(&m, "a/x/../b"), ab);
    assert_int_equal(P(&m, "../../a/b"), ab);     /* ".." never climbs above the root */
    assert_int_equal(P(&m, ""), MODEL_ROOT);
    assert_int_equal(P(&m, "/"), MODEL_ROOT);
    assert_int_equal(model_lookup(&m, "/a/b"), ab);
    assert_int_equal(model_lookup(&m, "a/b"), ab);
    assert_int_equal(model_lookup(&m, "/a/b/"), ab);
    assert_int_equal(model_lookup(&m, "./a/./b"), ab);
    assert_int_equal(model_lookup(&m, "/"), MODEL_ROOT);
    assert_int_equal(model_lookup(&m, ""), MODEL_ROOT);
    assert_int_equal(model_lookup(&m, "/a/c"), 0);
    assert_int_equal(model_lookup(&m, "/nope"), 0);
    assert_int_equal(model_lookup(&m, "/a/b/c"), 0);
    uint32_t a = model_lookup(&m, "/a");
    assert_int_equal(m.paths[ab].parent, a);
    assert_int_equal(model_child(&m, a, "b"), ab);
    assert_int_equal(model_child(&m, a, "zz"), 0);
    assert_string_equal(model_name(&m, ab), "b");
    /* a component longer than any name: not found, no overflow */
    char *lng = malloc(10000);
    memset(lng, 'x', 9999);
    lng[9999] = 0;
    assert_int_equal(model_lookup(&m, lng), 0);
    free(lng);
    /* names with control characters and invalid UTF-8 are kept byte for byte */
    uint32_t odd = P(&m, "odd/\x1b[31mred\n\xff\xfe");
    assert_int_equal(model_lookup(&m, "/odd/\x1b[31mred\n\xff\xfe"), odd);
    /* many children: the hash grows */
    char nm[32];
    uint32_t first = 0;
    for (int i = 0; i < 20000; i++) {
        snprintf(nm, sizeof nm, "many/f%d", i);
        uint32_t x = P(&m, nm);
        if (i == 0)
            first = x;
    }
    assert_int_equal(P(&m, "many/f0"), first);
    assert_int_equal(model_lookup(&m, "/many/f19999"), m.n_paths - 1);
    model_free(&m);
}

/* The layers of one image, blob by blob; incremental: stacks layer k right after blob k is read
 * (as the reader does for the view, later blobs adding paths), else all at the end. */
static void build_image(struct model *m, int incremental)
{
    model_init(m);
    if (incremental)
        model_stack_begin(m, 4);
    uint32_t b = model_blob_begin(m);
    dir(m, b, "etc");
    file(m, b, "etc/passwd", 100);
    dir(m, b, "usr");
    file(m, b, "usr/a", 10);
    file(m, b, "usr/b", 20);
    model_blob_end(m, b);
    if (incremental)
        assert_int_equal(model_stack_layer(m, 0), RC_OK);
    b = model_blob_begin(m);
    file(m, b, "etc/passwd", 150);
    whiteout(m, b, "usr/a");
    dir(m, b, "opt");
    file(m, b, "opt/x", 7);
    model_blob_end(m, b);
    if (incremental) {
        assert_int_equal(model_stack_layer(m, 1), RC_OK);
        /* after layer 1, before later blobs exist: the filesystem after layer 1 */
        assert_int_equal(m->n_layers, 2);
        uint32_t pa = model_lookup(m, "/usr/a");
        assert_int_equal(m->path_final[pa], 0);
        assert_int_not_equal(m->path_final[model_lookup(m, "/opt/x")], 0);
    }
    b = model_blob_begin(m);
    opaque(m, b, "usr");
    file(m, b, "usr/c", 5);
    file(m, b, "new/deep/file", 3);   /* paths the earlier layers never saw */
    model_blob_end(m, b);
    if (incremental)
        assert_int_equal(model_stack_layer(m, 2), RC_OK);
    b = model_blob_begin(m);
    file(m, b, "opt", 1);             /* a file over a directory */
    model_blob_end(m, b);
    if (incremental) {
        assert_int_equal(model_stack_layer(m, 3), RC_OK);
        model_stack_end(m);
    } else {
        uint32_t order[] = {0, 1, 2, 3};
        assert_int_equal(model_stack(m, order, 4), RC_OK);
    }
    check_invariants(m);
}

static void test_incremental_equals_whole(void **state)
{
    (void)state;
    struct model a, b;
    build_image(&a, 0);
    build_image(&b, 1);
    assert_int_equal(a.n_paths, b.n_paths);
    assert_int_equal(a.n_entries, b.n_entries);
    assert_int_equal(a.n_layers, b.n_layers);
    assert_memory_equal(a.entries, b.entries, a.n_entries * sizeof *a.entries);
    assert_memory_equal(a.path_first, b.path_first, a.n_paths * sizeof *a.path_first);
    assert_memory_equal(a.path_final, b.path_final, a.n_paths * sizeof *a.path_final);
    assert_memory_equal(a.path_final_size, b.path_final_size, a.n_paths * sizeof *a.path_final_size);
    assert_memory_equal(a.layers, b.layers, a.n_layers * sizeof *a.layers);
    assert_int_equal(a.final_bytes, b.final_bytes);
    assert_int_equal(a.shadowed_bytes, b.shadowed_bytes);
    assert_int_equal(a.deleted_bytes, b.deleted_bytes);
    assert_true(b.stacked);
    model_free(&a);
    model_free(&b);
}

/* The names of node p's children in m, sorted, comma-separated, read as the view reads them. */
static const char *children_of(const struct model *m, uint32_t p, char *buf, size_t len)
{
    const char *names[16];
    size_t n = 0;
    for (uint32_t c = model_first_child(m, p); c && n < 16; c = m->paths[c].next_sibling)
        names[n++] = model_name(m, c);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(names[j], names[j - 1]) < 0; j--) {
            const char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    buf[0] = 0;
    for (size_t i = 0; i < n; i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? "," : "", names[i]);
    return buf;
}

/* The states of the tree the view reads while the reader goes on (model_snapshot): each shows
 * the filesystem of its moment, with the model's node numbers, and its names and path nodes
 * (shared with the model, not copied) stay right while the model adds enough paths to outgrow
 * (and so copy) the buffers the states share, children to the folders they show, and after the
 * model is freed. ASan (make asan) fails it if a lent buffer is freed or moved under them. */
static void test_snapshot_names_outlive_growth(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    model_stack_begin(&m, 3);
    uint32_t b = model_blob_begin(&m);
    dir(&m, b, "etc");
    file(&m, b, "etc/passwd", 100);
    file(&m, b, "etc/hosts", 10);
    model_blob_end(&m, b);
    assert_int_equal(model_stack_layer(&m, 0), RC_OK);
    struct model *s1 = model_snapshot(&m);
    uint32_t n1 = s1->n_paths;
    size_t cap1 = m.cap_paths;
    uint32_t etc = model_lookup(&m, "/etc");
    char want[8][64], got[256];
    assert_true(n1 <= 8);
    for (uint32_t p = 1; p < n1; p++)
        snprintf(want[p], sizeof want[p], "%s", model_path_str(&m, p, got, sizeof got));
    /* layer 1: thousands of long names, far past the names buffer the snapshot borrowed */
    b = model_blob_begin(&m);
    char nm[160];
    for (int i = 0; i < 6000; i++) {
        snprintf(nm, sizeof nm, "usr/share/a-rather-long-folder-name-%04d/and-a-longer-file-name-%04d.txt", i / 10, i);
        file(&m, b, nm, 1);
    }
    whiteout(&m, b, "etc/hosts");
    file(&m, b, "etc/shadow", 1);   /* a child for a folder s1 shows, while s1 reads it */
    model_blob_end(&m, b);
    assert_true(m.names.len > 2 * (1 << 16));   /* far past the names buffer s1 borrowed */
    assert_true(m.cap_paths > 4 * cap1);        /* and the path nodes' */
    assert_int_equal(model_stack_layer(&m, 1), RC_OK);
    struct model *s2 = model_snapshot(&m);
    /* layer 2: more names again, with two snapshots out */
    b = model_blob_begin(&m);
    for (int i = 0; i < 3000; i++) {
        snprintf(nm, sizeof nm, "opt/yet-another-long-folder-%04d/file-%04d", i / 10, i);
        file(&m, b, nm, 2);
    }
    file(&m, b, "etc/group", 2);
    model_blob_end(&m, b);
    assert_int_equal(model_stack_layer(&m, 2), RC_OK);
    model_stack_end(&m);
    check_invariants(&m);
    /* the model's own names are right after being copied to a larger buffer */
    uint32_t deep = model_lookup(&m, "/usr/share/a-rather-long-folder-name-0123/and-a-longer-file-name-1234.txt");
    assert_int_not_equal(deep, 0);
    assert_string_equal(model_path_str(&m, deep, got, sizeof got),
                        "/usr/share/a-rather-long-folder-name-0123/and-a-longer-file-name-1234.txt");
    /* the first state: layer 0's files only, names as they were */
    assert_int_equal(s1->n_layers, 1);
    assert_int_equal(s1->final_files, 2);
    for (uint32_t p = 1; p < n1; p++)
        assert_string_equal(model_path_str(s1, p, got, sizeof got), want[p]);
    assert_string_equal(children_of(s1, MODEL_ROOT, got, sizeof got), "etc");
    assert_string_equal(children_of(s1, etc, got, sizeof got), "hosts,passwd");
    /* the second: hosts deleted, the long names there */
    assert_int_equal(s2->n_layers, 2);
    assert_int_equal(s2->final_files, 6002);
    assert_string_equal(children_of(s2, MODEL_ROOT, got, sizeof got), "etc,usr");
    assert_string_equal(children_of(s2, etc, got, sizeof got), "hosts,passwd,shadow");
    assert_string_equal(children_of(&m, MODEL_ROOT, got, sizeof got), "etc,opt,usr");
    assert_string_equal(children_of(&m, etc, got, sizeof got), "group,hosts,passwd,shadow");
    assert_int_equal(s2->path_final[model_lookup(&m, "/etc/hosts")], 0);
    assert_string_equal(model_path_str(s2, deep, got, sizeof got),
                        "/usr/share/a-rather-long-folder-name-0123/and-a-longer-file-name-1234.txt");
    model_free(&m);   /* the reader is done; the view still reads its states */
    for (uint32_t p = 1; p < n1; p++)
        assert_string_equal(model_path_str(s1, p, got, sizeof got), want[p]);
    assert_string_equal(children_of(s1, etc, got, sizeof got), "hosts,passwd");
    assert_string_equal(children_of(s2, etc, got, sizeof got), "hosts,passwd,shadow");
    assert_string_equal(model_name(s2, deep), "and-a-longer-file-name-1234.txt");
    model_snapshot_free(s1);
    assert_string_equal(model_name(s2, deep), "and-a-longer-file-name-1234.txt");
    model_snapshot_free(s2);
}

/* model_stack_end drops the (parent, name) index; a path interned after it finds the node it
 * had, and a new one gets a node of its own. */
static void test_intern_after_stacking(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    uint32_t b = model_blob_begin(&m);
    char nm[64];
    for (int i = 0; i < 500; i++) {
        snprintf(nm, sizeof nm, "srv/d%02d/f%03d", i % 40, i);
        file(&m, b, nm, 3);
    }
    model_blob_end(&m, b);
    uint32_t blob = 0;
    assert_int_equal(model_stack(&m, &blob, 1), RC_OK);
    assert_null(m.child_slots);
    uint32_t n = m.n_paths;
    uint32_t f = model_lookup(&m, "/srv/d07/f287");
    assert_int_not_equal(f, 0);
    assert_int_equal(model_intern_path(&m, "srv/d07/f287", strlen("srv/d07/f287")), f);
    assert_int_equal(m.n_paths, n);
    uint32_t g = model_intern_path(&m, "srv/d07/new", strlen("srv/d07/new"));
    assert_int_equal(g, n);
    assert_int_equal(model_lookup(&m, "/srv/d07/new"), g);
    assert_int_equal(model_intern_path(&m, "srv/d07/new", strlen("srv/d07/new")), g);
    model_free(&m);
}

/* A stacking begun and never ended (a fatal layer) is freed with the model. */
static void test_incremental_abandoned(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    model_stack_begin(&m, 3);
    uint32_t b = model_blob_begin(&m);
    file(&m, b, "a", 1);
    model_blob_end(&m, b);
    assert_int_equal(model_stack_layer(&m, 0), RC_OK);
    assert_false(m.stacked);
    model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_overwritten_is_shadowed),
        cmocka_unit_test(test_whiteout_deletes),
        cmocka_unit_test(test_whiteout_dir_deletes_subtree),
        cmocka_unit_test(test_opaque_hides_lower_children_only),
        cmocka_unit_test(test_whiteout_then_rewrite_counts_deleted),
        cmocka_unit_test(test_dir_replaced_by_file_shadows_subtree),
        cmocka_unit_test(test_file_replaced_by_dir),
        cmocka_unit_test(test_opaque_on_new_dir_hides_nothing),
        cmocka_unit_test(test_hardlinks_count_zero),
        cmocka_unit_test(test_views_at_intermediate_layers),
        cmocka_unit_test(test_repeated_blob),
        cmocka_unit_test(test_blob_order_differs_from_layer_order),
        cmocka_unit_test(test_empty_and_missing_layers),
        cmocka_unit_test(test_path_str),
        cmocka_unit_test(test_incremental_equals_whole),
        cmocka_unit_test(test_incremental_abandoned),
        cmocka_unit_test(test_snapshot_names_outlive_growth),
        cmocka_unit_test(test_intern_after_stacking),
        cmocka_unit_test(test_lookup_and_intern),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
