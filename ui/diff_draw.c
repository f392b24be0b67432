/* diff_draw.c: the screen of the diff split view. From the top: two header lines with the totals
 * (what the rewrite saved first), the waste-category and package tables side by side (A, B and
 * the difference, most saved first), the two trees aligned by path with a difference column
 * between them, and three status lines: the selected path, then for a file the instruction that
 * wrote it in each image, for a folder what differs below it. */
#include <stdio.h>
#include <string.h>

#include "src/util.h"
#include "ui/actions.h"
#include "ui/diff_int.h"
#include "ui/draw.h"
#include "ui/term.h"
#include "ui/theme.h"
#include "ui/view.h"

const char *const dv_sort_names[DV_SORT_COUNT] = {"saving", "size", "name"};

enum { MID = 15 };   /* the middle column: " " Δ(9) " " marks(3) " " */

const char *dv_fmt_delta(int64_t d, char *buf, size_t len)
{
    char s[32];
    if (!d) {
        snprintf(buf, len, "%s", "");
        return buf;
    }
    fmt_size(d < 0 ? (uint64_t)(-d) : (uint64_t)d, s, sizeof s);
    snprintf(buf, len, "%c%s", d < 0 ? '-' : '+', s);
    return buf;
}

static const char *delta_sym(void)
{
    return draw_utf8() ? "Δ" : "B-A";
}

static attr_t delta_attr(int64_t d)
{
    return d < 0 ? theme_attr(TC_ADDED) : theme_attr(TC_REMOVED);
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

static const char *plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* ---------------------------------------------------------------- header */

static void draw_header(struct diff_mode *v)
{
    const struct image_diff *d = v->d;
    const struct model *ma = &d->a->model, *mb = &d->b->model;
    char s1[32], s2[32], s3[32], s4[32], s5[32], s6[32], line[1024];
    int64_t delta = dv_delta(ma->final_bytes, mb->final_bytes);
    uint64_t mag = delta < 0 ? (uint64_t)(-delta) : (uint64_t)delta;
    char pct[32] = "";
    if (ma->final_bytes)
        snprintf(pct, sizeof pct, " (%.0f%%)", 100.0 * (double)mag / (double)ma->final_bytes);
    char saved[96];
    snprintf(saved, sizeof saved, "%s %s%s", delta < 0 ? "saved" : delta > 0 ? "grew" : "same size",
             delta ? fmt_size(mag, s3, sizeof s3) : "", delta ? pct : "");
    uint64_t ra = d->aa ? d->aa->removable_bytes : 0, rb = d->ab ? d->ab->removable_bytes : 0;
    snprintf(line, sizeof line,
             " strata diff  final %s -> %s, %s  removable %s -> %s  files %llu -> %llu  layers %s -> %s, %u shared",
             fmt_size(ma->final_bytes, s1, sizeof s1), fmt_size(mb->final_bytes, s2, sizeof s2), saved,
             fmt_size(ra, s4, sizeof s4), fmt_size(rb, s5, sizeof s5),
             (unsigned long long)ma->final_files, (unsigned long long)mb->final_files,
             fmt_size(ma->layer_bytes, s3, sizeof s3), fmt_size(mb->layer_bytes, s6, sizeof s6), d->shared_layers);
    draw_fill(stdscr, 0, 0, v->cols, theme_attr(TC_HEADER));
    draw_text(stdscr, 0, 0, v->cols, line, theme_attr(TC_HEADER));
    snprintf(line, sizeof line, " - only in A: %zu %s %s   + only in B: %zu %s %s   ~ changed: %zu %s %s -> %s",
             d->n_only_a, plural(d->n_only_a, "file", "files"), fmt_size(d->only_a_bytes, s1, sizeof s1),
             d->n_only_b, plural(d->n_only_b, "file", "files"), fmt_size(d->only_b_bytes, s2, sizeof s2),
             d->n_changed, plural(d->n_changed, "file", "files"),
             fmt_size(d->changed_a_bytes, s3, sizeof s3), fmt_size(d->changed_b_bytes, s4, sizeof s4));
    draw_fill(stdscr, 1, 0, v->cols, theme_attr(TC_HEADER_DIM));
    draw_text(stdscr, 1, 0, v->cols, line, theme_attr(TC_HEADER_DIM));
}

/* ---------------------------------------------------------------- tables */

/* name | A | B | Δ in w columns at (y, x) */
static void table_row(int y, int x, int w, const char *name, const char *a, const char *b, int64_t delta,
                      const char *dtext, attr_t base, int header)
{
    int CW = w >= 56 ? 9 : 8;
    int nw = w - 3 * (CW + 1) + 1;
    draw_fill(stdscr, y, x, w, base);
    draw_name(stdscr, y, x + 1, nw - 1, name, base, ELIDE_RIGHT);
    char c[3][40];
    snprintf(c[0], sizeof c[0], "%*s", CW, a);   /* CW <= 9: fits */
    snprintf(c[1], sizeof c[1], "%*s", CW, b);
    snprintf(c[2], sizeof c[2], "%*s", CW + (header && draw_utf8() ? 1 : 0), dtext);
    draw_text(stdscr, y, x + nw, CW, c[0], base);
    draw_text(stdscr, y, x + nw + CW + 1, CW, c[1], base);
    draw_text(stdscr, y, x + nw + 2 * (CW + 1), CW, c[2], header || base ? base : delta_attr(delta));
}

static void draw_table(struct diff_mode *v, struct dv_table *t, int is_pkgs, int y, int x, int w)
{
    int focused = v->focus == (is_pkgs ? DV_FOCUS_PKGS : DV_FOCUS_CATS);
    char title[64];
    snprintf(title, sizeof title, "%s (%zu)", is_pkgs ? "Packages" : w >= 56 ? "Waste categories" : "Waste", t->n);
    table_row(y, x, w, title, "A", "B", 0, delta_sym(), theme_attr(focused ? TC_TITLE_FOCUS : TC_TITLE), 1);
    list_scroll_into_view(t->sel, &t->top, (long)t->n, v->tab_rows);
    if (!t->n)
        draw_text(stdscr, y + 1, x + 1, w - 2, is_pkgs ? "(no packages in either image)" : "(no waste in either image)",
                  theme_attr(TC_DIM));
    for (int r = 0; r < v->tab_rows && t->top + r < (long)t->n; r++) {
        long i = t->top + r;
        uint64_t a, b;
        char name[300], sa[32], sb[32], sd[40];
        if (is_pkgs) {
            const struct diff_pkg *p = &v->d->pkgs[t->idx[i]];
            snprintf(name, sizeof name, "%s (%s)", p->name, p->ecosystem);
            a = p->a_bytes;
            b = p->b_bytes;
            snprintf(sa, sizeof sa, "%s", p->a_version ? fmt_size(a, sd, sizeof sd) : "-");
            snprintf(sb, sizeof sb, "%s", p->b_version ? fmt_size(b, sd, sizeof sd) : "-");
        } else {
            const struct diff_side_count *c = &v->d->cats[t->idx[i]];
            snprintf(name, sizeof name, "%s", c->id);
            a = c->a;
            b = c->b;
            fmt_size(a, sa, sizeof sa);
            fmt_size(b, sb, sizeof sb);
        }
        int64_t dl = dv_delta(a, b);
        table_row(y + 1 + r, x, w, name, sa, sb, dl, dv_fmt_delta(dl, sd, sizeof sd),
                  focused && i == t->sel ? theme_attr(TC_SEL) : 0, 0);
    }
}

/* ---------------------------------------------------------------- tree */

/* The selected row is bright while the tree has the focus, dim while a table has it. */
static attr_t sel_attr(const struct diff_mode *v)
{
    return theme_attr(v->focus == DV_FOCUS_TREE ? TC_SEL : TC_SEL_IDLE);
}

/* One side of a row: indent, folder glyph, name, size. */
static void draw_side(struct diff_mode *v, int y, int x, int w, uint32_t i, int side, int selected)
{
    const struct diff_node *n = &v->t->v[i];
    uint32_t p = side ? n->b : n->a;
    attr_t base = selected ? sel_attr(v) : 0;
    draw_fill(stdscr, y, x, w, base);
    if (!p)
        return;
    char sz[32], szr[32];
    fmt_size(side ? n->b_bytes : n->a_bytes, sz, sizeof sz);
    int szw = 10;
    int indent = 2 * n->depth;
    if (indent > w / 2)
        indent = w / 2;
    int dir = dv_is_dir(v, i);
    const char *glyph = !dir || !n->first_child ? "  " : v->open[i] ? (draw_utf8() ? "▾ " : "v ")
                                                                    : (draw_utf8() ? "▸ " : "> ");
    int cx = x + indent;
    cx += draw_text(stdscr, y, cx, w - indent - szw, glyph, base);
    attr_t na = selected ? base : dir && n->kind == DK_SAME ? theme_attr(TC_DIR) : kind_attr(n->kind);
    const struct model *m = side ? &v->d->b->model : &v->d->a->model;
    draw_name(stdscr, y, cx, x + w - szw - 1 - cx, model_name(m, p), na, ELIDE_RIGHT);
    snprintf(szr, sizeof szr, "%*s", szw - 1, sz);
    draw_text(stdscr, y, x + w - szw, szw, szr, selected ? base : theme_attr(TC_SIZE));
}

/* The middle column: B - A, then the kinds of difference at and below the row (- + ~), each in
 * its own place so a folder reads "-+~" when it holds all three. */
static void draw_middle(struct diff_mode *v, int y, int x, uint32_t i, int selected)
{
    const struct diff_node *n = &v->t->v[i];
    attr_t base = selected ? sel_attr(v) : 0;
    draw_fill(stdscr, y, x, MID, base);
    char dt[40], col[40];
    int64_t dl = dv_delta(n->a_bytes, n->b_bytes);
    snprintf(col, sizeof col, "%9s", dv_fmt_delta(dl, dt, sizeof dt));
    draw_text(stdscr, y, x + 1, 9, col, selected ? base : delta_attr(dl));
    static const struct { uint8_t k; const char *s; } marks[3] = {
        {DK_ONLY_A, "-"}, {DK_ONLY_B, "+"}, {DK_CHANGED, "~"}};
    for (int k = 0; k < 3; k++)
        if (n->mask & marks[k].k)
            draw_text(stdscr, y, x + 11 + k, 1, marks[k].s, selected ? base : kind_attr(marks[k].k) | A_BOLD);
}

static const char *file_line(const struct diff_mode *v, uint32_t i, int side, char *buf, size_t len)
{
    const struct diff_node *n = &v->t->v[i];
    uint32_t p = side ? n->b : n->a;
    const struct image *img = side ? v->d->b : v->d->a;
    const struct model *m = &img->model;
    uint32_t e = p && m->path_final ? m->path_final[p] : 0;
    char c = side ? 'B' : 'A';
    if (!p)
        snprintf(buf, len, "%c  (not in this image)", c);
    else if (!e)
        snprintf(buf, len, "%c  (made by the entries below it)", c);
    else {
        int l = m->entries[e].layer;
        /* the analysis' masked copy: a RUN line may carry a secret value */
        const char *by = analysis_layer_instruction(side ? v->d->ab : v->d->aa, img, (size_t)l);
        snprintf(buf, len, "%c  layer %d: %s", c, l, by[0] ? by : "(no history)");
    }
    return buf;
}

/* A folder is labelled by what differs below it, not by the last layer that touched it. */
static const char *folder_line(const struct diff_mode *v, uint32_t i, int side, char *buf, size_t len)
{
    const struct diff_node *n = &v->t->v[i];
    const struct dv_stat *s = &v->st[i];
    char c = side ? 'B' : 'A', s1[32], s2[32], s3[32];
    if (!(side ? n->b : n->a)) {
        snprintf(buf, len, "%c  (not in this image)", c);
        return buf;
    }
    if (n->kind == DK_ONLY_A || n->kind == DK_ONLY_B) {
        uint32_t nf = side ? s->n_b : s->n_a;
        snprintf(buf, len, "%c  only in %c: %s in %u %s", c, c, fmt_size(side ? n->b_bytes : n->a_bytes, s1, sizeof s1),
                 nf, plural(nf, "file", "files"));
        return buf;
    }
    if (!s->n_a && !s->n_b && !s->n_c) {
        snprintf(buf, len, "%c  nothing differs below this folder (%s)", c,
                 fmt_size(side ? n->b_bytes : n->a_bytes, s1, sizeof s1));
        return buf;
    }
    uint32_t only = side ? s->n_b : s->n_a;
    int k = snprintf(buf, len, "%c  below: %s in all", c, fmt_size(side ? n->b_bytes : n->a_bytes, s1, sizeof s1));
    if (only && k >= 0 && (size_t)k < len)
        k += snprintf(buf + k, len - (size_t)k, ", %u %s only in %c (%s)", only, plural(only, "file", "files"), c,
                      fmt_size(side ? s->b_b : s->b_a, s2, sizeof s2));
    if (s->n_c && k >= 0 && (size_t)k < len)
        k += snprintf(buf + k, len - (size_t)k, ", %u changed (%s here)", s->n_c,
                      fmt_size(side ? s->c_b : s->c_a, s3, sizeof s3));
    if (!only && !s->n_c && k >= 0 && (size_t)k < len)
        snprintf(buf + k, len - (size_t)k, ", nothing only in %c", c);
    return buf;
}

static void draw_tree(struct diff_mode *v, int y0)
{
    const struct image_diff *d = v->d;
    int half = (v->cols - MID) / 2, xb = half + MID, wb = v->cols - xb;
    char line[1024], flags[400];
    attr_t ta = theme_attr(TC_TITLE);
    draw_fill(stdscr, y0, 0, v->cols, ta);
    snprintf(line, sizeof line, "A  %s", d->a->source ? d->a->source : "");
    draw_name(stdscr, y0, 0, half, line, ta, ELIDE_LEFT);
    snprintf(line, sizeof line, "%9s", delta_sym());
    draw_text(stdscr, y0, half + 1 + (draw_utf8() ? 1 : 0), 9, line, ta);
    snprintf(flags, sizeof flags, "sort:%s%s%s%s%s%s%s", dv_sort_names[v->sort],
             v->hide & DK_ONLY_B ? " -B" : "", v->hide & DK_ONLY_A ? " -A" : "",
             v->hide & DK_CHANGED ? " -changed" : "", v->hide & DK_SAME ? " -equal" : "",
             v->filter[0] ? " filter:" : "", v->filter);
    int fw = text_width(flags);
    if (fw > wb / 2)
        fw = wb / 2;
    snprintf(line, sizeof line, "B  %s", d->b->source ? d->b->source : "");
    draw_name(stdscr, y0, xb, wb - fw - 2, line, ta, ELIDE_LEFT);
    draw_name(stdscr, y0, v->cols - fw - 1, fw, flags, ta, ELIDE_RIGHT);

    int y = y0 + 1;
    v->rows_h = v->lines - 3 - y;
    if (v->sel >= (long)v->n_rows)
        v->sel = v->n_rows ? (long)v->n_rows - 1 : 0;
    list_scroll_into_view(v->sel, &v->top, (long)v->n_rows, v->rows_h);
    for (int r = 0; r < v->rows_h && v->top + r < (long)v->n_rows; r++) {
        long ri = v->top + r;
        uint32_t i = v->rows[ri];
        int selected = ri == v->sel;
        draw_side(v, y + r, 0, half, i, 0, selected);
        draw_middle(v, y + r, half, i, selected);
        draw_side(v, y + r, xb, wb, i, 1, selected);
    }
    if (!v->n_rows)
        draw_text(stdscr, y, 2, v->cols - 4, "(nothing to show: see the hide toggles A R M U and the filter f)",
                  theme_attr(TC_DIM));
}

static void draw_status(struct diff_mode *v)
{
    int L = v->lines, C = v->cols;
    char line[1024];
    uint32_t s = dv_sel_node(v);
    draw_fill(stdscr, L - 3, 0, C, theme_attr(TC_STATUS));
    if (s) {
        char path[4096];
        diff_node_path(v->d, &v->t->v[s], path, sizeof path);
        draw_name(stdscr, L - 3, 1, C - 2, path, theme_attr(TC_STATUS), ELIDE_LEFT);
        int dir = dv_is_dir(v, s);
        for (int side = 0; side < 2; side++) {
            if (dir)
                folder_line(v, s, side, line, sizeof line);
            else
                file_line(v, s, side, line, sizeof line);
            draw_name(stdscr, L - 2 + side, 0, C, line, theme_attr(side ? TC_ADDED : TC_REMOVED) & ~A_BOLD, ELIDE_RIGHT);
        }
    }
    if (v->msg[0]) {
        char m[340];
        snprintf(m, sizeof m, "  %s ", v->msg);
        int mw = text_width(m);
        if (mw < C - 20)
            draw_name(stdscr, L - 3, C - mw, mw, m, theme_attr(TC_STATUS), ELIDE_RIGHT);
    }
    if (v->prompt) {
        const char *label = v->prompt == DV_PROMPT_SEARCH ? "search: " : "filter (empty Enter clears): ";
        draw_fill(stdscr, L - 1, 0, C, theme_attr(TC_DEFAULT));
        int lw = draw_text(stdscr, L - 1, 0, C, label, theme_attr(TC_KEY));
        int bw = draw_name(stdscr, L - 1, lw, C - lw - 1, v->pbuf, 0, ELIDE_LEFT);
        wmove(stdscr, L - 1, lw + bw);
    }
}

/* ---------------------------------------------------------------- help */

static void draw_help(struct diff_mode *v)
{
    static const enum action acts[] = {ACT_UP, ACT_DOWN, ACT_PGUP, ACT_PGDN, ACT_HOME, ACT_END,
        ACT_NEXT_PANE, ACT_PREV_PANE, ACT_OPEN, ACT_LEFT, ACT_RIGHT, ACT_SEARCH, ACT_SEARCH_NEXT,
        ACT_SEARCH_PREV, ACT_FILTER, ACT_SORT, ACT_HIDE_ADDED, ACT_HIDE_REMOVED, ACT_HIDE_MODIFIED,
        ACT_HIDE_UNCHANGED, ACT_HELP, ACT_BACK, ACT_REDRAW, ACT_QUIT, ACT_MOUSE};
    static const char *diff_help[ACT_COUNT] = {
        [ACT_NEXT_PANE] = "next pane (tree, categories, packages)",
        [ACT_OPEN] = "open/close folder",
        [ACT_SORT] = "sort by saving / by size / by name",
        [ACT_FILTER] = "filter: only paths containing a text",
        [ACT_HIDE_ADDED] = "hide/show paths only in B (+)",
        [ACT_HIDE_REMOVED] = "hide/show paths only in A (-)",
        [ACT_HIDE_MODIFIED] = "hide/show changed paths (~)",
        [ACT_HIDE_UNCHANGED] = "hide/show paths equal in both",
        [ACT_BACK] = "close help / prompt",
        [ACT_MOUSE] = "click selects, wheel scrolls the tree",
    };
    static const char *legend[] = {
        "",
        "Marks: - only in A  + only in B  ~ changed; a folder shows every kind",
        "  of difference found below it, and its status lines count them",
        "Δ = B - A: negative (green) is what the rewrite saved",
        "Tables: waste categories and packages of both images, most saved first",
    };
    size_t na = sizeof acts / sizeof acts[0], nl = sizeof legend / sizeof legend[0];
    long n = (long)(na + nl);
    int w = v->cols - 4 < 80 ? v->cols - 4 : 80;
    int h = (int)n + 2 < v->lines - 2 ? (int)n + 2 : v->lines - 2;
    WINDOW *hw = newwin(h, w, (v->lines - h) / 2, (v->cols - w) / 2);
    if (!hw)
        return;
    wbkgdset(hw, theme_attr(TC_DEFAULT));
    werase(hw);
    draw_frame(hw, "strata diff: keys (q, Esc or ? closes)", 1);
    int ih = h - 2;
    if (v->help_top > n - ih)
        v->help_top = n - ih > 0 ? n - ih : 0;
    for (int y = 1; y <= ih && v->help_top + y - 1 < n; y++) {
        long i = v->help_top + y - 1;
        if (i < (long)na) {
            char lab[64];
            actions_label(acts[i], lab, sizeof lab);
            draw_text(hw, y, 2, 20, lab, theme_attr(TC_KEY));
            draw_text(hw, y, 23, w - 25, diff_help[acts[i]] ? diff_help[acts[i]] : actions_help(acts[i]), 0);
        } else {
            const char *t = legend[i - (long)na];
            if (!draw_utf8() && !strncmp(t, "Δ", strlen("Δ"))) {
                char b[128];
                snprintf(b, sizeof b, "B-A%s", t + strlen("Δ"));
                draw_text(hw, y, 2, w - 4, b, theme_attr(TC_DIM));
            } else
                draw_text(hw, y, 2, w - 4, t, theme_attr(TC_DIM));
        }
    }
    wnoutrefresh(hw);
    delwin(hw);
}

/* ---------------------------------------------------------------- all */

void dv_draw(struct diff_mode *v)
{
    werase(stdscr);
    draw_header(v);
    /* the tables take up to a quarter of what is left below the headers and above the status */
    int avail = v->lines - 2 - 3 - 1;
    size_t most = v->cats.n > v->pkgs.n ? v->cats.n : v->pkgs.n;
    int cap = avail / 4 > 2 ? avail / 4 : 2;
    v->tab_rows = most < 1 ? 1 : most > (size_t)cap ? cap : (int)most;
    int tw = (v->cols - 1) / 2;
    draw_table(v, &v->cats, 0, 2, 0, tw);
    draw_table(v, &v->pkgs, 1, 2, tw + 1, v->cols - tw - 1);
    draw_tree(v, 3 + v->tab_rows);
    draw_status(v);
    wnoutrefresh(stdscr);
    if (v->help)
        draw_help(v);
    doupdate();
}
