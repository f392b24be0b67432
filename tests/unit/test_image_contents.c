/* test_image_contents.c: what a layer holds, read right (eStargz, long pax names, odd names, a
 * huge folder), and the sinks that see each file as the image is read, in both reading modes. */
#include "tests/unit/image_std.h"

/* ------------------------------------------------------------------ layer contents */

static void test_estargz_layer(void **state)
{
    (void)state;
    struct fx_img im = {0};
    fx_img_layer(&im, fx_layer(FX_GZIP, (struct fx_ent[]){
        FX_F(".prefetch.landmark", "x"), FX_D("bin"), FX_F("bin/tool", "tool!"),
        FX_F("stargz.index.json", "{\"version\":1,\"entries\":[]}"), FX_END}));
    fx_img_layer(&im, fx_layer(FX_PLAIN, (struct fx_ent[]){FX_F("stargz.index.json", "{}"), FX_END}));
    char *path = fx_write(&im, FX_OCI_ARCHIVE, FX_PLAIN, g_dir, "estargz.tar");
    struct image img;
    open_ok(&img, path, NULL);
    assert_true(img.layers[0].estargz);
    assert_int_equal(img.layers[0].compression, COMP_GZIP);
    assert_int_equal(img.model.layers[0].bytes, 5);
    assert_int_equal(img.model.layers[0].files, 1);
    /* only in a gzip layer is it eStargz metadata; a plain layer's file of that name is a file */
    assert_false(img.layers[1].estargz);
    assert_int_equal(img.model.layers[1].bytes, 2);
    assert_int_equal(img.model.entries[final_entry(&img, "/stargz.index.json")].layer, 1);
    check_byte_rule(&img.model);
    image_close(&img);
    fx_img_free(&im);
    free(path);
}

static void test_long_pax_names(void **state)
{
    (void)state;
    char *long150 = malloc(200), *long4k = malloc(5000);
    snprintf(long150, 200, "usr/share/%0140d.txt", 7);
    size_t n = 0;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(long4k + n, 5000 - n, "%s%099d", i ? "/" : "", i);
    strcat(long4k, "/leaf.bin");
    assert_true(strlen(long4k) > 4000);
    struct fx_img im = {0};
    fx_img_layer(&im, fx_layer(FX_PLAIN, (struct fx_ent[]){
        FX_F(long150, "long"), FX_F(long4k, "deep file"), FX_H("short-link", long4k), FX_END}));
    for (int outer = 0; outer < 2; outer++) {
        char *path = fx_write(&im, FX_LEGACY, outer ? FX_GZIP : FX_PLAIN, g_dir, outer ? "pax.tar.gz" : "pax.tar");
        struct image img;
        assert_int_equal(open_ok(&img, path, NULL), RC_OK);
        char *abs = fx_printf("/%s", long4k);
        uint32_t p = model_lookup(&img.model, abs);
        assert_int_not_equal(p, 0);
        char *back = malloc(8192);
        assert_string_equal(model_path_str(&img.model, p, back, 8192), abs);
        assert_int_equal(img.model.entries[img.model.path_final[p]].size, 9);
        assert_int_not_equal(final_entry(&img, long150), 0);
        uint32_t h = final_entry(&img, "/short-link");
        assert_string_equal(strpool_get(&img.model.names, img.model.ext[h].link), long4k);
        assert_int_equal(img.model.layer_bytes, 13);
        free(back);
        free(abs);
        image_close(&img);
        free(path);
    }
    fx_img_free(&im);
    free(long150);
    free(long4k);
}

static void test_odd_names_kept(void **state)
{
    (void)state;
    struct fx_img im = {0};
    fx_img_layer(&im, fx_layer(FX_PLAIN, (struct fx_ent[]){
        FX_F("ctl/\x1b[31mred\x07\n.txt", "esc"), FX_F("bad/\xff\xfe\xc3(.bin", "utf"),
        FX_F("../../etc/evil", "evil"), FX_F("/abs/path", "abs!"), FX_D("./"), FX_END}));
    for (int outer = 0; outer < 2; outer++) {
        char *path = fx_write(&im, FX_OCI_ARCHIVE, outer ? FX_GZIP : FX_PLAIN, g_dir, outer ? "odd.tar.gz" : "odd.tar");
        struct image img;
        assert_int_equal(open_ok(&img, path, NULL), RC_WARN);
        assert_true(has_warning(&img, "leave the image root"));
        assert_true(has_warning(&img, "2 names"));
        assert_int_not_equal(final_entry(&img, "/ctl/\x1b[31mred\x07\n.txt"), 0);
        assert_int_not_equal(final_entry(&img, "/bad/\xff\xfe\xc3(.bin"), 0);
        assert_int_not_equal(final_entry(&img, "/etc/evil"), 0);   /* kept inside the root */
        assert_int_not_equal(final_entry(&img, "/abs/path"), 0);
        assert_int_equal(img.model.layer_bytes, 3 + 3 + 4 + 4);
        check_byte_rule(&img.model);
        /* and no warning text carries a raw escape */
        for (size_t i = 0; i < img.n_warnings; i++)
            assert_null(strchr(img.warnings[i], '\x1b'));
        image_close(&img);
        free(path);
    }
    fx_img_free(&im);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One directory with N entries (the issue says a million; see BIG_N). */
#ifndef BIG_N
#define BIG_N 100000
#endif
static void test_huge_directory(void **state)
{
    (void)state;
    double t0 = now();
    struct fx_tar *t = fx_tar_new(FX_ZSTD);      /* zstd: much faster to write than gzip */
    fx_tar_dir(t, "big");
    char nm[64];
    for (int i = 0; i < BIG_N; i++) {
        snprintf(nm, sizeof nm, "big/f%07d", i);
        fx_tar_file(t, nm, "x", i % 10 == 0 ? 1 : 0);
    }
    struct fx_img im = {0};
    fx_img_layer(&im, fx_tar_end(t));
    fx_img_layer(&im, fx_layer(FX_PLAIN, (struct fx_ent[]){FX_WH("big/.wh.f0000000"), FX_END}));
    char *path = fx_write(&im, FX_OCI_ARCHIVE, FX_PLAIN, g_dir, "big.tar");
    double t1 = now();
    struct image img;
    assert_int_equal(open_ok(&img, path, NULL), RC_OK);
    double t2 = now();
    print_message("  %d entries: built in %.2fs, read in %.2fs\n", BIG_N, t1 - t0, t2 - t1);
    assert_int_equal(img.model.layers[0].entries, BIG_N + 1);
    assert_int_equal(img.model.layers[0].bytes, BIG_N / 10);
    assert_int_equal(img.model.deleted_bytes, 1);
    assert_int_equal(img.model.final_bytes, BIG_N / 10 - 1);
    assert_int_equal(img.model.path_final_files[model_lookup(&img.model, "/big")], BIG_N - 1);
    snprintf(nm, sizeof nm, "/big/f%07d", BIG_N - 1);
    assert_int_not_equal(final_entry(&img, nm), 0);
    check_byte_rule(&img.model);
    image_close(&img);
    fx_img_free(&im);
    free(path);
}

/* ------------------------------------------------------------------ sinks */

/* The regular files of the standard image, every version. */
static const char *STD_FILES[][2] = {
    {"/etc/hosts", HOSTS0}, {"/etc/old", OLD}, {"/bin/sh", SH}, {"/d/a", DA}, {"/d/b", DB},
    {"/etc/hosts", HOSTS1}, {"/d/c", DC}, {"/app/main.py", MAINPY}, {"/app/data.bin", DATA},
};

static void check_rec_std(const struct rec *r, const struct image *img)
{
    size_t nf = sizeof STD_FILES / sizeof *STD_FILES;
    assert_int_equal(r->n, nf);
    int used[16] = {0};
    for (size_t i = 0; i < r->n; i++) {
        const struct rec_file *f = &r->f[i];
        assert_true(f->ended);
        assert_int_equal(f->seen.len, f->size);
        int found = 0;
        for (size_t k = 0; k < nf && !found; k++)
            if (!used[k] && strcmp(STD_FILES[k][0], f->path) == 0 && f->size == strlen(STD_FILES[k][1]) &&
                memcmp(f->seen.p ? (char *)f->seen.p : "", STD_FILES[k][1], f->size) == 0)
                used[k] = found = 1;
        if (!found)
            fail_msg("sink saw unexpected %s (%llu bytes)", f->path, (unsigned long long)f->size);
        /* the entry it was told is this version of the file */
        const struct entry *en = &img->model.entries[f->entry];
        assert_int_equal(en->size, f->size);
        char p[256];
        assert_string_equal(model_path_str(&img->model, en->path, p, sizeof p), f->path);
        assert_int_equal(img->blob_layer[f->blob], en->layer);
    }
}

static void sink_roundtrip(enum fx_format fmt, int outer, const char *name)
{
    struct fx_img im;
    std_image(&im, FX_PLAIN, FX_GZIP, FX_ZSTD);
    char *path = fx_write(&im, fmt, outer, g_dir, name);
    struct rec r1 = {0}, r2 = {0};
    struct sink sinks[2] = {{.ctx = &r1, .file_begin = rec_begin, .file_data = rec_data, .file_end = rec_end}, {.ctx = &r2, .file_begin = rec_begin, .file_data = rec_data, .file_end = rec_end}};
    r2.only = "/app/data.bin";
    struct image_opts o = {.sinks = sinks, .n_sinks = 2};
    struct image img;
    assert_int_equal(open_ok(&img, path, &o), RC_OK);
    check_std_model(&img);
    check_rec_std(&r1, &img);
    assert_int_equal(r2.n, 1);
    assert_int_equal(r2.offered, 9);
    assert_int_equal(r2.f[0].seen.len, strlen(DATA));
    assert_memory_equal(r2.f[0].seen.p, DATA, strlen(DATA));
    image_close(&img);
    rec_free(&r1);
    rec_free(&r2);

    /* one sink wanting a single file: the others are skipped, the model is the same */
    struct rec r3 = {.only = "/etc/old"};
    struct sink one = {.ctx = &r3, .file_begin = rec_begin, .file_data = rec_data, .file_end = rec_end};
    struct image_opts o1 = {.sinks = &one, .n_sinks = 1};
    assert_int_equal(open_ok(&img, path, &o1), RC_OK);
    check_std_model(&img);
    assert_int_equal(r3.n, 1);
    assert_memory_equal(r3.f[0].seen.p, OLD, strlen(OLD));
    image_close(&img);
    rec_free(&r3);

    /* no_content: no sink is called at all */
    struct rec r4 = {0};
    struct sink s4 = {.ctx = &r4, .file_begin = rec_begin, .file_data = rec_data, .file_end = rec_end};
    struct image_opts o2 = {.sinks = &s4, .n_sinks = 1, .no_content = 1};
    assert_int_equal(open_ok(&img, path, &o2), RC_OK);
    check_std_model(&img);
    assert_int_equal(r4.n, 0);
    assert_int_equal(r4.offered, 0);
    image_close(&img);
    fx_img_free(&im);
    free(path);
}

static void test_sinks_seekable(void **state)
{
    (void)state;
    sink_roundtrip(FX_LEGACY, FX_PLAIN, "sink-legacy.tar");
    sink_roundtrip(FX_OCI_ARCHIVE, FX_PLAIN, "sink-oci.tar");
    sink_roundtrip(FX_OCI_DIR, FX_PLAIN, "sink-dir");
}

static void test_sinks_streaming(void **state)
{
    (void)state;
    sink_roundtrip(FX_LEGACY, FX_GZIP, "sink-legacy.tar.gz");
    sink_roundtrip(FX_OCI_NESTED, FX_ZSTD, "sink-nested.tar.zst");
}

/* Multi-platform, streaming: blobs are read as they come, before the manifest says which are
 * layers of the chosen image, so sinks may see files of the other platform. Their blob maps to
 * no layer (blob_layer == UINT32_MAX): analysis must drop those. The seekable path reads only
 * the chosen image's layers. */
static void test_sinks_unused_blobs(void **state)
{
    (void)state;
    struct fx_img im;
    std_image(&im, FX_GZIP, FX_GZIP, FX_GZIP);
    struct fx_plat *arm = fx_p(&im, 1);
    arm->os = "linux";
    arm->arch = "arm64";
    arm->layers[arm->n_layers++] = fx_layer(FX_GZIP, (struct fx_ent[]){FX_F("arm-only", "arm64!"), FX_END});
    for (int outer = 0; outer < 2; outer++) {
        char *path = fx_write(&im, FX_OCI_ARCHIVE, outer ? FX_GZIP : FX_PLAIN, g_dir,
                              outer ? "sink-multi.tar.gz" : "sink-multi.tar");
        struct rec r = {0};
        struct sink sk = {.ctx = &r, .file_begin = rec_begin, .file_data = rec_data, .file_end = rec_end};
        struct image_opts o = {.platform = "linux/amd64", .sinks = &sk, .n_sinks = 1};
        struct image img;
        assert_int_equal(open_ok(&img, path, &o), RC_OK);
        check_std_model(&img);
        size_t unused = 0;
        struct rec used = {0};
        for (size_t i = 0; i < r.n; i++) {
            if (img.blob_layer[r.f[i].blob] == UINT32_MAX) {
                unused++;
                assert_string_equal(r.f[i].path, "/arm-only");
                assert_true(img.model.entries[r.f[i].entry].flags & EF_UNUSED);
            } else {
                used.f[used.n++] = r.f[i];
            }
        }
        assert_int_equal(unused, outer ? 1 : 0);
        check_rec_std(&used, &img);
        image_close(&img);
        rec_free(&r);
        free(path);
    }
    fx_img_free(&im);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_estargz_layer),
        cmocka_unit_test(test_long_pax_names),
        cmocka_unit_test(test_odd_names_kept),
        cmocka_unit_test(test_huge_directory),
        cmocka_unit_test(test_sinks_seekable),
        cmocka_unit_test(test_sinks_streaming),
        cmocka_unit_test(test_sinks_unused_blobs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
