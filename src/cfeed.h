/* cfeed.h: a layer's file contents fed to its sinks on a thread of their own.
 *
 * A compressed layer already has two threads: one inflating, one walking the tar, which also
 * fed every body to the sinks (hashing, the secret scan) and so ran behind the inflate. With a
 * core to spare (--jobs below the cores: image_opts.content_thread), the walk copies each body
 * into a ring and goes on; this thread feeds the sinks, in the same order, the same calls:
 *
 *   struct cfeed *f = cfeed_start(o);       // NULL: no thread; feed the sinks inline instead
 *   cfeed_begin(f, &sf);                    // a regular file: its sinks' file_begin, there
 *   tar_walk_data(&w, cfeed_data, f);       // its bytes, copied
 *   cfeed_end(f);                           // file_end
 *   cfeed_finish(f);                        // every event fed, the thread joined, f freed
 *
 * The sinks of o are the feed thread's from cfeed_start to cfeed_finish. */
#ifndef STRATA_CFEED_H
#define STRATA_CFEED_H

#include <stddef.h>

#include "src/image.h"
#include "src/sink.h"

struct cfeed;

struct cfeed *cfeed_start(const struct image_opts *o);
void cfeed_begin(struct cfeed *f, const struct sink_file *sf);
void cfeed_data(void *f, const void *p, size_t n);
void cfeed_end(struct cfeed *f);
void cfeed_finish(struct cfeed *f);

#endif
