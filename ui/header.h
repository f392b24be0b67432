/* header.h: the rows around the panes: header_draw() the header (and the PARTIAL banner when the
 * layout gave it a row), header_draw_status() the status line. Both draw on stdscr; the caller
 * refreshes. */
#ifndef STRATA_UI_HEADER_H
#define STRATA_UI_HEADER_H

struct ui;
void header_draw(struct ui *u);
void header_draw_status(struct ui *u);

#endif
