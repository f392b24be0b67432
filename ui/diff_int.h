/* diff_int.h: what diff_view.c (state, rows, keys) and diff_draw.c (the screen) share. Private to
 * the diff split view; the rest of ui/ sees struct diff_mode only through diff_view.h. */
#ifndef STRATA_UI_DIFF_INT_H
#define STRATA_UI_DIFF_INT_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/diff.h"

/* What differs below a node (itself included): files only in A, only in B, changed. */
struct dv_stat {
    uint32_t n_a, n_b, n_c;
    uint64_t b_a, b_b, c_a, c_b;   /* bytes only in A / only in B / changed, in A and in B */
};

/* One of the two tables (waste categories, packages): rows sorted by saving. */
struct dv_table {
    uint32_t *idx; size_t n;       /* into d->cats or d->pkgs */
    long sel, top;
};

enum { DV_SORT_SAVING, DV_SORT_SIZE, DV_SORT_NAME, DV_SORT_COUNT };
enum { DV_FOCUS_TREE, DV_FOCUS_CATS, DV_FOCUS_PKGS, DV_FOCUS_COUNT };
enum { DV_PROMPT_NONE, DV_PROMPT_SEARCH, DV_PROMPT_FILTER };

struct diff_mode {
    const struct image_diff *d;
    struct diff_tree *t;
    uint8_t *open;                 /* per tree node */
    uint8_t *pass;                 /* per tree node: filter passes; NULL without a filter */
    struct dv_stat *st;            /* per tree node */
    uint32_t *rows; uint32_t n_rows; size_t cap_rows;
    long sel, top;
    int sort, focus;
    unsigned hide;                 /* DK_* kinds hidden */
    struct dv_table cats, pkgs;
    char filter[256], search[256], msg[320];
    int help; long help_top;
    int prompt; char pbuf[256]; size_t plen;
    uint32_t prompt_from;          /* node selected when the search prompt opened */
    int rows_h, tab_rows;          /* set by the drawing: tree lines, table lines */
    int lines, cols;
};

/* diff_view.c */
int dv_is_dir(const struct diff_mode *v, uint32_t i);
uint32_t dv_sel_node(const struct diff_mode *v);
int64_t dv_delta(uint64_t a, uint64_t b);          /* b - a, saturated */

/* diff_draw.c */
void dv_draw(struct diff_mode *v);
/* "-628 kB", "+155 B", "" for 0 */
const char *dv_fmt_delta(int64_t d, char *buf, size_t len);
extern const char *const dv_sort_names[DV_SORT_COUNT];

#endif
