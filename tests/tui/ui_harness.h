/* ui_harness.h: what the headless screen tests of the view share (test_ui.c, test_rows.c): a
 * small image built in memory (tests/unit/fixture_build.h) and read as strata reads it, a SCREEN
 * made by newterm() on /dev/null, keys fed through ui_key(), the screen and its panes read back
 * with mvwinnstr(curscr), and the per-test fixture. Each test file includes it once; a helper a
 * file does not use is no warning. */
#ifndef STRATA_TESTS_UI_HARNESS_H
#define STRATA_TESTS_UI_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <locale.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#pragma GCC diagnostic push     /* a helper one test file does not use is no warning */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "analysis/analysis.h"
#include "src/image.h"
#include "tests/unit/fixture_build.h"
#include "ui/actions.h"
#include "ui/draw.h"
#include "src/fetch.h"
#include "ui/prefetch.h"
#include "ui/rows.h"
#include "ui/theme.h"
#include "ui/ui.h"
#include "ui/view.h"

#define AKIA "AKIAZ7QK3M5T2RX4WB6P"
#define LINES_ 40
#define COLS_ 120

static char tmpdir[256];
static FILE *null_out, *null_in;

/* ------------------------------------------------------------------ fixture image */

static struct fx_img demo_img(void)
{
    struct fx_img im = {0};
    fx_img_layer(&im, fx_layer(FX_GZIP, (struct fx_ent[]){
        FX_D("etc"), FX_F("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
        FX_D("usr"), FX_D("usr/bin"), FX_F("usr/bin/tool", "#!/bin/sh\necho tool\n"),
        FX_D("tmp"), FX_F("tmp/big.bin", "0123456789012345678901234567890123456789012345678901234567890123456789"),
        FX_END}));
    fx_img_layer(&im, fx_layer(FX_PLAIN, (struct fx_ent[]){
        FX_D("app"), FX_F("app/.env", "DEBUG=1\nAWS_ACCESS_KEY_ID=" AKIA "\n"),
        FX_F("etc/passwd", "root:x:0:0:root:/root:/bin/bash\nuser:x:1000:1000::/home/user:/bin/sh\n"),
        FX_END}));
    fx_img_layer(&im, fx_layer(FX_PLAIN, (struct fx_ent[]){
        FX_WH("tmp/.wh.big.bin"), FX_F("app/main.py", "print('hello')\n"),
        FX_F("app/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.txt", "wide\n"),
        FX_F("app/bad\x1b[31mname", "ctl\n"), FX_L("app/link", "main.py"),
        FX_H("app/hard.py", "app/main.py"),
        FX_END}));
    fx_img_history(&im, "["
        "{\"created_by\":\"/bin/sh -c #(nop) ADD file:abc in / \"},"
        "{\"created_by\":\"/bin/sh -c #(nop)  ENV A=1\",\"empty_layer\":true},"
        "{\"created_by\":\"/bin/sh -c echo secret > /app/.env && echo done\"},"
        "{\"created_by\":\"/bin/sh -c rm /tmp/big.bin && cp -r src /app\"}]");
    return im;
}

struct loaded {
    struct image img;
    struct analysis *an;
    char *path;
};

static void load(struct loaded *l, enum fx_format fmt, int filter, const char *name)
{
    struct fx_img im = demo_img();
    l->path = fx_write(&im, fmt, filter, tmpdir, name);
    fx_img_free(&im);
    struct analysis_opts ao = {0};
    l->an = analysis_new(&ao);
    struct sink sinks[8];
    struct image_opts io = {0};
    io.n_sinks = analysis_sinks(l->an, sinks, 8);
    io.sinks = sinks;
    int rc = image_open(&l->img, l->path, &io);
    assert_int_not_equal(rc, RC_FATAL);
    analysis_run(l->an, &l->img);
}

static void unload(struct loaded *l)
{
    analysis_free(l->an);
    image_close(&l->img);
    free(l->path);
}

/* ------------------------------------------------------------------ screen helpers */

static SCREEN *term_open(int lines, int cols)
{
    SCREEN *s = newterm("xterm-256color", null_out, null_in);
    assert_non_null(s);
    set_term(s);
    resizeterm(lines, cols);
    return s;
}

static void term_close(SCREEN *s)
{
    endwin();
    delscreen(s);
}

static char screen_buf[200 * 1024];

/* The whole screen as text, one line per row. */
static const char *dump(void)
{
    size_t o = 0;
    int lines, cols;
    getmaxyx(curscr, lines, cols);
    for (int y = 0; y < lines; y++) {
        char line[2048];
        int n = mvwinnstr(curscr, y, 0, line, (int)sizeof line - 1);
        if (n < 0)
            n = 0;
        line[n] = 0;
        (void)cols;
        o += (size_t)snprintf(screen_buf + o, sizeof screen_buf - o, "%s\n", line);
    }
    return screen_buf;
}

static int on_screen(const char *text)
{
    return strstr(dump(), text) != NULL;
}

#define assert_screen(text) do { if (!on_screen(text)) { fprintf(stderr, "screen:\n%s\nmissing: %s\n", screen_buf, text); fail(); } } while (0)
#define assert_not_screen(text) do { if (on_screen(text)) { fprintf(stderr, "screen:\n%s\nunexpected: %s\n", screen_buf, text); fail(); } } while (0)

static void keys(struct ui *u, const char *s)
{
    for (; *s; s++)
        ui_key(u, (unsigned char)*s);
    ui_draw(u);
}

static void key(struct ui *u, int k)
{
    ui_key(u, k);
    ui_draw(u);
}

/* Line of the screen that contains text, or "" */
static const char *line_with(const char *text)
{
    static char line[4096];
    const char *d = dump(), *p = strstr(d, text);
    line[0] = 0;
    if (!p)
        return line;
    const char *s = p;
    while (s > d && s[-1] != '\n')
        s--;
    const char *e = strchr(p, '\n');
    snprintf(line, sizeof line, "%.*s", (int)(e - s), s);
    return line;
}

static char pane_buf[64 * 1024];

/* The text of one pane's rectangle, one line per row. */
static const char *pane_text(const struct ui *u, int pane)
{
    const struct view *v = &u->views[pane];
    size_t o = 0;
    for (int y = v->y; y < v->y + v->h; y++) {
        char line[2048];
        int n = mvwinnstr(curscr, y, v->x, line, v->w < 2000 ? v->w : 2000);
        line[n < 0 ? 0 : n] = 0;
        o += (size_t)snprintf(pane_buf + o, sizeof pane_buf - o, "%s\n", line);
    }
    return pane_buf;
}

/* The tree row showing `name`: its first characters are the border and the change mark. */
static const char *tree_line(const struct ui *u, const char *name)
{
    static char line[2048];
    const char *d = pane_text(u, PANE_TREE), *p = strstr(d, name);
    line[0] = 0;
    if (p) {
        const char *s = p;
        while (s > d && s[-1] != '\n')
            s--;
        snprintf(line, sizeof line, "%.*s", (int)(strchr(p, '\n') - s), s);
    }
    return line;
}

/* The change mark of the tree row showing `name` (the character after the pane border). */
static char tree_mark(const struct ui *u, const char *name)
{
    const unsigned char *l = (const unsigned char *)tree_line(u, name);
    if (!*l)
        return 0;
    l++;
    while ((*l & 0xc0) == 0x80)   /* rest of a UTF-8 border character */
        l++;
    return (char)*l;
}

#define assert_in_tree(u, text) do { if (!strstr(pane_text(u, PANE_TREE), text)) { fprintf(stderr, "tree:\n%s\nmissing: %s\n", pane_buf, text); fail(); } } while (0)
#define assert_not_in_tree(u, text) do { if (strstr(pane_text(u, PANE_TREE), text)) { fprintf(stderr, "tree:\n%s\nunexpected: %s\n", pane_buf, text); fail(); } } while (0)

/* Selects the tree row whose name is `name` by searching for it. */
static void select_file(struct ui *u, const char *name)
{
    key(u, '/');
    keys(u, name);
    key(u, '\n');
}

struct fixture {
    struct loaded l;
    SCREEN *s;
    struct ui *u;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    load(&f->l, FX_LEGACY, FX_PLAIN, "legacy.tar");
    f->s = term_open(LINES_, COLS_);
    f->u = ui_new(f->s, &f->l.img, f->l.an, "auto");
    ui_draw(f->u);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    ui_free(f->u);
    term_close(f->s);
    unload(&f->l);
    free(f);
    return 0;
}

/* The start of main(): UTC, the xterm-256color terminal, a UTF-8 locale, a temporary folder for
 * the image files and /dev/null for the screens. 0, or -1 when the folder cannot be made. */
static int ui_harness_begin(void)
{
    setenv("TZ", "UTC", 1);
    setenv("TERM", "xterm-256color", 1);
    unsetenv("NO_COLOR");
    if (!setlocale(LC_ALL, "C.UTF-8"))
        setlocale(LC_ALL, "");
    snprintf(tmpdir, sizeof tmpdir, "%s", "/tmp/strata-tui.XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    null_out = fopen("/dev/null", "w");
    null_in = fopen("/dev/null", "r");
    return 0;
}

/* The end of main(): the temporary folder removed; rc, or 1 if it could not be. */
static int ui_harness_end(int rc)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        rc = rc ? rc : 1;
    if (null_out)
        fclose(null_out);
    if (null_in)
        fclose(null_in);
    return rc;
}

#pragma GCC diagnostic pop

#endif
