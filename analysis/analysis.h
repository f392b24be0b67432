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

struct dockerfile;
struct dfmap;

struct analysis_opts {
    int show_secrets;          /* keep raw secret values (--show-secrets) */
    int no_content;            /* --no-content: no hashing, no content scan */
    int no_secret_content;     /* --no-secret-scan: names, env and history only */
    const char **ignore;       /* rule ids or category ids to silence (--ignore) */
    size_t n_ignore;
    const char *config_path;   /* NULL: ./.strata.conf if present */
    uint64_t model_threshold;  /* weights/datasets smaller than this are not flagged */
    const struct dockerfile *dockerfile;  /* --dockerfile: parsed by the caller (src/dockerfile.h),
                                           * outlives the analysis; NULL for none */
    /* --base IMAGE (analysis/advice.h): that image's diff_ids in layer order and a name for it
     * (its tag, else its source); n_base_diff_ids 0 without --base. Owned by the caller. */
    const char *const *base_diff_ids;
    size_t n_base_diff_ids;
    const char *base_ref;
};

/* Dead bytes of one (writer, hider) pair of layers: who wrote them, who hid them. */
struct waste_blame {
    int layer;                 /* layer that wrote these versions */
    int hidden_by;             /* layer that overwrote or deleted them */
    uint64_t bytes;
    uint32_t files;
    int from_base;             /* layer is part of the base image (analysis_base_layers) */
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
    int from_base;             /* layer is part of the base image: the fix points at the base */
    /* "shadowed" and "deleted" only (else -1, NULL, 0): the layer that hid most of the bytes,
     * and the bytes per (writer, hider) pair, largest first */
    int hidden_by;
    struct waste_blame *blame;
    size_t n_blame;
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
    int list_layer;            /* layer of its file list (dpkg .list / md5sums, pip RECORD):
                                * where it was last installed; -1 when it has none (apk, npm) */
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
    char *created_by;          /* instruction (Dockerfile line) of the adding layer, masked */
    char masked[96];
    char *raw;                 /* only with show_secrets, else NULL */
    const char *fix;
    char *name;                /* env/history: the variable or build argument ("HF_TOKEN"), else "" */
    char via[12];              /* history: the instruction's keyword ("ARG" for a build argument,
                                * "ENV", "RUN", …); env: "ENV"; else "" */
    int hidden_by;             /* visible == 0: the layer that deleted or overwrote it, else -1 */
    int deleted;               /* visible == 0: 1 deleted (whiteout, rm), 0 overwritten */
};

/* Thresholds for --ci, from the config file (analysis/config.c documents the format). A
 * threshold applies only when its CI_* bit is set in set_mask. */
enum {
    CI_LOWEST_EFFICIENCY = 1 << 0,          /* fail when efficiency < lowest_efficiency */
    CI_HIGHEST_REMOVABLE_BYTES = 1 << 1,    /* fail when removable_bytes > highest_removable_bytes */
    CI_HIGHEST_REMOVABLE_PERCENT = 1 << 2,  /* fail when 100*removable/layer_bytes > percent */
    CI_FAIL_ON_SECRET = 1 << 3,             /* fail on a finding with severity >= fail_on_severity */
};
struct ci_thresholds {
    double lowest_efficiency;               /* 0.9 */
    uint64_t highest_removable_bytes;       /* "500MB" in the file */
    double highest_removable_percent;       /* 20 means 20 % */
    int fail_on_severity;                   /* enum secret_sev */
    int set_mask;                           /* CI_* */
};

/* A Dockerfile-level signal read from history created_by (hadolint ids). No bytes of its own:
 * the bytes are in the waste categories; these say which line to change. */
struct waste_hint {
    const char *id;            /* "DL3009", "DL3042", "DL3019", "DL3015", "DL3059", … (static) */
    int severity;              /* enum secret_sev */
    int history;               /* index into img->history */
    int layer;                 /* history's layer, -1 for an empty layer */
    char *text;                /* "RUN pip install …: add --no-cache-dir" */
};

struct analysis {
    struct analysis_opts opts;
    struct waste_cat *cats;   size_t n_cats, cap_cats;    /* largest first */
    uint64_t removable_bytes;                     /* shadowed + deleted + junk still visible */
    struct dead_file *dead;   size_t n_dead;      /* largest first */
    struct dup_group *dups;   size_t n_dups, cap_dups;    /* most wasted first */
    uint64_t dup_wasted;
    struct package *pkgs;     size_t n_pkgs;      /* largest first */
    struct secret_finding *secrets; size_t n_secrets, cap_secrets;  /* most severe first, then layer */
    uint64_t hashed_bytes, scanned_bytes;         /* content seen, for the report */
    struct waste_hint *hints; size_t n_hints, cap_hints;   /* history order */
    struct ci_thresholds ci;                      /* from the config file */
    char **warnings; size_t n_warnings, cap_warnings;         /* config problems: "strata.conf:3: …" */
    int config_rc;             /* RC_OK; RC_WARN: bad lines skipped; RC_FAILED: an `ignore`
                                * id no rule or category has (a usage error, as --ignore);
                                * RC_FATAL: an explicit config_path could not be read */
    /* Masked copies of the image's texts that can carry secret values, made by analysis_run()
     * before any finding or fix text is written: each value a secret rule finds in an Env entry or
     * a history line (ENV lines, build arguments, tokens in RUN lines) is replaced by its masked
     * form wherever it appears in them (the raw text with show_secrets). Every output reads these
     * (or the accessors below), never img->history[], img->layers[].instruction or img->env: the
     * image itself is never rewritten. */
    char **hist_created_by, **hist_instruction; size_t n_hist;   /* per img->history */
    char **layer_instruction; size_t n_layer_instr;              /* per img->layers */
    char **env; size_t n_env;                                    /* per img->env */
    char *cmd, *entrypoint;    /* img->cmd / img->entrypoint (JSON arrays), masked; NULL before */
    struct dfmap *dfmap;       /* with opts.dockerfile: its lines against the history (dfmap.h) */
    struct advice *advice;     /* base/own split, layer order, CUDA (analysis/advice.h);
                                * set by analysis_run() */
    void *priv;                                   /* implementation state */
};

struct analysis *analysis_new(const struct analysis_opts *o);
size_t analysis_sinks(struct analysis *a, struct sink *out, size_t max);
int analysis_run(struct analysis *a, const struct image *img);
void analysis_free(struct analysis *a);

/* A copy of text (a file's content, any line) with every Env or history secret value found by
 * analysis_run() replaced by its masked form; unchanged with show_secrets. a may be NULL.
 * Caller frees. */
char *analysis_mask_text(const struct analysis *a, const char *text);
/* The masked texts above by index, "" when out of range. With a NULL or not yet run, the
 * image's own text (no analysis: no secret is known). */
const char *analysis_history_created_by(const struct analysis *a, const struct image *img, size_t h);
const char *analysis_history_instruction(const struct analysis *a, const struct image *img, size_t h);
const char *analysis_layer_instruction(const struct analysis *a, const struct image *img, size_t layer);
const char *analysis_env(const struct analysis *a, const struct image *img, size_t i);
/* The config's Cmd and Entrypoint (JSON array text, "" when unset), masked like Env: token
 * formats, command-line credentials (curl -u …), NAME=value elements through the Env rules,
 * and every value found elsewhere. */
const char *analysis_cmd(const struct analysis *a, const struct image *img);
const char *analysis_entrypoint(const struct analysis *a, const struct image *img);
/* Where a finding is, in words, for one-line outputs: the path for file and content findings,
 * "ENV HF_TOKEN" for an Env entry, "ARG HF_TOKEN (history 5)" / "RUN (history 7)" for a history
 * line. Not escaped (paths come from the image). Returns buf. */
const char *analysis_finding_where(const struct secret_finding *s, char *buf, size_t n);

/* How many leading layers belong to the base image (FROM): those before the first history
 * entry buildah marks "FROM <id>" when it did, else the first layer of a multi-layer image (no
 * builder records the boundary otherwise). 0 for an image of one layer. */
size_t analysis_base_layers(const struct image *img);

/* Content hash (XXH3-64) of an entry seen by the sinks: 1 and *out set, or 0 if not hashed
 * (--no-content, not a regular file, or never read). */
int analysis_entry_hash(const struct analysis *a, uint32_t entry, uint64_t *out);
/* Applies config text (the format at the top of analysis/config.c) as if read from a file
 * named `name` (for messages). Call before analysis_sinks(). RC_OK, RC_WARN, or RC_FAILED
 * (an unknown `ignore` id; the warnings say which, with file and line). */
int analysis_config_text(struct analysis *a, const char *text, const char *name);
/* The built-in waste rules, for --list-rules and help: 0 and the fields set for i < count. */
size_t analysis_waste_rule_count(void);
int analysis_waste_rule_info(size_t i, const char **id, const char **pattern, const char **title,
                             int *severity);

#endif
