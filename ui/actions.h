/* actions.h: every user action, its default keys and its help text, in one X-macro.
 *
 * The table generates the ACT_* enum, the key -> action map (actions_lookup) and the help
 * screen (actions_label / actions_help), so the help can never disagree with the bindings.
 *   X(NAME, help text, key1, key2, key3)   unused key slots are 0
 * Keys are getch() codes; ctrl-X is written CTRL('x'). */
#ifndef STRATA_UI_ACTIONS_H
#define STRATA_UI_ACTIONS_H

#include "ui/term.h"

#undef CTRL
#define CTRL(c) ((c) & 0x1f)

#define ACTIONS(X) \
    X(UP,          "move up",                                         KEY_UP, 'k', 0) \
    X(DOWN,        "move down",                                       KEY_DOWN, 'j', 0) \
    X(PGUP,        "page up",                                         KEY_PPAGE, CTRL('b'), 0) \
    X(PGDN,        "page down",                                       KEY_NPAGE, CTRL('f'), 0) \
    X(HOME,        "first row",                                       KEY_HOME, 'g', 0) \
    X(END,         "last row",                                        KEY_END, 'G', 0) \
    X(NEXT_PANE,   "next pane (layers, files, findings)",             '\t', 0, 0) \
    X(PREV_PANE,   "previous pane",                                   KEY_BTAB, 0, 0) \
    X(OPEN,        "open/close folder or group; jump to a finding's file", '\n', KEY_ENTER, ' ') \
    X(LEFT,        "close folder, or go to its parent",               KEY_LEFT, 'h', 0) \
    X(RIGHT,       "open folder",                                     KEY_RIGHT, 'l', 0) \
    X(LAYER_PREV,  "previous layer (from any pane)",                  '[', 0, 0) \
    X(LAYER_NEXT,  "next layer (from any pane)",                      ']', 0, 0) \
    X(SEARCH,      "search file names in every layer, as you type",   '/', 0, 0) \
    X(SEARCH_NEXT, "next match, across layers (opens closed folders)", 'n', 0, 0) \
    X(SEARCH_PREV, "previous match, across layers",                   'N', 0, 0) \
    X(FILTER,      "filter: show only paths matching a regular expression", 'f', 0, 0) \
    X(EXPAND_ALL,  "open every folder (files) or group (findings)",  'O', 0, 0) \
    X(COLLAPSE_ALL,"close every folder or group",                     'C', 0, 0) \
    X(KINDS,       "findings: every kind, or one kind at a time",     't', 0, 0) \
    X(ATTRS,       "show/hide the mode and uid:gid column",           'm', 0, 0) \
    X(COPY_PATH,   "copy the selected path (OSC 52, where the terminal allows)", 'y', 0, 0) \
    X(SORT,        "sort by size / by name",                          's', 0, 0) \
    X(CHANGES,     "whole filesystem / only this layer's changes",    'c', 0, 0) \
    X(HIDE_ADDED,  "hide/show added entries (+)",                     'A', 0, 0) \
    X(HIDE_REMOVED,"hide/show removed entries (-)",                   'R', 0, 0) \
    X(HIDE_MODIFIED,"hide/show modified entries (~)",                 'M', 0, 0) \
    X(HIDE_UNCHANGED,"hide/show unchanged entries",                   'U', 0, 0) \
    X(VIEW,        "view file content (secrets masked)",              'v', 0, 0) \
    X(EXTRACT,     "extract the file into a folder",                  'x', 0, 0) \
    X(DOCKERIGNORE,"preview the .dockerignore for what COPY brought in", 'D', 0, 0) \
    X(HELP,        "this help",                                       '?', KEY_F(1), 0) \
    X(BACK,        "close help / viewer / prompt",                    27, 0, 0) \
    X(REDRAW,      "redraw the screen",                               CTRL('l'), 0, 0) \
    X(QUIT,        "quit",                                            'q', 0, 0) \
    X(MOUSE,       "click selects, wheel scrolls the pane under the pointer", KEY_MOUSE, 0, 0)

enum action {
    ACT_NONE = 0,
#define X(name, help, k1, k2, k3) ACT_##name,
    ACTIONS(X)
#undef X
    ACT_COUNT
};

/* Action bound to a getch() code, ACT_NONE if none. */
enum action actions_lookup(int key);
/* "Up k", "PgUp ^B", "Enter Space": the keys of an action, for help and README. */
const char *actions_label(enum action a, char *buf, unsigned len);
const char *actions_help(enum action a);
const char *actions_name(enum action a);
/* Printable name of one key code. */
const char *actions_key_name(int key, char *buf, unsigned len);

#endif
