/* mask.c: the one place secret values found in the image's config are masked.
 *
 * Env entries and history lines are small and few, and every output quotes them: the layers
 * list, the report's instructions, finding and waste-fix texts, JSON, SARIF, CI, diff. So
 * before any of those texts is made (mask_prepare runs first in analysis_run), each Env entry
 * and history line is scanned once, every value found is replaced in place in a copy owned by
 * the analysis, and each value of 4 bytes or more is also remembered so that a copy of it
 * elsewhere (an ENV value repeated in a RUN line, a build argument echoed) is masked too.
 * Outputs then read only the copies; the image's own texts are never rewritten, so nothing
 * that reads the image sees a half-masked history. */
#include "analysis/analysis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_int.h"
#include "analysis/secrets.h"
#include "src/util.h"

#define MASK_REMEMBER_MIN 4     /* shorter values ("abc") are masked only where they were found */

struct span {
    size_t off, len;
    char masked[96];
};

struct spans {
    struct analysis *a;
    const char *text;           /* the whole text the offsets are in */
    size_t base;                /* offset in text of what is being scanned */
    struct span *v;
    size_t n, cap;
};

static void remember(struct analysis_priv *p, const char *raw, size_t len, const char *masked)
{
    if (len < MASK_REMEMBER_MIN)
        return;
    for (size_t i = 0; i < p->n_masks; i++)
        if (strlen(p->masks[i].raw) == len && memcmp(p->masks[i].raw, raw, len) == 0)
            return;
    ARR_GROW(p->masks, p->cap_masks, p->n_masks, 1);
    p->masks[p->n_masks].raw = xstrndup(raw, len);
    snprintf(p->masks[p->n_masks].masked, sizeof p->masks[p->n_masks].masked, "%s", masked);
    p->n_masks++;
}

static void on_span(void *ctx, const struct secret_hit *h)
{
    struct spans *sp = ctx;
    if (!h->len)
        return;
    ARR_GROW(sp->v, sp->cap, sp->n, 1);
    struct span *s = &sp->v[sp->n++];
    s->off = sp->base + h->offset;
    s->len = h->len;
    snprintf(s->masked, sizeof s->masked, "%s", h->masked[0] ? h->masked : "****");
    remember(PRIV(sp->a), sp->text + s->off, s->len, s->masked);
}

/* "ENV A=1 B=two words" lines (the Dockerfile's, in any builder's dialect): each NAME=value
 * through the Env rules, so a value a later ENV replaced (absent from the config's Env) is still
 * found where the history shows it. */
static void env_line(struct secret_scanner *sc, const char *cb, struct spans *sp)
{
    const char *s = cb;
    while (*s == ' ' || *s == '\t')
        s++;
    if (strncmp(s, "/bin/sh -c ", 11) == 0) {
        s += 11;
        while (*s == ' ')
            s++;
        if (strncmp(s, "#(nop)", 6) != 0)
            return;
        s += 6;
        while (*s == ' ')
            s++;
    }
    if (strncmp(s, "ENV ", 4) != 0)
        return;
    s += 4;
    size_t len = strlen(cb);
    while (*s == ' ')
        s++;
    size_t w = strcspn(s, " =");
    if (w && s[w] == ' ') {
        /* the legacy form "ENV NAME value words": one variable, its value the rest of the line */
        size_t ns = (size_t)(s - cb), vs = ns + w, ve = len;
        while (vs < len && cb[vs] == ' ')
            vs++;
        while (ve > vs && cb[ve - 1] == ' ')
            ve--;
        if (ve > vs) {
            char *pair = xasprintf("%.*s=%.*s", (int)w, s, (int)(ve - vs), cb + vs);
            sp->base = vs - (w + 1);    /* the value's offsets in pair map onto cb */
            secrets_check_env(sc, pair, on_span, sp);
            free(pair);
            sp->base = 0;
        }
        return;
    }
    size_t i = (size_t)(s - cb), ns = 0, ve = 0;
    int have = 0;
    for (;;) {
        while (i < len && cb[i] == ' ')
            i++;
        size_t e = i;
        while (e < len && cb[e] != ' ')
            e++;
        const char *eq = e > i ? memchr(cb + i, '=', e - i) : NULL;
        if (e == i || (eq && eq > cb + i)) {
            if (have) {         /* the previous NAME=value is complete */
                char *pair = xstrndup(cb + ns, ve - ns);
                sp->base = ns;
                secrets_check_env(sc, pair, on_span, sp);
                free(pair);
            }
            if (e == i)
                break;
            ns = i, have = 1;
        }
        ve = e;
        i = e;
    }
    sp->base = 0;
}

/* Cmd / Entrypoint (a JSON array): what a history line would reveal (tokens, curl -u), and
 * each "NAME=value" element (env TOKEN=x app) through the Env rules. Elements with escapes are
 * left to the first scan: their offsets in the text would not be the decoded ones. */
static void argv_json(struct secret_scanner *sc, const char *js, struct spans *sp)
{
    secrets_check_history(sc, js, on_span, sp);
    for (const char *q = strchr(js, '"'); q; q = strchr(q, '"')) {
        const char *e = q + 1;
        while (*e && *e != '"' && *e != '\\')
            e++;
        if (*e != '"') {
            while (*e && *e != '"')
                e += e[0] == '\\' && e[1] ? 2 : 1;
            q = *e ? e + 1 : NULL;
            continue;
        }
        const char *eq = memchr(q + 1, '=', (size_t)(e - q - 1));
        if (eq && eq > q + 1) {
            char *pair = xstrndup(q + 1, (size_t)(e - q - 1));
            sp->base = (size_t)(q + 1 - js);
            secrets_check_env(sc, pair, on_span, sp);
            free(pair);
            sp->base = 0;
        }
        q = e + 1;
    }
}

static int cmp_span(const void *x, const void *y)
{
    const struct span *a = x, *b = y;
    return a->off < b->off ? -1 : a->off > b->off ? 1 : (a->len > b->len ? -1 : a->len < b->len);
}

/* text with the spans replaced by their masked forms (overlapping ones: the first wins). */
static char *apply_spans(const char *text, struct spans *sp)
{
    if (!sp->n)
        return xstrdup(text);
    qsort(sp->v, sp->n, sizeof *sp->v, cmp_span);
    size_t len = strlen(text), cap = len + sp->n * 96 + 1, o = 0, pos = 0;
    char *out = xmalloc(cap);
    for (size_t i = 0; i < sp->n; i++) {
        const struct span *s = &sp->v[i];
        if (s->off < pos || s->off + s->len > len)
            continue;
        memcpy(out + o, text + pos, s->off - pos);
        o += s->off - pos;
        size_t ml = strlen(s->masked);
        memcpy(out + o, s->masked, ml);
        o += ml;
        pos = s->off + s->len;
    }
    memcpy(out + o, text + pos, len - pos);
    o += len - pos;
    out[o] = 0;
    return out;
}

/* spans applied, then every remembered value; takes m */
static char *finish(const struct analysis *a, char *m)
{
    char *r = analysis_mask_text(a, m);
    free(m);
    return r;
}

void mask_prepare(struct analysis *a, const struct image *img)
{
    struct analysis_priv *p = PRIV(a);
    size_t nh = img->n_history, nl = img->n_layers, ne = img->n_env;
    mask_free(a);
    a->hist_created_by = xcalloc(nh + 1, sizeof *a->hist_created_by);
    a->hist_instruction = xcalloc(nh + 1, sizeof *a->hist_instruction);
    a->layer_instruction = xcalloc(nl + 1, sizeof *a->layer_instruction);
    a->env = xcalloc(ne + 1, sizeof *a->env);
    struct spans *es = xcalloc(ne + 1, sizeof *es), *hs = xcalloc(nh + 1, sizeof *hs);
    const char *cmd = img->cmd ? img->cmd : "", *ep = img->entrypoint ? img->entrypoint : "";
    struct spans cs = {.a = a, .text = cmd}, ps = {.a = a, .text = ep};
    if (!a->opts.show_secrets) {
        argv_json(p->sc, cmd, &cs);
        argv_json(p->sc, ep, &ps);
        /* every value first: a text is masked with what all the others revealed */
        for (size_t i = 0; i < ne; i++) {
            es[i] = (struct spans){.a = a, .text = img->env[i]};
            secrets_check_env(p->sc, img->env[i], on_span, &es[i]);
        }
        for (size_t j = 0; j < nh; j++) {
            const char *cb = img->history[j].created_by ? img->history[j].created_by : "";
            hs[j] = (struct spans){.a = a, .text = cb};
            secrets_check_history(p->sc, cb, on_span, &hs[j]);
            env_line(p->sc, cb, &hs[j]);
        }
    }
    for (size_t i = 0; i < ne; i++)
        a->env[i] = finish(a, apply_spans(img->env[i], &es[i]));
    for (size_t j = 0; j < nh; j++) {
        const struct history_item *h = &img->history[j];
        const char *cb = h->created_by ? h->created_by : "";
        char *m = finish(a, apply_spans(cb, &hs[j]));
        /* the instruction is made from created_by: made again from the masked text, so a value
         * the Dockerfile form rearranges is masked there too */
        char *in = strcmp(m, cb) == 0 ? xstrdup(h->instruction ? h->instruction : "")
                                      : history_instruction(m);
        a->hist_created_by[j] = m;
        a->hist_instruction[j] = finish(a, in);
    }
    for (size_t l = 0; l < nl; l++) {
        int h = img->layers[l].history;
        a->layer_instruction[l] = h >= 0 && (size_t)h < nh
                                      ? xstrdup(a->hist_instruction[h])
                                      : finish(a, xstrdup(img->layers[l].instruction ? img->layers[l].instruction : ""));
    }
    a->cmd = finish(a, apply_spans(cmd, &cs));
    a->entrypoint = finish(a, apply_spans(ep, &ps));
    free(cs.v);
    free(ps.v);
    a->n_hist = nh;
    a->n_layer_instr = nl;
    a->n_env = ne;
    for (size_t i = 0; i < ne; i++)
        free(es[i].v);
    for (size_t j = 0; j < nh; j++)
        free(hs[j].v);
    free(es);
    free(hs);
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void mask_free(struct analysis *a)
{
    free_list(a->hist_created_by, a->n_hist);
    free_list(a->hist_instruction, a->n_hist);
    free_list(a->layer_instruction, a->n_layer_instr);
    free_list(a->env, a->n_env);
    free(a->cmd);
    free(a->entrypoint);
    a->cmd = a->entrypoint = NULL;
    a->hist_created_by = a->hist_instruction = a->layer_instruction = a->env = NULL;
    a->n_hist = a->n_layer_instr = a->n_env = 0;
}

char *analysis_mask_text(const struct analysis *a, const char *text)
{
    const struct analysis_priv *p = a ? PRIV(a) : NULL;
    char *out = xstrdup(text ? text : "");
    if (!p || a->opts.show_secrets)
        return out;
    for (size_t i = 0; i < p->n_masks; i++) {
        const char *raw = p->masks[i].raw, *mk = p->masks[i].masked;
        size_t rl = strlen(raw), ml = strlen(mk);
        char *hit;
        size_t from = 0;
        while ((hit = strstr(out + from, raw))) {
            size_t at = (size_t)(hit - out), ol = strlen(out);
            char *n = xmalloc(ol - rl + ml + 1);
            memcpy(n, out, at);
            memcpy(n + at, mk, ml);
            memcpy(n + at + ml, out + at + rl, ol - at - rl + 1);
            free(out);
            out = n;
            from = at + ml;
        }
    }
    return out;
}

/* ---- accessors ---- */

const char *analysis_history_created_by(const struct analysis *a, const struct image *img, size_t h)
{
    if (a && a->hist_created_by && a->n_hist == img->n_history)
        return h < a->n_hist ? a->hist_created_by[h] : "";
    return h < img->n_history && img->history[h].created_by ? img->history[h].created_by : "";
}

const char *analysis_history_instruction(const struct analysis *a, const struct image *img, size_t h)
{
    if (a && a->hist_instruction && a->n_hist == img->n_history)
        return h < a->n_hist ? a->hist_instruction[h] : "";
    return h < img->n_history && img->history[h].instruction ? img->history[h].instruction : "";
}

const char *analysis_layer_instruction(const struct analysis *a, const struct image *img, size_t l)
{
    if (a && a->layer_instruction && a->n_layer_instr == img->n_layers)
        return l < a->n_layer_instr ? a->layer_instruction[l] : "";
    return l < img->n_layers && img->layers[l].instruction ? img->layers[l].instruction : "";
}

const char *analysis_env(const struct analysis *a, const struct image *img, size_t i)
{
    if (a && a->env && a->n_env == img->n_env)
        return i < a->n_env ? a->env[i] : "";
    return i < img->n_env && img->env[i] ? img->env[i] : "";
}

const char *analysis_cmd(const struct analysis *a, const struct image *img)
{
    if (a && a->cmd)
        return a->cmd;
    return img->cmd ? img->cmd : "";
}

const char *analysis_entrypoint(const struct analysis *a, const struct image *img)
{
    if (a && a->entrypoint)
        return a->entrypoint;
    return img->entrypoint ? img->entrypoint : "";
}

/* ---- what a finding is ---- */

static int is_ident(char c)
{
    return c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* The Dockerfile keyword of a history line, for the hit at off. */
static void history_keyword(const char *cb, size_t off, char *via, size_t n)
{
    const char *s = cb;
    int run = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    if (strncmp(s, "RUN ", 4) == 0) {
        s += 4, run = 1;
        while (*s == ' ')
            s++;
    }
    if (*s == '|') {            /* "|2 A=1 B=2 /bin/sh -c …": build arguments, then the command */
        const char *sh = strstr(s, "/bin/sh -c");
        size_t end = sh ? (size_t)(sh - cb) : strlen(cb);
        snprintf(via, n, "%s", off < end ? "ARG" : "RUN");
        return;
    }
    if (strncmp(s, "/bin/sh -c ", 11) == 0) {
        s += 11;
        while (*s == ' ')
            s++;
        if (strncmp(s, "#(nop)", 6) != 0) {
            snprintf(via, n, "RUN");
            return;
        }
        s += 6;
        while (*s == ' ')
            s++;
    }
    size_t k = 0;
    while (s[k] >= 'A' && s[k] <= 'Z')
        k++;
    if (k >= 2 && k < n && (s[k] == ' ' || s[k] == '\t' || !s[k]))
        snprintf(via, n, "%.*s", (int)k, s);
    else
        snprintf(via, n, "%s", run ? "RUN" : "");
}

char *mask_value_name(const char *text, size_t off, int kind, char *via, size_t via_n)
{
    if (via_n)
        via[0] = 0;
    if (!text)
        return NULL;
    if (kind == SK_ENV) {
        const char *eq = strchr(text, '=');
        snprintf(via, via_n, "ENV");
        return eq && eq > text && (size_t)(eq - text) < off + 1 ? xstrndup(text, (size_t)(eq - text)) : NULL;
    }
    history_keyword(text, off, via, via_n);
    size_t i = off;
    if (i && (text[i - 1] == '"' || text[i - 1] == '\''))
        i--;
    if (!i || text[i - 1] != '=')
        return NULL;
    size_t e = i - 1, s = e;
    while (s > 0 && is_ident(text[s - 1]))
        s--;
    return s < e ? xstrndup(text + s, e - s) : NULL;
}

const char *analysis_finding_where(const struct secret_finding *s, char *buf, size_t n)
{
    const char *name = s->name ? s->name : "";
    if (s->kind == SK_ENV) {
        if (*name)
            snprintf(buf, n, "ENV %s", name);
        else
            snprintf(buf, n, "config Env");
    } else if (s->path && *s->path) {
        snprintf(buf, n, "%s", s->path);
    } else {
        char at[48];
        if (s->layer >= 0)
            snprintf(at, sizeof at, "layer %d", s->layer);
        else
            snprintf(at, sizeof at, "history %d", s->history);
        if (*name)
            snprintf(buf, n, "%s%s%s (%s)", s->via, s->via[0] ? " " : "", name, at);
        else if (s->via[0])
            snprintf(buf, n, "%s (%s)", s->via, at);
        else
            snprintf(buf, n, "%s", at);
    }
    return buf;
}
