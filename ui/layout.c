/* layout.c: where the four panes go for a terminal size (ui_layout_compute, pure arithmetic the
 * unit tests call), moving and scrolling a list selection, and ui_relayout, which remakes the
 * panes' and the overlay's windows after a resize. Apart from ui.c so that each stays small. */
#include <string.h>

#include "ui/ui.h"
#include "ui/view.h"

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

void ui_relayout(struct ui *u)
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
