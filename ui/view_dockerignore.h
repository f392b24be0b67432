/* view_dockerignore.h: the .dockerignore of `strata --dockerignore` (analysis/dockerignore.h),
 * previewed in the text viewer overlay on its key. */
#ifndef STRATA_UI_VIEW_DOCKERIGNORE_H
#define STRATA_UI_VIEW_DOCKERIGNORE_H

struct ui;

/* Opens the preview, or says in the status line why there is none (still loading). */
void ui_open_dockerignore(struct ui *u);

#endif
