/* source_registry.c: an image straight from a registry, over the OCI distribution API
 * (distribution-spec v1.1: GET /v2/<name>/manifests/<reference>, GET /v2/<name>/blobs/<digest>),
 * read in-process as an OCI image layout: oci-layout, index.json, the manifest and the config kept
 * in memory, and the layer blobs opened later by the reader's pool workers (src/blobsrc.h), each
 * streamed once and checked against its digest as it passes.
 *
 * This file reads the reference and the manifests (an index: the platform's entry) and lays out
 * the image; credentials are found by registry_creds.c, requests and auth made by
 * registry_http.c, and the blobs fetched, several in flight, by registry_blobs.c. */
#include "src/source.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "src/registry.h"
#include "src/curl_api.h"
#include "src/sha256.h"

static const char *ACCEPT =
    "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";



/* ------------------------------------------------------------------ manifests */

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
    /* a loopback registry is most often plain HTTP (docker run registry:2): asked so first, which
     * spares a TLS attempt (an SSL context, ~25 ms) before it; registry_fetch moves to HTTPS when
     * the server speaks TLS. Any other host: HTTPS only. */
    snprintf(g->scheme, sizeof g->scheme, "%s", g->loopback ? "http" : "https");
    return 0;
}

/* Reads the reference and the manifests and lays the image out into g->collect. 0, or -1 with
 * g->e set. */
static int layout(struct reg *g)
{
    struct errbuf *e = g->e;
    struct registry_blob *blobs = NULL;
    int rc = -1;
    struct resp r = {.max = MANIFEST_MAX};
    json_t *top = NULL, *man = NULL;
    char *man_body = NULL;
    size_t man_len = 0;
    char path[1000], man_digest[100] = "", man_type[200] = "";
    snprintf(path, sizeof path, "%s/manifests/%s", g->repo, g->ref);
    if (registry_fetch(g, path, ACCEPT, &r, "manifest") != 0)
        goto out;
    if (!strncmp(g->ref, "sha256:", 7) && registry_check_digest(g, g->ref, r.body, r.len, "manifest") != 0)
        goto out;
    top = json_loadb(r.body, r.len, 0, NULL);
    if (!top || !json_is_object(top)) {
        errbuf_set(e, "%s/%s:%s: the manifest is not JSON", g->host, g->repo, g->ref);
        goto out;
    }
    if (json_integer_value(json_object_get(top, "schemaVersion")) == 1) {
        errbuf_set(e, "%s/%s:%s: Docker schema 1 manifests are not supported (deprecated since 2017; "
                   "push it again with a current client)", g->host, g->repo, g->ref);
        goto out;
    }
    json_t *pdesc = NULL;
    if (is_index(r.ctype, top)) {
        json_t *d = pick(g, top);
        if (!d)
            goto out;
        const char *dg = json_string_value(json_object_get(d, "digest"));
        if (!dg) {
            errbuf_set(e, "%s/%s:%s: an index entry without a digest", g->host, g->repo, g->ref);
            goto out;
        }
        snprintf(man_digest, sizeof man_digest, "%s", dg);
        pdesc = json_object_get(d, "platform");
        json_incref(pdesc);
        snprintf(path, sizeof path, "%s/manifests/%s", g->repo, dg);
        struct resp r2 = {.max = MANIFEST_MAX};
        if (registry_fetch(g, path, ACCEPT, &r2, "manifest") != 0 ||
            registry_check_digest(g, dg, r2.body, r2.len, "manifest") != 0) {
            registry_resp_reset(&r2);
            json_decref(pdesc);
            goto out;
        }
        snprintf(man_type, sizeof man_type, "%s", r2.ctype);
        man_body = r2.body;
        man_len = r2.len;
        man = json_loadb(man_body, man_len, 0, NULL);
        if (man && is_index(r2.ctype, man)) {
            errbuf_set(e, "%s/%s:%s: an index inside an index is not supported from a registry", g->host,
                       g->repo, g->ref);
            json_decref(pdesc);
            goto out;
        }
    } else {
        if (g->platform) {
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
        errbuf_set(e, "%s/%s:%s: the manifest has no config or layers", g->host, g->repo, g->ref);
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
    if (strncmp(g->ref, "sha256:", 7) != 0) {
        /* the tag as docker names a pulled image: HOST/REPO:TAG */
        char tag[1200];
        snprintf(tag, sizeof tag, "%s/%s:%s", refhost(g), g->repo, g->ref);
        json_object_set_new(d0, "annotations", json_pack("{s:s}", "org.opencontainers.image.ref.name", tag));
    }
    char *idx_txt = json_dumps(idx, JSON_COMPACT);
    json_decref(idx);
    static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
    char hex[65], name[100];
    registry_digest_hex(man_digest, hex);
    snprintf(name, sizeof name, "blobs/sha256/%s", hex);
    registry_keep(g, "oci-layout", layout, sizeof layout - 1);
    registry_keep(g, "index.json", idx_txt, strlen(idx_txt));
    registry_keep(g, name, man_body, man_len);
    json_free_t jfree;      /* jansson's own allocator (src/budget.c installs one): not free() */
    json_get_alloc_funcs(NULL, &jfree);
    jfree(idx_txt);
    json_t *cfg = json_object_get(man, "config");
    const char *cd = json_string_value(json_object_get(cfg, "digest"));
    json_int_t cs = json_integer_value(json_object_get(cfg, "size"));
    if (!cd || cs < 0 || cs > (json_int_t)(64u << 20)) {
        errbuf_set(e, "%s/%s:%s: the manifest's config descriptor is not usable", g->host, g->repo, g->ref);
        goto out;
    }
    /* the config, then each layer blob once (a blob used twice is stored once, as in a layout) */
    json_t *layers = json_object_get(man, "layers");
    size_t nl = json_array_size(layers), nb = 0;
    blobs = xcalloc(nl + 1, sizeof *blobs);
    blobs[nb++] = (struct registry_blob){.digest = cd, .size = (uint64_t)cs, .what = "config"};
    for (size_t i = 0; i < nl; i++) {
        json_t *l = json_array_get(layers, i);
        const char *ld = json_string_value(json_object_get(l, "digest"));
        json_int_t ls = json_integer_value(json_object_get(l, "size"));
        if (!ld || ls < 0) {
            errbuf_set(e, "%s/%s:%s: layer %zu has no digest or size", g->host, g->repo, g->ref, i);
            goto out;
        }
        int seen = 0;
        for (size_t k = 0; k < nb && !seen; k++)
            seen = !strcmp(ld, blobs[k].digest);
        if (seen)
            continue;
        blobs[nb] = (struct registry_blob){.digest = ld, .size = (uint64_t)ls};
        snprintf(blobs[nb].what, sizeof blobs[nb].what, "layer %zu", i);
        nb++;
    }
    if (registry_blobs_list(g, blobs, nb) == 0)
        rc = 0;
out:
    registry_resp_reset(&r);
    free(man_body);
    json_decref(top);
    json_decref(man);
    free(blobs);
    return rc;
}

/* The conversation's setup: the reference read, credentials found. 0, or -1 with e set. */
static int reg_setup(struct reg *g, struct reg_shared *sh, const char *refstr, struct errbuf *e)
{
    g->e = e;
    g->sh = sh;
    sh->auth = NULL;
    if (parse_ref(g, refstr) != 0) {
        errbuf_set(e, "docker://%s: not a registry reference (HOST/REPO[:TAG|@DIGEST])", refstr);
        return -1;
    }
    char why[256];
    if (curl_api_load(why, sizeof why) != 0) {
        errbuf_set(e, "docker://%s: a registry needs libcurl, which could not be opened: %s", refstr, why);
        return -1;
    }
    pthread_mutex_init(&sh->lock, NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    registry_creds_find(g);
    return 0;
}

static void reg_teardown(struct reg *g)
{
    free(g->user);
    free(g->pass);
    g->user = g->pass = NULL;
    free(g->sh->auth);
    g->sh->auth = NULL;
    pthread_mutex_destroy(&g->sh->lock);
    curl_global_cleanup();
}

struct reg_image *registry_image_open(const char *refstr, int jobs, const char *platform, int tls_no_verify,
                                      struct errbuf *e)
{
    struct reg_image *ri = xcalloc(1, sizeof *ri);
    ri->g = (struct reg){.collect = ri, .platform = platform, .tls_no_verify = tls_no_verify,
                         .jobs = jobs > 0 ? jobs : 1};
    if (reg_setup(&ri->g, &ri->sh, refstr, &ri->err) != 0) {
        errbuf_set(e, "%s", ri->err.msg);
        free(ri);
        return NULL;
    }
    if (layout(&ri->g) != 0) {
        errbuf_set(e, "%s", ri->err.msg);
        registry_image_close(ri);
        return NULL;
    }
    ri->g.platform = NULL;      /* the caller's string: not needed past the manifest */
    return ri;
}

void registry_image_close(struct reg_image *ri)
{
    if (!ri)
        return;
    reg_teardown(&ri->g);
    for (size_t i = 0; i < ri->n; i++) {
        free(ri->f[i].name);
        free(ri->f[i].data);
    }
    free(ri->f);
    free(ri);
}
