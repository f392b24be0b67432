/* test_model_paths.c: the model's paths (interning, lookup, model_path_str), stacking one layer
 * at a time as the reader does for the live view (the same model as stacking at the end), and
 * the snapshots the view reads while the model grows. Helpers in model_tb.h. */
#include "tests/unit/model_tb.h"

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
        cmocka_unit_test(test_path_str),
        cmocka_unit_test(test_incremental_equals_whole),
        cmocka_unit_test(test_incremental_abandoned),
        cmocka_unit_test(test_snapshot_names_outlive_growth),
        cmocka_unit_test(test_intern_after_stacking),
        cmocka_unit_test(test_lookup_and_intern),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
