/* path_filter.h: which paths of the model match a regular expression (PCRE2, on the absolute
 * path, as dive's filter does). Case-insensitive unless the pattern has an upper-case letter.
 *
 *   char err[128];
 *   struct path_filter *f = path_filter_new("\\.so(\\.[0-9]+)*$", err, sizeof err);
 *   if (!f) ... err: "missing ) at 4" ...
 *   uint8_t *pass = xcalloc(m->n_paths, 1);
 *   uint32_t n = path_filter_mark(f, m, pass);   // files matched
 *   path_filter_free(f);
 * No curses, no printing. */
#ifndef STRATA_ANALYSIS_PATH_FILTER_H
#define STRATA_ANALYSIS_PATH_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "src/model.h"

enum {
    PF_SELF = 1,    /* the path matches, or a folder above it does: it is in the filtered set */
    PF_BELOW = 2,   /* a path below it is in the set: shown so that it can be reached */
};

struct path_filter;
/* NULL on a bad pattern, with the reason and offset in err. */
struct path_filter *path_filter_new(const char *pattern, char *err, size_t errlen);
void path_filter_free(struct path_filter *f);
/* Whether an absolute path ("/usr/lib/libc.so.6") matches. */
int path_filter_match(struct path_filter *f, const char *path, size_t len);
/* Sets PF_* bits in pass[] (n_paths bytes, zeroed by the caller) for every path node; returns
 * how many nodes got PF_SELF. */
uint32_t path_filter_mark(struct path_filter *f, const struct model *m, uint8_t *pass);

#endif
