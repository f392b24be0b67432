/* analysis_int.h: state shared by the analysis modules (analysis.c, config.c, waste.c,
 * waste_rules.c, dupes.c, packages.c). Not part of the contract: only the analysis modules include it.
 *
 * Order inside analysis_run():
 *   entry map (copies of a repeated blob -> the entry the sinks saw)
 *   packages_run()   path index + owner[] per path (dpkg, apk, python, npm)
 *   waste_run()      dead files, junk categories (uses owner[] for build-only packages), hints
 *   dupes_run()      duplicate groups from the content hashes
 *   secrets          path / env / history checks + the content hits kept by the sink */
#ifndef STRATA_ANALYSIS_INT_H
#define STRATA_ANALYSIS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/analysis.h"

/* waste_rule.flags */
enum {
    WR_BIG = 1 << 0,        /* only files of at least opts.model_threshold bytes */
    WR_NO_PREFIX = 1 << 1,  /* fix text is not prefixed with the layer's instruction */
    WR_BUILD_PKG = 1 << 2,  /* pattern ignored: files owned by a build-only package */
    WR_NEEDS_CUDA = 1 << 3, /* only when a system CUDA (/usr/local/cuda<ver>/lib64) is present */
};

// One row of the waste table. Rows sharing an id form one category; a file belongs to the first
// row (table order) that matches it, so each byte counts once. Pattern forms:
//   /a/b*/c/            absolute directory glob: everything below it
//   ~/x/                the same under /root and /home/<user>
//   ANCHOR/**/TAIL/     a directory whose trailing components match TAIL, below ANCHOR
//   ANCHOR/**/glob      a file whose basename matches glob, below ANCHOR
//   **/TAIL/, **/glob   the same anywhere
//   /a/b/*.bin          absolute file glob (no "**")
// ANCHOR is an absolute or ~ directory glob, or **/TAIL. Globs are fnmatch(3) per component.
// keep: ':'-separated fnmatch patterns (flags 0, '*' crosses '/') on the full path of files the
// row must not take (doc copyrights, locale.alias).
struct waste_rule {
    const char *id;
    const char *pattern;
    const char *title;
    int severity;
    const char *fix;        /* template; the one %s is the size ("212 MB") */
    const char *keep;
    unsigned flags;
};
extern const struct waste_rule waste_rules[];
extern const size_t n_waste_rules;

struct hit_rec {            /* a secret hit kept until analysis_run() */
    uint32_t entry;         /* model entry as the sinks saw it; 0 for env/history */
    int history;            /* history index or -1 */
    const char *rule_id, *fix;
    int severity, kind;
    char masked[96];
    char *raw;              /* only with show_secrets */
    char *name;             /* env/history: the variable the value belongs to, or NULL */
    char via[12];           /* history: the instruction keyword ("ARG", "ENV", "RUN", …) */
    int hashed;             /* a generic rule's hit in a whole file: its content digests, */
    unsigned char md5[16];  /* compared with dpkg md5sums and pip RECORD (packages.c) */
    char sha256[44];        /* urlsafe base64, no padding, as RECORD writes it */
};

enum { META_DPKG_STATUS, META_DPKG_LIST, META_DPKG_MD5, META_APK, META_PY_RECORD, META_PY_METADATA,
       META_NPM, META_DPKG_SUMS /* info/<pkg>.md5sums: digests only (packages_file_pristine) */ };
struct meta_rec {           /* a package database file kept in memory */
    uint32_t entry;
    int kind;
    char *path;
    char *data;
    size_t len;
    uint64_t held;          /* bytes of the metadata budget (src/budget.h) it holds */
};

struct user_rule { char *id, *pattern, *title, *fix; int severity; };

struct analysis_priv {
    struct secret_scanner *sc;
    /* content hashes by entry, as the sinks saw them */
    uint64_t *hash; uint8_t *hashed; size_t cap_hash;
    /* the file streaming now */
    void *xx;               /* XXH3_state_t */
    uint32_t cur_entry;
    int cur_hash, cur_sec, cur_meta;
    char *cur_path; size_t cur_path_cap;
    char *sbuf; size_t slen, scap;      /* secrets: first SECRETS_CONTENT_CAP bytes (scap: sbuf's size) */
    char *mbuf; size_t mlen, mcap;      /* package metadata */
    uint64_t cur_size;
    struct hit_rec *hits; size_t n_hits, cap_hits;
    /* env and history secret values (mask.c), to mask them wherever such text is shown */
    struct mask_rec { char *raw; char masked[96]; } *masks; size_t n_masks, cap_masks;
    struct meta_rec *meta; size_t n_meta, cap_meta;
    uint64_t cur_held;                  /* budget taken for the file streaming now */
    char *meta_refused;                 /* a package database that did not fit in the budget */
    uint64_t meta_refused_size;
    uint64_t pkgs_held;                 /* budget held by a->pkgs */
    /* forked sinks (content.c): scanners to reuse, on the reading thread only */
    struct secret_scanner **spare; size_t n_spare, cap_spare;
    /* configuration */
    char **ignore; size_t n_ignore, cap_ignore;
    char **allow; size_t n_allow, cap_allow;     /* allow-path globs: no waste, no secret findings */
    struct user_rule *urules; size_t n_urules, cap_urules;
    /* analysis_run() scratch, freed before it returns */
    const struct image *img;
    uint32_t *orig; uint32_t orig_base; /* entries >= orig_base: orig[e - orig_base] */
    uint32_t *owner;                    /* per path: package index + 1, 0 = unowned; kept
                                         * after the run for fgroups_package_of() */
    uint64_t *phash; uint32_t *pslots; size_t n_pslots;   /* full-path hash -> path node */
};

static inline struct analysis_priv *PRIV(const struct analysis *a)
{
    return (struct analysis_priv *)a->priv;
}

/* Context of analysis_on_hit, the secret scanner's callback: keeps each hit in priv->hits. */
struct hit_ctx {
    struct analysis *a;
    uint32_t entry;
    int history;
    const char *text;       /* the scanned text, for raw values */
    size_t text_len;
    int content;            /* a file's content: entry may be 0 (in a forked sink) */
    int whole;              /* content: text is the whole file (not cut at the scan cap) */
};
struct secret_hit;
void analysis_on_hit(void *ctx, const struct secret_hit *h);

/* analysis.c */
uint32_t analysis_src_entry(const struct analysis *a, uint32_t e);
void analysis_add_ignore(struct analysis *a, const char *id);
int analysis_ignored(const struct analysis *a, const char *id);
int analysis_allowed(const struct analysis *a, const char *path);
/* Node of a normalized absolute path in the final tree, or 0 ("/usr/bin/x"; "." and ".."
 * resolved; usrmerge: "/bin/x" falls back to "/usr/bin/x"). Needs the path index. */
uint32_t analysis_find_path(const struct analysis *a, const char *path, size_t len);
void analysis_build_path_index(struct analysis *a, const struct model *m);
void analysis_warn(struct analysis *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* mask.c: before the secret findings and the waste fixes are made (they quote instructions),
 * finds every secret value in Env and history and fills a->hist_*, a->layer_instruction and
 * a->env with masked copies. */
void mask_prepare(struct analysis *a, const struct image *img);
void mask_free(struct analysis *a);
/* For a hit at text[off] of an Env entry or history line: the variable it is the value of
 * (caller frees; NULL if none) and, for history, the keyword into via. */
char *mask_value_name(const char *text, size_t off, int kind, char *via, size_t via_n);

/* content.c: the sink; frees the package database files kept (their budget given back). */
void content_meta_drop(struct analysis_priv *p);

/* config.c */
int config_load(struct analysis *a, const char *path, int explicit_path);
uint64_t config_parse_size(const char *s, int *ok);

/* packages.c, waste.c, dupes.c */
void packages_run(struct analysis *a, const struct image *img);
void waste_run(struct analysis *a, const struct image *img);
void dupes_run(struct analysis *a, const struct image *img);
int package_is_build_only(const char *name);
/* 1 when entry e is a file a package installed and nothing changed since (see packages.c);
 * only valid inside analysis_run(), after packages_run(). */
int packages_file_pristine(const struct analysis *a, const struct model *m, uint32_t e,
                           const struct hit_rec *h);
/* SHA-256 of p[0..n) in urlsafe base64 without padding (pip RECORD's form), 43 chars + NUL. */
void packages_sha256_b64(const void *p, size_t n, char out[44]);

#endif
