/* viewer.h: the file viewer overlay of the interactive view.
 *
 *   ui_open_viewer(u, node);   // declared in ui/view.h: the file at the current layer, masked
 *   ...
 *   viewer_free();             // at teardown (ui_free): drops the secret scanner it made
 */
#ifndef STRATA_UI_VIEWER_H
#define STRATA_UI_VIEWER_H

void viewer_free(void);

#endif
