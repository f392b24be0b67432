/* source_registry.c: an image straight from a registry, over the OCI distribution API
 * (distribution-spec v1.1: GET /v2/<name>/manifests/<reference>, GET /v2/<name>/blobs/<digest>),
 * written to the reader as an OCI image layout in tar form: oci-layout, index.json, then the
 * manifest, config and layer blobs, each streamed once and checked against its digest as it passes.
 *
 * Auth follows the registry's WWW-Authenticate challenge (RFC 6750 Bearer with realm, service and
 * scope, as Docker's token spec describes; RFC 7617 Basic), with credentials from
 * ~/.docker/config.json and $XDG_RUNTIME_DIR/containers/auth.json ("auths" entries, credsStore and
 * credHelpers through docker-credential-<helper> get). Plain HTTP only for loopback hosts. */
#include "src/source.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "src/sha256.h"

#define MANIFEST_MAX (4u << 20)      /* the distribution spec suggests 4 MiB for manifests */
#define TRIES 5

static const char *ACCEPT =
    "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

struct reg {
    char host[256];        /* as given, with port */
    char repo[512];
    char ref[300];         /* tag or digest */
    char scheme[8];        /* "https" or "http" */
    int loopback, tls_no_verify;
    char *user, *pass;     /* basic credentials, NULL if none */
    char *auth;            /* "Authorization: ..." header once earned */
    const char *platform;
    int out;
    struct errbuf *e;
};

/* ------------------------------------------------------------------ credentials */

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

static void creds_find(struct reg *g)
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

/* ------------------------------------------------------------------ HTTP */

struct resp {
    char *body; size_t len, cap, max;   /* kept bodies (manifests, tokens, errors) */
    char challenge[1024];              /* WWW-Authenticate */
    char ctype[200];
    /* streamed bodies: */
    int stream;
    struct sha256 *hash;
    uint64_t got;
    int write_failed;
    int out;
};

static size_t hdr_cb(char *p, size_t sz, size_t n, void *ud)
{
    struct resp *r = ud;
    size_t len = sz * n;
    char line[1100];
    size_t k = len < sizeof line - 1 ? len : sizeof line - 1;
    memcpy(line, p, k);
    line[k] = 0;
    while (k && (line[k - 1] == '\r' || line[k - 1] == '\n'))
        line[--k] = 0;
    if (strncasecmp(line, "HTTP/", 5) == 0) {          /* a new response (redirect): reset */
        r->challenge[0] = r->ctype[0] = 0;
    } else if (strncasecmp(line, "www-authenticate:", 17) == 0) {
        const char *v = line + 17;
        while (*v == ' ')
            v++;
        snprintf(r->challenge, sizeof r->challenge, "%.1000s", v);
    } else if (strncasecmp(line, "content-type:", 13) == 0) {
        const char *v = line + 13;
        while (*v == ' ')
            v++;
        snprintf(r->ctype, sizeof r->ctype, "%.190s", v);
    }
    return len;
}

static size_t body_cb(char *p, size_t sz, size_t n, void *ud)
{
    struct resp *r = ud;
    size_t len = sz * n;
    if (r->stream) {
        sha256_update(r->hash, p, len);
        if (util_write_all(r->out, p, len) != 0) {
            r->write_failed = 1;
            return 0;
        }
        r->got += len;
        return len;
    }
    if (r->len + len > r->max)
        return 0;      /* too big to keep: the transfer fails, the caller says so */
    if (r->len + len + 1 > r->cap) {
        r->cap = (r->len + len + 1) * 2;
        r->body = xrealloc(r->body, r->cap);
    }
    memcpy(r->body + r->len, p, len);
    r->len += len;
    r->body[r->len] = 0;
    return len;
}

static void resp_reset(struct resp *r)
{
    free(r->body);
    r->body = NULL;
    r->len = r->cap = 0;
    r->challenge[0] = r->ctype[0] = 0;
}

/* One request. Returns the HTTP status, or 0 with *cr set when no answer came. */
static long http_get(struct reg *g, const char *url, const char *accept, uint64_t from,
                     const char *basic_user, const char *basic_pass, struct resp *r, CURLcode *cr)
{
    CURL *c = curl_easy_init();
    if (!c) {
        *cr = CURLE_FAILED_INIT;
        return 0;
    }
    struct curl_slist *h = NULL;
    if (accept)
        h = curl_slist_append(h, accept);
    if (g->auth && !basic_user)
        h = curl_slist_append(h, g->auth);
    char range[64];
    if (from) {
        snprintf(range, sizeof range, "%llu-", (unsigned long long)from);
        curl_easy_setopt(c, CURLOPT_RANGE, range);
    }
    if (basic_user) {
        curl_easy_setopt(c, CURLOPT_USERNAME, basic_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, basic_pass ? basic_pass : "");
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, hdr_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    /* Blob GETs are redirected to storage. libcurl (since 7.58) does not send a custom
     * Authorization header, nor the basic credentials, to another host on a redirect. */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, g->loopback ? "http,https" : "https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, g->loopback ? "http,https" : "https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
    /* a stalled transfer (under 1 kB/s for 60 s) is broken: it is resumed */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "strata");
    const char *ca = getenv("SSL_CERT_FILE");
    if (ca && *ca)
        curl_easy_setopt(c, CURLOPT_CAINFO, ca);
    if (g->tls_no_verify) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    *cr = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    return status;
}

/* Value of key="…" (or key=token) in a challenge; "" if absent. */
static void chal_param(const char *ch, const char *key, char *out, size_t n)
{
    out[0] = 0;
    size_t kl = strlen(key);
    for (const char *p = ch; (p = strcasestr(p, key)) != NULL; p += kl) {
        if ((p != ch && isalnum((unsigned char)p[-1])) || p[kl] != '=')
            continue;
        const char *v = p + kl + 1;
        size_t i = 0;
        if (*v == '"') {
            for (v++; *v && *v != '"' && i + 1 < n; v++)
                out[i++] = *v;
        } else {
            for (; *v && *v != ',' && *v != ' ' && i + 1 < n; v++)
                out[i++] = *v;
        }
        out[i] = 0;
        return;
    }
}

/* Answers a 401's challenge: a bearer token from the realm (with the basic credentials if any),
 * or basic auth. 0 when there is something new to try. */
static int authenticate(struct reg *g, const char *challenge)
{
    if (strncasecmp(challenge, "Bearer", 6) == 0) {
        char realm[600], service[300], scope[600];
        chal_param(challenge, "realm", realm, sizeof realm);
        chal_param(challenge, "service", service, sizeof service);
        chal_param(challenge, "scope", scope, sizeof scope);
        if (!*realm) {
            errbuf_set(g->e, "%s: the registry asks for a token but names no realm", g->host);
            return -1;
        }
        if (!*scope)
            snprintf(scope, sizeof scope, "repository:%s:pull", g->repo);
        CURL *c = curl_easy_init();
        char *es = curl_easy_escape(c, service, 0), *esc = curl_easy_escape(c, scope, 0);
        char url[2000];
        snprintf(url, sizeof url, "%s%sservice=%s&scope=%s", realm, strchr(realm, '?') ? "&" : "?", es, esc);
        curl_free(es);
        curl_free(esc);
        curl_easy_cleanup(c);
        struct resp r = {.max = 1 << 20};
        CURLcode cr;
        char *keep = g->auth;
        g->auth = NULL;
        long st = http_get(g, url, NULL, 0, g->user, g->pass, &r, &cr);
        g->auth = keep;
        if (st != 200) {
            if (st == 401 || st == 403)
                errbuf_set(g->e, "%s: the token service %s refused %s (%ld)", g->host, realm,
                           g->user ? "the credentials" : "an anonymous pull", st);
            else if (st)
                errbuf_set(g->e, "%s: the token service %s answered %ld", g->host, realm, st);
            else
                errbuf_set(g->e, "%s: cannot reach the token service %s: %s", g->host, realm, curl_easy_strerror(cr));
            resp_reset(&r);
            return -1;
        }
        json_t *j = r.body ? json_loads(r.body, 0, NULL) : NULL;
        const char *tok = j ? json_string_value(json_object_get(j, "token")) : NULL;
        if (!tok && j)
            tok = json_string_value(json_object_get(j, "access_token"));
        int rc = -1;
        if (tok && *tok) {
            free(g->auth);
            g->auth = xasprintf("Authorization: Bearer %s", tok);
            rc = 0;
        } else {
            errbuf_set(g->e, "%s: the token service %s gave no token", g->host, realm);
        }
        json_decref(j);
        resp_reset(&r);
        return rc;
    }
    if (strncasecmp(challenge, "Basic", 5) == 0) {
        if (!g->user) {
            errbuf_set(g->e, "%s: the registry wants a user name and password, and none is stored for it "
                       "(docker login / podman login)", g->host);
            return -1;
        }
        if (g->auth) {
            errbuf_set(g->e, "%s: the registry refused the stored credentials", g->host);
            return -1;
        }
        char *up = xasprintf("%s:%s", g->user, g->pass);
        /* base64 of user:pass */
        static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t n = strlen(up);
        char *b = xmalloc(4 * (n / 3 + 2) + 1), *q = b;
        for (size_t i = 0; i < n; i += 3) {
            unsigned v = (unsigned char)up[i] << 16 | (i + 1 < n ? (unsigned char)up[i + 1] << 8 : 0) |
                         (i + 2 < n ? (unsigned char)up[i + 2] : 0);
            *q++ = t[v >> 18 & 63];
            *q++ = t[v >> 12 & 63];
            *q++ = i + 1 < n ? t[v >> 6 & 63] : '=';
            *q++ = i + 2 < n ? t[v & 63] : '=';
        }
        *q = 0;
        free(g->auth);
        g->auth = xasprintf("Authorization: Basic %s", b);
        free(b);
        free(up);
        return 0;
    }
    errbuf_set(g->e, "%s: the registry asks for an authentication strata does not speak: %.80s", g->host, challenge);
    return -1;
}

static void backoff(int attempt)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = 250000000L};
    for (int i = 0; i < attempt && ts.tv_sec < 2; i++) {   /* 0.25 s doubling, at most 2-4 s */
        ts.tv_nsec *= 2;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec += ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
        }
    }
    nanosleep(&ts, NULL);
}

static const char *what_status(long st)
{
    switch (st) {
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not found";
    case 429: return "too many requests";
    default: return st >= 500 ? "server error" : "unexpected answer";
    }
}

/* GET path under /v2/ into memory (manifests), with auth, retries on 429/5xx and on dropped
 * connections. Returns 0 with r filled, -1 with g->e set. */
static int reg_fetch(struct reg *g, const char *path, const char *accept, struct resp *r, const char *what)
{
    char url[1500];
    int authed = 0;
    for (int attempt = 0; attempt < TRIES; attempt++) {
        snprintf(url, sizeof url, "%s://%s/v2/%s", g->scheme, g->host, path);
        resp_reset(r);
        CURLcode cr;
        long st = http_get(g, url, accept, 0, NULL, NULL, r, &cr);
        if (st == 0 && g->loopback && strcmp(g->scheme, "https") == 0 &&
            (cr == CURLE_SSL_CONNECT_ERROR || cr == CURLE_UNSUPPORTED_PROTOCOL)) {
            snprintf(g->scheme, sizeof g->scheme, "http");   /* a loopback registry without TLS */
            attempt--;
            continue;
        }
        if (st == 200)
            return 0;
        if (st == 401 && authed < 2 && *r->challenge) {
            if (authenticate(g, r->challenge) != 0)
                return -1;
            authed++;
            attempt--;
            continue;
        }
        if (st == 429 || st >= 500 || (st == 0 && cr != CURLE_SSL_CACERT && cr != CURLE_PEER_FAILED_VERIFICATION &&
                                      cr != CURLE_COULDNT_RESOLVE_HOST && cr != CURLE_WRITE_ERROR &&
                                      cr != CURLE_UNSUPPORTED_PROTOCOL)) {
            if (attempt + 1 < TRIES) {
                backoff(attempt);
                continue;
            }
        }
        if (st == 0 && cr == CURLE_WRITE_ERROR)
            errbuf_set(g->e, "%s/%s: the %s is larger than %u MiB", g->host, g->repo, what, MANIFEST_MAX >> 20);
        else if (st == 0)
            errbuf_set(g->e, "%s: cannot reach the registry: %s", g->host, curl_easy_strerror(cr));
        else if (st == 401 || st == 403)
            errbuf_set(g->e, "%s/%s: %s: the registry said %ld (%s)%s", g->host, g->repo, what, st, what_status(st),
                       g->user ? ": check the stored credentials" : ": no credentials stored for it");
        else
            errbuf_set(g->e, "%s/%s:%s: %s: the registry said %ld (%s)", g->host, g->repo, g->ref, what, st,
                       what_status(st));
        return -1;
    }
    return -1;
}

/* ------------------------------------------------------------------ tar out */

static int out_all(struct reg *g, const void *p, size_t n)
{
    if (util_write_all(g->out, p, n) == 0)
        return 0;
    errbuf_set(g->e, "%s: the reader stopped", g->host);
    return -1;
}

/* A ustar header; sizes from 8 GiB on in base-256 (GNU), which libarchive reads. */
static int tar_header(struct reg *g, const char *name, uint64_t size)
{
    unsigned char h[512];
    memset(h, 0, sizeof h);
    snprintf((char *)h, 100, "%s", name);
    memcpy(h + 100, "0000644", 8);
    memcpy(h + 108, "0000000", 8);
    memcpy(h + 116, "0000000", 8);
    if (size < (1ULL << 33)) {
        snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
    } else {
        h[124] = 0x80;
        for (int i = 0; i < 8; i++)
            h[135 - i] = (unsigned char)(size >> (8 * i));
    }
    memcpy(h + 136, "00000000000", 12);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    return out_all(g, h, sizeof h);
}

static int tar_pad(struct reg *g, uint64_t size)
{
    static const unsigned char zero[512];
    size_t pad = (size_t)((512 - size % 512) % 512);
    return pad ? out_all(g, zero, pad) : 0;
}

static int tar_mem(struct reg *g, const char *name, const char *data, size_t n)
{
    if (tar_header(g, name, n) || out_all(g, data, n) || tar_pad(g, n))
        return -1;
    return 0;
}

static int digest_hex(const char *digest, char hex[65])
{
    if (strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 71)
        return -1;
    for (int i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)digest[7 + i]) || isupper((unsigned char)digest[7 + i]))
            return -1;
    memcpy(hex, digest + 7, 64);
    hex[64] = 0;
    return 0;
}

static int check_mem_digest(struct reg *g, const char *digest, const char *data, size_t n, const char *what)
{
    char want[65], got[65];
    if (digest_hex(digest, want) != 0) {
        errbuf_set(g->e, "%s/%s: %s digest %.80s is not a sha256 digest", g->host, g->repo, what, digest);
        return -1;
    }
    struct sha256 h;
    sha256_init(&h);
    sha256_update(&h, data, n);
    sha256_hex(&h, got);
    if (strcmp(want, got) != 0) {
        errbuf_set(g->e, "%s/%s: %s %s: the bytes served hash to sha256:%.12s…", g->host, g->repo, what, digest, got);
        return -1;
    }
    return 0;
}

/* Streams one blob into the tar, resuming a broken transfer with Range, checking size and
 * digest as it passes. */
static int blob_stream(struct reg *g, const char *digest, uint64_t size, const char *what)
{
    char hex[65], name[100], path[1000], url[1500];
    if (digest_hex(digest, hex) != 0) {
        errbuf_set(g->e, "%s/%s: %s digest %.80s is not a sha256 digest", g->host, g->repo, what, digest);
        return -1;
    }
    snprintf(name, sizeof name, "blobs/sha256/%s", hex);
    if (tar_header(g, name, size) != 0)
        return -1;
    struct sha256 h;
    sha256_init(&h);
    struct resp r = {.stream = 1, .hash = &h, .out = g->out, .max = 1 << 16};
    snprintf(path, sizeof path, "%s/blobs/%s", g->repo, digest);
    int authed = 0;
    for (int attempt = 0; r.got < size || (size == 0 && attempt == 0); attempt++) {
        if (attempt >= TRIES + 2) {
            errbuf_set(g->e, "%s/%s: %s %.19s…: the transfer broke off at %llu of %llu bytes, %d times",
                       g->host, g->repo, what, digest, (unsigned long long)r.got, (unsigned long long)size, TRIES);
            return -1;
        }
        snprintf(url, sizeof url, "%s://%s/v2/%s", g->scheme, g->host, path);
        CURLcode cr;
        uint64_t before = r.got;
        long st = http_get(g, url, NULL, r.got, NULL, NULL, &r, &cr);
        if (r.write_failed) {
            errbuf_set(g->e, "%s: the reader stopped", g->host);
            return -1;
        }
        if (st == 401 && authed < 2 && *r.challenge && r.got == before) {
            if (authenticate(g, r.challenge) != 0)
                return -1;
            authed++;
            continue;
        }
        if (before && st == 200 && r.got > before) {
            /* asked for a range, got the whole blob again: the stream is now wrong */
            errbuf_set(g->e, "%s/%s: %s %.19s…: the registry ignored a resume request", g->host, g->repo, what, digest);
            return -1;
        }
        if ((st == 200 || st == 206) && cr == CURLE_OK)
            break;
        if (st == 404) {
            errbuf_set(g->e, "%s/%s: %s %.19s… is not in the registry (404)", g->host, g->repo, what, digest);
            return -1;
        }
        if ((st && st != 200 && st != 206 && st != 429 && st < 500) || cr == CURLE_PEER_FAILED_VERIFICATION ||
            cr == CURLE_SSL_CACERT) {
            errbuf_set(g->e, "%s/%s: %s %.19s…: %s", g->host, g->repo, what, digest,
                       st ? what_status(st) : curl_easy_strerror(cr));
            return -1;
        }
        if (r.got > size)
            break;
        if (r.got == before)
            backoff(attempt);
        /* else: progress was made; resume at once from r.got */
    }
    if (r.got != size) {
        errbuf_set(g->e, "%s/%s: %s %.19s…: %llu bytes served, the manifest says %llu", g->host, g->repo, what,
                   digest, (unsigned long long)r.got, (unsigned long long)size);
        return -1;
    }
    char got[65];
    sha256_hex(&h, got);
    if (strcmp(got, hex) != 0) {
        errbuf_set(g->e, "%s/%s: %s %s: the bytes served hash to sha256:%.12s…, not its digest", g->host, g->repo,
                   what, digest, got);
        return -1;
    }
    return tar_pad(g, size);
}

/* ------------------------------------------------------------------ manifests */

static const char *jstr_or(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static const char *host_arch(void)
{
    struct utsname u;
    static char arch[32];
    if (uname(&u) != 0)
        return "amd64";
    if (!strcmp(u.machine, "x86_64")) return "amd64";
    if (!strcmp(u.machine, "aarch64")) return "arm64";
    snprintf(arch, sizeof arch, "%.31s", u.machine);
    return arch;
}

static int plat_match(const char *want, json_t *p)
{
    const char *os = json_string_value(json_object_get(p, "os"));
    const char *ar = json_string_value(json_object_get(p, "architecture"));
    const char *va = json_string_value(json_object_get(p, "variant"));
    char w[200];
    snprintf(w, sizeof w, "%s", want);
    char *wos = w, *war = strchr(w, '/'), *wva = NULL;
    if (!war)
        return 0;
    *war++ = 0;
    if ((wva = strchr(war, '/')) != NULL)
        *wva++ = 0;
    if (!os || !ar || strcmp(os, wos) || strcmp(ar, war))
        return 0;
    return !wva || (va && !strcmp(va, wva));
}

static int is_index(const char *mt, json_t *j)
{
    if (mt && (strstr(mt, "image.index") || strstr(mt, "manifest.list")))
        return 1;
    return json_object_get(j, "manifests") != NULL && json_object_get(j, "layers") == NULL;
}

/* Picks a manifest descriptor from an index: --platform, else the host's linux platform,
 * else the first that is not an attestation. */
static json_t *pick(struct reg *g, json_t *idx)
{
    json_t *ms = json_object_get(idx, "manifests");
    char want[100];
    snprintf(want, sizeof want, "%s", g->platform ? g->platform : "");
    if (!*want)
        snprintf(want, sizeof want, "linux/%s", host_arch());
    size_t i;
    json_t *d, *first = NULL;
    json_array_foreach(ms, i, d) {
        json_t *p = json_object_get(d, "platform");
        const char *ref = json_string_value(json_object_get(json_object_get(d, "annotations"),
                                                            "vnd.docker.reference.type"));
        if (ref && !strcmp(ref, "attestation-manifest"))
            continue;
        if (!first)
            first = d;
        if (p && plat_match(want, p))
            return d;
    }
    if (!g->platform && first)
        return first;
    char list[600] = "";
    json_array_foreach(ms, i, d) {
        json_t *p = json_object_get(d, "platform");
        const char *os = json_string_value(json_object_get(p, "os"));
        const char *ar = json_string_value(json_object_get(p, "architecture"));
        const char *va = json_string_value(json_object_get(p, "variant"));
        if (!os || !ar || (strcmp(os, "unknown") == 0))
            continue;
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%s/%s%s%s", l ? ", " : "", os, ar, va ? "/" : "", va ? va : "");
    }
    errbuf_set(g->e, "%s/%s:%s: no image for platform %s (has: %s)", g->host, g->repo, g->ref, want,
               *list ? list : "none with a platform");
    return NULL;
}

/* The host as people write it: Docker Hub's API host is docker.io to them. */
static const char *refhost(const struct reg *g)
{
    return strcmp(g->host, "registry-1.docker.io") == 0 ? "docker.io" : g->host;
}

static int parse_ref(struct reg *g, const char *s)
{
    const char *slash = strchr(s, '/');
    const char *rest = s;
    if (slash && (memchr(s, '.', (size_t)(slash - s)) || memchr(s, ':', (size_t)(slash - s)) ||
                  (slash - s == 9 && !strncmp(s, "localhost", 9)))) {
        snprintf(g->host, sizeof g->host, "%.*s", (int)(slash - s), s);
        rest = slash + 1;
    } else {
        snprintf(g->host, sizeof g->host, "registry-1.docker.io");   /* Docker Hub's API host */
    }
    if (!strcmp(g->host, "docker.io") || !strcmp(g->host, "index.docker.io"))
        snprintf(g->host, sizeof g->host, "registry-1.docker.io");
    const char *at = strchr(rest, '@');
    size_t nlen;
    if (at) {
        snprintf(g->ref, sizeof g->ref, "%s", at + 1);
        nlen = (size_t)(at - rest);
    } else {
        const char *colon = strrchr(rest, ':');
        if (colon && !strchr(colon, '/')) {
            snprintf(g->ref, sizeof g->ref, "%s", colon + 1);
            nlen = (size_t)(colon - rest);
        } else {
            snprintf(g->ref, sizeof g->ref, "latest");
            nlen = strlen(rest);
        }
    }
    if (nlen == 0 || nlen >= sizeof g->repo || !*g->ref)
        return -1;
    if (!strcmp(g->host, "registry-1.docker.io") && !memchr(rest, '/', nlen))
        snprintf(g->repo, sizeof g->repo, "library/%.*s", (int)nlen, rest);
    else
        snprintf(g->repo, sizeof g->repo, "%.*s", (int)nlen, rest);
    for (const char *p = g->repo; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || strchr("._-/", *p)))
            return -1;
    char hostname[256];
    snprintf(hostname, sizeof hostname, "%s", g->host);
    char *port = hostname[0] == '[' ? strstr(hostname, "]:") : strrchr(hostname, ':');
    if (port)
        *(hostname[0] == '[' ? port + 1 : port) = 0;
    g->loopback = !strcmp(hostname, "localhost") || !strncmp(hostname, "127.", 4) || !strcmp(hostname, "[::1]");
    snprintf(g->scheme, sizeof g->scheme, "https");
    return 0;
}

int source_registry_write(const char *refstr, const struct source_opts *o, int out, struct errbuf *e)
{
    struct reg g = {.out = out, .e = e, .platform = o ? o->platform : NULL,
                    .tls_no_verify = o ? o->tls_no_verify : 0};
    if (parse_ref(&g, refstr) != 0) {
        errbuf_set(e, "docker://%s: not a registry reference (HOST/REPO[:TAG|@DIGEST])", refstr);
        return -1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    creds_find(&g);
    int rc = -1;
    struct resp r = {.max = MANIFEST_MAX};
    json_t *top = NULL, *man = NULL;
    char *man_body = NULL;
    size_t man_len = 0;
    char path[1000], man_digest[100] = "", man_type[200] = "";
    snprintf(path, sizeof path, "%s/manifests/%s", g.repo, g.ref);
    if (reg_fetch(&g, path, ACCEPT, &r, "manifest") != 0)
        goto out;
    if (!strncmp(g.ref, "sha256:", 7) && check_mem_digest(&g, g.ref, r.body, r.len, "manifest") != 0)
        goto out;
    top = json_loadb(r.body, r.len, 0, NULL);
    if (!top || !json_is_object(top)) {
        errbuf_set(e, "%s/%s:%s: the manifest is not JSON", g.host, g.repo, g.ref);
        goto out;
    }
    if (json_integer_value(json_object_get(top, "schemaVersion")) == 1) {
        errbuf_set(e, "%s/%s:%s: Docker schema 1 manifests are not supported (deprecated since 2017; "
                   "push it again with a current client)", g.host, g.repo, g.ref);
        goto out;
    }
    json_t *pdesc = NULL;
    if (is_index(r.ctype, top)) {
        json_t *d = pick(&g, top);
        if (!d)
            goto out;
        const char *dg = json_string_value(json_object_get(d, "digest"));
        if (!dg) {
            errbuf_set(e, "%s/%s:%s: an index entry without a digest", g.host, g.repo, g.ref);
            goto out;
        }
        snprintf(man_digest, sizeof man_digest, "%s", dg);
        pdesc = json_object_get(d, "platform");
        json_incref(pdesc);
        snprintf(path, sizeof path, "%s/manifests/%s", g.repo, dg);
        struct resp r2 = {.max = MANIFEST_MAX};
        if (reg_fetch(&g, path, ACCEPT, &r2, "manifest") != 0 ||
            check_mem_digest(&g, dg, r2.body, r2.len, "manifest") != 0) {
            resp_reset(&r2);
            json_decref(pdesc);
            goto out;
        }
        snprintf(man_type, sizeof man_type, "%s", r2.ctype);
        man_body = r2.body;
        man_len = r2.len;
        man = json_loadb(man_body, man_len, 0, NULL);
        if (man && is_index(r2.ctype, man)) {
            errbuf_set(e, "%s/%s:%s: an index inside an index is not supported from a registry", g.host,
                       g.repo, g.ref);
            json_decref(pdesc);
            goto out;
        }
    } else {
        if (g.platform) {
            /* one image: --platform must match its config; checked by the reader's config read */
        }
        snprintf(man_type, sizeof man_type, "%s", r.ctype);
        man_body = r.body;
        man_len = r.len;
        r.body = NULL;
        man = json_incref(top);
        struct sha256 h;
        char hex[65];
        sha256_init(&h);
        sha256_update(&h, man_body, man_len);
        sha256_hex(&h, hex);
        snprintf(man_digest, sizeof man_digest, "sha256:%s", hex);
    }
    if (!man || !json_is_object(json_object_get(man, "config")) || !json_is_array(json_object_get(man, "layers"))) {
        errbuf_set(e, "%s/%s:%s: the manifest has no config or layers", g.host, g.repo, g.ref);
        json_decref(pdesc);
        goto out;
    }
    char *semi = strchr(man_type, ';');
    if (semi)
        *semi = 0;
    const char *mt = json_string_value(json_object_get(man, "mediaType"));
    if (!*man_type)
        snprintf(man_type, sizeof man_type, "%s", mt ? mt : "application/vnd.oci.image.manifest.v1+json");
    /* the layout: oci-layout, index.json naming the one manifest, then the blobs */
    json_t *idx = json_pack("{s:i,s:[{s:s,s:s,s:I}]}", "schemaVersion", 2, "manifests", "mediaType", man_type,
                            "digest", man_digest, "size", (json_int_t)man_len);
    json_t *d0 = json_array_get(json_object_get(idx, "manifests"), 0);
    if (pdesc)
        json_object_set_new(d0, "platform", pdesc);
    if (strncmp(g.ref, "sha256:", 7) != 0) {
        /* the tag as docker names a pulled image: HOST/REPO:TAG */
        char tag[1200];
        snprintf(tag, sizeof tag, "%s/%s:%s", refhost(&g), g.repo, g.ref);
        json_object_set_new(d0, "annotations", json_pack("{s:s}", "org.opencontainers.image.ref.name", tag));
    }
    char *idx_txt = json_dumps(idx, JSON_COMPACT);
    json_decref(idx);
    static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
    char hex[65], name[100];
    digest_hex(man_digest, hex);
    snprintf(name, sizeof name, "blobs/sha256/%s", hex);
    int bad = tar_mem(&g, "oci-layout", layout, sizeof layout - 1) || tar_mem(&g, "index.json", idx_txt, strlen(idx_txt)) ||
              tar_mem(&g, name, man_body, man_len);
    json_free_t jfree;      /* jansson's own allocator (src/budget.c installs one): not free() */
    json_get_alloc_funcs(NULL, &jfree);
    jfree(idx_txt);
    if (bad)
        goto out;
    json_t *cfg = json_object_get(man, "config");
    const char *cd = json_string_value(json_object_get(cfg, "digest"));
    json_int_t cs = json_integer_value(json_object_get(cfg, "size"));
    if (!cd || cs < 0 || cs > (json_int_t)(64u << 20)) {
        errbuf_set(e, "%s/%s:%s: the manifest's config descriptor is not usable", g.host, g.repo, g.ref);
        goto out;
    }
    if (blob_stream(&g, cd, (uint64_t)cs, "config") != 0)
        goto out;
    size_t i;
    json_t *l, *layers = json_object_get(man, "layers");
    json_array_foreach(layers, i, l) {
        const char *ld = json_string_value(json_object_get(l, "digest"));
        json_int_t ls = json_integer_value(json_object_get(l, "size"));
        char what[40];
        snprintf(what, sizeof what, "layer %zu", i);
        if (!ld || ls < 0) {
            errbuf_set(e, "%s/%s:%s: %s has no digest or size", g.host, g.repo, g.ref, what);
            goto out;
        }
        /* a blob used twice is stored once, as in a layout on disk */
        int seen = !strcmp(ld, cd);
        for (size_t k = 0; k < i && !seen; k++)
            seen = !strcmp(ld, jstr_or(json_array_get(layers, k), "digest"));
        if (seen)
            continue;
        if (blob_stream(&g, ld, (uint64_t)ls, what) != 0)
            goto out;
    }
    static const unsigned char zero[1024];
    if (out_all(&g, zero, sizeof zero) == 0)
        rc = 0;
out:
    resp_reset(&r);
    free(man_body);
    json_decref(top);
    json_decref(man);
    free(g.user);
    free(g.pass);
    free(g.auth);
    curl_global_cleanup();
    return rc;
}
