/* sarif.h: secrets as a SARIF 2.1.0 log, for code-scanning dashboards. */
#ifndef STRATA_SARIF_H
#define STRATA_SARIF_H

#include "analysis/analysis.h"

/* Writes the file; 0, or -1 when it cannot be written. Values are masked unless show_secrets. */
int sarif_write(const char *file, const struct image *img, const struct analysis *a);

#endif
