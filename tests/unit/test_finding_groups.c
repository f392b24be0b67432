/* test_finding_groups.c: the findings as groups (analysis/finding_groups.c) and the regular
 * expression filter on paths (analysis/path_filter.c), on an image built with libarchive's write
 * API (fixture_build.h), read and analysed as strata does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "analysis/analysis.h"
#include "analysis/finding_groups.h"
#include "analysis/path_filter.h"
#include "src/image.h"
#include "src/util.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "tests/unit/fixture_build.h"
#pragma GCC diagnostic pop

#define AKIA "AKIAZ7QK3M5T2RX4WB6P"

static char *g_dir;

struct loaded {
    struct image img;
    struct analysis *an;
    char *path;
};

/* Layer 0 writes a small system; layer 1 (an "apt-get upgrade") rewrites five of its files in
 * three folders; layer 2 deletes /tmp/x and /opt/data/{a,b}. */
static void load(struct loaded *l)
{
    struct fx_img im = {0};
    fx_img_layer(&im, fx_layer(FX_GZIP, (struct fx_ent[]){
        FX_D("usr"), FX_D("usr/lib"), FX_D("usr/lib/x86_64-linux-gnu"), FX_D("usr/bin"), FX_D("etc"),
        FX_D("tmp"), FX_D("opt"), FX_D("opt/data"),
        FX_F("usr/lib/x86_64-linux-gnu/liba.so.1", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        FX_F("usr/lib/x86_64-linux-gnu/libb.so.1", "bbbbbbbbbbbbbbbbbbbb"),
        FX_F("usr/lib/x86_64-linux-gnu/libc.so.6", "cccccccccc"),
        FX_F("usr/bin/perl", "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"),
        FX_F("etc/ld.so.cache", "ld"),
        FX_F("tmp/x", "xxxxx"),
        FX_F("opt/data/a", "123456"), FX_F("opt/data/b", "1234"),
        FX_F("etc/app.env", "AWS_ACCESS_KEY_ID=" AKIA "\n"),
        FX_END}));
    fx_img_layer(&im, fx_layer(FX_PLAIN, (struct fx_ent[]){
        FX_F("usr/lib/x86_64-linux-gnu/liba.so.1", "A"), FX_F("usr/lib/x86_64-linux-gnu/libb.so.1", "B"),
        FX_F("usr/lib/x86_64-linux-gnu/libc.so.6", "C"), FX_F("usr/bin/perl", "P"),
        FX_F("etc/ld.so.cache", "L"),
        FX_END}));
    fx_img_layer(&im, fx_layer(FX_PLAIN, (struct fx_ent[]){
        FX_WH("tmp/.wh.x"), FX_WH("opt/.wh.data"), FX_END}));
    fx_img_history(&im, "["
        "{\"created_by\":\"/bin/sh -c #(nop) ADD file:abc in / \"},"
        "{\"created_by\":\"/bin/sh -c apt-get upgrade -y\"},"
        "{\"created_by\":\"/bin/sh -c rm -rf /tmp/x /opt/data\"}]");
    l->path = fx_write(&im, FX_LEGACY, FX_PLAIN, g_dir, "groups.tar");
    fx_img_free(&im);
    struct analysis_opts ao = {0};
    l->an = analysis_new(&ao);
    struct sink sinks[8];
    struct image_opts io = {0};
    io.n_sinks = analysis_sinks(l->an, sinks, 8);
    io.sinks = sinks;
    assert_int_not_equal(image_open(&l->img, l->path, &io), RC_FATAL);
    analysis_run(l->an, &l->img);
}

static void unload(struct loaded *l)
{
    analysis_free(l->an);
    image_close(&l->img);
    unlink(l->path);
    free(l->path);
}

static uint32_t child_of_kind(const struct fgroups *g, uint32_t parent, int kind, int cls)
{
    for (uint32_t c = g->v[parent].first; c; c = g->v[c].next)
        if (g->v[c].kind == kind && (!cls || g->v[c].cls == cls))
            return c;
    return 0;
}

static uint32_t n_children(const struct fgroups *g, uint32_t parent)
{
    uint32_t n = 0;
    for (uint32_t c = g->v[parent].first; c; c = g->v[c].next)
        n++;
    return n;
}

static void test_groups_shape(void **state)
{
    (void)state;
    struct loaded l;
    load(&l);
    const struct model *m = &l.img.model;
    struct fgroups g;
    fgroups_build(&g, l.an, m, NULL);
    char buf[4096];

    /* the secrets come first, whatever their size */
    assert_int_equal(g.v[g.v[0].first].kind, FG_SECRETS);
    assert_true(g.v[g.v[0].first].count >= 1);

    /* the five rewritten files: one category, one row for layer 1 */
    uint32_t over = child_of_kind(&g, 0, FG_DEADCAT, FK_OVER);
    assert_int_not_equal(over, 0);
    assert_int_equal(n_children(&g, over), 1);
    uint32_t lay = g.v[over].first;
    assert_int_equal(g.v[lay].kind, FG_LAYER);
    assert_int_equal(g.v[lay].ref, 1);
    assert_int_equal(g.v[lay].count, 5);
    assert_int_equal(g.v[lay].bytes, 40 + 20 + 10 + 64 + 2);
    assert_int_equal(g.v[over].bytes, g.v[lay].bytes);

    /* under it: /usr (4 files) first, then /etc/ld.so.cache alone (a folder of one file is the
     * file) */
    uint32_t usr = g.v[lay].first;
    assert_int_equal(g.v[usr].kind, FG_FOLDER);
    assert_string_equal(fgroups_label(&g, l.an, m, usr, buf, sizeof buf), "/usr");
    assert_int_equal(g.v[usr].count, 4);
    uint32_t ld = g.v[usr].next;
    assert_int_equal(g.v[ld].kind, FG_DEAD);
    assert_string_equal(fgroups_label(&g, l.an, m, ld, buf, sizeof buf), "/etc/ld.so.cache");
    assert_int_equal(g.v[ld].next, 0);

    /* in /usr, largest first: lib/x86_64-linux-gnu as one row (a chain of single folders),
     * 70 B in 3 files, then bin/perl, 64 B (a folder of one file is the file) */
    uint32_t a = g.v[usr].first, b = g.v[a].next;
    assert_int_equal(g.v[a].kind, FG_FOLDER);
    assert_string_equal(fgroups_label(&g, l.an, m, a, buf, sizeof buf), "lib/x86_64-linux-gnu");
    assert_int_equal(g.v[a].count, 3);
    assert_int_equal(g.v[a].bytes, 70);
    assert_int_equal(g.v[b].kind, FG_DEAD);
    assert_string_equal(fgroups_label(&g, l.an, m, b, buf, sizeof buf), "bin/perl");
    assert_int_equal(g.v[b].bytes, 64);
    /* files inside, largest first, named from their folder */
    uint32_t f1 = g.v[a].first;
    assert_string_equal(fgroups_label(&g, l.an, m, f1, buf, sizeof buf), "liba.so.1");
    assert_true(g.v[f1].bytes >= g.v[g.v[f1].next].bytes);
    assert_int_equal(g.v[f1].depth, 4);

    /* deleted: layer 2, then /tmp/x (alone) and /opt/data with two files */
    uint32_t del = child_of_kind(&g, 0, FG_DEADCAT, FK_DEL);
    assert_int_not_equal(del, 0);
    uint32_t dl = g.v[del].first;
    assert_int_equal(g.v[dl].ref, 2);
    assert_int_equal(g.v[dl].count, 3);
    uint32_t data = g.v[dl].first;
    assert_string_equal(fgroups_label(&g, l.an, m, data, buf, sizeof buf), "/opt/data");
    assert_int_equal(g.v[data].bytes, 10);
    assert_string_equal(fgroups_label(&g, l.an, m, g.v[data].next, buf, sizeof buf), "/tmp/x");

    /* the categories after the secrets, largest first */
    for (uint32_t c = g.v[g.v[0].first].next; c && g.v[c].next; c = g.v[c].next)
        assert_true(g.v[c].bytes >= g.v[g.v[c].next].bytes);
    /* every group's parent comes before it and its depth is one more */
    for (uint32_t i = 1; i < g.n; i++) {
        assert_true(g.v[i].parent < i);
        if (g.v[i].parent)
            assert_int_equal(g.v[i].depth, g.v[g.v[i].parent].depth + 1);
    }
    fgroups_free(&g);
    unload(&l);
}

static void test_groups_empty(void **state)
{
    (void)state;
    struct model m;
    model_init(&m);
    struct fgroups g;
    fgroups_build(&g, NULL, &m, NULL);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.v[0].first, 0);
    fgroups_free(&g);
    model_free(&m);
}

static uint32_t node(const struct model *m, const char *path)
{
    uint32_t n = model_lookup(m, path);
    assert_int_not_equal(n, 0);
    return n;
}

static void test_path_filter(void **state)
{
    (void)state;
    struct loaded l;
    load(&l);
    const struct model *m = &l.img.model;
    char err[128] = "";

    /* a bad pattern: NULL and why */
    assert_null(path_filter_new("lib(", err, sizeof err));
    assert_true(strlen(err) > 0);

    /* anchored on the full path: the .so files, not their folders */
    struct path_filter *f = path_filter_new("\\.so(\\.[0-9]+)*$", err, sizeof err);
    assert_non_null(f);
    uint8_t *pass = xcalloc(m->n_paths, 1);
    assert_int_equal(path_filter_mark(f, m, pass), 3);
    assert_int_equal(pass[node(m, "/usr/lib/x86_64-linux-gnu/liba.so.1")], PF_SELF);
    assert_int_equal(pass[node(m, "/usr/lib/x86_64-linux-gnu/libc.so.6")], PF_SELF);
    assert_int_equal(pass[node(m, "/usr/lib")], PF_BELOW);
    assert_int_equal(pass[node(m, "/usr")], PF_BELOW);
    assert_int_equal(pass[node(m, "/usr/bin/perl")], 0);
    assert_int_equal(pass[node(m, "/etc/ld.so.cache")], 0);   /* ".so" not at the end */
    path_filter_free(f);

    /* a folder that matches brings everything under it */
    memset(pass, 0, m->n_paths);
    f = path_filter_new("^/opt/data$", err, sizeof err);
    assert_int_equal(path_filter_mark(f, m, pass), 3);
    assert_true(pass[node(m, "/opt/data/a")] & PF_SELF);
    assert_int_equal(pass[node(m, "/opt")], PF_BELOW);
    path_filter_free(f);

    /* smart case: lower case matches any case, an upper-case letter makes it exact */
    f = path_filter_new("PERL", err, sizeof err);
    assert_false(path_filter_match(f, "/usr/bin/perl", 13));
    path_filter_free(f);
    f = path_filter_new("perl", err, sizeof err);
    assert_true(path_filter_match(f, "/usr/bin/PERL", 13));
    path_filter_free(f);
    /* names are bytes: invalid UTF-8 does not stop the match */
    f = path_filter_new("x$", err, sizeof err);
    assert_true(path_filter_match(f, "/a\xff/x", 5));
    path_filter_free(f);

    free(pass);
    unload(&l);
}

int main(void)
{
    g_dir = fx_tmpdir();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups_shape),
        cmocka_unit_test(test_groups_empty),
        cmocka_unit_test(test_path_filter),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(g_dir);
    free(g_dir);
    return rc;
}
