/* extract.h (ui): the x key's work in the view. src/extract.c does the writing (and all the
 * safety); this shows its progress on the status line and lets Esc or c cancel a large file. */
#ifndef STRATA_UI_EXTRACT_H
#define STRATA_UI_EXTRACT_H

#include <stdint.h>

struct ui;

/* Extracts entry into dir, then leaves a status message: what was written, why not, or
 * "cancelled". */
void ui_extract(struct ui *u, uint32_t entry, const char *dir);

#endif
