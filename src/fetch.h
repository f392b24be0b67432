/* fetch.h: the bytes of one entry of one layer, read again from the image on disk.
 *
 * The model keeps no file contents, so the viewer and extract re-read the one layer that holds
 * the entry: the layer's blob is found in the outer archive (or in an OCI layout folder), opened
 * through libarchive's decompressors, and walked with the same header walker that built the model
 * (src/tarscan.h) to the very member that made the entry: entry_ext.member, its ordinal in the
 * blob. A layer that holds a path twice therefore gives the copy the entry stands for (the
 * visible one is the last), never the first member of that name. A hard link reads the member it
 * names: the last one of that name before the link in the same layer (tar's rule), followed
 * through links to links. Standard input cannot be read twice: "content not available".
 *
 *   struct fetch *f; const void *p; size_t n; int r;
 *   if (fetch_open(&f, img, entry, &err) == RC_OK) {
 *       while ((r = fetch_next(f, &p, &n, &err)) == 1) ...use p[0..n)...;   // -1: err says why
 *       fetch_close(f);
 *   }
 *   fetch_entry(img, entry, 1 << 20, &buf, &len, &truncated, &err);   // up to max bytes at once
 */
#ifndef STRATA_FETCH_H
#define STRATA_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "src/image.h"
#include "src/util.h"

struct fetch;

/* Opens the body of a regular file (or of a hard link's target). RC_OK, or RC_FAILED with err. */
int fetch_open(struct fetch **out, const struct image *img, uint32_t entry, struct errbuf *err);
/* The same, for a caller that shows the walk to the member (a file at the end of a large layer
 * takes a while): tick gets the layer bytes read so far, about every 4 MiB, and returns nonzero
 * to stop; then RC_WARN with err "cancelled". */
typedef int (*fetch_tick_fn)(void *ctx, uint64_t layer_bytes_read);
int fetch_open_tick(struct fetch **out, const struct image *img, uint32_t entry,
                    fetch_tick_fn tick, void *tctx, struct errbuf *err);
/* Body size as in the member's header. */
uint64_t fetch_size(const struct fetch *f);
/* The next piece of the body, valid until the next call: 1, 0 at its end, -1 (err set). */
int fetch_next(struct fetch *f, const void **p, size_t *n, struct errbuf *err);
void fetch_close(struct fetch *f);

/* Up to max bytes of the file: *buf malloc'd (NUL-terminated beyond len), caller frees;
 * *truncated when the file is longer. RC_OK or RC_FAILED. */
int fetch_entry(const struct image *img, uint32_t entry, size_t max, char **buf, size_t *len,
                int *truncated, struct errbuf *err);
/* The same with a tick while walking to the member (see fetch_open_tick); RC_WARN if stopped. */
int fetch_entry_tick(const struct image *img, uint32_t entry, size_t max, char **buf, size_t *len,
                     int *truncated, fetch_tick_fn tick, void *tctx, struct errbuf *err);

#endif
