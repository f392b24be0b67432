/* clipboard.c: OSC 52 copy (see clipboard.h). */
#include "ui/clipboard.h"

#include <stdlib.h>
#include <string.h>

#include "src/util.h"
#include "ui/term.h"

size_t clipboard_base64(const char *s, size_t len, char *out, size_t outsz)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    if (outsz < 4 * ((len + 2) / 3) + 1) {
        if (outsz)
            out[0] = 0;
        return 0;
    }
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < len ? p[i + 2] : 0);
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < len ? b64[v & 63] : '=';
    }
    out[o] = 0;
    return o;
}

int clipboard_allowed(void)
{
    const char *force = getenv("STRATA_OSC52");
    if (force && *force)
        return strcmp(force, "0") != 0;
    if (getenv("TMUX") && *getenv("TMUX"))
        return 1;
    char cap[] = "Ms";
    const char *ms = tigetstr(cap);
    if (ms && ms != (char *)-1)
        return 1;
    const char *t = getenv("TERM");
    static const char *known[] = {"xterm-kitty", "foot", "alacritty", "wezterm", "contour"};
    for (size_t i = 0; t && i < sizeof known / sizeof *known; i++)
        if (!strncmp(t, known[i], strlen(known[i])))
            return 1;
    return 0;
}

void clipboard_copy(FILE *out, const char *s, size_t len)
{
    size_t n = 4 * ((len + 2) / 3) + 1;
    char *b = xmalloc(n);
    clipboard_base64(s, len, b, n);
    fprintf(out, "\033]52;c;%s\a", b);
    fflush(out);
    free(b);
}
