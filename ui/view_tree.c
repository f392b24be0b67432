/* view_tree.c: the merged filesystem after the selected layer, or only that layer's changes.
 * Draws the rows of ui/rows.c; never walks the tree itself. Change kinds are coloured and also
 * marked (+ added, ~ modified, - removed) so that monochrome terminals show them too. */
#include <stdio.h>
#include <string.h>

#include "src/util.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/view.h"

static void tree_init(struct view *v)
{
    v->sel = v->top = 0;
}

/* Keeps sel on u->tree_node after the rows changed underneath (O(1) when nothing moved). */
static void tree_sync(struct view *v)
{
    struct ui *u = v->u;
    struct rows *r = &u->rows;
    if (!r->n) {
        v->sel = v->top = 0;
        return;
    }
    if (v->sel >= 0 && v->sel < (long)r->n && r->v[v->sel].node == u->tree_node)
        return;
    long i = u->tree_node ? rows_find(r, u->tree_node) : -1;
    if (i < 0) {
        /* the node went away (layer switch, filter): keep the position */
        i = v->sel < 0 ? 0 : v->sel >= (long)r->n ? (long)r->n - 1 : v->sel;
    }
    v->sel = i;
    u->tree_node = r->v[i].node;
}

static void tree_layout(struct view *v, int y, int x, int h, int w)
{
    (void)y, (void)x, (void)h, (void)w;
    tree_sync(v);
    list_scroll_into_view(v->sel, &v->top, (long)v->u->rows.n, v->h - 2);
}

static void tree_title(const struct ui *u, char *t, size_t n)
{
    const struct rows *r = &u->rows;
    int o;
    if (u->layer < 0)
        o = snprintf(t, n, "Files (no layer yet)");
    else if (r->changes_only)
        o = snprintf(t, n, "Changes of layer %d", u->layer);
    else
        o = snprintf(t, n, "Files after layer %d", u->layer);
    if (o < 0 || (size_t)o >= n)
        return;
    o += snprintf(t + o, n - (size_t)o, ", by %s", r->sort == SORT_SIZE ? "size" : "name");
    if ((size_t)o < n && r->hide)
        o += snprintf(t + o, n - (size_t)o, ", hiding %s%s%s%s",
                      r->hide & RS_ADDED ? "+" : "", r->hide & RS_MODIFIED ? "~" : "",
                      r->hide & RS_REMOVED ? "-" : "", r->hide & RS_UNCHANGED ? "=" : "");
    if ((size_t)o < n && r->pass)
        snprintf(t + o, n - (size_t)o, ", filter %s: %u %s", r->pass_label, r->pass_files,
                 r->pass_files == 1 ? "path" : "paths");
}

static void tree_draw(struct view *v)
{
    struct ui *u = v->u;
    struct rows *r = &u->rows;
    const struct model *m = &u->img->model;
    WINDOW *w = v->win;
    werase(w);
    char title[400];
    tree_title(u, title, sizeof title);
    draw_frame(w, title, u->focus == PANE_TREE);
    int ih = v->h - 2, iw = v->w - 2;
    tree_sync(v);
    list_scroll_into_view(v->sel, &v->top, (long)r->n, ih);
    int utf = draw_utf8();
    for (int k = 0; k < ih; k++) {
        long i = v->top + k;
        if (i >= (long)r->n)
            break;
        uint32_t node = r->v[i].node;
        unsigned st = rows_status(r, node);
        uint32_t e = model_visible_at(m, node, (uint32_t)u->layer);
        int isdir = e ? entry_is_dir(&m->entries[e]) : model_first_child(m, node) != 0;
        int islink = e && (m->entries[e].mode & 0170000) == 0120000;
        int selected = i == v->sel;
        enum theme_color tc = st == RS_ADDED ? TC_ADDED : st == RS_MODIFIED ? TC_MODIFIED
                            : st == RS_REMOVED ? TC_REMOVED : isdir ? TC_DIR
                            : islink ? TC_LINK : TC_DEFAULT;
        attr_t a = selected ? theme_attr(u->focus == PANE_TREE ? TC_SEL : TC_SEL_IDLE) : theme_attr(tc);
        int y = 1 + k, x = 1;
        draw_fill(w, y, x, iw, selected ? a : theme_attr(TC_DEFAULT));
        const char *mark = st == RS_ADDED ? "+" : st == RS_MODIFIED ? "~" : st == RS_REMOVED ? "-" : " ";
        x += draw_text(w, y, x, 1, mark, a) + 1;
        char sz[16], szr[16];
        fmt_size(rows_size(r, node), sz, sizeof sz);
        snprintf(szr, sizeof szr, "%9s", sz);
        x += draw_text(w, y, x, 9, szr, selected ? a : theme_attr(TC_SIZE)) + 1;
        if (u->show_attrs && x + 22 < iw) {
            /* the version shown at this layer; a removed path: the version removed */
            uint32_t ae = e ? e : ui_node_entry(u, node);
            char md[12] = "", own[24] = "", col[40];
            if (ae) {
                fmt_mode(m->entries[ae].mode, md);
                if (m->ext)
                    snprintf(own, sizeof own, "%u:%u", m->ext[ae].uid, m->ext[ae].gid);
            }
            snprintf(col, sizeof col, "%-10s %-11.11s", md, own);
            x += draw_text(w, y, x, 22, col, selected ? a : theme_attr(TC_DIM)) + 1;
        }
        int indent = 2 * r->v[i].depth;
        if (indent > iw / 2)
            indent = iw / 2;
        x += indent;
        const char *arrow = "  ";
        if (isdir && rows_has_children(r, node))
            arrow = r->open[node] ? (utf ? "\xe2\x96\xbe " : "v ") : (utf ? "\xe2\x96\xb8 " : "> ");
        if (x < iw)
            x += draw_text(w, y, x, iw + 1 - x, arrow, a);
        if (x < iw + 1) {
            x += draw_name(w, y, x, iw + 1 - x, model_name(m, node), a, ELIDE_RIGHT);
            if (isdir && x < iw + 1)
                x += draw_text(w, y, x, iw + 1 - x, "/", a);
            if (isdir && r->pass && x + 2 < iw + 1) {   /* files of the filtered set below */
                char cnt[24];
                snprintf(cnt, sizeof cnt, " (%u)", rows_count(r, node));
                x += draw_text(w, y, x, iw + 1 - x, cnt, selected ? a : theme_attr(TC_DIM));
            }
        }
        if (islink && m->ext && m->ext[e].link && x + 4 < iw + 1) {
            x += draw_text(w, y, x, iw + 1 - x, " -> ", a);
            draw_name(w, y, x, iw + 1 - x, strpool_get(&m->names, m->ext[e].link), a, ELIDE_RIGHT);
        }
    }
    if (!r->n) {
        const char *why = u->layer < 0 ? "no layer yet: this step made no files"
                        : r->pass ? "nothing matches the filter (f, Ctrl-U, Enter clears it)"
                        : r->changes_only ? "this layer changed no files"
                        : r->hide ? "every entry is hidden (A R M U toggle)" : "empty filesystem";
        draw_text(w, 1, 2, iw - 2, why, theme_attr(TC_DIM));
    }
}

static void select_row(struct view *v, long i)
{
    struct ui *u = v->u;
    if (i < 0 || i >= (long)u->rows.n)
        return;
    v->sel = i;
    u->tree_node = u->rows.v[i].node;
}

static int tree_key(struct view *v, enum action act)
{
    struct ui *u = v->u;
    struct rows *r = &u->rows;
    tree_sync(v);
    int re = list_move(&v->sel, &v->top, (long)r->n, v->h - 2, act);
    if (re) {
        select_row(v, v->sel);
        return re;
    }
    if (!r->n || v->sel < 0)
        return 0;
    uint32_t i = (uint32_t)v->sel, node = r->v[i].node;
    switch (act) {
    case ACT_EXPAND_ALL:
    case ACT_COLLAPSE_ALL:
        rows_set_all_open(r, act == ACT_EXPAND_ALL);
        tree_sync(v);
        return REACT_HANDLED | REACT_RELOAD;
    case ACT_OPEN:
        if (r->open[node])
            rows_close(r, i);
        else if (rows_has_children(r, node))
            rows_open(r, i);
        else {
            ui_open_viewer(u, node);
            return REACT_HANDLED | REACT_RELOAD;
        }
        return REACT_HANDLED | REACT_REDRAW;
    case ACT_RIGHT:
        if (!r->open[node]) {
            rows_open(r, i);
        } else if (i + 1 < r->n && r->v[i + 1].depth > r->v[i].depth) {
            select_row(v, (long)i + 1);
        }
        return REACT_HANDLED | REACT_REDRAW;
    case ACT_LEFT:
        if (r->open[node]) {
            rows_close(r, i);
        } else {
            long p = rows_parent(r, i);
            if (p >= 0)
                select_row(v, p);
        }
        return REACT_HANDLED | REACT_REDRAW;
    default:
        return 0;
    }
}

static int tree_click(struct view *v, int row, int col)
{
    (void)col;
    struct ui *u = v->u;
    long i = v->top + row - 1;
    if (row < 1 || row > v->h - 2 || i >= (long)u->rows.n)
        return REACT_HANDLED;
    if (i == v->sel && rows_has_children(&u->rows, u->rows.v[i].node))
        return tree_key(v, ACT_OPEN);   /* a second click opens or closes the folder */
    select_row(v, i);
    return REACT_HANDLED | REACT_REDRAW;
}

const struct view_ops view_tree_ops = {
    "files", tree_init, tree_layout, tree_draw, tree_key, tree_click, NULL,
};
