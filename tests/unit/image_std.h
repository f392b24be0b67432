/* image_std.h: what the image tests (test_image*.c) share: a mkdtemp folder for the run
 * (setup, teardown), the standard image, built in each supported shape and checked against
 * the model it must give, and a sink that records what it is offered. Header-only, as
 * fixture_build.h.
 *
 * The standard image (three layers) exercises every whiteout kind:
 *   layer 0  etc/hosts(20) etc/old(12) bin/sh(16) bin/ls=hardlink bin/link->sh d/a(4) d/b(2)
 *   layer 1  etc/hosts(24, shadows) etc/.wh.old  d/ d/.wh..wh..opq d/c(7)  app/ app/.wh..wh..opq
 *            app/main.py(12)      (the opaque marker on the new app/ hides nothing)
 *   layer 2  .wh.d (rm -rf /d)    app/data.bin(33)
 * bytes: layers 54 + 43 + 33 = 130 = final 85 + shadowed 20 + deleted 25. */
#ifndef STRATA_IMAGE_STD_H
#define STRATA_IMAGE_STD_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

/* each test file uses some of these helpers, not all */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "tests/unit/fixture_build.h"
#include "src/image.h"
#include "src/layer.h"

static char *g_dir;   /* a mkdtemp folder for this run, removed at the end */

/* ------------------------------------------------------------------ the standard image */

#define HOSTS0 "127.0.0.1 localhost\n"
#define HOSTS1 "127.0.0.1 localhost app\n"
#define OLD "old secrets\n"
#define SH "ELF-shell-binary"
#define DA "aaaa"
#define DB "bb"
#define DC "ccccccc"
#define MAINPY "print('hi')\n"
#define DATA "0123456789abcdefghijklmnopqrstuvw"

static struct fx_buf std_layer(int i, int filter)
{
    if (i == 0)
        return fx_layer(filter, (struct fx_ent[]){
            FX_D("etc"), FX_F("etc/hosts", HOSTS0), FX_F("etc/old", OLD), FX_D("bin"),
            FX_F("bin/sh", SH), FX_H("bin/ls", "bin/sh"), FX_L("bin/link", "sh"), FX_D("d"),
            FX_F("d/a", DA), FX_F("d/b", DB), FX_END});
    if (i == 1)
        return fx_layer(filter, (struct fx_ent[]){
            FX_D("etc"), FX_F("etc/hosts", HOSTS1), FX_WH("etc/.wh.old"), FX_D("d"),
            FX_WH("d/.wh..wh..opq"), FX_F("d/c", DC), FX_D("app"), FX_WH("app/.wh..wh..opq"),
            FX_F("app/main.py", MAINPY), FX_END});
    return fx_layer(filter, (struct fx_ent[]){FX_WH(".wh.d"), FX_D("app"), FX_F("app/data.bin", DATA), FX_END});
}

/* BuildKit history with an empty CMD and ENV between the layers. */
static const char *STD_HISTORY =
    "[{\"created\":\"2024-01-01T00:00:00Z\",\"created_by\":\"/bin/sh -c #(nop) ADD file:abc in / \"},"
    "{\"created_by\":\"/bin/sh -c #(nop)  CMD [\\\"sh\\\"]\",\"empty_layer\":true},"
    "{\"created_by\":\"RUN /bin/sh -c apt-get update # buildkit\",\"comment\":\"buildkit.dockerfile.v0\"},"
    "{\"created_by\":\"ENV A=1\",\"empty_layer\":true},"
    "{\"created_by\":\"RUN |2 A=1 B=2 /bin/sh -c rm -rf /d # buildkit\",\"comment\":\"buildkit.dockerfile.v0\"}]";

static void std_image(struct fx_img *im, int f0, int f1, int f2)
{
    memset(im, 0, sizeof *im);
    fx_img_layer(im, std_layer(0, f0));
    fx_img_layer(im, std_layer(1, f1));
    fx_img_layer(im, std_layer(2, f2));
    fx_img_history(im, STD_HISTORY);
}

static uint32_t final_entry(const struct image *img, const char *path)
{
    uint32_t p = model_lookup(&img->model, path);
    return p ? img->model.path_final[p] : 0;
}

static void check_byte_rule(const struct model *m)
{
    assert_int_equal(m->layer_bytes, m->final_bytes + m->shadowed_bytes + m->deleted_bytes);
    uint64_t lb = 0;
    for (uint32_t L = 0; L < m->n_layers; L++)
        lb += m->layers[L].bytes;
    assert_int_equal(lb, m->layer_bytes);
}

/* Everything the standard image must give, whatever its shape. */
static void check_std_model(const struct image *img)
{
    const struct model *m = &img->model;
    assert_int_equal(img->n_layers, 3);
    assert_int_equal(m->n_layers, 3);
    check_byte_rule(m);
    assert_int_equal(m->layers[0].bytes, 54);
    assert_int_equal(m->layers[1].bytes, 43);
    assert_int_equal(m->layers[2].bytes, 33);
    assert_int_equal(m->layer_bytes, 130);
    assert_int_equal(m->final_bytes, 85);
    assert_int_equal(m->shadowed_bytes, 20);
    assert_int_equal(m->deleted_bytes, 25);
    assert_int_equal(m->layers[0].shadowed_bytes, 20);
    assert_int_equal(m->layers[0].deleted_bytes, 18);
    assert_int_equal(m->layers[1].deleted_bytes, 7);
    assert_int_equal(m->layers[0].files, 5);
    assert_int_equal(m->layers[1].removed, 3);      /* etc/old, d/a, d/b */
    assert_int_equal(m->layers[2].removed, 2);      /* d, d/c */
    assert_int_equal(m->final_files, 4);
    uint32_t e = final_entry(img, "/etc/hosts");
    assert_int_not_equal(e, 0);
    assert_int_equal(m->entries[e].size, 24);
    assert_int_equal(m->entries[e].layer, 1);
    assert_int_equal(final_entry(img, "/etc/old"), 0);
    assert_int_equal(final_entry(img, "/d"), 0);
    assert_int_equal(final_entry(img, "/d/c"), 0);
    assert_true(model_exists_at(m, model_lookup(m, "/d/a"), 0));
    assert_false(model_exists_at(m, model_lookup(m, "/d/a"), 1));
    assert_true(model_exists_at(m, model_lookup(m, "/d/c"), 1));
    e = final_entry(img, "/bin/ls");
    assert_int_not_equal(e, 0);
    assert_true(m->entries[e].flags & EF_HARDLINK);
    assert_int_equal(m->entries[e].size, 0);
    assert_string_equal(strpool_get(&m->names, m->ext[e].link), "bin/sh");
    e = final_entry(img, "/bin/link");
    assert_int_equal(m->entries[e].mode & 0170000, 0120000);
    assert_string_equal(strpool_get(&m->names, m->ext[e].link), "sh");
    assert_int_equal(m->entries[final_entry(img, "/app/data.bin")].size, 33);
    /* whiteout markers are not names of the image */
    assert_int_equal(model_lookup(m, "/etc/.wh.old"), 0);
    assert_int_equal(model_lookup(m, "/d/.wh..wh..opq"), 0);
    assert_int_equal(model_lookup(m, "/.wh.d"), 0);
    /* blob -> layer map agrees with the stacked layers */
    for (uint32_t b = 0; b < m->n_blobs; b++) {
        uint32_t L = img->blob_layer[b];
        if (L != UINT32_MAX)
            assert_int_equal(m->layers[L].first_entry, m->blobs[b].first_entry);
    }
}

static void check_std_history(const struct image *img)
{
    assert_int_equal(img->n_history, 5);
    assert_string_equal(img->history[0].instruction, "ADD file:abc in /");
    assert_string_equal(img->history[0].created, "2024-01-01T00:00:00Z");
    assert_string_equal(img->history[1].instruction, "CMD [\"sh\"]");
    assert_int_equal(img->history[1].layer, -1);
    assert_true(img->history[1].empty_layer);
    assert_string_equal(img->history[2].instruction, "RUN apt-get update");
    assert_string_equal(img->history[2].comment, "buildkit.dockerfile.v0");
    assert_string_equal(img->history[4].instruction, "RUN rm -rf /d");
    assert_string_equal(img->history[4].created_by, "RUN |2 A=1 B=2 /bin/sh -c rm -rf /d # buildkit");
    assert_int_equal(img->layers[0].history, 0);
    assert_int_equal(img->layers[1].history, 2);
    assert_int_equal(img->layers[2].history, 4);
    assert_string_equal(img->layers[1].instruction, "RUN apt-get update");
    assert_int_equal(img->history[4].layer, 2);
}

/* diff_ids come from the config, in manifest order */
static void check_diff_ids(const struct image *img, const struct fx_img *im)
{
    for (size_t i = 0; i < img->n_layers; i++) {
        char d[72];
        fx_diffid(&im->plat[0].layers[i], d);
        assert_string_equal(img->layers[i].diff_id, d);
    }
}

static int has_warning(const struct image *img, const char *needle)
{
    for (size_t i = 0; i < img->n_warnings; i++)
        if (strstr(img->warnings[i], needle))
            return 1;
    return 0;
}

static int open_ok(struct image *img, const char *path, const struct image_opts *o)
{
    struct image_opts dflt = {0};
    int rc = image_open(img, path, o ? o : &dflt);
    if (rc == RC_FATAL)
        fail_msg("image_open(%s): %s", path, img->err.msg);
    for (size_t i = 0; i < img->n_warnings && getenv("STRATA_TEST_VERBOSE"); i++)
        print_message("  warning: %s\n", img->warnings[i]);
    return rc;
}

/* Writes the standard image in `fmt`, opens it, checks the model and history. */
static void std_roundtrip(enum fx_format fmt, int outer, int f0, int f1, int f2, const char *name,
                          const char *want_format)
{
    struct fx_img im;
    std_image(&im, f0, f1, f2);
    char *path = fx_write(&im, fmt, outer, g_dir, name);
    struct image img;
    int rc = open_ok(&img, path, NULL);
    assert_int_equal(rc, RC_OK);
    assert_string_equal(image_format_name(img.format), want_format);
    check_std_model(&img);
    check_std_history(&img);
    check_diff_ids(&img, &im);
    int want[3] = {f0, f1, f2};
    for (int i = 0; i < 3; i++)
        assert_int_equal(img.layers[i].compression,
                         want[i] == FX_GZIP ? COMP_GZIP : want[i] == FX_ZSTD ? COMP_ZSTD : COMP_NONE);
    assert_string_equal(img.os, "linux");
    assert_string_equal(img.arch, "amd64");
    assert_string_equal(img.workdir, "/app");
    assert_string_equal(img.cmd, "[\"sh\"]");
    assert_int_equal(img.n_env, 1);
    image_close(&img);
    fx_img_free(&im);
    free(path);
}

static int setup(void **state)
{
    (void)state;
    g_dir = fx_tmpdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_tmpdir_free(g_dir);
    return 0;
}

/* A sink that records each file it is offered: its path, size, bytes, blob and entry. */
struct rec_file {
    char *path;
    uint64_t size;
    struct fx_buf seen;
    uint32_t blob, entry;
    int ended;
};
struct rec {
    struct rec_file f[64];
    size_t n;
    int open;
    const char *only;      /* want only this path, NULL: all */
    size_t offered;
};

static int rec_begin(void *ctx, const struct sink_file *f)
{
    struct rec *r = ctx;
    assert_false(r->open);
    r->offered++;
    if (r->only && strcmp(r->only, f->path) != 0)
        return 0;
    assert_true(r->n < 64);
    struct rec_file *rf = &r->f[r->n++];
    memset(rf, 0, sizeof *rf);
    rf->path = strdup(f->path);
    rf->size = f->size;
    rf->blob = f->blob;
    rf->entry = f->entry;
    assert_int_equal(f->mode & 0170000, 0100000);
    r->open = 1;
    return 1;
}
static void rec_data(void *ctx, const void *buf, size_t len)
{
    struct rec *r = ctx;
    assert_true(r->open);
    fx_buf_add(&r->f[r->n - 1].seen, buf, len);
}
static void rec_end(void *ctx)
{
    struct rec *r = ctx;
    assert_true(r->open);
    r->f[r->n - 1].ended = 1;
    r->open = 0;
}
static void rec_free(struct rec *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->f[i].path);
        fx_buf_free(&r->f[i].seen);
    }
    memset(r, 0, sizeof *r);
}

#pragma GCC diagnostic pop

#endif
