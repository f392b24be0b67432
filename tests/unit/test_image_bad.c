/* test_image_bad.c: broken input (not an image, truncated, corrupt layers, missing blobs, bad
 * JSON) gives a fatal error or a partial image that says what is missing; and the inputs the
 * fuzzers found (tests/fuzz/), kept as tests. */
#include "tests/unit/image_std.h"

/* ------------------------------------------------------------------ bad input */

/* Opens a broken image: RC_FATAL, a message naming the file and each `needles` string. */
static void expect_fatal(const char *path, const struct image_opts *o, ...)
{
    struct image img;
    struct image_opts dflt = {0};
    int rc = image_open(&img, path, o ? o : &dflt);
    if (rc != RC_FATAL)
        fail_msg("%s: expected RC_FATAL, got %d", path, rc);
    if (getenv("STRATA_TEST_VERBOSE"))
        print_message("  %s\n", img.err.msg);
    assert_true(img.err.set);
    assert_non_null(strstr(img.err.msg, path));
    va_list ap;
    va_start(ap, o);
    const char *needle;
    while ((needle = va_arg(ap, const char *)))
        if (!strstr(img.err.msg, needle))
            fail_msg("%s: message lacks \"%s\": %s", path, needle, img.err.msg);
    va_end(ap);
    image_close(&img);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    fx_write_file(path, p, n);
}

static void test_bad_not_an_image(void **state)
{
    (void)state;
    unsigned char rnd[8192];
    uint64_t x = 0x1234567;
    for (size_t i = 0; i < sizeof rnd; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        rnd[i] = (unsigned char)(x >> 56);
    }
    rnd[0] = 'R';
    char *p = fx_printf("%s/random.bin", g_dir);
    write_bytes(p, rnd, sizeof rnd);
    expect_fatal(p, NULL, NULL);
    free(p);
    p = fx_printf("%s/text.tar", g_dir);
    write_bytes(p, "hello, I am not a container image\n", 34);
    expect_fatal(p, NULL, NULL);
    free(p);
    p = fx_printf("%s/empty.tar", g_dir);
    write_bytes(p, "", 0);
    expect_fatal(p, NULL, "empty", NULL);
    free(p);
    p = fx_printf("%s/does-not-exist.tar", g_dir);
    expect_fatal(p, NULL, NULL);
    free(p);
    /* gzip of random bytes: the streaming path */
    struct fx_buf gz = fx_compress(FX_GZIP, rnd, sizeof rnd);
    p = fx_printf("%s/random.gz", g_dir);
    write_bytes(p, gz.p, gz.len);
    expect_fatal(p, NULL, NULL);
    fx_buf_free(&gz);
    free(p);
    /* tars without a manifest */
    const char *readme[] = {"README", "hello", "docs/x.json", "{\"a\":1}", NULL};
    for (int f = 0; f < 3; f++) {
        char *nm = fx_printf("no-manifest-%d.tar", f);
        p = fx_write_raw(g_dir, nm, f, readme);
        expect_fatal(p, NULL, "no manifest.json or index.json", NULL);
        free(p);
        free(nm);
    }
    /* an empty OCI directory */
    p = fx_printf("%s/empty-dir", g_dir);
    fx_mkdirs(p);
    expect_fatal(p, NULL, NULL);
    free(p);
}

/* Opens an image with one damaged layer: RC_WARN, img.partial, that layer's error naming each
 * `needles` string, a warning naming the file and the layer, every other layer whole, and totals
 * that add up over what was read. */
static void expect_partial(const char *path, const struct image_opts *o, size_t layer, ...)
{
    struct image img;
    struct image_opts dflt = {0};
    int rc = image_open(&img, path, o ? o : &dflt);
    if (rc != RC_WARN)
        fail_msg("%s: expected RC_WARN, got %d (%s)", path, rc, img.err.msg);
    assert_true(img.partial);
    assert_true(layer < img.n_layers);
    for (size_t i = 0; i < img.n_layers; i++)
        if ((i == layer) != (img.layers[i].error != NULL))
            fail_msg("%s: layer %zu: error \"%s\"", path, i, img.layers[i].error ? img.layers[i].error : "(none)");
    if (getenv("STRATA_TEST_VERBOSE"))
        print_message("  %s\n", img.layers[layer].error);
    va_list ap;
    va_start(ap, layer);
    const char *needle;
    while ((needle = va_arg(ap, const char *)))
        if (!strstr(img.layers[layer].error, needle))
            fail_msg("%s: layer error lacks \"%s\": %s", path, needle, img.layers[layer].error);
    va_end(ap);
    char want[64];
    snprintf(want, sizeof want, "layer %zu (sha256:", layer);
    int named = 0;
    for (size_t i = 0; i < img.n_warnings; i++)
        named |= strstr(img.warnings[i], path) && strstr(img.warnings[i], want);
    if (!named)
        fail_msg("%s: no warning names the file and \"%s\"", path, want);
    assert_true(img.model.stacked);
    assert_true(img.model.layer_bytes == img.model.final_bytes + img.model.shadowed_bytes +
                                         img.model.deleted_bytes);
    image_close(&img);
}

static void test_bad_truncated(void **state)
{
    (void)state;
    struct fx_img im;
    std_image(&im, FX_PLAIN, FX_PLAIN, FX_PLAIN);
    /* outer tar cut in the middle: plain, gzip and zstd outer */
    for (int f = 0; f < 3; f++) {
        char *nm = fx_printf("whole-%d.tar", f);
        char *p = fx_write(&im, FX_LEGACY, f, g_dir, nm);
        struct fx_buf b = fx_read_file(p);
        for (int cut = 1; cut < 4; cut++) {
            char *q = fx_printf("%s/truncated-outer-%d-%d.tar", g_dir, f, cut);
            write_bytes(q, b.p, b.len * (size_t)cut / 4);
            expect_fatal(q, NULL, NULL);
            free(q);
        }
        fx_buf_free(&b);
        free(p);
        free(nm);
    }
    fx_img_free(&im);

    /* a gzip layer cut in half (the outer tar is whole) */
    std_image(&im, FX_GZIP, FX_GZIP, FX_GZIP);
    struct fx_buf *l1 = &im.plat[0].layers[1];
    l1->len /= 2;
    const enum fx_format fmts[] = {FX_KANIKO, FX_OCI_ARCHIVE};
    for (int k = 0; k < 2; k++)
        for (int outer = 0; outer < 2; outer++) {
            char *nm = fx_printf("truncated-gzip-layer-%d-%d.tar", k, outer);
            char *p = fx_write(&im, fmts[k], outer ? FX_GZIP : FX_PLAIN, g_dir, nm);
            expect_partial(p, NULL, 1, "truncated gzip stream", NULL);
            free(p);
            free(nm);
        }
    fx_img_free(&im);

    /* a tar cut short inside a whole gzip or zstd stream: the tar is what is truncated */
    for (int zf = 0; zf < 2; zf++) {
        std_image(&im, FX_PLAIN, FX_PLAIN, FX_PLAIN);
        struct fx_buf *pl = &im.plat[0].layers[1];
        struct fx_buf c = fx_compress(zf ? FX_ZSTD : FX_GZIP, pl->p, pl->len - pl->len / 3);
        fx_buf_free(pl);
        *pl = c;
        for (int outer = 0; outer < 2; outer++) {
            char *nm = fx_printf("truncated-tar-in-whole-%s-%d.tar", zf ? "zstd" : "gzip", outer);
            char *p = fx_write(&im, FX_OCI_ARCHIVE, outer ? FX_GZIP : FX_PLAIN, g_dir, nm);
            expect_partial(p, NULL, 1, "truncated tar archive", zf ? "zstd stream itself is whole"
                                                                   : "gzip stream itself is whole", NULL);
            free(p);
            free(nm);
        }
        fx_img_free(&im);
    }

    /* a zstd layer cut short, and one with garbage after a good start */
    std_image(&im, FX_PLAIN, FX_ZSTD, FX_PLAIN);
    im.plat[0].layers[1].len = im.plat[0].layers[1].len * 2 / 3;
    for (int outer = 0; outer < 2; outer++) {
        char *nm = fx_printf("truncated-zstd-layer-%d.tar", outer);
        char *p = fx_write(&im, FX_OCI_ARCHIVE, outer ? FX_ZSTD : FX_PLAIN, g_dir, nm);
        expect_partial(p, NULL, 1, "truncated zstd stream", NULL);
        free(p);
        free(nm);
    }
    fx_img_free(&im);
}

static void test_bad_corrupt_layers(void **state)
{
    (void)state;
    struct fx_img im;
    /* zstd magic, then garbage */
    std_image(&im, FX_PLAIN, FX_PLAIN, FX_PLAIN);
    fx_buf_free(&im.plat[0].layers[2]);
    struct fx_buf z = fx_layer(FX_ZSTD, (struct fx_ent[]){FX_F("a", "some content here"), FX_END});
    for (size_t i = 6; i < z.len - 4; i++)
        z.p[i] ^= 0x5a;
    im.plat[0].layers[2] = z;
    for (int outer = 0; outer < 2; outer++) {
        char *nm = fx_printf("corrupt-zstd-%d.tar", outer);
        char *p = fx_write(&im, FX_OCI_ARCHIVE, outer ? FX_GZIP : FX_PLAIN, g_dir, nm);
        expect_partial(p, NULL, 2, "corrupt zstd stream", NULL);
        free(p);
        free(nm);
    }
    /* a gzip layer with a corrupt deflate stream */
    fx_buf_free(&im.plat[0].layers[2]);
    struct fx_buf g = fx_layer(FX_GZIP, (struct fx_ent[]){FX_F("a", "some content here"), FX_END});
    for (size_t i = 12; i < g.len - 8; i++)
        g.p[i] ^= 0xa5;
    im.plat[0].layers[2] = g;
    for (int outer = 0; outer < 2; outer++) {
        char *nm = fx_printf("corrupt-gzip-%d.tar", outer);
        char *p = fx_write(&im, FX_OCI_ARCHIVE, outer ? FX_GZIP : FX_PLAIN, g_dir, nm);
        expect_partial(p, NULL, 2, "corrupt gzip stream", NULL);
        free(p);
        free(nm);
    }
    fx_img_free(&im);

    /* a layer that is not a tar */
    std_image(&im, FX_PLAIN, FX_PLAIN, FX_PLAIN);
    fx_buf_free(&im.plat[0].layers[1]);
    im.plat[0].layers[1] = (struct fx_buf){0};
    for (int i = 0; i < 40; i++)
        fx_buf_add(&im.plat[0].layers[1], "this is not a tar archive, just some text\n", 42);
    const enum fx_format fmts[] = {FX_LEGACY, FX_OCI_ARCHIVE, FX_OCI_DIR};
    for (int k = 0; k < 3; k++)
        for (int outer = 0; outer < (fmts[k] == FX_OCI_DIR ? 1 : 2); outer++) {
            char *nm = fx_printf("layer-not-tar-%d-%d%s", k, outer, fmts[k] == FX_OCI_DIR ? "" : ".tar");
            char *p = fx_write(&im, fmts[k], outer ? FX_GZIP : FX_PLAIN, g_dir, nm);
            /* a docker-archive member has no digest: the message names the diff_id */
            expect_partial(p, NULL, 1, "not a tar archive", NULL);
            free(p);
            free(nm);
        }
    /* a layer that looks like JSON (a blob mistaken for a manifest) */
    fx_buf_free(&im.plat[0].layers[1]);
    im.plat[0].layers[1] = fx_buf_str("{\"not\": \"a layer\"}");
    for (int outer = 0; outer < 2; outer++) {
        char *nm = fx_printf("layer-json-%d.tar", outer);
        char *p = fx_write(&im, FX_OCI_ARCHIVE, outer ? FX_GZIP : FX_PLAIN, g_dir, nm);
        expect_partial(p, NULL, 1, "not a tar archive", NULL);
        free(p);
        free(nm);
    }
    fx_img_free(&im);
}

static void test_bad_missing_blobs(void **state)
{
    (void)state;
    struct fx_img im;
    std_image(&im, FX_PLAIN, FX_PLAIN, FX_PLAIN);
    const enum fx_format fmts[] = {FX_LEGACY, FX_BUILDAH, FX_KANIKO, FX_DOCKER25, FX_OCI_ARCHIVE, FX_OCI_NESTED, FX_OCI_DIR};
    for (size_t k = 0; k < sizeof fmts / sizeof *fmts; k++)
        for (int outer = 0; outer < (fmts[k] == FX_OCI_DIR ? 1 : 2); outer++) {
            im.drop_layer = 2;
            char *nm = fx_printf("missing-layer-%zu-%d", k, outer);
            char *p = fx_write(&im, fmts[k], outer ? FX_GZIP : FX_PLAIN, g_dir, nm);
            expect_fatal(p, NULL, "layer 1", "not in the image", NULL);
            free(p);
            free(nm);
            im.drop_layer = 0;
            im.drop_config = 1;
            nm = fx_printf("missing-config-%zu-%d", k, outer);
            p = fx_write(&im, fmts[k], outer ? FX_GZIP : FX_PLAIN, g_dir, nm);
            expect_fatal(p, NULL, "config", NULL);
            free(p);
            free(nm);
            im.drop_config = 0;
        }
    /* index naming a manifest that is not there */
    im.index_override = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                        "\"digest\":\"sha256:abababababababababababababababababababababababababababababababab\",\"size\":1}]}";
    char *p = fx_write(&im, FX_OCI_ARCHIVE, FX_PLAIN, g_dir, "missing-manifest.tar");
    expect_fatal(p, NULL, "sha256/abab", NULL);
    free(p);
    im.index_override = "{\"schemaVersion\":2,\"manifests\":[]}";
    p = fx_write(&im, FX_OCI_ARCHIVE, FX_PLAIN, g_dir, "empty-index.tar");
    expect_fatal(p, NULL, "no manifests", NULL);
    free(p);
    im.index_override = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}]}";
    p = fx_write(&im, FX_OCI_ARCHIVE, FX_PLAIN, g_dir, "no-digest.tar");
    expect_fatal(p, NULL, NULL);
    free(p);
    fx_img_free(&im);
}

static char *deep_json(int levels, const char *open, const char *close, const char *inner)
{
    struct fx_buf b = {0};
    for (int i = 0; i < levels; i++)
        fx_buf_add(&b, open, strlen(open));
    fx_buf_add(&b, inner, strlen(inner));
    for (int i = 0; i < levels; i++)
        fx_buf_add(&b, close, strlen(close));
    return (char *)b.p;
}

static void test_bad_json(void **state)
{
    (void)state;
    struct fx_img im;
    std_image(&im, FX_PLAIN, FX_PLAIN, FX_PLAIN);
    char *deep = deep_json(10000, "[", "]", "");
    char *deep_obj = deep_json(10000, "{\"a\":", "}", "1");
    struct {
        enum fx_format fmt;
        const char *manifest, *index, *config;
        const char *needle;
    } cases[] = {
        {FX_LEGACY, "[{\"Config\": \"x.json\", \"Layers\": [", NULL, NULL, "manifest"},
        {FX_LEGACY, "not json at all", NULL, NULL, "manifest"},
        {FX_LEGACY, "{\"Config\":\"x.json\",\"Layers\":[]}", NULL, NULL, "manifest.json"},
        {FX_LEGACY, "[]", NULL, NULL, "manifest.json"},
        {FX_LEGACY, "[1]", NULL, NULL, "manifest.json"},
        {FX_LEGACY, "[{\"Config\":\"x.json\",\"Layers\":7}]", NULL, NULL, "manifest.json"},
        {FX_LEGACY, "[{\"Config\":7,\"Layers\":[]}]", NULL, NULL, "manifest.json"},
        {FX_LEGACY, "[{\"Config\":\"x.json\",\"Layers\":[1,2]}]", NULL, NULL, NULL},
        {FX_LEGACY, deep, NULL, NULL, "manifest"},
        {FX_LEGACY, deep_obj, NULL, NULL, "manifest"},
        {FX_DOCKER25, deep, NULL, NULL, "manifest"},
        {FX_OCI_ARCHIVE, NULL, "{\"manifests\": [", NULL, "index"},
        {FX_OCI_ARCHIVE, NULL, deep, NULL, "index"},
        {FX_OCI_ARCHIVE, NULL, "{\"manifests\": 3}", NULL, "index"},
        {FX_OCI_ARCHIVE, NULL, "[1,2,3]", NULL, "index"},
        {FX_OCI_ARCHIVE, NULL, NULL, "{\"rootfs\": [", "config"},
        {FX_OCI_ARCHIVE, NULL, NULL, "[1, 2]", "config"},
        {FX_OCI_ARCHIVE, NULL, NULL, deep, "config"},
        {FX_LEGACY, NULL, NULL, "{\"history\": ", "config"},
        {FX_KANIKO, NULL, NULL, deep_obj, "config"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int outer = 0; outer < 2; outer++) {
            im.manifest_override = cases[i].manifest;
            im.index_override = cases[i].index;
            free(im.plat[0].config);
            im.plat[0].config = cases[i].config ? strdup(cases[i].config) : NULL;
            char *nm = fx_printf("bad-json-%zu-%d.tar", i, outer);
            char *p = fx_write(&im, cases[i].fmt, outer ? FX_GZIP : FX_PLAIN, g_dir, nm);
            expect_fatal(p, NULL, cases[i].needle, NULL);
            free(p);
            free(nm);
        }
    free(deep);
    free(deep_obj);
    fx_img_free(&im);
}

/* A config that is valid JSON but odd: things missing or of the wrong type are shown empty. */
static void test_config_odd_but_valid(void **state)
{
    (void)state;
    struct fx_img im;
    std_image(&im, FX_PLAIN, FX_PLAIN, FX_PLAIN);
    im.plat[0].config = strdup("{\"config\": 5, \"rootfs\": {\"diff_ids\": \"nope\"}, \"history\": {}, \"os\": 1}");
    char *p = fx_write(&im, FX_OCI_ARCHIVE, FX_PLAIN, g_dir, "odd-config.tar");
    struct image img;
    assert_int_equal(open_ok(&img, p, NULL), RC_WARN);
    assert_true(has_warning(&img, "diff_ids"));
    check_std_model(&img);
    assert_string_equal(img.os, "");
    assert_string_equal(img.user, "");
    assert_string_equal(img.layers[0].diff_id, "");
    assert_int_equal(img.n_history, 0);
    image_close(&img);
    fx_img_free(&im);
    free(p);
}

/* ------------------------------------------------------------------ fuzzer finds (tests/fuzz/) */

/* A raw ustar header block, for damage libarchive's writer will not make. */
static void raw_hdr(struct fx_buf *b, const char *name, char type, size_t size)
{
    unsigned char h[512] = {0};
    memcpy(h, name, strlen(name));
    memcpy(h + 100, "0000644", 8);
    memcpy(h + 108, "0000000", 8);
    memcpy(h + 116, "0000000", 8);
    char num[24];
    snprintf(num, sizeof num, "%011zo", size & 077777777777);
    memcpy(h + 124, num, 12);
    memcpy(h + 136, "00000000000", 12);
    h[156] = (unsigned char)type;
    memcpy(h + 257, "ustar\0" "00", 8);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf(num, sizeof num, "%06o", sum & 0777777);
    memcpy(h + 148, num, 7);
    fx_buf_add(b, h, 512);
}

/* A body padded to whole blocks. */
static void raw_body(struct fx_buf *b, const void *p, size_t n)
{
    static const unsigned char zero[512];
    fx_buf_add(b, p, n);
    fx_buf_add(b, zero, (512 - n % 512) % 512);
}

/* One layer "pax records, then the file f = abc", in the standard image's layer 2. */
static void open_pax_layer(const char *records, const char *name, int want_damaged)
{
    struct fx_buf l = {0};
    static const unsigned char end[1024];
    raw_hdr(&l, "PaxHeaders/f", 'x', strlen(records));
    raw_body(&l, records, strlen(records));
    raw_hdr(&l, "f", '0', 3);
    raw_body(&l, "abc", 3);
    fx_buf_add(&l, end, sizeof end);
    struct fx_img im;
    std_image(&im, FX_PLAIN, FX_PLAIN, FX_PLAIN);
    fx_buf_free(&im.plat[0].layers[2]);
    im.plat[0].layers[2] = l;
    for (int outer = 0; outer < 2; outer++)
        for (int nc = 0; nc < 2; nc++) {
            char *nm = fx_printf("%s-%d-%d.tar", name, outer, nc);
            char *p = fx_write(&im, FX_OCI_ARCHIVE, outer ? FX_GZIP : FX_PLAIN, g_dir, nm);
            struct rec r = {0};
            struct sink sk = {.ctx = &r, .file_begin = rec_begin, .file_data = rec_data, .file_end = rec_end};
            struct image_opts o = {.no_content = nc, .sinks = &sk, .n_sinks = 1};
            if (want_damaged) {
                expect_partial(p, &o, 2, "corrupt tar header", NULL);
            } else {
                struct image img;
                assert_int_not_equal(image_open(&img, p, &o), RC_FATAL);
                assert_true(model_exists_at(&img.model, model_lookup(&img.model, "/f"), 2));
                image_close(&img);
            }
            rec_free(&r);
            free(p);
            free(nm);
        }
    fx_img_free(&im);
}

/* pax records whose LEN is shorter than its own digits ("00005 path=x"): the key started past
 * the record's end and memchr read off the buffer (SEGV). Such records are ignored. */
static void test_fuzz_pax_short_record(void **state)
{
    (void)state;
    open_pax_layer("00005 path=/x\n", "fuzz-pax-short", 0);
    open_pax_layer("00005 pathx\n", "fuzz-pax-short2", 0);
}

/* A pax size of -1 was taken as 2^64-1 bytes: the padding after it wrapped the bytes to skip to
 * zero, so the walker read the body as headers and the model held a file of 2^64-1 bytes. */
static void test_fuzz_pax_negative_size(void **state)
{
    (void)state;
    open_pax_layer("11 size=-1\n", "fuzz-pax-negsize", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_not_an_image),
        cmocka_unit_test(test_bad_truncated),
        cmocka_unit_test(test_bad_corrupt_layers),
        cmocka_unit_test(test_bad_missing_blobs),
        cmocka_unit_test(test_bad_json),
        cmocka_unit_test(test_config_odd_but_valid),
        cmocka_unit_test(test_fuzz_pax_short_record),
        cmocka_unit_test(test_fuzz_pax_negative_size),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
