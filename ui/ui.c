/* ui.c: terminal setup and teardown, signals, the one event loop, overlays, the helpers views
 * call (messages, jumps), and building the view over a loaded image. Keys are dispatched in
 * keys.c, the prompt and search live in search.c, the header and status line in header.c, the
 * reader thread and loading screen in load.c, the file viewer in viewer.c, the panes' layout and
 * resize in layout.c. */
#include "ui/ui.h"

#include <errno.h>
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "src/util.h"
#include "ui/carry.h"
#include "ui/draw.h"
#include "ui/header.h"
#include "ui/load.h"
#include "ui/prefetch.h"
#include "ui/theme.h"
#include "ui/view.h"
#include "ui/viewer.h"

static volatile sig_atomic_t got_signal;
static int curses_on;          /* endwin() still owed */

static void restore_terminal(void)
{
    if (curses_on) {
        curses_on = 0;
        endwin();
        fflush(stdout);
    }
}

static void on_signal(int sig)
{
    got_signal = sig;
}

static void install_handlers(struct sigaction *old_int, struct sigaction *old_term)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;            /* no SA_RESTART: getch returns so the loop sees the flag */
    sigaction(SIGINT, &sa, old_int);
    sigaction(SIGTERM, &sa, old_term);
    sigaction(SIGHUP, &sa, NULL);   /* the terminal went away */
    util_set_die_hook(restore_terminal);
}

int ui_signalled(void) { return got_signal != 0; }

/* A signal arrived: restore the terminal and die of it, as the default action would. */
void ui_die_of_signal(void)
{
    int sig = got_signal;
    restore_terminal();
    signal(sig, SIG_DFL);
    raise(sig);
    _exit(128 + sig);
}

/* ---- helpers for the views ---- */

void ui_message(struct ui *u, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->msg, sizeof u->msg, fmt, ap);
    va_end(ap);
    u->msg_err = err;
    u->dirty = 1;
}

long ui_layer_row_of(const struct ui *u, int layer)
{
    for (size_t i = 0; i < u->n_lrows; i++)
        if (u->lrow_layer[i] == layer)
            return (long)i;
    return -1;
}

/* STRATA_KEYLOG (loop() below says what it is for). Besides the timing lines, where the view
 * got what a key needed: "layer loaded|loading L cached|built SEC.NSEC" when the tree moves to
 * layer L, "prefetched loaded L SEC.NSEC" when the prefetch thread's layer is taken, and
 * "groups loaded reader|built SEC.NSEC" for the findings pane's groups, so that tests can tell
 * the work was done ahead of the key. */
static FILE *keylog;
static int keylog_pending = -1;   /* the key whose effect is not drawn yet */
static int keylog_live;           /* run_live is making its view (u->loader is set after) */

static void keylog_note(const struct ui *u, const char *what, long n, const char *how)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    fprintf(keylog, "%s %s", what, u->loader || keylog_live ? "loading" : "loaded");
    if (n >= 0)
        fprintf(keylog, " %ld", n);
    if (how)
        fprintf(keylog, " %s", how);
    fprintf(keylog, " %lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
    fflush(keylog);
}

void ui_set_layer_row(struct ui *u, long row)
{
    if (!u->n_lrows)
        return;
    if (row < 0)
        row = 0;
    if (row >= (long)u->n_lrows)
        row = (long)u->n_lrows - 1;
    struct view *lv = &u->views[PANE_LAYERS];
    lv->sel = row;
    list_scroll_into_view(row, &lv->top, (long)u->n_lrows, lv->h - 2);
    int L = u->lrow_fs[row];
    if (L != u->layer || !u->rows.cur) {
        u->layer = L;
        prefetch_wait(u->prefetch, &u->rows, L);
        if (keylog && L >= 0)
            keylog_note(u, "layer", L, rows_cached(&u->rows, L) ? "cached" : "built");
        rows_set_layer(&u->rows, L);
    }
    u->dirty = 1;
}

uint32_t ui_node_entry(const struct ui *u, uint32_t node)
{
    const struct model *m = &u->img->model;
    if (u->layer < 0 || !node || node >= m->n_paths)
        return 0;
    uint32_t e = model_visible_at(m, node, (uint32_t)u->layer);
    if (e)
        return e;
    for (uint32_t v = m->path_first[node]; v; v = m->entries[v].next_version)
        if (m->entries[v].hidden_at == (uint16_t)u->layer && !(m->entries[v].flags & (EF_WHITEOUT | EF_IMPLICIT)))
            e = v;
    return e;
}

void ui_jump_node(struct ui *u, uint32_t node, int layer)
{
    const struct model *m = &u->img->model;
    long row = ui_layer_row_of(u, layer);
    if (row < 0) {
        ui_message(u, 1, "layer %d is not in the layer list", layer);
        return;
    }
    ui_set_layer_row(u, row);
    long i = rows_reveal(&u->rows, node);
    if (i < 0 && u->rows.changes_only) {
        rows_set_changes_only(&u->rows, 0);
        i = rows_reveal(&u->rows, node);
    }
    char p[4096];
    if (i < 0) {
        ui_message(u, 1, "%s is hidden (filter or A R M U toggles)", model_path_str(m, node, p, sizeof p));
        return;
    }
    u->tree_node = node;
    u->views[PANE_TREE].sel = i;
    u->focus = u->details_of = PANE_TREE;
    ui_message(u, 0, "%s, at layer %d", model_path_str(m, node, p, sizeof p), layer);
}

void ui_jump_to(struct ui *u, uint32_t entry)
{
    const struct model *m = &u->img->model;
    if (!entry || entry >= m->n_entries || m->entries[entry].layer == LAYER_NONE)
        return;
    ui_jump_node(u, m->entries[entry].path, m->entries[entry].layer);
}

void ui_overlay_open(struct ui *u, const struct view_ops *ops)
{
    if (u->overlay.ops && u->overlay.ops->fini)
        u->overlay.ops->fini(&u->overlay);
    if (u->overlay.win)
        delwin(u->overlay.win);
    memset(&u->overlay, 0, sizeof u->overlay);
    u->overlay.ops = ops;
    u->overlay.u = u;
    if (ops->init)
        ops->init(&u->overlay);
    ui_relayout(u);
}

void ui_overlay_close(struct ui *u)
{
    if (u->overlay.ops && u->overlay.ops->fini)
        u->overlay.ops->fini(&u->overlay);
    if (u->overlay.win)
        delwin(u->overlay.win);
    memset(&u->overlay, 0, sizeof u->overlay);
    ui_relayout(u);
}

/* ---- drawing ---- */

/* Word-wraps text into at most max lines of width w (a word longer than w is cut); returns the
 * lines made. Our own ASCII text: bytes are columns. */
static int wrap_words(const char *text, int w, char out[][128], int max)
{
    int n = 0;
    const char *s = text;
    while (*s && n < max) {
        while (*s == ' ')
            s++;
        int len = 0, last_space = -1;
        while (s[len] && len < w && len < 127) {
            if (s[len] == ' ')
                last_space = len;
            len++;
        }
        if (s[len] && s[len] != ' ' && last_space > 0)
            len = last_space;           /* break before the word that does not fit */
        memcpy(out[n], s, (size_t)len);
        out[n][len] = 0;
        while (len > 0 && out[n][len - 1] == ' ')
            out[n][--len] = 0;
        if (len)
            n++;
        s += len;
        while (*s && *s != ' ' && len == 0)
            s++;                        /* nothing fitted: drop the rest of the word */
    }
    return n;
}

/* Fits any size: the sentence wraps at the width, centred, as many lines as there are rows. */
static void draw_too_small(struct ui *u)
{
    erase();
    char b[160], lines[12][128];
    snprintf(b, sizeof b, "terminal too small: %dx%d, strata needs at least 80x24", u->cols, u->lines);
    int n = wrap_words(b, u->cols, lines, 10);
    int m = n + 1 < u->lines ? wrap_words("enlarge the window, or q to quit", u->cols, lines + n, 2) : 0;
    if (n + m > u->lines)
        n = u->lines, m = 0;
    int y0 = (u->lines - n - m) / 2;
    for (int i = 0; i < n + m; i++) {
        int x = (u->cols - (int)strlen(lines[i])) / 2;
        draw_text(stdscr, y0 + i, x > 0 ? x : 0, u->cols, lines[i], i < n ? A_BOLD : 0);
    }
}

void ui_draw(struct ui *u)
{
    if (!u->dirty)
        return;
    u->dirty = 0;
    if (u->lay.too_small) {
        draw_too_small(u);
        wnoutrefresh(stdscr);
        doupdate();
        return;
    }
    if (u->diff) {
        diff_ui_draw(u);
        return;
    }
    werase(stdscr);
    header_draw(u);
    header_draw_status(u);
    wnoutrefresh(stdscr);
    if (u->overlay.ops && u->overlay.win) {
        u->overlay.ops->draw(&u->overlay);
        wnoutrefresh(u->overlay.win);
    } else {
        for (int p = 0; p < PANE_COUNT; p++) {
            struct view *v = &u->views[p];
            if (!v->win)
                continue;
            v->ops->draw(v);
            wnoutrefresh(v->win);
        }
    }
    doupdate();
}

/* ---- construction ---- */

static void build_layer_rows(struct ui *u)
{
    const struct image *img = u->img;
    int use_hist = img->n_history > 0;
    /* every layer must be reachable from some history row, else list layers */
    for (size_t L = 0; use_hist && L < img->n_layers; L++) {
        int named = 0;
        for (size_t h = 0; h < img->n_history && !named; h++)
            named = img->history[h].layer == (int)L;
        if (!named)
            use_hist = 0;
    }
    u->n_lrows = use_hist ? img->n_history : img->n_layers;
    size_t n = u->n_lrows ? u->n_lrows : 1;
    u->lrow_layer = xcalloc(n, sizeof *u->lrow_layer);
    u->lrow_fs = xcalloc(n, sizeof *u->lrow_fs);
    u->lrow_hist = xcalloc(n, sizeof *u->lrow_hist);
    int fs = -1;
    for (size_t i = 0; i < u->n_lrows; i++) {
        int L;
        if (use_hist) {
            L = img->history[i].layer;
            if (L >= (int)img->model.n_layers)
                L = -1;
            u->lrow_hist[i] = (int)i;
        } else {
            L = (int)i;
            u->lrow_hist[i] = img->layers[i].history;
        }
        u->lrow_layer[i] = L;
        if (L > fs)
            fs = L;
        u->lrow_fs[i] = fs;
    }
}

void ui_term_setup(int theme)
{
    theme_init(theme);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    mouseinterval(0);
    bkgdset(theme_attr(TC_DEFAULT));
}

/* ui_new, with what a former view of the same image hands over (carry, may be NULL), the
 * layer rollups the reader built for it (pre) and the findings pane's groups (fg; each may be
 * NULL): the tree opens at the carried layer row, rollups and groups taken rather than built. */
static struct ui *ui_make(struct screen *scr, struct image *img, struct analysis *an, const char *color,
                          struct ui_carry *c, struct rows_layer *pre, struct fgroups *fg, int lean)
{
    struct ui *u = xcalloc(1, sizeof *u);
    int fg_given = fg && fg->n;
    if (fg_given) {   /* the findings pane's groups, built: the pane's init keeps them */
        u->fg = *fg;
        memset(fg, 0, sizeof *fg);
    }
    u->scr = scr;
    u->img = img;
    u->an = an;
    if (keylog && an)
        keylog_note(u, "groups", -1, fg_given ? "reader" : "built");
    if (scr)
        set_term(scr);
    u->theme = theme_parse(color);
    if (u->theme < 0)
        u->theme = THEME_AUTO;
    ui_term_setup(u->theme);
    rows_init(&u->rows, &img->model);
    u->rows.lean = lean;
    rows_adopt(&u->rows, pre);
    long lrow = -1;
    carry_adopt(u, c, &lrow);
    build_layer_rows(u);
    static const struct view_ops *ops[PANE_COUNT] = {
        [PANE_LAYERS] = &view_layers_ops, [PANE_TREE] = &view_tree_ops,
        [PANE_FINDINGS] = &view_findings_ops, [PANE_DETAILS] = &view_details_ops,
    };
    for (int p = 0; p < PANE_COUNT; p++) {
        u->views[p].ops = ops[p];
        u->views[p].u = u;
        if (ops[p]->init)
            ops[p]->init(&u->views[p]);
    }
    u->focus = u->details_of = PANE_TREE;
    u->layer = -2;
    ui_relayout(u);
    if (u->n_lrows)
        ui_set_layer_row(u, lrow >= 0 ? lrow : (long)u->n_lrows - 1);
    /* open the top folder when there is only one (common: a single /app or /usr) */
    if (u->rows.n == 1)
        rows_open(&u->rows, 0);
    if (u->rows.n)
        u->tree_node = u->rows.v[0].node;
    u->dirty = 1;
    return u;
}

struct ui *ui_new(struct screen *scr, struct image *img, struct analysis *an, const char *color)
{
    return ui_make(scr, img, an, color, NULL, NULL, NULL, 0);
}

void ui_free(struct ui *u)
{
    if (!u)
        return;
    if (u->overlay.ops && u->overlay.ops->fini)
        u->overlay.ops->fini(&u->overlay);
    if (u->overlay.win)
        delwin(u->overlay.win);
    for (int p = 0; p < PANE_COUNT; p++) {
        if (u->views[p].ops && u->views[p].ops->fini)
            u->views[p].ops->fini(&u->views[p]);
        if (u->views[p].win)
            delwin(u->views[p].win);
    }
    prefetch_free(u->prefetch, &u->rows);
    rows_free(&u->rows);
    free(u->lrow_layer);
    free(u->lrow_fs);
    free(u->lrow_hist);
    free(u->matches);
    free(u->search_open);
    viewer_free();
    free(u);
}

/* ---- the loop ---- */

int ui_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Runs until quit. Input that has ended (a closed pty, the end of a test's key file) makes
 * getch return ERR at once every time: after many of those in a row, the loop ends. */
#define LOOP_SWAP 2   /* loop(): while loading, a newer state of the tree or the loaded image waits */

/* STRATA_KEYLOG=FILE (for bench/keys.py): a line when a view's loop starts ("ready loading|loaded
 * SEC.NSEC") or leaves for a newer state ("swap loading SEC.NSEC"), and one per key once the
 * screen shows its effect ("key loading|loaded CODE SEC.NSEC"; CLOCK_MONOTONIC, which the sender
 * reads too): the response as the terminal gets it, queueing behind a rebuild included, without
 * a screen scraper's polling in the figure. */

static void keylog_line(const struct ui *u, const char *what, int key)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (key >= 0)
        fprintf(keylog, "%s %s %d %lld.%09ld\n", what, u->loader ? "loading" : "loaded", key,
                (long long)ts.tv_sec, ts.tv_nsec);
    else
        fprintf(keylog, "%s %s %lld.%09ld\n", what, u->loader ? "loading" : "loaded", (long long)ts.tv_sec,
                ts.tv_nsec);
    fflush(keylog);
}

static int loop(struct ui *u)
{
    int fast_errs = 0;
    if (keylog)
        keylog_line(u, "ready", -1);
    timeout(u->loader ? 40 : 100);   /* loading: look for a newer tree this often */
    for (;;) {
        if (got_signal)
            ui_die_of_signal();
        /* not in the middle of a prompt or an overlay: those would be lost with the swap */
        if (u->loader && !u->overlay.ops && u->prompt == PROMPT_NONE && load_changed(u->loader)) {
            if (keylog)
                keylog_line(u, "swap", -1);   /* until the next "ready": the view rebuilt */
            return LOOP_SWAP;
        }
        if (u->loader) {
            u->dirty = 1;   /* the progress in the header moves */
            /* the layer whose rollups the reader makes with the next state */
            long sel = u->views[PANE_LAYERS].sel;
            atomic_store(&u->loader->view_layer, sel >= (long)u->n_lrows - 1 ? -1 : u->layer);
        }
        ui_draw(u);
        int got = prefetch_poll(u->prefetch, &u->rows);
        if (keylog && got >= 0)
            keylog_note(u, "prefetched", got, NULL);
        if (keylog && keylog_pending >= 0) {
            keylog_line(u, "key", keylog_pending);
            keylog_pending = -1;
        }
        int t0 = ui_now_ms();
        errno = 0;   /* EINTR below must be this call's, not one left from before */
        int key = getch();
        if (key == ERR) {
            if (ui_now_ms() - t0 < 20 && errno != EINTR) {
                if (++fast_errs > 50)
                    return 0;
            } else {
                fast_errs = 0;
            }
            continue;
        }
        fast_errs = 0;
        if (keylog) {
            keylog_pending = key;
            u->dirty = 1;   /* drawn even when the key changed nothing: the loop has answered */
        }
        if (ui_key(u, key) & REACT_QUIT)
            return 0;
    }
}

static int run_loaded(struct loader *l, SCREEN *scr, struct ui_carry *c)
{
    struct ui *u = ui_make(scr, &l->img, l->an, l->args.color, c, NULL, &l->fg, 0);
    carry_apply(u, c);
    u->prefetch = prefetch_new(&l->img.model);   /* the model stays as it is from now on */
    int rc = loop(u);
    ui_free(u);
    return rc;
}

/* The view while the reader goes on: each newer state of the tree replaces the last (the same
 * panes and keys; the header shows the progress) until the reader is done. 0: loaded, 1: quit. */
static int run_live(struct loader *l, SCREEN *scr, struct ui_carry *c)
{
    struct load_snap *cur = NULL, *s = NULL;
    struct image *img = load_live_image(l, NULL, &cur);
    struct ui *u = NULL;
    int rc = 0;
    while (img) {
        if (!u) {
            keylog_live = 1;
            u = ui_make(scr, img, NULL, l->args.color, c, cur->pre, NULL, cur->own != NULL);
            keylog_live = 0;
            cur->pre = NULL;   /* the view's now */
            u->loader = l;
            carry_apply(u, c);
        }
        if (loop(u) != LOOP_SWAP) {
            rc = 1;
            break;
        }
        carry_save(u, c, cur->own == NULL);
        ui_free(u);
        u = NULL;
        if (!load_live_image(l, img, &s))
            break;      /* the reader is done */
        load_snap_free(l, cur);
        cur = s;
    }
    if (u)
        ui_free(u);
    if (cur)
        load_snap_free(l, cur);
    if (img)
        load_live_free(img);
    return rc;
}

/* Loaders whose readers were left running when the view quit while loading (run). */
static struct loader **abandoned;
static size_t n_abandoned, cap_abandoned;

static int run(const struct ui_args *a, SCREEN *scr, int own)
{
    struct sigaction old_int, old_term;
    got_signal = 0;
    curses_on = own;
    install_handlers(&old_int, &old_term);
    int th = theme_parse(a->color);
    theme_init(th < 0 ? THEME_AUTO : th);
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);

#ifdef __GLIBC__
    /* The states of the tree shown while loading are big blocks freed one after the other: a
     * fixed threshold keeps them mapped apart, so each free gives its memory back (glibc's
     * adaptive one would move them to the heap after the first free, where they stay). */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    const char *kl = getenv("STRATA_KEYLOG");
    if (kl && *kl && !keylog)
        keylog = fopen(kl, "w");
    struct loader *l = xcalloc(1, sizeof *l);
    l->args = *a;
    atomic_store(&l->view_layer, -1);
    /* signals go to this thread, not the reader */
    sigset_t block, prev;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &prev);
    pthread_t t;
    l->threaded = 1;
    int threaded = pthread_create(&t, NULL, load_thread, l) == 0;
    pthread_sigmask(SIG_SETMASK, &prev, NULL);
    if (!threaded) {
        l->threaded = 0;   /* no thread started: the reader runs here, at our priority */
        load_thread(l);
    }
    int rc = 0, lw = threaded ? load_wait(l) : 0;
    struct ui_carry carry = {0};
    if (lw == 2)
        lw = run_live(l, scr, &carry);
    if (lw == 1) {
        /* image_open cannot be cancelled: leave the reader to the process exit, its loader kept
         * where a leak checker sees it is still in use (ui_run_screen may return to a caller
         * that goes on, as the tests do) */
        ARR_GROW(abandoned, cap_abandoned, n_abandoned, 1);
        abandoned[n_abandoned++] = l;
        pthread_detach(t);
        if (own)
            restore_terminal();
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        util_set_die_hook(NULL);
        carry_free(&carry);
        return 0;
    }
    if (threaded)
        pthread_join(t, NULL);
    if (l->rc == RC_FATAL) {
        if (own)
            restore_terminal();
        fprintf(stderr, "strata: %s\n", l->img.err.msg);
        rc = 1;
    } else {
        rc = run_loaded(l, scr, &carry);
        if (own)
            restore_terminal();
    }
    carry_free(&carry);
    analysis_free(l->an);
    image_close(&l->img);
    load_free(l);
    free(l);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    util_set_die_hook(NULL);
    return rc;
}

int ui_run_screen(const struct ui_args *a, struct screen *scr)
{
    set_term(scr);
    return run(a, scr, 0);
}

static SCREEN *open_terminal(void)
{
    setlocale(LC_ALL, "");
    SCREEN *s = newterm(NULL, stdout, stdin);
    if (!s) {
        fprintf(stderr, "strata: cannot use the terminal (TERM=%s)\n", getenv("TERM") ? getenv("TERM") : "");
        return NULL;
    }
    set_term(s);
    return s;
}

int ui_run(const struct ui_args *a)
{
    SCREEN *s = open_terminal();
    if (!s)
        return 1;
    int rc = run(a, s, 1);
    restore_terminal();
    delscreen(s);
    return rc;
}

/* `strata diff A B` on a terminal: the split view (ui/diff_view.c) as a mode of this loop, with the
 * image view's terminal setup, signals, resize and restore. */
int ui_diff_run(const struct image_diff *d, const char *color)
{
    int th = theme_parse(color);
    if (th < 0) {
        fprintf(stderr, "strata: --color: '%s' is not auto, off or dark\n", color);
        return 1;
    }
    SCREEN *s = open_terminal();
    if (!s)
        return 1;
    struct sigaction old_int, old_term;
    got_signal = 0;
    curses_on = 1;
    install_handlers(&old_int, &old_term);
    struct ui *u = diff_ui_new(s, d, th);
    int rc = loop(u);
    diff_ui_free(u);
    restore_terminal();
    delscreen(s);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    util_set_die_hook(NULL);
    return rc;
}
