/* source_engine.c: an image from the Docker engine or Podman, as their `save` stream.
 *
 * Docker Engine API (v1.41 docs, "Export an image": GET /images/{name}/get returns a tarball in
 * `docker save` form; "Inspect an image": GET /images/{name}/json, 404 when missing). Podman serves
 * the same compatibility endpoints on its API socket (`podman system service`); without a socket
 * `podman image save` writes the same archive to a pipe. No image is ever pulled. */
#include "src/source.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/curl_api.h"
#include "src/sha256.h"

struct endpoint {
    char url[512];         /* base: "http://localhost" for a socket, "http://host:port" for tcp */
    char sock[512];        /* unix socket path, "" for tcp */
    char where[600];       /* for messages: "unix:///var/run/docker.sock" */
};

static int endpoint_from_host(struct endpoint *ep, const char *host)
{
    memset(ep, 0, sizeof *ep);
    snprintf(ep->where, sizeof ep->where, "%s", host);
    if (strncmp(host, "unix://", 7) == 0) {
        snprintf(ep->sock, sizeof ep->sock, "%s", host + 7);
        snprintf(ep->url, sizeof ep->url, "http://localhost");
        return 0;
    }
    if (strncmp(host, "tcp://", 6) == 0) {
        snprintf(ep->url, sizeof ep->url, "http://%s", host + 6);
        return 0;
    }
    return -1;
}

/* DOCKER_HOST, else the current context's endpoint (DOCKER_CONTEXT or currentContext in
 * ~/.docker/config.json; contexts live in ~/.docker/contexts/meta/<sha256 of the name>/meta.json,
 * as the docker CLI stores them), else the default socket. */
static int docker_endpoint(struct endpoint *ep, struct errbuf *e)
{
    const char *h = getenv("DOCKER_HOST");
    if (h && *h) {
        if (endpoint_from_host(ep, h) != 0) {
            errbuf_set(e, "DOCKER_HOST=%s: strata speaks to unix:// and tcp:// engines only", h);
            return -1;
        }
        return 0;
    }
    const char *home = getenv("HOME");
    char *ctx = NULL;
    const char *env_ctx = getenv("DOCKER_CONTEXT");
    const char *cfgdir = getenv("DOCKER_CONFIG");
    char dir[512];
    snprintf(dir, sizeof dir, "%s", cfgdir && *cfgdir ? cfgdir : "");
    if (!*dir && home)
        snprintf(dir, sizeof dir, "%s/.docker", home);
    if (env_ctx && *env_ctx) {
        ctx = xstrdup(env_ctx);
    } else if (*dir) {
        char p[600];
        snprintf(p, sizeof p, "%s/config.json", dir);
        char *txt = source_read_file(p, 1 << 20);
        json_t *j = txt ? json_loads(txt, 0, NULL) : NULL;
        const char *c = j ? json_string_value(json_object_get(j, "currentContext")) : NULL;
        if (c && *c)
            ctx = xstrdup(c);
        json_decref(j);
        free(txt);
    }
    if (ctx && strcmp(ctx, "default") != 0 && *dir) {
        struct sha256 s;
        char hex[65], p[800];
        sha256_init(&s);
        sha256_update(&s, ctx, strlen(ctx));
        sha256_hex(&s, hex);
        snprintf(p, sizeof p, "%s/contexts/meta/%s/meta.json", dir, hex);
        char *txt = source_read_file(p, 1 << 20);
        json_t *j = txt ? json_loads(txt, 0, NULL) : NULL;
        const char *host = j ? json_string_value(json_object_get(
                                   json_object_get(json_object_get(j, "Endpoints"), "docker"), "Host"))
                             : NULL;
        int rc = host ? endpoint_from_host(ep, host) : -1;
        if (rc != 0)
            errbuf_set(e, "docker context %s: no usable engine endpoint in %s", ctx, p);
        json_decref(j);
        free(txt);
        free(ctx);
        return rc;
    }
    free(ctx);
    endpoint_from_host(ep, "unix:///var/run/docker.sock");
    return 0;
}

/* CONTAINER_HOST, $XDG_RUNTIME_DIR/podman/podman.sock, /run/podman/podman.sock: the first that
 * exists; 1 when none does (then `podman image save`). */
static int podman_endpoint(struct endpoint *ep, struct errbuf *e)
{
    const char *h = getenv("CONTAINER_HOST");
    if (h && *h) {
        if (endpoint_from_host(ep, h) != 0) {
            errbuf_set(e, "CONTAINER_HOST=%s: strata speaks to unix:// and tcp:// engines only", h);
            return -1;
        }
        return 0;
    }
    char p[600];
    struct stat st;
    const char *rt = getenv("XDG_RUNTIME_DIR");
    if (rt && *rt) {
        snprintf(p, sizeof p, "unix://%s/podman/podman.sock", rt);
        if (stat(p + 7, &st) == 0 && S_ISSOCK(st.st_mode))
            return endpoint_from_host(ep, p);
    }
    if (stat("/run/podman/podman.sock", &st) == 0 && S_ISSOCK(st.st_mode))
        return endpoint_from_host(ep, "unix:///run/podman/podman.sock");
    return 1;
}

struct sink_fd {
    int fd;
    int failed;            /* write error: the reader went away */
    uint64_t bytes;
    char head[512];        /* the start of an error body, for the message */
    size_t head_len;
    int keep_head;
};

static size_t write_cb(char *p, size_t sz, size_t n, void *ud)
{
    struct sink_fd *s = ud;
    size_t len = sz * n;
    if (s->keep_head) {
        size_t k = len < sizeof s->head - 1 - s->head_len ? len : sizeof s->head - 1 - s->head_len;
        memcpy(s->head + s->head_len, p, k);
        s->head_len += k;
        s->head[s->head_len] = 0;
        return len;
    }
    if (util_write_all(s->fd, p, len) != 0) {
        s->failed = 1;
        return 0;
    }
    s->bytes += len;
    return len;
}

/* GET base+path; 2xx bodies go to out (or are dropped when out < 0). Returns the HTTP status, or
 * -1 with e set when the engine cannot be reached. */
static long engine_get(const struct endpoint *ep, const char *path, int out, struct sink_fd *sk,
                       struct errbuf *e)
{
    CURL *c = curl_easy_init();
    if (!c) {
        errbuf_set(e, "cannot start libcurl");
        return -1;
    }
    char url[1200];
    snprintf(url, sizeof url, "%s%s", ep->url, path);
    memset(sk, 0, sizeof *sk);
    sk->fd = out;
    sk->keep_head = out < 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (*ep->sock)
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, ep->sock);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, sk);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    CURLcode cr = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (cr != CURLE_OK && !(cr == CURLE_WRITE_ERROR && sk->failed)) {
        if (status == 0) {
            errbuf_set(e, "cannot reach the engine at %s: %s", ep->where, curl_easy_strerror(cr));
            return -1;
        }
        errbuf_set(e, "the engine at %s broke off the transfer: %s", ep->where, curl_easy_strerror(cr));
        return -2;
    }
    return status;
}

/* The engine's message ({"message":"No such image: x"}) without its JSON. */
static const char *engine_message(struct sink_fd *sk)
{
    json_t *j = json_loads(sk->head, 0, NULL);
    const char *m = j ? json_string_value(json_object_get(j, "message")) : NULL;
    if (m) {
        snprintf(sk->head, sizeof sk->head, "%s", m);
        sk->head_len = strlen(sk->head);
    }
    json_decref(j);
    for (char *p = sk->head; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return sk->head;
}

/* 0 streamed, 1 the image is not there (e says so), -1 the engine failed before any byte went
 * out, -2 it failed after (e says why). */
static int engine_stream(const struct endpoint *ep, const char *engine, const char *name, int out,
                         struct errbuf *e)
{
    char lib[256];
    if (curl_api_load(lib, sizeof lib) != 0) {   /* `podman image save` needs none */
        errbuf_set(e, "%s: the %s engine's API needs libcurl, which could not be opened: %s", name, engine, lib);
        return -1;
    }
    CURL *c = curl_easy_init();
    char *esc = c ? curl_easy_escape(c, name, 0) : NULL;
    if (c)
        curl_easy_cleanup(c);
    if (!esc) {
        errbuf_set(e, "cannot start libcurl");
        return -1;
    }
    char path[1100];
    struct sink_fd sk;
    snprintf(path, sizeof path, "/images/%s/json", esc);
    long st = engine_get(ep, path, -1, &sk, e);
    if (st < 0) {
        struct errbuf why = *e;
        errbuf_clear(e);
        errbuf_set(e, "%s: %s", name, why.msg);
    }
    if (st == 404) {
        errbuf_set(e, "%s: no such image in the %s engine at %s (strata never pulls; pull it first)",
                   name, engine, ep->where);
        curl_free(esc);
        return 1;
    }
    if (st != 200) {
        if (st > 0)
            errbuf_set(e, "%s: the %s engine at %s answered %ld: %s", name, engine, ep->where, st,
                       engine_message(&sk));
        curl_free(esc);
        return -1;
    }
    snprintf(path, sizeof path, "/images/%s/get", esc);
    curl_free(esc);
    st = engine_get(ep, path, out, &sk, e);
    if (st == 200 && !sk.failed)
        return 0;
    if (st > 0 && st != 200)
        errbuf_set(e, "%s: the %s engine at %s answered %ld to the export", name, engine, ep->where, st);
    return sk.bytes ? -2 : -1;   /* -2: bytes already went out, no other engine may follow */
}

/* No API socket: `podman image save` onto the pipe, after `podman image exists`. */
static int podman_cli(const char *name, int out, struct errbuf *e)
{
    pid_t pid = fork();
    if (pid == 0) {
        int dn = open("/dev/null", 1);
        if (dn >= 0) {
            dup2(dn, 1);
            dup2(dn, 2);
        }
        execlp("podman", "podman", "image", "exists", name, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) {
        errbuf_set(e, "%s: cannot run podman", name);
        return -1;
    }
    if (WEXITSTATUS(status) == 127) {
        errbuf_set(e, "%s: Podman has no API socket here and no podman command", name);
        return -1;
    }
    if (WEXITSTATUS(status) != 0) {
        errbuf_set(e, "%s: no such image in Podman (strata never pulls; pull it first)", name);
        return 1;
    }
    pid = fork();
    if (pid == 0) {
        dup2(out, 1);
        execlp("podman", "podman", "image", "save", "--format", "docker-archive", name, (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        errbuf_set(e, "%s: podman image save failed", name);
        return -1;
    }
    return 0;
}

static int podman_write(const char *name, int out, struct errbuf *e)
{
    struct endpoint ep;
    int r = podman_endpoint(&ep, e);
    if (r < 0)
        return -1;
    if (r == 1)
        return podman_cli(name, out, e);
    return engine_stream(&ep, "Podman", name, out, e);
}

int source_engine_write(const struct source_ref *ref, int out, struct errbuf *e)
{
    char why[256];
    int curl = curl_api_load(why, sizeof why) == 0;   /* else engine_stream says what is missing */
    if (curl)
        curl_global_init(CURL_GLOBAL_DEFAULT);
    struct endpoint ep;
    int r;
    if (ref->kind == SRC_PODMAN) {
        r = podman_write(ref->target, out, e);
    } else if (docker_endpoint(&ep, e) != 0) {
        r = -1;
    } else {
        r = engine_stream(&ep, "Docker", ref->target, out, e);
        /* a bare name: the Docker engine first, then Podman; say both were asked */
        if ((r == 1 || r == -1) && ref->kind == SRC_ENGINE) {
            struct errbuf d = *e, p = {0};
            int pr = podman_write(ref->target, out, &p);
            if (pr == 0) {
                r = 0;
            } else {
                errbuf_clear(e);
                errbuf_set(e, "%s: not a file, and not an image the engines have: Docker: %s; Podman: %s",
                           ref->target, d.msg, p.msg);
            }
        }
    }
    if (curl)
        curl_global_cleanup();
    return r == 0 ? 0 : -1;
}
