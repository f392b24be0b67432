/* dockerfile.c: the Dockerfile reader (dockerfile.h says what it understands). Written from the
 * Dockerfile reference (docs.docker.com/reference/dockerfile/: parser directives, escape, heredocs,
 * environment replacement) and from what buildah and BuildKit write into history for the same
 * lines; no code from either. Every problem is one "NAME:LINE: what" message, never a crash: the
 * input is a file the user named, but it is still untrusted text. */
#include "src/dockerfile.h"
#include "src/dockerfile_words.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const keywords[] = {"FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV",
                                       "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG",
                                       "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"};
/* The instructions whose arguments the builder expands ("Environment replacement"); ARG for its
 * default value. RUN, CMD and ENTRYPOINT are left to the shell. */
static const char *const expanding[] = {"ADD", "COPY", "ENV", "EXPOSE", "FROM", "LABEL",
                                        "STOPSIGNAL", "USER", "VOLUME", "WORKDIR", "ARG"};

static int in_list(const char *kw, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kw, list[i]) == 0)
            return 1;
    return 0;
}

/* ---- physical lines */
struct lines {
    const char *text;
    size_t len, pos;
    int lineno;            /* of the line last returned */
};

/* Next line without its terminator (and a '\r' before it); 0 at the end. */
static int next_line(struct lines *L, const char **s, size_t *n)
{
    if (L->pos >= L->len)
        return 0;
    const char *start = L->text + L->pos;
    const char *nl = memchr(start, '\n', L->len - L->pos);
    size_t len = nl ? (size_t)(nl - start) : L->len - L->pos;
    L->pos += len + (nl ? 1 : 0);
    if (len && start[len - 1] == '\r')
        len--;
    L->lineno++;
    *s = start;
    *n = len;
    return 1;
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

static int comment_line(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i < n && s[i] == '#';
}

/* `# key=value` at the top of the file: 1 and the parts, else 0. */
static int directive(const char *s, size_t n, char *key, size_t keyn, char *val, size_t valn)
{
    size_t i = 0;
    if (!n || s[0] != '#')
        return 0;
    i = 1;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    size_t k0 = i;
    while (i < n && isalnum((unsigned char)s[i]))
        i++;
    size_t klen = i - k0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (!klen || i >= n || s[i] != '=' || !isalpha((unsigned char)s[k0]))
        return 0;
    i++;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    size_t v0 = i, vend = n;
    while (vend > v0 && (s[vend - 1] == ' ' || s[vend - 1] == '\t'))
        vend--;
    if (klen >= keyn || vend - v0 >= valn)
        return 0;
    for (size_t t = 0; t < klen; t++)
        key[t] = (char)tolower((unsigned char)s[k0 + t]);
    key[klen] = 0;
    memcpy(val, s + v0, vend - v0);
    val[vend - v0] = 0;
    return 1;
}

/* The line ends in the escape character (trailing blanks allowed): its length without them. */
static int continues(const char *s, size_t n, char escape, size_t *keep)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n && s[n - 1] == escape) {
        *keep = n - 1;
        return 1;
    }
    return 0;
}

/* ---- heredoc markers in a RUN/COPY/ADD line: <<EOF, <<-EOF, <<"EOF", <<'EOF' outside quotes */
struct marker { char word[64]; int strip; };

static size_t find_markers(const char *s, struct marker *m, size_t max)
{
    size_t n = 0;
    char q = 0;
    for (const char *p = s; *p; p++) {
        if (q) {
            if (*p == q)
                q = 0;
            continue;
        }
        if (*p == '"' || *p == '\'') {
            q = *p;
            continue;
        }
        if (p[0] != '<' || p[1] != '<' || p[2] == '<' || (p > s && p[-1] == '<'))
            continue;
        const char *w = p + 2;
        int strip = 0;
        if (*w == '-') {
            strip = 1;
            w++;
        }
        char wq = 0;
        if (*w == '"' || *w == '\'')
            wq = *w++;
        size_t len = 0;
        while (w[len] && (isalnum((unsigned char)w[len]) || w[len] == '_' || w[len] == '-' || w[len] == '.'))
            len++;
        if (!len || len >= sizeof m[0].word || (wq && w[len] != wq))
            continue;
        if (n < max) {
            memcpy(m[n].word, w, len);
            m[n].word[len] = 0;
            m[n].strip = strip;
            n++;
        }
        p = w + len + (wq ? 1 : 0) - 1;
    }
    return n;
}

/* ---- the parser */
struct parser {
    struct dockerfile *df;
    struct errbuf *err;
    size_t cap_ins, cap_stages, cap_senv;
    char **gvars; size_t n_gvars, cap_gvars;   /* global ARG defaults (before the first FROM) */
    char **vars; size_t n_vars, cap_vars;      /* the current stage's ARG and ENV values */
    /* per stage, its ENV values: a stage built FROM an earlier one inherits them (they are in
     * that image's config), never its ARGs */
    struct stage_env { char **v; size_t n, cap; } *senv;
};

static void vars_push(char ***v, size_t *n, size_t *cap, const char *name, const char *val)
{
    ARR_GROW(*v, *cap, *n, 1);
    (*v)[(*n)++] = xasprintf("%s=%s", name, val);
}

static void vars_clear(char **v, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        free(v[i]);
    *n = 0;
}

static int fail(struct parser *P, int line, const char *fmt, const char *arg)
{
    char esc[160];
    util_escape(arg ? arg : "", esc, sizeof esc);
    char msg[300];
    snprintf(msg, sizeof msg, fmt, esc);
    errbuf_set(P->err, "%s:%d: %s", P->df->name, line, msg);
    return RC_FATAL;
}

/* Variables an instruction is expanded with: the global ARGs for FROM, else the stage's. */
static char *expand(struct parser *P, const struct df_instr *in, const char *s)
{
    if (in->stage < 0 || strcmp(in->keyword, "FROM") == 0)
        return dockerfile_expand(s, P->df->escape, P->gvars, P->n_gvars);
    return dockerfile_expand(s, P->df->escape, P->vars, P->n_vars);
}

static void env_keep(struct parser *P, const char *name, const char *val)
{
    struct stage_env *se = &P->senv[P->df->n_stages - 1];
    vars_push(&se->v, &se->n, &se->cap, name, val);
}

/* ARG NAME[=default] ... and ENV NAME=value ... / ENV NAME value: record the values later
 * instructions see. */
static void record_vars(struct parser *P, struct df_instr *in)
{
    int global = in->stage < 0;
    if (strcmp(in->keyword, "ARG") == 0) {
        for (size_t i = 0; i < in->argc; i++) {
            const char *w = in->argv[i];
            const char *eq = strchr(w, '=');
            char *name = eq ? xstrndup(w, (size_t)(eq - w)) : xstrdup(w);
            const char *val = eq ? eq + 1 : NULL;
            if (!val && !global)   /* ARG NAME in a stage takes the global default, if any */
                val = dockerfile_var_lookup(name, strlen(name), P->gvars, P->n_gvars);
            if (val) {
                if (global)
                    vars_push(&P->gvars, &P->n_gvars, &P->cap_gvars, name, val);
                else
                    vars_push(&P->vars, &P->n_vars, &P->cap_vars, name, val);
            }
            free(name);
        }
    } else if (strcmp(in->keyword, "ENV") == 0 && in->argc) {
        if (!strchr(in->argv[0], '=')) {    /* legacy ENV NAME value words */
            const char *rest = in->expanded;
            while (*rest == ' ' || *rest == '\t')
                rest++;
            rest += strlen(in->argv[0]) <= strlen(rest) ? strcspn(rest, " \t") : strlen(rest);
            while (*rest == ' ' || *rest == '\t')
                rest++;
            vars_push(&P->vars, &P->n_vars, &P->cap_vars, in->argv[0], rest);
            env_keep(P, in->argv[0], rest);
            return;
        }
        for (size_t i = 0; i < in->argc; i++) {
            const char *eq = strchr(in->argv[i], '=');
            if (!eq)
                continue;
            char *name = xstrndup(in->argv[i], (size_t)(eq - in->argv[i]));
            vars_push(&P->vars, &P->n_vars, &P->cap_vars, name, eq + 1);
            env_keep(P, name, eq + 1);
            free(name);
        }
    }
}

static char *lower_dup(const char *s)
{
    char *t = xstrdup(s);
    for (char *p = t; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return t;
}

/* FROM [--platform=…] image [AS name]: opens a stage. */
static int open_stage(struct parser *P, struct df_instr *in)
{
    struct dockerfile *df = P->df;
    if (in->argc != 1 && !(in->argc == 3 && strcasecmp(in->argv[1], "AS") == 0))
        return fail(P, in->line, "FROM takes an image and an optional AS name (%s)", in->args);
    ARR_GROW(df->stages, P->cap_stages, df->n_stages, 1);
    ARR_GROW0(P->senv, P->cap_senv, df->n_stages, 1);
    struct df_stage *st = &df->stages[df->n_stages];
    memset(st, 0, sizeof *st);
    st->base = xstrdup(in->argv[0]);
    st->name = in->argc == 3 ? lower_dup(in->argv[2]) : xstrdup("");
    st->line = in->line;
    st->first = df->n_ins - 1;
    st->parent = -1;
    char *lb = lower_dup(st->base);
    for (size_t i = 0; i < df->n_stages; i++)
        if (df->stages[i].name[0] && strcmp(df->stages[i].name, lb) == 0)
            st->parent = (int)i;
    free(lb);
    df->n_stages++;
    /* a new stage starts with no ARG of its own, and the ENV of the stage it builds on */
    vars_clear(P->vars, &P->n_vars);
    if (st->parent >= 0) {
        struct stage_env *pe = &P->senv[st->parent];
        for (size_t i = 0; i < pe->n; i++) {
            const char *eq = strchr(pe->v[i], '=');
            char *name = xstrndup(pe->v[i], (size_t)(eq - pe->v[i]));
            vars_push(&P->vars, &P->n_vars, &P->cap_vars, name, eq + 1);
            env_keep(P, name, eq + 1);
            free(name);
        }
    }
    return RC_OK;
}

/* Splits "KEYWORD --flags args" of one logical line into in. */
static int split_instruction(struct parser *P, struct df_instr *in, const char *text)
{
    const char *p = text;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t k = 0;
    while (p[k] && p[k] != ' ' && p[k] != '\t')
        k++;
    if (k >= sizeof in->keyword) {
        char w[40];
        snprintf(w, sizeof w, "%.*s", (int)(k < 32 ? k : 32), p);
        return fail(P, in->line, "unknown instruction '%s'", w);
    }
    for (size_t i = 0; i < k; i++)
        in->keyword[i] = (char)toupper((unsigned char)p[i]);
    in->keyword[k] = 0;
    if (!in_list(in->keyword, keywords, sizeof keywords / sizeof *keywords)) {
        char w[sizeof in->keyword];
        memcpy(w, p, k);
        w[k] = 0;
        return fail(P, in->line, "unknown instruction '%s'", w);
    }
    p += k;
    while (*p == ' ' || *p == '\t')
        p++;
    struct df_text flags = {0};
    /* leading --options (not for the forms whose arguments may start with "--") */
    if (strcmp(in->keyword, "CMD") && strcmp(in->keyword, "ENTRYPOINT") && strcmp(in->keyword, "SHELL")) {
        while (p[0] == '-' && p[1] == '-' && isalpha((unsigned char)p[2])) {
            size_t n = strcspn(p, " \t");
            if (flags.len)
                df_text_addc(&flags, ' ');
            df_text_addn(&flags, p, n);
            p += n;
            while (*p == ' ' || *p == '\t')
                p++;
        }
    }
    in->flags = df_text_take(&flags);
    size_t n = strlen(p);
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    in->args = xstrndup(p, n);
    return RC_OK;
}

static int finish_instruction(struct parser *P, struct df_instr *in)
{
    struct dockerfile *df = P->df;
    int is_from = strcmp(in->keyword, "FROM") == 0;
    if (!is_from && !df->n_stages && strcmp(in->keyword, "ARG") != 0)
        return fail(P, in->line, "%s before the first FROM", in->keyword);
    in->stage = is_from ? (int)df->n_stages : (int)df->n_stages - 1;
    if (!is_from && !df->n_stages)
        in->stage = -1;
    int expands = in_list(in->keyword, expanding, sizeof expanding / sizeof *expanding);
    in->expanded = expands ? expand(P, in, in->args) : xstrdup(in->args);
    if (!strcmp(in->keyword, "COPY") || !strcmp(in->keyword, "ADD")) {
        char **fw;
        size_t fn;
        dockerfile_words_split(in->flags, df->escape, &fw, &fn);
        for (size_t i = 0; i < fn; i++)
            if (strncmp(fw[i], "--from=", 7) == 0) {
                free(in->from);
                in->from = expand(P, in, fw[i] + 7);
            }
        dockerfile_words_free(fw, fn);
    }
    static const char *const exec_kw[] = {"RUN", "CMD", "ENTRYPOINT", "COPY", "ADD", "SHELL", "VOLUME"};
    if (in_list(in->keyword, exec_kw, sizeof exec_kw / sizeof *exec_kw) &&
        dockerfile_exec_parse(in->expanded, &in->argv, &in->argc)) {
        in->exec_form = 1;
    } else {
        dockerfile_words_split(in->expanded, df->escape, &in->argv, &in->argc);
    }
    if (is_from) {
        if (!in->argc)
            return fail(P, in->line, "FROM needs an image%s", "");
        int rc = open_stage(P, in);
        if (rc != RC_OK)
            return rc;
    } else if ((!strcmp(in->keyword, "COPY") || !strcmp(in->keyword, "ADD")) && in->argc + in->n_heredocs < 2) {
        return fail(P, in->line, "%s needs a source and a destination", in->keyword);
    } else if (!in->args[0] && strcmp(in->keyword, "CMD") && strcmp(in->keyword, "ENTRYPOINT") &&
               strcmp(in->keyword, "HEALTHCHECK")) {
        return fail(P, in->line, "%s has no arguments", in->keyword);
    }
    record_vars(P, in);
    if (df->n_stages)
        df->stages[df->n_stages - 1].count = df->n_ins - df->stages[df->n_stages - 1].first;
    return RC_OK;
}

static struct df_instr *new_instr(struct parser *P, int line)
{
    struct dockerfile *df = P->df;
    ARR_GROW(df->ins, P->cap_ins, df->n_ins, 1);
    struct df_instr *in = &df->ins[df->n_ins++];
    memset(in, 0, sizeof *in);
    in->line = in->end_line = line;
    return in;
}

/* Reads the bodies of the heredocs the instruction's line opened, in order. */
static int read_heredocs(struct parser *P, struct lines *L, struct df_instr *in)
{
    struct marker m[8];
    size_t n = find_markers(in->args, m, 8);
    if (!n)
        return RC_OK;
    in->heredocs = xcalloc(n, sizeof *in->heredocs);
    for (size_t i = 0; i < n; i++) {
        struct df_text body = {0};
        int start = L->lineno + 1, done = 0;
        const char *s;
        size_t len;
        while (next_line(L, &s, &len)) {
            size_t off = 0;
            if (m[i].strip)
                while (off < len && s[off] == '\t')
                    off++;
            if (len - off == strlen(m[i].word) && memcmp(s + off, m[i].word, len - off) == 0) {
                done = 1;
                break;
            }
            df_text_addn(&body, s + off, len - off);
            df_text_addc(&body, '\n');
        }
        in->heredocs[i].word = xstrdup(m[i].word);
        in->heredocs[i].body = df_text_take(&body);
        in->heredocs[i].line = start;
        in->n_heredocs = i + 1;
        if (!done)
            return fail(P, in->line, "unterminated heredoc <<%s (no line ends it)", m[i].word);
        in->end_line = L->lineno;
    }
    return RC_OK;
}

int dockerfile_parse(struct dockerfile *df, const char *name, const char *text, size_t len,
                     struct errbuf *err)
{
    memset(df, 0, sizeof *df);
    df->name = xstrdup(name ? name : "Dockerfile");
    df->syntax = xstrdup("");
    df->escape = '\\';
    struct parser P = {.df = df, .err = err};
    int rc = RC_OK;
    if (len > DOCKERFILE_MAX_BYTES) {
        errbuf_set(err, "%s: larger than %u MiB: not a Dockerfile", df->name, DOCKERFILE_MAX_BYTES >> 20);
        return RC_FATAL;
    }
    const char *nul = memchr(text, 0, len);
    if (nul) {
        int line = 1;
        for (const char *c = text; c < nul; c++)
            line += *c == '\n';
        errbuf_set(err, "%s:%d: a NUL byte: not a text file", df->name, line);
        return RC_FATAL;
    }
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {   /* a UTF-8 byte order mark */
        text += 3;
        len -= 3;
    }
    struct lines L = {.text = text, .len = len};
    const char *s;
    size_t n;
    /* parser directives: only at the very top, each key once */
    int directives = 1, seen_escape = 0, seen_syntax = 0;
    struct df_text logical = {0};
    struct df_instr *in = NULL;
    for (;;) {
        if (!next_line(&L, &s, &n))
            break;
        if (directives) {
            char key[32], val[256];
            if (directive(s, n, key, sizeof key, val, sizeof val)) {
                if (!strcmp(key, "escape")) {
                    if (seen_escape++)
                        return fail(&P, L.lineno, "the escape directive is given twice%s", "");
                    if (strcmp(val, "\\") && strcmp(val, "`"))
                        return fail(&P, L.lineno, "escape must be \\ or ` (not '%s')", val);
                    df->escape = val[0];
                } else if (!strcmp(key, "syntax")) {
                    if (seen_syntax++)
                        return fail(&P, L.lineno, "the syntax directive is given twice%s", "");
                    free(df->syntax);
                    df->syntax = xstrdup(val);
                }
                continue;   /* check= and unknown directives: accepted, not used */
            }
            directives = 0;
        }
        if (!in) {
            if (blank(s, n) || comment_line(s, n))
                continue;
            in = new_instr(&P, L.lineno);
        } else if (blank(s, n) || comment_line(s, n)) {
            continue;       /* inside a continuation, as the builders do */
        }
        size_t keep;
        if (continues(s, n, df->escape, &keep)) {
            df_text_addn(&logical, s, keep);
            in->end_line = L.lineno;
            continue;
        }
        df_text_addn(&logical, s, n);
        in->end_line = L.lineno;
        char *t = df_text_take(&logical);
        rc = split_instruction(&P, in, t);
        free(t);
        if (rc == RC_OK && (!strcmp(in->keyword, "RUN") || !strcmp(in->keyword, "COPY") || !strcmp(in->keyword, "ADD")))
            rc = read_heredocs(&P, &L, in);
        if (rc == RC_OK)
            rc = finish_instruction(&P, in);
        in = NULL;
        if (rc != RC_OK)
            break;
    }
    if (rc == RC_OK && in) {    /* the file ends inside a continuation: what was read is the line */
        char *t = df_text_take(&logical);
        rc = split_instruction(&P, in, t);
        free(t);
        if (rc == RC_OK)
            rc = finish_instruction(&P, in);
    }
    free(logical.s);
    if (rc == RC_OK && !df->n_stages)
        rc = fail(&P, L.lineno ? L.lineno : 1, "no FROM instruction: not a Dockerfile%s", "");
    vars_clear(P.vars, &P.n_vars);
    vars_clear(P.gvars, &P.n_gvars);
    free(P.vars);
    free(P.gvars);
    for (size_t i = 0; i < df->n_stages; i++) {
        vars_clear(P.senv[i].v, &P.senv[i].n);
        free(P.senv[i].v);
    }
    free(P.senv);
    return rc;
}

int dockerfile_read(struct dockerfile *df, const char *path, struct errbuf *err)
{
    memset(df, 0, sizeof *df);
    FILE *f = fopen(path, "rb");
    if (!f) {
        errbuf_set(err, "%s: %s", path, strerror(errno));
        df->name = xstrdup(path);
        return RC_FATAL;
    }
    struct df_text b = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        df_text_addn(&b, chunk, got);
        if (b.len > DOCKERFILE_MAX_BYTES)
            break;
    }
    int bad = ferror(f);
    int e = errno;
    fclose(f);
    if (bad) {
        free(b.s);
        errbuf_set(err, "%s: %s", path, strerror(e ? e : EIO));
        df->name = xstrdup(path);
        return RC_FATAL;
    }
    int rc = dockerfile_parse(df, path, b.s ? b.s : "", b.len, err);
    free(b.s);
    return rc;
}

void dockerfile_free(struct dockerfile *df)
{
    for (size_t i = 0; i < df->n_ins; i++) {
        struct df_instr *in = &df->ins[i];
        free(in->flags);
        free(in->args);
        free(in->expanded);
        free(in->from);
        dockerfile_words_free(in->argv, in->argc);
        for (size_t k = 0; k < in->n_heredocs; k++) {
            free(in->heredocs[k].word);
            free(in->heredocs[k].body);
        }
        free(in->heredocs);
    }
    free(df->ins);
    for (size_t i = 0; i < df->n_stages; i++) {
        free(df->stages[i].base);
        free(df->stages[i].name);
    }
    free(df->stages);
    free(df->name);
    free(df->syntax);
    memset(df, 0, sizeof *df);
}

size_t dockerfile_final_chain(const struct dockerfile *df, size_t *out, size_t max)
{
    if (!df->n_stages)
        return 0;
    /* walk from the final stage to its root, then write root first */
    int order[64];
    size_t depth = 0;
    for (int s = (int)df->n_stages - 1; s >= 0 && depth < 64; s = df->stages[s].parent)
        order[depth++] = s;
    size_t n = 0;
    for (size_t d = depth; d-- > 0;) {
        const struct df_stage *st = &df->stages[order[d]];
        for (size_t i = 0; i < st->count; i++, n++)
            if (n < max)
                out[n] = st->first + i;
    }
    return n;
}
