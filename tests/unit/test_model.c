/* test_model.c: model_stack semantics on models built directly with model_add_entry (model_tb.h).
 * Every case checks the byte rule of formats.md: layer_bytes == final + shadowed + deleted.
 * Paths, lookups and the live (incremental) stacking are test_model_paths.c's. */
#include "tests/unit/model_tb.h"

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
