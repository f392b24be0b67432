/* registry.h: the parts of the registry reader shared by its files: the manifests
 * (source_registry.c), credentials (registry_creds.c), HTTP with auth and retries
 * (registry_http.c), and the blobs, several in flight (registry_blobs.c). registry_image_open
 * keeps the layout's small files in memory; each layer blob is then opened by a pool worker
 * through src/blobsrc.h. Nothing outside these files and src/blobsrc.c includes it. */
#ifndef STRATA_REGISTRY_H
#define STRATA_REGISTRY_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "src/curl_api.h"
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
    struct reg_image *collect;  /* where the layout's files go */
    struct errbuf *e;
};

/* A file of the layout: kept in memory (oci-layout, index.json, the manifest, the config), or a
 * layer blob left in the registry (data NULL) for registry_blob_open. */
struct reg_file {
    char *name;            /* "blobs/sha256/<hex>" */
    char *data;            /* len bytes, NUL after them; NULL for a blob left in the registry */
    size_t len;
    uint64_t size;
    char digest[80];
    char what[40];         /* "layer 3" */
};

/* A registry image opened in-process: the conversation (credentials, earned auth) lives as long
 * as its blobs are read. */
struct reg_image {
    struct reg g;
    struct reg_shared sh;
    struct errbuf err;
    struct reg_file *f;
    size_t n, cap;
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
/* Keeps one file of the layout (index, manifest) in g->collect. */
void registry_keep(struct reg *g, const char *name, const char *data, size_t n);

struct registry_blob {
    const char *digest;
    uint64_t size;
    char what[40];         /* "config", "layer 3" */
};
/* b[0] is the config: fetched, checked and kept; the layer blobs after it are listed for
 * registry_blob_open. 0, or -1 with g->e set. */
int registry_blobs_list(struct reg *g, const struct registry_blob *b, size_t n);

/* In-process (src/blobsrc.h's registry blobs):
 *   struct reg_image *ri = registry_image_open("HOST/REPO:TAG", &opts, &err);   // NULL: err set
 *   ... ri->f[0..n): the layout's files ...
 *   struct reg_blob *b = registry_blob_open(ri, i);        // starts its transfer on a thread
 *   while ((k = registry_blob_read(b, &p)) > 0) ...;        // p valid until the next call
 *   // k < 0: registry_blob_error(b) says why (a transfer failed, the digest or size is wrong)
 *   registry_blob_close(b); ... registry_image_close(ri);
 * Each blob is hashed by the thread that reads it, in order; its digest is checked when it ends,
 * so a caller that stops early must read on to the end to know the bytes were right. */
struct reg_blob;
struct reg_image *registry_image_open(const char *ref, int jobs, const char *platform, int tls_no_verify,
                                      struct errbuf *e);
void registry_image_close(struct reg_image *ri);
struct reg_blob *registry_blob_open(struct reg_image *ri, size_t file);
ssize_t registry_blob_read(struct reg_blob *b, const void **p);
const char *registry_blob_error(const struct reg_blob *b);
void registry_blob_close(struct reg_blob *b);

#endif
