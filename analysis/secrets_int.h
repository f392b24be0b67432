/* secrets_int.h: the secret scanner's insides, shared by its three files and by nothing else:
 *   secrets.c       the scanner: construction, the keyword pass over content, hits
 *   secret_paths.c  path patterns and their Vectorscan prefilter; the file-name rules
 *   secret_names.c  Env entries, build args and history lines; masking and names */
#ifndef STRATA_SECRETS_INT_H
#define STRATA_SECRETS_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <hs/hs.h>
#include <pcre2.h>

#include "analysis/secrets.h"

#define PATH_PATS_MAX  512              /* path patterns over all lists (the table has ~250) */
#define PATH_LISTS_MAX 64               /* non-empty pattern lists (the table has ~20) */

enum { PAT_EXACT, PAT_PREFIX, PAT_COMPONENT, PAT_SUFFIX, PAT_EXT, PAT_BASEPREFIX,
       PAT_BASESUB, PAT_BASENAME };

struct pat {
    const char *s;                      /* points into the owning list's copy */
    unsigned short len;
    unsigned char how;                  /* PAT_* */
    unsigned short id;                  /* its Vectorscan id: bit in pathq.pat */
};

struct patlist {
    struct pat *v;
    size_t n;
    char *buf;                          /* the '|'-split copy the patterns point into */
    unsigned short id;                  /* bit in pathq.list (when n > 0) */
    unsigned short first;               /* its patterns' ids: first .. first + n - 1 */
};

/* One path as the matchers see it, and which patterns the prefilter found possible. */
struct pathq {
    const char *path, *base;            /* base: the basename, inside path */
    size_t plen, blen;
    int all;                            /* no prefilter: every pattern is a candidate */
    const unsigned short *owner;        /* pattern id -> its list's id */
    uint64_t pat[PATH_PATS_MAX / 64];   /* candidate patterns */
    uint64_t list[PATH_LISTS_MAX / 64]; /* lists with a candidate */
};

struct kw {                             /* one per keyword; its index is its Vectorscan id */
    uint16_t rule;
    uint8_t len;
};

struct akw {                            /* a keyword of an SRF_ASSIGN rule */
    const char *s;                      /* in the rule table, not NUL-terminated at len */
    uint16_t rule;
    uint8_t len, icase;
};

struct rstate {
    size_t scanned_until;               /* keywords before this offset need no new window */
    size_t last_end;                    /* end of the last kept match: no overlapping repeats */
};

struct hitrec {
    size_t vs, ve;                      /* the secret value */
    uint32_t rule;
};

struct allow {
    struct patlist paths, under;
    unsigned scope;
};

struct secret_scanner {
    size_t nrules;
    pcre2_code **code;                  /* per rule: regex (content, env, history) or NULL */
    pcre2_code **exempt;                /* per rule: exempt regex for name rules */
    struct patlist *files;              /* per rule: SK_FILE patterns */
    size_t *file_rules, nfile_rules;    /* the SK_FILE rules' indexes, in table order */
    struct patlist *files_exempt;
    struct patlist *paths;              /* per rule: SK_CONTENT path restriction */
    unsigned char *ignored;
    struct kw *kw;
    size_t nkw, maxkw;                  /* maxkw: the longest keyword's length */
    hs_database_t *hs_db;               /* every content rule's keywords, block mode, but
                                         * the SRF_ASSIGN rules' */
    hs_database_t *hs_db_common;        /* the same without the path-limited rules' (NULL
                                         * when that leaves none) */
    struct akw *akw;                    /* the SRF_ASSIGN rules' keywords */
    size_t nakw;
    const char **kwlit;                 /* every keyword: kw[i]'s at i; the SRF_ASSIGN ones
                                         * last, from nkw on (nkw + nakw in all) */
    hs_database_t *hs_db_ref;           /* tests: all of them in one database */
    int content_reference;              /* tests: secrets_internal_content_reference */
    hs_scratch_t *hs_scratch;
    struct allow *allow;
    size_t nallow;
    struct patlist skip;
    const struct pat *pat[PATH_PATS_MAX];       /* every path pattern, by id */
    unsigned short pat_list[PATH_PATS_MAX];     /* its list's id */
    size_t npat, nlist;
    hs_database_t *path_db;             /* path patterns' literals; shares hs_scratch */
    int path_reference;                 /* tests: no prefilter (secrets_internal_path_reference) */
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit_stack;
    /* per-call scratch */
    struct rstate *st;
    unsigned char *active;
    int paths_active, assign_active;    /* a path-limited / SRF_ASSIGN rule is active */
    struct hitrec *hits;
    size_t nhits, caphits;
    const char *sbuf;                   /* the text hs_scan is scanning, */
    size_t slen, sbase, smin_end;       /* its length, the chunk's offset in it, and the end a
                                         * match must pass to be new (chunks overlap) */
};

/* secret_paths.c */

/* Splits spec ('|'-separated patterns) into pl and registers its patterns with s for the path
 * prefilter; path_compile_prefilter() then builds the prefilter from every registered one. */
void patlist_init(struct secret_scanner *s, struct patlist *pl, const char *spec);
void patlist_free(struct patlist *pl);
void path_compile_prefilter(struct secret_scanner *s);
/* Fills q for path: its basename, and the patterns that can match it (one Vectorscan scan). */
void path_query(const struct secret_scanner *s, const char *path, struct pathq *q);
/* Does a pattern of pl match q's path, from offset `from`? *end (if end): past the match. */
int patlist_match(const struct patlist *pl, const struct pathq *q, size_t from, size_t *end);
/* Rule-class bits silenced for q's path by the allowlist; ~0u means every rule; 0 for no q. */
unsigned path_allowed_scope(const struct secret_scanner *s, const struct pathq *q);

static inline int rule_allowed(unsigned scope, const struct secret_rule *r)
{
    return scope == ~0u || (r->flags & scope & (SRF_KEYMAT | SRF_NAMES));
}

/* secrets.c, for secret_names.c */

/* Which content rules run on text of kind `where` at path (may be NULL): not ignored, path
 * restrictions met, not allowlisted. 0 when none does. */
int scanner_set_active(struct secret_scanner *s, const char *path, enum secret_kind where);
/* The keyword pass of the active rules over buf; hits are collected in s. */
void scanner_scan_text(struct secret_scanner *s, const char *buf, size_t len);
void scanner_add_hit(struct secret_scanner *s, size_t rule, size_t vs, size_t ve);
/* Reports the best collected hit of each overlapping group to fn, masked; empties the list.
 * Returns how many. */
int scanner_emit_hits(struct secret_scanner *s, const char *text, enum secret_kind where,
                      secret_hit_fn fn, void *ctx);

#endif
