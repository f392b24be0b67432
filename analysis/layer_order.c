/* layer_order.c: a dependency install that comes after a COPY of the application's code.
 *
 * Docker reuses a layer only while everything before it is unchanged; a COPY's cache key is the
 * content it copies. An install after `COPY . .` therefore re-runs on every code change. The
 * install is read from the RUN line (pip install -r, poetry install, npm ci/install, yarn, go mod
 * download, bundle install, cargo build); the COPY is judged by what its layer holds, because
 * buildah and docker's classic builder write `COPY dir:<hash> in /app`, not the source names: a
 * COPY/ADD layer (not --from another stage) is code when it brings source files (.py, .js, .go,
 * …) outside installed-package trees. Copying the manifest alone (requirements.txt, wheels/) first
 * gives no finding. Only the image's own part (after the base, base.c) is looked at. */
#include "analysis/advice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"

struct install {
    const char *tool, *manifest, *copy;   /* copy: what to COPY alone first */
};

static int starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

/* The words of one shell command: at most 32, each a copy into buf. */
static size_t words(const char *s, size_t n, char buf[32][128])
{
    size_t k = 0, i = 0;
    while (i < n && k < 32) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\\' || s[i] == '\n'))
            i++;
        size_t st = i;
        while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\n')
            i++;
        if (i > st) {
            size_t l = i - st < 127 ? i - st : 127;
            memcpy(buf[k], s + st, l);
            buf[k][l] = 0;
            /* strip the quotes people put around a file name */
            if (l >= 2 && (buf[k][0] == '"' || buf[k][0] == '\'') && buf[k][l - 1] == buf[k][0]) {
                memmove(buf[k], buf[k] + 1, l - 2);
                buf[k][l - 2] = 0;
            }
            k++;
        }
    }
    return k;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* One command ("pip install -r requirements.txt"): the install it is, or 0. manifest may point
 * into `keep` (the -r argument). */
static int classify(char w[32][128], size_t n, struct install *out, char *keep, size_t keep_n)
{
    size_t i = 0;
    while (i < n && (strchr(w[i], '=') || strcmp(w[i], "sudo") == 0 || strcmp(w[i], "env") == 0))
        i++;   /* VAR=value prefixes */
    if (i >= n)
        return 0;
    const char *c = base_name(w[i]);
    /* python -m pip, uv pip */
    if ((starts(c, "python") && i + 2 < n && strcmp(w[i + 1], "-m") == 0 && strcmp(w[i + 2], "pip") == 0)) {
        i += 2;
        c = "pip";
    } else if (strcmp(c, "uv") == 0 && i + 1 < n && strcmp(w[i + 1], "pip") == 0) {
        i += 1;
        c = "pip";
    }
    if ((strcmp(c, "pip") == 0 || strcmp(c, "pip3") == 0) && i + 1 < n && strcmp(w[i + 1], "install") == 0) {
        for (size_t k = i + 2; k < n; k++) {
            const char *f = NULL;
            if ((strcmp(w[k], "-r") == 0 || strcmp(w[k], "--requirement") == 0) && k + 1 < n)
                f = w[k + 1];
            else if (starts(w[k], "-r") && w[k][2])
                f = w[k] + 2;
            else if (starts(w[k], "--requirement="))
                f = w[k] + 14;
            if (f) {
                snprintf(keep, keep_n, "%s", base_name(f));
                *out = (struct install){"pip", keep, keep};
                return 1;
            }
        }
        return 0;   /* pip install NAME: no manifest to copy first */
    }
    if (strcmp(c, "poetry") == 0 && i + 1 < n && strcmp(w[i + 1], "install") == 0) {
        *out = (struct install){"poetry", "pyproject.toml", "pyproject.toml poetry.lock"};
        return 1;
    }
    if (strcmp(c, "pipenv") == 0 && i + 1 < n && (strcmp(w[i + 1], "install") == 0 || strcmp(w[i + 1], "sync") == 0)) {
        *out = (struct install){"pipenv", "Pipfile", "Pipfile Pipfile.lock"};
        return 1;
    }
    if (strcmp(c, "uv") == 0 && i + 1 < n && strcmp(w[i + 1], "sync") == 0) {
        *out = (struct install){"uv", "pyproject.toml", "pyproject.toml uv.lock"};
        return 1;
    }
    if (strcmp(c, "npm") == 0 && i + 1 < n &&
        (strcmp(w[i + 1], "ci") == 0 || strcmp(w[i + 1], "install") == 0 || strcmp(w[i + 1], "i") == 0)) {
        for (size_t k = i + 2; k < n; k++)
            if (w[k][0] != '-')
                return 0;   /* npm install NAME */
        *out = (struct install){"npm", "package.json", "package.json package-lock.json"};
        return 1;
    }
    if (strcmp(c, "yarn") == 0) {
        if (i + 1 < n && strcmp(w[i + 1], "install") != 0 && w[i + 1][0] != '-')
            return 0;   /* yarn build, yarn add x */
        *out = (struct install){"yarn", "package.json", "package.json yarn.lock"};
        return 1;
    }
    if (strcmp(c, "go") == 0 && i + 2 < n && strcmp(w[i + 1], "mod") == 0 && strcmp(w[i + 2], "download") == 0) {
        *out = (struct install){"go", "go.mod", "go.mod go.sum"};
        return 1;
    }
    if (strcmp(c, "bundle") == 0 && i + 1 < n && strcmp(w[i + 1], "install") == 0) {
        *out = (struct install){"bundle", "Gemfile", "Gemfile Gemfile.lock"};
        return 1;
    }
    if (strcmp(c, "cargo") == 0 && i + 1 < n && (strcmp(w[i + 1], "build") == 0 || strcmp(w[i + 1], "fetch") == 0)) {
        *out = (struct install){"cargo", "Cargo.toml", "Cargo.toml Cargo.lock"};
        return 1;
    }
    return 0;
}

/* The first dependency install of a RUN line, split at && ; || and |. */
static int find_install(const char *run, struct install *out, char *keep, size_t keep_n)
{
    const char *s = run;
    /* "RUN [--mount=… ]cmd": the keyword and BuildKit's flags are no command */
    if (strncmp(s, "RUN ", 4) == 0) {
        s += 4;
        while (*s == ' ' || strncmp(s, "--", 2) == 0) {
            if (*s == ' ')
                s++;
            else
                s += strcspn(s, " ");
        }
    }
    while (*s) {
        size_t n = strcspn(s, "&;|");
        char w[32][128];
        size_t k = words(s, n, w);
        if (k && classify(w, k, out, keep, keep_n))
            return 1;
        s += n;
        while (*s == '&' || *s == ';' || *s == '|')
            s++;
    }
    return 0;
}

/* A source file: its name has one of these extensions, and no folder above it is one that holds
 * installed or generated code. Read from the path's nodes, not a path string: COPY layers can
 * hold a million files, and building each one's path was most of this pass (0.14 s at 1M). */
static int is_code(const struct model *m, uint32_t path)
{
    static const char *ext[] = {".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".go", ".rb",
                                ".rs", ".java", ".kt", ".scala", ".php", ".c", ".cc", ".cpp", ".cs",
                                ".swift", ".ipynb"};
    static const char *skip[] = {"site-packages", "dist-packages", "node_modules", ".git",
                                 "vendor", "__pycache__"};
    const char *dot = strrchr(model_name(m, path), '.');
    if (!dot)
        return 0;
    size_t i = 0;
    while (i < sizeof ext / sizeof ext[0] && strcmp(dot, ext[i]) != 0)
        i++;
    if (i == sizeof ext / sizeof ext[0])
        return 0;
    for (uint32_t p = m->paths[path].parent; p > MODEL_ROOT; p = m->paths[p].parent)
        for (size_t k = 0; k < sizeof skip / sizeof skip[0]; k++)
            if (strcmp(model_name(m, p), skip[k]) == 0)
                return 0;
    return 1;
}

/* Source files a layer brings: count, and the first one's path into ex. */
static uint32_t layer_code(const struct model *m, uint32_t L, char *ex, size_t exn)
{
    const struct layer_stats *ls = &m->layers[L];
    uint32_t n = 0;
    ex[0] = 0;
    for (uint32_t i = 0; i < ls->n_entries; i++) {
        const struct entry *e = &m->entries[ls->first_entry + i];
        if (entry_is_reg(e) && is_code(m, e->path) && !n++) {
            char p[4096];
            model_path_str(m, e->path, p, sizeof p);
            size_t l = strlen(p) < exn - 1 ? strlen(p) : exn - 1;   /* its head, as shown */
            memcpy(ex, p, l);
            ex[l] = 0;
        }
    }
    return n;
}

void layer_order_run(struct analysis *a, const struct image *img, struct advice *ad)
{
    const struct model *m = &img->model;
    size_t from = ad->base.history >= 0 ? (size_t)ad->base.history : 0;
    if (ad->base.history < 0 && ad->base.layers)
        return;   /* the image is all base */
    /* The COPY/ADD steps since the last finding, oldest first. Their layers are searched for
     * code only when a RUN install follows, newest first, and the newest with code is the one
     * that finding names: most images have no such RUN, and a layer can hold a million files. */
    size_t *copies = NULL, n_copies = 0, cap_copies = 0;
    for (size_t h = from; h < img->n_history; h++) {
        const struct history_item *hi = &img->history[h];
        const char *in = hi->instruction ? hi->instruction : "";
        if ((starts(in, "COPY") || starts(in, "ADD")) && hi->layer >= 0 && !strstr(in, "--from=") &&
            (uint32_t)hi->layer < m->n_layers) {
            ARR_GROW(copies, cap_copies, n_copies, 1);
            copies[n_copies++] = h;
            continue;
        }
        if (!starts(in, "RUN") || !n_copies)
            continue;
        struct install ins;
        char keep[128];
        /* the masked copy: a RUN line may carry a token */
        const char *run = analysis_history_instruction(a, img, h);
        if (!find_install(run, &ins, keep, sizeof keep))
            continue;
        char ex[512];
        uint32_t code_n = 0;
        size_t code_h = 0;
        while (n_copies && !code_n) {
            code_h = copies[--n_copies];
            code_n = layer_code(m, (uint32_t)img->history[code_h].layer, ex, sizeof ex);
        }
        n_copies = 0;   /* one finding per COPY; those without code never make one */
        if (!code_n)
            continue;
        int code_L = img->history[code_h].layer;
        struct order_finding f = {.history = (int)h, .layer = hi->layer, .copy_history = (int)code_h,
                                  .copy_layer = code_L, .tool = ins.tool, .code_files = code_n};
        snprintf(f.manifest, sizeof f.manifest, "%s", ins.manifest);
        f.bytes = hi->layer >= 0 && (uint32_t)hi->layer < m->n_layers ? m->layers[hi->layer].bytes : 0;
        f.code_example = xstrdup(ex);
        char sz[32];
        fmt_size(f.bytes, sz, sizeof sz);
        f.fix = xasprintf("COPY %s ./ alone first, then this RUN, then COPY . .: a code change would "
                          "no longer re-run this %s install (%s)", ins.copy, ins.tool, sz);
        ARR_GROW(ad->order, ad->cap_order, ad->n_order, 1);
        ad->order[ad->n_order++] = f;
    }
    free(copies);
}
