/* diff.h: compare two analysed images (strata diff A B): what went away, what came in, and which
 * instruction wrote each difference in each image.
 *
 *   struct image_diff *d = diff_compute(&img_a, an_a, &img_b, an_b);
 *   diff_report_text(stdout, d);   or   diff_report_json(stdout, d);
 *   diff_free(d);                  // before closing either image
 * The result points into both images (instructions, model indices): keep them open while
 * using it. No printing except to the FILE given, no curses. */
#ifndef STRATA_DIFF_H
#define STRATA_DIFF_H

#include <stdint.h>
#include <stdio.h>

#include "analysis/analysis.h"

struct diff_file {
    char *path;               /* absolute */
    uint32_t entry_a, entry_b;/* final visible entries, 0 where absent */
    uint64_t a_bytes, b_bytes;
    int a_layer, b_layer;     /* layer that wrote it in each image, -1 where absent */
    const char *a_by, *b_by;  /* instruction of that layer, "" where absent */
};

struct diff_side_count {
    const char *id;           /* waste category id or secret rule id */
    uint64_t a, b;            /* bytes for categories, findings for secrets */
};

struct diff_pkg {
    char *name;
    const char *ecosystem;
    uint64_t a_bytes, b_bytes;   /* 0 where absent */
};

struct image_diff {
    const struct image *a, *b;
    const struct analysis *aa, *ab;
    uint32_t shared_layers;   /* leading layers with equal diff_id */
    struct diff_side_count *cats; size_t n_cats;
    struct diff_side_count *secrets; size_t n_secrets;
    struct diff_pkg *pkgs; size_t n_pkgs;
    struct diff_file *only_a; size_t n_only_a; uint64_t only_a_bytes;   /* largest first */
    struct diff_file *only_b; size_t n_only_b; uint64_t only_b_bytes;
    struct diff_file *changed; size_t n_changed; uint64_t changed_a_bytes, changed_b_bytes;
};

struct image_diff *diff_compute(const struct image *a, const struct analysis *aa,
                                const struct image *b, const struct analysis *ab);
int diff_report_text(FILE *out, const struct image_diff *d);
int diff_report_json(FILE *out, const struct image_diff *d);   /* schema strata-diff/1 */
void diff_free(struct image_diff *d);

#endif
