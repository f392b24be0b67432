/* model.h: every path of every layer, and every version of it, in compact index-linked arrays.
 *
 * Two record kinds, both addressed by u32 index with 0 meaning "none" (index 0 is a dummy):
 *   path nodes  one per distinct path in any layer, a trie (parent / first_child / next_sibling)
 *               whose root is node 1 ("/");
 *   entries     one per tar member of one layer (file, dir, link, or a whiteout of a path).
 * The entries of one path form a chain, lowest layer first (path_first[] -> entry.next_version).
 *
 * Life cycle (the reader drives it):
 *   model_init(m);
 *   per blob, in input order:  b = model_blob_begin(m); model_add_entry(m, b, ...)...;
 *   model_stack(m, order, n);   layers in manifest order: applies whiteouts, sets hidden_at,
 *                               per-layer counts, rollups. After this the model is read-only.
 * or, one layer at a time as their blobs arrive (the view shows each step, ui/load.c):
 *   model_stack_begin(m, n);
 *   model_stack_layer(m, blob of layer 0); ... model_stack_layer(m, blob of layer n-1);
 *   model_stack_end(m);        the same model as model_stack(m, order, n)
 * Between the calls more blobs may be added (model_blob_begin ... model_blob_end); after
 * model_stack_layer(m, b) for layers 0..K, n_layers is K+1 and path_first, path_final and
 * the entries' hidden_at describe the filesystem after layer K (path_final_size comes at the end).
 *   ... read ...; model_free(m);
 * Blobs may arrive in any order (the manifest may come last in a tarball); only model_stack()
 * needs the order. Nothing here is thread-safe: a reader thread hands the finished model over.
 */
#ifndef STRATA_MODEL_H
#define STRATA_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "src/strpool.h"

#define MODEL_ROOT 1u          /* path node of "/" */
#define LAYER_NONE 0xffffu     /* entry.hidden_at: still visible in the final filesystem */

/* entry.flags */
enum {
    EF_WHITEOUT = 1 << 0,  /* this entry deletes its path (from a .wh.NAME marker) */
    EF_OPAQUE   = 1 << 1,  /* this directory hides every lower child (.wh..wh..opq) */
    EF_HARDLINK = 1 << 2,  /* hard link: size 0, ext.link is the target path */
    EF_DELETED  = 1 << 3,  /* hidden_at set by a whiteout or opaque dir (else: shadowed) */
    EF_IMPLICIT = 1 << 4,  /* directory made up for an opaque marker with no dir entry */
    EF_UNUSED   = 1 << 5,  /* its blob is not a layer of the chosen image */
    EF_ADDED    = 1 << 6,  /* nothing of this path was visible below this layer */
    EF_ERR      = 1 << 7,  /* something about this entry could not be read */
};

struct entry {              /* 24 bytes */
    uint32_t path;          /* path node */
    uint32_t next_version;  /* same path, next layer up (chain in stacking order), 0 = last */
    uint64_t size;          /* tar header size of a regular file, 0 for everything else */
    uint16_t mode;          /* st_mode: type and permission bits */
    uint16_t flags;         /* EF_* */
    uint16_t layer;         /* before model_stack: blob index; after: layer index */
    uint16_t hidden_at;     /* layer whose entry or whiteout hid this version, LAYER_NONE */
};

struct entry_ext {          /* 24 bytes, parallel to entries */
    uint32_t uid, gid;
    int64_t mtime;
    uint32_t link;          /* strpool: symlink or hard-link target, 0 = none */
    uint32_t member;        /* which tar member of its blob made it: the n-th that the header
                             * walker (src/tarscan.h) returns, from 1; 0 = not from a member.
                             * A blob may hold a path twice: the fetcher reads exactly this one */
};

struct path_node {          /* 16 bytes */
    uint32_t parent;
    uint32_t first_child;
    uint32_t next_sibling;
    uint32_t name;          /* strpool offset of the basename */
};

struct blob {               /* a layer tarball as met in the input */
    uint32_t first_entry, n_entries;
};

struct layer_stats {
    uint64_t bytes;         /* regular-file content bytes of this layer */
    uint64_t files;         /* regular files (not hard links) */
    uint64_t entries;       /* tar members that are files, dirs, links (not whiteout markers) */
    uint32_t added, modified, removed;  /* entries, relative to the layers below */
    uint64_t shadowed_bytes;            /* of this layer's bytes, overwritten later */
    uint64_t deleted_bytes;             /* of this layer's bytes, deleted later */
    uint64_t hid_bytes;                 /* bytes of lower layers this layer hid */
    uint32_t first_entry, n_entries;    /* its entries (a copy when a blob repeats) */
};

struct model {
    struct strpool names;
    struct path_node *paths;  uint32_t n_paths;  size_t cap_paths;
    struct lend *paths_lend;  /* paths' holders: the model and its states (model_snapshot) */
    uint32_t *path_first;     /* per path: first entry of its chain (stacked order), 0 = none */
    uint32_t *path_final;     /* per path: entry visible in the final filesystem, 0 = none */
    uint64_t *path_final_size;/* per path: final bytes of its visible subtree */
    uint32_t *path_final_files;
    struct entry *entries;    uint32_t n_entries;  size_t cap_entries;
    struct entry_ext *ext;    size_t cap_ext;      /* as many as entries */
    struct blob *blobs;       uint32_t n_blobs;  size_t cap_blobs;
    struct layer_stats *layers; uint32_t n_layers;
    uint64_t *child_slots; size_t n_child_slots, child_used;   /* (parent, name) -> node:
                                                               * hash bits << 32 | node */
    int stacked;
    struct model_stacking *stk;   /* between model_stack_begin and model_stack_end (model.c) */
    uint64_t budget_held;     /* metadata budget (src/budget.h) held by copied entries */
    uint32_t repeat_refused;  /* model_stack() failed: copies of this blob did not fit */
    /* totals, after model_stack */
    uint64_t layer_bytes, final_bytes, shadowed_bytes, deleted_bytes, final_files;
};

/* The first child of node p (0: none); children run from the newest to the oldest. Read the
 * tree through this, not paths[].first_child: a state of the tree (model_snapshot) shares the
 * model's path nodes while the reader goes on adding children, each prepended to its parent's
 * list with a number past the state's n_paths; they are skipped here. first_child is the one
 * field of a node that changes once the node is made, so it is stored and loaded atomically;
 * a node's other fields are written before it is linked. */
static inline uint32_t model_first_child(const struct model *m, uint32_t p)
{
    uint32_t c = __atomic_load_n(&m->paths[p].first_child, __ATOMIC_ACQUIRE);
    while (c >= m->n_paths)
        c = m->paths[c].next_sibling;
    return c;
}

void model_init(struct model *m);
void model_free(struct model *m);

/* Path node for an absolute or relative path ("a/b", "/a/b/", "./a"), created if new. "." and
 * empty components are dropped; ".." never climbs above the root (the caller warns). */
uint32_t model_intern_path(struct model *m, const char *path, size_t len);
/* Node of one name (no '/') under `parent`, created if new. */
uint32_t model_intern_child(struct model *m, uint32_t parent, const char *name, size_t len);
/* Existing node or 0. */
uint32_t model_lookup(const struct model *m, const char *path);
uint32_t model_child(const struct model *m, uint32_t parent, const char *name);

uint32_t model_blob_begin(struct model *m);
/* Appends an entry of the blob being read; returns its index. link may be NULL. */
uint32_t model_add_entry(struct model *m, uint32_t blob, uint32_t path, uint64_t size,
                         uint16_t mode, uint16_t flags, uint32_t uid, uint32_t gid,
                         int64_t mtime, const char *link);
void model_blob_end(struct model *m, uint32_t blob);

/* Stacks the blobs given in layer order (a blob may appear twice; each repeat copies its
 * entries, taken from the metadata budget). Returns RC_OK, or RC_FATAL when the copies of blob
 * m->repeat_refused do not fit in the budget (the model is then not stacked). */
int model_stack(struct model *m, const uint32_t *blob_of_layer, uint32_t n_layers);
/* The incremental form (above). model_stack_layer returns RC_OK, or RC_FATAL when a repeated
 * blob's copies do not fit in the budget (m->repeat_refused; then call model_stack_abort). A blob
 * index past n_blobs is a layer that could not be read (no entries). */
void model_stack_begin(struct model *m, uint32_t n_layers);
int model_stack_layer(struct model *m, uint32_t blob);
void model_stack_end(struct model *m);
/* A copy of the filesystem after the layers stacked so far, for a reader on another thread
 * (ui/load.c): a stacked model of its own whose entries are only the versions visible now
 * (hidden_at LAYER_NONE, one chain link each; path_final is path_first), grouped by layer, with
 * the same path node numbers as m (the paths the stacking has seen) and m's per-layer counts so
 * far. Kept lean, as it lives beside the model being read: the path nodes and the names are
 * the model's own, shared (model_first_child), no ext (NULL), no path_final_size or _files, no
 * name hash (no interning). Read-only; free with model_snapshot_free (also after model_free).
 * Cost: 4 B a path, 24 B a visible entry. */
struct model *model_snapshot(const struct model *m);
void model_snapshot_free(struct model *s);
/* Drops a stacking begun and not ended (the model is then not stacked); no-op otherwise. */
void model_stack_abort(struct model *m);

/* Entry of `path` visible when looking at the filesystem after `layer`, 0 if none. */
uint32_t model_visible_at(const struct model *m, uint32_t path, uint32_t layer);
/* Whether the node exists in the merged tree after `layer` (own entry, or an implicit parent
 * of a visible entry). */
int model_exists_at(const struct model *m, uint32_t path, uint32_t layer);
/* Fills size[n_paths] (and files[n_paths] if not NULL) with the visible bytes / regular files of
 * each subtree after `layer`. O(entries). */
void model_rollup_at(const struct model *m, uint32_t layer, uint64_t *size, uint32_t *files);
/* Entry of `path` written by exactly `layer`, or 0. */
uint32_t model_entry_in_layer(const struct model *m, uint32_t path, uint32_t layer);

/* Writes the absolute path of a node ("/" for the root) into buf; returns buf. Truncates. */
char *model_path_str(const struct model *m, uint32_t path, char *buf, size_t len);
static inline const char *model_name(const struct model *m, uint32_t path)
{
    return strpool_get(&m->names, m->paths[path].name);
}
static inline int entry_is_dir(const struct entry *e) { return (e->mode & 0170000) == 0040000; }
static inline int entry_is_reg(const struct entry *e)
{
    return (e->mode & 0170000) == 0100000 && !(e->flags & (EF_HARDLINK | EF_WHITEOUT));
}

#endif
