/* test_diff.c: diff_compute, the aligned tree and both reports on two small hand-built images.
 *
 * A (single stage)                     B (multi stage)
 *   layer 0 "ADD rootfs.tar /"  (shared diff_id)
 *     /etc/os-release 100               same
 *     /bin/sh -> dash                   same
 *     /etc/motd 7                       same
 *   layer 1 "RUN apt-get …"             layer 1 "RUN apt-get … && rm -rf …/lists"
 *     /var/lib/apt/lists/main 5000        /usr/bin/python3 900
 *     /var/lib/apt/lists/sec 1000         /var/lib/apt/lists/ (dir, empty)
 *     /usr/bin/gcc 3000                   /etc/motd  (whiteout: deleted)
 *     /usr/bin/python3 800
 *   layer 2 "COPY app.py /app/"         layer 2 "COPY app.py /app/"
 *     /app/app.py 10                      /app/app.py 12
 *     /app/data 40 (a file)               /app/data/ (a directory) + /app/data/x 5
 *     /bin/sh -> bash (link changed)      /srv/new 64
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/diff.h"

struct fx {
    struct image img;
    struct analysis an;
    struct image_layer layers[3];
};

static void add(struct model *m, uint32_t blob, const char *path, uint64_t size, uint16_t mode,
                uint16_t flags, const char *link)
{
    uint32_t p = model_intern_path(m, path, strlen(path));
    model_add_entry(m, blob, p, size, mode, flags, 0, 0, 0, link);
}

#define REG 0100644
#define DIR 0040755
#define LNK 0120777

static void base_layer(struct model *m)
{
    uint32_t b = model_blob_begin(m);
    add(m, b, "/etc", 0, DIR, 0, NULL);
    add(m, b, "/etc/os-release", 100, REG, 0, NULL);
    add(m, b, "/etc/motd", 7, REG, 0, NULL);
    add(m, b, "/bin", 0, DIR, 0, NULL);
    add(m, b, "/bin/sh", 0, LNK, 0, "dash");
    model_blob_end(m, b);
}

static void fx_finish(struct fx *f, const char *source, const char *by1, const char *by2,
                      const char *id1, const char *id2)
{
    static const uint32_t order[3] = {0, 1, 2};
    assert_int_equal(model_stack(&f->img.model, order, 3), RC_OK);
    f->img.source = (char *)source;
    f->img.format = FMT_DOCKER_ARCHIVE;
    f->img.layers = f->layers;
    f->img.n_layers = 3;
    const char *by[3] = {"ADD rootfs.tar /", by1, by2};
    const char *ids[3] = {"sha256:base", id1, id2};
    for (int i = 0; i < 3; i++) {
        f->layers[i].diff_id = (char *)ids[i];
        f->layers[i].instruction = by[i];
        f->layers[i].history = -1;
    }
}

static void build_a(struct fx *f)
{
    memset(f, 0, sizeof *f);
    struct model *m = &f->img.model;
    model_init(m);
    base_layer(m);
    uint32_t b = model_blob_begin(m);
    add(m, b, "/var/lib/apt/lists/main", 5000, REG, 0, NULL);
    add(m, b, "/var/lib/apt/lists/sec", 1000, REG, 0, NULL);
    add(m, b, "/usr/bin/gcc", 3000, 0100755, 0, NULL);
    add(m, b, "/usr/bin/python3", 800, 0100755, 0, NULL);
    model_blob_end(m, b);
    b = model_blob_begin(m);
    add(m, b, "/app", 0, DIR, 0, NULL);
    add(m, b, "/app/app.py", 10, REG, 0, NULL);
    add(m, b, "/app/data", 40, REG, 0, NULL);
    add(m, b, "/bin/sh", 0, LNK, 0, "bash");
    model_blob_end(m, b);
    fx_finish(f, "a.tar", "RUN apt-get update && apt-get install -y build-essential python3",
              "COPY app.py /app/", "sha256:a1", "sha256:a2");
}

static void build_b(struct fx *f)
{
    memset(f, 0, sizeof *f);
    struct model *m = &f->img.model;
    model_init(m);
    base_layer(m);
    uint32_t b = model_blob_begin(m);
    add(m, b, "/usr/bin/python3", 900, 0100755, 0, NULL);
    add(m, b, "/var/lib/apt/lists", 0, DIR, 0, NULL);
    add(m, b, "/etc/motd", 0, 0, EF_WHITEOUT, NULL);
    model_blob_end(m, b);
    b = model_blob_begin(m);
    add(m, b, "/app/app.py", 12, REG, 0, NULL);
    add(m, b, "/app/data", 0, DIR, 0, NULL);
    add(m, b, "/app/data/x", 5, REG, 0, NULL);
    add(m, b, "/srv/new", 64, REG, 0, NULL);
    model_blob_end(m, b);
    fx_finish(f, "b.tar", "RUN apt-get update && apt-get install -y python3 && rm -rf /var/lib/apt/lists/*",
              "COPY app.py /app/", "sha256:b1", "sha256:b2");
}

static struct waste_cat cats_a[] = {{.id = "apt-lists", .bytes = 6000, .files = 2, .layer = 1},
                                    {.id = "toolchain", .bytes = 3000, .files = 1, .layer = 1}};
static struct waste_cat cats_b[] = {{.id = "docs", .bytes = 5, .files = 1, .layer = 2}};
static struct package pkgs_a[] = {{.name = "gcc-12", .version = "12.2", .ecosystem = "deb", .bytes = 3000},
                                  {.name = "python3", .version = "3.11.2", .ecosystem = "deb", .bytes = 800}};
static struct package pkgs_b[] = {{.name = "python3", .version = "3.11.4", .ecosystem = "deb", .bytes = 900}};
static struct secret_finding sec_b[] = {{.rule_id = "aws-access-key-id", .path = "/srv/new"}};

static void fill_analyses(struct fx *a, struct fx *b)
{
    a->an.cats = cats_a; a->an.n_cats = 2; a->an.removable_bytes = 9000;
    a->an.pkgs = pkgs_a; a->an.n_pkgs = 2;
    b->an.cats = cats_b; b->an.n_cats = 1;
    b->an.pkgs = pkgs_b; b->an.n_pkgs = 1;
    b->an.secrets = sec_b; b->an.n_secrets = 1;
}

static const struct diff_file *find(const struct diff_file *v, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].path, path) == 0)
            return &v[i];
    return NULL;
}

static void test_files(void **state)
{
    (void)state;
    struct fx a, b;
    build_a(&a);
    build_b(&b);
    fill_analyses(&a, &b);
    struct image_diff *d = diff_compute(&a.img, &a.an, &b.img, &b.an);

    assert_int_equal(d->shared_layers, 1);
    assert_int_equal(d->content_compared, 0);   /* hand-filled analyses: no hashes */

    /* only in A: lists 5000 + 1000, gcc 3000, motd 7, /app/data (file) 40; largest first */
    assert_int_equal(d->n_only_a, 5);
    assert_int_equal(d->only_a_bytes, 5000 + 1000 + 3000 + 7 + 40);
    assert_string_equal(d->only_a[0].path, "/var/lib/apt/lists/main");
    assert_string_equal(d->only_a[1].path, "/usr/bin/gcc");
    assert_string_equal(d->only_a[2].path, "/var/lib/apt/lists/sec");
    assert_int_equal(d->only_a[0].a_layer, 1);
    assert_int_equal(d->only_a[0].b_layer, -1);
    assert_string_equal(d->only_a[0].a_by, a.layers[1].instruction);
    assert_string_equal(d->only_a[0].b_by, "");
    const struct diff_file *motd = find(d->only_a, d->n_only_a, "/etc/motd");
    assert_non_null(motd);
    assert_int_equal(motd->a_layer, 0);
    assert_non_null(find(d->only_a, d->n_only_a, "/app/data"));

    /* only in B: /srv/new 64, /app/data/x 5 */
    assert_int_equal(d->n_only_b, 2);
    assert_int_equal(d->only_b_bytes, 69);
    assert_string_equal(d->only_b[0].path, "/srv/new");
    assert_int_equal(d->only_b[0].b_layer, 2);
    assert_string_equal(d->only_b[1].path, "/app/data/x");

    /* changed: python3 800 -> 900, app.py 10 -> 12, /bin/sh dash -> bash */
    assert_int_equal(d->n_changed, 3);
    assert_int_equal(d->changed_a_bytes, 810);
    assert_int_equal(d->changed_b_bytes, 912);
    assert_string_equal(d->changed[0].path, "/usr/bin/python3");
    assert_int_equal(d->changed[0].a_layer, 1);
    assert_int_equal(d->changed[0].b_layer, 1);
    assert_string_equal(d->changed[0].b_by, b.layers[1].instruction);
    const struct diff_file *sh = find(d->changed, d->n_changed, "/bin/sh");
    assert_non_null(sh);
    assert_int_equal(sh->a_layer, 2);
    assert_int_equal(sh->b_layer, 0);
    assert_null(find(d->changed, d->n_changed, "/etc/os-release"));

    /* categories, secrets, packages side by side */
    assert_int_equal(d->n_cats, 3);
    assert_string_equal(d->cats[0].id, "apt-lists");
    assert_int_equal(d->cats[0].a, 6000);
    assert_int_equal(d->cats[0].b, 0);
    assert_string_equal(d->cats[2].id, "docs");
    assert_int_equal(d->cats[2].b, 5);
    assert_int_equal(d->n_secrets, 1);
    assert_int_equal(d->secrets[0].a, 0);
    assert_int_equal(d->secrets[0].b, 1);
    assert_int_equal(d->n_pkgs, 2);
    assert_string_equal(d->pkgs[0].name, "gcc-12");
    assert_null(d->pkgs[0].b_version);
    assert_string_equal(d->pkgs[1].a_version, "3.11.2");
    assert_string_equal(d->pkgs[1].b_version, "3.11.4");

    diff_free(d);
    model_free(&a.img.model);
    model_free(&b.img.model);
}

static void test_self_diff(void **state)
{
    (void)state;
    struct fx a, a2;
    build_a(&a);
    build_a(&a2);
    struct image_diff *d = diff_compute(&a.img, NULL, &a2.img, NULL);
    assert_int_equal(d->shared_layers, 3);
    assert_int_equal(d->n_only_a, 0);
    assert_int_equal(d->n_only_b, 0);
    assert_int_equal(d->n_changed, 0);
    assert_int_equal(d->n_cats + d->n_secrets + d->n_pkgs, 0);
    struct diff_tree *t = diff_tree_build(d);
    assert_int_equal(t->v[DIFF_ROOT].mask, DK_SAME);
    diff_tree_free(t);
    diff_free(d);
    model_free(&a.img.model);
    model_free(&a2.img.model);
}

static uint32_t child(const struct image_diff *d, const struct diff_tree *t, uint32_t n, const char *name)
{
    for (uint32_t c = t->v[n].first_child; c; c = t->v[c].next_sibling)
        if (strcmp(diff_node_name(d, &t->v[c]), name) == 0)
            return c;
    return 0;
}

static void test_tree(void **state)
{
    (void)state;
    struct fx a, b;
    build_a(&a);
    build_b(&b);
    struct image_diff *d = diff_compute(&a.img, NULL, &b.img, NULL);
    struct diff_tree *t = diff_tree_build(d);
    const struct diff_node *root = &t->v[DIFF_ROOT];
    assert_int_equal(root->mask, DK_ALL);
    assert_int_equal(root->a_bytes, a.img.model.final_bytes);
    assert_int_equal(root->b_bytes, b.img.model.final_bytes);

    /* children of / in name order: app bin etc srv usr var */
    const char *want[] = {"app", "bin", "etc", "srv", "usr", "var"};
    size_t i = 0;
    for (uint32_t c = root->first_child; c; c = t->v[c].next_sibling, i++) {
        assert_true(i < 6);
        assert_string_equal(diff_node_name(d, &t->v[c]), want[i]);
        assert_int_equal(t->v[c].depth, 0);
        assert_int_equal(t->v[c].parent, DIFF_ROOT);
    }
    assert_int_equal(i, 6);

    uint32_t srv = child(d, t, DIFF_ROOT, "srv");
    assert_int_equal(t->v[srv].kind, DK_ONLY_B);
    assert_int_equal(t->v[srv].a, 0);
    uint32_t etc = child(d, t, DIFF_ROOT, "etc");
    assert_int_equal(t->v[etc].kind, DK_SAME);
    assert_int_equal(t->v[etc].mask, DK_SAME | DK_ONLY_A);
    assert_int_equal(t->v[child(d, t, etc, "motd")].kind, DK_ONLY_A);
    uint32_t app = child(d, t, DIFF_ROOT, "app");
    uint32_t data = child(d, t, app, "data");
    assert_int_equal(t->v[data].kind, DK_CHANGED);          /* file in A, directory in B */
    assert_int_equal(t->v[child(d, t, data, "x")].kind, DK_ONLY_B);
    assert_int_equal(t->v[child(d, t, app, "app.py")].kind, DK_CHANGED);
    /* B's apt lists directory is empty but present: the directory is in both */
    uint32_t lists = child(d, t, child(d, t, child(d, t, DIFF_ROOT, "var"), "lib"), "apt");
    lists = child(d, t, lists, "lists");
    assert_int_equal(t->v[lists].kind, DK_SAME);
    assert_int_equal(t->v[lists].a_bytes, 6000);
    assert_int_equal(t->v[lists].b_bytes, 0);
    char buf[256];
    assert_string_equal(diff_node_path(d, &t->v[lists], buf, sizeof buf), "/var/lib/apt/lists");
    diff_tree_free(t);
    diff_free(d);
    model_free(&a.img.model);
    model_free(&b.img.model);
}

static char *report(struct image_diff *d, int json)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(json ? diff_report_json(f, d) : diff_report_text(f, d), 0);
    fclose(f);
    return buf;
}

static void test_json(void **state)
{
    (void)state;
    struct fx a, b;
    build_a(&a);
    build_b(&b);
    fill_analyses(&a, &b);
    struct image_diff *d = diff_compute(&a.img, &a.an, &b.img, &b.an);
    char *s = report(d, 1);
    json_error_t err;
    json_t *r = json_loads(s, 0, &err);
    assert_non_null(r);
    assert_string_equal(json_string_value(json_object_get(r, "schema")), "strata-diff/1");
    json_t *ja = json_object_get(r, "a");
    assert_int_equal(json_integer_value(json_object_get(ja, "final_bytes")), a.img.model.final_bytes);
    assert_int_equal(json_integer_value(json_object_get(ja, "layer_bytes")), a.img.model.layer_bytes);
    assert_int_equal(json_integer_value(json_object_get(ja, "removable_bytes")), 9000);
    assert_int_equal(json_integer_value(json_object_get(r, "shared_layers")), 1);
    json_t *c0 = json_array_get(json_object_get(r, "categories"), 0);
    assert_string_equal(json_string_value(json_object_get(c0, "id")), "apt-lists");
    assert_int_equal(json_integer_value(json_object_get(c0, "a_bytes")), 6000);
    assert_int_equal(json_integer_value(json_object_get(c0, "b_bytes")), 0);
    json_t *oa = json_object_get(r, "only_in_a");
    assert_int_equal(json_integer_value(json_object_get(oa, "files")), 5);
    assert_int_equal(json_integer_value(json_object_get(oa, "bytes")), 9047);
    json_t *t0 = json_array_get(json_object_get(oa, "top"), 0);
    assert_string_equal(json_string_value(json_object_get(t0, "path")), "/var/lib/apt/lists/main");
    assert_int_equal(json_integer_value(json_object_get(t0, "bytes")), 5000);
    /* by layer: layer 1 wrote 9000 of it in 3 files, layer 2 40, layer 0 7 */
    json_t *bl = json_array_get(json_object_get(oa, "by_layer"), 0);
    assert_int_equal(json_integer_value(json_object_get(bl, "layer")), 1);
    assert_int_equal(json_integer_value(json_object_get(bl, "bytes")), 9000);
    assert_int_equal(json_integer_value(json_object_get(bl, "files")), 3);
    json_t *ob = json_object_get(r, "only_in_b");
    assert_int_equal(json_integer_value(json_object_get(ob, "bytes")), 69);
    json_t *ch = json_object_get(r, "changed");
    /* regular files on both sides, as totals.final_files counts them: /bin/sh's changed link apart */
    assert_int_equal(json_integer_value(json_object_get(ch, "files")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ch, "other_kinds"), "symlink")), 1);
    assert_int_equal(json_integer_value(json_object_get(ch, "a_bytes")), 810);
    assert_int_equal(json_integer_value(json_object_get(ch, "b_bytes")), 912);
    json_t *c = json_array_get(json_object_get(ch, "top"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "path")), "/usr/bin/python3");
    assert_int_equal(json_integer_value(json_object_get(c, "a_layer")), 1);
    assert_non_null(json_object_get(c, "b_created_by"));
    assert_int_equal(json_array_size(json_object_get(r, "packages")), 2);
    json_decref(r);
    free(s);

    s = report(d, 0);
    assert_non_null(strstr(s, "Only in A: 5 files"));
    assert_non_null(strstr(s, "/var/lib/apt/lists/main"));
    assert_non_null(strstr(s, "Changed: 3 files"));
    assert_non_null(strstr(s, "apt-lists"));
    assert_non_null(strstr(s, "Shared layers: 1"));
    free(s);
    diff_free(d);
    model_free(&a.img.model);
    model_free(&b.img.model);
}

/* A name that is not UTF-8 and holds an escape sequence stays out of both reports raw. */
static void test_hostile_names(void **state)
{
    (void)state;
    struct fx a, b;
    build_a(&a);
    memset(&b, 0, sizeof b);
    model_init(&b.img.model);
    base_layer(&b.img.model);
    uint32_t bl = model_blob_begin(&b.img.model);
    add(&b.img.model, bl, "/evil\x1b[2J\xff", 3, REG, 0, NULL);
    model_blob_end(&b.img.model, bl);
    bl = model_blob_begin(&b.img.model);
    model_blob_end(&b.img.model, bl);
    fx_finish(&b, "b.tar", "RUN x", "RUN y", "sha256:x", "sha256:y");
    struct image_diff *d = diff_compute(&a.img, NULL, &b.img, NULL);
    assert_non_null(find(d->only_b, d->n_only_b, "/evil\x1b[2J\xff"));
    char *s = report(d, 0);
    assert_null(strchr(s, 0x1b));
    assert_non_null(strstr(s, "/evil\\x1b[2J\\xff"));
    free(s);
    s = report(d, 1);
    json_t *r = json_loads(s, 0, NULL);
    assert_non_null(r);
    json_decref(r);
    free(s);
    diff_free(d);
    model_free(&a.img.model);
    model_free(&b.img.model);
}

/* Two 200k-file trees with 1 in 10 files different: the walk is a merge, not a quadratic scan. */
static void test_many(void **state)
{
    (void)state;
    struct fx a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    model_init(&a.img.model);
    model_init(&b.img.model);
    enum { N = 200000 };
    char p[64];
    for (int s = 0; s < 2; s++) {
        struct model *m = s ? &b.img.model : &a.img.model;
        for (int l = 0; l < 3; l++) {
            uint32_t bl = model_blob_begin(m);
            if (l == 0)
                for (int i = 0; i < N; i++) {
                    snprintf(p, sizeof p, "/d%03d/f%06d", i % 997, i);
                    add(m, bl, p, (uint64_t)(i % 10 == 0 && s ? 2 : 1), REG, 0, NULL);
                }
            model_blob_end(m, bl);
        }
    }
    fx_finish(&a, "a", "x", "y", "1", "2");
    fx_finish(&b, "b", "x", "y", "3", "4");
    struct image_diff *d = diff_compute(&a.img, NULL, &b.img, NULL);
    assert_int_equal(d->n_changed, N / 10);
    assert_int_equal(d->n_only_a + d->n_only_b, 0);
    struct diff_tree *t = diff_tree_build(d);
    assert_int_equal(t->n, 2 + 997 + N);
    diff_tree_free(t);
    diff_free(d);
    model_free(&a.img.model);
    model_free(&b.img.model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_self_diff),
        cmocka_unit_test(test_tree),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_hostile_names),
        cmocka_unit_test(test_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
