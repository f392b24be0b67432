/* history.c: the config's created_by texts as the Dockerfile lines people wrote.
 * Dialects (formats.md): classic builder "/bin/sh -c #(nop)  CMD [..]" (two spaces) and
 * "/bin/sh -c apt-get …" for RUN; buildah the same with one space; BuildKit
 * "RUN /bin/sh -c … # buildkit", "COPY … # buildkit", and build args as "RUN |2 A=1 B=2 /bin/sh -c …";
 * kaniko writes the instruction itself. The classic builder and buildah write a RUN with build
 * arguments as "|2 A=1 B=2 /bin/sh -c cmd" (no RUN); BuildKit writes EXPOSE as Go prints its port
 * set, "EXPOSE map[8000/tcp:{} 53/udp:{}]". */
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

/* "EXPOSE map[8000/tcp:{} 53/udp:{}]" -> "EXPOSE 8000/tcp 53/udp"; NULL when s is not that. */
static char *expose_map(const char *s)
{
    if (!starts(s, "EXPOSE map["))
        return NULL;
    const char *p = s + 11, *end = strrchr(p, ']');
    if (!end)
        return NULL;
    char *out = xstrdup("EXPOSE");
    while (p < end) {
        while (p < end && *p == ' ')
            p++;
        const char *q = p;
        while (q < end && *q != ':' && *q != ' ')
            q++;
        if (q > p) {
            char *t = xasprintf("%s %.*s", out, (int)(q - p), p);
            free(out);
            out = t;
        }
        /* past the ":{}" of the port's empty struct */
        p = q;
        while (p < end && *p != ' ')
            p++;
    }
    return out;
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
    } else if (*p == '|') {
        /* the classic builder's and buildah's RUN with build arguments */
        const char *q = skip_build_args(p);
        if (q != p && starts(q, "/bin/sh -c ")) {
            out = xasprintf("RUN %s", skip_ws(q + 11));
            free(t);
            goto trim;
        }
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
trim:;
    /* BuildKit's port set, and the classic builder's where it printed one */
    char *ex = expose_map(out);
    if (ex) {
        free(out);
        out = ex;
    }
    /* trailing blanks (classic ADD lines end with a space) */
    size_t n = strlen(out);
    while (n && (out[n - 1] == ' ' || out[n - 1] == '\n'))
        out[--n] = 0;
    return out;
}
