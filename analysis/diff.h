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

#include <stddef.h>
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
    const char *a_version, *b_version;  /* NULL where absent; point into the analyses */
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
    int content_compared;     /* 1: both analyses had content hashes (else size/type/link only) */
};

struct image_diff *diff_compute(const struct image *a, const struct analysis *aa,
                                const struct image *b, const struct analysis *ab);
int diff_report_text(FILE *out, const struct image_diff *d);
int diff_report_json(FILE *out, const struct image_diff *d);   /* schema strata-diff/1 */
void diff_free(struct image_diff *d);

/* What counts as a difference: the final filesystems are compared path by path (both tries
 * walked together, children merged by name: O(paths log fan-out), no path strings except for the
 * differences). Directories are not files: "files" are every non-directory path. A path is
 * "changed" when both images have a non-directory there and the type, the size, the link target
 * or (when both analyses hashed it) the XXH3 content hash differ. A file in one image facing a
 * directory in the other is "only in" the file's image. */

/* The aligned tree for the split view: one node per path present in either final filesystem.
 *
 *   struct diff_tree *t = diff_tree_build(d);
 *   for (uint32_t c = t->v[DIFF_ROOT].first_child; c; c = t->v[c].next_sibling) ...
 *   diff_tree_free(t);                // before diff_free(d)
 * Node 0 is unused; DIFF_ROOT is "/". Children are linked in name (strcmp) order. */
enum {
    DK_SAME    = 1 << 0,    /* in both, equal (directories: present in both) */
    DK_ONLY_A  = 1 << 1,
    DK_ONLY_B  = 1 << 2,
    DK_CHANGED = 1 << 3,    /* in both, different (or a file in one, a directory in the other) */
    DK_ALL     = 0x0f,
};
#define DIFF_ROOT 1u

struct diff_node {          /* 40 bytes */
    uint32_t a, b;          /* path node in each model, 0 where absent from its final filesystem */
    uint32_t parent, first_child, next_sibling;
    uint8_t kind;           /* DK_* of this path */
    uint8_t mask;           /* OR of DK_* over the subtree, itself included */
    uint16_t depth;         /* 0 for children of "/" */
    uint64_t a_bytes, b_bytes;   /* final bytes of the subtree in each image */
};

struct diff_tree {
    struct diff_node *v; uint32_t n; size_t cap;
};

struct diff_tree *diff_tree_build(const struct image_diff *d);
void diff_tree_free(struct diff_tree *t);
/* Basename of a node (from whichever image has it), "/" for the root; not escaped. */
const char *diff_node_name(const struct image_diff *d, const struct diff_node *n);
/* Absolute path of a node into buf; returns buf. */
char *diff_node_path(const struct image_diff *d, const struct diff_node *n, char *buf, size_t len);

#endif
