/* diff_view.h: the interactive split view of `strata diff A B`, a mode of the main UI loop.
 *
 *   struct image_diff *d = diff_compute(&a, an_a, &b, an_b);
 *   int rc = ui_diff_run(d, "auto");     // 0, or 1 with "strata: <why>" on stderr
 *   diff_free(d);
 *
 * It answers "where did the rewrite save its bytes": the header leads with the final sizes and
 * what was saved; the waste categories and the packages of both images are tables with A, B and
 * the difference, most saved first; below, both merged trees side by side, aligned by path
 * (diff_tree_build), with a difference column (B - A) between them and the kinds of difference at
 * and below each row: only in A (red, -), only in B (green, +), changed (yellow, ~). Rows sort by
 * saving (s: by size, by name). A folder's status lines count what differs below it; a file's
 * name the instruction that wrote it in each image.
 *
 * ui_diff_run (ui/ui.c) runs it in the loop of the image view, with the same terminal setup,
 * keys (ui/actions.h), help, signals (the process dies of SIGINT/SIGTERM/SIGHUP after restoring
 * the terminal), resize, "too small" screen and terminal restore on every exit path. */
#ifndef STRATA_UI_DIFF_VIEW_H
#define STRATA_UI_DIFF_VIEW_H

#include "analysis/diff.h"

/* color: "auto" | "off" | "dark"; NULL = auto. In ui/ui.c. */
int ui_diff_run(const struct image_diff *d, const char *color);

/* The mode's side of the loop (ui/diff_view.c): a struct ui whose ->diff is set. */
struct ui;
struct screen;
struct ui *diff_ui_new(struct screen *scr, const struct image_diff *d, int theme);
int diff_ui_key(struct ui *u, int key);     /* REACT_* */
void diff_ui_draw(struct ui *u);
void diff_ui_free(struct ui *u);

#endif
