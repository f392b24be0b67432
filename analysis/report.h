/* report.h: the machine-readable and the text reports of one image (report-contract.md). */
#ifndef STRATA_REPORT_H
#define STRATA_REPORT_H

#include <stdio.h>

#include "analysis/analysis.h"
#include "src/image.h"

/* a may be NULL (then waste and secrets are empty). Returns 0, or -1 on a write error. */
int report_json(FILE *out, const struct image *img, const struct analysis *a);
int report_text(FILE *out, const struct image *img, const struct analysis *a);
/* The efficiency figure: final / layer bytes, 1.0 for an empty image. */
double report_efficiency(const struct model *m);

#endif
