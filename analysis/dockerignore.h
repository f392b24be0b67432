/* dockerignore.h: the .dockerignore that would have kept out of an image what its COPY/ADD of
 * the build context brought in that is waste or a secret (strata --dockerignore IMAGE).
 *
 *   struct dockerignore *d = dockerignore_build(a, img);   // after analysis_run()
 *   dockerignore_write(stdout, d, img, a);                 // the file, with a comment per line
 *   ... d->bytes, d->files, d->lines[i] ...
 *   dockerignore_free(d);
 *
 * A layer counts as a COPY of the build context when its instruction is COPY or ADD with no
 * --from (known from the Dockerfile when --dockerfile is given; without it, sources written as
 * absolute paths are taken as another stage's, as BuildKit drops --from from the history). Each
 * file of such a layer is turned back into its path in the context by undoing the destination
 * (COPY . /app: /app/data/x.csv -> data/x.csv). When the source is not known (classic and
 * buildah record "COPY dir:<hash> in /app", and a COPY --from the same way: one into a system
 * folder or a Python package tree is then taken as another stage's output), the patterns start with a double-star folder
 * (any depth), which matches wherever the source folder was. Each file counts for the first line that matches it, so the
 * lines' bytes add up to the total exactly. */
#ifndef STRATA_DOCKERIGNORE_H
#define STRATA_DOCKERIGNORE_H

#include <stdint.h>
#include <stdio.h>

#include "analysis/analysis.h"
#include "src/image.h"

struct dockerignore_line {
    char *pattern;         /* ".git/", "data/", and double-star forms for names found anywhere */
    const char *why;       /* "version control", "secret", "datasets", … (static) */
    uint64_t bytes;        /* content bytes of the files it keeps out, in all context copies */
    uint32_t files;        /* regular files */
};

struct dockerignore_copy {
    int layer, history;    /* the COPY/ADD layer and its history entry */
    char *dest;            /* absolute destination as resolved ("/app/") */
    int exact;             /* sources known: the patterns are anchored at the context root */
    uint64_t bytes;        /* what the lines keep out of this layer */
    uint32_t files;
};

struct dockerignore {
    struct dockerignore_line *lines; size_t n_lines;
    struct dockerignore_copy *copies; size_t n_copies;
    uint64_t bytes; uint32_t files;   /* sums over the lines */
};

struct dockerignore *dockerignore_build(const struct analysis *a, const struct image *img);
void dockerignore_free(struct dockerignore *d);
/* The .dockerignore: a header comment, then each pattern with a comment giving what it saves.
 * Names are escaped for comments; a pattern holding a control character or newline is left out
 * (it could not be written as one .dockerignore line). 0, or -1 on a write error. */
int dockerignore_write(FILE *out, const struct dockerignore *d, const struct image *img,
                       const struct analysis *a);
/* The hints of analysis_run(), in two steps so that the slow one runs beside the waste walk:
 * prepare (once the secrets are found and the Dockerfile mapped; reads the analysis, writes
 * nothing of it) builds the .dockerignore, NULL under --ignore dockerignore; add (after the
 * waste hints) puts one "dockerignore" hint per context COPY layer that brought in something the
 * file would keep out, in history order, and frees d. */
struct dockerignore *dockerignore_hints_prepare(const struct analysis *a, const struct image *img);
void dockerignore_hints_add(struct analysis *a, const struct image *img, struct dockerignore *d);

#endif
