/* clipboard.h: copying a path to the terminal's clipboard with OSC 52, where the terminal is
 * known to take it: tmux (with set-clipboard on), terminals whose terminfo entry has the Ms
 * capability, kitty, foot, alacritty, wezterm. STRATA_OSC52=1 or 0 overrides the guess.
 *
 *   if (clipboard_allowed()) clipboard_copy(stdout, path, strlen(path));
 * The bytes go base64-encoded, so a name from the image never reaches the terminal raw. */
#ifndef STRATA_UI_CLIPBOARD_H
#define STRATA_UI_CLIPBOARD_H

#include <stddef.h>
#include <stdio.h>

int clipboard_allowed(void);
/* Writes ESC ] 52 ; c ; BASE64 BEL to out and flushes it. */
void clipboard_copy(FILE *out, const char *s, size_t len);
/* base64 of s into out (outsz >= 4 * ((len + 2) / 3) + 1); returns the length written. */
size_t clipboard_base64(const char *s, size_t len, char *out, size_t outsz);

#endif
