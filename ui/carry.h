/* carry.h: what of the view passes from one view of an image to the next (ui/carry.c): each
 * newer state of the tree while loading, then the analysed image. UI thread only. */
#ifndef STRATA_UI_CARRY_H
#define STRATA_UI_CARRY_H

#include "ui/view.h"

/* What of the view survives a newer state of the tree, and the switch to the loaded image:
 * the pane in focus, the selected path and the open folders (path node numbers are the same in
 * every state), sort, filters of kinds, and the layer row unless it was the newest. */
struct ui_carry {
    int saved;
    int focus, show_attrs, sort, changes_only;
    unsigned hide;
    uint32_t tree_node;
    uint8_t *open; uint32_t n_open;
    long lrow;
    int lrow_last;
    /* the last search (n/N go on with it) and the status line ("match 1 of 1" stays put) */
    char search[256];
    char msg[512];
    int msg_err;
    /* the layer rollups of a view of the reader's finished model, for the next view of it */
    struct rows_layer *keep[ROWS_CACHE];
    int n_keep;
};

/* From u, before it is freed; keep_layers: u shows the reader's finished model, which the next
 * view shows too, so its layer rollups go along. */
void carry_save(struct ui *u, struct ui_carry *c, int keep_layers);
/* While the next view is made: the carried rollups into its rows, and the layer row to open at
 * (left as it is, -1, for the newest). c may be NULL. */
void carry_adopt(struct ui *u, struct ui_carry *c, long *lrow);
/* Once it is made: focus, open folders, sort, filters, selection, search and message. */
void carry_apply(struct ui *u, const struct ui_carry *c);
void carry_free(struct ui_carry *c);

#endif
