/* waste_int.h: what the waste analysis's files share, and nothing outside them includes:
 *   waste.c        junk categories in the final filesystem (the rows, the matchers, one walk)
 *   waste_dead.c   dead bytes: files a later layer overwrote or deleted, and who to blame
 *   waste_hints.c  Dockerfile-level hints from the history (DL3009, DL3042, ...)
 *   waste_fix.c    the fix texts they all write, quoting the (masked) instruction */
#ifndef STRATA_WASTE_INT_H
#define STRATA_WASTE_INT_H

#include "analysis/analysis_int.h"

#define WASTE_TOPK 5            /* paths named per category */

void waste_dead_run(struct analysis *a, const struct image *img);
void waste_hints_run(struct analysis *a, const struct image *img);

/* An instruction cut to about 48 bytes at a space, " …" after it (a new string). */
char *waste_short_instr(const char *s);
/* Layer `layer`'s instruction, masked (mask.c): "" when there is none. */
const char *waste_layer_instr(const struct analysis *a, const struct image *img, int layer);
int waste_is_base(const struct image *img, int layer);
/* The fix of a category in `layer`: tmpl (one %s, filled with size) after the layer's
 * instruction, or the base image's own advice for a base layer (a new string). */
char *waste_make_fix(const struct analysis *a, const struct image *img, int layer,
                     const char *tmpl, const char *size, unsigned flags);
void waste_push_cat(struct analysis *a, const struct waste_cat *c);

#endif
