/* keys.h: key and mouse dispatch (ui_key and ui_mouse are declared in ui/ui.h).
 * keys_selected_entry(): the entry the selection stands for, the focused finding's file or the
 * tree's selected path at the current layer; 0 if none. */
#ifndef STRATA_UI_KEYS_H
#define STRATA_UI_KEYS_H

#include <stdint.h>

struct ui;
uint32_t keys_selected_entry(struct ui *u);

#endif
