/* dockerignore.c: from the files a COPY of the build context brought in, the .dockerignore that
 * keeps the waste and the secrets out (dockerignore.h). Pattern syntax as Docker and buildah read
 * .dockerignore: one pattern a line, anchored at the context root, `**` for any number of
 * folders, a folder pattern keeps out everything below it, `#` in column 1 starts a comment (so
 * every comment is a line of its own: a `#` after a pattern would be part of the pattern). */
#include "analysis/dockerignore.h"

#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_int.h"
#include "analysis/dfmap.h"
#include "analysis/secrets.h"

/* Folders that are never part of what an image needs. `anywhere`: they occur at any depth and
 * are written with a leading double-star folder; the others are written from the context root
 * when it is known. */
static const struct { const char *name, *why; int anywhere; } dir_rules[] = {
    {".git", "version control", 0},      {".hg", "version control", 0},
    {".svn", "version control", 0},      {".venv", "a local virtualenv", 0},
    {"venv", "a local virtualenv", 0},   {"data", "datasets", 0},
    {"datasets", "datasets", 0},         {"models", "model weights", 0},
    {"checkpoints", "model weights", 0}, {"wandb", "experiment tracking runs", 0},
    {"mlruns", "experiment tracking runs", 0}, {".tox", "test environments", 0},
    {".idea", "editor files", 0},        {".vscode", "editor files", 0},
    {"__pycache__", "python bytecode", 1}, {".pytest_cache", "test caches", 1},
    {".mypy_cache", "test caches", 1},   {".ruff_cache", "test caches", 1},
    {".ipynb_checkpoints", "notebook checkpoints", 1}, {"node_modules", "node modules (install them in the image)", 1},
};

/* Files by name, anywhere: written with a leading double-star folder. */
static const struct { const char *glob, *why; } file_rules[] = {
    {".env", "secrets (environment files)"}, {".env.*", "secrets (environment files)"},
    {"*.ipynb", "notebooks"},                {"*.safetensors", "model weights"},
    {"*.pt", "model weights"},               {"*.pth", "model weights"},
    {"*.ckpt", "model weights"},             {"*.onnx", "model weights"},
    {"*.gguf", "model weights"},             {"*.h5", "model weights"},
    {"*.parquet", "datasets"},               {"*.pyc", "python bytecode"},
    {".DS_Store", "editor files"},           {"*.pem", "secrets (keys)"},
    {"id_rsa", "secrets (keys)"},            {"id_ed25519", "secrets (keys)"},
    {".netrc", "secrets (credentials)"},     {".pypirc", "secrets (credentials)"},
};

struct src_info {
    char **src; size_t n_src;   /* context sources, NULL when unknown */
    char *dest;                 /* absolute, resolved against WORKDIR */
    int known;                  /* sources known (Dockerfile or BuildKit history) */
    char *norm;                 /* the one source, normalised ("." -> ""): when the files' context
                                 * paths are known (known, one source, no wildcard), else NULL */
};

static void free_src(struct src_info *s)
{
    for (size_t i = 0; i < s->n_src; i++)
        free(s->src[i]);
    free(s->src);
    free(s->dest);
    free(s->norm);
}

static int starts_kw(const char *s, const char *kw)
{
    size_t n = strlen(kw);
    return strncmp(s, kw, n) == 0 && s[n] == ' ';
}

/* "/a/b" joined with "c" or "/c", cleaned, always absolute, no trailing slash except "/". */
static char *resolve(const char *wd, const char *p)
{
    char *j = p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", wd, p);
    char *n = util_path_norm(j);     /* "a/c" form, no leading slash */
    char *r = xasprintf("/%s", n);
    free(j);
    free(n);
    return r;
}

static int system_dest(const char *d)
{
    static const char *const sys[] = {"/usr/", "/bin/", "/sbin/", "/lib", "/etc/", "/opt/venv", "/opt/conda"};
    for (size_t i = 0; i < sizeof sys / sizeof *sys; i++)
        if (!strncmp(d, sys[i], strlen(sys[i])) || !strcmp(d, "/usr"))
            return 1;
    return strstr(d, "site-packages") || strstr(d, "dist-packages");
}

static int is_remote(const char *s)
{
    return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8) || !strncmp(s, "git@", 4);
}

/* A COPY/ADD of the build context at history entry h: its sources and destination. 0 when
 * the entry is something else (another stage's files, a URL, a heredoc). */
static int copy_info(const struct analysis *a, const struct image *img, size_t h, const char *wd,
                     struct src_info *si)
{
    memset(si, 0, sizeof *si);
    const char *hi = img->history[h].instruction ? img->history[h].instruction : "";
    if (!starts_kw(hi, "COPY") && !starts_kw(hi, "ADD"))
        return 0;
    const struct df_instr *in = NULL;
    const struct dfmap *m = a ? a->dfmap : NULL;
    for (size_t i = 0; m && i < m->n_chain; i++)
        if (m->chain[i].history == (int)h)
            in = &m->df->ins[m->chain[i].ins];
    char **words = NULL;
    size_t n = 0;
    if (in) {
        if (in->from || in->n_heredocs || in->argc < 2)
            return 0;
        words = in->argv;
        n = in->argc;
        si->known = 1;
    } else {
        const char *rest = hi + (hi[0] == 'C' ? 5 : 4);
        while (rest[0] == '-' && rest[1] == '-') {
            rest += strcspn(rest, " ");
            rest += strspn(rest, " ");
        }
        const char *in_ = strstr(rest, " in ");
        if ((!strncmp(rest, "dir:", 4) || !strncmp(rest, "file:", 5) || !strncmp(rest, "multi:", 6)) && in_) {
            si->dest = resolve(wd, in_ + 4);
            /* the source is not recorded (classic, buildah): a COPY --from of another stage looks
             * the same. One into a system folder or a Python tree is taken as a stage's output
             * (an installed package's __pycache__ is not the developer's); --dockerfile knows. */
            if (system_dest(si->dest))
                return free_src(si), 0;
            if (!strncmp(rest, "file:", 5) && hi[0] == 'A')
                return free_src(si), 0;   /* an ADD of one file: maybe an archive it unpacked */
            return 1;
        }
        /* BuildKit: "COPY src... dest"; an absolute source is another stage's (--from is not
         * recorded); quotes and spaces in names are not recoverable here: such a COPY is left out */
        char *copy = xstrdup(rest);
        size_t cap = 0;
        char *save;
        for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
            ARR_GROW(words, cap, n, 1);
            words[n++] = xstrdup(tok);
        }
        free(copy);
        int ok = n >= 2;
        for (size_t i = 0; ok && i + 1 < n; i++)
            ok = words[i][0] != '/' && strncmp(words[i], "<<", 2) != 0;
        if (!ok) {
            for (size_t i = 0; i < n; i++)
                free(words[i]);
            free(words);
            return 0;
        }
        si->known = 1;
        si->src = words;        /* owned from here; the last word is freed with it */
        si->n_src = n - 1;
        si->dest = resolve(wd, words[n - 1]);
        free(words[n - 1]);
        for (size_t i = 0; i < si->n_src; i++)
            if (is_remote(si->src[i]))
                return free_src(si), 0;
        return 1;
    }
    for (size_t i = 0; i + 1 < n; i++)
        if (is_remote(words[i]))
            return 0;
    si->src = xcalloc(n, sizeof *si->src);
    for (size_t i = 0; i + 1 < n; i++)
        si->src[si->n_src++] = xstrdup(words[i]);
    si->dest = resolve(wd, words[n - 1]);
    return 1;
}

struct acc {
    struct dockerignore *d;
    size_t cap;
};

static struct dockerignore_line *line_for(struct acc *ac, const char *pattern, const char *why)
{
    struct dockerignore *d = ac->d;
    for (size_t i = 0; i < d->n_lines; i++)
        if (!strcmp(d->lines[i].pattern, pattern))
            return &d->lines[i];
    ARR_GROW(d->lines, ac->cap, d->n_lines, 1);
    d->lines[d->n_lines] = (struct dockerignore_line){xstrdup(pattern), why, 0, 0};
    return &d->lines[d->n_lines++];
}

static int has_glob(const char *s) { return strpbrk(s, "*?[") != NULL; }

/* The file's path in the build context, or NULL when only its path below the destination is
 * known (then *rel is that). *whole: the path is the source itself (a file copied to a file or
 * into a folder), not the source's folder joined with the file's path below the destination. */
static char *context_path(const struct src_info *si, const char *path, const char **rel, int *whole)
{
    size_t dl = strlen(si->dest);
    const char *r;
    *whole = 0;
    if (!strcmp(path, si->dest))
        r = "";
    else if (!strcmp(si->dest, "/"))
        r = path + 1;
    else if (!strncmp(path, si->dest, dl) && path[dl] == '/')
        r = path + dl + 1;
    else
        return *rel = NULL, NULL;
    *rel = r;
    const char *s = si->norm;
    if (!s)
        return NULL;
    const char *base = strrchr(s, '/') ? strrchr(s, '/') + 1 : s;
    if (!r[0] || (s[0] && !strchr(r, '/') && !strcmp(r, base))) {
        *whole = 1;
        return xstrdup(s);                   /* a file source copied to a file or into a folder */
    }
    return s[0] ? xasprintf("%s/%s", s, r) : xstrdup(r);
}

/* The line of the first folder rule that matches one of the folders of p, or -1. The folders of
 * a file are those of every file beside it, so the caller keeps the answer for the next file of
 * the same folder (most of a COPY of node_modules asks it again and again). */
static long classify_dirs(struct acc *ac, const char *p, int exact)
{
    char *copy = xstrdup(p);
    size_t n = 0;
    char *comps[256];
    char *save;
    for (char *t = strtok_r(copy, "/", &save); t && n < 256; t = strtok_r(NULL, "/", &save))
        comps[n++] = t;
    long li = -1;
    for (size_t i = 0; li < 0 && n && i + 1 < n; i++)
        for (size_t r = 0; r < sizeof dir_rules / sizeof *dir_rules; r++) {
            if (strcmp(comps[i], dir_rules[r].name) != 0)
                continue;
            char *pat;
            if (exact && !dir_rules[r].anywhere) {
                size_t len = (size_t)(comps[i] - copy) + strlen(comps[i]);
                pat = xasprintf("%.*s/", (int)len, p);
            } else {
                pat = xasprintf("**/%s/", comps[i]);
            }
            li = line_for(ac, pat, dir_rules[r].why) - ac->d->lines;
            free(pat);
            break;
        }
    free(copy);
    return li;
}

/* The line of a file rule on the file's name (base: p's last component), or of a secret finding
 * on the file itself, or NULL. */
static struct dockerignore_line *classify_name(struct acc *ac, const char *p, const char *base,
                                               int exact, int secret)
{
    struct dockerignore_line *l = NULL;
    for (size_t r = 0; !l && r < sizeof file_rules / sizeof *file_rules; r++)
        if (util_fnmatch(file_rules[r].glob, base, 0) == 0) {   /* one '*' at most: no fnmatch */
            char *pat = xasprintf("**/%s", file_rules[r].glob);
            l = line_for(ac, pat, file_rules[r].why);
            free(pat);
        }
    if (!l && secret) {
        char *pat = exact ? xstrdup(p) : xasprintf("**/%s", p);
        l = line_for(ac, pat, "secret (found by strata)");
        free(pat);
    }
    return l;
}

/* A path whose components are its '/'-separated pieces, all of them (no empty one, fewer than
 * classify_dirs' 256): its name is what follows the last '/'. Paths from the model are. */
static int plain_path(const char *p)
{
    if (!p[0] || p[0] == '/')
        return 0;
    size_t slashes = 0;
    for (const char *c = p; *c; c++)
        if (*c == '/' && (c[1] == '/' || !c[1] || ++slashes >= 255))
            return 0;
    return 1;
}

/* The line that keeps this file out, or NULL: a folder rule on one of its parent folders, a
 * file rule on its name, or a secret finding on the file itself. */
static struct dockerignore_line *classify(struct acc *ac, const char *p, int exact, int secret)
{
    long li = classify_dirs(ac, p, exact);
    if (li >= 0)
        return &ac->d->lines[li];
    if (!plain_path(p)) {     /* its name as classify_dirs splits it: the last of at most 256 */
        char *copy = xstrdup(p);
        size_t n = 0;
        const char *base = "";
        char *save;
        for (char *t = strtok_r(copy, "/", &save); t && n < 256; t = strtok_r(NULL, "/", &save), n++)
            base = t;
        struct dockerignore_line *l = n ? classify_name(ac, p, base, exact, secret) : NULL;
        free(copy);
        return l;
    }
    const char *slash = strrchr(p, '/');
    return classify_name(ac, p, slash ? slash + 1 : p, exact, secret);
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* The entries that a file or content secret was found in, sorted, so that each file of a COPY
 * is looked up rather than compared with every finding. */
static uint32_t *secret_entries(const struct analysis *a, size_t *n)
{
    *n = 0;
    uint32_t *v = xcalloc(a && a->n_secrets ? a->n_secrets : 1, sizeof *v);
    for (size_t i = 0; a && i < a->n_secrets; i++)
        if (a->secrets[i].kind == SK_FILE || a->secrets[i].kind == SK_CONTENT)
            v[(*n)++] = a->secrets[i].entry;
    qsort(v, *n, sizeof *v, cmp_u32);
    return v;
}

static int entry_secret(const uint32_t *v, size_t n, uint32_t e)
{
    return n && bsearch(&e, v, n, sizeof *v, cmp_u32) != NULL;
}

struct dockerignore *dockerignore_build(const struct analysis *a, const struct image *img)
{
    struct dockerignore *d = xcalloc(1, sizeof *d);
    struct acc ac = {d, 0};
    const struct model *m = &img->model;
    char *wd = xstrdup("/");
    char path[4096];
    size_t cap_copies = 0, n_sec;
    uint32_t *sec = secret_entries(a, &n_sec);
    for (size_t h = 0; h < img->n_history; h++) {
        const char *hi = img->history[h].instruction ? img->history[h].instruction : "";
        if (starts_kw(hi, "WORKDIR")) {
            char *w = resolve(wd, hi + 8);
            free(wd);
            wd = w;
            continue;
        }
        int L = img->history[h].layer;
        struct src_info si;
        if (L < 0 || (uint32_t)L >= m->n_layers || !copy_info(a, img, h, wd, &si))
            continue;
        ARR_GROW(d->copies, cap_copies, d->n_copies, 1);
        struct dockerignore_copy *c = &d->copies[d->n_copies++];
        *c = (struct dockerignore_copy){L, (int)h, xstrdup(si.dest), 0, 0, 0};
        if (si.known && si.n_src == 1 && !has_glob(si.src[0]))
            si.norm = util_path_norm(si.src[0]);
        const struct layer_stats *ls = &m->layers[L];
        int exact_all = 1;
        /* the folder rules' answer for the last folder asked (files of a folder come together);
         * exact is the same for every file of a COPY (its sources known or not) */
        uint32_t memo_dir = 0;
        long memo_line = -1;
        for (uint32_t e = ls->first_entry; e < ls->first_entry + ls->n_entries; e++) {
            const struct entry *en = &m->entries[e];
            if (!entry_is_reg(en))
                continue;
            model_path_str(m, en->path, path, sizeof path);
            const char *rel;
            int whole;
            char *ctx = context_path(&si, path, &rel, &whole);
            if (!rel)
                continue;       /* outside the destination: not from this COPY */
            exact_all &= ctx != NULL;
            const char *p = ctx ? ctx : rel;
            int exact = ctx != NULL, secret = entry_secret(sec, n_sec, e);
            uint32_t dir = m->paths[en->path].parent;
            struct dockerignore_line *l;
            if (whole || !plain_path(p)) {
                l = classify(&ac, p, exact, secret);
            } else {
                /* p is the file's folder below the destination (the same for the folder's every
                 * file) joined to its name */
                if (dir != memo_dir) {
                    memo_line = classify_dirs(&ac, p, exact);
                    memo_dir = dir;
                }
                l = memo_line >= 0 ? &d->lines[memo_line]
                                   : classify_name(&ac, p, strrchr(p, '/') ? strrchr(p, '/') + 1 : p, exact, secret);
            }
            free(ctx);
            if (!l)
                continue;
            l->bytes = sat_add(l->bytes, en->size);
            l->files++;
            c->bytes = sat_add(c->bytes, en->size);
            c->files++;
        }
        c->exact = exact_all;
        free_src(&si);
    }
    free(wd);
    free(sec);
    for (size_t i = 0; i < d->n_lines; i++) {
        d->bytes = sat_add(d->bytes, d->lines[i].bytes);
        d->files += d->lines[i].files;
    }
    return d;
}

void dockerignore_free(struct dockerignore *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_lines; i++)
        free(d->lines[i].pattern);
    free(d->lines);
    for (size_t i = 0; i < d->n_copies; i++)
        free(d->copies[i].dest);
    free(d->copies);
    free(d);
}

static int writable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

int dockerignore_write(FILE *out, const struct dockerignore *d, const struct image *img,
                       const struct analysis *a)
{
    char e[1100], sz[32], cite[1100], instr[600];
    fprintf(out, "# .dockerignore written by strata for %s\n", util_escape(img->source, e, sizeof e));
    if (!d->n_copies)
        fprintf(out, "# no COPY or ADD of the build context was found in the image's history\n");
    for (size_t i = 0; i < d->n_copies; i++) {
        const struct dockerignore_copy *c = &d->copies[i];
        dfmap_cite(a, dfmap_history_line(a, c->history), cite, sizeof cite);
        util_escape(analysis_history_instruction(a, img, (size_t)c->history), instr, sizeof instr);
        fprintf(out, "# layer %d%s%s: %s: %llu bytes (%s) in %u file%s kept out%s\n", c->layer,
                cite[0] ? ", " : "", util_escape(cite, e, sizeof e), instr,
                (unsigned long long)c->bytes, fmt_size(c->bytes, sz, sizeof sz), c->files, c->files == 1 ? "" : "s",
                c->exact ? "" : " (its source folder is not recorded: patterns match at any depth)");
    }
    for (size_t i = 0; i < d->n_lines; i++) {
        const struct dockerignore_line *l = &d->lines[i];
        if (!writable(l->pattern))
            continue;
        fprintf(out, "# %llu bytes (%s) in %u file%s: %s\n%s\n", (unsigned long long)l->bytes,
                fmt_size(l->bytes, sz, sizeof sz), l->files, l->files == 1 ? "" : "s", l->why,
                util_escape(l->pattern, e, sizeof e));
    }
    uint64_t bytes = 0;
    uint32_t files = 0;
    for (size_t i = 0; i < d->n_lines; i++)
        if (writable(d->lines[i].pattern)) {
            bytes = sat_add(bytes, d->lines[i].bytes);
            files += d->lines[i].files;
        }
    fprintf(out, "# total: %llu bytes (%s) in %u file%s\n", (unsigned long long)bytes,
            fmt_size(bytes, sz, sizeof sz), files, files == 1 ? "" : "s");
    return ferror(out) ? -1 : 0;
}

struct dockerignore *dockerignore_hints_prepare(const struct analysis *a, const struct image *img)
{
    return analysis_ignored(a, "dockerignore") ? NULL : dockerignore_build(a, img);
}

void dockerignore_hints_add(struct analysis *a, const struct image *img, struct dockerignore *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_copies; i++) {
        const struct dockerignore_copy *c = &d->copies[i];
        if (!c->bytes && !c->files)
            continue;
        /* the first patterns that keep this layer's files out, for the text */
        char pats[200] = "";
        size_t shown = 0;
        for (size_t k = 0; k < d->n_lines && shown < 4; k++) {
            if (!d->lines[k].files || strlen(pats) + strlen(d->lines[k].pattern) + 8 > sizeof pats)
                continue;
            strcat(pats, shown++ ? ", " : "");
            strcat(pats, d->lines[k].pattern);
        }
        char sz[32];
        const char *instr = analysis_history_instruction(a, img, (size_t)c->history);
        char *text = xasprintf("%s: brought in %s in %u file%s that a .dockerignore keeps out (%s%s): "
                               "strata --dockerignore IMAGE writes it", instr, fmt_size(c->bytes, sz, sizeof sz),
                               c->files, c->files == 1 ? "" : "s", pats, d->n_lines > shown ? ", …" : "");
        /* hints stay in history order */
        size_t at = a->n_hints;
        while (at > 0 && a->hints[at - 1].history > c->history)
            at--;
        ARR_GROW(a->hints, a->cap_hints, a->n_hints, 1);
        memmove(a->hints + at + 1, a->hints + at, (a->n_hints - at) * sizeof *a->hints);
        a->hints[at] = (struct waste_hint){"dockerignore", SEV_LOW, c->history, c->layer, text};
        a->n_hints++;
    }
    dockerignore_free(d);
}
