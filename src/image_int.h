/* image_int.h: what the parts of the image reader share (src/image*.c only; not a contract).
 *
 *   image_members.c   the outer archive, directory or stream: its members (names, links, data
 *                     ranges), JSON members kept, layers met while streaming read at once
 *   image_manifest.c  manifest.json / index.json: nested indexes, platform choice, the manifest
 *   image_config.c    the image config: env, user, history, diff_ids
 *   image_layers.c    the layers of a seekable image read into the model, --jobs at a time
 *   image.c           image_open(): which way in, then resolve: the layers in manifest order,
 *                     read and stacked into the model
 */
#ifndef STRATA_IMAGE_INT_H
#define STRATA_IMAGE_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "src/image.h"

struct reg_image;

#define JSON_MAX (64u << 20)   /* manifests and configs are small; bigger is not JSON we want */

enum { MT_FILE, MT_SYMLINK, MT_HARDLINK };

struct member {
    char *name;
    int type;
    char *link;            /* symlink / hard-link target, normalised member name */
    uint64_t off, size;    /* data range in the tar file (seekable mode) */
    char *disk;            /* file path (directory mode) */
    size_t remote;         /* a blob left in the registry: its file index in reader.reg + 1, else 0 */
    char *json;            /* kept JSON text, json_len + 1 bytes taken from the budget */
    size_t json_len;
    int json_errno;        /* a read of the JSON text failed with this errno */
    int over_budget;       /* looked like JSON, but keeping it would have passed the budget */
    uint64_t held;         /* bytes of the budget its text holds */
    int blob;              /* model blob read from it, -1 */
    int queued;            /* image_layers.c: a job reads it */
    int comp, estargz;
    char *error;           /* why it could not be read whole as a layer, NULL if it was */
    uint64_t entries;      /* entries read from it */
};

struct reader {
    struct image *img;
    const struct image_opts *o;
    struct member *mem;
    size_t n_mem, cap_mem;
    uint32_t *slots;       /* name hash -> member index + 1 (the last member of a name) */
    size_t n_slots, n_indexed;
    int fd;                /* seekable tar file, or -1 */
    int in_fd;             /* a stream to read instead of a file: stdin, an engine */
    struct reg_image *reg; /* a registry image read in-process (src/registry.h), else NULL */
    int dir;               /* directory mode */
    const char *base;      /* file name for messages */
    struct image_progress dummy;
    struct image_progress *prog;
    /* stacking as the layers arrive (image.c): lm[0..n_lm) are the layers' members, `stacked`
     * of them are stacked; 0 in `incremental` when the model is stacked whole at the end */
    struct member **lm;
    size_t n_lm, stacked;
    int incremental;
};

/* "... passes the metadata budget (256 MiB; --max-metadata SIZE to change it)" */
#define BUDGET_FMT "the metadata budget (%s; --max-metadata SIZE to change it)"

/* image.c */
/* Adds a warning to img, control characters escaped (names come from the image). */
void image_warn(struct image *img, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "sha256:0123456789ab…" for messages: the blob digest, else the diff_id, else the name. */
void image_layer_label(const struct image_layer *l, char *out, size_t n);

/* Stacks the layers whose blobs (and every lower layer's) are read, in manifest order, telling
 * opts->on_layer after each; RC_OK or RC_FATAL (a repeated blob's copies do not fit). */
int image_stack_ready(struct reader *r);

/* image_layers.c: reads each member of lm[0..n_layers) not read yet (blob < 0), once, in the
 * order of first use, into the model (--jobs of them at a time); RC_OK or RC_FATAL. */
int image_read_layers(struct reader *r, struct member **lm, size_t n_layers);

/* image_members.c: listing members (RC_OK or RC_FATAL with img->err set) */
int members_list_dir(struct reader *r, const char *root, const char *rel, int depth);
int members_list_tar(struct reader *r, const char *path);
/* The files of an in-process registry image (r->reg) as members: the small ones kept as JSON. */
void members_list_registry(struct reader *r);
/* One pass over a stream or compressed file: JSON kept, layer-looking blobs read into the model. */
int members_stream_tar(struct reader *r, const char *path);
/* A regular member by name, following symlinks and hard links inside the archive; NULL if none. */
struct member *members_find(struct reader *r, const char *name);
/* Frees every member (their kept JSON goes back to the budget). */
void members_free(struct reader *r);
/* pread of exactly n bytes: 0, or -1 (errno set, or a short file). */
int members_pread(int fd, void *buf, size_t n, uint64_t off);

/* image_manifest.c */
/* The member's JSON parsed (jansson's objects counted in the budget), or NULL with err set. */
json_t *manifest_json(struct reader *r, struct member *mb, const char *what);
const char *manifest_str(json_t *o, const char *key);
/* "blobs/sha256/<hex>" for "sha256:<hex>"; caller frees. */
char *manifest_blob_name(const char *digest);
void manifest_add_tag(struct image *img, const char *t);
/* Whether os/arch/variant is what "OS/ARCH[/VARIANT]" asks for. */
int manifest_platform_match(const char *want, const char *os, const char *arch, const char *var);
/* The image manifest chosen from an index (new reference), or NULL with err set. */
json_t *manifest_pick(struct reader *r, json_t *index, int depth, int *unverified);

/* image_config.c: fills img's config fields and layers[].diff_id / history; RC_OK or RC_FATAL. */
int image_config_parse(struct reader *r, struct member *cm, size_t n_layers);

#endif
