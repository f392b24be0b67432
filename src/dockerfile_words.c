/* dockerfile_words.c: growable text, ARG/ENV substitution and words for the Dockerfile reader
 * (dockerfile_words.h). Written from the Dockerfile reference's "Environment replacement"; the
 * input is untrusted text, so expansion is bounded (DOCKERFILE_MAX_EXPANSION, nesting depth 8). */
#include "src/dockerfile_words.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "src/dockerfile.h"

/* ---- growable text */

void df_text_addn(struct df_text *b, const char *s, size_t n)
{
    ARR_GROW(b->s, b->cap, b->len, n + 1);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}
void df_text_addc(struct df_text *b, char c) { df_text_addn(b, &c, 1); }
char *df_text_take(struct df_text *b)
{
    char *s = b->s ? b->s : xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

/* ---- variable substitution */
const char *dockerfile_var_lookup(const char *name, size_t n, char *const *vars, size_t n_vars)
{
    for (size_t i = n_vars; i-- > 0;)
        if (strncmp(vars[i], name, n) == 0 && vars[i][n] == '=')
            return vars[i] + n + 1;
    return NULL;
}

static int is_name_start(int c) { return isalpha(c) || c == '_'; }
static int is_name_char(int c) { return isalnum(c) || c == '_'; }

static void expand_into(struct df_text *out, const char *s, size_t len, char escape, char *const *vars,
                        size_t n_vars, int depth);

/* ${...} starting at s[0] == '{': writes the value, returns the characters consumed after '$'. */
static size_t expand_braced(struct df_text *out, const char *s, size_t len, char escape, char *const *vars,
                            size_t n_vars, int depth)
{
    size_t i = 1, nstart = 1;
    while (i < len && is_name_char((unsigned char)s[i]))
        i++;
    size_t nlen = i - nstart;
    /* find the closing brace, counting nested ${ } in the word */
    size_t j = i, nest = 0;
    for (; j < len; j++) {
        if (s[j] == '{')
            nest++;
        else if (s[j] == '}') {
            if (!nest)
                break;
            nest--;
        }
    }
    if (j >= len) {     /* no closing brace: keep the text as it is */
        df_text_addc(out, '$');
        df_text_addn(out, s, len);
        return len;
    }
    const char *val = nlen ? dockerfile_var_lookup(s + nstart, nlen, vars, n_vars) : NULL;
    const char *op = s + i;
    size_t oplen = j - i;
    int colon = oplen && op[0] == ':';
    char kind = oplen > (size_t)colon ? op[colon] : 0;
    if (kind == '-' || kind == '+') {
        const char *word = op + colon + 1;
        size_t wlen = oplen - (size_t)colon - 1;
        int set = val && (!colon || *val);
        if (kind == '-') {
            if (set)
                df_text_addn(out, val, strlen(val));
            else
                expand_into(out, word, wlen, escape, vars, n_vars, depth + 1);
        } else if (set) {
            expand_into(out, word, wlen, escape, vars, n_vars, depth + 1);
        }
    } else if (val) {   /* ${VAR}, and forms we do not model (${VAR:?}, ${VAR#x}): the value */
        df_text_addn(out, val, strlen(val));
    }
    return j + 1;
}

static void expand_into(struct df_text *out, const char *s, size_t len, char escape, char *const *vars,
                        size_t n_vars, int depth)
{
    int squote = 0;
    for (size_t i = 0; i < len; i++) {
        if (out->len > DOCKERFILE_MAX_EXPANSION)
            return;
        char c = s[i];
        if (c == '\'' ) {
            squote = !squote;
            df_text_addc(out, c);
        } else if (!squote && c == escape && i + 1 < len && s[i + 1] == '$') {
            df_text_addc(out, '$');
            i++;
        } else if (!squote && c == '$' && i + 1 < len && s[i + 1] == '{' && depth < 8) {
            i += expand_braced(out, s + i + 1, len - i - 1, escape, vars, n_vars, depth);
        } else if (!squote && c == '$' && i + 1 < len && is_name_start((unsigned char)s[i + 1])) {
            size_t j = i + 1;
            while (j < len && is_name_char((unsigned char)s[j]))
                j++;
            const char *val = dockerfile_var_lookup(s + i + 1, j - i - 1, vars, n_vars);
            if (val)
                df_text_addn(out, val, strlen(val));
            i = j - 1;
        } else {
            df_text_addc(out, c);
        }
    }
}

char *dockerfile_expand(const char *s, char escape, char *const *vars, size_t n_vars)
{
    struct df_text b = {0};
    expand_into(&b, s, strlen(s), escape, vars, n_vars, 0);
    if (b.len > DOCKERFILE_MAX_EXPANSION) {
        b.len = DOCKERFILE_MAX_EXPANSION;
        b.s[b.len] = 0;
    }
    return df_text_take(&b);
}

/* ---- words: whitespace-separated, quotes grouped and removed, the escape character keeps the
 * next character */
void dockerfile_words_split(const char *s, char escape, char ***out, size_t *n)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    const char *p = s;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (!*p)
            break;
        struct df_text w = {0};
        char q = 0;
        for (; *p; p++) {
            if (q) {
                if (*p == q)
                    q = 0;
                else if (q == '"' && *p == escape && (p[1] == '"' || p[1] == escape))
                    df_text_addc(&w, *++p);
                else
                    df_text_addc(&w, *p);
            } else if (*p == '"' || *p == '\'') {
                q = *p;
            } else if (*p == escape && p[1]) {
                df_text_addc(&w, *++p);
            } else if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
                break;
            } else {
                df_text_addc(&w, *p);
            }
        }
        ARR_GROW(*out, cap, *n, 1);
        (*out)[(*n)++] = df_text_take(&w);
    }
}

void dockerfile_words_free(char **w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(w[i]);
    free(w);
}

/* ["a", "b"]: 1 and the strings when s is a JSON array of strings, else 0 (shell form; the
 * builders do the same with a malformed array). */
int dockerfile_exec_parse(const char *s, char ***argv, size_t *argc)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s != '[')
        return 0;
    json_error_t je;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &je);
    if (!json_is_array(j)) {
        json_decref(j);
        return 0;
    }
    size_t n = json_array_size(j);
    for (size_t i = 0; i < n; i++)
        if (!json_is_string(json_array_get(j, i))) {
            json_decref(j);
            return 0;
        }
    *argv = n ? xcalloc(n, sizeof **argv) : NULL;
    for (size_t i = 0; i < n; i++)
        (*argv)[i] = xstrdup(json_string_value(json_array_get(j, i)));
    *argc = n;
    json_decref(j);
    return 1;
}
