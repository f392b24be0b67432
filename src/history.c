/* history.c: the config's created_by texts as the Dockerfile lines people wrote.
 * Dialects (formats.md): classic builder "/bin/sh -c #(nop)  CMD [..]" (two spaces) and
 * "/bin/sh -c apt-get …" for RUN; buildah the same with one space; BuildKit
 * "RUN /bin/sh -c … # buildkit", "COPY … # buildkit", and build args as "RUN |2 A=1 B=2 /bin/sh -c …";
 * kaniko writes the instruction itself. */
#include "src/image.h"

#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static int starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

/* "|2 A=1 B=2 /bin/sh -c cmd": the count says how many NAME=value words follow. */
static const char *skip_build_args(const char *s)
{
    if (*s != '|')
        return s;
    char *end;
    long n = strtol(s + 1, &end, 10);
    if (end == s + 1 || n < 0)
        return s;
    s = skip_ws(end);
    for (long i = 0; i < n && *s; i++) {
        /* values may not contain spaces in this form; take the word */
        while (*s && *s != ' ')
            s++;
        s = skip_ws(s);
    }
    return s;
}

char *history_instruction(const char *cb)
{
    if (!cb || !*cb)
        return xstrdup("");
    const char *s = skip_ws(cb);
    size_t len = strlen(s);
    /* BuildKit suffix */
    const char *suffix = " # buildkit";
    size_t sl = strlen(suffix);
    if (len >= sl && strcmp(s + len - sl, suffix) == 0)
        len -= sl;
    char *t = xstrndup(s, len);
    char *out;
    const char *p = t;
    if (starts(p, "RUN ")) {
        p = skip_ws(p + 4);
        p = skip_build_args(p);
    }
    if (starts(p, "/bin/sh -c ")) {
        p = skip_ws(p + 11);
        if (starts(p, "#(nop)"))
            out = xstrdup(skip_ws(p + 6));
        else
            out = xasprintf("RUN %s", p);
    } else if (p != t) {
        /* RUN whose command is not a shell form (exec form after build args) */
        out = xasprintf("RUN %s", p);
    } else {
        out = xstrdup(p);
    }
    free(t);
    /* trailing blanks (classic ADD lines end with a space) */
    size_t n = strlen(out);
    while (n && (out[n - 1] == ' ' || out[n - 1] == '\n'))
        out[--n] = 0;
    return out;
}
