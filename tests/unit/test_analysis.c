/* test_analysis.c: waste rules, dead bytes, duplicates, packages, secrets orchestration, config.
 * Models are built by hand (model_add_entry ... model_stack) and contents fed to the analysis
 * sink as the reader would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "analysis/advice.h"
#include "analysis/analysis.h"
#include "analysis/analysis_int.h"
#include "analysis/report.h"
#include "analysis/secrets.h"
#include "src/image.h"
#include "src/model.h"
#include "src/util.h"

#define MAXL 8

struct tb {
    struct image img;
    struct analysis *a;
    struct sink sk;
    int has_sink;
    uint32_t blob[MAXL];
    int n_layers, cur;          /* blobs are opened in layer order: entries of one blob are contiguous */
    char *instr[MAXL];
};

static void tb_init(struct tb *t, int n_layers, const struct analysis_opts *o)
{
    memset(t, 0, sizeof *t);
    struct analysis_opts def = {0};
    t->a = analysis_new(o ? o : &def);
    t->has_sink = analysis_sinks(t->a, &t->sk, 1) == 1;
    model_init(&t->img.model);
    t->n_layers = n_layers;
    t->cur = -1;
}

static uint32_t tb_blob(struct tb *t, int layer)
{
    assert_true(layer >= t->cur && layer < t->n_layers);
    while (t->cur < layer) {
        if (t->cur >= 0)
            model_blob_end(&t->img.model, t->blob[t->cur]);
        t->blob[++t->cur] = model_blob_begin(&t->img.model);
    }
    return t->blob[layer];
}

static uint32_t tb_file(struct tb *t, int layer, const char *path, const char *data, uint64_t size)
{
    struct model *m = &t->img.model;
    uint32_t p = model_intern_path(m, path, strlen(path));
    if (data && !size)
        size = strlen(data);
    uint32_t e = model_add_entry(m, tb_blob(t, layer), p, size, 0100644, 0, 0, 0, 0, NULL);
    if (data && t->has_sink) {
        struct sink_file f = {t->blob[layer], e, path, size, 0100644};
        if (t->sk.file_begin(t->sk.ctx, &f)) {
            t->sk.file_data(t->sk.ctx, data, strlen(data));
            t->sk.file_end(t->sk.ctx);
        }
    }
    return e;
}

static void tb_whiteout(struct tb *t, int layer, const char *path)
{
    struct model *m = &t->img.model;
    uint32_t p = model_intern_path(m, path, strlen(path));
    model_add_entry(m, tb_blob(t, layer), p, 0, 0100644, EF_WHITEOUT, 0, 0, 0, NULL);
}

static void tb_run(struct tb *t, const char **instr)
{
    struct model *m = &t->img.model;
    uint32_t order[MAXL];
    tb_blob(t, t->n_layers - 1);
    model_blob_end(m, t->blob[t->n_layers - 1]);
    for (int i = 0; i < t->n_layers; i++)
        order[i] = t->blob[i];
    assert_int_equal(model_stack(m, order, (uint32_t)t->n_layers), RC_OK);
    t->img.n_layers = (size_t)t->n_layers;
    t->img.layers = calloc((size_t)t->n_layers, sizeof *t->img.layers);
    t->img.n_history = (size_t)t->n_layers;
    t->img.history = calloc((size_t)t->n_layers, sizeof *t->img.history);
    for (int i = 0; i < t->n_layers; i++) {
        const char *in = instr && instr[i] ? instr[i] : "COPY . /app";
        t->instr[i] = xstrdup(in);
        t->img.layers[i].instruction = t->instr[i];
        t->img.layers[i].history = i;
        t->img.history[i].created_by = t->instr[i];
        t->img.history[i].instruction = t->instr[i];
        t->img.history[i].layer = i;
    }
    int rc = analysis_run(t->a, &t->img);
    assert_true(rc == RC_OK || rc == RC_WARN);
}

static void tb_free(struct tb *t)
{
    analysis_free(t->a);
    model_free(&t->img.model);
    free(t->img.layers);
    free(t->img.history);
    for (int i = 0; i < t->n_layers; i++)
        free(t->instr[i]);
}

static const struct waste_cat *cat(const struct analysis *a, const char *id)
{
    for (size_t i = 0; i < a->n_cats; i++)
        if (strcmp(a->cats[i].id, id) == 0)
            return &a->cats[i];
    return NULL;
}

/* ------------------------------------------------------------------ waste rules */

struct wcase { const char *path; uint64_t size; const char *want; };

static const struct wcase wcases[] = {
    {"/var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease", 1000, "apt-lists"},
    {"/var/cache/apt/archives/curl_8.0_amd64.deb", 1000, "apt-cache"},
    {"/var/cache/apt/pkgcache.bin", 1000, "apt-cache"},
    {"/var/cache/apk/APKINDEX.tar.gz", 1000, "apk-cache"},
    {"/etc/apk/cache/x.apk", 1000, "apk-cache"},
    {"/var/cache/yum/x86_64/repomd.xml", 1000, "yum-cache"},
    {"/var/cache/dnf/repo.solv", 1000, "dnf-cache"},
    {"/var/cache/libdnf5/x.solv", 1000, "dnf-cache"},
    {"/var/cache/zypp/raw/x", 1000, "zypper-cache"},
    {"/root/.cache/pip/http/a/b", 1000, "pip-cache"},
    {"/home/app/.cache/pip/wheels/x.whl", 1000, "pip-cache"},
    {"/root/.npm/_cacache/index-v5/x", 1000, "npm-cache"},
    {"/usr/local/share/.cache/yarn/v6/x", 1000, "yarn-cache"},
    {"/home/node/.cache/yarn/v6/x", 1000, "yarn-cache"},
    {"/usr/local/cargo/registry/cache/x.crate", 1000, "cargo-cache"},
    {"/usr/local/cargo/git/db/x", 1000, "cargo-cache"},
    {"/root/.cargo/registry/x", 1000, "cargo-cache"},
    {"/root/.cargo/git/x", 1000, "cargo-cache"},
    {"/src/target/release/deps/libx.rlib", 1000, "cargo-cache"},
    {"/app/target/debug/app", 1000, "cargo-cache"},
    {"/root/.cache/go-build/ab/x-d", 1000, "go-cache"},
    {"/go/pkg/mod/github.com/x/y.go", 1000, "go-cache"},
    {"/root/go/pkg/mod/cache/x", 1000, "go-cache"},
    {"/opt/conda/pkgs/numpy-1.0.tar.bz2", 1000, "conda-pkgs"},
    {"/root/.conda/pkgs/x.conda", 1000, "conda-pkgs"},
    {"/opt/conda/lib/python3.11/site-packages/bokeh/x.js.map", 1000, "conda-pkgs"},
    {"/root/.m2/repository/org/x.jar", 1000, "java-cache"},
    {"/home/gradle/.gradle/caches/x.jar", 1000, "java-cache"},
    {"/root/.gradle/wrapper/dists/gradle-8/x.zip", 1000, "java-cache"},
    {"/root/.cache/huggingface/hub/models--x/blobs/abc", 1000, "model-cache"},
    {"/root/.cache/torch/hub/checkpoints/resnet.pth", 1000, "model-cache"},
    {"/usr/local/cuda-12.2/include/cuda.h", 1000, "cuda-devel"},
    {"/usr/local/cuda/nvvm/bin/cicc", 1000, "cuda-devel"},
    {"/usr/local/cuda-12.2/bin/nvcc", 1000, "cuda-devel"},
    {"/usr/local/cuda/lib64/libcublasLt_static.a", 1000, "cuda-devel"},
    {"/usr/local/cuda/doc/pdf/x.pdf", 1000, "cuda-extras"},
    {"/usr/local/cuda/samples/x.cu", 1000, "cuda-extras"},
    {"/usr/local/cuda/libnsight/x", 1000, "cuda-extras"},
    {"/usr/local/cuda-11.8/libnvvp/x", 1000, "cuda-extras"},
    {"/usr/include/stdio.h", 1000, "toolchain"},
    {"/usr/local/include/x.h", 1000, "toolchain"},
    {"/usr/lib/x86_64-linux-gnu/libc.a", 1000, "toolchain"},
    {"/usr/lib/gcc/x86_64-linux-gnu/12/libgcc.so", 1000, "toolchain"},
    {"/usr/libexec/gcc/x86_64-linux-gnu/12/lto1", 1000, "toolchain"},
    {"/opt/toolchain/bin/cc1plus", 1000, "toolchain"},
    {"/usr/share/doc/curl/changelog.Debian.gz", 1000, "docs"},
    {"/usr/share/man/man1/ls.1.gz", 1000, "docs"},
    {"/usr/share/info/grep.info.gz", 1000, "docs"},
    {"/usr/share/groff/1.22/tmac/x", 1000, "docs"},
    {"/usr/share/lintian/overrides/x", 1000, "docs"},
    {"/usr/share/linda/overrides/x", 1000, "docs"},
    {"/usr/share/locale/de/LC_MESSAGES/x.mo", 1000, "locales"},
    {"/app/__pycache__/x.cpython-311.pyc", 1000, "pycache"},
    {"/app/x.pyc", 1000, "pycache"},
    {"/app/x.pyo", 1000, "pycache"},
    {"/usr/local/lib/python3.11/test/test_x.py", 1000, "python-tests"},
    {"/usr/lib/python3.11/test/test_x.py", 1000, "python-tests"},
    {"/usr/local/lib/python3.11/site-packages/numpy/core/tests/test_a.py", 1000, "python-tests"},
    {"/usr/local/lib/python3.11/site-packages/pkg/test/test_a.py", 1000, "python-tests"},
    {"/usr/lib/python3/dist-packages/pkg/tests/test_a.py", 1000, "python-tests"},
    {"/app/.git/objects/pack/x.pack", 1000, "vcs"},
    {"/app/.svn/wc.db", 1000, "vcs"},
    {"/app/.hg/store/x", 1000, "vcs"},
    {"/app/.vscode/settings.json", 1000, "editor"},
    {"/app/.idea/workspace.xml", 1000, "editor"},
    {"/app/.DS_Store", 1000, "editor"},
    {"/app/Dockerfile", 1000, "build-context"},
    {"/app/docker-compose.yml", 1000, "build-context"},
    {"/app/docker-compose.yaml", 1000, "build-context"},
    {"/app/.cache/foo", 1000, "user-cache"},
    {"/home/u/.npm/_logs/x.log", 1000, "user-cache"},
    {"/models/model.safetensors", 20000000, "ml-weights"},
    {"/app/checkpoints/last", 20000000, "ml-weights"},
    {"/app/weights/w", 20000000, "ml-weights"},
    {"/m/a.pt", 20000000, "ml-weights"}, {"/m/a.pth", 20000000, "ml-weights"},
    {"/m/a.ckpt", 20000000, "ml-weights"}, {"/m/a.onnx", 20000000, "ml-weights"},
    {"/m/a.h5", 20000000, "ml-weights"}, {"/m/a.pb", 20000000, "ml-weights"},
    {"/m/a.tflite", 20000000, "ml-weights"}, {"/m/a.gguf", 20000000, "ml-weights"},
    {"/m/pytorch_model.bin", 20000000, "ml-weights"},
    {"/data/train.parquet", 20000000, "datasets"},
    {"/app/data/x.raw", 20000000, "datasets"},
    {"/srv/datasets/x", 20000000, "datasets"},
    {"/srv/coco/images.zip", 20000000, "datasets"},
    {"/d/x.csv", 20000000, "datasets"}, {"/d/x.npy", 20000000, "datasets"},
    {"/d/x.npz", 20000000, "datasets"}, {"/d/x.arrow", 20000000, "datasets"},
    {"/d/x.tfrecord", 20000000, "datasets"},
    {"/tmp/build.log", 1000, "temp"},
    {"/var/tmp/x", 1000, "temp"},
    {"/var/log/apt/history.log", 1000, "logs"},
    {"/var/log/dpkg.log", 1000, "logs"},
    {"/var/log/anaconda/x.log", 1000, "logs"},
    {"/var/log/yum.log", 1000, "logs"},
    {"/var/log/dnf.librepo.log", 1000, "logs"},
    /* must not fire */
    {"/usr/share/doc/curl/copyright", 1000, NULL},
    {"/usr/share/locale/locale.alias", 1000, NULL},
    {"/models/small.safetensors", 5000000, NULL},
    {"/app/checkpoints/tiny", 5000000, NULL},
    {"/d/small.csv", 1000, NULL},
    {"/usr/lib/python3.11/site-packages/pkg/data/big.dat", 20000000, NULL},
    {"/usr/bin/ls", 1000, NULL},
    {"/var/lib/apt/extended_states", 1000, NULL},
    {"/var/cache/debconf/config.dat", 1000, NULL},
    {"/var/cache/apt/x.txt", 1000, NULL},
    {"/app/main.py", 1000, NULL},
    {"/app/tests/test_main.py", 1000, NULL},
    {"/app/target/app.jar", 1000, NULL},
    {"/usr/local/cuda/lib64/libcudart.so.12", 1000, NULL},
    {"/usr/local/lib/python3.11/site-packages/nvidia/cublas/lib/libcublas.so", 1000, NULL},
    {"/usr/lib/x86_64-linux-gnu/libc.so.6", 1000, NULL},
    {"/etc/passwd", 1000, NULL},
    {"/app/Dockerfile.txt", 1000, NULL},
    {"/app/src/cc.c", 1000, NULL},
    {"/usr/share/docs/x", 1000, NULL},
    {"/usr/lib/libfoo.so.a.1", 1000, NULL},
    {"/var/log/syslog", 1000, NULL},
    {"/app/gitfile.git", 1000, NULL},
};

static const char *classify(const char *path, uint64_t size)
{
    static char id[64];
    struct tb t;
    tb_init(&t, 1, NULL);
    tb_file(&t, 0, path, NULL, size);
    tb_run(&t, NULL);
    const char *r = NULL;
    assert_true(t.a->n_cats <= 1);
    if (t.a->n_cats == 1) {
        snprintf(id, sizeof id, "%s", t.a->cats[0].id);
        r = id;
        assert_int_equal(t.a->cats[0].bytes, size);
        assert_int_equal(t.a->cats[0].files, 1);
        assert_int_equal(t.a->removable_bytes, size);
        assert_non_null(t.a->cats[0].fix);
        assert_true(t.a->cats[0].n_paths >= 1);
    } else {
        assert_int_equal(t.a->removable_bytes, 0);
    }
    tb_free(&t);
    return r;
}

static void test_waste_rules_each_case(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof wcases / sizeof *wcases; i++) {
        const char *got = classify(wcases[i].path, wcases[i].size);
        if ((got == NULL) != (wcases[i].want == NULL) ||
            (got && strcmp(got, wcases[i].want) != 0))
            fail_msg("%s: got %s, want %s", wcases[i].path, got ? got : "(none)",
                     wcases[i].want ? wcases[i].want : "(none)");
    }
}

/* Every category of the table has at least one case above that fires. */
static void test_waste_rules_all_categories_covered(void **state)
{
    (void)state;
    for (size_t i = 0; i < analysis_waste_rule_count(); i++) {
        const char *id;
        assert_int_equal(analysis_waste_rule_info(i, &id, NULL, NULL, NULL), 0);
        if (strcmp(id, "cuda-pip-dup") == 0)
            continue;   /* needs a system CUDA beside it: test_cuda_pip_dup */
        int found = 0;
        for (size_t k = 0; k < sizeof wcases / sizeof *wcases && !found; k++)
            found = wcases[k].want && strcmp(wcases[k].want, id) == 0;
        if (!found)
            fail_msg("no test case fires category %s", id);
    }
}

static void test_cuda_pip_dup(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 1, NULL);
    tb_file(&t, 0, "/usr/local/cuda-12.2/lib64/libcublas.so.12", NULL, 3000);
    tb_file(&t, 0, "/usr/local/lib/python3.11/site-packages/nvidia/cublas/lib/libcublas.so.12",
            NULL, 4000);
    tb_run(&t, NULL);
    const struct waste_cat *c = cat(t.a, "cuda-pip-dup");
    assert_non_null(c);
    assert_int_equal(c->bytes, 4000);
    assert_string_equal(c->paths[0], "/usr/local/lib/python3.11/site-packages/nvidia");
    tb_free(&t);
}

static void test_waste_threshold_option(void **state)
{
    (void)state;
    struct analysis_opts o = {.config_path = "/nonexistent", .model_threshold = 1000};
    struct tb t;
    tb_init(&t, 1, &o);
    tb_file(&t, 0, "/models/model.safetensors", NULL, 5000);
    tb_run(&t, NULL);
    assert_non_null(cat(t.a, "ml-weights"));
    tb_free(&t);
}

static void test_waste_fix_and_layer(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 3, NULL);
    tb_file(&t, 0, "/etc/hostname", NULL, 10);
    tb_file(&t, 1, "/root/.cache/pip/wheels/a.whl", NULL, 212000000);
    tb_file(&t, 2, "/root/.cache/pip/http/b", NULL, 1000);
    tb_file(&t, 2, "/app/data/big.parquet", NULL, 1200000000);
    const char *instr[] = {"ADD rootfs.tar /", "RUN pip install torch", "COPY . /app"};
    tb_run(&t, instr);
    const struct waste_cat *c = cat(t.a, "pip-cache");
    assert_non_null(c);
    assert_int_equal(c->layer, 1);
    assert_int_equal(c->files, 2);
    assert_string_equal(c->fix, "RUN pip install torch: add --no-cache-dir (212 MB of wheels in "
                                "~/.cache/pip)");
    assert_string_equal(c->paths[0], "/root/.cache/pip");
    c = cat(t.a, "datasets");
    assert_non_null(c);
    assert_int_equal(c->layer, 2);
    assert_non_null(strstr(c->fix, "COPY . /app: "));
    assert_non_null(strstr(c->fix, "(1.20 GB)"));
    /* largest first */
    assert_string_equal(t.a->cats[0].id, "datasets");
    tb_free(&t);
}

/* A file matching two rows counts in the first only; dead and junk add up once. */
static void test_removable_counts_once(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 2, NULL);
    tb_file(&t, 0, "/root/.cache/pip/x/y.pyc", NULL, 100);      /* pip-cache, also pycache */
    tb_file(&t, 0, "/usr/share/doc/a/README", NULL, 1000);        /* docs */
    tb_file(&t, 0, "/usr/share/doc/a/b.a", NULL, 7);              /* docs before toolchain? no: toolchain first */
    tb_file(&t, 0, "/app/big", NULL, 5000);
    tb_file(&t, 1, "/app/big", NULL, 6000);                       /* shadows 5000 */
    tb_whiteout(&t, 1, "/usr/share/doc/a/README");                /* deletes 1000 */
    tb_run(&t, NULL);
    const struct waste_cat *pip = cat(t.a, "pip-cache");
    assert_non_null(pip);
    assert_int_equal(pip->bytes, 100);
    assert_null(cat(t.a, "pycache"));
    assert_int_equal(cat(t.a, "shadowed")->bytes, 5000);
    assert_int_equal(cat(t.a, "deleted")->bytes, 1000);
    assert_int_equal(cat(t.a, "toolchain")->bytes, 7);
    assert_null(cat(t.a, "docs"));     /* README deleted: dead, not docs */
    uint64_t sum = 0;
    for (size_t i = 0; i < t.a->n_cats; i++)
        sum += t.a->cats[i].bytes;
    assert_int_equal(t.a->removable_bytes, sum);
    assert_int_equal(t.a->removable_bytes, 100 + 5000 + 1000 + 7);
    tb_free(&t);
}

/* ------------------------------------------------------------------ dead bytes */

static void test_dead_order_and_sums(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 3, NULL);
    tb_file(&t, 0, "/a", NULL, 100);
    tb_file(&t, 0, "/b", NULL, 200);
    tb_file(&t, 0, "/c", NULL, 300);
    tb_file(&t, 0, "/d/e", NULL, 50);
    tb_file(&t, 0, "/z", NULL, 0);
    tb_file(&t, 1, "/a", NULL, 150);
    tb_whiteout(&t, 1, "/b");
    tb_whiteout(&t, 1, "/d");
    tb_file(&t, 1, "/z", NULL, 0);
    tb_file(&t, 2, "/a", NULL, 10);
    tb_run(&t, NULL);
    const struct model *m = &t.img.model;
    assert_int_equal(t.a->n_dead, 4);
    uint64_t sum = 0;
    for (size_t i = 0; i < t.a->n_dead; i++) {
        sum += t.a->dead[i].size;
        if (i)
            assert_true(t.a->dead[i - 1].size >= t.a->dead[i].size);
    }
    assert_int_equal(sum, m->shadowed_bytes + m->deleted_bytes);
    assert_int_equal(t.a->dead[0].size, 200);
    assert_int_equal(t.a->dead[0].deleted, 1);
    assert_int_equal(t.a->dead[0].layer, 0);
    assert_int_equal(t.a->dead[0].hidden_at, 1);
    assert_int_equal(t.a->dead[1].size, 150);
    assert_int_equal(t.a->dead[1].deleted, 0);
    assert_int_equal(t.a->dead[1].layer, 1);
    assert_int_equal(t.a->dead[1].hidden_at, 2);
    assert_int_equal(t.a->dead[2].size, 100);
    assert_int_equal(t.a->dead[3].size, 50);
    assert_int_equal(t.a->dead[3].deleted, 1);
    const struct waste_cat *sh = cat(t.a, "shadowed");
    assert_int_equal(sh->bytes, 250);
    assert_int_equal(sh->files, 2);
    assert_int_equal(sh->layer, 1);
    assert_string_equal(sh->paths[0], "/a");
    assert_int_equal(cat(t.a, "deleted")->bytes, 250);
    assert_int_equal(t.a->removable_bytes, 500);
    tb_free(&t);
}

/* ------------------------------------------------------------------ duplicates */

static void test_dupes(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 2, NULL);
    tb_file(&t, 0, "/x", "hello world", 0);
    tb_file(&t, 0, "/y", "hello world", 0);
    tb_file(&t, 0, "/w", "hello worlD", 0);     /* same size, other content */
    tb_file(&t, 0, "/big1", "0123456789012345678901234567890123456789", 0);
    tb_file(&t, 0, "/empty1", "", 0);
    tb_file(&t, 0, "/empty2", "", 0);
    tb_file(&t, 1, "/x", "hello world", 0);     /* chmod: same bytes again */
    tb_file(&t, 1, "/big2", "0123456789012345678901234567890123456789", 0);
    tb_run(&t, NULL);
    assert_int_equal(t.a->n_dups, 2);
    /* most wasted first: 40 B x 1 vs 11 B x 2 */
    assert_int_equal(t.a->dups[0].size, 40);
    assert_int_equal(t.a->dups[0].n, 2);
    assert_int_equal(t.a->dups[0].wasted, 40);
    assert_int_equal(t.a->dups[1].size, 11);
    assert_int_equal(t.a->dups[1].n, 3);
    assert_int_equal(t.a->dups[1].wasted, 22);
    assert_int_equal(t.a->dup_wasted, 62);
    uint64_t h1, h2;
    assert_true(analysis_entry_hash(t.a, t.a->dups[1].entries[0], &h1));
    assert_true(analysis_entry_hash(t.a, t.a->dups[1].entries[2], &h2));
    assert_true(h1 == h2);
    assert_true(t.a->hashed_bytes >= 11 * 4 + 80);
    tb_free(&t);
}

/* ------------------------------------------------------------------ packages */

static const char *STATUS =
    "Package: curl\nStatus: install ok installed\nVersion: 7.88.1-10\nInstalled-Size: 500\n"
    "Description: x\n continuation line\n\n"
    "Package: gcc-12\nStatus: install ok installed\nVersion: 12.2.0-14\nInstalled-Size: 60000\n\n"
    "Package: gcc-12-base\nStatus: install ok installed\nVersion: 12.2.0-14\n\n"
    "Package: removed\nStatus: deinstall ok config-files\nVersion: 1\n\n"
    "Package: nolist\nStatus: install ok installed\nVersion: 2\nInstalled-Size: 3\n";

static void test_packages(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 3, NULL);
    tb_file(&t, 0, "/var/lib/dpkg/status", STATUS, 0);
    tb_file(&t, 0, "/var/lib/dpkg/info/curl:amd64.list",
            "/.\n/usr\n/usr/bin\n/usr/bin/curl\n/bin/curl-merged\n/usr/share/doc/curl/copyright\n", 0);
    tb_file(&t, 0, "/var/lib/dpkg/info/gcc-12.list", "/usr/bin/gcc-12\n/usr/lib/gcc/x/12/cc1\n", 0);
    tb_file(&t, 0, "/var/lib/dpkg/info/gcc-12-base:amd64.list", "/usr/share/doc/gcc-12-base/x\n", 0);
    tb_file(&t, 0, "/var/lib/dpkg/info/removed.list", "/usr/bin/removed\n", 0);
    tb_file(&t, 0, "/usr/bin/curl", NULL, 300000);
    tb_file(&t, 0, "/usr/bin/curl-merged", NULL, 7);     /* usrmerge: listed as /bin/... */
    tb_file(&t, 0, "/usr/share/doc/curl/copyright", NULL, 1000);
    tb_file(&t, 0, "/usr/bin/gcc-12", NULL, 1000000);
    tb_file(&t, 0, "/usr/lib/gcc/x/12/cc1", NULL, 30000000);
    tb_file(&t, 0, "/usr/share/doc/gcc-12-base/x", NULL, 10);
    tb_file(&t, 0, "/usr/bin/removed", NULL, 5);
    /* python */
    tb_file(&t, 1, "/usr/lib/python3/site-packages/requests-2.31.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n\nbody\n", 0);
    const char *record = "requests/__init__.py,sha256=abc,4000\n\"requests/a,b.py\",sha256=x,10\n"
                         "../../../bin/req,sha256=y,20\nrequests-2.31.0.dist-info/RECORD,,\n";
    tb_file(&t, 1, "/usr/lib/python3/site-packages/requests-2.31.0.dist-info/RECORD", record, 0);
    tb_file(&t, 1, "/usr/lib/python3/site-packages/requests/__init__.py", NULL, 4000);
    tb_file(&t, 1, "/usr/lib/python3/site-packages/requests/a,b.py", NULL, 10);
    tb_file(&t, 1, "/usr/bin/req", NULL, 20);
    tb_file(&t, 1, "/usr/lib/python3/site-packages/six-1.16.0.dist-info/RECORD",
            "six.py,,900\n", 0);
    tb_file(&t, 1, "/usr/lib/python3/site-packages/six.py", NULL, 900);
    /* npm, with a nested package and a scoped one */
    tb_file(&t, 2, "/app/node_modules/left-pad/package.json",
            "{\"name\":\"left-pad\",\"version\":\"1.3.0\"}", 0);
    tb_file(&t, 2, "/app/node_modules/left-pad/index.js", NULL, 500);
    tb_file(&t, 2, "/app/node_modules/left-pad/lib/package.json", "{\"name\":\"ignored\"}", 0);
    tb_file(&t, 2, "/app/node_modules/left-pad/node_modules/tiny/package.json",
            "{\"name\":\"tiny\",\"version\":\"0.1.0\"}", 0);
    tb_file(&t, 2, "/app/node_modules/left-pad/node_modules/tiny/i.js", NULL, 60);
    tb_file(&t, 2, "/app/node_modules/@types/node/package.json",
            "{\"name\":\"@types/node\",\"version\":\"20.0.0\"}", 0);
    tb_file(&t, 2, "/app/node_modules/@types/node/index.d.ts", NULL, 7000);
    /* a list in the npm tree too: dpkg wins */
    tb_run(&t, NULL);
    struct analysis *a = t.a;
    const struct package *curl = NULL, *gcc = NULL, *base = NULL, *nolist = NULL, *req = NULL,
                         *six = NULL, *lp = NULL, *tiny = NULL, *types = NULL;
    for (size_t i = 0; i < a->n_pkgs; i++) {
        const struct package *p = &a->pkgs[i];
        if (i)
            assert_true(a->pkgs[i - 1].bytes >= p->bytes);
        assert_string_not_equal(p->name, "removed");
        assert_string_not_equal(p->name, "ignored");
        if (!strcmp(p->name, "curl")) curl = p;
        if (!strcmp(p->name, "gcc-12")) gcc = p;
        if (!strcmp(p->name, "gcc-12-base")) base = p;
        if (!strcmp(p->name, "nolist")) nolist = p;
        if (!strcmp(p->name, "requests")) req = p;
        if (!strcmp(p->name, "six")) six = p;
        if (!strcmp(p->name, "left-pad")) lp = p;
        if (!strcmp(p->name, "tiny")) tiny = p;
        if (!strcmp(p->name, "@types/node")) types = p;
    }
    assert_non_null(curl);
    assert_string_equal(curl->version, "7.88.1-10");
    assert_string_equal(curl->ecosystem, "deb");
    assert_int_equal(curl->bytes, 300000 + 7 + 1000);
    assert_int_equal(curl->files, 3);
    assert_int_equal(curl->layer, 0);
    assert_false(curl->build_only);
    assert_non_null(gcc);
    assert_true(gcc->build_only);
    assert_int_equal(gcc->bytes, 31000000);
    assert_non_null(base);
    assert_false(base->build_only);
    assert_non_null(nolist);
    assert_int_equal(nolist->bytes, 3 * 1024);
    assert_int_equal(nolist->files, 0);
    assert_non_null(req);
    assert_string_equal(req->version, "2.31.0");
    assert_string_equal(req->ecosystem, "python");
    assert_int_equal(req->bytes, 4000 + 10 + 20 + strlen(record));   /* + RECORD itself */
    assert_int_equal(req->layer, 1);
    assert_non_null(six);
    assert_string_equal(six->version, "1.16.0");
    assert_int_equal(six->bytes, 900);
    assert_non_null(lp);
    assert_string_equal(lp->version, "1.3.0");
    assert_int_equal(lp->files, 3);             /* package.json, index.js, lib/package.json */
    assert_non_null(tiny);
    assert_int_equal(tiny->files, 2);
    assert_non_null(types);
    assert_string_equal(types->ecosystem, "npm");
    assert_int_equal(types->bytes, 7000 + strlen("{\"name\":\"@types/node\",\"version\":\"20.0.0\"}"));
    /* toolchain fix names the build-only package */
    const struct waste_cat *tc = cat(a, "toolchain");
    assert_non_null(tc);
    assert_int_equal(tc->bytes, 31000000);      /* cc1 by path, gcc-12 binary by package */
    assert_non_null(strstr(tc->fix, "build tools in the runtime image (31.0 MB: gcc-12): use a "
                                    "multi-stage build"));
    tb_free(&t);
}

/* Attribution order: a file listed by dpkg and inside an npm folder counts for dpkg only. */
static void test_packages_once(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 1, NULL);
    tb_file(&t, 0, "/var/lib/dpkg/status", "Package: node-x\nVersion: 1\n", 0);
    tb_file(&t, 0, "/var/lib/dpkg/info/node-x.list", "/usr/lib/node_modules/x/index.js\n", 0);
    tb_file(&t, 0, "/usr/lib/node_modules/x/package.json", "{\"name\":\"x\",\"version\":\"1\"}", 0);
    tb_file(&t, 0, "/usr/lib/node_modules/x/index.js", NULL, 1000);
    tb_file(&t, 0, "/lib/apk/db/installed",
            "C:Q1abc\nP:musl\nV:1.2.4-r2\nF:lib\nR:ld-musl.so.1\nR:libc.so\n\nP:build-base\nV:0.5\n", 0);
    tb_file(&t, 0, "/lib/ld-musl.so.1", NULL, 600);
    tb_run(&t, NULL);
    uint64_t total = 0;
    int seen = 0;
    for (size_t i = 0; i < t.a->n_pkgs; i++) {
        const struct package *p = &t.a->pkgs[i];
        total += p->bytes;
        if (!strcmp(p->name, "node-x"))
            assert_int_equal(p->bytes, 1000), seen |= 1;
        if (!strcmp(p->name, "x"))
            assert_int_equal(p->files, 1), seen |= 2;    /* package.json only */
        if (!strcmp(p->name, "musl")) {
            assert_string_equal(p->version, "1.2.4-r2");
            assert_string_equal(p->ecosystem, "apk");
            assert_int_equal(p->bytes, 600);
            seen |= 4;
        }
        if (!strcmp(p->name, "build-base"))
            assert_true(p->build_only), seen |= 8;
    }
    assert_int_equal(seen, 15);
    tb_free(&t);
}

/* ------------------------------------------------------------------ secrets */

static void test_secrets_deleted_env(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 3, NULL);
    tb_file(&t, 0, "/app/.env", "AWS_ACCESS_KEY_ID=AKIAZ7Q2V4X6B8N1M3P5\n", 0);
    tb_whiteout(&t, 1, "/app/.env");
    tb_file(&t, 2, "/app/main.py", "print(1)\n", 0);
    const char *instr[] = {"COPY . /app", "RUN rm /app/.env", "COPY main.py /app/"};
    tb_run(&t, instr);
    int file_hit = 0, content_hit = 0;
    for (size_t i = 0; i < t.a->n_secrets; i++) {
        const struct secret_finding *s = &t.a->secrets[i];
        if (i)
            assert_true(t.a->secrets[i - 1].severity >= s->severity);
        if (strcmp(s->path, "/app/.env") != 0)
            continue;
        assert_int_equal(s->visible, 0);
        assert_int_equal(s->layer, 0);
        assert_int_equal(s->hidden_by, 1);     /* the layer that deleted it */
        assert_int_equal(s->deleted, 1);
        assert_string_equal(s->created_by, "COPY . /app");
        assert_null(s->raw);
        assert_null(strstr(s->masked, "AKIAZ7Q2V4X6B8N1M3P5"));
        if (s->kind == SK_FILE)
            file_hit = 1;
        if (s->kind == SK_CONTENT && !strcmp(s->rule_id, "aws-access-key-id"))
            content_hit = 1;
    }
    assert_true(file_hit);
    assert_true(content_hit);
    tb_free(&t);
}

static void test_secrets_env_history_show(void **state)
{
    (void)state;
    struct analysis_opts o = {.show_secrets = 1, .config_path = "/nonexistent"};
    struct tb t;
    tb_init(&t, 1, &o);
    tb_file(&t, 0, "/etc/x.conf", "token = ghp_abcdefghijklmnopqrstuvwxyz0123456789\n", 0);
    char *env[] = {"HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyzABCDEFGH", "PATH=/usr/bin"};
    t.img.env = env;
    t.img.n_env = 2;
    const char *instr[] = {"RUN curl -u admin:s3cr3tpassw0rd https://example.org/x"};
    tb_run(&t, instr);
    int env_hit = 0, hist_hit = 0, content_hit = 0;
    for (size_t i = 0; i < t.a->n_secrets; i++) {
        const struct secret_finding *s = &t.a->secrets[i];
        if (s->kind == SK_ENV) {
            env_hit = 1;
            assert_int_equal(s->layer, -1);
            assert_string_equal(s->path, "");
            assert_non_null(s->raw);
        }
        if (s->kind == SK_HISTORY) {
            hist_hit = 1;
            assert_int_equal(s->history, 0);
            assert_int_equal(s->layer, 0);
        }
        if (s->kind == SK_CONTENT) {
            content_hit = 1;
            assert_int_equal(s->visible, 1);
            assert_non_null(s->raw);
            assert_string_equal(s->raw, "ghp_abcdefghijklmnopqrstuvwxyz0123456789");
        }
    }
    assert_true(env_hit);
    assert_true(hist_hit);
    assert_true(content_hit);
    tb_free(&t);
}

/* One masking point: every Env / history value found is masked in the analysis' copies and in
 * whatever quotes an instruction (findings, waste fixes, hints); the image keeps its own text. */
static void test_secrets_masked_copies(void **state)
{
    (void)state;
    static const char *raw[] = {"AKIAR7RUNLINE2K9ZQWX", "Xk29vLq7Rt4Wm8Zp3Nc6Bd",
                                "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"};
    struct analysis_opts o = {.config_path = "/nonexistent"};
    struct tb t;
    tb_init(&t, 2, &o);
    tb_file(&t, 0, "/var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease", NULL, 5000);
    tb_file(&t, 1, "/app/x", "x\n", 0);
    char *env[] = {"HF_TOKEN=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", "PATH=/usr/bin"};
    t.img.env = env;
    t.img.n_env = 2;
    const char *instr[] = {"RUN |1 DB_PASSWORD=Xk29vLq7Rt4Wm8Zp3Nc6Bd /bin/sh -c K=AKIAR7RUNLINE2K9ZQWX "
                           "apt-get update && apt-get install -y curl",
                           "RUN echo 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 > /dev/null"};
    tb_run(&t, instr);
    const struct analysis *a = t.a;
    /* the image is never rewritten */
    assert_non_null(strstr(t.img.history[0].created_by, raw[0]));
    assert_non_null(strstr(t.img.layers[0].instruction, raw[1]));
    assert_string_equal(t.img.env[0], env[0]);
    /* the copies */
    assert_int_equal(a->n_hist, 2);
    assert_int_equal(a->n_env, 2);
    assert_string_equal(analysis_env(a, &t.img, 1), "PATH=/usr/bin");
    assert_string_equal(analysis_env(a, &t.img, 0), "HF_TOKEN=hf_Q******************************yUi");
    assert_true(strncmp(analysis_layer_instruction(a, &t.img, 0), "RUN K=AKIA****", 14) == 0);
    assert_true(strncmp(analysis_history_created_by(a, &t.img, 0), "RUN |1 DB_PASSWORD=Xk29****", 27) == 0);
    for (int k = 0; k < 3; k++) {
        for (size_t h = 0; h < 2; h++) {
            assert_null(strstr(analysis_history_created_by(a, &t.img, h), raw[k]));
            assert_null(strstr(analysis_history_instruction(a, &t.img, h), raw[k]));
            assert_null(strstr(analysis_layer_instruction(a, &t.img, h), raw[k]));
        }
        assert_null(strstr(analysis_env(a, &t.img, 0), raw[k]));
        for (size_t i = 0; i < a->n_cats; i++)
            assert_null(strstr(a->cats[i].fix, raw[k]));
        for (size_t i = 0; i < a->n_hints; i++)
            assert_null(strstr(a->hints[i].text, raw[k]));
        for (size_t i = 0; i < a->n_secrets; i++)
            assert_null(strstr(a->secrets[i].created_by, raw[k]));
    }
    const struct waste_cat *c = cat(a, "apt-lists");
    assert_non_null(c);
    assert_true(strncmp(c->fix, "RUN K=AKIA****", 14) == 0);   /* the fix still quotes the line */
    /* findings say what they are */
    int arg = 0, run = 0, envf = 0;
    char where[256];
    for (size_t i = 0; i < a->n_secrets; i++) {
        const struct secret_finding *s = &a->secrets[i];
        analysis_finding_where(s, where, sizeof where);
        if (!strcmp(s->rule_id, "build-arg-secret")) {
            arg = 1;
            assert_string_equal(s->name, "DB_PASSWORD");
            assert_string_equal(where, "ARG DB_PASSWORD (layer 0)");
        } else if (s->kind == SK_HISTORY && !strcmp(s->rule_id, "aws-access-key-id")) {
            run = 1;
            assert_string_equal(s->name, "K");
            assert_string_equal(where, "RUN K (layer 0)");
        } else if (s->kind == SK_ENV) {
            envf = 1;
            assert_string_equal(s->name, "HF_TOKEN");
            assert_string_equal(where, "ENV HF_TOKEN");
        }
        assert_int_equal(s->hidden_by, -1);
    }
    assert_true(arg && run && envf);
    /* a text that repeats a value: masked too */
    char *m = analysis_mask_text(a, "token: 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\n");
    assert_string_equal(m, "token: hf_Q******************************yUi\n");
    free(m);
    tb_free(&t);
}

/* An ENV a later ENV replaced is not in the config's Env any more, but its history line is. */
static void test_secrets_env_line_replaced(void **state)
{
    (void)state;
    struct analysis_opts o = {.config_path = "/nonexistent"};
    struct tb t;
    tb_init(&t, 2, &o);
    tb_file(&t, 0, "/app/a", "a\n", 0);
    tb_file(&t, 1, "/app/b", "b\n", 0);
    const char *instr[] = {"/bin/sh -c #(nop)  ENV API_SECRET=Vb7Lq2Zx9Wm4Rt8Kp3 MODE=fast",
                           "ENV API_SECRET=/run/secrets/api"};
    tb_run(&t, instr);
    const char *cb = analysis_history_created_by(t.a, &t.img, 0);
    assert_null(strstr(cb, "Vb7Lq2Zx9Wm4Rt8Kp3"));
    assert_non_null(strstr(cb, "MODE=fast"));
    assert_null(strstr(analysis_layer_instruction(t.a, &t.img, 0), "Vb7Lq2Zx9Wm4Rt8Kp3"));
    tb_free(&t);
}

/* The legacy "ENV NAME value" form (no '='; classic builder history) is one variable whose
 * value is the rest of the line: the Env rules see NAME and value, and the copies mask it. */
static void test_secrets_env_line_legacy(void **state)
{
    (void)state;
    struct analysis_opts o = {.config_path = "/nonexistent"};
    struct tb t;
    tb_init(&t, 2, &o);
    tb_file(&t, 0, "/app/a", "a\n", 0);
    tb_file(&t, 1, "/app/b", "b\n", 0);
    const char *instr[] = {"/bin/sh -c #(nop)  ENV API_SECRET Vb7Lq2Zx9Wm4Rt8Kp3",
                           "ENV DB_PASSWORD  two Words9x  "};
    tb_run(&t, instr);
    for (size_t h = 0; h < 2; h++) {
        const char *cb = analysis_history_created_by(t.a, &t.img, h);
        assert_null(strstr(cb, "Vb7Lq2Zx9Wm4Rt8Kp3"));
        assert_null(strstr(cb, "two Words9x"));
        assert_null(strstr(analysis_layer_instruction(t.a, &t.img, h), "Vb7Lq2Zx9Wm4Rt8Kp3"));
    }
    assert_non_null(strstr(analysis_history_created_by(t.a, &t.img, 0), "ENV API_SECRET Vb7L"));
    assert_non_null(strstr(analysis_history_created_by(t.a, &t.img, 1), "ENV DB_PASSWORD  **"));
    tb_free(&t);
}

/* The config's Cmd and Entrypoint are masked like Env: a credential on the command line, a
 * token, a NAME=value argument with a secret-like name, and a value found in Env. */
static void test_secrets_cmd_entrypoint_masked(void **state)
{
    (void)state;
    static const char *raw[] = {"Xk29vLq7Rt4Wm8Zp", "ghp_Lk3mN8qR2sT5vW9xY1zA4bC7dE0fG6hJ3kLp",
                                "Qw8Er5Ty2Ui9Op", "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"};
    for (int show = 0; show < 2; show++) {
        struct analysis_opts o = {.config_path = "/nonexistent", .show_secrets = show};
        struct tb t;
        tb_init(&t, 1, &o);
        tb_file(&t, 0, "/app/a", "a\n", 0);
        char *env[] = {"HF_TOKEN=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"};
        t.img.env = env;
        t.img.n_env = 1;
        char cmd[] = "[\"sh\",\"-c\",\"curl -u admin:Xk29vLq7Rt4Wm8Zp https://x/ && "
                     "run --token ghp_Lk3mN8qR2sT5vW9xY1zA4bC7dE0fG6hJ3kLp\"]";
        char ep[] = "[\"env\",\"API_TOKEN=Qw8Er5Ty2Ui9Op\",\"app\",\"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\"]";
        t.img.cmd = cmd;
        t.img.entrypoint = ep;
        tb_run(&t, NULL);
        const char *c = analysis_cmd(t.a, &t.img), *e = analysis_entrypoint(t.a, &t.img);
        for (int k = 0; k < 4; k++) {
            const char *in = k < 2 ? c : e;
            if (show)
                assert_non_null(strstr(in, raw[k]));
            else
                assert_null(strstr(in, raw[k]));
        }
        assert_non_null(strstr(c, "curl -u "));
        assert_non_null(strstr(e, "\"env\",\"API_TOKEN="));
        assert_string_equal(t.img.cmd, cmd);    /* the image keeps its own text */
        t.img.cmd = t.img.entrypoint = NULL;
        tb_free(&t);
    }
}

static void test_secrets_ignore_and_allow(void **state)
{
    (void)state;
    const char *ign[] = {"aws-access-key-id", "docs"};
    struct analysis_opts o = {.ignore = ign, .n_ignore = 2, .config_path = "/nonexistent"};
    struct tb t;
    tb_init(&t, 1, &o);
    assert_int_equal(analysis_config_text(t.a, "allow-path = /srv/fixtures/\n", "t"), RC_OK);
    tb_file(&t, 0, "/app/config", "AWS_ACCESS_KEY_ID=AKIAZ7Q2V4X6B8N1M3P5\n", 0);
    tb_file(&t, 0, "/srv/fixtures/id_rsa", "x\n", 0);
    tb_file(&t, 0, "/srv/fixtures/.git/config", NULL, 100);
    tb_file(&t, 0, "/usr/share/doc/a/README", NULL, 100);
    tb_run(&t, NULL);
    for (size_t i = 0; i < t.a->n_secrets; i++) {
        assert_string_not_equal(t.a->secrets[i].rule_id, "aws-access-key-id");
        assert_null(strstr(t.a->secrets[i].path, "/srv/fixtures"));
    }
    assert_null(cat(t.a, "docs"));
    assert_null(cat(t.a, "vcs"));
    tb_free(&t);
}

/* ------------------------------------------------------------------ config */

static void test_config_parse(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 1, NULL);
    const char *cfg =
        "# comment\n"
        "\n"
        "ignore = apt-lists\n"
        "lowest-efficiency = 0.85   # trailing comment\n"
        "highest-removable-bytes = 500MB\n"
        "highest-removable-percent = 20%\n"
        "fail-on-secret = critical\n"
        "model-threshold = 1MiB\n"
        "rule = golden|/srv/golden/|golden test data|low|drop the test data (%s)\n"
        "rule = bad|relative/path|x|low|y\n"
        "rule = bad2|/x/|x|nonsense|y\n"
        "rule = bad3|/x/|x|low|%d\n"
        "bogus = 1\n"
        "no equals sign\n"
        "lowest-efficiency = 2\n";
    assert_int_equal(analysis_config_text(t.a, cfg, "strata.conf"), RC_WARN);
    assert_true(t.a->ci.lowest_efficiency > 0.849 && t.a->ci.lowest_efficiency < 0.851);
    assert_int_equal(t.a->ci.highest_removable_bytes, 500000000);
    assert_true(t.a->ci.highest_removable_percent > 19.9 && t.a->ci.highest_removable_percent < 20.1);
    assert_int_equal(t.a->ci.fail_on_severity, SEV_CRITICAL);
    assert_int_equal(t.a->ci.set_mask, CI_LOWEST_EFFICIENCY | CI_HIGHEST_REMOVABLE_BYTES |
                                       CI_HIGHEST_REMOVABLE_PERCENT | CI_FAIL_ON_SECRET);
    assert_int_equal(t.a->opts.model_threshold, 1048576);
    assert_int_equal(t.a->n_warnings, 6);
    assert_non_null(strstr(t.a->warnings[0], "strata.conf:10:"));
    tb_file(&t, 0, "/var/lib/apt/lists/x", NULL, 10);
    tb_file(&t, 0, "/srv/golden/a/b", NULL, 300);
    tb_file(&t, 0, "/models/m.onnx", NULL, 2000000);
    tb_run(&t, NULL);
    assert_null(cat(t.a, "apt-lists"));
    const struct waste_cat *g = cat(t.a, "golden");
    assert_non_null(g);
    assert_string_equal(g->title, "golden test data");
    assert_int_equal(g->bytes, 300);
    assert_string_equal(g->fix, "COPY . /app: drop the test data (300 B)");
    assert_non_null(cat(t.a, "ml-weights"));
    tb_free(&t);
}

/* "Installed unchanged" is decided by the digest the package recorded where it has one: dpkg
 * md5sums (a.conf matches, b.conf was edited in the RUN that installed the package) and pip
 * RECORD sha256 (c.py matches, d.py was edited). All four are in the installing layer, so the
 * layer alone would call them all pristine. The digests were computed with md5sum and
 * Python's hashlib/base64, not with strata's code. */
static void test_secrets_pristine_by_digest(void **state)
{
    (void)state;
    const char *body = "api_key = \"Zk29fLq81mNc0pXw7RtY\"\n";
    struct analysis_opts o = {.config_path = "/nonexistent"};
    struct tb t;
    tb_init(&t, 1, &o);
    tb_file(&t, 0, "/var/lib/dpkg/status",
            "Package: foo\nStatus: install ok installed\nVersion: 1\nInstalled-Size: 1\n", 0);
    tb_file(&t, 0, "/var/lib/dpkg/info/foo.list", "/etc/foo/a.conf\n/etc/foo/b.conf\n", 0);
    /* the lines before the sums are too short to hold one (found by fuzz_packages: an empty
     * first line made the name's length underflow, a read before the buffer) */
    tb_file(&t, 0, "/var/lib/dpkg/info/foo.md5sums",
            "\nx\n\r\n2d8003fd14eb7f1d108525c08b9c7b50\n2d8003fd14eb7f1d108525c08b9c7b50 \r\n"
            "2d8003fd14eb7f1d108525c08b9c7b50  etc/foo/a.conf\n"
            "0123456789abcdef0123456789abcdef  etc/foo/b.conf\n", 0);
    tb_file(&t, 0, "/etc/foo/a.conf", body, 0);
    tb_file(&t, 0, "/etc/foo/b.conf", body, 0);
    tb_file(&t, 0, "/usr/lib/python3/dist-packages/pk-1.0.dist-info/RECORD",
            "pk/c.py,sha256=jrb0aWhhw8BdctaN0Jv1PaLHAgRQXEHLoJGzp_CehPU,34\n"
            "pk/d.py,sha256=AAAAaWhhw8BdctaN0Jv1PaLHAgRQXEHLoJGzp_CehPU,34\n"
            "pk-1.0.dist-info/RECORD,,\n", 0);
    tb_file(&t, 0, "/usr/lib/python3/dist-packages/pk/c.py", body, 0);
    tb_file(&t, 0, "/usr/lib/python3/dist-packages/pk/d.py", body, 0);
    tb_run(&t, NULL);
    int a = 0, b = 0, c = 0, d = 0;
    for (size_t i = 0; i < t.a->n_secrets; i++) {
        const struct secret_finding *f = &t.a->secrets[i];
        if (strcmp(f->rule_id, "generic-api-key"))
            continue;
        a += !strcmp(f->path, "/etc/foo/a.conf");
        b += !strcmp(f->path, "/etc/foo/b.conf");
        c += !strcmp(f->path, "/usr/lib/python3/dist-packages/pk/c.py");
        d += !strcmp(f->path, "/usr/lib/python3/dist-packages/pk/d.py");
    }
    assert_int_equal(a, 0);
    assert_int_equal(b, 1);
    assert_int_equal(c, 0);
    assert_int_equal(d, 1);
    tb_free(&t);
}

/* `ignore = ID` is checked like --ignore: an unknown id is an error naming the file and line
 * (RC_FAILED: strata exits 64); known ids and the config's own rule ids are accepted, in any
 * order of lines. */
static void test_config_ignore_unknown(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 1, NULL);
    assert_int_equal(analysis_config_text(t.a, "ignore = mine\nignore = docs\n"
                                                "ignore = generic-api-key\nrule = mine|/x/|x|low|y\n",
                                          "ok.conf"), RC_OK);
    assert_true(analysis_ignored(t.a, "mine") && analysis_ignored(t.a, "docs"));
    assert_int_equal(t.a->n_warnings, 0);
    assert_int_equal(analysis_config_text(t.a, "# x\nignore = generic-api-kye\n", "bad.conf"),
                     RC_FAILED);
    assert_int_equal(t.a->n_warnings, 1);
    assert_non_null(strstr(t.a->warnings[0], "bad.conf:2:"));
    assert_non_null(strstr(t.a->warnings[0], "unknown id 'generic-api-kye'"));
    assert_non_null(strstr(t.a->warnings[0], "generic-api-key"));   /* the known ones */
    assert_false(analysis_ignored(t.a, "generic-api-kye"));
    tb_free(&t);
}

/* Found by fuzz_strataconf: a pattern that ends in its any-depth part (a "**" folder) with
 * nothing after it copied (size_t)-1 bytes when compiled (heap overflow). */
static void test_config_rule_empty_tail(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 1, NULL);
    const char *cfg =
        "rule = nm|**/node_modules/**/|modules|low|x\n"
        "rule = logs|/var/log/**/**/|logs|low|y\n"
        "rule = all|**/|everything|low|z\n";
    assert_int_equal(analysis_config_text(t.a, cfg, "strata.conf"), RC_OK);
    tb_file(&t, 0, "/app/node_modules/a/b.js", NULL, 100);
    tb_file(&t, 0, "/app/node_modules/c.js", NULL, 7);
    tb_file(&t, 0, "/app/src/node_modules.js", NULL, 1000);
    tb_file(&t, 0, "/var/log/x/y.log", NULL, 50);
    tb_file(&t, 0, "/var/lib/z", NULL, 5000);
    tb_run(&t, NULL);
    const struct waste_cat *nm = cat(t.a, "nm"), *logs = cat(t.a, "logs");
    assert_non_null(nm);
    assert_int_equal(nm->bytes, 107);   /* everything below a node_modules folder */
    assert_non_null(logs);
    assert_int_equal(logs->bytes, 50);
    assert_null(cat(t.a, "all"));       /* the any-depth part alone is refused, with a warning */
    assert_int_equal(t.a->n_warnings, 1);
    assert_non_null(strstr(t.a->warnings[0], "waste rule all"));
    tb_free(&t);
}

/* Found by fuzz_config and fuzz_strataconf: --report printed the config's os/arch/variant and a
 * user rule's id raw, control bytes and all, to a terminal. */
static void test_report_text_escapes(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 1, NULL);
    assert_int_equal(analysis_config_text(t.a, "rule = r\x04\x1b[2J|/srv/x/|t|low|f\n", "c"), RC_OK);
    tb_file(&t, 0, "/srv/x/f", NULL, 10);
    tb_run(&t, NULL);
    t.img.os = "linux\x7f";
    t.img.arch = "amd\x1b[31m64";
    t.img.variant = "v\x01";
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(report_text(f, &t.img, t.a), 0);
    fclose(f);
    for (size_t i = 0; i < len; i++)
        assert_true(((unsigned char)buf[i] >= 0x20 && buf[i] != 0x7f) || buf[i] == '\n');
    assert_non_null(strstr(buf, "linux\\x7f/amd\\x1b[31m64/v\\x01"));
    assert_non_null(strstr(buf, "r\\x04\\x1b[2J"));
    free(buf);
    tb_free(&t);
}

static void test_config_file(void **state)
{
    (void)state;
    char path[] = "/tmp/strata-cfg-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *txt = "fail-on-secret = medium\nhighest-removable-bytes = 1.5GiB\n";
    assert_int_equal(write(fd, txt, strlen(txt)), (ssize_t)strlen(txt));
    close(fd);
    struct analysis_opts o = {.config_path = path};
    struct analysis *a = analysis_new(&o);
    assert_int_equal(a->config_rc, RC_OK);
    assert_int_equal(a->ci.fail_on_severity, SEV_MEDIUM);
    assert_int_equal(a->ci.highest_removable_bytes, 1610612736ull);
    analysis_free(a);
    unlink(path);
    o.config_path = "/nonexistent/dir/strata.conf";
    a = analysis_new(&o);
    assert_int_equal(a->config_rc, RC_FATAL);
    assert_int_equal(a->n_warnings, 1);
    analysis_free(a);
}

/* ------------------------------------------------------------------ hints */

static void test_hints(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 4, NULL);
    const char *instr[] = {
        "RUN apt-get update && apt-get install -y curl",
        "RUN pip install torch",
        "RUN apk add git && useradd -u 1234567 app",
        "COPY . /app",
    };
    tb_run(&t, instr);
    const char *want[] = {"DL3009", "DL3015", "DL3042", "DL3019", "DL3046", "DL3059"};
    for (size_t w = 0; w < sizeof want / sizeof *want; w++) {
        int found = 0;
        for (size_t i = 0; i < t.a->n_hints; i++)
            if (!strcmp(t.a->hints[i].id, want[w])) {
                found = 1;
                assert_non_null(t.a->hints[i].text);
            }
        if (!found)
            fail_msg("hint %s missing", want[w]);
    }
    for (size_t i = 0; i < t.a->n_hints; i++)
        if (!strcmp(t.a->hints[i].id, "DL3042"))
            assert_string_equal(t.a->hints[i].text,
                                "RUN pip install torch: add --no-cache-dir to pip install");
    tb_free(&t);

    tb_init(&t, 1, NULL);
    const char *good[] = {"RUN apt-get update && apt-get install -y --no-install-recommends curl "
                          "&& rm -rf /var/lib/apt/lists/* && pip install --no-cache-dir x"};
    tb_run(&t, good);
    assert_int_equal(t.a->n_hints, 0);
    tb_free(&t);
}

/* A repeated blob: its copies share the hashes and findings of the entries the sinks saw. */
static void test_repeated_blob(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t, 1, NULL);
    tb_file(&t, 0, "/k", "same bytes here", 0);
    struct model *m = &t.img.model;
    model_blob_end(m, t.blob[0]);
    t.n_layers = 0;
    uint32_t order[3] = {t.blob[0], t.blob[0], t.blob[0]};
    assert_int_equal(model_stack(m, order, 3), RC_OK);
    t.img.n_layers = 3;
    t.img.layers = calloc(3, sizeof *t.img.layers);
    t.n_layers = 0;
    assert_true(analysis_run(t.a, &t.img) >= RC_WARN);
    assert_int_equal(t.a->n_dups, 1);
    assert_int_equal(t.a->dups[0].n, 3);
    free(t.img.layers);
    t.img.layers = NULL;
    tb_free(&t);
}


/* Issue 12 item 3: an apt-get upgrade over the base image's files is the upgrade's doing; the fix
 * never tells the base's ADD to change, and an install without apt-get update gets no apt-lists
 * hint. */
static void test_blame_base(void **state)
{
    (void)state;
    struct analysis_opts o = {.config_path = "/nonexistent"};
    struct tb t;
    tb_init(&t, 3, &o);
    tb_file(&t, 0, "/usr/lib/liba.so", NULL, 1000);
    tb_file(&t, 0, "/usr/lib/libb.so", NULL, 500);
    tb_file(&t, 1, "/usr/lib/liba.so", NULL, 1100);
    tb_file(&t, 1, "/usr/lib/libb.so", NULL, 600);
    tb_file(&t, 2, "/usr/bin/curl", NULL, 300);
    const char *instr[] = {"ADD file:4b03b5f551e3 in /",
                           "RUN apt-get update && apt-get upgrade -y && apt-get install -y vim",
                           "RUN apt-get install -y curl"};
    tb_run(&t, instr);
    const struct waste_cat *c = cat(t.a, "shadowed");
    assert_non_null(c);
    assert_int_equal(c->bytes, 1500);
    assert_int_equal(c->layer, 0);
    assert_true(c->from_base);
    assert_int_equal(c->hidden_by, 1);
    assert_int_equal(c->n_blame, 1);
    assert_int_equal(c->blame[0].layer, 0);
    assert_int_equal(c->blame[0].hidden_by, 1);
    assert_int_equal(c->blame[0].bytes, 1500);
    assert_int_equal(c->blame[0].files, 2);
    assert_true(c->blame[0].from_base);
    assert_null(strstr(c->fix, "ADD"));
    assert_non_null(strstr(c->fix, "from the base image"));
    assert_true(strncmp(c->fix, "RUN apt-get update && apt-get upgrade", 37) == 0);
    int dl3009_1 = 0, dl3009_2 = 0;
    for (size_t i = 0; i < t.a->n_hints; i++)
        if (!strcmp(t.a->hints[i].id, "DL3009")) {
            dl3009_1 += t.a->hints[i].layer == 1;
            dl3009_2 += t.a->hints[i].layer == 2;
        }
    assert_int_equal(dl3009_1, 1);
    assert_int_equal(dl3009_2, 0);    /* no apt-get update in that RUN: its lists are not its own */
    /* the text report names both layers; the JSON carries the pair */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(report_text(f, &t.img, t.a), 0);
    fclose(f);
    assert_non_null(strstr(buf, "1.50 kB in 2 files written by layer 0 (ADD file:4b03b5f551e3 in /) of the base "
                                "image, overwritten by layer 1 (RUN apt-get update && apt-get upgrade -y …)"));
    free(buf);
    f = open_memstream(&buf, &len);
    assert_int_equal(report_json(f, &t.img, t.a), 0);
    fclose(f);
    assert_non_null(strstr(buf, "\"blame\": [\n"));
    assert_non_null(strstr(buf, "\"from_base\": true"));
    free(buf);
    tb_free(&t);
}

/* A first layer made by RUN is not taken for the base's (no FROM image to blame). */
static void test_blame_user_layers(void **state)
{
    (void)state;
    struct analysis_opts o = {.config_path = "/nonexistent"};
    struct tb t;
    tb_init(&t, 3, &o);
    tb_file(&t, 0, "/bin/sh", NULL, 100);
    tb_file(&t, 1, "/tmp/build/app.o", NULL, 4000);
    tb_file(&t, 1, "/tmp/build/lib.o", NULL, 2000);
    tb_whiteout(&t, 2, "/tmp/build");
    const char *instr[] = {"COPY rootfs /", "RUN make", "RUN rm -rf /tmp/build"};
    tb_run(&t, instr);
    assert_int_equal(analysis_base_layers(&t.img), 1);
    const struct waste_cat *c = cat(t.a, "deleted");
    assert_non_null(c);
    assert_false(c->from_base);
    assert_int_equal(c->hidden_by, 2);
    assert_int_equal(c->blame[0].files, 2);
    assert_true(strncmp(c->fix, "RUN make (layer 1): files deleted by layer 2 still ship", 55) == 0);
    tb_free(&t);
}

/* --report: wrapped at the width given, at spaces with a hanging indent; whole lines without a
 * width; singular and plural. */
static void test_report_text_wrap(void **state)
{
    (void)state;
    struct analysis_opts o = {.config_path = "/nonexistent"};
    struct tb t;
    tb_init(&t, 1, &o);
    tb_file(&t, 0, "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages", NULL, 9000);
    const char *instr[] = {"RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl "
                           "gnupg lsb-release software-properties-common unzip zip"};
    tb_run(&t, instr);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(report_text(f, &t.img, t.a), 0);
    fclose(f);
    /* whole: the instruction on one line, never cut with an ellipsis */
    assert_non_null(strstr(buf, "software-properties-common unzip zip\n"));
    assert_null(strstr(buf, "\xe2\x80\xa6\n"));
    /* singular */
    assert_non_null(strstr(buf, ", 1 layer, 1 history entry\n"));
    assert_non_null(strstr(buf, " in 1 file\n"));
    assert_null(strstr(buf, " 1 files"));
    assert_non_null(strstr(buf, "Removable  9.00 kB, 100% of the image"));
    free(buf);
    struct report_opts ro = {.cols = 60};
    f = open_memstream(&buf, &len);
    assert_int_equal(report_text_opts(f, &t.img, t.a, &ro), 0);
    fclose(f);
    int long_lines = 0, continued = 0;
    for (char *l = buf, *nl; *l; l = nl + 1) {
        nl = strchr(l, '\n');
        assert_non_null(nl);
        size_t cols = 0;
        for (char *p = l; p < nl; p++)
            cols += ((unsigned char)*p & 0xc0) != 0x80;
        /* only a word longer than the line may pass the width (the apt list's name) */
        if (cols > 60 && !memchr(l + (cols > 0 ? 30 : 0), '_', (size_t)(nl - l) - 30))
            long_lines++;
        /* an instruction row's continuation hangs under its text (column 27) */
        if (!strncmp(l, "                           software", 35) || !strncmp(l, "                           gnupg", 32) ||
            !strncmp(l, "                           ca-", 30))
            continued++;
    }
    assert_int_equal(long_lines, 0);
    assert_true(continued >= 1);
    assert_null(strstr(buf, "softwa\n"));
    free(buf);
    tb_free(&t);
}

/* Capped lists say so: the first 100 dead files of 150, the paths of a dead-bytes category. */
static void test_json_capped_and_files(void **state)
{
    (void)state;
    struct analysis_opts o = {.config_path = "/nonexistent"};
    struct tb t;
    tb_init(&t, 2, &o);
    char p[64];
    for (int i = 0; i < 150; i++) {
        snprintf(p, sizeof p, "/data/f%03d", i);
        tb_file(&t, 0, p, NULL, 100 + (uint64_t)i);
    }
    tb_whiteout(&t, 1, "/data");
    const char *instr[] = {"RUN make data", "RUN rm -rf /data"};
    tb_run(&t, instr);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(report_json(f, &t.img, t.a), 0);
    fclose(f);
    assert_non_null(strstr(buf, "\"dead_files_truncated\": true,\n    \"dead_files_total\": 150"));
    assert_non_null(strstr(buf, "\"truncated\": true,\n        \"total\": 150"));
    assert_null(strstr(buf, "\"entries\""));
    free(buf);
    struct report_opts ro = {.files = 1};
    f = open_memstream(&buf, &len);
    assert_int_equal(report_json_opts(f, &t.img, t.a, &ro), 0);
    fclose(f);
    assert_non_null(strstr(buf, "\"entries\": ["));
    assert_non_null(strstr(buf, "\"path\": \"/data/f149\",\n          \"bytes\": 249,\n          \"kind\": \"file\",\n"
                                "          \"status\": \"deleted\",\n          \"hidden_by\": 1"));
    assert_non_null(strstr(buf, "\"path\": \"/data\",\n          \"bytes\": 0,\n          \"kind\": \"whiteout\""));
    free(buf);
    tb_free(&t);
}

/* layer-order: a RUN install after COPY steps names the newest COPY that brought code, skipping
 * a later COPY with none; files under installed-code folders (site-packages, node_modules, .git,
 * ...) are not code; COPY steps whose only "code" is there make no finding. */
static void test_layer_order_code_copy(void **state)
{
    (void)state;
    static const char *instr[] = {"ADD file:84b6 in /", "COPY dir:aa in /app", "COPY dir:cc in /app/srv",
                                  "COPY file:bb in /app/README.md", "RUN pip install -r requirements.txt"};
    struct tb t;
    tb_init(&t, 5, NULL);
    tb_file(&t, 0, "/etc/os-release", NULL, 100);
    tb_file(&t, 1, "/app/old.py", NULL, 5);
    tb_file(&t, 2, "/app/venv/lib/site-packages/dep/x.py", NULL, 10);
    tb_file(&t, 2, "/app/srv/main.py", NULL, 20);
    tb_file(&t, 2, "/app/srv/util.go", NULL, 30);
    tb_file(&t, 2, "/app/data.csv", NULL, 40);
    tb_file(&t, 3, "/app/README.md", NULL, 50);
    tb_file(&t, 4, "/usr/lib/python3/dist-packages/y.py", NULL, 60);
    tb_run(&t, instr);
    const struct advice *ad = t.a->advice;
    assert_int_equal(ad->n_order, 1);
    assert_int_equal(ad->order[0].history, 4);
    assert_int_equal(ad->order[0].copy_history, 2);   /* the newest COPY with code, not the README's */
    assert_int_equal(ad->order[0].copy_layer, 2);
    assert_int_equal(ad->order[0].code_files, 2);     /* main.py, util.go; not site-packages */
    assert_string_equal(ad->order[0].code_example, "/app/srv/main.py");
    assert_string_equal(ad->order[0].tool, "pip");
    tb_free(&t);

    tb_init(&t, 5, NULL);
    tb_file(&t, 0, "/etc/os-release", NULL, 100);
    tb_file(&t, 1, "/app/node_modules/m/index.js", NULL, 10);
    tb_file(&t, 2, "/app/.git/hooks/x.py", NULL, 10);
    tb_file(&t, 3, "/app/README.md", NULL, 50);
    tb_file(&t, 4, "/usr/lib/y", NULL, 60);
    tb_run(&t, instr);
    assert_int_equal(t.a->advice->n_order, 0);
    tb_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_waste_rules_each_case),
        cmocka_unit_test(test_waste_rules_all_categories_covered),
        cmocka_unit_test(test_cuda_pip_dup),
        cmocka_unit_test(test_waste_threshold_option),
        cmocka_unit_test(test_waste_fix_and_layer),
        cmocka_unit_test(test_removable_counts_once),
        cmocka_unit_test(test_dead_order_and_sums),
        cmocka_unit_test(test_dupes),
        cmocka_unit_test(test_packages),
        cmocka_unit_test(test_packages_once),
        cmocka_unit_test(test_secrets_deleted_env),
        cmocka_unit_test(test_secrets_env_history_show),
        cmocka_unit_test(test_secrets_masked_copies),
        cmocka_unit_test(test_secrets_env_line_replaced),
        cmocka_unit_test(test_secrets_env_line_legacy),
        cmocka_unit_test(test_secrets_cmd_entrypoint_masked),
        cmocka_unit_test(test_config_ignore_unknown),
        cmocka_unit_test(test_secrets_pristine_by_digest),
        cmocka_unit_test(test_secrets_ignore_and_allow),
        cmocka_unit_test(test_config_parse),
        cmocka_unit_test(test_config_rule_empty_tail),
        cmocka_unit_test(test_report_text_escapes),
        cmocka_unit_test(test_config_file),
        cmocka_unit_test(test_hints),
        cmocka_unit_test(test_repeated_blob),
        cmocka_unit_test(test_blame_base),
        cmocka_unit_test(test_blame_user_layers),
        cmocka_unit_test(test_report_text_wrap),
        cmocka_unit_test(test_json_capped_and_files),
        cmocka_unit_test(test_layer_order_code_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
