/* sink.h: how file contents reach analysis without src/ knowing analysis.
 *
 * The reader streams each layer once. For every regular file it calls file_begin on each sink;
 * a sink that returns nonzero receives the file's bytes in order (file_data, any number of
 * times, possibly none for an empty file) and then file_end. Files no sink wants are skipped,
 * by seeking where the input allows. With --no-content no sink is called at all.
 *
 *   blob   the blob being read (entries' layer field before stacking); after image_open()
 *          image.blob_layer[blob] maps it to a layer index.
 *   entry  index into model.entries of this version of the file; in a forked instance, the
 *          entry's number within its blob (from 0).
 * Sinks run on the reader's thread; they must not touch the UI.
 *
 * Several layers at once (--jobs): a sink that has fork and join is given one instance per layer
 * read on a worker thread, so that no state is shared between threads:
 *   child = fork(ctx)              on the reading thread, before the layer is handed out
 *   ... file_begin/data/end(child) on one worker thread, entries numbered within the blob ...
 *   join(ctx, child, first_entry)  on the reading thread, one layer at a time in manifest order:
 *                                  child's results move into ctx as if ctx had seen them, entry
 *                                  numbers plus first_entry; child is freed
 * join may also be given a child that saw no file (a layer that failed to start). A sink without
 * fork/join makes the reader read one layer at a time. */
#ifndef STRATA_SINK_H
#define STRATA_SINK_H

#include <stddef.h>
#include <stdint.h>

struct sink_file {
    uint32_t blob;
    uint32_t entry;
    const char *path;      /* absolute, "/etc/passwd"; valid during file_begin only */
    uint64_t size;
    uint16_t mode;
};

struct sink {
    void *ctx;
    int (*file_begin)(void *ctx, const struct sink_file *f);
    void (*file_data)(void *ctx, const void *buf, size_t len);
    void (*file_end)(void *ctx);
    void *(*fork)(void *ctx);
    void (*join)(void *ctx, void *child, uint32_t first_entry);
};

#endif
