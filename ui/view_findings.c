/* view_findings.c: secrets (most severe first), then waste categories, build-only packages and
 * dead files merged, largest first. Enter jumps to the file in the tree, at the layer that wrote
 * it (for a package: to the layer that installed it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/util.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/view.h"

#define MAX_DEAD 2000    /* the pane lists the largest dead files; the report has them all */

static uint64_t item_bytes(const struct analysis *an, const struct finding_item *f)
{
    return f->kind == FI_WASTE ? an->cats[f->idx].bytes : f->kind == FI_DEAD ? an->dead[f->idx].size
         : f->kind == FI_PACKAGE ? an->pkgs[f->idx].bytes : 0;
}

static void findings_init(struct view *v)
{
    struct ui *u = v->u;
    const struct analysis *an = u->an;
    v->sel = v->top = 0;
    free(u->fitems);
    u->fitems = NULL;
    u->n_fitems = 0;
    if (!an)
        return;
    size_t nd = an->n_dead < MAX_DEAD ? an->n_dead : MAX_DEAD;
    u->fitems = xcalloc(an->n_secrets + an->n_cats + an->n_pkgs + nd + 1, sizeof *u->fitems);
    size_t k = 0;
    for (size_t i = 0; i < an->n_secrets; i++)
        u->fitems[k++] = (struct finding_item){FI_SECRET, i};
    /* the rest, largest first: waste categories, build-only packages ("gcc-12 69 MB layer 1"),
     * dead files; a stable merge keeps each list's own order among equal sizes */
    size_t from = k;
    for (size_t i = 0; i < an->n_cats; i++)
        u->fitems[k++] = (struct finding_item){FI_WASTE, i};
    for (size_t i = 0; i < an->n_pkgs; i++)
        if (an->pkgs[i].build_only)
            u->fitems[k++] = (struct finding_item){FI_PACKAGE, i};
    for (size_t i = 0; i < nd; i++)
        u->fitems[k++] = (struct finding_item){FI_DEAD, i};
    for (size_t i = from + 1; i < k; i++)       /* insertion sort: lists are already sorted */
        for (size_t j = i; j > from && item_bytes(an, &u->fitems[j]) > item_bytes(an, &u->fitems[j - 1]); j--) {
            struct finding_item t = u->fitems[j];
            u->fitems[j] = u->fitems[j - 1];
            u->fitems[j - 1] = t;
        }
    u->n_fitems = k;
}

static enum theme_color sev_color(int sev)
{
    return sev >= 4 ? TC_SEV_CRIT : sev == 3 ? TC_SEV_HIGH : sev == 2 ? TC_SEV_MED : TC_SEV_LOW;
}

static const char *sev_tag(int sev)
{
    static const char *tags[] = {"info", "low", "MED", "HIGH", "CRIT"};
    return sev >= 0 && sev <= 4 ? tags[sev] : "?";
}

static void findings_draw(struct view *v)
{
    struct ui *u = v->u;
    const struct analysis *an = u->an;
    const struct model *m = &u->img->model;
    WINDOW *w = v->win;
    werase(w);
    char title[96];
    size_t nb = 0;
    for (size_t i = 0; an && i < an->n_pkgs; i++)
        nb += an->pkgs[i].build_only != 0;
    snprintf(title, sizeof title, "Findings (%zu secrets, %zu waste)", an ? an->n_secrets : 0,
             an ? an->n_cats + an->n_dead + nb : 0);
    draw_frame(w, title, u->focus == PANE_FINDINGS);
    int ih = v->h - 2, iw = v->w - 2;
    list_scroll_into_view(v->sel, &v->top, (long)u->n_fitems, ih);
    for (int k = 0; k < ih; k++) {
        long i = v->top + k;
        if (i >= (long)u->n_fitems)
            break;
        const struct finding_item *f = &u->fitems[i];
        int selected = i == v->sel;
        attr_t sel = theme_attr(u->focus == PANE_FINDINGS ? TC_SEL : TC_SEL_IDLE);
        attr_t a = selected ? sel : theme_attr(TC_DEFAULT);
        int y = 1 + k, x = 1;
        draw_fill(w, y, x, iw, a);
        char tag[16], sz[16], szr[16];
        const char *text, *rule = "";
        char pbuf[4096];
        enum theme_color tc;
        if (f->kind == FI_SECRET) {
            const struct secret_finding *s = &an->secrets[f->idx];
            snprintf(tag, sizeof tag, "%-4s", sev_tag(s->severity));
            tc = sev_color(s->severity);
            rule = s->rule_id ? s->rule_id : "secret";
            /* what it is, without a jump: "ENV HF_TOKEN", a path, and where a later layer
             * deleted it ("deleted in L7, still shipped") */
            char where[4200];
            analysis_finding_where(s, where, sizeof where);
            if (!s->visible && s->hidden_by >= 0)
                snprintf(pbuf, sizeof pbuf, "%.3800s  %s in L%d, still shipped", where,
                         s->deleted ? "deleted" : "overwritten", s->hidden_by);
            else
                snprintf(pbuf, sizeof pbuf, "%.4000s", where);
            text = pbuf;
        } else if (f->kind == FI_WASTE) {
            const struct waste_cat *c = &an->cats[f->idx];
            snprintf(tag, sizeof tag, "%-4s", "junk");
            tc = TC_MODIFIED;
            fmt_size(c->bytes, sz, sizeof sz);
            snprintf(szr, sizeof szr, "%9s", sz);
            text = c->title ? c->title : c->id;
        } else if (f->kind == FI_PACKAGE) {
            const struct package *pk = &an->pkgs[f->idx];
            snprintf(tag, sizeof tag, "%-4s", "pkg");
            tc = TC_MODIFIED;
            fmt_size(pk->bytes, sz, sizeof sz);
            snprintf(szr, sizeof szr, "%9s", sz);
            snprintf(pbuf, sizeof pbuf, "%s  layer %d, build-only", pk->name, pk->layer);
            text = pbuf;
        } else {
            const struct dead_file *d = &an->dead[f->idx];
            snprintf(tag, sizeof tag, "%-4s", d->deleted ? "del" : "over");
            tc = TC_REMOVED;
            fmt_size(d->size, sz, sizeof sz);
            snprintf(szr, sizeof szr, "%9s", sz);
            text = d->entry < m->n_entries ? model_path_str(m, m->entries[d->entry].path, pbuf, sizeof pbuf) : "?";
        }
        x += draw_text(w, y, x, 4, tag, selected ? a : theme_attr(tc)) + 1;
        if (f->kind == FI_SECRET) {
            int cw = iw * 2 / 5 < 26 ? iw * 2 / 5 : 26;
            draw_name(w, y, x, cw, rule, a, ELIDE_RIGHT);
            x += cw + 1;
        } else {
            x += draw_text(w, y, x, 9, szr, a) + 1;
        }
        if (x < iw + 1)
            draw_name(w, y, x, iw + 1 - x, text, a, f->kind == FI_WASTE || f->kind == FI_PACKAGE ? ELIDE_RIGHT : ELIDE_LEFT);
    }
    if (!u->n_fitems)
        draw_text(w, 1, 2, iw - 2, an ? "nothing found: no secrets, no waste" : "no analysis",
                  theme_attr(TC_DIM));
}

static int findings_key(struct view *v, enum action act)
{
    struct ui *u = v->u;
    int re = list_move(&v->sel, &v->top, (long)u->n_fitems, v->h - 2, act);
    if (re)
        return re | REACT_RELOAD;
    if ((act != ACT_OPEN && act != ACT_RIGHT) || !u->n_fitems)
        return 0;
    const struct finding_item *f = &u->fitems[v->sel];
    const struct analysis *an = u->an;
    const struct model *m = &u->img->model;
    if (f->kind == FI_SECRET) {
        const struct secret_finding *s = &an->secrets[f->idx];
        if (s->entry && s->entry < m->n_entries) {
            ui_jump_to(u, s->entry);
        } else if (s->history >= 0 || s->layer >= 0) {
            long row = -1;
            for (size_t i = 0; i < u->n_lrows; i++)
                if ((s->history >= 0 && u->lrow_hist[i] == s->history) ||
                    (s->history < 0 && u->lrow_layer[i] == s->layer))
                    row = (long)i;
            if (row >= 0) {
                ui_set_layer_row(u, row);
                u->focus = u->details_of = PANE_LAYERS;
            }
        } else {
            ui_message(u, 0, "this secret is in the image config (Env), not in a file");
        }
    } else if (f->kind == FI_DEAD) {
        ui_jump_to(u, an->dead[f->idx].entry);
    } else if (f->kind == FI_PACKAGE) {
        const struct package *pk = &an->pkgs[f->idx];
        long row = -1;
        for (size_t i = 0; i < u->n_lrows; i++)
            if (u->lrow_layer[i] == pk->layer)
                row = (long)i;
        if (row >= 0) {
            ui_set_layer_row(u, row);
            u->focus = u->details_of = PANE_LAYERS;
        }
    } else {
        const struct waste_cat *c = &an->cats[f->idx];
        uint32_t node = c->n_paths ? model_lookup(m, c->paths[0]) : 0;
        if (!node) {
            ui_message(u, 0, "%s: no single path to show", c->title ? c->title : c->id);
            return REACT_HANDLED | REACT_REDRAW;
        }
        ui_jump_node(u, node, c->layer >= 0 ? c->layer : (int)m->n_layers - 1);
    }
    return REACT_HANDLED | REACT_RELOAD;
}

static int findings_click(struct view *v, int row, int col)
{
    (void)col;
    long i = v->top + row - 1;
    if (row < 1 || row > v->h - 2 || i >= (long)v->u->n_fitems)
        return REACT_HANDLED;
    if (i == v->sel)
        return findings_key(v, ACT_OPEN);
    v->sel = i;
    return REACT_HANDLED | REACT_RELOAD;
}

static void findings_fini(struct view *v)
{
    free(v->u->fitems);
    v->u->fitems = NULL;
    v->u->n_fitems = 0;
}

const struct view_ops view_findings_ops = {
    "findings", findings_init, NULL, findings_draw, findings_key, findings_click, findings_fini,
};
