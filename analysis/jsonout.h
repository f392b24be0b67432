/* jsonout.h: JSON strings for names that come from an image. */
#ifndef STRATA_JSONOUT_H
#define STRATA_JSONOUT_H

#include <jansson.h>

/* A JSON string of s ("" for NULL). jansson refuses invalid UTF-8 and names from an image may be
 * any bytes: those are escaped (\xff) rather than dropped. */
json_t *jsonout_name(const char *s);

#endif
