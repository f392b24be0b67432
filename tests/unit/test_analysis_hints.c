/* test_analysis_hints.c: Dockerfile-level hints, a repeated blob, the blame of dead bytes (base
 * image or yours), the text report's wrapping, the JSON's caps, the layer-order advice. */
#include "tests/unit/analysis_tb.h"

#include "analysis/dockerignore.h"

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

/* The .dockerignore of a context COPY: a folder rule covers every file below it (a .env there
 * included), whichever folder came between two of its files; a file rule or a secret finding
 * names the file; a file copied whole to its destination is matched by its source's name. */
static void test_dockerignore_folders(void **state)
{
    (void)state;
    static const char *instr[] = {"COPY . /app", "RUN pip install torch", "COPY .env /app/.env"};
    const char *aws = "AWS_ACCESS_KEY_ID=AKIAZ7Q2V4X6B8N1M3P5\n";
    const char *ghp = "token = ghp_abcdefghijklmnopqrstuvwxyz0123456789\n";
    /* in this order in the layers: node_modules/b comes after src's first files */
    const struct { int layer; const char *path, *data; uint64_t size; } files[] = {
        {0, "/app/node_modules/a/x.js", NULL, 10}, {0, "/app/node_modules/a/.env", NULL, 5},
        {0, "/app/src/main.py", NULL, 20},         {0, "/app/src/.env", aws, 0},
        {0, "/app/src/key.txt", ghp, 0},           {0, "/app/node_modules/b/z.js", NULL, 7},
        {0, "/app/src/m.pyc", NULL, 3},            {0, "/app/data/train.csv", NULL, 100},
        {2, "/app/.env", NULL, 12},
    };
    struct tb t;
    tb_init(&t, 3, NULL);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        tb_file(&t, files[i].layer, files[i].path, files[i].data, files[i].size);
    tb_run(&t, instr);
    struct dockerignore *d = dockerignore_build(t.a, &t.img);
    const struct { const char *pattern; uint32_t files; uint64_t bytes; } want[] = {
        {"**/node_modules/", 3, 22},
        {"**/.env", 2, strlen(aws) + 12},
        {"src/key.txt", 1, strlen(ghp)},
        {"**/*.pyc", 1, 3},
        {"data/", 1, 100},
    };
    assert_int_equal(d->n_lines, sizeof want / sizeof *want);
    for (size_t i = 0; i < d->n_lines; i++) {
        assert_string_equal(d->lines[i].pattern, want[i].pattern);
        assert_int_equal(d->lines[i].files, want[i].files);
        assert_int_equal(d->lines[i].bytes, want[i].bytes);
    }
    assert_int_equal(d->n_copies, 2);
    assert_int_equal(d->copies[0].files, 7);
    assert_int_equal(d->copies[1].files, 1);
    dockerignore_free(d);
    /* the same, as the hints of the analysis: one per COPY that brought something in, placed by
     * history among the RUN's own hints (added before them) */
    const struct { const char *id; int history; } hint[] = {{"dockerignore", 0}, {"DL3042", 1}, {"dockerignore", 2}};
    size_t k = 0;
    for (size_t i = 0; i < t.a->n_hints; i++) {
        if (strcmp(t.a->hints[i].id, "dockerignore") && strcmp(t.a->hints[i].id, "DL3042"))
            continue;
        assert_true(k < sizeof hint / sizeof *hint);
        assert_string_equal(t.a->hints[i].id, hint[k].id);
        assert_int_equal(t.a->hints[i].history, hint[k].history);
        k++;
    }
    assert_int_equal(k, sizeof hint / sizeof *hint);
    tb_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hints),
        cmocka_unit_test(test_repeated_blob),
        cmocka_unit_test(test_blame_base),
        cmocka_unit_test(test_blame_user_layers),
        cmocka_unit_test(test_report_text_wrap),
        cmocka_unit_test(test_json_capped_and_files),
        cmocka_unit_test(test_layer_order_code_copy),
        cmocka_unit_test(test_dockerignore_folders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
