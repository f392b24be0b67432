/* report.h: the machine-readable and the text reports of one image (report-contract.md). */
#ifndef STRATA_REPORT_H
#define STRATA_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/analysis.h"
#include "src/image.h"

/* What the caller asks beyond the defaults (all 0: the defaults). */
struct report_opts {
    int cols;                  /* text: wrap lines at this width, at word boundaries with a
                                * hanging indent (a terminal's width); 0: every line whole */
    int files;                 /* JSON: each layer's entries (--files): path, bytes, kind, status */
};

/* a may be NULL (then waste and secrets are empty). Returns 0, or -1 on a write error. */
int report_json(FILE *out, const struct image *img, const struct analysis *a);
int report_text(FILE *out, const struct image *img, const struct analysis *a);
int report_json_opts(FILE *out, const struct image *img, const struct analysis *a,
                     const struct report_opts *o);
int report_text_opts(FILE *out, const struct image *img, const struct analysis *a,
                     const struct report_opts *o);
/* The efficiency figure: final / layer bytes, 1.0 for an empty image. */
double report_efficiency(const struct model *m);
/* Removable bytes (the analysis' figure; without one, shadowed + deleted) and their share of
 * the layer bytes, 0..1 (0 for an empty image): what a rebuild can win. */
uint64_t report_removable(const struct model *m, const struct analysis *a);
double report_removable_share(const struct model *m, const struct analysis *a);
/* A percentage as the reports print it: "55%" from 10 up, "2.5%" below, "<0.1%" above 0. */
const char *report_pct(double pct, char *buf, size_t n);
/* The figures of the view's header, most actionable first:
 * "removable 328 MB (55%)   efficiency 44.9%   layers 596 MB   final 268 MB   secrets 2";
 * to fit width (0: no limit) closer together, then without final and layers. "secrets N" is
 * always last (the view bolds it). Returns buf. */
const char *report_header_figures(char *buf, size_t n, const struct image *img,
                                  const struct analysis *a, int width);
/* "1 file", "2 files": n and the word, singular or plural. Returns buf. */
const char *report_count(char *buf, size_t n, uint64_t count, const char *one, const char *many);

#endif
