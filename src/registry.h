/* registry.h: the parts of the registry producer (source_registry.c, run in the child that writes
 * the image's tar stream) shared by its files: credentials (registry_creds.c), HTTP with auth and
 * retries (registry_http.c), and the blobs streamed into the tar, several in flight
 * (registry_blobs.c). Nothing outside these files includes it. */
#ifndef STRATA_REGISTRY_H
#define STRATA_REGISTRY_H

#include <curl/curl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "src/util.h"

#define MANIFEST_MAX (4u << 20)      /* the distribution spec suggests 4 MiB for manifests */
#define REGISTRY_TRIES 5

/* What every transfer of one image shares: the Authorization header once earned. Blob
 * transfers run on several threads, so it is read and replaced under the lock. */
struct reg_shared {
    pthread_mutex_t lock;
    char *auth;            /* "Authorization: ..." or NULL */
};

/* One registry conversation. Blob threads work on a copy with an errbuf of their own; the
 * strings are read-only once the manifest is read, and `sh` is shared. */
struct reg {
    char host[256];        /* as given, with port */
    char repo[512];
    char ref[300];         /* tag or digest */
    char scheme[8];        /* "https" or "http" */
    int loopback, tls_no_verify;
    char *user, *pass;     /* basic credentials, NULL if none */
    struct reg_shared *sh;
    const char *platform;
    int jobs;              /* blobs in flight at once (--jobs), at least 1 */
    int out;
    struct errbuf *e;
};

/* An answer: kept in memory (manifests, tokens, errors: at most `max` bytes), or handed to
 * `sink` as it arrives (blobs; a nonzero return stops the transfer). */
struct resp {
    char *body; size_t len, cap, max;
    char challenge[1024];              /* WWW-Authenticate */
    char ctype[200];
    int (*sink)(void *ctx, const void *p, size_t n);
    void *sink_ctx;
    uint64_t got;                      /* bytes handed to sink, over all attempts */
    int sink_failed;
};

/* Credentials for g->host from $REGISTRY_AUTH_FILE, DOCKER_CONFIG or ~/.docker/config.json
 * (auths, credHelpers, credsStore), then $XDG_RUNTIME_DIR/containers/auth.json. */
void registry_creds_find(struct reg *g);

void registry_resp_reset(struct resp *r);
/* One GET (from byte `from` when nonzero), with the earned Authorization unless basic
 * credentials are given. Returns the HTTP status, or 0 with *cr set when no answer came. */
long registry_http_get(struct reg *g, const char *url, const char *accept, uint64_t from,
                       const char *basic_user, const char *basic_pass, int with_auth, struct resp *r,
                       CURLcode *cr);
/* Answers a 401's challenge (Bearer token or Basic). 0 when there is something new to try. */
int registry_authenticate(struct reg *g, const char *challenge);
void registry_backoff(int attempt);
const char *registry_status_text(long st);
/* GET /v2/PATH into memory, with auth and retries. 0, or -1 with g->e set. */
int registry_fetch(struct reg *g, const char *path, const char *accept, struct resp *r, const char *what);

int registry_digest_hex(const char *digest, char hex[65]);
int registry_check_digest(struct reg *g, const char *digest, const char *data, size_t n, const char *what);
int registry_tar_mem(struct reg *g, const char *name, const char *data, size_t n);
int registry_tar_end(struct reg *g);

struct registry_blob {
    const char *digest;
    uint64_t size;
    char what[40];         /* "config", "layer 3" */
};
/* Streams the blobs into the tar in order, each once, checked against its digest as it passes;
 * up to g->jobs of them are fetched at once, the ones ahead into bounded buffers. */
int registry_blobs_write(struct reg *g, const struct registry_blob *b, size_t n);

#endif
