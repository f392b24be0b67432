/* test_ui.c: headless screen tests of the interactive view.
 *
 * Each test builds a real image file in memory (tests/unit/fixture_build.h), reads it as
 * strata does (image_open + analysis), opens the view on a SCREEN created by newterm() on
 * /dev/null with a fixed size, feeds keys through ui_key() and reads the screen back with
 * mvwinnstr(curscr) (tests/tui/ui_harness.h). ui_run_screen() is driven once through a key
 * file, as the real loop. The tree's rows, their cache and the prefetcher, and the 1M-entry
 * model are in test_rows.c. */
#include "tests/tui/ui_harness.h"

/* ------------------------------------------------------------------ pure parts */

static void test_layout(void **state)
{
    (void)state;
    struct ui_layout l;
    ui_layout_compute(23, 80, 5, &l);
    assert_true(l.too_small);
    ui_layout_compute(24, 79, 5, &l);
    assert_true(l.too_small);
    ui_layout_compute(24, 80, 5, &l);
    assert_false(l.too_small);
    /* panes tile the body: left column layers over findings, right column tree over details */
    assert_int_equal(l.pane[PANE_LAYERS][0], 2);
    assert_int_equal(l.pane[PANE_FINDINGS][0], l.pane[PANE_LAYERS][0] + l.pane[PANE_LAYERS][2]);
    assert_int_equal(l.pane[PANE_FINDINGS][0] + l.pane[PANE_FINDINGS][2], 23);
    assert_int_equal(l.pane[PANE_TREE][1], l.pane[PANE_LAYERS][3]);
    assert_int_equal(l.pane[PANE_TREE][1] + l.pane[PANE_TREE][3], 80);
    assert_int_equal(l.pane[PANE_DETAILS][0] + l.pane[PANE_DETAILS][2], 23);
    assert_int_equal(l.status_y, 23);
    ui_layout_compute(60, 200, 500, &l);
    assert_true(l.pane[PANE_LAYERS][2] <= 57 * 55 / 100 + 1);
}

static void test_actions_table(void **state)
{
    (void)state;
    char b[64];
    for (int a = 1; a < ACT_COUNT; a++) {
        assert_true(actions_help(a)[0] != 0);
        assert_true(actions_label(a, b, sizeof b)[0] != 0);
    }
    assert_int_equal(actions_lookup('q'), ACT_QUIT);
    assert_int_equal(actions_lookup('j'), ACT_DOWN);
    assert_int_equal(actions_lookup(KEY_DOWN), ACT_DOWN);
    assert_int_equal(actions_lookup('\r'), ACT_OPEN);
    assert_int_equal(actions_lookup(' '), ACT_OPEN);
    assert_int_equal(actions_lookup(KEY_NPAGE), ACT_PGDN);
    assert_int_equal(actions_lookup('Z'), ACT_NONE);
    assert_string_equal(actions_label(ACT_UP, b, sizeof b), "Up k");
    assert_string_equal(actions_label(ACT_OPEN, b, sizeof b), "Enter Space");
    /* every key in the table maps back to its own action: no key is bound twice */
    static const int table_keys[][4] = {
#define X(name, help, k1, k2, k3) {ACT_##name, k1, k2, k3},
        ACTIONS(X)
#undef X
    };
    for (size_t i = 0; i < sizeof table_keys / sizeof *table_keys; i++)
        for (int j = 1; j < 4; j++)
            if (table_keys[i][j])
                assert_int_equal(actions_lookup(table_keys[i][j]), table_keys[i][0]);
}

static void test_text_fit(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(text_width("abc"), 3);
    assert_int_equal(text_width("\xe6\x97\xa5\xe6\x9c\xac"), 4);   /* two wide characters */
    assert_int_equal(text_fit("a\x1b[31mb", 40, ELIDE_RIGHT, out, sizeof out), 10);
    assert_string_equal(out, "a\\x1b[31mb");
    assert_int_equal(text_fit("abcdefghij", 5, ELIDE_RIGHT, out, sizeof out), 5);
    assert_string_equal(out, "abcd\xe2\x80\xa6");
    assert_int_equal(text_fit("/usr/lib/x", 5, ELIDE_LEFT, out, sizeof out), 5);
    assert_string_equal(out, "\xe2\x80\xa6" "ib/x");
    /* a wide character never straddles the limit */
    int w = text_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4, ELIDE_RIGHT, out, sizeof out);
    assert_true(w <= 4);
    char m[12];
    assert_string_equal(fmt_mode(0100755, m), "-rwxr-xr-x");
    assert_string_equal(fmt_mode(0040700 | 01000, m), "drwx-----T");
}

/* ------------------------------------------------------------------ panes */

static void test_first_screen(void **state)
{
    struct fixture *f = *state;
    assert_screen("strata");
    assert_screen("app:1");
    assert_screen("efficiency");
    assert_screen("secrets ");
    assert_screen("Layers");
    assert_screen("ADD file:abc in /");
    assert_screen("ENV A=1");
    assert_screen("rm /tmp/big.bin");
    assert_screen("Files after layer 2");
    assert_screen("app/");
    assert_screen("Findings");
    assert_screen("aws-access-key-id");
    assert_screen("Tab pane");
    /* the empty-layer entry has no index */
    const char *l = line_with("ENV A=1");
    assert_non_null(strstr(l, "  - "));
    (void)f;
}

static void test_tree_keys(void **state)
{
    struct fixture *f = *state;
    struct ui *u = f->u;
    /* sorted by size: app (largest), etc, usr... ; the selection starts on the first row */
    key(u, KEY_HOME);
    assert_screen("\xe2\x96\xb8 app/");
    key(u, '\n');
    assert_screen("\xe2\x96\xbe app/");
    assert_screen(".env");
    assert_screen("main.py");
    key(u, KEY_LEFT);                      /* closes */
    assert_not_screen("main.py");
    key(u, KEY_RIGHT);                     /* opens */
    assert_screen("main.py");
    key(u, KEY_RIGHT);                     /* into the first child */
    key(u, 'h');                           /* back to the parent */
    key(u, 'h');                           /* closes it */
    assert_not_screen("main.py");
    key(u, ' ');                           /* Space opens too */
    assert_screen("main.py");
    key(u, KEY_END);
    key(u, KEY_PPAGE);
    key(u, KEY_NPAGE);
    key(u, 'k');
    key(u, 'j');
    key(u, KEY_UP);
    key(u, KEY_DOWN);
    key(u, CTRL('b'));
    key(u, CTRL('f'));
    key(u, 'g');
    assert_screen("\xe2\x96\xbe app/");
    key(u, 'G');
    assert_screen("/tmp");                  /* details of the last row (sorted by size) */
}

static void test_details_file_versions(void **state)
{
    struct fixture *f = *state;
    struct ui *u = f->u;
    select_file(u, "passwd");
    assert_screen("/etc/passwd");
    assert_screen("-rw-r--r--");
    /* written by layer 0, overwritten by layer 1 */
    assert_non_null(strstr(line_with("L0   + added"), "shadowed by L1"));
    assert_non_null(strstr(line_with("L1   ~ modified"), "final"));
}

static void test_layers_pane_and_details(void **state)
{
    struct fixture *f = *state;
    struct ui *u = f->u;
    key(u, '\t');
    key(u, '\t');                          /* tree -> findings -> layers */
    assert_screen(" Layer ");
    key(u, KEY_HOME);
    assert_screen("Files after layer 0");
    assert_screen("Layer 0   diff_id sha256:");
    assert_screen("ADD file:abc in /");
    key(u, 'j');                           /* the empty-layer entry: layer 0's filesystem */
    assert_screen("no layer (metadata only)");
    assert_screen("Files after layer 0");
    key(u, 'j');
    assert_screen("Files after layer 1");
    assert_screen("echo secret > /app/.env && echo done");   /* raw created_by */
    key(u, ']');
    assert_screen("Files after layer 2");
    key(u, '[');
    assert_screen("Files after layer 1");
    key(u, '\n');                          /* Enter moves to the tree */
    assert_screen(" File ");
}

static void test_changes_and_marks(void **state)
{
    struct fixture *f = *state;
    struct ui *u = f->u;
    /* layer 2 removes /tmp/big.bin and adds /app files (a search would go to layer 0, where
     * big.bin still is: O opens every folder instead) */
    key(u, 'O');
    assert_screen("big.bin");
    assert_true(tree_mark(u, "big.bin") == '-');   /* "-" mark, as in monochrome */
    select_file(u, "main.py");
    assert_true(tree_mark(u, "main.py") == '+');
    key(u, 'c');
    assert_screen("Changes of layer 2");
    assert_not_in_tree(u, "usr/");              /* unchanged: not listed */
    assert_screen("big.bin");
    key(u, 'R');                            /* hide removed */
    assert_screen("hiding -");
    assert_not_in_tree(u, "big.bin");
    key(u, 'R');
    key(u, 'A');                            /* hide added */
    assert_not_in_tree(u, "main.py");
    assert_screen("big.bin");
    key(u, 'A');
    key(u, 'c');
    assert_screen("Files after layer 2");
    key(u, 'U');                            /* hide unchanged */
    assert_not_in_tree(u, " usr/");
    key(u, 'U');
    key(u, 'M');
    assert_screen("hiding ~");
    key(u, 'M');
    /* layer 1 modifies /etc/passwd */
    key(u, '[');
    select_file(u, "passwd");
    assert_true(tree_mark(u, "passwd") == '~');
}

static void test_search(void **state)
{
    struct fixture *f = *state;
    struct ui *u = f->u;
    /* everything closed: search opens the parents */
    assert_not_screen("tool");
    key(u, '/');
    assert_screen("/_");
    keys(u, "tool");
    key(u, '\n');
    assert_screen("\"tool\": match 1 of 1");
    assert_screen("/usr/bin/tool");
    select_file(u, ".py");
    assert_screen("match 1 of 2");
    key(u, 'n');
    assert_screen("match 2 of 2");
    key(u, 'n');
    assert_screen("match 1 of 2");
    key(u, 'N');
    assert_screen("match 2 of 2");
    select_file(u, "nothing-like-this");
    assert_screen("no match");
    /* backspace and Esc in the prompt */
    key(u, '/');
    keys(u, "xy");
    key(u, KEY_BACKSPACE);
    assert_screen("/x_");
    key(u, 27);
    assert_not_screen("/x_");
}

static void test_filter_and_sort(void **state)
{
    struct fixture *f = *state;
    struct ui *u = f->u;
    key(u, 'f');
    keys(u, "bin");
    key(u, '\n');
    assert_screen("filter /bin/");
    assert_in_tree(u, "usr/");
    assert_not_in_tree(u, "etc/");
    assert_not_in_tree(u, "app/");
    key(u, 'f');
    key(u, CTRL('u'));
    key(u, '\n');
    assert_screen("filter cleared");
    assert_in_tree(u, "etc/");
    /* sort by name: app, etc, tmp(removed), usr in that order */
    key(u, 's');
    assert_screen("by name");
    const char *d = pane_text(u, PANE_TREE);
    const char *a = strstr(d, "app/"), *e = strstr(d, "etc/"), *us = strstr(d, "usr/");
    assert_true(a && e && us && a < e && e < us);
    key(u, 's');
    assert_screen("by size");
}

static void test_findings_jump(void **state)
{
    struct fixture *f = *state;
    struct ui *u = f->u;
    key(u, '\t');                            /* findings: the secrets group first, open */
    assert_screen(" Finding ");
    assert_screen("secrets (2)");
    key(u, 'j');
    assert_screen("Secret aws-access-key-id");
    assert_screen("AKIA");
    assert_not_screen(AKIA);                 /* masked */
    key(u, '\n');
    assert_screen("Files after layer 1");
    assert_screen("/app/.env, at layer 1");
    assert_screen(" File ");
    /* a dead file: big.bin written by layer 0, deleted by layer 2: category, layer, file */
    key(u, '\t');
    for (int i = 0; i < 10 && !on_screen("Layer 2 deleted 1 file"); i++)
        key(u, 'j');
    assert_screen("Layer 2 deleted 1 file");
    key(u, '\n');                            /* opens the layer's group */
    key(u, 'j');
    assert_screen("deleted by layer 2");
    key(u, '\n');
    assert_screen("Files after layer 0");
    assert_screen("/tmp/big.bin, at layer 0");
}

static void test_viewer_masks_secret(void **state)
{
    struct fixture *f = *state;
    struct ui *u = f->u;
    select_file(u, ".env");
    key(u, 'v');
    assert_screen("/app/.env");
    assert_screen("secrets masked");
    assert_screen("DEBUG=1");
    assert_screen("AWS_ACCESS_KEY_ID=AKIA");
    assert_not_screen(AKIA);
    assert_screen("1 secret value masked");
    key(u, 'j');
    key(u, KEY_END);
    key(u, 'q');                             /* closes the viewer, not the program */
    assert_screen("Files after layer 2");
    /* a hard link shows its target's content */
    select_file(u, "hard.py");
    key(u, 'v');
    assert_screen("print('hello')");
    key(u, 27);
    /* a symlink and a directory say what they are */
    select_file(u, "link");
    key(u, 'v');
    assert_screen("symbolic link to main.py");
    key(u, KEY_HOME);
    key(u, 'v');
    assert_screen("is a directory");
}

static void test_extract(void **state)
{
    struct fixture *f = *state;
    struct ui *u = f->u;
    char d[512], want[600];
    snprintf(d, sizeof d, "%s/x1", tmpdir);
    mkdir(d, 0755);
    select_file(u, "main.py");
    key(u, 'x');
    assert_screen("extract to folder: ._");
    key(u, CTRL('u'));
    keys(u, d);
    key(u, '\n');
    snprintf(want, sizeof want, "%s/app/main.py", d);
    assert_screen("wrote ");
    FILE *fp = fopen(want, "r");
    assert_non_null(fp);
    char buf[64] = "";
    assert_non_null(fgets(buf, sizeof buf, fp));
    fclose(fp);
    assert_string_equal(buf, "print('hello')\n");
    /* twice: refused, not overwritten */
    key(u, 'x');
    key(u, CTRL('u'));
    keys(u, d);
    key(u, '\n');
    assert_screen("already exists");
    /* never inside the image folder: (the image is a tar here; the check is on real paths) */
    key(u, 'x');
    key(u, CTRL('u'));
    keys(u, "/nonexistent-dir-xyz");
    key(u, '\n');
    assert_screen("/nonexistent-dir-xyz");
}

static void test_help(void **state)
{
    struct fixture *f = *state;
    struct ui *u = f->u;
    key(u, '?');
    assert_screen("strata: keys");
    for (int a = 1; a < ACT_COUNT; a++) {
        char b[64];
        assert_screen(actions_help(a));
        assert_screen(actions_label(a, b, sizeof b));
    }
    key(u, '?');
    assert_not_screen("strata: keys");
    key(u, KEY_F(1));
    assert_screen("strata: keys");
    key(u, 27);
    assert_screen("Layers");
}

static void test_names_escaped_and_wide(void **state)
{
    struct fixture *f = *state;
    struct ui *u = f->u;
    select_file(u, "bad");
    assert_screen("bad\\x1b[31mname");
    select_file(u, ".txt");
    assert_screen("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.txt");
    /* the wide name's row ends with the pane border at the same column as the others */
    const char *wl = line_with("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.txt");
    assert_int_equal(text_width(wl), COLS_);
}

static void test_resize(void **state)
{
    struct fixture *f = *state;
    struct ui *u = f->u;
    resizeterm(20, 70);
    key(u, KEY_RESIZE);
    assert_screen("terminal too small: 70x20");
    key(u, 'j');                            /* keys do nothing but q */
    assert_screen("terminal too small");
    resizeterm(24, 80);
    key(u, KEY_RESIZE);
    assert_screen("Layers");
    assert_screen("Files after layer 2");
    resizeterm(50, 160);
    key(u, KEY_RESIZE);
    assert_screen("Findings");
    int lines, cols;
    getmaxyx(curscr, lines, cols);
    assert_int_equal(lines, 50);
    assert_int_equal(cols, 160);
    key(u, CTRL('l'));
    assert_screen("Layers");
    assert_int_equal(ui_key(u, 'q') & REACT_QUIT, REACT_QUIT);
}

static void test_mouse(void **state)
{
    struct fixture *f = *state;
    struct ui *u = f->u;
    /* click the second row of the tree pane */
    struct view *t = &u->views[PANE_TREE];
    ui_mouse(u, t->y + 2, t->x + 20, BUTTON1_CLICKED);
    ui_draw(u);
    uint32_t second = u->rows.v[1].node;
    assert_int_equal(u->tree_node, second);
    /* a second click on a folder opens it */
    size_t before = u->rows.n;
    ui_mouse(u, t->y + 2, t->x + 20, BUTTON1_CLICKED);
    ui_draw(u);
    assert_true(u->rows.n > before);
    /* click a layer row */
    struct view *lv = &u->views[PANE_LAYERS];
    ui_mouse(u, lv->y + 1, lv->x + 5, BUTTON1_CLICKED);
    ui_draw(u);
    assert_screen("Files after layer 0");
    assert_int_equal(u->focus, PANE_LAYERS);
    /* the wheel moves the selection of the pane under the pointer */
    ui_mouse(u, lv->y + 2, lv->x + 5, BUTTON5_PRESSED);
    ui_draw(u);
    assert_int_equal(lv->sel, 3);
    ui_mouse(u, lv->y + 2, lv->x + 5, BUTTON4_PRESSED);
    ui_draw(u);
    assert_int_equal(lv->sel, 0);
    /* clicks on the details area and outside every pane do nothing */
    struct view *dv = &u->views[PANE_DETAILS];
    assert_int_equal(ui_mouse(u, dv->y + 1, dv->x + 1, BUTTON1_CLICKED), REACT_HANDLED);
}

static void test_unknown_key_and_quit(void **state)
{
    struct fixture *f = *state;
    struct ui *u = f->u;
    key(u, 'Z');
    assert_screen("does nothing here");
    key(u, 27);
    assert_not_screen("does nothing here");
    assert_int_equal(ui_key(u, 'q') & REACT_QUIT, REACT_QUIT);
}

/* ------------------------------------------------------------------ other formats, colours */

static void view_env_in(enum fx_format fmt, int filter, const char *name)
{
    struct loaded l;
    load(&l, fmt, filter, name);
    SCREEN *s = term_open(LINES_, COLS_);
    struct ui *u = ui_new(s, &l.img, l.an, "off");
    ui_draw(u);
    select_file(u, ".env");
    key(u, 'v');
    assert_screen("DEBUG=1");
    assert_not_screen(AKIA);
    ui_free(u);
    term_close(s);
    unload(&l);
}

static void test_viewer_formats(void **state)
{
    (void)state;
    view_env_in(FX_OCI_ARCHIVE, FX_PLAIN, "oci.tar");
    view_env_in(FX_OCI_DIR, FX_PLAIN, "ocidir");
    view_env_in(FX_DOCKER25, FX_GZIP, "d25.tar.gz");
    view_env_in(FX_BUILDAH, FX_ZSTD, "buildah.tar.zst");
    view_env_in(FX_KANIKO, FX_PLAIN, "kaniko.tar");
}

static void test_monochrome(void **state)
{
    (void)state;
    struct loaded l;
    load(&l, FX_LEGACY, FX_PLAIN, "mono.tar");
    SCREEN *s = term_open(LINES_, COLS_);
    struct ui *u = ui_new(s, &l.img, l.an, "off");
    assert_true(theme_mono());
    ui_draw(u);
    select_file(u, "main.py");
    assert_true(tree_mark(u, "main.py") == '+');
    ui_free(u);
    term_close(s);
    setenv("NO_COLOR", "1", 1);
    s = term_open(LINES_, COLS_);
    u = ui_new(s, &l.img, l.an, "auto");
    assert_true(theme_mono());
    ui_free(u);
    term_close(s);
    unsetenv("NO_COLOR");
    s = term_open(LINES_, COLS_);
    u = ui_new(s, &l.img, l.an, "dark");
    assert_false(theme_mono());
    ui_draw(u);
    assert_screen("Layers");
    ui_free(u);
    term_close(s);
    assert_int_equal(theme_parse("bogus"), -1);
    unload(&l);
}

/* ------------------------------------------------------------------ the real loop */

static int run_with_keys(const char *image, const char *keyseq, int lines, int cols)
{
    char kp[512];
    snprintf(kp, sizeof kp, "%s/keys", tmpdir);
    FILE *k = fopen(kp, "w");
    assert_non_null(k);
    fputs(keyseq, k);
    fclose(k);
    FILE *in = fopen(kp, "r");
    SCREEN *s = newterm("xterm-256color", null_out, in);
    set_term(s);
    resizeterm(lines, cols);
    struct ui_args a = {.path = image, .color = "auto"};
    int rc = ui_run_screen(&a, s);
    endwin();
    delscreen(s);
    fclose(in);
    return rc;
}

static void test_run_loop(void **state)
{
    (void)state;
    struct fx_img im = demo_img();
    char *p = fx_write(&im, FX_OCI_ARCHIVE, FX_GZIP, tmpdir, "loop.tar.gz");
    fx_img_free(&im);
    /* keys typed while loading are kept; q quits; the last screen stays in curscr */
    char kp[512];
    snprintf(kp, sizeof kp, "%s/keys", tmpdir);
    FILE *k = fopen(kp, "w");
    fputs("/tool\nq", k);
    fclose(k);
    FILE *in = fopen(kp, "r");
    SCREEN *s = newterm("xterm-256color", null_out, in);
    set_term(s);
    resizeterm(LINES_, COLS_);
    struct ui_args a = {.path = p, .color = "auto"};
    assert_int_equal(ui_run_screen(&a, s), 0);
    assert_screen("/usr/bin/tool");
    endwin();
    delscreen(s);
    fclose(in);
    /* end of input without q also ends the loop */
    assert_int_equal(run_with_keys(p, "jjj", LINES_, COLS_), 0);
    /* an unreadable image: exit code 1 */
    char bad[512];
    snprintf(bad, sizeof bad, "%s/garbage.tar", tmpdir);
    FILE *g = fopen(bad, "w");
    fputs("this is not an image", g);
    fclose(g);
    fflush(stderr);
    int saved = dup(2);
    freopen("/dev/null", "w", stderr);
    /* no key typed: a q could win the race with a slow reader (ASan, a loaded machine), and
     * quitting before the failure is known rightly exits 0 */
    int rc = run_with_keys(bad, "", LINES_, COLS_);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    assert_int_equal(rc, 1);
    free(p);
}

int main(void)
{
    if (ui_harness_begin() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_actions_table),
        cmocka_unit_test(test_text_fit),
        cmocka_unit_test_setup_teardown(test_first_screen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tree_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_details_file_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layers_pane_and_details, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes_and_marks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filter_and_sort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_findings_jump, setup, teardown),
        cmocka_unit_test_setup_teardown(test_viewer_masks_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extract, setup, teardown),
        cmocka_unit_test_setup_teardown(test_help, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names_escaped_and_wide, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mouse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_key_and_quit, setup, teardown),
        cmocka_unit_test(test_viewer_formats),
        cmocka_unit_test(test_monochrome),
        cmocka_unit_test(test_run_loop),
    };
    return ui_harness_end(cmocka_run_group_tests(tests, NULL, NULL));
}
