/* ui.c: terminal setup and teardown, the one event loop, layout and resize, the loading screen
 * and the reader thread. */
#include "ui/ui.h"

#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analysis/report.h"
#include "analysis/secrets.h"
#include "src/util.h"
#include "ui/draw.h"
#include "src/extract.h"
#include "ui/extract.h"
#include "ui/theme.h"
#include "ui/view.h"

#define VIEW_MAX (1u << 20)   /* the viewer shows the first MiB (what the secret scanner sees) */

static volatile sig_atomic_t got_signal;
static int curses_on;          /* endwin() still owed */
static struct secret_scanner *scanner;

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
static void die_of_signal(void)
{
    int sig = got_signal;
    restore_terminal();
    signal(sig, SIG_DFL);
    raise(sig);
    _exit(128 + sig);
}

/* ---- layout ---- */

void ui_layout_compute(int lines, int cols, size_t n_lrows, struct ui_layout *o)
{
    memset(o, 0, sizeof *o);
    if (lines < 24 || cols < 80) {
        o->too_small = 1;
        return;
    }
    o->header_h = 2;
    o->status_y = lines - 1;
    int top = o->header_h, H = lines - o->header_h - 1;
    int lw = cols * 44 / 100;
    if (lw < 38)
        lw = 38;
    int rw = cols - lw;
    int lh = (int)n_lrows + 2;
    int lmax = H * 55 / 100;
    if (lh > lmax)
        lh = lmax;
    if (lh < 5)
        lh = 5;
    int dh = H >= 34 ? 12 : H >= 28 ? 10 : 8;
    int set[PANE_COUNT][4] = {
        [PANE_LAYERS] = {top, 0, lh, lw},
        [PANE_FINDINGS] = {top + lh, 0, H - lh, lw},
        [PANE_TREE] = {top, lw, H - dh, rw},
        [PANE_DETAILS] = {top + H - dh, lw, dh, rw},
    };
    memcpy(o->pane, set, sizeof set);
}

void list_scroll_into_view(long sel, long *top, long n, int h)
{
    if (h < 1)
        h = 1;
    if (sel < *top)
        *top = sel;
    if (sel >= *top + h)
        *top = sel - h + 1;
    if (*top > n - h)
        *top = n - h;
    if (*top < 0)
        *top = 0;
}

int list_move(long *sel, long *top, long n, int h, enum action act)
{
    long s = *sel, page = h > 2 ? h - 1 : 1;
    switch (act) {
    case ACT_UP: s--; break;
    case ACT_DOWN: s++; break;
    case ACT_PGUP: s -= page; *top -= page; break;
    case ACT_PGDN: s += page; *top += page; break;
    case ACT_HOME: s = 0; break;
    case ACT_END: s = n - 1; break;
    default: return 0;
    }
    if (s >= n)
        s = n - 1;
    if (s < 0)
        s = 0;
    *sel = s;
    list_scroll_into_view(s, top, n, h);
    return REACT_HANDLED | REACT_REDRAW;
}

static void relayout(struct ui *u)
{
    getmaxyx(stdscr, u->lines, u->cols);
    ui_layout_compute(u->lines, u->cols, u->n_lrows, &u->lay);
    if (u->img->partial && !u->lay.too_small) {
        /* a damaged layer: one more header row for the banner; the top panes give it up */
        u->lay.header_h++;
        for (int p = 0; p < PANE_COUNT; p++)
            if (u->lay.pane[p][0] == u->lay.header_h - 1) {
                u->lay.pane[p][0]++;
                u->lay.pane[p][2]--;
            }
    }
    for (int p = 0; p < PANE_COUNT; p++) {
        struct view *v = &u->views[p];
        if (v->win)
            delwin(v->win);
        v->win = NULL;
        if (u->lay.too_small)
            continue;
        int *r = u->lay.pane[p];
        v->y = r[0], v->x = r[1], v->h = r[2], v->w = r[3];
        v->win = newwin(v->h, v->w, v->y, v->x);
        if (v->ops->layout)
            v->ops->layout(v, v->y, v->x, v->h, v->w);
    }
    if (u->overlay.ops) {
        if (u->overlay.win)
            delwin(u->overlay.win);
        u->overlay.win = NULL;
        if (!u->lay.too_small) {
            u->overlay.y = 0, u->overlay.x = 0, u->overlay.h = u->lines - 1, u->overlay.w = u->cols;
            u->overlay.win = newwin(u->overlay.h, u->overlay.w, 0, 0);
        }
    }
    clearok(curscr, TRUE);
    u->dirty = 1;
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

/* ---- secrets masking in the viewer ---- */

struct mask_hits {
    struct {
        size_t off, len;
        char masked[96];
    } *h;
    size_t n, cap;
};

static void on_hit(void *ctx, const struct secret_hit *hit)
{
    struct mask_hits *mh = ctx;
    if (!hit->len)
        return;
    if (mh->n == mh->cap) {
        mh->cap = mh->cap ? mh->cap * 2 : 8;
        mh->h = xreallocarray(mh->h, mh->cap, sizeof *mh->h);
    }
    mh->h[mh->n].off = hit->offset;
    mh->h[mh->n].len = hit->len;
    snprintf(mh->h[mh->n].masked, sizeof mh->h[mh->n].masked, "%s", hit->masked[0] ? hit->masked : "****");
    mh->n++;
}

/* Replaces every secret value the scanner finds by its masked form; returns a new buffer. */
static char *mask_secrets(const char *path, char *buf, size_t *len, size_t *n_masked)
{
    struct mask_hits mh = {0};
    if (!scanner)
        scanner = secrets_new();
    secrets_scan_content(scanner, path, buf, *len, on_hit, &mh);
    *n_masked = mh.n;
    if (!mh.n)
        return buf;
    size_t cap = *len + mh.n * 96 + 1, o = 0, pos = 0;
    char *out = xmalloc(cap);
    for (size_t i = 0; i < mh.n; i++) {
        size_t off = mh.h[i].off, l = mh.h[i].len;
        if (off < pos || off + l > *len)
            continue;            /* overlapping or out of range: already covered */
        memcpy(out + o, buf + pos, off - pos);
        o += off - pos;
        size_t ml = strlen(mh.h[i].masked);
        memcpy(out + o, mh.h[i].masked, ml);
        o += ml;
        pos = off + l;
    }
    memcpy(out + o, buf + pos, *len - pos);
    o += *len - pos;
    out[o] = 0;
    free(buf);
    free(mh.h);
    *len = o;
    return out;
}

static void overlay_open(struct ui *u, const struct view_ops *ops)
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
    relayout(u);
}

static void overlay_close(struct ui *u)
{
    if (u->overlay.ops && u->overlay.ops->fini)
        u->overlay.ops->fini(&u->overlay);
    if (u->overlay.win)
        delwin(u->overlay.win);
    memset(&u->overlay, 0, sizeof u->overlay);
    relayout(u);
}

void ui_open_viewer(struct ui *u, uint32_t node)
{
    const struct model *m = &u->img->model;
    uint32_t e = ui_node_entry(u, node);
    char p[4096];
    model_path_str(m, node, p, sizeof p);
    if (!e) {
        ui_message(u, 0, "%s: no file at this layer", p);
        return;
    }
    const struct entry *en = &m->entries[e];
    if (entry_is_dir(en)) {
        ui_message(u, 0, "%s is a directory", p);
        return;
    }
    if ((en->mode & 0170000) == 0120000) {
        ui_message(u, 0, "%s is a symbolic link to %s", p,
                   m->ext && m->ext[e].link ? strpool_get(&m->names, m->ext[e].link) : "?");
        return;
    }
    char *buf;
    size_t len, n_masked = 0;
    int trunc;
    struct errbuf err = {{0}, 0};
    int rc = ui_fetch_entry(u, e, VIEW_MAX, &buf, &len, &trunc, &err);
    if (rc != RC_OK) {
        ui_message(u, rc != RC_WARN, "%s", err.msg);
        return;
    }
    if (!(u->an && u->an->opts.show_secrets)) {
        buf = mask_secrets(p, buf, &len, &n_masked);
        /* and the Env / history values the analysis found, wherever a text file repeats them */
        if (u->an && !memchr(buf, 0, len)) {
            char *mk = analysis_mask_text(u->an, buf);
            if (strcmp(mk, buf) != 0) {
                n_masked++;
                free(buf);
                buf = mk;
                len = strlen(mk);
            } else {
                free(mk);
            }
        }
    }
    char title[4200];
    snprintf(title, sizeof title, "%s  (layer %u%s)", p, en->layer,
             n_masked ? ", secrets masked" : "");
    overlay_open(u, &view_text_ops);
    view_text_set(&u->overlay, title, buf, len, trunc);
    if (n_masked)
        ui_message(u, 0, "%zu secret value%s masked", n_masked, n_masked == 1 ? "" : "s");
}

/* ---- drawing ---- */

static const char *image_name(const struct image *img)
{
    if (img->n_tags && img->tags[0] && *img->tags[0])
        return img->tags[0];
    const char *s = img->source ? img->source : "";
    const char *b = strrchr(s, '/');
    return b && b[1] ? b + 1 : s;
}

/* What a damaged image leaves out, on a row of its own: which layer, why, and that every figure
 * covers only what was read (the layers pane marks the layer itself). */
static void draw_partial_banner(struct ui *u, int y)
{
    const struct image *img = u->img;
    size_t n = 0, first = 0;
    for (size_t i = img->n_layers; i-- > 0;)
        if (img->layers[i].error)
            n++, first = i;
    if (!n)
        return;
    char line[512];
    if (n == 1)
        snprintf(line, sizeof line, "PARTIAL  layer %zu is damaged (%s): its files after the damage are "
                 "missing from every figure", first, img->layers[first].error);
    else
        snprintf(line, sizeof line, "PARTIAL  %zu layers are damaged (layer %zu: %s, …): their files after "
                 "the damage are missing from every figure", n, first, img->layers[first].error);
    attr_t a = theme_attr(TC_ERROR) | A_REVERSE;
    draw_fill(stdscr, y, 0, u->cols, a);
    draw_name(stdscr, y, 1, u->cols - 2, line, a, ELIDE_RIGHT);
}

static void draw_header(struct ui *u)
{
    const struct image *img = u->img;
    const struct model *m = &img->model;
    attr_t h = theme_attr(TC_HEADER), hd = theme_attr(TC_HEADER_DIM);
    draw_fill(stdscr, 0, 0, u->cols, h);
    draw_fill(stdscr, 1, 0, u->cols, hd);
    int x = draw_text(stdscr, 0, 1, 8, "strata", h) + 2;
    x += draw_name(stdscr, 0, x, u->cols / 2, image_name(img), h, ELIDE_LEFT) + 2;
    char info[256];
    snprintf(info, sizeof info, "%s  %s/%s%s%s", image_format_name(img->format), img->os ? img->os : "?",
             img->arch ? img->arch : "?", img->variant && *img->variant ? "/" : "",
             img->variant ? img->variant : "");
    if (x < u->cols - 2)
        draw_name(stdscr, 0, x, u->cols - x - 1, info, hd, ELIDE_RIGHT);
    char lb[16], fb[16], rb[16], line[512];
    fmt_size(m->layer_bytes, lb, sizeof lb);
    fmt_size(m->final_bytes, fb, sizeof fb);
    uint64_t removable = u->an ? u->an->removable_bytes : m->shadowed_bytes + m->deleted_bytes;
    fmt_size(removable, rb, sizeof rb);
    /* the same figure as --json and --report: final bytes / layer bytes */
    double eff = 100.0 * report_efficiency(m);
    size_t ns = u->an ? u->an->n_secrets : 0;
    snprintf(line, sizeof line, "layers %s   final %s   removable %s   efficiency %.1f%%   secrets %zu%s",
             lb, fb, rb, eff, ns, img->n_warnings ? "" : "");
    int w = draw_text(stdscr, 1, 1, u->cols - 2, line, hd);
    if (ns && u->cols - 2 > w)
        draw_text(stdscr, 1, 1 + w - (int)(strlen(line) - (size_t)(strstr(line, "secrets") - line)),
                  (int)strlen(line) - (int)(strstr(line, "secrets") - line), strstr(line, "secrets"),
                  theme_attr(TC_HEADER) | A_BOLD);
    if (img->n_warnings) {
        char wb[32];
        snprintf(wb, sizeof wb, "%zu warning%s", img->n_warnings, img->n_warnings == 1 ? "" : "s");
        if (u->cols - 2 - (int)strlen(wb) > w + 3)
            draw_text(stdscr, 1, u->cols - 1 - (int)strlen(wb), (int)strlen(wb), wb, hd);
    }
    if (img->partial && u->lay.header_h > 2)
        draw_partial_banner(u, 2);
}

static const char *prompt_label(int kind)
{
    return kind == PROMPT_SEARCH ? "/" : kind == PROMPT_FILTER ? "filter: " : "extract to folder: ";
}

static void draw_status(struct ui *u)
{
    int y = u->lay.status_y;
    attr_t s = theme_attr(TC_STATUS);
    draw_fill(stdscr, y, 0, u->cols, s);
    if (u->prompt) {
        int x = draw_text(stdscr, y, 1, u->cols - 2, prompt_label(u->prompt), s | A_BOLD) + 1;
        u->pbuf[u->plen] = 0;
        int w = draw_name(stdscr, y, x, u->cols - x - 2, u->pbuf, s, ELIDE_LEFT);
        draw_text(stdscr, y, x + w, 1, "_", s | A_BLINK);
        return;
    }
    if (u->msg[0]) {
        draw_name(stdscr, y, 1, u->cols - 2, u->msg, u->msg_err ? theme_attr(TC_ERROR) | A_REVERSE : s, ELIDE_RIGHT);
        return;
    }
    const char *hint = "Tab pane  Enter open/jump  / search  f filter  c changes  s sort  v view  x extract  ? help  q quit";
    draw_text(stdscr, y, 1, u->cols - 2, hint, s);
}

static void draw_too_small(struct ui *u)
{
    erase();
    char b[128];
    snprintf(b, sizeof b, "terminal too small: %dx%d, strata needs at least 80x24", u->cols, u->lines);
    int y = u->lines / 2, x = (u->cols - (int)strlen(b)) / 2;
    draw_text(stdscr, y > 0 ? y : 0, x > 0 ? x : 0, u->cols, b, A_BOLD);
    if (u->lines > 2)
        draw_text(stdscr, (y > 0 ? y : 0) + 1, x > 0 ? x : 0, u->cols, "enlarge the window, or q to quit", 0);
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
    werase(stdscr);
    draw_header(u);
    draw_status(u);
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

struct ui *ui_new(struct screen *scr, struct image *img, struct analysis *an, const char *color)
{
    struct ui *u = xcalloc(1, sizeof *u);
    u->scr = scr;
    u->img = img;
    u->an = an;
    if (scr)
        set_term(scr);
    u->theme = theme_parse(color);
    if (u->theme < 0)
        u->theme = THEME_AUTO;
    theme_init(u->theme);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    mouseinterval(0);
    bkgdset(theme_attr(TC_DEFAULT));
    rows_init(&u->rows, &img->model);
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
    relayout(u);
    if (u->n_lrows)
        ui_set_layer_row(u, (long)u->n_lrows - 1);
    /* open the top folder when there is only one (common: a single /app or /usr) */
    if (u->rows.n == 1)
        rows_open(&u->rows, 0);
    if (u->rows.n)
        u->tree_node = u->rows.v[0].node;
    u->dirty = 1;
    return u;
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
    rows_free(&u->rows);
    free(u->lrow_layer);
    free(u->lrow_fs);
    free(u->lrow_hist);
    free(u->matches);
    free(u->fitems);
    if (scanner) {
        secrets_free(scanner);
        scanner = NULL;
    }
    free(u);
}

/* ---- keys ---- */

static int search_step(struct ui *u, int dir)
{
    if (!u->search[0]) {
        ui_message(u, 0, "no search yet: / to search");
        return REACT_HANDLED;
    }
    free(u->matches);
    u->matches = NULL;
    u->n_matches = rows_search(&u->rows, u->search, &u->matches);
    if (!u->n_matches) {
        ui_message(u, 1, "no match for \"%s\" at this layer", u->search);
        return REACT_HANDLED;
    }
    long cur = -1;
    for (size_t i = 0; i < u->n_matches; i++)
        if (u->matches[i] == u->tree_node)
            cur = (long)i;
    long k;
    if (dir == 0)
        k = cur >= 0 ? cur : 0;
    else if (cur < 0)
        k = dir > 0 ? 0 : (long)u->n_matches - 1;
    else
        k = (cur + dir + (long)u->n_matches) % (long)u->n_matches;
    uint32_t node = u->matches[k];
    long row = rows_reveal(&u->rows, node);
    if (row >= 0) {
        u->tree_node = node;
        u->views[PANE_TREE].sel = row;
        u->focus = u->details_of = PANE_TREE;
    }
    ui_message(u, 0, "\"%s\": match %ld of %zu", u->search, k + 1, u->n_matches);
    return REACT_HANDLED | REACT_RELOAD;
}

static uint32_t selected_entry(struct ui *u)
{
    if (u->focus == PANE_FINDINGS && u->n_fitems && u->an) {
        const struct finding_item *f = &u->fitems[u->views[PANE_FINDINGS].sel];
        if (f->kind == FI_SECRET)
            return u->an->secrets[f->idx].entry;
        if (f->kind == FI_DEAD)
            return u->an->dead[f->idx].entry;
        return 0;
    }
    return u->tree_node ? ui_node_entry(u, u->tree_node) : 0;
}

static void prompt_start(struct ui *u, int kind, const char *init)
{
    u->prompt = kind;
    snprintf(u->pbuf, sizeof u->pbuf, "%s", init ? init : "");
    u->plen = strlen(u->pbuf);
    u->msg[0] = 0;
    u->dirty = 1;
}

static int prompt_submit(struct ui *u)
{
    int kind = u->prompt;
    u->prompt = PROMPT_NONE;
    u->pbuf[u->plen] = 0;
    switch (kind) {
    case PROMPT_SEARCH:
        if (!u->pbuf[0])
            return REACT_HANDLED | REACT_REDRAW;
        snprintf(u->search, sizeof u->search, "%s", u->pbuf);
        return search_step(u, 0);
    case PROMPT_FILTER:
        rows_set_filter(&u->rows, u->pbuf);
        if (u->pbuf[0])
            ui_message(u, 0, "%u rows match \"%s\" (f then empty Enter clears)", u->rows.n, u->pbuf);
        else
            ui_message(u, 0, "filter cleared");
        return REACT_HANDLED | REACT_RELOAD;
    case PROMPT_EXTRACT: {
        uint32_t e = selected_entry(u);
        if (!e)
            ui_message(u, 1, "select a file first");
        else
            ui_extract(u, e, u->pbuf[0] ? u->pbuf : ".");
        return REACT_HANDLED | REACT_REDRAW;
    }
    }
    return REACT_HANDLED;
}

static int prompt_key(struct ui *u, int key)
{
    switch (key) {
    case 27:
        u->prompt = PROMPT_NONE;
        u->dirty = 1;
        return REACT_HANDLED;
    case '\n': case '\r': case KEY_ENTER:
        return prompt_submit(u);
    case KEY_BACKSPACE: case 127: case 8:
        while (u->plen > 0) {   /* drop one UTF-8 character */
            unsigned char c = (unsigned char)u->pbuf[--u->plen];
            if ((c & 0xc0) != 0x80)
                break;
        }
        u->dirty = 1;
        return REACT_HANDLED;
    case CTRL('u'):
        u->plen = 0;
        u->dirty = 1;
        return REACT_HANDLED;
    default:
        if (key >= 0x20 && key < 0x100 && key != 0x7f && u->plen + 1 < sizeof u->pbuf) {
            u->pbuf[u->plen++] = (char)key;
            u->dirty = 1;
        }
        return REACT_HANDLED;
    }
}

static int toggle_hide(struct ui *u, unsigned bit, const char *what)
{
    rows_set_hide(&u->rows, u->rows.hide ^ bit);
    ui_message(u, 0, "%s entries %s", what, (u->rows.hide & bit) ? "hidden" : "shown");
    return REACT_HANDLED | REACT_RELOAD;
}

static int global_action(struct ui *u, enum action act)
{
    switch (act) {
    case ACT_QUIT:
        return REACT_QUIT;
    case ACT_NEXT_PANE:
    case ACT_PREV_PANE: {
        static const int order[] = {PANE_LAYERS, PANE_TREE, PANE_FINDINGS};
        int i = 0;
        while (i < 3 && order[i] != u->focus)
            i++;
        i = (i + (act == ACT_NEXT_PANE ? 1 : 2)) % 3;
        u->focus = u->details_of = order[i];
        return REACT_HANDLED | REACT_RELOAD;
    }
    case ACT_LAYER_PREV:
    case ACT_LAYER_NEXT:
        ui_set_layer_row(u, u->views[PANE_LAYERS].sel + (act == ACT_LAYER_NEXT ? 1 : -1));
        return REACT_HANDLED | REACT_RELOAD;
    case ACT_SEARCH:
        prompt_start(u, PROMPT_SEARCH, "");
        return REACT_HANDLED;
    case ACT_SEARCH_NEXT:
    case ACT_SEARCH_PREV:
        return search_step(u, act == ACT_SEARCH_NEXT ? 1 : -1);
    case ACT_FILTER:
        prompt_start(u, PROMPT_FILTER, u->rows.filter);
        return REACT_HANDLED;
    case ACT_EXTRACT: {
        /* a folder, a link, a deleted path: said now, before asking where to write */
        struct errbuf err = {{0}, 0};
        if (extract_check(u->img, selected_entry(u), &err) != RC_OK) {
            ui_message(u, 1, "%s", err.msg);
            return REACT_HANDLED;
        }
        prompt_start(u, PROMPT_EXTRACT, ".");
        return REACT_HANDLED;
    }
    case ACT_SORT:
        rows_set_sort(&u->rows, u->rows.sort == SORT_SIZE ? SORT_NAME : SORT_SIZE);
        ui_message(u, 0, "sorted by %s", u->rows.sort == SORT_SIZE ? "size" : "name");
        return REACT_HANDLED | REACT_RELOAD;
    case ACT_CHANGES:
        rows_set_changes_only(&u->rows, !u->rows.changes_only);
        ui_message(u, 0, "%s", u->rows.changes_only ? "showing only this layer's changes"
                                                    : "showing the whole filesystem");
        return REACT_HANDLED | REACT_RELOAD;
    case ACT_HIDE_ADDED: return toggle_hide(u, RS_ADDED, "added");
    case ACT_HIDE_REMOVED: return toggle_hide(u, RS_REMOVED, "removed");
    case ACT_HIDE_MODIFIED: return toggle_hide(u, RS_MODIFIED, "modified");
    case ACT_HIDE_UNCHANGED: return toggle_hide(u, RS_UNCHANGED, "unchanged");
    case ACT_VIEW: {
        if (u->focus == PANE_LAYERS) {
            ui_message(u, 0, "select a file in the file tree (Tab) to view it");
            return REACT_HANDLED;
        }
        uint32_t e = selected_entry(u);
        if (!e) {
            ui_message(u, 0, "no file selected");
            return REACT_HANDLED;
        }
        if (u->focus == PANE_FINDINGS)
            ui_jump_to(u, e);
        ui_open_viewer(u, u->img->model.entries[e].path);
        return REACT_HANDLED | REACT_RELOAD;
    }
    case ACT_HELP:
        overlay_open(u, &view_help_ops);
        return REACT_HANDLED | REACT_RELOAD;
    case ACT_REDRAW:
        relayout(u);
        return REACT_HANDLED | REACT_RELAYOUT;
    case ACT_BACK:
        u->msg[0] = 0;
        return REACT_HANDLED | REACT_REDRAW;
    default:
        return 0;
    }
}

int ui_key(struct ui *u, int key)
{
    int re = 0;
    if (key == KEY_RESIZE) {
        relayout(u);
        return REACT_HANDLED | REACT_RELAYOUT;
    }
    if (key == KEY_MOUSE) {
        MEVENT ev;
        if (getmouse(&ev) == OK)
            return ui_mouse(u, ev.y, ev.x, (unsigned long)ev.bstate);
        return REACT_HANDLED;
    }
    if (u->prompt)
        return prompt_key(u, key);
    enum action act = actions_lookup(key);
    if (u->lay.too_small)
        return act == ACT_QUIT ? REACT_QUIT : REACT_HANDLED;
    if (u->overlay.ops) {
        re = u->overlay.ops->key(&u->overlay, act);
        if (re & REACT_CLOSE)
            overlay_close(u);
        u->dirty = 1;
        return re;
    }
    if (act == ACT_NONE) {
        char kn[16];
        ui_message(u, 0, "key %s does nothing here: ? lists the keys", actions_key_name(key, kn, sizeof kn));
        return REACT_HANDLED;
    }
    if (u->msg[0] && act != ACT_BACK)
        u->msg[0] = 0;
    re = global_action(u, act);
    if (!re) {
        struct view *v = &u->views[u->focus];
        re = v->ops->key ? v->ops->key(v, act) : 0;
        if (re)
            u->details_of = u->focus;
    }
    if (re & ~REACT_QUIT)
        u->dirty = 1;
    return re;
}

int ui_mouse(struct ui *u, int y, int x, unsigned long bstate)
{
    if (u->lay.too_small || u->overlay.ops || u->prompt) {
        if (u->overlay.ops && (bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED))) {
            for (int i = 0; i < 3; i++)
                u->overlay.ops->key(&u->overlay, (bstate & BUTTON4_PRESSED) ? ACT_UP : ACT_DOWN);
            u->dirty = 1;
        }
        return REACT_HANDLED;
    }
    for (int p = 0; p < PANE_COUNT; p++) {
        struct view *v = &u->views[p];
        if (y < v->y || y >= v->y + v->h || x < v->x || x >= v->x + v->w)
            continue;
        if (p == PANE_DETAILS)
            return REACT_HANDLED;
        int re = REACT_HANDLED;
        if (bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
            int had = u->focus;
            u->focus = p;
            for (int i = 0; i < 3; i++)
                re |= v->ops->key(v, (bstate & BUTTON4_PRESSED) ? ACT_UP : ACT_DOWN);
            u->focus = had == p ? p : had;
        } else if (bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)) {
            u->focus = u->details_of = p;
            if (v->ops->click)
                re |= v->ops->click(v, y - v->y, x - v->x);
        }
        u->dirty = 1;
        return re;
    }
    return REACT_HANDLED;
}

/* ---- the loop ---- */

static int now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Runs until quit. Input that has ended (a closed pty, the end of a test's key file) makes
 * getch return ERR at once every time: after many of those in a row, the loop ends. */
static int loop(struct ui *u)
{
    int fast_errs = 0;
    timeout(100);
    for (;;) {
        if (got_signal)
            die_of_signal();
        ui_draw(u);
        int t0 = now_ms();
        int key = getch();
        if (key == ERR) {
            if (now_ms() - t0 < 20 && errno != EINTR) {
                if (++fast_errs > 50)
                    return 0;
            } else {
                fast_errs = 0;
            }
            continue;
        }
        fast_errs = 0;
        if (ui_key(u, key) & REACT_QUIT)
            return 0;
    }
}

/* ---- loading ---- */

struct loader {
    struct ui_args args;
    struct image img;
    struct analysis *an;
    struct image_progress prog;
    struct sink sinks[8];
    int rc;
    _Atomic int finished;
};

static void *load_thread(void *p)
{
    struct loader *l = p;
    l->an = analysis_new(&l->args.aopts);
    size_t n = analysis_sinks(l->an, l->sinks, 8);
    l->args.iopts.sinks = l->sinks;
    l->args.iopts.n_sinks = n;
    l->args.iopts.progress = &l->prog;
    l->rc = image_open(&l->img, l->args.path, &l->args.iopts);
    if (l->rc != RC_FATAL)
        analysis_run(l->an, &l->img);   /* the views show its masked copies of the history */
    l->finished = 1;
    return NULL;
}

static void draw_loading(const struct loader *l, int lines, int cols)
{
    erase();
    attr_t h = theme_attr(TC_HEADER);
    draw_fill(stdscr, 0, 0, cols, h);
    int x = draw_text(stdscr, 0, 1, 8, "strata", h) + 2;
    draw_name(stdscr, 0, x, cols - x - 1, l->args.path, h, ELIDE_LEFT);
    uint64_t done = l->prog.bytes_done, total = l->prog.bytes_total;
    uint32_t ld = l->prog.layers_done, lt = l->prog.layers_total;
    char a[16], b[16], line[256];
    fmt_size(done, a, sizeof a);
    if (total) {
        fmt_size(total, b, sizeof b);
        snprintf(line, sizeof line, "reading %s of %s (%.0f%%)", a, b, 100.0 * (double)done / (double)total);
    } else {
        snprintf(line, sizeof line, "reading %s", a);
    }
    int y = lines > 6 ? lines / 2 - 2 : 1;
    int w = cols > 84 ? 60 : cols - 20;
    int bx = (cols - w) / 2;
    if (bx < 0)
        bx = 0;
    draw_text(stdscr, y, bx, cols - bx, line, A_BOLD);
    draw_bar(stdscr, y + 1, bx, w, total ? (double)done / (double)total : 0, theme_attr(TC_BAR));
    if (lt)
        snprintf(line, sizeof line, "layers %u of %u", ld, lt);
    else
        snprintf(line, sizeof line, "layers %u", ld);
    draw_text(stdscr, y + 2, bx, cols - bx, line, 0);
    if (l->prog.done)
        draw_text(stdscr, y + 3, bx, cols - bx, "analysing...", 0);
    draw_text(stdscr, lines - 1, 1, cols - 2, "q quits", theme_attr(TC_DIM));
    refresh();
}

/* Shows progress until the reader is done; 0 = loaded, 1 = quit by the user, -1 = input gone */
static int wait_loading(struct loader *l)
{
    int lines, cols, fast_errs = 0, early[64], n_early = 0;
    /* a small image is read at once: no flash of the loading screen, no key taken from it */
    for (int i = 0; i < 30 && !l->finished && !got_signal; i++)
        napms(5);
    timeout(50);
    while (!l->finished) {
        if (got_signal)
            die_of_signal();
        getmaxyx(stdscr, lines, cols);
        draw_loading(l, lines, cols);
        int t0 = now_ms();
        int k = getch();
        if (k == 'q')
            return 1;
        if (k == ERR && now_ms() - t0 < 10 && errno != EINTR) {
            if (++fast_errs > 200)
                usleep(20000);   /* input closed: keep waiting without spinning */
        } else if (k != ERR && k != KEY_RESIZE && n_early < 64) {
            early[n_early++] = k;   /* typed ahead: replayed once the view is up */
        }
    }
    while (n_early > 0)
        ungetch(early[--n_early]);
    return 0;
}

static int run_loaded(struct loader *l, SCREEN *scr)
{
    struct ui *u = ui_new(scr, &l->img, l->an, l->args.color);
    int rc = loop(u);
    ui_free(u);
    return rc;
}

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

    struct loader *l = xcalloc(1, sizeof *l);
    l->args = *a;
    /* signals go to this thread, not the reader */
    sigset_t block, prev;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &prev);
    pthread_t t;
    int threaded = pthread_create(&t, NULL, load_thread, l) == 0;
    pthread_sigmask(SIG_SETMASK, &prev, NULL);
    if (!threaded)
        load_thread(l);
    int rc = 0;
    if (threaded && wait_loading(l) == 1) {
        /* image_open cannot be cancelled: leave the reader to the process exit */
        pthread_detach(t);
        if (own)
            restore_terminal();
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        util_set_die_hook(NULL);
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
        rc = run_loaded(l, scr);
        if (own)
            restore_terminal();
    }
    analysis_free(l->an);
    image_close(&l->img);
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
