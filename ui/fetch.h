/* fetch.h: the bytes of one file of one layer, read again from the image on disk, and a safe
 * extraction of it into a folder the user names.
 *
 * The model keeps no file contents, so the viewer re-reads the one layer that holds the entry:
 * it scans the outer archive (or opens the blob of an OCI layout directory) for the layer's
 * blob, opens that blob as a tar through libarchive (any compression) and stops at the member.
 * Standard input cannot be read twice: RC_FAILED, "content not available for standard input".
 *
 *   char *buf; size_t len; int trunc; struct errbuf e = {0};
 *   if (fetch_entry(img, entry, 1 << 20, &buf, &len, &trunc, &e) == RC_OK) { ...; free(buf); }
 *   fetch_extract(img, entry, "/tmp/out", written, sizeof written, &e);
 */
#ifndef STRATA_UI_FETCH_H
#define STRATA_UI_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "src/image.h"
#include "src/util.h"

/* Up to max bytes of a regular file (a hard link reads its target in the same layer).
 * *buf is malloc'd (NUL-terminated beyond len), caller frees. RC_OK or RC_FAILED. */
int fetch_entry(const struct image *img, uint32_t entry, size_t max, char **buf, size_t *len,
                int *truncated, struct errbuf *err);

/* Writes the whole file to DIR/<its in-image path>, creating folders under DIR. Refuses "..",
 * ".", empty or '/'-holding components, follows no symlink below DIR (O_NOFOLLOW at every
 * step), never overwrites (O_EXCL), never writes inside the image. written gets the path. */
int fetch_extract(const struct image *img, uint32_t entry, const char *dir, char *written,
                  size_t wlen, struct errbuf *err);

/* The file-creation half of fetch_extract, for tests: creates DIR/<comps...> safely and returns
 * an fd open for writing, or -1 with err set. comps are the path's components, in order. */
int fetch_create_safe(const char *dir, const char *const *comps, size_t n, unsigned mode,
                      struct errbuf *err);

#endif
