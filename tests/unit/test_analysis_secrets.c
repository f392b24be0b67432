/* test_analysis_secrets.c: the secrets the analysis reports (deleted files, ENV, history, CMD
 * and ENTRYPOINT), their masked copies, ignores and allow globs; .strata.conf and its errors. */
#include "tests/unit/analysis_tb.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
