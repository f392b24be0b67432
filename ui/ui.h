/* ui.h: the interactive view (`strata IMAGE` on a terminal) and the diff view.
 *
 *   struct ui_args a = {.path = "app.tar", .iopts = io, .aopts = ao, .color = "auto"};
 *   int rc = ui_run(&a);   // 0, or 1 with "strata: <why>" on stderr after the terminal is restored
 *
 * ui_run() reads the image on a thread (image_open + analysis) while the screen already shows
 * the header and a progress bar; q quits at any time. The terminal is restored on every exit
 * path: normal return, die() (hook), SIGINT/SIGTERM.
 *
 * Headless tests drive the same code on a SCREEN of their own:
 *   SCREEN *s = newterm("xterm-256color", out, keys_in);  resizeterm(24, 80);
 *   ui_run_screen(&a, s);            // keys come from keys_in; ends on q or end of input;
 *                                    // does not endwin(): the last screen stays in curscr
 * or step by step on an already loaded image (see struct ui in ui/view.h):
 *   struct ui *u = ui_new(s, &img, an, "off");  ui_key(u, 'j');  ui_draw(u);  ui_free(u);
 */
#ifndef STRATA_UI_H
#define STRATA_UI_H

#include "analysis/analysis.h"
#include "analysis/diff.h"
#include "src/image.h"
#include "ui/diff_view.h"

struct ui_args {
    const char *path;
    struct image_opts iopts;
    struct analysis_opts aopts;
    const char *color;     /* "auto" | "off" | "dark"; NULL = auto */
};

int ui_run(const struct ui_args *a);
/* Interactive `strata diff A B` (ui/diff_view.c): ui_diff_run(d, color). */

/* --- headless / in-process use (tests) --- */
struct screen;
int ui_run_screen(const struct ui_args *a, struct screen *scr);

struct ui;
/* A view over an already loaded image (img must stay open, the model read-only). */
struct ui *ui_new(struct screen *scr, struct image *img, struct analysis *an, const char *color);
/* Handles one key as the event loop would (KEY_RESIZE included); returns REACT_* flags. */
int ui_key(struct ui *u, int key);
/* A mouse event at screen (y, x) with ncurses button state bits. */
int ui_mouse(struct ui *u, int y, int x, unsigned long bstate);
/* Draws what is dirty and refreshes the screen. */
void ui_draw(struct ui *u);
void ui_free(struct ui *u);

#endif
