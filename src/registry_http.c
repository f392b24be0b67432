/* registry_http.c: one GET to a registry with libcurl, answering its challenges (RFC 6750 Bearer
 * with realm, service and scope, as Docker's token spec describes; RFC 7617 Basic) and retrying
 * 429, 5xx and dropped connections with backoff. Plain HTTP only for loopback hosts; redirects
 * are followed without carrying Authorization to another host. */
#include "src/registry.h"

#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    if (r->sink) {
        if (r->sink(r->sink_ctx, p, len) != 0) {
            r->sink_failed = 1;
            return 0;
        }
        r->got += len;
        return len;
    }
    if (r->len + len > r->max)
        return 0;      /* too big to keep: the transfer fails, the caller says so */
    ARR_GROW(r->body, r->cap, r->len, len + 1);
    memcpy(r->body + r->len, p, len);
    r->len += len;
    r->body[r->len] = 0;
    return len;
}

void registry_resp_reset(struct resp *r)
{
    free(r->body);
    r->body = NULL;
    r->len = r->cap = 0;
    r->challenge[0] = r->ctype[0] = 0;
}

/* The system's CA certificates as a hashed folder (c_rehash's NNNNNNNN.0 links, as
 * update-ca-certificates writes /etc/ssl/certs): OpenSSL then reads only the one or two it needs
 * while verifying. The bundle file, libcurl's default, is parsed whole (~140 certificates, about
 * 30 ms) for every new connection, a loopback registry's failed TLS attempt included. */
static const char *ca_dir;
static pthread_once_t ca_once = PTHREAD_ONCE_INIT;

static int hashed_name(const char *n)
{
    for (int i = 0; i < 8; i++)
        if (!isxdigit((unsigned char)n[i]))
            return 0;
    return n[8] == '.' && isdigit((unsigned char)n[9]);
}

static void ca_dir_find(void)
{
    const char *dir = getenv("SSL_CERT_DIR");
    if (!dir || !*dir)
        dir = "/etc/ssl/certs";
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)))
        if (hashed_name(de->d_name)) {
            ca_dir = dir;
            break;
        }
    closedir(d);
}

long registry_http_get(struct reg *g, const char *url, const char *accept, uint64_t from,
                       const char *basic_user, const char *basic_pass, int with_auth, struct resp *r,
                       CURLcode *cr)
{
    CURL *c = curl_easy_init();
    if (!c) {
        *cr = CURLE_FAILED_INIT;
        return 0;
    }
    struct curl_slist *h = NULL;
    if (accept)
        h = curl_slist_append(h, accept);
    if (with_auth && !basic_user) {
        pthread_mutex_lock(&g->sh->lock);
        if (g->sh->auth)
            h = curl_slist_append(h, g->sh->auth);
        pthread_mutex_unlock(&g->sh->lock);
    }
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
    if (r->sink)    /* a blob: bigger pieces, fewer hand-overs to the thread that reads them */
        curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L * 1024);
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
    if (ca && *ca) {
        curl_easy_setopt(c, CURLOPT_CAINFO, ca);
    } else {
        pthread_once(&ca_once, ca_dir_find);
        if (ca_dir) {   /* else libcurl's default bundle */
            curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
            curl_easy_setopt(c, CURLOPT_CAPATH, ca_dir);
        }
    }
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
int registry_authenticate(struct reg *g, const char *challenge)
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
        long st = registry_http_get(g, url, NULL, 0, g->user, g->pass, 0, &r, &cr);
        if (st != 200) {
            if (st == 401 || st == 403)
                errbuf_set(g->e, "%s: the token service %s refused %s (%ld)", g->host, realm,
                           g->user ? "the credentials" : "an anonymous pull", st);
            else if (st)
                errbuf_set(g->e, "%s: the token service %s answered %ld", g->host, realm, st);
            else
                errbuf_set(g->e, "%s: cannot reach the token service %s: %s", g->host, realm, curl_easy_strerror(cr));
            registry_resp_reset(&r);
            return -1;
        }
        json_t *j = r.body ? json_loads(r.body, 0, NULL) : NULL;
        const char *tok = j ? json_string_value(json_object_get(j, "token")) : NULL;
        if (!tok && j)
            tok = json_string_value(json_object_get(j, "access_token"));
        int rc = -1;
        if (tok && *tok) {
            char *hdr = xasprintf("Authorization: Bearer %s", tok);
            pthread_mutex_lock(&g->sh->lock);
            free(g->sh->auth);
            g->sh->auth = hdr;
            pthread_mutex_unlock(&g->sh->lock);
            rc = 0;
        } else {
            errbuf_set(g->e, "%s: the token service %s gave no token", g->host, realm);
        }
        json_decref(j);
        registry_resp_reset(&r);
        return rc;
    }
    if (strncasecmp(challenge, "Basic", 5) == 0) {
        if (!g->user) {
            errbuf_set(g->e, "%s: the registry wants a user name and password, and none is stored for it "
                       "(docker login / podman login)", g->host);
            return -1;
        }
        pthread_mutex_lock(&g->sh->lock);
        int had = g->sh->auth != NULL;
        pthread_mutex_unlock(&g->sh->lock);
        if (had) {
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
        char *hdr = xasprintf("Authorization: Basic %s", b);
        pthread_mutex_lock(&g->sh->lock);
        free(g->sh->auth);
        g->sh->auth = hdr;
        pthread_mutex_unlock(&g->sh->lock);
        free(b);
        free(up);
        return 0;
    }
    errbuf_set(g->e, "%s: the registry asks for an authentication strata does not speak: %.80s", g->host, challenge);
    return -1;
}

void registry_backoff(int attempt)
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

const char *registry_status_text(long st)
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
int registry_fetch(struct reg *g, const char *path, const char *accept, struct resp *r, const char *what)
{
    char url[1500];
    int authed = 0, switched = 0;
    for (int attempt = 0; attempt < REGISTRY_TRIES; attempt++) {
        snprintf(url, sizeof url, "%s://%s/v2/%s", g->scheme, g->host, path);
        registry_resp_reset(r);
        CURLcode cr;
        long st = registry_http_get(g, url, accept, 0, NULL, NULL, 1, r, &cr);
        /* A loopback host is asked in plain HTTP first (parse_ref): a TLS server answers that
         * with a 400 naming HTTPS (Go's, nginx's) or with bytes that are not HTTP. Then TLS, once;
         * the plain attempt carried no credentials (they follow a challenge). */
        if (!switched && g->loopback && strcmp(g->scheme, "http") == 0 &&
            ((st == 400 && r->body && strcasestr(r->body, "https")) ||
             (st == 0 && (cr == CURLE_GOT_NOTHING || cr == CURLE_RECV_ERROR || cr == CURLE_WEIRD_SERVER_REPLY ||
                          cr == CURLE_UNSUPPORTED_PROTOCOL)))) {
            snprintf(g->scheme, sizeof g->scheme, "https");
            switched = 1;
            attempt--;
            continue;
        }
        if (st == 200)
            return 0;
        if (st == 401 && authed < 2 && *r->challenge) {
            if (registry_authenticate(g, r->challenge) != 0)
                return -1;
            authed++;
            attempt--;
            continue;
        }
        if (st == 429 || st >= 500 || (st == 0 && cr != CURLE_SSL_CACERT && cr != CURLE_PEER_FAILED_VERIFICATION &&
                                      cr != CURLE_COULDNT_RESOLVE_HOST && cr != CURLE_WRITE_ERROR &&
                                      cr != CURLE_UNSUPPORTED_PROTOCOL)) {
            if (attempt + 1 < REGISTRY_TRIES) {
                registry_backoff(attempt);
                continue;
            }
        }
        if (st == 0 && cr == CURLE_WRITE_ERROR)
            errbuf_set(g->e, "%s/%s: the %s is larger than %u MiB", g->host, g->repo, what, MANIFEST_MAX >> 20);
        else if (st == 0)
            errbuf_set(g->e, "%s: cannot reach the registry: %s", g->host, curl_easy_strerror(cr));
        else if (st == 401 || st == 403)
            errbuf_set(g->e, "%s/%s: %s: the registry said %ld (%s)%s", g->host, g->repo, what, st, registry_status_text(st),
                       g->user ? ": check the stored credentials" : ": no credentials stored for it");
        else
            errbuf_set(g->e, "%s/%s:%s: %s: the registry said %ld (%s)", g->host, g->repo, g->ref, what, st,
                       registry_status_text(st));
        return -1;
    }
    return -1;
}

