/* sarif.h: secrets as a SARIF 2.1.0 log, for code-scanning dashboards. */
#ifndef STRATA_SARIF_H
#define STRATA_SARIF_H

#include <stdio.h>

#include "analysis/analysis.h"

/* Writes the log to out; 0, or -1 on a write error. Values are masked unless show_secrets. */
int sarif_write(FILE *out, const struct image *img, const struct analysis *a);

#endif
