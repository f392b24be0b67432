// config.c: the .strata.conf file.
//
// Format: one `key = value` per line; blank lines and lines starting with '#' are ignored;
// spaces around the key and the value are trimmed; keys may repeat where it makes sense.
//
//   # silence a secret rule or a waste category (same ids as --ignore and the JSON)
//   ignore = generic-api-key
//   ignore = docs
//   # never report waste or secrets under these paths: "/dir/" or "/dir/**" for a folder,
//   # else an fnmatch glob on the absolute path where '*' also crosses '/'
//   allow-path = /app/tests/fixtures/**
//   # add a waste rule: id|pattern|title|severity|fix   (fix may hold one %s: the size)
//   # pattern forms as in the built-in table: /dir/  ~/dir/  **/name/  **/*.ext  /a/b*.log
//   rule = golden-data|/srv/golden/|golden test data|low|drop test data from the image (%s)
//   # files of weights and datasets below this size are not flagged (default 10MB)
//   model-threshold = 50MB
//   # --ci thresholds
//   lowest-efficiency = 0.9            # fail below this efficiency (final / all layer bytes)
//   highest-removable-bytes = 500MB    # B, kB/KB, MB, GB, TB (decimal) or KiB, MiB, GiB, TiB
//   highest-removable-percent = 20     # removable bytes as a percent of all layer bytes
//   fail-on-secret = high              # info|low|medium|high|critical, or none
//
// Unknown keys and bad values are skipped with a warning ("file:line: …") in a->warnings.
#include "analysis/analysis_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/ids.h"
#include "analysis/secrets.h"
#include "src/util.h"

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

uint64_t config_parse_size(const char *s, int *ok)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    *ok = 0;
    if (end == s || errno || v < 0)
        return 0;
    while (isspace((unsigned char)*end))
        end++;
    static const struct { const char *u; double mul; } units[] = {
        {"", 1}, {"b", 1}, {"k", 1e3}, {"kb", 1e3}, {"m", 1e6}, {"mb", 1e6}, {"g", 1e9},
        {"gb", 1e9}, {"t", 1e12}, {"tb", 1e12}, {"kib", 1024.0}, {"mib", 1048576.0},
        {"gib", 1073741824.0}, {"tib", 1099511627776.0},
    };
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (strcasecmp(end, units[i].u) == 0) {
            double r = v * units[i].mul;
            if (r >= 1.8e19)
                return 0;
            *ok = 1;
            return (uint64_t)r;
        }
    return 0;
}

static int parse_num(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (end == s || *end || errno)
        return 0;
    *out = v;
    return 1;
}

static int add_rule(struct analysis *a, char *v)
{
    struct analysis_priv *p = PRIV(a);
    char *f[5];
    int n = 0;
    for (char *s = v; n < 5; n++) {
        f[n] = s;
        char *bar = n < 4 ? strchr(s, '|') : NULL;
        if (!bar) {
            n++;
            break;
        }
        *bar = 0;
        s = bar + 1;
    }
    if (n != 5)
        return 0;
    for (int i = 0; i < 5; i++)
        f[i] = trim(f[i]);
    int sev = secrets_sev_parse(f[3]);
    if (!*f[0] || !*f[1] || sev < 0 || (f[1][0] != '/' && f[1][0] != '~' && strncmp(f[1], "**/", 3)))
        return 0;
    /* the fix is a printf template with at most one %s and no other conversion */
    for (const char *q = strchr(f[4], '%'); q; q = strchr(q + 2, '%'))
        if (q[1] != 's')
            return 0;
    ARR_GROW(p->urules, p->cap_urules, p->n_urules, 1);
    p->urules[p->n_urules++] = (struct user_rule){xstrdup(f[0]), xstrdup(f[1]),
                                                  xstrdup(*f[2] ? f[2] : f[0]), xstrdup(f[4]), sev};
    return 1;
}

struct pending_ignore { char *id; int line; };

static int user_rule_id(const struct analysis_priv *p, const char *id)
{
    for (size_t i = 0; i < p->n_urules; i++)
        if (strcmp(p->urules[i].id, id) == 0)
            return 1;
    return 0;
}

int analysis_config_text(struct analysis *a, const char *text, const char *name)
{
    struct analysis_priv *p = PRIV(a);
    int rc = RC_OK, lineno = 0;
    struct pending_ignore *ign = NULL;
    size_t n_ign = 0, cap_ign = 0;
    if (!name)
        name = "config";
    const char *s = text;
    while (s && *s) {
        size_t n = strcspn(s, "\n");
        char *line = xstrndup(s, n);
        s += n;
        if (*s)
            s++;
        lineno++;
        char *l = trim(line);
        if (!*l || *l == '#') {
            free(line);
            continue;
        }
        char *eq = strchr(l, '=');
        if (!eq) {
            analysis_warn(a, "%s:%d: expected key = value", name, lineno);
            rc = RC_WARN;
            free(line);
            continue;
        }
        *eq = 0;
        char *k = trim(l), *v = trim(eq + 1);
        /* trailing comments on numeric lines ("0.9   # …") */
        if (strcmp(k, "rule") != 0 && strcmp(k, "allow-path") != 0) {
            char *hash = strstr(v, " #");
            if (hash) {
                *hash = 0;
                v = trim(v);
            }
        }
        int ok = 1;
        double d;
        if (strcmp(k, "ignore") == 0) {
            /* checked once the whole file is read: a `rule = ID|…` line may come later */
            ok = *v != 0;
            if (ok) {
                ARR_GROW(ign, cap_ign, n_ign, 1);
                ign[n_ign++] = (struct pending_ignore){xstrdup(v), lineno};
            }
        } else if (strcmp(k, "allow-path") == 0) {
            ok = *v == '/';
            if (ok) {
                ARR_GROW(p->allow, p->cap_allow, p->n_allow, 1);
                p->allow[p->n_allow++] = xstrdup(v);
            }
        } else if (strcmp(k, "rule") == 0) {
            ok = add_rule(a, v);
        } else if (strcmp(k, "model-threshold") == 0) {
            uint64_t b = config_parse_size(v, &ok);
            if (ok)
                a->opts.model_threshold = b;
        } else if (strcmp(k, "lowest-efficiency") == 0) {
            ok = parse_num(v, &d) && d >= 0 && d <= 1;
            if (ok) {
                a->ci.lowest_efficiency = d;
                a->ci.set_mask |= CI_LOWEST_EFFICIENCY;
            }
        } else if (strcmp(k, "highest-removable-bytes") == 0) {
            uint64_t b = config_parse_size(v, &ok);
            if (ok) {
                a->ci.highest_removable_bytes = b;
                a->ci.set_mask |= CI_HIGHEST_REMOVABLE_BYTES;
            }
        } else if (strcmp(k, "highest-removable-percent") == 0) {
            size_t vl = strlen(v);
            if (vl && v[vl - 1] == '%')
                v[vl - 1] = 0;
            ok = parse_num(v, &d) && d >= 0 && d <= 100;
            if (ok) {
                a->ci.highest_removable_percent = d;
                a->ci.set_mask |= CI_HIGHEST_REMOVABLE_PERCENT;
            }
        } else if (strcmp(k, "fail-on-secret") == 0) {
            if (strcasecmp(v, "none") == 0 || strcasecmp(v, "off") == 0) {
                /* above every severity: no secret fails the run (--ci says SKIP) */
                a->ci.fail_on_severity = SEV_CRITICAL + 1;
                a->ci.set_mask |= CI_FAIL_ON_SECRET;
            } else {
                int sev = secrets_sev_parse(v);
                ok = sev >= 0;
                if (ok) {
                    a->ci.fail_on_severity = sev;
                    a->ci.set_mask |= CI_FAIL_ON_SECRET;
                }
            }
        } else {
            analysis_warn(a, "%s:%d: unknown key \"%s\"", name, lineno, k);
            rc = RC_WARN;
            free(line);
            continue;
        }
        if (!ok) {
            analysis_warn(a, "%s:%d: bad value for %s", name, lineno, k);
            rc = RC_WARN;
        }
        free(line);
    }
    /* `ignore = ID` as --ignore: an unknown id (a typo would silence nothing) is an error
     * naming the file, the line and the known ids */
    char *known = NULL;    /* the list is the same for every unknown id: made once */
    for (size_t i = 0; i < n_ign; i++) {
        if (ids_known(ign[i].id) || user_rule_id(p, ign[i].id)) {
            analysis_add_ignore(a, ign[i].id);
        } else {
            if (!known)
                known = ids_list();
            char esc[300];
            analysis_warn(a, "%s:%d: ignore: unknown id '%s' (known: %s)", name, ign[i].line,
                          util_escape(ign[i].id, esc, sizeof esc), known);
            rc = RC_FAILED;
        }
        free(ign[i].id);
    }
    free(known);
    free(ign);
    return rc;
}

int config_load(struct analysis *a, const char *path, int explicit_path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (!explicit_path)
            return RC_OK;
        analysis_warn(a, "%s: cannot read the config file", path);
        return RC_FATAL;
    }
    size_t cap = 0, len = 0;
    char *buf = NULL;
    ARR_GROW(buf, cap, 0, 4096);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            if (cap > (1u << 24))
                break;
            ARR_GROW(buf, cap, len, 2);     /* doubles it */
        }
    }
    int err = ferror(f);
    fclose(f);
    buf[len] = 0;
    int rc = err ? RC_FATAL : analysis_config_text(a, buf, path);
    if (err)
        analysis_warn(a, "%s: read error", path);
    free(buf);
    return rc;
}
