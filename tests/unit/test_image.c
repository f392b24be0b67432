/* test_image.c: every image shape built with libarchive's write API (fixture_build.h), opened
 * with image_open() and checked against the model it must give; sinks; broken input.
 *
 * The standard image (three layers) exercises every whiteout kind:
 *   layer 0  etc/hosts(20) etc/old(12) bin/sh(16) bin/ls=hardlink bin/link->sh d/a(4) d/b(2)
 *   layer 1  etc/hosts(24, shadows) etc/.wh.old  d/ d/.wh..wh..opq d/c(7)  app/ app/.wh..wh..opq
 *            app/main.py(12)      (the opaque marker on the new app/ hides nothing)
 *   layer 2  .wh.d (rm -rf /d)    app/data.bin(33)
 * bytes: layers 54 + 43 + 33 = 130 = final 85 + shadowed 20 + deleted 25. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

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

static int setup(void **state)
{
    (void)state;
    g_dir = fx_tmpdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!getenv("STRATA_KEEP_FIXTURES"))
        fx_rm_rf(g_dir);
    else
        fprintf(stderr, "fixtures kept in %s\n", g_dir);
    free(g_dir);
    return 0;
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
        cmocka_unit_test(test_estargz_layer),
        cmocka_unit_test(test_long_pax_names),
        cmocka_unit_test(test_odd_names_kept),
        cmocka_unit_test(test_huge_directory),
        cmocka_unit_test(test_sinks_seekable),
        cmocka_unit_test(test_sinks_streaming),
        cmocka_unit_test(test_sinks_unused_blobs),
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
