/* ci.h: --ci, pass/fail rules over one analysed image (dive's CI semantics, plus secrets). */
#ifndef STRATA_CI_H
#define STRATA_CI_H

#include <stdint.h>
#include <stdio.h>

#include "analysis/analysis.h"

enum { CI_EFF = 1, CI_BYTES = 2, CI_PERCENT = 4, CI_SECRET = 8, CI_OWN_BYTES = 16, CI_OWN_WASTE = 32 };

struct ci_opts {
    double lowest_efficiency;          /* 0..1 */
    uint64_t highest_removable_bytes;
    double highest_removable_percent;  /* 0..100 */
    int fail_on_severity;              /* enum secret_sev */
    uint64_t highest_own_bytes;        /* the image's own layers (above its base, advice.h) */
    uint64_t highest_own_waste;        /* waste those layers made */
    int set;                           /* CI_* given on the command line */
};

/* Defaults: efficiency 0.9 and removable 10 % as dive's, fail on high secrets; bytes off. */
void ci_opts_init(struct ci_opts *o);
/* key as the long option / config key: "lowest-efficiency" … "highest-own-bytes",
 * "highest-own-waste". Returns -1 for a bad value. */
int ci_opts_set(struct ci_opts *o, const char *key, const char *value);
/* Prints one line per rule and a verdict; returns 1 when a rule failed, else 0. */
int ci_run(FILE *out, const struct image *img, const struct analysis *a, const struct ci_opts *o);

#endif
