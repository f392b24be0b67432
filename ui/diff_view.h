/* diff_view.h: the interactive split view of `strata diff A B`.
 *
 *   struct image_diff *d = diff_compute(&a, an_a, &b, an_b);
 *   int rc = ui_diff_run(d, "auto");     // 0, or 1 with "strata: <why>" on stderr
 *   diff_free(d);
 *
 * Both merged trees side by side, aligned by path (diff_tree_build), coloured by difference:
 * only in A (red, -), only in B (green, +), changed (yellow, ~); a folder with differences below
 * carries a dim marker. Same keys as the main view (ui/actions.h): move, open/close, search,
 * filter, sort, A/R/M/U hide only-in-B / only-in-A / changed / equal paths, ? help, q quit.
 * The two bottom lines name the instruction that wrote the selected path in each image.
 * The terminal is restored on every exit path: q, end of input, die() (hook), SIGINT/SIGTERM/
 * SIGHUP (the loop polls a flag and returns through endwin). */
#ifndef STRATA_UI_DIFF_VIEW_H
#define STRATA_UI_DIFF_VIEW_H

#include "analysis/diff.h"

/* color: "auto" | "off" | "dark"; NULL = auto. */
int ui_diff_run(const struct image_diff *d, const char *color);

#endif
