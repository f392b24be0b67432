/* carry.c: what of the view passes from one view of an image to the next (ui/carry.h). Path
 * node numbers are the same in every state of the tree, so open folders and the selection carry
 * over as they are. */
#include "ui/carry.h"

#include <stdlib.h>
#include <string.h>

#include "src/util.h"
#include "ui/ui.h"

void carry_save(struct ui *u, struct ui_carry *c, int keep_layers)
{
    free(c->open);
    for (int i = 0; i < c->n_keep; i++)
        rows_layer_free(c->keep[i]);
    c->n_keep = keep_layers ? rows_steal(&u->rows, c->keep) : 0;
    c->saved = 1;
    c->focus = u->focus;
    c->show_attrs = u->show_attrs;
    c->sort = u->rows.sort;
    c->changes_only = u->rows.changes_only;
    c->hide = u->rows.hide;
    c->tree_node = u->tree_node;
    c->n_open = u->rows.m->n_paths;
    c->open = xmalloc(c->n_open ? c->n_open : 1);
    memcpy(c->open, u->rows.open, c->n_open);
    c->lrow = u->views[PANE_LAYERS].sel;
    c->lrow_last = c->lrow >= (long)u->n_lrows - 1;
    memcpy(c->search, u->search, sizeof c->search);
    memcpy(c->msg, u->msg, sizeof c->msg);
    c->msg_err = u->msg_err;
}

void carry_adopt(struct ui *u, struct ui_carry *c, long *lrow)
{
    if (!c || !c->saved)
        return;
    for (int i = 0; i < c->n_keep; i++)
        rows_adopt(&u->rows, c->keep[i]);
    c->n_keep = 0;
    if (!c->lrow_last)
        *lrow = c->lrow;
}

void carry_free(struct ui_carry *c)
{
    free(c->open);
    c->open = NULL;
    for (int i = 0; i < c->n_keep; i++)
        rows_layer_free(c->keep[i]);
    c->n_keep = 0;
}

void carry_apply(struct ui *u, const struct ui_carry *c)
{
    if (!c->saved)
        return;
    u->focus = c->focus;
    if (u->focus == PANE_TREE || u->focus == PANE_LAYERS)
        u->details_of = u->focus;
    u->show_attrs = c->show_attrs;
    uint32_t n = u->rows.m->n_paths < c->n_open ? u->rows.m->n_paths : c->n_open;
    memcpy(u->rows.open, c->open, n);
    memset(u->rows.open + n, 0, u->rows.m->n_paths - n);
    u->rows.sort = c->sort;
    u->rows.changes_only = c->changes_only;
    u->rows.hide = c->hide;
    if (!c->lrow_last)
        ui_set_layer_row(u, c->lrow);
    rows_set_layer(&u->rows, u->layer);   /* the rows again, from the open folders */
    if (c->tree_node && c->tree_node < u->rows.m->n_paths)
        u->tree_node = c->tree_node;
    memcpy(u->search, c->search, sizeof u->search);
    if (c->msg[0]) {   /* else whatever the new view starts with */
        memcpy(u->msg, c->msg, sizeof u->msg);
        u->msg_err = c->msg_err;
    }
    ui_relayout(u);
    u->dirty = 1;
}

