/* advice.h: from findings to a better Dockerfile (issue 11): which layers came with the base
 * image and which the image's own Dockerfile added (base.c), dependency installs that come after
 * the code was copied and so re-run on every code change (layer_order.c), and the CUDA the image
 * carries (cuda.c). Plain data, filled by advice_run() at the end of analysis_run(); the outputs
 * (advice_report.c) read it through analysis->advice.
 *
 *   analysis_run(a, img);                  // calls advice_run(a, img) last
 *   const struct advice *ad = a->advice;   // never NULL after analysis_run()
 *   if (ad->base.layers) ... ad->base.own.bytes ...
 *   analysis_free(a);                      // frees it (advice_free)
 */
#ifndef STRATA_ADVICE_H
#define STRATA_ADVICE_H

#include <stddef.h>
#include <stdint.h>

#include "src/image.h"

struct analysis;

/* How the base/own boundary was decided, strongest first (base_decide() tries them in order).
 * BASE_EV_ANNOTATION names the base but cannot place the boundary on its own. */
enum base_evidence {
    BASE_EV_NONE,
    BASE_EV_ANNOTATION,      /* org.opencontainers.image.base.name/.digest (manifest or config labels) */
    BASE_EV_HISTORY_COMMENT, /* buildah's history comment "FROM <name>" on the stage's first entry */
    BASE_EV_BASE_IMAGE,      /* --base IMAGE: longest common prefix of diff_ids */
    BASE_EV_HISTORY_CMD,     /* the base's closing CMD/ENTRYPOINT, followed by more layers */
    BASE_EV_TIME_GAP,        /* a gap of an hour or more between two history entries */
};
const char *base_evidence_name(int ev);   /* "oci-annotation", "history-comment", … "none" */

struct base_side {
    uint32_t layers;
    uint64_t bytes;          /* content bytes of its layers (as layers[].bytes) */
    uint64_t files;          /* regular files in its layers (as layers[].files) */
    uint64_t waste;          /* dead bytes its layers' entries and whiteouts hid (layer_stats
                              * hid_bytes) + junk categories whose main layer is on this side */
};

struct base_split {
    int evidence;            /* enum base_evidence that placed the boundary */
    int name_evidence;       /* enum base_evidence the name came from (NONE: no name) */
    uint32_t layers;         /* layers [0, layers) came with the base; 0 when none is known */
    int history;             /* first history entry of the image's own part, -1 when unknown */
    char *name;              /* "docker.io/library/python:3.11", NULL when unknown */
    char *digest;            /* "sha256:…" from the annotation, NULL when unknown */
    const char *family;      /* "python", "nvidia/cuda", … (static), NULL when not well known */
    const char *flavour;     /* "full", "slim", "devel", … (static) */
    char *slimmer;           /* the slimmer variant's name, NULL when none would serve */
    const char *slimmer_note;/* when it serves (static) */
    struct base_side base, own;
};

/* What base_decide() reads: kept apart from struct image so that the unit tests can give it
 * any history. */
struct base_input {
    const struct history_item *hist; size_t n_hist;
    size_t n_layers;
    const char *ann_name, *ann_digest;   /* annotation values, NULL when absent */
    int common_layers;                   /* --base: leading layers with equal diff_id, -1: no --base */
    const char *base_ref;                /* --base: the image's tag or its source, else NULL */
};
/* Fills evidence, name_evidence, layers, history, name, digest of *out (other fields zeroed).
 * The caller frees out->name, out->digest, out->slimmer (base_split_free). */
void base_decide(const struct base_input *in, struct base_split *out);
/* The family row for a base name, and the slimmer variant's name (caller frees; NULL if none). */
void base_family(const char *name, const char **family, const char **flavour, char **slimmer,
                 const char **note);
void base_split_free(struct base_split *b);

/* A dependency install after a COPY that brought the application's code. */
struct order_finding {
    int history;             /* the install's history entry */
    int layer;               /* its layer */
    int copy_history;        /* the COPY before it */
    int copy_layer;
    const char *tool;        /* "pip", "poetry", "npm", "yarn", "go", "bundle", "cargo" (static) */
    char manifest[128];      /* "requirements.txt" (the -r argument), "package.json", … */
    uint64_t bytes;          /* the install layer's content bytes */
    char *code_example;      /* one code file the COPY brought, "/app/app/serve.py" */
    uint32_t code_files;     /* source files that COPY brought */
    char *fix;               /* "COPY requirements.txt . then RUN pip install …, then COPY . ." */
};

struct cuda_info {
    int present;             /* CUDA_VERSION in ENV or a /usr/local/cuda-X.Y tree */
    char version[24];        /* "12.4.1" or "12.4" */
    int major, minor;
    const char *version_from;/* "ENV CUDA_VERSION", "/usr/local/cuda-12.4" (static or path) */
    char toolkit[64];        /* "/usr/local/cuda-12.4" when present, "" */
    const char *flavour;     /* "devel", "runtime", "base" */
    const char *min_driver;  /* "525.60.13", NULL for an unknown major */
    const char *driver_source;
    char *require;           /* ENV NVIDIA_REQUIRE_CUDA, NULL if unset */
    char *visible_devices, *driver_capabilities;   /* ENV values, NULL if unset */
    uint64_t system_bytes;   /* final bytes of the toolkit tree */
    uint64_t devel_bytes;    /* of which the devel toolchain: nvcc and friends, headers, static
                              * libraries, stubs; plus cuDNN/NCCL -dev packages outside it */
    uint32_t devel_files;
    int devel_layer;         /* layer that wrote most of the devel bytes, -1 */
    char devel_example[128]; /* one devel file, "/usr/local/cuda-12.4/bin/nvcc" */
    /* PyTorch's own CUDA */
    int torch;               /* torch installed */
    char torch_version[48];
    char torch_cuda[16];     /* "12.1", "" when unknown */
    const char *torch_cuda_from;   /* "torch version +cu121", "nvidia-cuda-runtime-cu12 12.1.105" */
    uint64_t torch_bundled_bytes;  /* the site-packages/nvidia trees and torch/lib/libcudart files */
    char torch_bundled_path[160];  /* the bundled libcudart torch loads, "" when none */
    int torch_mismatch;      /* bundled and system CUDA of different major.minor */
};

struct advice {
    struct base_split base;
    struct cuda_info cuda;
    struct order_finding *order; size_t n_order, cap_order;
};

void advice_run(struct analysis *a, const struct image *img);
void advice_free(struct advice *ad);
/* minimum host driver for a CUDA major version, NULL when the table has no row (cuda.c) */
const char *cuda_min_driver(int major, const char **source);

/* internal, one per file: base.c, cuda.c, layer_order.c */
void base_run(struct analysis *a, const struct image *img, struct base_split *out);
void cuda_run(struct analysis *a, const struct image *img, struct cuda_info *out);
void layer_order_run(struct analysis *a, const struct image *img, struct advice *ad);

#endif
