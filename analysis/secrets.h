/* secrets.h: find leaked credentials in file contents, file names, config Env and history.
 *
 * The rules are one data table (analysis/secret_rules.c); this module compiles them once and
 * runs them over whatever the caller hands in. Nothing here reads the image or prints.
 *
 *   struct secret_scanner *s = secrets_new();          // compiles every rule (PCRE2 JIT) and
 *                                                      // the keywords (one Vectorscan database)
 *   secrets_ignore(s, "generic-api-key");              // --ignore, before scanning
 *   for each file entry:
 *       secrets_check_path(s, path, on_hit, ctx);      // by name: .env, id_rsa, *.p12, …
 *       if (secrets_needs_content(s, path, size))      // cheap, no regex: skip /usr/share, *.so …
 *           secrets_scan_content(s, path, body, min(size, SECRETS_CONTENT_CAP), on_hit, ctx);
 *   for each config Env entry:   secrets_check_env(s, "NAME=value", on_hit, ctx);
 *   for each history entry:      secrets_check_history(s, created_by, on_hit, ctx);
 *   secrets_free(s);
 *
 * Hits are reported through the callback, in order of offset, during the call; the struct and
 * its strings are only valid inside the callback except rule_id and fix, which are static.
 * Where several rules match the same bytes, only the most severe one is reported (ties go to
 * the rule listed first in the table, which lists specific formats before generic ones).
 *
 * Threads: a scanner is thread-compatible, not thread-safe: it keeps per-call scratch space.
 * Use one scanner per thread (they are cheap to create: a few ms to JIT the table and build
 * the keyword database).
 */
#ifndef STRATA_SECRETS_H
#define STRATA_SECRETS_H

#include <stddef.h>
#include <stdint.h>

enum secret_sev { SEV_INFO, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };
enum secret_kind { SK_CONTENT, SK_FILE, SK_ENV, SK_HISTORY };

struct secret_hit {
    const char *rule_id;       /* the table's id, e.g. "aws-access-key-id"; static storage */
    enum secret_sev severity;
    enum secret_kind kind;     /* where it was found (content, file name, env, history) */
    const char *fix;           /* one line, Dockerfile terms; static storage */
    size_t offset, len;        /* of the secret value in the scanned text: the buffer for
                                * content, "NAME=value" for env, created_by for history;
                                * 0, 0 for file-name hits */
    char masked[96];           /* the value masked (secrets_mask); "" for file-name hits */
};
typedef void (*secret_hit_fn)(void *ctx, const struct secret_hit *hit);

struct secret_scanner;

/* Why 1 MiB: hand-written secret files (.env, keys, configs, scripts) are a few KiB; what is
 * bigger is data, logs or bundles, where a leak in the first MiB is as likely as anywhere. The
 * cap bounds the reader's per-file buffer (compressed layers cannot seek back, so a body is
 * buffered while it streams) and the time per file (about 1 ms at the scanner's speed), so a
 * 10 GB image of model weights costs no more than its text files. */
#define SECRETS_CONTENT_CAP (1u << 20)

/* Compiles all rules. Never NULL: aborts on out-of-memory or on a rule that fails to compile
 * (a bug in the table, caught by the unit tests). */
struct secret_scanner *secrets_new(void);
void secrets_free(struct secret_scanner *s);

/* Silences one rule by id (--ignore). 0 on success, -1 for an unknown id. */
int secrets_ignore(struct secret_scanner *s, const char *rule_id);

/* Scans the content of one file (or its first SECRETS_CONTENT_CAP bytes). path is the absolute
 * in-image path: it selects the allowlist (snakeoil key, /usr/share, package test folders,
 * test/example key material) and path-specific rules (settings.xml, .npmrc, .pypirc,
 * .docker/config.json). Content with a NUL byte in its first 8 KiB is binary: returns 0.
 * Returns the number of hits reported. buf need not be NUL-terminated. */
int secrets_scan_content(struct secret_scanner *s, const char *path, const char *buf, size_t len,
                         secret_hit_fn fn, void *ctx);

/* By file name or path alone (id_rsa, .env, *.p12, .aws/credentials, …). At most one hit per
 * path: the first matching rule in table order. Returns the number of hits (0 or 1). */
int secrets_check_path(struct secret_scanner *s, const char *path, secret_hit_fn fn, void *ctx);

/* One config Env entry "NAME=value": token formats in the entry, and a secret-like NAME
 * (whole '_'-separated words: KEY, TOKEN, SECRET, PASSWORD, AUTH, …; PUBLIC, FILE, VERSION and
 * GPG/PGP keys exempt) with a non-empty value that is not a placeholder. */
int secrets_check_env(struct secret_scanner *s, const char *name_eq_value, secret_hit_fn fn,
                      void *ctx);

/* One history created_by: token formats, URL passwords, curl -u / Authorization headers, and
 * build arguments with secret-like names ("|2 A=1 TOKEN=x /bin/sh -c …", "ARG TOKEN=x").
 * ENV lines are left to secrets_check_env on the config's Env. */
int secrets_check_history(struct secret_scanner *s, const char *created_by, secret_hit_fn fn,
                          void *ctx);

/* Cheap (string compares only): 0 when the body is never worth scanning: empty files, paths
 * whose content hits are always allowlisted (/usr/share, /usr/include, package test folders),
 * binary formats by extension (*.so*, images, fonts, archives, *.pyc, weights, …) and package
 * manager state (/var/lib/dpkg, /var/lib/apt/lists, …). Sizes above the cap still return 1:
 * the first SECRETS_CONTENT_CAP bytes are scanned. */
int secrets_needs_content(const struct secret_scanner *s, const char *path, uint64_t size);

/* Writes value masked into out (always NUL-terminated when outsz > 0): values of 16 bytes or
 * more keep their first 4 and last 3 bytes with '*' between (at most outsz - 8 stars); shorter
 * ones become all '*'. Kept bytes that are not printable ASCII become '?'. */
void secrets_mask(const char *value, size_t len, char *out, size_t outsz);

const char *secrets_sev_name(enum secret_sev sev);   /* "critical", "high", … as in the JSON */
int secrets_sev_parse(const char *name);             /* case-insensitive; -1 if unknown */
const char *secrets_kind_name(enum secret_kind kind);/* "content", "file", "env", "history" */
/* 1 when the rule is a heuristic (generic-api-key, url-password, curl-auth, config-file
 * passwords, credential file names) rather than a token format: its hits in files a package
 * installed unchanged are dropped by the analysis. 0 for token formats and unknown ids. */
int secrets_rule_generic(const char *rule_id);

/* The rule table, for --list-rules and help. */
struct secret_rule_info {
    const char *id;
    enum secret_sev severity;
    enum secret_kind kind;     /* SK_CONTENT: token formats (also run on env and history) */
    const char *fix;
};
size_t secrets_rule_count(void);
/* 0 and *out filled for i < secrets_rule_count(), else -1. */
int secrets_rule_info(size_t i, struct secret_rule_info *out);

/* ---- Internal: the rule table's format, shared by secrets.c and secret_rules.c only. ---- */

/* Path patterns ('|'-separated lists, used by file rules, path-limited content rules, the
 * allowlist and the skip list):
 *   "=/a/b"   the path is exactly /a/b          "^/usr/share/"  the path starts with it
 *   "/d/"     the path has a component d        "/a/b"          the path ends with /a/b
 *   "*.ext"   the basename ends with .ext, case-insensitively
 *   "name*"   the basename starts with name     "~.so."         the basename contains .so.
 *   "name"    the basename is name */

enum {
    SRF_KWICASE = 1 << 0,      /* keywords match case-insensitively */
    SRF_KEYMAT  = 1 << 1,      /* key material: allowed in test/example folders */
    SRF_NAMES   = 1 << 2,      /* file-name heuristic: allowed inside package folders */
    SRF_NOENV   = 1 << 3,      /* not run on Env entries (env-secret-name covers them) */
    SRF_ANCHOR  = 1 << 4,      /* every match starts where a keyword starts: one anchored
                                * attempt per keyword instead of a search over its line */
    SRF_GENERIC = 1 << 5,      /* a heuristic, not a token format: not reported in a file a
                                * package installed unchanged (secrets_rule_generic) */
    SRF_ASSIGN  = 1 << 6,      /* every kept match is a keyword in a name, an assignment
                                * operator and a value that secret_assign_next accepts (>= 10
                                * of [A-Za-z0-9_.=+/-] with a digit and a letter): the keywords
                                * are looked for only in the name before such an operator
                                * (analysis/secret_assign.h). With SRF_ANCHOR. */
};

/* The value of a match is capture group `group` of subj (ov is PCRE2's ovector). Returns 1 to
 * keep the match, 0 to drop it (placeholder, low entropy, …). */
typedef int (*secret_check_fn)(const char *subj, const size_t *ov, unsigned group);
/* Before the regex: a keyword of kwlen bytes was found at text[at]; 0 skips the regex. For
 * rules whose keywords are common words, to keep PCRE2 calls rare. */
typedef int (*secret_pre_fn)(const char *text, size_t len, size_t at, size_t kwlen);

struct secret_rule {
    const char *id;
    enum secret_sev severity;
    enum secret_kind kind;     /* SK_CONTENT: regex over text (content, env, history);
                                * SK_FILE: path patterns; SK_ENV / SK_HISTORY: regex over an
                                * Env / build-arg NAME, the value being the secret */
    unsigned flags;            /* SRF_* */
    const char *keywords;      /* SK_CONTENT: '|'-separated literals of >= 3 bytes; the regex
                                * runs only around their occurrences, so every match must
                                * contain one of them */
    const char *pattern;       /* PCRE2 regex (SK_CONTENT, SK_ENV, SK_HISTORY) or path
                                * patterns (SK_FILE) */
    const char *exempt;        /* same syntax as pattern; a match here cancels the rule */
    const char *paths;         /* SK_CONTENT: only in files matching these path patterns */
    unsigned group;            /* capture group holding the secret (0: the whole match) */
    unsigned span;             /* SK_CONTENT: bytes after the keyword a match may reach;
                                * 0: the keyword's line */
    secret_check_fn check;     /* NULL: keep every match */
    const char *fix;
    secret_pre_fn pre;         /* NULL: always run the regex */
};

struct secret_allow {
    const char *paths;         /* path patterns */
    const char *under;         /* NULL, or: only where paths matches after one of these */
    unsigned scope;            /* 0: every rule; else rules with one of these SRF_ flags */
};

extern const struct secret_rule secret_rules[];
extern const size_t secret_rules_n;
extern const struct secret_allow secret_allows[];
extern const size_t secret_allows_n;
extern const char secret_skip_paths[];   /* path patterns whose body is never scanned */

/* For tests/unit/test_secrets.c only. With on, s matches paths the reference way: every
 * pattern of a list tried in turn, without the Vectorscan prefilter, so the two can be
 * compared path by path. */
void secrets_internal_path_reference(struct secret_scanner *s, int on);
/* For tests/unit/test_secrets.c only. With on, s finds every content rule's keywords the one
 * way, in one Vectorscan database: the SRF_ASSIGN rules' too (no assignment pass) and the
 * path-limited rules' for every file, so the findings can be compared text by text. */
void secrets_internal_content_reference(struct secret_scanner *s, int on);
/* Which content rules a secrets_scan_content of path would run: active[i] for rule i
 * (secret_rules_n bytes). Returns whether any would. */
int secrets_internal_active(struct secret_scanner *s, const char *path, unsigned char *active);

#endif
