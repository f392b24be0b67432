/* registry_creds.c: where a registry's user name and password come from, in the order docker and
 * podman look: $REGISTRY_AUTH_FILE, then DOCKER_CONFIG/config.json or ~/.docker/config.json
 * ("auths" entries, then credHelpers for the host, then credsStore, both through
 * `docker-credential-<helper> get` with the host on stdin), then $XDG_RUNTIME_DIR/containers/auth.json. */
#include "src/registry.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/source.h"

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

static char *b64dec(const char *s)
{
    size_t n = strlen(s);
    char *o = xmalloc(n + 1), *q = o;
    unsigned acc = 0;
    int bits = 0;
    for (; *s; s++) {
        int v = b64val((unsigned char)*s);
        if (v < 0)
            continue;
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *q++ = (char)(acc >> bits & 0xff);
        }
    }
    *q = 0;
    return o;
}

/* docker-credential-<helper> get, with the host on stdin; {"Username":…,"Secret":…} back. */
static int cred_helper(struct reg *g, const char *helper)
{
    int in[2], out[2];
    if (pipe(in) || pipe(out))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        char prog[300];
        snprintf(prog, sizeof prog, "docker-credential-%s", helper);
        execlp(prog, prog, "get", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    if (pid < 0) {
        close(in[1]);
        close(out[0]);
        return -1;
    }
    ssize_t w = write(in[1], g->host, strlen(g->host));
    (void)w;
    close(in[1]);
    char buf[8192];
    size_t got = 0;
    ssize_t k;
    while (got < sizeof buf - 1 && (k = read(out[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)k;
    buf[got] = 0;
    close(out[0]);
    int st;
    waitpid(pid, &st, 0);
    json_t *j = json_loads(buf, 0, NULL);
    const char *u = j ? json_string_value(json_object_get(j, "Username")) : NULL;
    const char *s = j ? json_string_value(json_object_get(j, "Secret")) : NULL;
    int rc = -1;
    if (u && s && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        g->user = xstrdup(u);
        g->pass = xstrdup(s);
        rc = 0;
    }
    json_decref(j);
    return rc;
}

static int creds_from(struct reg *g, const char *path)
{
    char *txt = source_read_file(path, 1 << 20);
    json_t *j = txt ? json_loads(txt, 0, NULL) : NULL;
    free(txt);
    if (!j)
        return -1;
    int rc = -1;
    const char *helper = json_string_value(json_object_get(json_object_get(j, "credHelpers"), g->host));
    json_t *auths = json_object_get(j, "auths");
    const char *key;
    json_t *v;
    json_object_foreach(auths, key, v) {
        /* keys are "host", "https://host" or "https://host/v1/" */
        const char *k = key;
        if (strncmp(k, "https://", 8) == 0) k += 8;
        else if (strncmp(k, "http://", 7) == 0) k += 7;
        size_t n = strlen(g->host);
        if (strncmp(k, g->host, n) != 0 || (k[n] && k[n] != '/'))
            continue;
        const char *a = json_string_value(json_object_get(v, "auth"));
        if (a && *a) {
            char *d = b64dec(a), *c = strchr(d, ':');
            if (c) {
                *c = 0;
                g->user = xstrdup(d);
                g->pass = xstrdup(c + 1);
                rc = 0;
            }
            free(d);
            break;
        }
    }
    if (rc != 0 && helper)
        rc = cred_helper(g, helper);
    const char *store = json_string_value(json_object_get(j, "credsStore"));
    if (rc != 0 && store && *store)
        rc = cred_helper(g, store);
    json_decref(j);
    return rc;
}

void registry_creds_find(struct reg *g)
{
    char p[700];
    const char *rt = getenv("XDG_RUNTIME_DIR"), *cfg = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
    const char *authfile = getenv("REGISTRY_AUTH_FILE");
    if (authfile && *authfile && creds_from(g, authfile) == 0)
        return;
    if (cfg && *cfg) {
        snprintf(p, sizeof p, "%s/config.json", cfg);
        if (creds_from(g, p) == 0)
            return;
    } else if (home) {
        snprintf(p, sizeof p, "%s/.docker/config.json", home);
        if (creds_from(g, p) == 0)
            return;
    }
    if (rt && *rt) {
        snprintf(p, sizeof p, "%s/containers/auth.json", rt);
        creds_from(g, p);
    }
}

