/* jsonout.h: JSON strings for names that come from an image. */
#ifndef STRATA_JSONOUT_H
#define STRATA_JSONOUT_H

#include <jansson.h>
#include <stdio.h>

/* A JSON string of s ("" for NULL). jansson refuses invalid UTF-8 and names from an image may be
 * any bytes: those are escaped (\xff) rather than dropped. */
json_t *jsonout_name(const char *s);

/* json_dumpf, but C1 controls and bidirectional overrides (util_cp_unsafe) are
 * written as \uNNNN escapes: the same strings to a JSON reader, and nothing that drives or
 * reorders a terminal that shows the file. 0, or -1 on a write error. */
int jsonout_dumpf(const json_t *root, FILE *f, size_t flags);

#endif
