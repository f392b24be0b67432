/* advice_report.h: the advice of analysis/advice.h as report pieces: the text report's summary
 * lines and "Advice" section, the JSON report's "base", "cuda" and "advice" members, the --ci
 * rules on the image's own part, and the short strings of the view's header. a may be NULL (then
 * each prints nothing). */
#ifndef STRATA_ADVICE_REPORT_H
#define STRATA_ADVICE_REPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/analysis.h"

/* One piece of advice as every output words it (base-slimmer, layer-order, cuda-devel,
 * torch-cuda), after --ignore. */
struct advice_item {
    const char *id;
    char *text, *fix;          /* advice_items_free() frees them */
    uint64_t bytes;            /* what following it would save or move */
    int layer, history;        /* where it points, -1 for none */
};
/* Fills up to max items; img may not be NULL. */
size_t advice_items(const struct image *img, const struct analysis *a, struct advice_item *it, size_t max);
void advice_items_free(struct advice_item *it, size_t n);

/* the text report's lines go through put(ctx, hanging indent, line without '\n') */
typedef void (*advice_put_fn)(void *ctx, size_t indent, const char *line);
void advice_text_summary(advice_put_fn put, void *ctx, const struct image *img, const struct analysis *a);
void advice_text_section(advice_put_fn put, void *ctx, const struct image *img, const struct analysis *a);
/* adds "base", "cuda" (when the image has CUDA or torch) and "advice" to root */
void advice_json(json_t *root, const struct image *img, const struct analysis *a);
/* --highest-own-bytes / --highest-own-waste: prints a PASS/FAIL line for each rule set; returns
 * 1 when one failed */
int advice_ci(FILE *out, const struct analysis *a, uint64_t max_own_bytes, int own_bytes_set,
              uint64_t max_own_waste, int own_waste_set);
/* "base 3.4 GB · yours 11.6 GB" ("" when the base is unknown) and "CUDA 12.4.1 devel, driver >=
 * 525.60.13" ("" without CUDA) */
const char *advice_split_short(const struct analysis *a, char *buf, size_t n);
const char *advice_cuda_short(const struct analysis *a, char *buf, size_t n);

#endif
