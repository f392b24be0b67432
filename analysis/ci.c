#include "analysis/ci.h"

#include <stdlib.h>
#include <string.h>

#include "analysis/advice_report.h"
#include "analysis/report.h"
#include "analysis/secrets.h"

void ci_opts_init(struct ci_opts *o)
{
    memset(o, 0, sizeof *o);
    o->lowest_efficiency = 0.9;
    o->highest_removable_percent = 10.0;
    o->fail_on_severity = SEV_HIGH;
}

/* "500MB", "2G", "1048576": decimal units like the sizes strata prints, KiB-style too. */
static int parse_bytes(const char *s, uint64_t *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    while (*end == ' ')
        end++;
    double mul = 1;
    if (*end) {
        char u = (char)(*end | 0x20);
        mul = u == 'k' ? 1e3 : u == 'm' ? 1e6 : u == 'g' ? 1e9 : u == 't' ? 1e12 : u == 'b' ? 1 : -1;
        if (mul < 0)
            return -1;
        if (end[1] == 'i' || end[1] == 'I')
            mul = u == 'k' ? 1024.0 : u == 'm' ? 1048576.0 : u == 'g' ? 1073741824.0 : 1099511627776.0;
    }
    *out = (uint64_t)(v * mul);
    return 0;
}

int ci_opts_set(struct ci_opts *o, const char *key, const char *value)
{
    char *end;
    if (strcmp(key, "lowest-efficiency") == 0) {
        double v = strtod(value, &end);
        if (end == value || *end || v < 0 || v > 1)
            return -1;
        o->lowest_efficiency = v;
        o->set |= CI_EFF;
    } else if (strcmp(key, "highest-removable-bytes") == 0) {
        if (parse_bytes(value, &o->highest_removable_bytes))
            return -1;
        o->set |= CI_BYTES;
    } else if (strcmp(key, "highest-removable-percent") == 0) {
        double v = strtod(value, &end);
        if (end == value || (*end && *end != '%') || v < 0 || v > 100)
            return -1;
        o->highest_removable_percent = v;
        o->set |= CI_PERCENT;
    } else if (strcmp(key, "highest-own-bytes") == 0 || strcmp(key, "highest-own-waste") == 0) {
        int own_bytes = strcmp(key, "highest-own-bytes") == 0;
        if (parse_bytes(value, own_bytes ? &o->highest_own_bytes : &o->highest_own_waste))
            return -1;
        o->set |= own_bytes ? CI_OWN_BYTES : CI_OWN_WASTE;
    } else if (strcmp(key, "fail-on-secret") == 0) {
        int s = strcmp(value, "none") == 0 ? SEV_CRITICAL + 1 : secrets_sev_parse(value);
        if (s < 0)
            return -1;
        o->fail_on_severity = s;
        o->set |= CI_SECRET;
    } else {
        return -1;
    }
    return 0;
}

/* Config-file thresholds apply where the command line said nothing. */
static void ci_merge(struct ci_opts *o, const struct analysis *a)
{
    if (!a)
        return;
    const struct ci_thresholds *t = &a->ci;
    if ((t->set_mask & CI_LOWEST_EFFICIENCY) && !(o->set & CI_EFF))
        o->lowest_efficiency = t->lowest_efficiency;
    if ((t->set_mask & CI_HIGHEST_REMOVABLE_BYTES) && !(o->set & CI_BYTES)) {
        o->highest_removable_bytes = t->highest_removable_bytes;
        o->set |= CI_BYTES;
    }
    if ((t->set_mask & CI_HIGHEST_REMOVABLE_PERCENT) && !(o->set & CI_PERCENT))
        o->highest_removable_percent = t->highest_removable_percent;
    if ((t->set_mask & CI_FAIL_ON_SECRET) && !(o->set & CI_SECRET))
        o->fail_on_severity = t->fail_on_severity;
}

int ci_run(FILE *out, const struct image *img, const struct analysis *a, const struct ci_opts *given)
{
    const struct model *m = &img->model;
    struct ci_opts merged = *given, *o = &merged;
    ci_merge(o, a);
    char b1[32], b2[32], b3[32], e[512];
    fprintf(out, "strata --ci %s\n  layers %s, final %s, removable %s, %zu secret finding%s\n",
            util_escape(img->source, e, sizeof e), fmt_size(m->layer_bytes, b1, sizeof b1),
            fmt_size(m->final_bytes, b2, sizeof b2),
            fmt_size(a ? a->removable_bytes : m->shadowed_bytes + m->deleted_bytes, b3, sizeof b3),
            a ? a->n_secrets : 0, a && a->n_secrets == 1 ? "" : "s");
    int failed = 0;
    double eff = report_efficiency(m);
    int ok = eff >= o->lowest_efficiency;
    failed |= !ok;
    fprintf(out, "  %s  efficiency %.1f%% (lowest allowed %.1f%%)\n", ok ? "PASS" : "FAIL", eff * 100,
            o->lowest_efficiency * 100);

    uint64_t rem = a ? a->removable_bytes : m->shadowed_bytes + m->deleted_bytes;
    double pct = m->layer_bytes ? 100.0 * (double)rem / (double)m->layer_bytes : 0;
    ok = pct <= o->highest_removable_percent;
    failed |= !ok;
    fprintf(out, "  %s  removable %.1f%% of layer bytes (highest allowed %.1f%%)\n", ok ? "PASS" : "FAIL",
            pct, o->highest_removable_percent);
    if (o->highest_removable_bytes || (o->set & CI_BYTES)) {
        ok = rem <= o->highest_removable_bytes;
        failed |= !ok;
        fprintf(out, "  %s  removable %s (highest allowed %s)\n", ok ? "PASS" : "FAIL",
                fmt_size(rem, b1, sizeof b1), fmt_size(o->highest_removable_bytes, b2, sizeof b2));
    } else {
        fprintf(out, "  SKIP  removable bytes (no --highest-removable-bytes)\n");
    }
    /* the image's own part (advice_report.c): only when asked for */
    failed |= advice_ci(out, a, o->highest_own_bytes, o->set & CI_OWN_BYTES, o->highest_own_waste,
                        o->set & CI_OWN_WASTE);
    size_t n = 0, worst = 0;
    for (size_t i = 0; a && i < a->n_secrets; i++)
        if (a->secrets[i].severity >= o->fail_on_severity) {
            if (!n || a->secrets[i].severity > a->secrets[worst].severity)
                worst = i;
            n++;
        }
    if (o->fail_on_severity > SEV_CRITICAL) {
        fprintf(out, "  SKIP  secrets (fail-on-secret none)\n");
    } else {
        failed |= n > 0;
        if (n) {
            /* where, in words ("ENV HF_TOKEN", "ARG DB_PASSWORD (layer 3)", a path); never the
             * line itself, which may hold the value */
            char where[4200];
            analysis_finding_where(&a->secrets[worst], where, sizeof where);
            fprintf(out, "  FAIL  %zu secret%s at or above %s, e.g. %s in %s\n", n, n == 1 ? "" : "s",
                    secrets_sev_name((enum secret_sev)o->fail_on_severity), a->secrets[worst].rule_id,
                    util_escape(where, e, sizeof e));
        } else {
            fprintf(out, "  PASS  no secret at or above %s\n", secrets_sev_name((enum secret_sev)o->fail_on_severity));
        }
    }
    fprintf(out, "%s\n", failed ? "FAIL: a CI rule failed (exit 2)" : "PASS: every CI rule passed");
    return failed;
}
