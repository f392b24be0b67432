/* view_layers.c: one row per history entry (or per layer without history): index, size bar,
 * bytes, instruction; empty-layer entries dimmed. Moving the selection retargets the tree. */
#include <stdio.h>
#include <string.h>

#include "analysis/advice.h"
#include "src/util.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/view.h"

static void layers_init(struct view *v)
{
    v->sel = v->top = 0;
}

static void layers_layout(struct view *v, int y, int x, int h, int w)
{
    (void)y, (void)x, (void)h, (void)w;
    list_scroll_into_view(v->sel, &v->top, (long)v->u->n_lrows, v->h - 2);
}

static const char *row_text(const struct ui *u, size_t i)
{
    int h = u->lrow_hist[i], L = u->lrow_layer[i];
    /* the analysis' masked copies: ENV, ARG and RUN lines may carry secret values */
    if (h >= 0 && (size_t)h < u->img->n_history) {
        const struct history_item *hi = &u->img->history[h];
        const char *in = analysis_history_instruction(u->an, u->img, (size_t)h);
        const char *cb = analysis_history_created_by(u->an, u->img, (size_t)h);
        if (*in)
            return in;
        if (*cb)
            return cb;
        return hi->comment && *hi->comment ? hi->comment : "(no instruction recorded)";
    }
    if (L >= 0 && (size_t)L < u->img->n_layers && *analysis_layer_instruction(u->an, u->img, (size_t)L))
        return analysis_layer_instruction(u->an, u->img, (size_t)L);
    return "(no history)";
}

static void layers_draw(struct view *v)
{
    struct ui *u = v->u;
    const struct model *m = &u->img->model;
    WINDOW *w = v->win;
    werase(w);
    char title[96];
    /* layers that came with the base image (advice.h): "b" before their index */
    uint32_t nbase = u->an && u->an->advice ? u->an->advice->base.layers : 0;
    if (u->loader)
        snprintf(title, sizeof title, "Layers (%zu, %u of %zu stacked so far)", u->n_lrows, m->n_layers,
                 u->img->n_layers);
    else if (nbase)
        snprintf(title, sizeof title, "Layers (%zu, %u with files, b = base: %u)", u->n_lrows, m->n_layers, nbase);
    else
        snprintf(title, sizeof title, "Layers (%zu, %u with files)", u->n_lrows, m->n_layers);
    draw_frame(w, title, u->focus == PANE_LAYERS);
    int ih = v->h - 2, iw = v->w - 2;
    uint64_t maxb = 1;
    for (uint32_t L = 0; L < m->n_layers; L++)
        if (m->layers[L].bytes > maxb)
            maxb = m->layers[L].bytes;
    list_scroll_into_view(v->sel, &v->top, (long)u->n_lrows, ih);
    int barw = iw >= 60 ? 10 : 6;
    for (int r = 0; r < ih; r++) {
        long i = v->top + r;
        if (i >= (long)u->n_lrows)
            break;
        int L = u->lrow_layer[i];
        int selected = i == v->sel;
        attr_t base = selected ? theme_attr(u->focus == PANE_LAYERS ? TC_SEL : TC_SEL_IDLE)
                    : L < 0 ? theme_attr(TC_DIM) : theme_attr(TC_DEFAULT);
        int y = 1 + r, x = 1;
        draw_fill(w, y, x, iw, base);
        char idx[16], sz[16];
        /* a damaged layer: "!" before its index and DAMAGED before its text, in the error colour */
        const char *damage = L >= 0 && (size_t)L < u->img->n_layers ? u->img->layers[L].error : NULL;
        if (L >= 0)
            snprintf(idx, sizeof idx, damage ? "!%2d" : (uint32_t)L < nbase ? "b%2d" : "%3d", L);
        else
            snprintf(idx, sizeof idx, "  -");
        x += draw_text(w, y, x, iw, idx, damage && !selected ? theme_attr(TC_ERROR) : base) + 1;
        if (L >= 0 && (uint32_t)L < m->n_layers) {
            draw_bar(w, y, x, barw, (double)m->layers[L].bytes / (double)maxb,
                     selected ? base : theme_attr(TC_BAR));
            fmt_size(m->layers[L].bytes, sz, sizeof sz);
        } else {
            draw_fill(w, y, x, barw, base);
            snprintf(sz, sizeof sz, "%s", "");
        }
        x += barw + 1;
        char szr[16];
        snprintf(szr, sizeof szr, "%9s", sz);
        x += draw_text(w, y, x, 9, szr, base) + 1;
        if (damage && x < iw)   /* why: the banner above the panes */
            x += draw_text(w, y, x, iw + 1 - x, "DAMAGED ", selected ? base : theme_attr(TC_ERROR));
        if (x < iw)
            draw_name(w, y, x, iw + 1 - x, row_text(u, (size_t)i), base, ELIDE_RIGHT);
    }
    if (!u->n_lrows)
        draw_text(w, 1, 2, iw - 2, "no layers", theme_attr(TC_DIM));
}

static int layers_key(struct view *v, enum action act)
{
    long before = v->sel;
    int r = list_move(&v->sel, &v->top, (long)v->u->n_lrows, v->h - 2, act);
    if (r) {
        if (v->sel != before)
            ui_set_layer_row(v->u, v->sel);
        return r | REACT_RELOAD;
    }
    if (act == ACT_OPEN || act == ACT_RIGHT) {
        v->u->focus = PANE_TREE;
        v->u->details_of = PANE_TREE;
        return REACT_HANDLED | REACT_RELOAD;
    }
    return 0;
}

static int layers_click(struct view *v, int row, int col)
{
    (void)col;
    long i = v->top + row - 1;
    if (row < 1 || row > v->h - 2 || i >= (long)v->u->n_lrows)
        return REACT_HANDLED;
    v->sel = i;
    ui_set_layer_row(v->u, i);
    return REACT_HANDLED | REACT_RELOAD;
}

const struct view_ops view_layers_ops = {
    "layers", layers_init, layers_layout, layers_draw, layers_key, layers_click, NULL,
};
