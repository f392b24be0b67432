/* extract.h (ui): the x and v keys' reading in the view. src/extract.c does the writing (and all
 * the safety), src/fetch.c the reading; this shows their progress on the status line and lets Esc
 * or c cancel a large file or a long walk through a layer. */
#ifndef STRATA_UI_EXTRACT_H
#define STRATA_UI_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

struct ui;

/* Extracts entry into dir, then leaves a status message: what was written, why not, or
 * "cancelled". */
void ui_extract(struct ui *u, uint32_t entry, const char *dir);

/* fetch_entry for the viewer: a walk through a large layer to the file shows how far it is and
 * Esc or c stops it (RC_WARN, err "cancelled"). */
struct errbuf;
int ui_fetch_entry(struct ui *u, uint32_t entry, size_t max, char **buf, size_t *len,
                   int *truncated, struct errbuf *err);

#endif
