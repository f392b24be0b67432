/* ids.h: the ids that --ignore (and `ignore =` in .strata.conf) can silence: secret rules, waste
 * categories, the dead-bytes categories ("shadowed", "deleted"), the Dockerfile hints and the
 * Dockerfile advice (base-slimmer, layer-order, torch-cuda).
 *
 *   if (!ids_known(arg)) { char *k = ids_list(); fprintf(stderr, "… known: %s\n", k); free(k); } */
#ifndef STRATA_IDS_H
#define STRATA_IDS_H

#include <stddef.h>

/* 1 when id names something that can be silenced, else 0. */
int ids_known(const char *id);
/* Every known id on one line, grouped ("secret rules: a, b; waste: c, d; hints: DL3009, …");
 * caller frees. */
char *ids_list(void);
/* The i-th Dockerfile hint id ("DL3009", …), NULL past the last (for strata --list-ids). */
const char *ids_hint(size_t i);
/* The i-th advice id ("layer-order", …), NULL past the last. */
const char *ids_advice(size_t i);

#endif
