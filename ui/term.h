/* term.h: the one place ui/ includes ncurses, with wide-character functions enabled. */
#ifndef STRATA_UI_TERM_H
#define STRATA_UI_TERM_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>

#endif
