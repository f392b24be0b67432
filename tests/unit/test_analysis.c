/* test_analysis.c: waste rules, dead bytes, duplicates and packages, on models built by hand
 * (analysis_tb.h). */
#include "tests/unit/analysis_tb.h"

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
    /* each byte to one package: index.js to node-x (dpkg) alone, package.json to x (npm) */
    assert_int_equal(total, 1000 + 600 + strlen("{\"name\":\"x\",\"version\":\"1\"}"));
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
