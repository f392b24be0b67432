/* secret_names.c: secrets in Env entries ("NAME=value"), in the build args and ARG defaults a
 * history line records, and in the rest of such text by the content rules; and the scanner's
 * small public helpers: masking, severity and kind names, the rule table's facts. */
#include "analysis/secrets_int.h"

#include <string.h>
#include <strings.h>

#define MASK_MIN    16                  /* shorter values are starred entirely */

/* ---- names: Env entries and build args ---- */

/* NAME is text[ns..ne), its value text[vs..ve). */
static void check_name(struct secret_scanner *s, enum secret_kind kind, const char *text,
                       size_t ns, size_t ne, size_t vs, size_t ve)
{
    for (size_t i = 0; i < s->nrules; i++) {
        const struct secret_rule *r = &secret_rules[i];
        if (r->kind != kind || s->ignored[i] || ne <= ns || ve <= vs)
            continue;
        if (pcre2_match(s->code[i], (PCRE2_SPTR)text + ns, ne - ns, 0, 0, s->md, s->mctx) <= 0)
            continue;
        if (s->exempt[i] &&
            pcre2_match(s->exempt[i], (PCRE2_SPTR)text + ns, ne - ns, 0, 0, s->md, s->mctx) > 0)
            continue;
        size_t ov[2] = {vs, ve};
        if (r->check && !r->check(text, ov, 0))
            continue;
        scanner_add_hit(s, i, vs, ve);
    }
}

int secrets_check_env(struct secret_scanner *s, const char *nv, secret_hit_fn fn, void *ctx)
{
    if (!nv || !*nv)
        return 0;
    size_t len = strlen(nv);
    const char *eq = strchr(nv, '=');
    s->nhits = 0;
    if (scanner_set_active(s, NULL, SK_ENV))
        scanner_scan_text(s, nv, len);
    if (eq)
        check_name(s, SK_ENV, nv, 0, (size_t)(eq - nv), (size_t)(eq - nv) + 1, len);
    return scanner_emit_hits(s, nv, SK_ENV, fn, ctx);
}

static size_t skip_ws(const char *t, size_t i, size_t len)
{
    while (i < len && (t[i] == ' ' || t[i] == '\t'))
        i++;
    return i;
}

static int starts(const char *t, size_t i, size_t len, const char *w)
{
    size_t n = strlen(w);
    return len - i >= n && memcmp(t + i, w, n) == 0;
}

/* NAME=value words from i. For "|N …" (is_arg 0) at most n names, and a word without '='
 * before the n-th name continues the previous value (docker records "|2 A=two words B=1
 * /bin/sh -c" unquoted); the list ends at the n-th name's value. For "ARG …" (is_arg 1) every
 * word is an argument, and one without '=' has no default. */
static void check_args(struct secret_scanner *s, const char *t, size_t i, size_t len, size_t n,
                       int is_arg)
{
    size_t seen = 0, ns = 0, ne = 0, vs = 0, ve = 0;
    int have = 0;
    while (i < len) {
        i = skip_ws(t, i, len);
        size_t e = i;
        while (e < len && t[e] != ' ' && t[e] != '\t')
            e++;
        if (e == i)
            break;
        const char *eq = memchr(t + i, '=', e - i);
        int is_name = eq && eq > t + i;
        for (const char *c = t + i; is_name && c < eq; c++)
            if (!(*c == '_' || (*c >= '0' && *c <= '9') || ((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z')))
                is_name = 0;
        if (is_name && (is_arg || seen < n)) {
            if (have)
                check_name(s, SK_HISTORY, t, ns, ne, vs, ve);
            ns = i, ne = (size_t)(eq - t), vs = ne + 1, ve = e, have = 1;
            seen++;
        } else if (!is_arg && have && seen < n) {
            ve = e;
        } else if (!is_arg) {
            break;
        }
        i = e;
    }
    if (have)
        check_name(s, SK_HISTORY, t, ns, ne, vs, ve);
}

int secrets_check_history(struct secret_scanner *s, const char *cb, secret_hit_fn fn, void *ctx)
{
    if (!cb || !*cb)
        return 0;
    size_t len = strlen(cb);
    s->nhits = 0;
    if (scanner_set_active(s, NULL, SK_HISTORY))
        scanner_scan_text(s, cb, len);

    size_t i = skip_ws(cb, 0, len);
    if (starts(cb, i, len, "RUN "))
        i = skip_ws(cb, i + 4, len);
    if (starts(cb, i, len, "/bin/sh -c #(nop) "))
        i = skip_ws(cb, i + 18, len);
    if (i < len && cb[i] == '|') {
        /* "|N A=1 B=2 /bin/sh -c …": the N build args the RUN saw (classic builder, BuildKit) */
        size_t n = 0, j = i + 1;
        while (j < len && cb[j] >= '0' && cb[j] <= '9' && n < 10000)
            n = n * 10 + (size_t)(cb[j++] - '0');
        if (j > i + 1 && n)
            check_args(s, cb, j, len, n, 0);
    } else if (starts(cb, i, len, "ARG ")) {
        check_args(s, cb, i + 4, len, 0, 1);
    }
    return scanner_emit_hits(s, cb, SK_HISTORY, fn, ctx);
}

/* ---- formatting ---- */

void secrets_mask(const char *v, size_t n, char *out, size_t outsz)
{
    size_t o = 0;
    if (!outsz)
        return;
    if (n >= MASK_MIN && outsz >= 9) {
        size_t stars = n - 7;
        if (stars > outsz - 8)
            stars = outsz - 8;
        for (size_t i = 0; i < 4; i++)
            out[o++] = v[i] > ' ' && v[i] < 127 ? v[i] : '?';
        memset(out + o, '*', stars);
        o += stars;
        for (size_t i = n - 3; i < n; i++)
            out[o++] = v[i] > ' ' && v[i] < 127 ? v[i] : '?';
    } else {
        size_t stars = n < outsz - 1 ? n : outsz - 1;
        memset(out, '*', stars);
        o = stars;
    }
    out[o] = '\0';
}

static const char *const sev_names[] = {"info", "low", "medium", "high", "critical"};

const char *secrets_sev_name(enum secret_sev sev)
{
    return (unsigned)sev < 5 ? sev_names[sev] : "unknown";
}

int secrets_sev_parse(const char *name)
{
    for (int i = 0; name && i < 5; i++)
        if (strcasecmp(name, sev_names[i]) == 0)
            return i;
    return -1;
}

const char *secrets_kind_name(enum secret_kind kind)
{
    static const char *const names[] = {"content", "file", "env", "history"};
    return (unsigned)kind < 4 ? names[kind] : "unknown";
}

int secrets_rule_generic(const char *rule_id)
{
    for (size_t i = 0; rule_id && i < secret_rules_n; i++)
        if (secret_rules[i].id == rule_id || strcmp(secret_rules[i].id, rule_id) == 0)
            return (secret_rules[i].flags & SRF_GENERIC) != 0;
    return 0;
}

size_t secrets_rule_count(void)
{
    return secret_rules_n;
}

int secrets_rule_info(size_t i, struct secret_rule_info *out)
{
    if (i >= secret_rules_n || !out)
        return -1;
    out->id = secret_rules[i].id;
    out->severity = secret_rules[i].severity;
    out->kind = secret_rules[i].kind;
    out->fix = secret_rules[i].fix;
    return 0;
}
