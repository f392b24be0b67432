/* dfmap.c: which Dockerfile line made which history entry (dfmap.h), and the outputs that cite
 * it. The history texts compared are the image's own (img->history[].instruction, internal
 * only); everything written out is the analysis' masked copy or the Dockerfile's own text passed
 * through analysis_mask_text(). */
#include "analysis/dfmap.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/jsonout.h"
#include "analysis/secrets.h"

/* How far back past history entries that match nothing the matcher may look for an
 * instruction's entry (ONBUILD triggers, an ARG one builder records and another does not). It
 * keeps an instruction that matches nothing from being paired with an entry of the base image. */
#define DFMAP_WINDOW 4

/* Whitespace runs as one space, no blanks at the ends: the builders join continuation lines
 * keeping the next line's indentation, and some drop it. */
static char *norm(const char *s)
{
    size_t n = strlen(s);
    char *o = xmalloc(n + 1), *w = o;
    int sp = 0;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
            sp = 1;
            continue;
        }
        if (sp && w != o)
            *w++ = ' ';
        sp = 0;
        *w++ = *s;
    }
    *w = 0;
    return o;
}

static int norm_eq(const char *a, const char *b)
{
    char *x = norm(a), *y = norm(b);
    int eq = strcmp(x, y) == 0;
    free(x);
    free(y);
    return eq;
}

static char *join(char *const *v, size_t n, const char *sep)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(v[i]) + strlen(sep);
    char *s = xmalloc(len);
    s[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(s, sep);
        strcat(s, v[i]);
    }
    return s;
}

/* ["a", "b"] (JSON, buildah) or ["a" "b"] (BuildKit, Go's quoting): the strings; 0 if neither. */
static int parse_list(const char *s, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    while (*s == ' ')
        s++;
    if (*s++ != '[')
        return 0;
    size_t cap = 0;
    for (;;) {
        while (*s == ' ' || *s == ',')
            s++;
        if (*s == ']')
            return s[1] == 0 || (s[1] == ' ' && !s[strspn(s + 1, " ") + 1]);
        if (*s != '"')
            break;
        s++;
        size_t len = 0;
        char *w = xmalloc(strlen(s) + 1);
        while (*s && *s != '"') {
            if (*s == '\\' && s[1]) {
                s++;
                w[len++] = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
            } else {
                w[len++] = *s;
            }
            s++;
        }
        w[len] = 0;
        if (*s != '"') {
            free(w);
            break;
        }
        s++;
        ARR_GROW(*out, cap, *n, 1);
        (*out)[(*n)++] = w;
    }
    for (size_t i = 0; i < *n; i++)
        free((*out)[i]);
    free(*out);
    *out = NULL;
    *n = 0;
    return 0;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int list_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return 0;
    return 1;
}

static const char *skip_flags(const char *s)
{
    while (*s == ' ')
        s++;
    while (s[0] == '-' && s[1] == '-') {
        s += strcspn(s, " ");
        while (*s == ' ')
            s++;
    }
    return s;
}

/* COPY/ADD as classic and buildah record it: "dir:<hash> in /app", "file:<hash> in /x",
 * "multi:<hash> in /app/". Returns the kind's first letter and the destination, else 0. */
static char hashed_copy(const char *rest, const char **dest)
{
    static const char *const kinds[] = {"dir:", "file:", "multi:"};
    for (size_t k = 0; k < 3; k++) {
        size_t kl = strlen(kinds[k]);
        if (strncmp(rest, kinds[k], kl) != 0)
            continue;
        const char *p = rest + kl;
        while (isxdigit((unsigned char)*p))
            p++;
        if (p == rest + kl || strncmp(p, " in ", 4) != 0)
            return 0;
        *dest = p + 4;
        return kinds[k][0];
    }
    return 0;
}

static int match_copy(const struct df_instr *in, const char *rest)
{
    rest = skip_flags(rest);
    const char *dest;
    char kind = hashed_copy(rest, &dest);
    if (kind) {
        if (in->exec_form ? in->argc < 2 : in->argc < 1)
            return 0;
        size_t n_src = in->argc - 1 + in->n_heredocs;
        if ((kind == 'm') != (n_src > 1))
            return 0;
        return in->argc && norm_eq(dest, in->argv[in->argc - 1]);
    }
    if (norm_eq(rest, in->args) || norm_eq(rest, in->expanded))
        return 1;
    char *j = join(in->argv, in->argc, " ");
    int eq = norm_eq(rest, j);
    free(j);
    return eq;
}

static int match_run(const struct df_instr *in, const char *rest)
{
    if (in->exec_form) {
        char *j = join(in->argv, in->argc, " ");
        int eq = norm_eq(rest, j);
        free(j);
        return eq;
    }
    if (norm_eq(rest, in->args))
        return 1;
    if (!in->n_heredocs)
        return 0;
    /* BuildKit runs a heredoc RUN with its bodies appended to the command */
    size_t len = strlen(in->args) + 1;
    for (size_t i = 0; i < in->n_heredocs; i++)
        len += strlen(in->heredocs[i].body) + strlen(in->heredocs[i].word) + 2;
    char *s = xmalloc(len);
    strcpy(s, in->args);
    for (size_t i = 0; i < in->n_heredocs; i++) {
        strcat(s, "\n");
        strcat(s, in->heredocs[i].body);
        strcat(s, in->heredocs[i].word);
    }
    int eq = norm_eq(rest, s);
    free(s);
    return eq;
}

static int match_env(const struct df_instr *in, const char *rest)
{
    if (norm_eq(rest, in->args) || norm_eq(rest, in->expanded))
        return 1;
    char *j;
    if (in->argc && !strchr(in->argv[0], '=')) {    /* legacy ENV NAME value */
        const char *v = in->expanded + strspn(in->expanded, " \t");
        v += strcspn(v, " \t");
        v += strspn(v, " \t");
        j = xasprintf("%s=%s", in->argv[0], v);
    } else {
        j = join(in->argv, in->argc, " ");
    }
    int eq = norm_eq(rest, j);
    free(j);
    return eq;
}

static int match_cmd(const struct df_instr *in, const char *rest)
{
    char **h;
    size_t nh;
    if (!parse_list(rest, &h, &nh))
        return norm_eq(rest, in->args);
    int eq;
    if (in->exec_form) {
        eq = list_eq(h, nh, in->argv, in->argc);
    } else {
        char *sh[3] = {"/bin/sh", "-c", in->args};
        eq = list_eq(h, nh, sh, 3);
    }
    free_list(h, nh);
    return eq;
}

/* EXPOSE: BuildKit records Go's rendering of a port set, "map[8000/tcp:{} 53/udp:{}]"; the
 * others the ports as written. Compared as sets of PORT/PROTO (tcp when none is given). */
static size_t ports(const char *s, char out[][32], size_t max)
{
    size_t n = 0;
    if (!strncmp(s, "map[", 4))
        s += 4;
    while (*s && n < max) {
        s += strspn(s, " ]");
        size_t len = strcspn(s, " ]:");
        if (!len)
            break;
        if (len < 26) {
            memcpy(out[n], s, len);
            out[n][len] = 0;
            if (!strchr(out[n], '/'))
                strcat(out[n], "/tcp");
            n++;
        }
        s += len;
        s += strcspn(s, " ]");
    }
    return n;
}

static int match_expose(const struct df_instr *in, const char *rest)
{
    char a[32][32], b[32][32];
    size_t na = ports(rest, a, 32), nb = 0;
    for (size_t i = 0; i < in->argc && nb < 32; i++)
        nb += ports(in->argv[i], b + nb, 32 - nb);
    if (!na || na != nb)
        return 0;
    for (size_t i = 0; i < na; i++) {
        size_t k = 0;
        while (k < nb && strcmp(a[i], b[k]) != 0)
            k++;
        if (k == nb)
            return 0;
    }
    return 1;
}

static int match_arg(const struct df_instr *in, const char *rest)
{
    if (!in->argc)
        return 0;
    size_t a = strcspn(in->argv[0], "="), b = strcspn(rest, "= ");
    return a == b && strncmp(in->argv[0], rest, a) == 0;
}

/* 1 when the history instruction text (history_instruction()'s Dockerfile line) is this
 * Dockerfile instruction as some builder records it. */
static int instr_matches(const struct df_instr *in, const char *hist)
{
    size_t kl = strlen(in->keyword);
    if (strncasecmp(hist, in->keyword, kl) != 0 || (hist[kl] != ' ' && hist[kl] != 0))
        return 0;
    const char *rest = hist + kl;
    while (*rest == ' ')
        rest++;
    const char *kw = in->keyword;
    if (!strcmp(kw, "RUN"))
        return match_run(in, rest);
    if (!strcmp(kw, "COPY") || !strcmp(kw, "ADD"))
        return match_copy(in, rest);
    if (!strcmp(kw, "ENV"))
        return match_env(in, rest);
    if (!strcmp(kw, "CMD") || !strcmp(kw, "ENTRYPOINT") || !strcmp(kw, "SHELL"))
        return match_cmd(in, rest);
    if (!strcmp(kw, "ARG"))
        return match_arg(in, rest);
    if (!strcmp(kw, "EXPOSE") && match_expose(in, rest))
        return 1;
    if (norm_eq(rest, in->args) || norm_eq(rest, in->expanded))
        return 1;
    char *j = join(in->argv, in->argc, " ");
    int eq = norm_eq(rest, j);
    free(j);
    return eq;
}

struct dfmap *dfmap_build(const struct dockerfile *df, const struct image *img)
{
    if (!df)
        return NULL;
    struct dfmap *m = xcalloc(1, sizeof *m);
    m->df = df;
    size_t n = dockerfile_final_chain(df, NULL, 0);
    size_t *idx = xcalloc(n + 1, sizeof *idx);
    dockerfile_final_chain(df, idx, n);
    m->chain = xcalloc(n + 1, sizeof *m->chain);
    m->n_chain = n;
    m->n_hist = img->n_history;
    m->hist_line = xcalloc(img->n_history + 1, sizeof *m->hist_line);
    /* from the end: the final image's last instruction made the last history entry */
    size_t j = img->n_history;
    for (size_t i = n; i-- > 0;) {
        const struct df_instr *in = &df->ins[idx[i]];
        struct dfmap_instr *c = &m->chain[i];
        c->ins = idx[i];
        c->history = -1;
        if (!strcmp(in->keyword, "FROM")) {
            c->from = 1;
            continue;
        }
        for (size_t k = j, tries = 0; k-- > 0 && tries <= DFMAP_WINDOW; tries++) {
            const char *h = img->history[k].instruction ? img->history[k].instruction : "";
            if (instr_matches(in, h)) {
                c->history = (int)k;
                m->hist_line[k] = in->line;
                j = k;
                break;
            }
        }
        if (c->history >= 0)
            m->matched++;
        else
            m->unmatched++;
    }
    free(idx);
    return m;
}

void dfmap_free(struct dfmap *m)
{
    if (!m)
        return;
    free(m->chain);
    free(m->hist_line);
    free(m);
}

int dfmap_history_line(const struct analysis *a, int history)
{
    const struct dfmap *m = a ? a->dfmap : NULL;
    return m && history >= 0 && (size_t)history < m->n_hist ? m->hist_line[history] : 0;
}

int dfmap_layer_line(const struct analysis *a, const struct image *img, int layer)
{
    if (!a || !a->dfmap || layer < 0 || (size_t)layer >= img->n_layers)
        return 0;
    return dfmap_history_line(a, img->layers[layer].history);
}

/* The last instruction of the final image that sets NAME with this keyword (ENV or ARG). */
static int declaring_line(const struct dfmap *m, const char *kw, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = m->n_chain; nl && i-- > 0;) {
        const struct df_instr *in = &m->df->ins[m->chain[i].ins];
        if (strcmp(in->keyword, kw) != 0)
            continue;
        for (size_t k = 0; k < in->argc; k++)
            if (strncmp(in->argv[k], name, nl) == 0 && (in->argv[k][nl] == '=' || in->argv[k][nl] == 0))
                return in->line;
    }
    return 0;
}

int dfmap_secret_line(const struct analysis *a, const struct image *img, const struct secret_finding *s)
{
    const struct dfmap *m = a ? a->dfmap : NULL;
    if (!m)
        return 0;
    if (s->kind == SK_ENV)
        return s->name ? declaring_line(m, "ENV", s->name) : 0;
    if (s->kind == SK_HISTORY) {
        int l = 0;
        if (s->name && (!strcmp(s->via, "ARG") || !strcmp(s->via, "ENV")))
            l = declaring_line(m, s->via, s->name);
        return l ? l : dfmap_history_line(a, s->history);
    }
    return dfmap_layer_line(a, img, s->layer);
}

int dfmap_hint_line(const struct analysis *a, const struct waste_hint *h)
{
    return dfmap_history_line(a, h->history);
}

const char *dfmap_cite(const struct analysis *a, int line, char *buf, size_t n)
{
    if (!a || !a->dfmap || line <= 0)
        snprintf(buf, n, "%s", "");
    else
        snprintf(buf, n, "%s:%d", a->dfmap->df->name, line);
    return buf;
}

/* ---- fixes in BuildKit terms */
struct cache_mount { const char *id, *targets, *what; };
static const struct cache_mount cache_mounts[] = {
    {"pip-cache", "--mount=type=cache,target=/root/.cache/pip", "pip install"},
    {"apt-lists", "--mount=type=cache,target=/var/cache/apt,sharing=locked "
                  "--mount=type=cache,target=/var/lib/apt/lists,sharing=locked", "apt-get update && apt-get install"},
    {"apt-cache", "--mount=type=cache,target=/var/cache/apt,sharing=locked "
                  "--mount=type=cache,target=/var/lib/apt/lists,sharing=locked", "apt-get update && apt-get install"},
    {"apk-cache", "--mount=type=cache,target=/var/cache/apk", "apk add"},
    {"npm-cache", "--mount=type=cache,target=/root/.npm", "npm ci"},
    {"yarn-cache", "--mount=type=cache,target=/usr/local/share/.cache/yarn", "yarn install"},
    {"go-cache", "--mount=type=cache,target=/root/.cache/go-build --mount=type=cache,target=/go/pkg/mod", "go build"},
    {"cargo-cache", "--mount=type=cache,target=/usr/local/cargo/registry", "cargo build"},
    {"java-cache", "--mount=type=cache,target=/root/.m2", "mvn package"},
    {"model-cache", "--mount=type=cache,target=/root/.cache/huggingface", "the download"},
};

static const struct cache_mount *cache_mount_for(const char *id)
{
    for (size_t i = 0; i < sizeof cache_mounts / sizeof *cache_mounts; i++)
        if (!strcmp(cache_mounts[i].id, id))
            return &cache_mounts[i];
    return NULL;
}

char *dfmap_cat_fix(const struct analysis *a, const struct image *img, const struct waste_cat *c, int brief)
{
    char cite[1100], sz[32];
    if (!dfmap_cite(a, dfmap_layer_line(a, img, c->layer), cite, sizeof cite)[0])
        return NULL;
    const struct cache_mount *cm = cache_mount_for(c->id);
    if (cm)
        return xasprintf("%s: RUN %s %s … (a BuildKit cache mount: the cache stays out of the image, "
                         "%s saved)", cite, cm->targets, cm->what, fmt_size(c->bytes, sz, sizeof sz));
    if (brief)
        return xasprintf("at %s", cite);
    return c->fix && c->fix[0] ? xasprintf("%s: %s", cite, c->fix) : NULL;
}

char *dfmap_hint_fix(const struct analysis *a, const struct waste_hint *h, int brief)
{
    char cite[1100];
    if (!dfmap_cite(a, dfmap_hint_line(a, h), cite, sizeof cite)[0])
        return NULL;
    const struct cache_mount *cm = !strcmp(h->id, "DL3042") ? cache_mount_for("pip-cache")
                                 : !strcmp(h->id, "DL3009") ? cache_mount_for("apt-lists")
                                 : !strcmp(h->id, "DL3019") ? cache_mount_for("apk-cache")
                                 : !strcmp(h->id, "DL3060") ? cache_mount_for("yarn-cache") : NULL;
    if (cm && brief)
        return xasprintf("%s: or with BuildKit: RUN %s %s …", cite, cm->targets, cm->what);
    if (cm)
        return xasprintf("%s: %s, or with BuildKit: RUN %s %s …", cite, h->text, cm->targets, cm->what);
    return brief ? xasprintf("at %s", cite) : xasprintf("%s: %s", cite, h->text);
}

char *dfmap_secret_fix(const struct analysis *a, const struct image *img, const struct secret_finding *s)
{
    char cite[1100], esc[200];
    if (!dfmap_cite(a, dfmap_secret_line(a, img, s), cite, sizeof cite)[0])
        return NULL;
    const char *name = s->name && s->name[0] ? util_escape(s->name, esc, sizeof esc) : "SECRET";
    if (s->kind == SK_ENV || (s->kind == SK_HISTORY && !strcmp(s->via, "ENV")))
        return xasprintf("%s: remove it from ENV and give it at run time (docker run -e %s or "
                         "--env-file FILE); where the build needs it, RUN --mount=type=secret,id=%s,env=%s …",
                         cite, name, name, name);
    if (s->kind == SK_HISTORY)
        return xasprintf("%s: build arguments stay in the image's history: RUN --mount=type=secret,"
                         "id=%s,env=%s … with docker build --secret id=%s,env=%s", cite, name, name, name, name);
    return xasprintf("%s: keep the file out of the build context (strata --dockerignore writes the "
                     ".dockerignore); where the build needs it, RUN --mount=type=secret,id=…,target=PATH …", cite);
}

/* ---- outputs */
static char *instr_text(const struct analysis *a, const struct df_instr *in)
{
    char *t = xasprintf("%s%s%s%s%s", in->keyword, in->flags[0] ? " " : "", in->flags,
                        in->args[0] ? " " : "", in->args);
    char *m = analysis_mask_text(a, t);
    free(t);
    char *n = norm(m);
    free(m);
    return n;
}

static void set_line(json_t *o, const char *key, int line)
{
    if (json_is_object(o) && line > 0)
        json_object_set_new(o, key, json_integer(line));
}

static void set_fix(json_t *o, char *fix)
{
    if (json_is_object(o) && fix)
        json_object_set_new(o, "dockerfile_fix", jsonout_name(fix));
    free(fix);
}

void dfmap_json(json_t *root, const struct image *img, const struct analysis *a)
{
    const struct dfmap *m = a ? a->dfmap : NULL;
    if (!m)
        return;
    const struct dockerfile *df = m->df;
    json_t *d = json_object();
    json_object_set_new(d, "path", jsonout_name(df->name));
    if (df->syntax[0])
        json_object_set_new(d, "syntax", jsonout_name(df->syntax));
    json_t *stages = json_array();
    for (size_t i = 0; i < df->n_stages; i++) {
        json_t *s = json_object();
        json_object_set_new(s, "line", json_integer(df->stages[i].line));
        json_object_set_new(s, "base", jsonout_name(df->stages[i].base));
        if (df->stages[i].name[0])
            json_object_set_new(s, "name", jsonout_name(df->stages[i].name));
        json_array_append_new(stages, s);
    }
    json_object_set_new(d, "stages", stages);
    json_t *ins = json_array(), *unm = json_array();
    for (size_t i = 0; i < m->n_chain; i++) {
        const struct dfmap_instr *c = &m->chain[i];
        const struct df_instr *in = &df->ins[c->ins];
        json_t *o = json_object();
        json_object_set_new(o, "line", json_integer(in->line));
        json_object_set_new(o, "end_line", json_integer(in->end_line));
        char *t = instr_text(a, in);
        json_object_set_new(o, "instruction", jsonout_name(t));
        free(t);
        json_object_set_new(o, "history", c->history >= 0 ? json_integer(c->history) : json_null());
        int layer = c->history >= 0 ? img->history[c->history].layer : -1;
        json_object_set_new(o, "layer", layer >= 0 ? json_integer(layer) : json_null());
        if (!c->from && c->history < 0)
            json_array_append_new(unm, json_integer(in->line));
        json_array_append_new(ins, o);
    }
    json_object_set_new(d, "instructions", ins);
    json_object_set_new(d, "unmatched_lines", unm);
    json_object_set_new(d, "matched", json_integer((json_int_t)m->matched));
    json_object_set_new(root, "dockerfile", d);

    json_t *w = json_object_get(root, "waste");
    json_t *cats = json_object_get(w, "categories");
    for (size_t i = 0; i < a->n_cats && i < json_array_size(cats); i++) {
        json_t *o = json_array_get(cats, i);
        set_line(o, "line", dfmap_layer_line(a, img, a->cats[i].layer));
        set_fix(o, dfmap_cat_fix(a, img, &a->cats[i], 0));
    }
    json_t *dead = json_object_get(w, "dead_files");
    for (size_t i = 0; i < a->n_dead && i < json_array_size(dead); i++) {
        json_t *o = json_array_get(dead, i);
        set_line(o, "line", dfmap_layer_line(a, img, a->dead[i].layer));
        set_line(o, "hidden_by_line", dfmap_layer_line(a, img, a->dead[i].hidden_at));
    }
    json_t *hints = json_object_get(w, "hints");
    for (size_t i = 0; i < a->n_hints && i < json_array_size(hints); i++) {
        json_t *o = json_array_get(hints, i);
        set_line(o, "line", dfmap_hint_line(a, &a->hints[i]));
        set_fix(o, dfmap_hint_fix(a, &a->hints[i], 0));
    }
    json_t *secrets = json_object_get(root, "secrets");
    for (size_t i = 0; i < a->n_secrets && i < json_array_size(secrets); i++) {
        json_t *o = json_array_get(secrets, i);
        set_line(o, "line", dfmap_secret_line(a, img, &a->secrets[i]));
        set_fix(o, dfmap_secret_fix(a, img, &a->secrets[i]));
    }
}

json_t *dfmap_sarif_location(const struct analysis *a, const struct image *img, const struct secret_finding *s)
{
    int line = dfmap_secret_line(a, img, s);
    if (!line)
        return NULL;
    int end = line;
    for (size_t i = 0; i < a->dfmap->df->n_ins; i++)
        if (a->dfmap->df->ins[i].line == line)
            end = a->dfmap->df->ins[i].end_line;
    json_t *art = json_object(), *region = json_object(), *phys = json_object(), *loc = json_object();
    json_object_set_new(art, "uri", jsonout_name(a->dfmap->df->name));
    json_object_set_new(region, "startLine", json_integer(line));
    json_object_set_new(region, "endLine", json_integer(end));
    json_object_set_new(phys, "artifactLocation", art);
    json_object_set_new(phys, "region", region);
    json_object_set_new(loc, "physicalLocation", phys);
    return loc;
}

void dfmap_text_fix(FILE *out, const char *indent, char *fix)
{
    if (!fix)
        return;
    size_t n = strlen(fix) * 4 + 16;
    char *e = xmalloc(n);
    fprintf(out, "%s%s\n", indent, util_escape(fix, e, n));
    free(e);
    free(fix);
}

void dfmap_report_text(FILE *out, const struct image *img, const struct analysis *a)
{
    const struct dfmap *m = a ? a->dfmap : NULL;
    if (!m)
        return;
    char e[1100], t2[4096];
    fprintf(out, "\nDockerfile %s (%zu of %zu instructions of the final image matched to its history, "
            "%zu unmatched)\n  %-5s %-7s %-5s %s\n", util_escape(m->df->name, e, sizeof e), m->matched,
            m->matched + m->unmatched, m->unmatched, "line", "history", "layer", "instruction");
    for (size_t i = 0; i < m->n_chain; i++) {
        const struct dfmap_instr *c = &m->chain[i];
        const struct df_instr *in = &m->df->ins[c->ins];
        char h[16] = "-", l[16] = "-";
        if (c->history >= 0) {
            snprintf(h, sizeof h, "%d", c->history);
            if (img->history[c->history].layer >= 0)
                snprintf(l, sizeof l, "%d", img->history[c->history].layer);
        } else if (!c->from) {
            snprintf(h, sizeof h, "%s", "none");
        }
        char *t = instr_text(a, in);
        util_escape(t, t2, sizeof t2);
        free(t);
        size_t cut = 97;
        while (strlen(t2) > 100 && cut && ((unsigned char)t2[cut] & 0xc0) == 0x80)
            cut--;
        if (strlen(t2) > 100)
            memcpy(t2 + cut, "...", 4);
        fprintf(out, "  %-5d %-7s %-5s %s%s\n", in->line, h, l, t2,
                c->from ? "  (base: its history comes first)" : c->history < 0 ? "  (unmatched)" : "");
    }
}
