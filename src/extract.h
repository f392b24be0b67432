/* extract.h: one file of an image written into a folder the user names, safely.
 *
 * Names and bytes come from an image strata did not build, so the writer trusts nothing in them:
 *   - the folder is created if missing (with its parents), and never lies inside the image;
 *   - the file lands at FOLDER/<its in-image path>: every component is checked ("", ".", "..",
 *     '/' refused), folders below FOLDER are opened relative to their parent's fd with
 *     O_NOFOLLOW, so a symbolic link already there (pointing anywhere) is refused, never followed;
 *   - a path longer than the system can name (a component over NAME_MAX, the whole over
 *     PATH_MAX) is refused, never shortened;
 *   - the bytes go to a fresh temporary file beside the target (O_EXCL | O_NOFOLLOW), which is
 *     renamed into place only when complete and never over an existing name: a failed or
 *     cancelled extract leaves no partial file;
 *   - the file keeps its permission bits, never setuid, setgid or sticky.
 *
 *   struct errbuf e = {0};
 *   if (extract_check(img, entry, &e) != RC_OK) ... say e.msg, do not ask for a folder ...
 *   rc = extract_entry(img, entry, "out", tick, ctx, written, sizeof written, &e);
 *   // RC_OK (written = the path), RC_WARN (cancelled by tick, nothing written), RC_FAILED (e)
 */
#ifndef STRATA_EXTRACT_H
#define STRATA_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "src/image.h"
#include "src/util.h"

/* Progress, about every MiB written: returns nonzero to cancel. Before the first byte, while the
 * layer is read up to the file, it comes with total 0 and done = layer bytes read so far. */
typedef int (*extract_tick_fn)(void *ctx, uint64_t done, uint64_t total);
/* A source of the body: 1 with *p, *n set, 0 at the end, -1 with err set. */
typedef int (*extract_read_fn)(void *ctx, const void **p, size_t *n, struct errbuf *err);

/* Whether extract can write this entry at all (a regular file or a hard link to one, from an
 * image on disk); asked before asking for a folder. RC_OK, or RC_FAILED with err saying why. */
int extract_check(const struct image *img, uint32_t entry, struct errbuf *err);

/* Writes the entry's bytes (src/fetch.h) to dir/<its path>. tick may be NULL. */
int extract_entry(const struct image *img, uint32_t entry, const char *dir, extract_tick_fn tick,
                  void *tctx, char *written, size_t wlen, struct errbuf *err);

/* The writing half, for any source of bytes (tests use memory): dir/comps[0]/.../comps[n-1] with
 * mode's permission bits. total is for the tick only. image_path (may be NULL): a file or folder
 * the destination must not lie in. Same return values as extract_entry. */
int extract_write(const char *dir, const char *const *comps, size_t n, unsigned mode,
                  uint64_t total, extract_read_fn rd, void *rctx, extract_tick_fn tick, void *tctx,
                  const char *image_path, char *written, size_t wlen, struct errbuf *err);

#endif
