#include "ui/actions.h"

#include <stdio.h>
#include <string.h>

#include "ui/term.h"

static const struct {
    const char *name, *help;
    int keys[3];
} table[ACT_COUNT] = {
    [ACT_NONE] = {"none", "", {0, 0, 0}},
#define X(nm, hl, k1, k2, k3) [ACT_##nm] = {#nm, hl, {k1, k2, k3}},
    ACTIONS(X)
#undef X
};

enum action actions_lookup(int key)
{
    if (!key)
        return ACT_NONE;
    if (key == '\r')
        key = '\n';
    for (int a = 1; a < ACT_COUNT; a++)
        for (int i = 0; i < 3; i++)
            if (table[a].keys[i] == key)
                return (enum action)a;
    return ACT_NONE;
}

const char *actions_key_name(int key, char *buf, unsigned len)
{
    const char *s = NULL;
    switch (key) {
    case KEY_UP: s = "Up"; break;
    case KEY_DOWN: s = "Down"; break;
    case KEY_LEFT: s = "Left"; break;
    case KEY_RIGHT: s = "Right"; break;
    case KEY_PPAGE: s = "PgUp"; break;
    case KEY_NPAGE: s = "PgDn"; break;
    case KEY_HOME: s = "Home"; break;
    case KEY_END: s = "End"; break;
    case KEY_BTAB: s = "S-Tab"; break;
    case KEY_ENTER: s = "KpEnter"; break;
    case KEY_MOUSE: s = "Mouse"; break;
    case '\t': s = "Tab"; break;
    case '\n': s = "Enter"; break;
    case ' ': s = "Space"; break;
    case 27: s = "Esc"; break;
    default: break;
    }
    if (s)
        snprintf(buf, len, "%s", s);
    else if (key >= KEY_F(1) && key <= KEY_F(12))
        snprintf(buf, len, "F%d", key - KEY_F0);
    else if (key > 0 && key < 32)
        snprintf(buf, len, "^%c", key + '@');
    else
        snprintf(buf, len, "%c", key);
    return buf;
}

const char *actions_label(enum action a, char *buf, unsigned len)
{
    size_t o = 0;
    buf[0] = 0;
    if (a <= ACT_NONE || a >= ACT_COUNT)
        return buf;
    for (int i = 0; i < 3; i++) {
        int k = table[a].keys[i];
        if (!k || k == KEY_ENTER)
            continue;
        char one[16];
        actions_key_name(k, one, sizeof one);
        int w = snprintf(buf + o, len - o, "%s%s", o ? " " : "", one);
        if (w < 0 || (size_t)w >= len - o)
            break;
        o += (size_t)w;
    }
    return buf;
}

const char *actions_help(enum action a)
{
    return a > ACT_NONE && a < ACT_COUNT ? table[a].help : "";
}

const char *actions_name(enum action a)
{
    return a >= ACT_NONE && a < ACT_COUNT ? table[a].name : "";
}
