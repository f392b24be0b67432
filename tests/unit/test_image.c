/* test_image.c: every image shape (docker-archive, OCI archive and layout, buildah, kaniko,
 * Docker 25, nested indexes and platforms, outer compression, repeated and empty layers) built
 * with libarchive's write API (fixture_build.h), opened with image_open() and checked against
 * the model it must give (image_std.h); history dialects. */
#include "tests/unit/image_std.h"

/* ------------------------------------------------------------------ formats */

static void test_legacy_docker_archive(void **state)
{
    (void)state;
    struct fx_img im;
    std_image(&im, FX_PLAIN, FX_PLAIN, FX_PLAIN);
    char *path = fx_write(&im, FX_LEGACY, FX_PLAIN, g_dir, "legacy.tar");
    struct image img;
    struct image_progress prog = {0};
    struct image_opts o = {.progress = &prog};
    assert_int_equal(open_ok(&img, path, &o), RC_OK);
    assert_int_equal(img.format, FMT_DOCKER_ARCHIVE);
    assert_int_equal(img.n_tags, 1);
    assert_string_equal(img.tags[0], "app:1");
    assert_int_equal(strncmp(img.config_digest, "sha256:", 7), 0);
    assert_int_equal(strlen(img.config_digest), 71);
    check_std_model(&img);
    check_std_history(&img);
    check_diff_ids(&img, &im);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(img.layers[i].compression, COMP_NONE);
        assert_int_equal(img.layers[i].compressed_bytes, im.plat[0].layers[i].len);
        assert_non_null(strstr(img.layers[i].digest, "/layer.tar"));
    }
    assert_int_equal(atomic_load(&prog.layers_total), 3);
    assert_int_equal(atomic_load(&prog.layers_done), 3);
    assert_int_equal(atomic_load(&prog.done), 1);
    assert_int_equal(atomic_load(&prog.bytes_done), atomic_load(&prog.bytes_total));
    image_close(&img);
    fx_img_free(&im);
    free(path);
}

static void test_buildah_symlinked_layers(void **state)
{
    (void)state;
    struct fx_img im;
    std_image(&im, FX_PLAIN, FX_PLAIN, FX_PLAIN);
    fx_img_history(&im, "[{\"created_by\":\"/bin/sh -c #(nop) ADD file:abc in / \",\"comment\":\"FROM 1234\"},"
                        "{\"created_by\":\"/bin/sh -c #(nop) CMD [\\\"sh\\\"]\",\"empty_layer\":true},"
                        "{\"created_by\":\"/bin/sh -c apt-get update\"},"
                        "{\"created_by\":\"/bin/sh -c #(nop) WORKDIR /app\",\"empty_layer\":true},"
                        "{\"created_by\":\"/bin/sh -c rm -rf /d\"}]");
    char *path = fx_write(&im, FX_BUILDAH, FX_PLAIN, g_dir, "buildah.tar");
    struct image img;
    assert_int_equal(open_ok(&img, path, NULL), RC_OK);
    assert_int_equal(img.format, FMT_DOCKER_ARCHIVE);
    assert_string_equal(img.tags[0], "docker.io/library/app:1");
    check_std_model(&img);
    check_diff_ids(&img, &im);
    assert_string_equal(img.history[1].instruction, "CMD [\"sh\"]");
    assert_string_equal(img.history[2].instruction, "RUN apt-get update");
    assert_string_equal(img.history[3].instruction, "WORKDIR /app");
    assert_string_equal(img.layers[2].instruction, "RUN rm -rf /d");
    assert_string_equal(img.history[0].comment, "FROM 1234");
    image_close(&img);
    /* the same through the streaming path: symlinks are followed there too */
    free(path);
    path = fx_write(&im, FX_BUILDAH, FX_GZIP, g_dir, "buildah.tar.gz");
    assert_int_equal(open_ok(&img, path, NULL), RC_OK);
    check_std_model(&img);
    image_close(&img);
    fx_img_free(&im);
    free(path);
}

static void test_kaniko_gzip_layers(void **state)
{
    (void)state;
    struct fx_img im;
    std_image(&im, FX_GZIP, FX_GZIP, FX_GZIP);
    fx_img_history(&im, "[{\"created_by\":\"bazel build ...\",\"author\":\"Bazel\"},"
                        "{\"created_by\":\"RUN apt-get update\",\"author\":\"kaniko\"},"
                        "{\"created_by\":\"COPY app /app\",\"author\":\"kaniko\"}]");
    char *path = fx_write(&im, FX_KANIKO, FX_PLAIN, g_dir, "kaniko.tar");
    struct image img;
    assert_int_equal(open_ok(&img, path, NULL), RC_OK);
    assert_int_equal(img.format, FMT_DOCKER_ARCHIVE);
    check_std_model(&img);
    check_diff_ids(&img, &im);
    for (int i = 0; i < 3; i++)
        assert_int_equal(img.layers[i].compression, COMP_GZIP);
    char *cfg = fx_config_json(&im.plat[0]);
    char hex[65];
    fx_hex(cfg, strlen(cfg), hex);
    free(cfg);
    assert_string_equal(img.config_digest + 7, hex);
    assert_string_equal(img.layers[1].instruction, "RUN apt-get update");
    assert_string_equal(img.layers[2].instruction, "COPY app /app");
    assert_string_equal(img.history[1].author, "kaniko");
    image_close(&img);
    fx_img_free(&im);
    free(path);
}

static void test_docker25_save(void **state)
{
    (void)state;
    std_roundtrip(FX_DOCKER25, FX_PLAIN, FX_PLAIN, FX_PLAIN, FX_PLAIN, "d25.tar", "docker-save-oci");
    /* containerd image store: gzip layers */
    std_roundtrip(FX_DOCKER25, FX_PLAIN, FX_GZIP, FX_GZIP, FX_GZIP, "d25gz.tar", "docker-save-oci");
    struct fx_img im;
    std_image(&im, FX_PLAIN, FX_PLAIN, FX_PLAIN);
    char *path = fx_write(&im, FX_DOCKER25, FX_PLAIN, g_dir, "d25t.tar");
    struct image img;
    open_ok(&img, path, NULL);
    /* tags from manifest.json, the index annotation not added again */
    assert_int_equal(img.n_tags, 1);
    assert_string_equal(img.tags[0], "app:1");
    assert_int_equal(strncmp(img.layers[0].digest, "sha256:", 7), 0);
    image_close(&img);
    fx_img_free(&im);
    free(path);
}

static void test_oci_archive(void **state)
{
    (void)state;
    std_roundtrip(FX_OCI_ARCHIVE, FX_PLAIN, FX_PLAIN, FX_PLAIN, FX_PLAIN, "oci-plain.tar", "oci-archive");
    std_roundtrip(FX_OCI_ARCHIVE, FX_PLAIN, FX_GZIP, FX_GZIP, FX_GZIP, "oci-gzip.tar", "oci-archive");
    std_roundtrip(FX_OCI_ARCHIVE, FX_PLAIN, FX_ZSTD, FX_ZSTD, FX_ZSTD, "oci-zstd.tar", "oci-archive");
    /* mixed within one image */
    std_roundtrip(FX_OCI_ARCHIVE, FX_PLAIN, FX_ZSTD, FX_PLAIN, FX_GZIP, "oci-mixed.tar", "oci-archive");
    struct fx_img im;
    std_image(&im, FX_PLAIN, FX_PLAIN, FX_PLAIN);
    char *path = fx_write(&im, FX_OCI_ARCHIVE, FX_PLAIN, g_dir, "oci-tag.tar");
    struct image img;
    open_ok(&img, path, NULL);
    assert_int_equal(img.n_tags, 1);
    assert_string_equal(img.tags[0], "app:1");
    assert_int_equal(img.n_platforms, 1);
    assert_string_equal(img.platforms[0].arch, "amd64");
    image_close(&img);
    fx_img_free(&im);
    free(path);
}

static void test_oci_nested_index_skips_attestation(void **state)
{
    (void)state;
    std_roundtrip(FX_OCI_NESTED, FX_PLAIN, FX_GZIP, FX_GZIP, FX_GZIP, "nested.tar", "oci-archive");
    std_roundtrip(FX_OCI_NESTED, FX_GZIP, FX_GZIP, FX_GZIP, FX_GZIP, "nested.tar.gz", "oci-archive");
    struct fx_img im;
    std_image(&im, FX_GZIP, FX_GZIP, FX_GZIP);
    char *path = fx_write(&im, FX_OCI_NESTED, FX_PLAIN, g_dir, "nested-t.tar");
    struct image img;
    assert_int_equal(open_ok(&img, path, NULL), RC_OK);
    assert_int_equal(img.n_tags, 1);
    assert_string_equal(img.tags[0], "docker.io/library/app:1");
    /* the attestation is not offered as a platform */
    for (size_t i = 0; i < img.n_platforms; i++)
        assert_string_not_equal(img.platforms[i].os, "unknown");
    image_close(&img);
    fx_img_free(&im);
    free(path);
}

static void test_multi_platform(void **state)
{
    (void)state;
    struct fx_img im;
    std_image(&im, FX_GZIP, FX_GZIP, FX_GZIP);
    im.plat[0].os = "linux";
    im.plat[0].arch = "amd64";
    struct fx_plat *arm = fx_p(&im, 1);
    arm->os = "linux";
    arm->arch = "arm64";
    arm->variant = "v8";
    arm->layers[arm->n_layers++] = fx_layer(FX_GZIP, (struct fx_ent[]){FX_F("arm-only", "arm64!"), FX_END});
    arm->history = strdup("[{\"created_by\":\"COPY arm-only /\"}]");
    for (int outer = 0; outer < 2; outer++) {
        char *path = fx_write(&im, FX_OCI_ARCHIVE, outer ? FX_GZIP : FX_PLAIN, g_dir,
                              outer ? "multi.tar.gz" : "multi.tar");
        struct image img;
        struct image_opts o = {.platform = "linux/arm64"};
        assert_int_equal(open_ok(&img, path, &o), RC_OK);
        assert_string_equal(img.arch, "arm64");
        assert_string_equal(img.variant, "v8");
        assert_int_equal(img.n_layers, 1);
        assert_int_not_equal(final_entry(&img, "/arm-only"), 0);
        assert_int_equal(final_entry(&img, "/etc/hosts"), 0);
        assert_int_equal(img.model.final_bytes, 6);
        check_byte_rule(&img.model);
        assert_int_equal(img.n_platforms, 2);
        assert_string_equal(img.layers[0].instruction, "COPY arm-only /");
        image_close(&img);

        o.platform = "linux/arm64/v8";
        assert_int_equal(open_ok(&img, path, &o), RC_OK);
        assert_string_equal(img.arch, "arm64");
        image_close(&img);

        o.platform = "linux/amd64";
        assert_int_equal(open_ok(&img, path, &o), RC_OK);
        check_std_model(&img);
        image_close(&img);

        o.platform = "linux/s390x";
        assert_int_equal(image_open(&img, path, &o), RC_FATAL);
        assert_non_null(strstr(img.err.msg, path));
        assert_non_null(strstr(img.err.msg, "linux/s390x"));
        assert_non_null(strstr(img.err.msg, "linux/amd64"));
        assert_non_null(strstr(img.err.msg, "linux/arm64/v8"));
        image_close(&img);

        /* no choice: the host's platform if offered, else the first; a warning says so */
        o.platform = NULL;
        int rc = open_ok(&img, path, &o);
        assert_int_equal(rc, RC_WARN);
        assert_true(has_warning(&img, "--platform"));
        assert_int_equal(img.n_layers, strcmp(img.arch, "arm64") == 0 ? 1 : 3);
        image_close(&img);
        free(path);
    }
    fx_img_free(&im);
}

/* index.json -> image index -> one manifest per platform (+ an attestation), as `buildah
 * manifest push --all --format oci` and containerd's docker save write it: the platforms of the
 * inner index are listed and --platform picks one (it once said "has: none with a platform"). */
static void test_nested_index_platforms(void **state)
{
    (void)state;
    struct fx_img im;
    std_image(&im, FX_GZIP, FX_GZIP, FX_GZIP);
    im.plat[0].os = "linux";
    im.plat[0].arch = "amd64";
    struct fx_plat *arm = fx_p(&im, 1);
    arm->os = "linux";
    arm->arch = "arm64";
    arm->variant = "v8";
    arm->layers[arm->n_layers++] = fx_layer(FX_GZIP, (struct fx_ent[]){FX_F("arm-only", "arm64!"), FX_END});
    arm->history = strdup("[{\"created_by\":\"COPY arm-only /\"}]");
    for (int outer = 0; outer < 2; outer++) {
        char *path = fx_write(&im, FX_OCI_NESTED, outer ? FX_ZSTD : FX_PLAIN, g_dir,
                              outer ? "nested-multi.tar.zst" : "nested-multi.tar");
        struct image img;
        struct image_opts o = {.platform = "linux/arm64"};
        assert_int_equal(open_ok(&img, path, &o), RC_OK);
        assert_string_equal(img.arch, "arm64");
        assert_int_equal(img.n_layers, 1);
        assert_int_not_equal(final_entry(&img, "/arm-only"), 0);
        assert_int_equal(img.n_platforms, 2);   /* the attestation is not one */
        assert_string_equal(img.platforms[0].arch, "amd64");
        assert_string_equal(img.platforms[1].arch, "arm64");
        image_close(&img);

        o.platform = "linux/aarch64/8";   /* uname's and containerd's spellings */
        assert_int_equal(open_ok(&img, path, &o), RC_OK);
        assert_string_equal(img.arch, "arm64");
        image_close(&img);

        o.platform = "linux/x86_64";
        assert_int_equal(open_ok(&img, path, &o), RC_OK);
        check_std_model(&img);
        image_close(&img);

        o.platform = "linux/arm64/v7";
        assert_int_equal(image_open(&img, path, &o), RC_FATAL);
        assert_non_null(strstr(img.err.msg, "no image for platform linux/arm64/v7 (has: linux/amd64, linux/arm64/v8)"));
        image_close(&img);

        o.platform = NULL;
        assert_int_equal(open_ok(&img, path, &o), RC_WARN);
        assert_true(has_warning(&img, "2 platforms in the index"));
        image_close(&img);
        free(path);
    }
    fx_img_free(&im);
}

/* --platform on an image of one platform: checked against its config, an error when it differs
 * (it used to be ignored silently). */
static void test_single_platform_checked(void **state)
{
    (void)state;
    static const int fmts[] = {FX_LEGACY, FX_BUILDAH, FX_KANIKO, FX_DOCKER25, FX_OCI_ARCHIVE, FX_OCI_NESTED};
    for (size_t k = 0; k < sizeof fmts / sizeof *fmts; k++) {
        struct fx_img im;
        std_image(&im, FX_GZIP, FX_PLAIN, FX_GZIP);
        char name[32];
        snprintf(name, sizeof name, "single-%zu.tar", k);
        char *path = fx_write(&im, (enum fx_format)fmts[k], FX_PLAIN, g_dir, name);
        struct image img;
        struct image_opts o = {.platform = "linux/amd64"};
        assert_int_equal(open_ok(&img, path, &o), RC_OK);
        image_close(&img);
        o.platform = "linux/arm64";
        assert_int_equal(image_open(&img, path, &o), RC_FATAL);
        if (!strstr(img.err.msg, "no image for platform linux/arm64 (has: linux/amd64)"))
            fail_msg("format %d: %s", fmts[k], img.err.msg);
        image_close(&img);
        fx_img_free(&im);
        free(path);
    }
}

/* Progress on an outer .gz/.zst stream follows the compressed bytes read, also inside one big
 * layer (it used to stay at the first header's offset until the layer was done). A sink notes
 * bytes_done as each file of the one layer begins. */
struct prog_probe {
    struct image_progress *prog;
    uint64_t seen[64];
    int n;
};

static int probe_begin(void *ctx, const struct sink_file *f)
{
    struct prog_probe *p = ctx;
    (void)f;
    if (p->n < 64)
        p->seen[p->n++] = atomic_load(&p->prog->bytes_done);
    return 0;
}

static void test_outer_stream_progress(void **state)
{
    (void)state;
    enum { NF = 32, FSZ = 256 * 1024 };
    char *bodies[NF];
    char names[NF][16];
    struct fx_ent ents[NF + 1];
    uint32_t x = 12345;
    for (int i = 0; i < NF; i++) {
        bodies[i] = xmalloc(FSZ + 1);
        for (int k = 0; k < FSZ; k++) {   /* printable noise: gzip keeps most of it */
            x = x * 1103515245u + 12345u;
            bodies[i][k] = (char)('A' + (x >> 16) % 58);
        }
        bodies[i][FSZ] = 0;
        snprintf(names[i], sizeof names[i], "f%02d", i);
        ents[i] = (struct fx_ent)FX_F(names[i], bodies[i]);
    }
    ents[NF] = (struct fx_ent)FX_END;
    static const int outers[] = {FX_GZIP, FX_ZSTD};
    for (int o = 0; o < 2; o++) {
        struct fx_img im = {0};
        fx_img_layer(&im, fx_layer(FX_PLAIN, ents));
        char *path = fx_write(&im, FX_LEGACY, outers[o], g_dir, o ? "progress.tar.zst" : "progress.tar.gz");
        struct image img;
        struct image_progress prog = {0};
        struct prog_probe probe = {.prog = &prog};
        struct sink sk = {.ctx = &probe, .file_begin = probe_begin};
        struct image_opts op = {.progress = &prog, .sinks = &sk, .n_sinks = 1};
        assert_int_equal(open_ok(&img, path, &op), RC_OK);
        uint64_t total = atomic_load(&prog.bytes_total);
        assert_int_equal(probe.n, NF);
        assert_true(total > (uint64_t)NF * FSZ / 2);   /* the compressed size, known up front */
        for (int i = 1; i < NF; i++)
            assert_true(probe.seen[i] >= probe.seen[i - 1]);
        if (!(probe.seen[0] < total / 4 && probe.seen[NF - 1] > total / 2))
            fail_msg("outer %s: progress at the first file %llu, at the last %llu, of %llu",
                     o ? "zstd" : "gzip", (unsigned long long)probe.seen[0],
                     (unsigned long long)probe.seen[NF - 1], (unsigned long long)total);
        assert_int_equal(atomic_load(&prog.bytes_done), total);
        image_close(&img);
        fx_img_free(&im);
        free(path);
    }
    for (int i = 0; i < NF; i++)
        free(bodies[i]);
}

static void test_oci_layout_dir(void **state)
{
    (void)state;
    std_roundtrip(FX_OCI_DIR, FX_PLAIN, FX_GZIP, FX_ZSTD, FX_PLAIN, "layout-dir", "oci-layout");
}

/* Outer tar gzipped / zstd'ed: the streaming path must give the same model. */
static void test_outer_compressed(void **state)
{
    (void)state;
    std_roundtrip(FX_LEGACY, FX_GZIP, FX_PLAIN, FX_PLAIN, FX_PLAIN, "legacy.tar.gz", "docker-archive");
    std_roundtrip(FX_LEGACY, FX_ZSTD, FX_PLAIN, FX_PLAIN, FX_PLAIN, "legacy.tar.zst", "docker-archive");
    std_roundtrip(FX_KANIKO, FX_GZIP, FX_GZIP, FX_GZIP, FX_GZIP, "kaniko.tar.gz", "docker-archive");
    std_roundtrip(FX_DOCKER25, FX_ZSTD, FX_PLAIN, FX_PLAIN, FX_PLAIN, "d25.tar.zst", "docker-save-oci");
    std_roundtrip(FX_OCI_ARCHIVE, FX_GZIP, FX_ZSTD, FX_PLAIN, FX_GZIP, "oci-mixed.tar.gz", "oci-archive");
    std_roundtrip(FX_OCI_ARCHIVE, FX_ZSTD, FX_GZIP, FX_ZSTD, FX_PLAIN, "oci-mixed.tar.zst", "oci-archive");
}

/* The same blob as two layers of one image (e.g. two identical COPY layers). */
static void test_repeated_layer_blob(void **state)
{
    (void)state;
    struct fx_img im = {0};
    fx_img_layer(&im, fx_layer(FX_GZIP, (struct fx_ent[]){FX_F("same", "12345"), FX_END}));
    fx_img_layer(&im, fx_layer(FX_GZIP, (struct fx_ent[]){FX_F("other", "ab"), FX_END}));
    fx_img_layer(&im, fx_buf_copy(&im.plat[0].layers[0]));
    for (int outer = 0; outer < 2; outer++) {
        char *path = fx_write(&im, FX_OCI_ARCHIVE, outer ? FX_GZIP : FX_PLAIN, g_dir,
                              outer ? "rep.tar.gz" : "rep.tar");
        struct image img;
        open_ok(&img, path, NULL);
        assert_int_equal(img.n_layers, 3);
        check_byte_rule(&img.model);
        assert_int_equal(img.model.layer_bytes, 12);
        assert_int_equal(img.model.final_bytes, 7);
        assert_int_equal(img.model.shadowed_bytes, 5);
        assert_int_equal(img.model.entries[final_entry(&img, "/same")].layer, 2);
        image_close(&img);
        free(path);
    }
    fx_img_free(&im);
}

/* Empty layers: an empty tar (classic WORKDIR writes 1024 zero bytes), the 32-byte-ish empty
 * gzip layer, and an empty zstd layer. */
static void test_empty_layers(void **state)
{
    (void)state;
    struct fx_img im = {0};
    fx_img_layer(&im, fx_layer(FX_PLAIN, (struct fx_ent[]){FX_F("a", "aa"), FX_END}));
    fx_img_layer(&im, fx_layer(FX_PLAIN, (struct fx_ent[]){FX_END}));
    fx_img_layer(&im, fx_layer(FX_GZIP, (struct fx_ent[]){FX_END}));
    fx_img_layer(&im, fx_layer(FX_ZSTD, (struct fx_ent[]){FX_END}));
    assert_int_equal(im.plat[0].layers[1].len, 1024);
    for (int outer = 0; outer < 3; outer++) {
        char *nm = fx_printf("empty-layers-%d.tar", outer);
        char *path = fx_write(&im, FX_OCI_ARCHIVE, outer, g_dir, nm);
        struct image img;
        assert_int_equal(open_ok(&img, path, NULL), RC_OK);
        assert_int_equal(img.n_layers, 4);
        assert_int_equal(img.model.layer_bytes, 2);
        assert_int_equal(img.model.final_bytes, 2);
        for (int i = 1; i < 4; i++)
            assert_int_equal(img.model.layers[i].n_entries, 0);
        assert_int_equal(img.layers[2].compression, COMP_GZIP);
        assert_int_equal(img.layers[3].compression, COMP_ZSTD);
        image_close(&img);
        free(path);
        free(nm);
    }
    fx_img_free(&im);
}

/* A layer blob of zero bytes: no entries, in both paths alike. */
static void test_zero_byte_layer(void **state)
{
    (void)state;
    struct fx_img im = {0};
    fx_img_layer(&im, fx_layer(FX_PLAIN, (struct fx_ent[]){FX_F("a", "aa"), FX_END}));
    fx_img_layer(&im, (struct fx_buf){0});
    int rcs[2];
    for (int outer = 0; outer < 2; outer++) {
        char *path = fx_write(&im, FX_OCI_ARCHIVE, outer ? FX_GZIP : FX_PLAIN, g_dir,
                              outer ? "zero-layer.tar.gz" : "zero-layer.tar");
        struct image img;
        struct image_opts o = {0};
        rcs[outer] = image_open(&img, path, &o);
        if (rcs[outer] == RC_FATAL)
            print_message("  zero-byte layer, %s outer: %s\n", outer ? "gzip" : "plain", img.err.msg);
        else
            assert_int_equal(img.model.layer_bytes, 2);
        image_close(&img);
        free(path);
    }
    /* whatever the answer, the seekable and streaming paths must agree */
    assert_int_equal(rcs[0], rcs[1]);
    fx_img_free(&im);
}

/* docker save may store an identical layer once and hard-link the other member to it. */
static void test_hardlinked_outer_member(void **state)
{
    (void)state;
    struct fx_buf l0 = fx_layer(FX_PLAIN, (struct fx_ent[]){FX_F("a", "12345"), FX_END});
    struct fx_buf l1 = fx_layer(FX_PLAIN, (struct fx_ent[]){FX_F("b", "xy"), FX_END});
    char d0[72], d1[72];
    fx_diffid(&l0, d0);
    fx_diffid(&l1, d1);
    char *cfg = fx_printf("{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\","
                          "\"diff_ids\":[\"%s\",\"%s\",\"%s\"]}}", d0, d1, d0);
    const char *man = "[{\"Config\":\"c.json\",\"RepoTags\":[\"x:1\"],"
                      "\"Layers\":[\"L0/layer.tar\",\"L1/layer.tar\",\"L2/layer.tar\"]}]";
    for (int outer = 0; outer < 2; outer++) {
        char *path = fx_printf("%s/hardlinked%s", g_dir, outer ? ".tar.gz" : ".tar");
        struct fx_tar *t = fx_tar_new(outer ? FX_GZIP : FX_PLAIN);
        fx_tar_file(t, "L0/layer.tar", l0.p, l0.len);
        fx_tar_file(t, "L1/layer.tar", l1.p, l1.len);
        fx_tar_hardlink(t, "L2/layer.tar", "L0/layer.tar");
        fx_tar_file(t, "c.json", cfg, strlen(cfg));
        fx_tar_file(t, "manifest.json", man, strlen(man));
        struct fx_buf b = fx_tar_end(t);
        fx_write_file(path, b.p, b.len);
        fx_buf_free(&b);
        struct image img;
        assert_int_equal(open_ok(&img, path, NULL), RC_OK);
        assert_int_equal(img.n_layers, 3);
        assert_int_equal(img.model.layer_bytes, 12);
        assert_int_equal(img.model.shadowed_bytes, 5);
        assert_int_equal(img.model.entries[final_entry(&img, "/a")].layer, 2);
        check_byte_rule(&img.model);
        image_close(&img);
        free(path);
    }
    fx_buf_free(&l0);
    fx_buf_free(&l1);
    free(cfg);
}

/* ------------------------------------------------------------------ history */

static void test_history_dialects(void **state)
{
    (void)state;
    static const char *cases[][2] = {
        {"/bin/sh -c #(nop)  CMD [\"bash\"]", "CMD [\"bash\"]"},
        {"/bin/sh -c #(nop) CMD [\"bash\"]", "CMD [\"bash\"]"},
        {"/bin/sh -c #(nop) ADD file:4b03b5f551e3fbdf47ec609712007327828f7530cc3455c43bbcdcaf449a75a9 in / ",
         "ADD file:4b03b5f551e3fbdf47ec609712007327828f7530cc3455c43bbcdcaf449a75a9 in /"},
        {"/bin/sh -c apt-get update && apt-get install -y gcc", "RUN apt-get update && apt-get install -y gcc"},
        {"RUN /bin/sh -c x # buildkit", "RUN x"},
        {"RUN |2 A=1 B=2 /bin/sh -c cmd # buildkit", "RUN cmd"},
        {"RUN |1 TOKEN=s3cr3t /bin/sh -c make # buildkit", "RUN make"},
        {"COPY app /app # buildkit", "COPY app /app"},
        {"WORKDIR /app", "WORKDIR /app"},
        {"RUN apt-get update", "RUN apt-get update"},     /* kaniko */
        /* BuildKit's EXPOSE prints Go's map of ports */
        {"EXPOSE map[8000/tcp:{}]", "EXPOSE 8000/tcp"},
        {"EXPOSE map[443/tcp:{} 53/udp:{} 80/tcp:{}]", "EXPOSE 443/tcp 53/udp 80/tcp"},
        {"EXPOSE map[]", "EXPOSE"},
        {"/bin/sh -c #(nop)  EXPOSE map[8080/tcp:{}]", "EXPOSE 8080/tcp"},
        {"/bin/sh -c #(nop)  EXPOSE 8080/tcp", "EXPOSE 8080/tcp"},
        /* the classic builder and buildah: a RUN with build arguments has no RUN word */
        {"|2 user2=2 user=1 /bin/sh -c echo $user", "RUN echo $user"},
        {"|1 TOKEN=s3cr3t /bin/sh -c make install", "RUN make install"},
        {"|x not a count", "|x not a count"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = history_instruction(cases[i][0]);
        assert_string_equal(got, cases[i][1]);
        free(got);
    }
    char *got = history_instruction(NULL);
    assert_string_equal(got, "");
    free(got);
}

static void test_history_missing_or_short(void **state)
{
    (void)state;
    struct fx_img im;
    std_image(&im, FX_PLAIN, FX_PLAIN, FX_PLAIN);
    fx_img_history(&im, NULL);
    char *path = fx_write(&im, FX_OCI_ARCHIVE, FX_PLAIN, g_dir, "nohist.tar");
    struct image img;
    assert_int_equal(open_ok(&img, path, NULL), RC_OK);
    assert_int_equal(img.n_history, 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(img.layers[i].history, -1);
        assert_string_equal(img.layers[i].instruction, "");
    }
    check_std_model(&img);
    image_close(&img);
    free(path);

    /* one layer entry (and an empty one) for three layers: a warning, nothing invented */
    fx_img_history(&im, "[{\"created_by\":\"/bin/sh -c #(nop) ADD file:x in / \"},"
                        "{\"created_by\":\"/bin/sh -c #(nop)  ENV A=1\",\"empty_layer\":true}]");
    path = fx_write(&im, FX_OCI_ARCHIVE, FX_PLAIN, g_dir, "shorthist.tar");
    assert_int_equal(open_ok(&img, path, NULL), RC_WARN);
    assert_true(has_warning(&img, "history names 1 layers"));
    assert_int_equal(img.n_history, 2);
    assert_int_equal(img.layers[0].history, 0);
    assert_int_equal(img.layers[1].history, -1);
    assert_int_equal(img.layers[2].history, -1);
    assert_string_equal(img.layers[2].instruction, "");
    assert_string_equal(img.history[1].instruction, "ENV A=1");
    check_std_model(&img);
    image_close(&img);
    free(path);

    /* history entries that are not objects are kept as empty items */
    fx_img_history(&im, "[1, \"x\", null, {\"created_by\":\"RUN a\"}]");
    path = fx_write(&im, FX_OCI_ARCHIVE, FX_PLAIN, g_dir, "oddhist.tar");
    open_ok(&img, path, NULL);
    assert_int_equal(img.n_history, 4);
    assert_int_equal(img.layers[0].history, 0);
    assert_string_equal(img.layers[2].instruction, "");
    assert_int_equal(img.layers[2].history, 2);
    image_close(&img);
    fx_img_free(&im);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_legacy_docker_archive),
        cmocka_unit_test(test_buildah_symlinked_layers),
        cmocka_unit_test(test_kaniko_gzip_layers),
        cmocka_unit_test(test_docker25_save),
        cmocka_unit_test(test_oci_archive),
        cmocka_unit_test(test_oci_nested_index_skips_attestation),
        cmocka_unit_test(test_multi_platform),
        cmocka_unit_test(test_nested_index_platforms),
        cmocka_unit_test(test_single_platform_checked),
        cmocka_unit_test(test_outer_stream_progress),
        cmocka_unit_test(test_oci_layout_dir),
        cmocka_unit_test(test_outer_compressed),
        cmocka_unit_test(test_repeated_layer_blob),
        cmocka_unit_test(test_empty_layers),
        cmocka_unit_test(test_zero_byte_layer),
        cmocka_unit_test(test_hardlinked_outer_member),
        cmocka_unit_test(test_history_dialects),
        cmocka_unit_test(test_history_missing_or_short),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
