/* analysis.h: waste, duplicates, packages and secrets of one image, computed from the model
 * and from file contents that stream past the reader once.
 *
 *   struct analysis *a = analysis_new(&aopts);
 *   struct sink sinks[4]; size_t n = analysis_sinks(a, sinks, 4);
 *   struct image_opts o = {.sinks = sinks, .n_sinks = n, ...};
 *   image_open(&img, path, &o);
 *   analysis_run(a, &img);            // fills the result arrays below, sorted
 *   ... read a->cats, a->dead, a->dups, a->pkgs, a->secrets ...
 *   analysis_free(a);                 // before image_close() or after: it keeps no pointer
 *                                     // into img beyond analysis_run(), except entry indices
 * Everything here is plain data: no printing, no curses. */
#ifndef STRATA_ANALYSIS_H
#define STRATA_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "src/image.h"
#include "src/sink.h"

struct analysis_opts {
    int show_secrets;          /* keep raw secret values (--show-secrets) */
    int no_content;            /* --no-content: no hashing, no content scan */
    int no_secret_content;     /* --no-secret-scan: names, env and history only */
    const char **ignore;       /* rule ids or category ids to silence (--ignore) */
    size_t n_ignore;
    const char *config_path;   /* NULL: ./.strata.conf if present */
    uint64_t model_threshold;  /* weights/datasets smaller than this are not flagged */
};

/* One waste category still in the final filesystem (apt lists, pip cache, toolchain, …), or a
 * dead-bytes category ("shadowed", "deleted"). */
struct waste_cat {
    const char *id;            /* stable: "apt-lists", "pip-cache", "toolchain", … */
    const char *title;         /* "apt package lists" */
    int severity;              /* enum secret_sev values reused: 0 info … 4 critical */
    uint64_t bytes;
    uint32_t files;
    int layer;                 /* layer that wrote most of these bytes, -1 if none */
    char *fix;                 /* Dockerfile terms, with the bytes: "RUN apt-get …: end with …" */
    char **paths;              /* top paths (folders where the rule names a folder) */
    size_t n_paths;
};

/* A version of a file that is in the image but not in its final filesystem. */
struct dead_file {
    uint32_t entry;            /* model entry of the hidden version */
    uint64_t size;
    uint16_t layer;            /* layer that wrote it */
    uint16_t hidden_at;        /* layer that shadowed or deleted it */
    int deleted;               /* 1: whiteout / opaque dir; 0: overwritten */
};

/* Regular files with equal content (same size and 64-bit content hash). */
struct dup_group {
    uint64_t hash, size;
    uint32_t *entries;         /* model entries, all layers, first one is kept on rebuild */
    size_t n;
    uint64_t wasted;           /* size * (n - 1) */
};

struct package {
    char *name, *version;
    const char *ecosystem;     /* "deb", "apk", "python", "npm" */
    uint64_t bytes;            /* of its files in the final filesystem */
    uint32_t files;
    int layer;                 /* layer that installed it (wrote most of its files) */
    int build_only;            /* compilers, -dev packages, headers: not needed at runtime */
};

struct secret_finding {
    const char *rule_id;
    int severity;              /* enum secret_sev */
    int kind;                  /* enum secret_kind: content, file, env, history */
    uint32_t entry;            /* model entry for content/file findings, else 0 */
    char *path;                /* in-image path, or "" for env/history */
    int layer;                 /* layer that added it, -1 for env */
    int history;               /* history index for history findings, else -1 */
    int visible;               /* 0: deleted or overwritten later, still in the tarball */
    char *created_by;          /* instruction (Dockerfile line) of the adding layer */
    char masked[96];
    char *raw;                 /* only with show_secrets, else NULL */
    const char *fix;
};

struct analysis {
    struct analysis_opts opts;
    struct waste_cat *cats;   size_t n_cats;      /* largest first */
    uint64_t removable_bytes;                     /* shadowed + deleted + junk still visible */
    struct dead_file *dead;   size_t n_dead;      /* largest first */
    struct dup_group *dups;   size_t n_dups;      /* most wasted first */
    uint64_t dup_wasted;
    struct package *pkgs;     size_t n_pkgs;      /* largest first */
    struct secret_finding *secrets; size_t n_secrets;  /* most severe first, then layer */
    uint64_t hashed_bytes, scanned_bytes;         /* content seen, for the report */
    void *priv;                                   /* implementation state */
};

struct analysis *analysis_new(const struct analysis_opts *o);
size_t analysis_sinks(struct analysis *a, struct sink *out, size_t max);
int analysis_run(struct analysis *a, const struct image *img);
void analysis_free(struct analysis *a);

#endif
