/* blobents.h: where the tar walker (src/layer.c) puts a blob's entries.
 *
 * Two modes, one call for the walker:
 *   direct    entries go straight into the model (one layer at a time on the calling thread:
 *             streamed inputs, --jobs 1). Entry numbers are model entry indexes.
 *   buffered  entries are recorded with their cleaned names in the blob's own array, off the
 *             model, so that a worker thread can walk a layer while others walk theirs. Entry
 *             numbers count from 0 in the blob. blobents_merge() later replays them into the
 *             model, in the same order and with the same interning calls as direct mode, so the
 *             model comes out identical (path node and entry numbers included).
 *
 *   struct blobents be;
 *   blobents_buffered(&be, b);                   // on the worker; b: the blob it will be
 *   ... layer_read(&be, ...) ...                 // blobents_add() per tar member
 *   b = model_blob_begin(m);                     // later, on the merging thread, in order
 *   blobents_merge(&be, m, b);                   // entry k of the blob is model entry first + k
 *   model_blob_end(m, b);
 *   blobents_free(&be);
 *
 * A buffered blob costs about 48 bytes plus its name and link per entry, held in 1 MiB chunks that
 * the merge frees as it goes. Not thread-safe: one thread at a time per struct blobents. */
#ifndef STRATA_BLOBENTS_H
#define STRATA_BLOBENTS_H

#include <stddef.h>
#include <stdint.h>

#include "src/model.h"

enum blobent_kind {
    BE_ENTRY,       /* a file, directory or link at name */
    BE_WHITEOUT,    /* name is dir/.wh.NAME: deletes dir/NAME */
    BE_OPAQUE,      /* name is dir/.wh..wh..opq: dir hides every lower child */
};

struct be_chunk;

struct blobents {
    struct model *m;            /* direct mode: the model, else NULL */
    uint32_t blob;              /* direct mode: the model blob being read */
    struct be_chunk *head, *tail;
    uint32_t n;                 /* entries added */
    /* direct mode: the last folder looked up (tar lists a folder's files together) */
    char *lastdir; size_t lastdir_len; uint32_t lastdir_node;
};

void blobents_direct(struct blobents *be, struct model *m, uint32_t blob);
/* blob: the model blob it will become (for sink_file.blob); entries count from 0. */
void blobents_buffered(struct blobents *be, uint32_t blob);

/* One tar member: name is the cleaned relative path (no leading '/', len bytes; its folder is
 * what precedes the last '/'). link may be NULL. member: the walker's ordinal of the member.
 * Markers (BE_WHITEOUT, BE_OPAQUE) take their mode and flags from the kind; pass zeros.
 * Returns the entry number (see the modes above). */
uint32_t blobents_add(struct blobents *be, enum blobent_kind kind, const char *name, size_t len,
                      uint64_t size, uint16_t mode, uint16_t flags, uint32_t uid, uint32_t gid,
                      int64_t mtime, const char *link, uint32_t member);

/* Replays a buffered blob into model blob `blob` (the one being filled, between
 * model_blob_begin and model_blob_end), freeing its records as they are replayed. */
void blobents_merge(struct blobents *be, struct model *m, uint32_t blob);
void blobents_free(struct blobents *be);

#endif
