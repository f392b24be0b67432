/* dfmap.h: a Dockerfile (src/dockerfile.h) matched against an image's history, so that findings
 * cite `Dockerfile:LINE` (--dockerfile FILE).
 *
 *   struct analysis_opts o = {.dockerfile = &df};    // parsed by the caller, outlives a
 *   analysis_run(a, &img);                             // builds a->dfmap
 *   int line = dfmap_layer_line(a, img, layer);        // 0: no line known
 *
 * The final stage's instructions (and those of the stages it is built FROM) are matched to the
 * tail of the history in order, each by its own text as the builder records it (BuildKit's
 * "COPY . /app", classic and buildah's "COPY dir:<hash> in /app", ENV and exec forms rendered
 * either way). An instruction no history entry matches is listed as unmatched, never guessed. */
#ifndef STRATA_DFMAP_H
#define STRATA_DFMAP_H

#include <jansson.h>
#include <stdio.h>

#include "analysis/analysis.h"
#include "src/dockerfile.h"
#include "src/image.h"

struct dfmap_instr {
    size_t ins;            /* index into df->ins */
    int history;           /* matched history entry, -1 when none */
    int from;              /* a FROM: it makes no entry of its own (the base image's are before) */
};

struct dfmap {
    const struct dockerfile *df;
    struct dfmap_instr *chain; size_t n_chain;    /* the final image's instructions, in order */
    int *hist_line; size_t n_hist;                /* per history entry: its line, 0 = none */
    size_t matched, unmatched;                    /* FROM lines are neither */
};

/* Builds the map (NULL without a Dockerfile); dfmap_free(NULL) is fine. */
struct dfmap *dfmap_build(const struct dockerfile *df, const struct image *img);
void dfmap_free(struct dfmap *m);

/* The Dockerfile line a history entry, a layer or a finding comes from; 0 when none is known. */
int dfmap_history_line(const struct analysis *a, int history);
int dfmap_layer_line(const struct analysis *a, const struct image *img, int layer);
int dfmap_secret_line(const struct analysis *a, const struct image *img, const struct secret_finding *s);
int dfmap_hint_line(const struct analysis *a, const struct waste_hint *h);

/* "Dockerfile:12" (the name as given to --dockerfile) into buf, or "" when line is 0. */
const char *dfmap_cite(const struct analysis *a, int line, char *buf, size_t n);
/* The fix citing the line, in BuildKit terms where that is the better answer (cache mounts for
 * package caches, secret mounts and run-time -e/--env-file for secrets); NULL when no line is
 * known. brief (the text report, under the finding's own fix): "at Dockerfile:12" unless there is
 * a BuildKit form to add. Caller frees. */
char *dfmap_cat_fix(const struct analysis *a, const struct image *img, const struct waste_cat *c, int brief);
char *dfmap_secret_fix(const struct analysis *a, const struct image *img, const struct secret_finding *s);
char *dfmap_hint_fix(const struct analysis *a, const struct waste_hint *h, int brief);

/* Outputs. The JSON report: a "dockerfile" block and per-finding "line" (and "dockerfile_fix")
 * members added to root as report_json() built it; nothing without a Dockerfile. */
void dfmap_json(json_t *root, const struct image *img, const struct analysis *a);
/* SARIF: a location object {"physicalLocation": {"artifactLocation": {"uri": DOCKERFILE},
 * "region": {"startLine": N, "endLine": M}}} for the finding's line, or NULL. */
json_t *dfmap_sarif_location(const struct analysis *a, const struct image *img, const struct secret_finding *s);
/* One fix line of the text report: indent, the fix escaped, a newline; frees fix; nothing for NULL. */
void dfmap_text_fix(FILE *out, const char *indent, char *fix);
/* The text report's Dockerfile section; nothing without a Dockerfile. */
void dfmap_report_text(FILE *out, const struct image *img, const struct analysis *a);

#endif
