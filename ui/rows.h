/* rows.h: the file-tree view model. Turns the read-only model plus the view state (layer,
 * open folders, sort, filter, hidden change kinds) into a flat array of visible rows. No curses.
 *
 *   struct rows r;
 *   rows_init(&r, &img.model);          // model must be stacked and stay read-only
 *   rows_set_layer(&r, 3);              // per-layer rollups, cached (a few layers, LRU)
 *   rows_toggle(&r, i);                 // open/close the folder on row i: splices, no rebuild
 *   for (i = 0; i < r.n; i++) ... r.v[i].node, r.v[i].depth, rows_size(&r, node) ...
 *   rows_free(&r);
 *
 * Cost: rows_set_layer is O(entries + paths) the first time a layer is seen, O(rows) after;
 * opening a folder sorts its children once; nothing per key walks the whole tree. Fields are
 * read-only outside rows.c. */
#ifndef STRATA_UI_ROWS_H
#define STRATA_UI_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "src/model.h"

/* Change kind of a path at the chosen layer (bits, so they combine into subtree masks). */
enum {
    RS_UNCHANGED = 1 << 0,   /* visible, not touched by this layer */
    RS_ADDED     = 1 << 1,   /* this layer wrote it, nothing below had it */
    RS_MODIFIED  = 1 << 2,   /* this layer wrote it over a lower version */
    RS_REMOVED   = 1 << 3,   /* this layer deleted it (whiteout or opaque directory) */
    RS_ALL       = 0x0f,
    RS_EXISTS    = 1 << 4,   /* own bit only: the path exists in the merged tree */
};

enum { SORT_SIZE, SORT_NAME };

struct row {                 /* 8 bytes */
    uint32_t node;           /* path node */
    uint16_t depth;          /* 0 for children of "/" */
    uint16_t pad;
};

#define ROWS_CACHE 6
/* A tree past this many paths keeps 3: the layer shown and the two next to it (what
 * ui/prefetch.c builds). At 1M paths each is 10-18 MB (17.5 MB measured with lsize), so six
 * would hold up to about 108 MB beside the model once a user has stepped through six layers. */
#define ROWS_CACHE_BIG_PATHS (1u << 18)

struct rows_layer {          /* per-layer rollups: 10 bytes a path, 8 more once lsize is made */
    int layer;               /* -2: slot empty */
    unsigned stamp;          /* LRU */
    uint64_t *size;          /* merged tree: visible bytes of the subtree (removed: bytes removed) */
    uint64_t *lsize;         /* changes only: bytes this layer wrote or removed in the subtree;
                              * NULL until a view of the changes or a filter needs it */
    uint8_t *status;         /* own RS_* kind | RS_EXISTS */
    uint8_t *mask;           /* OR of RS_* kinds over the subtree, self included */
    const struct entry *of;  /* the model's entries it was built from, and their paths */
    uint32_t n_paths;
};

struct rows {
    const struct model *m;
    int layer;               /* -1: before the first layer (empty tree) */
    int changes_only;        /* 1: only what this layer added, modified or removed */
    int lean;                /* a state shown while loading: lsize made on first use */
    int sort;                /* SORT_SIZE or SORT_NAME */
    unsigned hide;           /* RS_* kinds hidden */
    uint8_t *open;           /* per path node: folder open */
    uint8_t *pass;           /* per node: PF_* bits (analysis/path_filter.h); NULL: no filter */
    char filter[256];        /* the regular expression, "" when none (or a package's files) */
    char pass_label[300];    /* what the filter shows, for titles: "/lib/", "package gcc-12" */
    uint32_t pass_files;     /* paths in the filtered set */
    /* with a filter: sizes and file counts of the filtered set only, for the current layer */
    uint64_t *fsize, *flsize;
    uint32_t *fcount;
    uint32_t *rank;          /* per node: order of absolute paths (search), made on first use */
    struct row *v; uint32_t n; size_t cap;
    struct rows_layer cache[ROWS_CACHE];
    int n_cache;             /* slots in use: ROWS_CACHE, or 3 for a big tree */
    struct rows_layer *cur;  /* NULL when layer < 0 */
    unsigned clock;
};

void rows_init(struct rows *r, const struct model *m);
void rows_free(struct rows *r);

/* One layer's rollups built apart from any rows, O(entries + paths), on any thread (it only reads
 * m): the reader thread builds the one the view will show next (ui/load.c), so the view's swap
 * to a newer tree does not hold its keys for that long. NULL when m has no layer. lean: as
 * rows.lean (lsize left for first use). */
struct rows_layer *rows_layer_new(const struct model *m, int layer, int lean);
void rows_layer_free(struct rows_layer *c);
/* Takes c into r's cache when it was built from r's model (same entries and paths) and r has
 * not that layer already, else frees it; never evicts the layer shown. NULL is fine. */
void rows_adopt(struct rows *r, struct rows_layer *c);
/* Moves r's cached layers out (up to ROWS_CACHE, the count returned), for a rows of the same model. */
int rows_steal(struct rows *r, struct rows_layer **out);
/* Whether r's cache holds layer's rollups. */
int rows_cached(const struct rows *r, int layer);

/* Each of these rebuilds the rows from the open set (O(visible rows + children of open
 * folders)). */
void rows_set_layer(struct rows *r, int layer);
void rows_set_changes_only(struct rows *r, int on);
void rows_set_sort(struct rows *r, int sort);
void rows_set_hide(struct rows *r, unsigned hide);
/* A regular expression on the absolute path (PCRE2, smart case); "" or NULL clears. O(paths)
 * once. 0, or -1 with the reason in err when the pattern is bad (the filter is then unchanged). */
int rows_set_filter(struct rows *r, const char *text, char *err, size_t errlen);
/* A filter given as PF_* bits per path node (ownership of pass passes to r); label for titles. */
void rows_set_pass(struct rows *r, uint8_t *pass, const char *label);
/* Files (and links) of the filtered set under node at this layer: the count shown beside a
 * folder while a filter is on. */
uint32_t rows_count(const struct rows *r, uint32_t node);
void rows_rebuild(struct rows *r);

/* Whether the node would be shown with the current layer, mode, hide mask and filter. */
int rows_shown(const struct rows *r, uint32_t node);
int rows_has_children(const struct rows *r, uint32_t node);
/* Opens or closes the folder on row i (splice). Returns 1 if something changed. */
int rows_open(struct rows *r, uint32_t i);
int rows_close(struct rows *r, uint32_t i);
/* Opens (1) or closes (0) every folder, then rebuilds. */
void rows_set_all_open(struct rows *r, int open);
/* Opens every ancestor of node and returns its row, or -1 if it is not shown. */
long rows_reveal(struct rows *r, uint32_t node);
/* Row index of node, or -1. O(rows). */
long rows_find(const struct rows *r, uint32_t node);
/* Row of the parent of row i, or -1. */
long rows_parent(const struct rows *r, uint32_t i);

/* The size shown for a node in the current mode, its RS_* status (0 if none). */
uint64_t rows_size(const struct rows *r, uint32_t node);
unsigned rows_status(const struct rows *r, uint32_t node);

/* Search: every node whose name contains `text` (case-insensitive) and that is shown, in
 * display order (depth first, current sort). Caller frees *out. Returns the count. */
size_t rows_search(struct rows *r, const char *text, uint32_t **out);
/* Search in every layer: every path node any layer wrote whose name contains `text`
 * (case-insensitive), in the order of their absolute paths. Caller frees *out. Returns the
 * count. The first call ranks every path once (O(paths log paths)). */
size_t rows_search_all(struct rows *r, const char *text, uint32_t **out);
/* Where a path lives, in words ("in layer 4, deleted in 7", "in layers 1, 3"), and the layer to
 * show it at: the current one when it is there, else the last that had it. Returns buf. */
const char *rows_where(const struct model *m, uint32_t node, int cur_layer, int *show_layer, char *buf,
                       size_t n);

#endif
