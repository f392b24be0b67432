/* test_rows.c: the tree's rows of the view (ui/rows.c) against a fresh build: the removed and
 * changes-only sizes, the per-layer cache sized to the tree, a layer's rows built ahead by the
 * prefetcher (ui/prefetch.c), and a 1,000,000-entry model drawn and moved through. Same harness
 * as test_ui.c (tests/tui/ui_harness.h). */
#include "tests/tui/ui_harness.h"

/* The same rows, sizes and marks. */
static void assert_rows_equal(const struct rows *a, const struct rows *b)
{
    assert_int_equal(a->n, b->n);
    for (uint32_t i = 0; i < a->n; i++) {
        assert_int_equal(a->v[i].node, b->v[i].node);
        assert_true(rows_size(a, a->v[i].node) == rows_size(b, b->v[i].node));
        assert_int_equal(rows_status(a, a->v[i].node), rows_status(b, b->v[i].node));
    }
}

/* A path gone after a layer shows the bytes that layer removed under it, folders included, and
 * not bytes the layer wrote and hid again itself. Built by hand: layer 0 has gone/a/b/f (100),
 * gone/g (50), p/d/old (7); layer 1 deletes gone/ and p/d/old, writes p/d/new (5) and then a
 * file p over the folder, which hides p/d and its own p/d/new. */
static void test_rows_removed_sizes(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    const char *dirs0[] = {"gone", "gone/a", "gone/a/b", "p", "p/d"};
    uint32_t b = model_blob_begin(&m);
    for (size_t i = 0; i < 5; i++)
        model_add_entry(&m, b, model_intern_path(&m, dirs0[i], strlen(dirs0[i])), 0, 0040755, 0, 0, 0, 0, NULL);
    model_add_entry(&m, b, model_intern_path(&m, "gone/a/b/f", 10), 100, 0100644, 0, 0, 0, 0, NULL);
    model_add_entry(&m, b, model_intern_path(&m, "gone/g", 6), 50, 0100644, 0, 0, 0, 0, NULL);
    model_add_entry(&m, b, model_intern_path(&m, "p/d/old", 7), 7, 0100644, 0, 0, 0, 0, NULL);
    model_blob_end(&m, b);
    b = model_blob_begin(&m);
    model_add_entry(&m, b, model_intern_path(&m, "gone", 4), 0, 0, EF_WHITEOUT, 0, 0, 0, NULL);
    model_add_entry(&m, b, model_intern_path(&m, "p/d/old", 7), 0, 0, EF_WHITEOUT, 0, 0, 0, NULL);
    model_add_entry(&m, b, model_intern_path(&m, "p/d/new", 7), 5, 0100644, 0, 0, 0, 0, NULL);
    model_add_entry(&m, b, model_intern_path(&m, "p", 1), 3, 0100644, 0, 0, 0, 0, NULL);
    model_blob_end(&m, b);
    uint32_t order[] = {0, 1};
    assert_int_equal(model_stack(&m, order, 2), RC_OK);
    struct rows r;
    rows_init(&r, &m);
    rows_set_layer(&r, 1);
    assert_int_equal(rows_size(&r, model_lookup(&m, "/gone")), 150);
    assert_int_equal(rows_size(&r, model_lookup(&m, "/gone/a")), 100);
    assert_int_equal(rows_size(&r, model_lookup(&m, "/gone/a/b")), 100);
    assert_int_equal(rows_size(&r, model_lookup(&m, "/gone/a/b/f")), 100);
    assert_int_equal(rows_size(&r, model_lookup(&m, "/p/d")), 7);
    assert_int_equal(rows_size(&r, model_lookup(&m, "/p/d/old")), 7);
    assert_int_equal(rows_size(&r, model_lookup(&m, "/p")), 3);
    assert_int_equal(rows_size(&r, MODEL_ROOT), 3);
    rows_set_layer(&r, 0);   /* before: everything there */
    assert_int_equal(rows_size(&r, model_lookup(&m, "/gone")), 150);
    assert_int_equal(rows_size(&r, MODEL_ROOT), 157);
    assert_non_null(r.cur->lsize);   /* made with the rest, unless lean */
    rows_free(&r);
    rows_init(&r, &m);
    r.lean = 1;   /* a state shown while loading: made when the changes are asked for */
    rows_set_layer(&r, 0);
    assert_int_equal(rows_size(&r, MODEL_ROOT), 157);
    assert_null(r.cur->lsize);
    /* this layer's changes only: bytes written or removed, made on first use, for each layer */
    rows_set_changes_only(&r, 1);
    assert_int_equal(rows_size(&r, MODEL_ROOT), 157);
    rows_set_layer(&r, 1);
    assert_int_equal(rows_size(&r, model_lookup(&m, "/gone")), 150);
    assert_int_equal(rows_size(&r, model_lookup(&m, "/p/d")), 12);
    assert_int_equal(rows_size(&r, model_lookup(&m, "/p")), 15);
    assert_int_equal(rows_size(&r, MODEL_ROOT), 165);
    rows_free(&r);
    model_free(&m);
}

/* How many layers' rollups the view keeps: six for a small tree; past ROWS_CACHE_BIG_PATHS
 * paths only three (the one shown and its two neighbours), whatever layers were visited. */
static int cached_layers(const struct rows *r)
{
    int n = 0;
    for (int i = 0; i < ROWS_CACHE; i++)
        n += r->cache[i].layer != -2;
    return n;
}

static void test_rows_cache_by_tree_size(void **state)
{
    (void)state;
    for (int big = 0; big <= 1; big++) {
        struct model m;
        model_init(&m);
        uint32_t order[8];
        char nm[64];
        for (uint32_t L = 0; L < 8; L++) {
            uint32_t b = model_blob_begin(&m);
            uint32_t files = L == 0 && big ? ROWS_CACHE_BIG_PATHS : 1;
            for (uint32_t i = 0; i < files; i++) {
                int k = snprintf(nm, sizeof nm, "d%u/f%u", i / 1024, L * 1000000u + i);
                model_add_entry(&m, b, model_intern_path(&m, nm, (size_t)k), 1, 0100644, 0, 0, 0, 0, NULL);
            }
            model_blob_end(&m, b);
            order[L] = b;
        }
        assert_int_equal(model_stack(&m, order, 8), RC_OK);
        assert_true(big ? m.n_paths > ROWS_CACHE_BIG_PATHS : m.n_paths < 100);
        struct rows r;
        rows_init(&r, &m);
        for (int L = 0; L < 8; L++) {
            rows_set_layer(&r, L);
            assert_int_equal(r.cur->layer, L);
            assert_true(rows_cached(&r, L));
        }
        assert_int_equal(cached_layers(&r), big ? 3 : ROWS_CACHE);
        assert_true(rows_cached(&r, 6) && rows_cached(&r, 5));   /* the most recent stay */
        rows_free(&r);
        model_free(&m);
    }
}

/* A layer's rollups built apart (on the reader thread while loading) and adopted give the
 * same rows as those built in place; ones of another model are refused. */
static void test_rows_prebuilt_layer(void **state)
{
    struct fixture *f = *state;
    const struct model *m = &f->l.img.model;
    for (int L = 0; L < (int)m->n_layers; L++) {
        struct rows a, b;
        rows_init(&a, m);
        rows_init(&b, m);
        rows_set_all_open(&a, 1);
        rows_set_all_open(&b, 1);
        rows_set_layer(&a, L);
        struct rows_layer *pre = rows_layer_new(m, L, L % 2);   /* lean or not: the same rows */
        assert_non_null(pre);
        assert_int_equal(pre->layer, L);
        rows_adopt(&b, pre);
        rows_set_layer(&b, L);
        assert_rows_equal(&a, &b);
        /* moved out and into a rows of the same model: kept, not rebuilt */
        struct rows_layer *out[ROWS_CACHE];
        int n = rows_steal(&b, out);
        assert_int_equal(n, 1);
        const uint64_t *sizes = out[0]->size;
        struct rows c;
        rows_init(&c, m);
        rows_adopt(&c, out[0]);
        rows_set_layer(&c, L);
        assert_ptr_equal(c.cur->size, sizes);
        rows_free(&a);
        rows_free(&b);
        rows_free(&c);
    }
    /* built from another model (a copy with its own entries): refused and freed */
    struct model other = *m;
    struct entry *copy = malloc(m->n_entries * sizeof *copy);
    memcpy(copy, m->entries, m->n_entries * sizeof *copy);
    other.entries = copy;
    struct rows r;
    rows_init(&r, m);
    rows_adopt(&r, rows_layer_new(&other, 0, 0));
    for (int i = 0; i < ROWS_CACHE; i++)
        assert_int_equal(r.cache[i].layer, -2);
    rows_free(&r);
    free(copy);
    assert_null(rows_layer_new(m, -1, 0));
}

/* The background build of the neighbouring layers: both end up cached, the same as built in
 * place, and the layer shown is never evicted for them. */
static void test_prefetch_neighbours(void **state)
{
    struct fixture *f = *state;
    const struct model *m = &f->l.img.model;
    assert_true(m->n_layers >= 3);
    struct rows r;
    rows_init(&r, m);
    rows_set_all_open(&r, 1);
    rows_set_layer(&r, 1);
    const struct rows_layer *shown = r.cur;
    struct prefetch *p = prefetch_new(m);
    int have0 = 0, have2 = 0;
    for (int i = 0; i < 2000 && !(have0 && have2); i++) {
        prefetch_poll(p, &r);
        have0 = have2 = 0;
        for (int k = 0; k < ROWS_CACHE; k++) {
            have0 |= r.cache[k].layer == 0;
            have2 |= r.cache[k].layer == 2;
        }
        usleep(1000);
    }
    assert_true(have0 && have2);
    assert_ptr_equal(r.cur, shown);
    assert_int_equal(r.cur->layer, 1);
    /* moving to a prefetched layer gives the rows a fresh build gives */
    struct rows fresh;
    rows_init(&fresh, m);
    rows_set_all_open(&fresh, 1);
    for (int L = 0; L <= 2; L += 2) {
        prefetch_wait(p, &r, L);
        rows_set_layer(&r, L);
        rows_set_layer(&fresh, L);
        assert_rows_equal(&r, &fresh);
    }
    prefetch_free(p, &r);
    rows_free(&r);
    rows_free(&fresh);
}

/* ------------------------------------------------------------------ a large image */

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}


static void test_large_image(void **state)
{
    (void)state;
    /* 1,000,000 entries: 10 layers of 100,000 files in 1,000 folders, one huge folder */
    struct image img;
    memset(&img, 0, sizeof img);
    struct model *m = &img.model;
    model_init(m);
    enum { LAYERS = 10, PER = 100000 };
    uint32_t order[LAYERS];
    char path[128];
    for (int L = 0; L < LAYERS; L++) {
        uint32_t b = model_blob_begin(m);
        order[L] = b;
        for (int i = 0; i < PER; i++) {
            int n = L % 3 == 0 ? i : (i * 7 + L) % PER;   /* later layers overwrite earlier files */
            if (i % 1000 == 999)
                snprintf(path, sizeof path, "/huge/f%07d", n);
            else
                snprintf(path, sizeof path, "/d%03d/s%02d/file%06d.dat", n % 1000, (n / 1000) % 37, n);
            uint32_t p = model_intern_path(m, path, strlen(path));
            model_add_entry(m, b, p, (uint64_t)(n % 4096) + 1, 0100644, 0, 0, 0, 0, NULL);
        }
        model_blob_end(m, b);
    }
    model_stack(m, order, LAYERS);
    assert_true(m->n_entries >= 1000000);
    img.n_layers = LAYERS;
    img.layers = calloc(LAYERS, sizeof *img.layers);
    for (int L = 0; L < LAYERS; L++) {
        img.layers[L].digest = (char *)"sha256:0000";
        img.layers[L].diff_id = (char *)"sha256:1111";
        img.layers[L].instruction = "RUN generate";
        img.layers[L].history = -1;
    }
    img.source = (char *)"large.tar";

    SCREEN *s = term_open(LINES_, COLS_);
    struct ui *u = ui_new(s, &img, NULL, "auto");
    ui_draw(u);
    assert_screen("Files after layer 9");
    struct {
        int key;
        const char *what;
    } seq[] = {
        {'j', "down"}, {'\n', "open d..."}, {KEY_NPAGE, "page down"}, {KEY_END, "end"},
        {KEY_HOME, "home"}, {'\t', "pane"}, {'\t', "pane"}, {'k', "layer 8"}, {'k', "layer 7"},
        {'j', "layer 8"}, {'[', "layer 7"}, {']', "layer 8"}, {'\t', "pane"}, {'s', "sort"},
        {'s', "sort"}, {'c', "changes"}, {'c', "changes"}, {'A', "hide"}, {'A', "hide"},
        {'n', "search next"}, {'N', "search prev"},
    };
    /* a search first (its Enter is timed below too) */
    keys(u, "/file000123.dat");
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    key(u, '\n');
    double worst = ms_since(&t0);
    const char *worst_what = "search";
    assert_screen("match 1 of");
    /* open the huge folder (1,000 children here, sorted once) */
    for (size_t i = 0; i < sizeof seq / sizeof *seq; i++) {
        clock_gettime(CLOCK_MONOTONIC, &t0);
        key(u, seq[i].key);
        double t = ms_since(&t0);
        if (t > worst) {
            worst = t;
            worst_what = seq[i].what;
        }
    }
    /* filter over every path */
    keys(u, "fs02");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    key(u, '\n');
    double tf = ms_since(&t0);
    if (tf > worst) {
        worst = tf;
        worst_what = "filter";
    }
    fprintf(stderr, "large image: slowest key %.1f ms (%s)\n", worst, worst_what);
    /* Printed, not asserted: tests never judge wall-clock time (a loaded CI machine would
     * fail them); `make bench` measures keys on a 1M-entry image in tmux. */
    ui_free(u);
    term_close(s);
    free(img.layers);
    model_free(m);
}

int main(void)
{
    if (ui_harness_begin() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_removed_sizes),
        cmocka_unit_test(test_rows_cache_by_tree_size),
        cmocka_unit_test_setup_teardown(test_rows_prebuilt_layer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefetch_neighbours, setup, teardown),
        cmocka_unit_test(test_large_image),
    };
    return ui_harness_end(cmocka_run_group_tests(tests, NULL, NULL));
}
