/* image.h: open a saved image (docker-archive, Docker 25+ save, OCI archive or layout; outer tar
 * plain, gzip or zstd; "-" for stdin) and build its model.
 *
 *   struct image img;
 *   struct image_opts o = {.platform = NULL, .no_content = 0};
 *   int rc = image_open(&img, "app.tar", &o);   // RC_OK, RC_WARN (img.warnings says what), RC_FATAL
 *   if (img.partial) ...                         // RC_WARN: a layer is damaged (layers[i].error)
 *   if (rc == RC_FATAL) fprintf(stderr, "strata: %s\n", img.err.msg);   // names file and layer
 *   ... img.layers[i], img.history[j], img.model ...
 *   image_close(&img);                           // always, also after RC_FATAL
 *
 * image_open() may run on a reader thread: it writes only *img and opts->progress, and the
 * caller must not read *img (except progress) until it returns. */
#ifndef STRATA_IMAGE_H
#define STRATA_IMAGE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "src/model.h"
#include "src/sink.h"
#include "src/util.h"

enum image_format { FMT_UNKNOWN, FMT_DOCKER_ARCHIVE, FMT_DOCKER_SAVE_OCI, FMT_OCI_ARCHIVE, FMT_OCI_LAYOUT };
enum compression { COMP_NONE, COMP_GZIP, COMP_ZSTD, COMP_UNKNOWN };

struct history_item {
    char *created_by;      /* raw text from the config, "" if absent */
    char *instruction;     /* as a Dockerfile line: "RUN apt-get …", "COPY … /app" */
    char *created, *comment, *author;   /* "" if absent */
    int empty_layer;
    int layer;             /* layer index it made, -1 for none */
};

struct image_layer {
    char *diff_id;         /* from config rootfs.diff_ids, "" if unknown */
    char *digest;          /* blob digest or member name */
    uint64_t compressed_bytes;  /* blob size as stored */
    int compression;       /* enum compression, sniffed from magic bytes */
    int estargz;
    int history;           /* index into history[], -1 if no entry names it */
    const char *instruction;    /* history[history].instruction, or "" */
    char *error;           /* why the layer could not be read whole ("truncated gzip stream"), else
                              NULL; its entries read before the damage are in the model */
};

struct platform {
    char *os, *arch, *variant, *digest;
};

/* Loading progress, written by the reader, read by anyone. */
struct image_progress {
    _Atomic uint64_t bytes_done, bytes_total;   /* bytes_total 0 when unknown (stdin) */
    _Atomic uint32_t layers_done, layers_total; /* layers_total 0 until the manifest is read */
    _Atomic int done;                           /* 1 once image_open() has returned */
    _Atomic int streaming;  /* 1: read in one pass (stdin, compressed outer tar, engine, registry);
                               the manifest is used only once the stream has ended */
};

struct image;
struct reg_image;

struct image_opts {
    const char *platform;  /* "os/arch[/variant]" or NULL for the host's, else the first */
    int no_content;        /* read headers only; no sink sees file bytes */
    int tls_no_verify;     /* registries: --tls-verify=false */
    unsigned jobs;         /* layers read at once from a seekable input (--jobs); 0 or 1: one */
    struct sink *sinks;
    size_t n_sinks;
    struct image_progress *progress;    /* may be NULL */
    /* Called at most once, on the reader thread, as soon as the manifest and config are read and
     * before the layers are (streamed input: after the stream ended): img's tags, layers[]
     * (digest, diff_id, compressed_bytes, instruction, history) and history[] are set then and
     * nothing else of *img may be read. The callee copies what it shows (ui/load.c) and returns. */
    void (*on_manifest)(void *ctx, const struct image *img);
    void *on_manifest_ctx;
    /* Called on the reader thread after each layer is stacked, in manifest order, when the layers
     * of an image file or directory are stacked as they are read (not for a stream, nor when the
     * manifest repeats a blob: then the model is stacked whole at the end): img->model then holds
     * img->model.n_layers layers stacked (src/model.h) and may be read, nothing else of *img,
     * until the callee returns; it must not keep pointers into it (ui/load.c copies a snapshot). */
    void (*on_layer)(void *ctx, const struct image *img);
    void *on_layer_ctx;
};

struct image {
    char *source;          /* as given on the command line */
    enum image_format format;
    char **tags; size_t n_tags, cap_tags;
    char *os, *arch, *variant;
    char *config_digest;
    char *config_json;     /* the config as read, for analysis (labels, user, …) */
    char *ann_base_name, *ann_base_digest;   /* the manifest's annotations
                              * org.opencontainers.image.base.name/.digest, NULL when absent */
    char **env; size_t n_env;
    char *user, *workdir, *cmd, *entrypoint;   /* "" if unset; cmd/entrypoint as JSON arrays */
    struct history_item *history; size_t n_history;
    struct image_layer *layers; size_t n_layers;
    struct platform *platforms; size_t n_platforms, cap_platforms;   /* what a multi-platform index offers */
    uint32_t *blob_layer;  /* blob index -> layer index (first use), UINT32_MAX if unused */
    struct model model;
    char **warnings; size_t n_warnings, cap_warnings;
    int partial;           /* a layer is damaged: figures cover what could be read (layers[].error) */
    struct errbuf err;
    uint64_t budget_held;  /* bytes of the metadata budget (src/budget.h) the above hold */
    struct reg_image *reg; /* a registry image: the conversation kept for reading its blobs again
                              (src/blobsrc.h, the viewer and extract), else NULL */
};

int image_open(struct image *img, const char *path, const struct image_opts *opts);
void image_close(struct image *img);
const char *image_format_name(enum image_format f);
const char *compression_name(int c);
/* Dockerfile line for a created_by text; caller frees. */
char *history_instruction(const char *created_by);

#endif
