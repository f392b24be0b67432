#include "ui/diff_view.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/util.h"
#include "ui/actions.h"
#include "ui/draw.h"
#include "ui/term.h"
#include "ui/theme.h"

/* ---------------------------------------------------------------- state */

struct dv {
    const struct image_diff *d;
    struct diff_tree *t;
    uint8_t *open;           /* per tree node */
    uint8_t *pass;           /* per tree node: filter passes (self, ancestor or descendant) */
    uint32_t *rows; uint32_t n_rows, cap_rows;
    long sel, top;
    int sort;                /* 0 size, 1 name */
    unsigned hide;           /* DK_* kinds hidden */
    char filter[256];
    char search[256];
    char msg[320];
    int help;
    int rows_h;              /* tree lines on screen */
};

static volatile sig_atomic_t got_signal;
static void on_signal(int sig) { got_signal = sig; }
static void restore_term(void)
{
    if (!isendwin())
        endwin();
}

static int is_dir(const struct dv *v, uint32_t i)
{
    const struct diff_node *n = &v->t->v[i];
    if (n->first_child || i == DIFF_ROOT)
        return 1;
    for (int s = 0; s < 2; s++) {
        uint32_t p = s ? n->b : n->a;
        const struct model *m = s ? &v->d->b->model : &v->d->a->model;
        if (p && m->path_final && m->path_final[p] && entry_is_dir(&m->entries[m->path_final[p]]))
            return 1;
    }
    return 0;
}

static int visible(const struct dv *v, uint32_t i)
{
    const struct diff_node *n = &v->t->v[i];
    if (!(n->mask & ~v->hide & DK_ALL))
        return 0;
    return !v->pass || v->pass[i];
}

/* ---------------------------------------------------------------- rows */

static const struct dv *sort_ctx;    /* qsort has no context argument in C11 */

static int kid_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    const struct diff_node *na = &sort_ctx->t->v[a], *nb = &sort_ctx->t->v[b];
    if (!sort_ctx->sort) {
        uint64_t sa = na->a_bytes > na->b_bytes ? na->a_bytes : na->b_bytes;
        uint64_t sb = nb->a_bytes > nb->b_bytes ? nb->a_bytes : nb->b_bytes;
        if (sa != sb)
            return sa > sb ? -1 : 1;
    }
    return a < b ? -1 : a > b;   /* tree order is name order */
}

static void rows_push(struct dv *v, uint32_t i)
{
    if (v->n_rows == v->cap_rows) {
        v->cap_rows = v->cap_rows ? 2 * v->cap_rows : 1024;
        v->rows = xreallocarray(v->rows, v->cap_rows, sizeof *v->rows);
    }
    v->rows[v->n_rows++] = i;
}

static void rows_add(struct dv *v, uint32_t parent)
{
    size_t n = 0, cap = 16;
    uint32_t *k = xreallocarray(NULL, cap, sizeof *k);
    for (uint32_t c = v->t->v[parent].first_child; c; c = v->t->v[c].next_sibling) {
        if (!visible(v, c))
            continue;
        if (n == cap)
            k = xreallocarray(k, cap *= 2, sizeof *k);
        k[n++] = c;
    }
    sort_ctx = v;
    qsort(k, n, sizeof *k, kid_cmp);
    for (size_t i = 0; i < n; i++) {
        rows_push(v, k[i]);
        if (v->open[k[i]])
            rows_add(v, k[i]);
    }
    free(k);
}

/* Rebuilds the rows, keeping the selected node selected when it is still shown. */
static void rows_build(struct dv *v, uint32_t keep)
{
    v->n_rows = 0;
    rows_add(v, DIFF_ROOT);
    v->sel = 0;
    for (uint32_t i = 0; keep && i < v->n_rows; i++)
        if (v->rows[i] == keep) {
            v->sel = i;
            break;
        }
}

static uint32_t sel_node(const struct dv *v)
{
    return v->n_rows ? v->rows[v->sel] : 0;
}

static void apply_filter(struct dv *v)
{
    free(v->pass);
    v->pass = NULL;
    if (!v->filter[0])
        return;
    uint32_t n = v->t->n;
    v->pass = xcalloc(n, 1);
    uint8_t *self = xcalloc(n, 1);   /* 1: own name or an ancestor's contains the text */
    /* Nodes are made in preorder: a parent's index is below its children's. */
    for (uint32_t i = DIFF_ROOT + 1; i < n; i++) {
        const struct diff_node *nd = &v->t->v[i];
        self[i] = self[nd->parent] || strstr(diff_node_name(v->d, nd), v->filter) != NULL;
        v->pass[i] = self[i];
    }
    for (uint32_t i = n - 1; i > DIFF_ROOT; i--)
        if (v->pass[i])
            v->pass[v->t->v[i].parent] = 1;
    v->pass[DIFF_ROOT] = 1;
    free(self);
}

/* Next (dir 1) or previous (-1) node in tree order after the selected one whose name contains
 * the search text; opens its folders and selects it. */
static void search_step(struct dv *v, int dir)
{
    if (!v->search[0])
        return;
    uint32_t n = v->t->n, start = sel_node(v) ? sel_node(v) : DIFF_ROOT;
    for (uint32_t k = 1; k < n; k++) {
        uint32_t i = (uint32_t)((start + (dir > 0 ? k : n - k)) % n);
        if (i <= DIFF_ROOT || !visible(v, i))
            continue;
        if (!strstr(diff_node_name(v->d, &v->t->v[i]), v->search))
            continue;
        for (uint32_t p = v->t->v[i].parent; p; p = v->t->v[p].parent)
            v->open[p] = 1;
        rows_build(v, i);
        snprintf(v->msg, sizeof v->msg, "search: %s", v->search);
        return;
    }
    snprintf(v->msg, sizeof v->msg, "not found: %s", v->search);
}

/* ---------------------------------------------------------------- drawing */

static const char *kind_mark(uint8_t kind)
{
    switch (kind) {
    case DK_ONLY_A: return "-";
    case DK_ONLY_B: return "+";
    case DK_CHANGED: return "~";
    default: return " ";
    }
}

static attr_t kind_attr(uint8_t kind)
{
    switch (kind) {
    case DK_ONLY_A: return theme_attr(TC_REMOVED);
    case DK_ONLY_B: return theme_attr(TC_ADDED);
    case DK_CHANGED: return theme_attr(TC_MODIFIED);
    default: return theme_attr(TC_DEFAULT);
    }
}

/* One side of a row: indent, folder glyph, name, size. */
static void draw_side(struct dv *v, int y, int x, int w, uint32_t i, int side, int selected)
{
    const struct diff_node *n = &v->t->v[i];
    uint32_t p = side ? n->b : n->a;
    attr_t base = selected ? theme_attr(TC_SEL) : 0;
    draw_fill(stdscr, y, x, w, base);
    if (!p)
        return;
    char sz[32];
    fmt_size(side ? n->b_bytes : n->a_bytes, sz, sizeof sz);
    int szw = 10;
    int indent = 2 * n->depth;
    if (indent > w / 2)
        indent = w / 2;
    int dir = is_dir(v, i);
    const char *glyph = !dir ? "  " : !n->first_child ? "  " : v->open[i] ? (draw_utf8() ? "▾ " : "v ")
                                                                          : (draw_utf8() ? "▸ " : "> ");
    int cx = x + indent;
    cx += draw_text(stdscr, y, cx, w - indent - szw, glyph, base);
    attr_t na = selected ? base : dir && n->kind == DK_SAME ? theme_attr(TC_DIR) : kind_attr(n->kind);
    const struct model *m = side ? &v->d->b->model : &v->d->a->model;
    draw_name(stdscr, y, cx, x + w - szw - 1 - cx, model_name(m, p), na, ELIDE_RIGHT);
    char szr[32];
    snprintf(szr, sizeof szr, "%*s", szw - 1, sz);
    draw_text(stdscr, y, x + w - szw, szw, szr, selected ? base : theme_attr(TC_SIZE));
}

static const char *layer_line(const struct dv *v, uint32_t i, int side, char *buf, size_t len)
{
    const struct diff_node *n = &v->t->v[i];
    uint32_t p = side ? n->b : n->a;
    const struct image *img = side ? v->d->b : v->d->a;
    const struct model *m = &img->model;
    uint32_t e = p && m->path_final ? m->path_final[p] : 0;
    if (!p)
        snprintf(buf, len, "%c  (not in this image)", side ? 'B' : 'A');
    else if (!e)
        snprintf(buf, len, "%c  (folder made by the entries below it)", side ? 'B' : 'A');
    else {
        int l = m->entries[e].layer;
        /* the analysis' masked copy: a RUN line may carry a secret value */
        const char *by = analysis_layer_instruction(side ? v->d->ab : v->d->aa, img, (size_t)l);
        snprintf(buf, len, "%c  layer %d: %s", side ? 'B' : 'A', l, by[0] ? by : "(no history)");
    }
    return buf;
}

static void draw_help(void)
{
    static const enum action acts[] = {ACT_UP, ACT_DOWN, ACT_PGUP, ACT_PGDN, ACT_HOME, ACT_END,
        ACT_OPEN, ACT_LEFT, ACT_RIGHT, ACT_SEARCH, ACT_SEARCH_NEXT, ACT_SEARCH_PREV, ACT_FILTER,
        ACT_SORT, ACT_HIDE_ADDED, ACT_HIDE_REMOVED, ACT_HIDE_MODIFIED, ACT_HIDE_UNCHANGED,
        ACT_HELP, ACT_REDRAW, ACT_QUIT};
    static const char *diff_help[ACT_COUNT] = {
        [ACT_HIDE_ADDED] = "hide/show paths only in B (+)",
        [ACT_HIDE_REMOVED] = "hide/show paths only in A (-)",
        [ACT_HIDE_MODIFIED] = "hide/show changed paths (~)",
        [ACT_HIDE_UNCHANGED] = "hide/show paths equal in both",
    };
    size_t n = sizeof acts / sizeof acts[0];
    int h = (int)n + 4, w = 64;
    int y0 = (LINES - h) / 2, x0 = (COLS - w) / 2;
    if (y0 < 0) y0 = 0;
    if (x0 < 0) x0 = 0;
    for (int y = 0; y < h && y0 + y < LINES; y++)
        draw_fill(stdscr, y0 + y, x0, w, theme_attr(TC_DEFAULT));
    draw_text(stdscr, y0, x0 + 2, w - 4, "strata diff: keys (any key closes)", theme_attr(TC_TITLE_FOCUS));
    for (size_t i = 0; i < n && y0 + 2 + (int)i < LINES; i++) {
        char lab[64];
        actions_label(acts[i], lab, sizeof lab);
        draw_text(stdscr, y0 + 2 + (int)i, x0 + 2, 18, lab, theme_attr(TC_KEY));
        const char *hl = diff_help[acts[i]] ? diff_help[acts[i]] : actions_help(acts[i]);
        draw_text(stdscr, y0 + 2 + (int)i, x0 + 21, w - 23, hl, 0);
    }
}

static void draw_all(struct dv *v)
{
    erase();
    if (LINES < 20 || COLS < 80) {
        draw_text(stdscr, 0, 0, COLS, "terminal too small (80x20 at least); q quits", theme_attr(TC_ERROR));
        refresh();
        return;
    }
    const struct image_diff *d = v->d;
    const struct model *ma = &d->a->model, *mb = &d->b->model;
    char s1[32], s2[32], s3[32], s4[32], line[1024];

    /* header: totals side by side */
    draw_fill(stdscr, 0, 0, COLS, theme_attr(TC_HEADER));
    snprintf(line, sizeof line, " strata diff   final %s -> %s   layers %s -> %s   files %llu -> %llu   shared layers %u",
             fmt_size(ma->final_bytes, s1, sizeof s1), fmt_size(mb->final_bytes, s2, sizeof s2),
             fmt_size(ma->layer_bytes, s3, sizeof s3), fmt_size(mb->layer_bytes, s4, sizeof s4),
             (unsigned long long)ma->final_files, (unsigned long long)mb->final_files, d->shared_layers);
    draw_text(stdscr, 0, 0, COLS, line, theme_attr(TC_HEADER));
    draw_fill(stdscr, 1, 0, COLS, theme_attr(TC_HEADER_DIM));
    snprintf(line, sizeof line, " - only in A: %zu files %s    + only in B: %zu files %s    ~ changed: %zu files %s -> %s",
             d->n_only_a, fmt_size(d->only_a_bytes, s1, sizeof s1), d->n_only_b,
             fmt_size(d->only_b_bytes, s2, sizeof s2), d->n_changed,
             fmt_size(d->changed_a_bytes, s3, sizeof s3), fmt_size(d->changed_b_bytes, s4, sizeof s4));
    draw_text(stdscr, 1, 0, COLS, line, theme_attr(TC_HEADER_DIM));

    int half = (COLS - 3) / 2;
    int xb = half + 3;
    int wb = COLS - xb;
    /* column titles: the two sources */
    snprintf(line, sizeof line, "A  %s", d->a->source ? d->a->source : "");
    draw_name(stdscr, 2, 0, half, line, theme_attr(TC_TITLE), ELIDE_LEFT);
    char flags[400];
    snprintf(flags, sizeof flags, "sort:%s%s%s%s%s%s%s", v->sort ? "name" : "size",
             v->hide & DK_ONLY_B ? " -B" : "", v->hide & DK_ONLY_A ? " -A" : "",
             v->hide & DK_CHANGED ? " -changed" : "", v->hide & DK_SAME ? " -equal" : "",
             v->filter[0] ? " filter:" : "", v->filter);
    int fw = text_width(flags);
    if (fw > wb / 2)
        fw = wb / 2;
    snprintf(line, sizeof line, "B  %s", d->b->source ? d->b->source : "");
    draw_name(stdscr, 2, xb, wb - fw - 2, line, theme_attr(TC_TITLE), ELIDE_LEFT);
    draw_name(stdscr, 2, COLS - fw - 1, fw, flags, theme_attr(TC_DIM), ELIDE_RIGHT);

    int y0 = 3;
    v->rows_h = LINES - y0 - 3;
    if (v->sel >= (long)v->n_rows)
        v->sel = v->n_rows ? (long)v->n_rows - 1 : 0;
    if (v->sel < v->top)
        v->top = v->sel;
    if (v->sel >= v->top + v->rows_h)
        v->top = v->sel - v->rows_h + 1;
    if (v->top < 0)
        v->top = 0;
    for (int r = 0; r < v->rows_h && v->top + r < (long)v->n_rows; r++) {
        long ri = v->top + r;
        uint32_t i = v->rows[ri];
        int selected = ri == v->sel;
        const struct diff_node *n = &v->t->v[i];
        draw_side(v, y0 + r, 0, half, i, 0, selected);
        const char *mk = kind_mark(n->kind);
        attr_t ma_ = kind_attr(n->kind);
        if (n->kind == DK_SAME && (n->mask & ~DK_SAME)) {
            mk = "*";             /* differences below */
            ma_ = theme_attr(TC_DIM);
        }
        draw_fill(stdscr, y0 + r, half, 3, selected ? theme_attr(TC_SEL) : 0);
        draw_text(stdscr, y0 + r, half + 1, 1, mk, selected ? theme_attr(TC_SEL) : ma_ | A_BOLD);
        draw_side(v, y0 + r, xb, wb, i, 1, selected);
    }
    if (!v->n_rows)
        draw_text(stdscr, y0, 2, COLS - 4, "(nothing to show: see the hide toggles A R M U and the filter f)",
                  theme_attr(TC_DIM));

    /* bottom: the selected path and the instruction that wrote it in each image */
    uint32_t s = sel_node(v);
    draw_fill(stdscr, LINES - 3, 0, COLS, theme_attr(TC_STATUS));
    if (s) {
        char path[4096];
        diff_node_path(d, &v->t->v[s], path, sizeof path);
        draw_name(stdscr, LINES - 3, 1, COLS - 2, path, theme_attr(TC_STATUS), ELIDE_LEFT);
        draw_name(stdscr, LINES - 2, 0, COLS, layer_line(v, s, 0, line, sizeof line), theme_attr(TC_REMOVED) & ~A_BOLD, ELIDE_RIGHT);
        draw_name(stdscr, LINES - 1, 0, COLS, layer_line(v, s, 1, line, sizeof line), theme_attr(TC_ADDED) & ~A_BOLD, ELIDE_RIGHT);
    }
    if (v->msg[0]) {
        char m[340];
        snprintf(m, sizeof m, "  %s", v->msg);
        int mw = text_width(m);
        if (mw < COLS - 20)
            draw_name(stdscr, LINES - 3, COLS - mw - 1, mw, m, theme_attr(TC_STATUS), ELIDE_RIGHT);
    }
    if (v->help)
        draw_help();
    refresh();
}

/* ---------------------------------------------------------------- input */

/* Reads a line at the bottom; 1 on Enter, 0 on Esc or a signal. */
static int prompt(struct dv *v, const char *label, char *buf, size_t len)
{
    size_t n = strlen(buf);
    curs_set(1);
    for (;;) {
        draw_fill(stdscr, LINES - 1, 0, COLS, theme_attr(TC_DEFAULT));
        mvaddstr(LINES - 1, 0, label);
        draw_name(stdscr, LINES - 1, (int)strlen(label), COLS - (int)strlen(label) - 1, buf, 0, ELIDE_LEFT);
        refresh();
        int c = getch();
        if (got_signal) {
            curs_set(0);
            return 0;
        }
        if (c == ERR)
            continue;
        if (c == '\n' || c == '\r' || c == KEY_ENTER) {
            curs_set(0);
            return 1;
        }
        if (c == 27) {
            curs_set(0);
            return 0;
        }
        if ((c == KEY_BACKSPACE || c == 127 || c == 8) && n)
            buf[--n] = 0;
        else if (c >= 32 && c < 256 && c != 127 && n + 1 < len) {
            buf[n++] = (char)c;
            buf[n] = 0;
        }
        (void)v;
    }
}

/* Returns 1 to quit. */
static int handle(struct dv *v, int c)
{
    if (c == KEY_RESIZE)
        return 0;
    if (v->help) {
        v->help = 0;
        return 0;
    }
    enum action act = actions_lookup(c);
    uint32_t s = sel_node(v);
    v->msg[0] = 0;
    switch (act) {
    case ACT_QUIT:
        return 1;
    case ACT_UP: if (v->sel > 0) v->sel--; break;
    case ACT_DOWN: if (v->sel + 1 < (long)v->n_rows) v->sel++; break;
    case ACT_PGUP: v->sel -= v->rows_h > 1 ? v->rows_h - 1 : 1; if (v->sel < 0) v->sel = 0; break;
    case ACT_PGDN:
        v->sel += v->rows_h > 1 ? v->rows_h - 1 : 1;
        if (v->sel >= (long)v->n_rows) v->sel = v->n_rows ? (long)v->n_rows - 1 : 0;
        break;
    case ACT_HOME: v->sel = 0; break;
    case ACT_END: v->sel = v->n_rows ? (long)v->n_rows - 1 : 0; break;
    case ACT_OPEN:
        if (s && v->t->v[s].first_child) {
            v->open[s] = !v->open[s];
            rows_build(v, s);
        }
        break;
    case ACT_RIGHT:
        if (s && v->t->v[s].first_child && !v->open[s]) {
            v->open[s] = 1;
            rows_build(v, s);
        }
        break;
    case ACT_LEFT:
        if (s && v->open[s]) {
            v->open[s] = 0;
            rows_build(v, s);
        } else if (s && v->t->v[s].parent > DIFF_ROOT) {
            rows_build(v, v->t->v[s].parent);
        }
        break;
    case ACT_SORT:
        v->sort = !v->sort;
        rows_build(v, s);
        break;
    case ACT_HIDE_ADDED: v->hide ^= DK_ONLY_B; rows_build(v, s); break;
    case ACT_HIDE_REMOVED: v->hide ^= DK_ONLY_A; rows_build(v, s); break;
    case ACT_HIDE_MODIFIED: v->hide ^= DK_CHANGED; rows_build(v, s); break;
    case ACT_HIDE_UNCHANGED: v->hide ^= DK_SAME; rows_build(v, s); break;
    case ACT_SEARCH: {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", v->search);
        if (prompt(v, "search: ", buf, sizeof buf)) {
            snprintf(v->search, sizeof v->search, "%s", buf);
            search_step(v, 1);
        }
        break;
    }
    case ACT_SEARCH_NEXT: search_step(v, 1); break;
    case ACT_SEARCH_PREV: search_step(v, -1); break;
    case ACT_FILTER: {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", v->filter);
        if (prompt(v, "filter (empty: none): ", buf, sizeof buf)) {
            snprintf(v->filter, sizeof v->filter, "%s", buf);
            apply_filter(v);
            if (v->filter[0])   /* show the matches: open every folder that holds one */
                for (uint32_t i = DIFF_ROOT; i < v->t->n; i++)
                    if (v->pass[i] && v->t->v[i].first_child)
                        v->open[i] = 1;
            rows_build(v, s);
        }
        break;
    }
    case ACT_HELP: v->help = 1; break;
    case ACT_BACK: break;
    case ACT_REDRAW: clearok(curscr, TRUE); break;
    default: break;
    }
    return 0;
}

int ui_diff_run(const struct image_diff *d, const char *color)
{
    int mode = theme_parse(color);
    if (mode < 0) {
        fprintf(stderr, "strata: --color: '%s' is not auto, off or dark\n", color);
        return 1;
    }
    struct dv v;
    memset(&v, 0, sizeof v);
    v.d = d;
    v.t = diff_tree_build(d);
    v.open = xcalloc(v.t->n, 1);
    v.open[DIFF_ROOT] = 1;
    rows_build(&v, 0);

    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        fprintf(stderr, "strata: cannot start the terminal interface (TERM=%s)\n",
                getenv("TERM") ? getenv("TERM") : "");
        diff_tree_free(v.t);
        free(v.open);
        free(v.rows);
        return 1;
    }
    set_term(scr);
    util_set_die_hook(restore_term);
    struct sigaction sa, old[3];
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; i++)
        sigaction(sigs[i], &sa, &old[i]);
    got_signal = 0;
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    timeout(250);            /* wake up to notice a signal */
    theme_init(mode);

    int dirty = 1;
    while (!got_signal) {
        if (dirty)
            draw_all(&v);
        int c = getch();
        if (c == ERR) {
            dirty = 0;
            continue;
        }
        dirty = 1;
        if (handle(&v, c))
            break;
    }
    endwin();
    delscreen(scr);
    for (int i = 0; i < 3; i++)
        sigaction(sigs[i], &old[i], NULL);
    util_set_die_hook(NULL);
    diff_tree_free(v.t);
    free(v.open);
    free(v.pass);
    free(v.rows);
    return got_signal ? 1 : 0;   /* interrupted: nothing to add on stderr */
}
