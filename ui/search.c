/* search.c: the status-line prompt (search, filter, extract) and stepping through search
 * matches. */
#include "ui/search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/extract.h"
#include "ui/keys.h"
#include "ui/view.h"

int search_step(struct ui *u, int dir)
{
    if (!u->search[0]) {
        ui_message(u, 0, "no search yet: / to search");
        return REACT_HANDLED;
    }
    free(u->matches);
    u->matches = NULL;
    u->n_matches = rows_search(&u->rows, u->search, &u->matches);
    if (!u->n_matches) {
        ui_message(u, 1, "no match for \"%s\" at this layer", u->search);
        return REACT_HANDLED;
    }
    long cur = -1;
    for (size_t i = 0; i < u->n_matches; i++)
        if (u->matches[i] == u->tree_node)
            cur = (long)i;
    long k;
    if (dir == 0)
        k = cur >= 0 ? cur : 0;
    else if (cur < 0)
        k = dir > 0 ? 0 : (long)u->n_matches - 1;
    else
        k = (cur + dir + (long)u->n_matches) % (long)u->n_matches;
    uint32_t node = u->matches[k];
    long row = rows_reveal(&u->rows, node);
    if (row >= 0) {
        u->tree_node = node;
        u->views[PANE_TREE].sel = row;
        u->focus = u->details_of = PANE_TREE;
    }
    ui_message(u, 0, "\"%s\": match %ld of %zu", u->search, k + 1, u->n_matches);
    return REACT_HANDLED | REACT_RELOAD;
}


void search_prompt_start(struct ui *u, int kind, const char *init)
{
    u->prompt = kind;
    snprintf(u->pbuf, sizeof u->pbuf, "%s", init ? init : "");
    u->plen = strlen(u->pbuf);
    u->msg[0] = 0;
    u->dirty = 1;
}

static int prompt_submit(struct ui *u)
{
    int kind = u->prompt;
    u->prompt = PROMPT_NONE;
    u->pbuf[u->plen] = 0;
    switch (kind) {
    case PROMPT_SEARCH:
        if (!u->pbuf[0])
            return REACT_HANDLED | REACT_REDRAW;
        snprintf(u->search, sizeof u->search, "%s", u->pbuf);
        return search_step(u, 0);
    case PROMPT_FILTER:
        rows_set_filter(&u->rows, u->pbuf);
        if (u->pbuf[0])
            ui_message(u, 0, "%u rows match \"%s\" (f then empty Enter clears)", u->rows.n, u->pbuf);
        else
            ui_message(u, 0, "filter cleared");
        return REACT_HANDLED | REACT_RELOAD;
    case PROMPT_EXTRACT: {
        uint32_t e = keys_selected_entry(u);
        if (!e)
            ui_message(u, 1, "select a file first");
        else
            ui_extract(u, e, u->pbuf[0] ? u->pbuf : ".");
        return REACT_HANDLED | REACT_REDRAW;
    }
    }
    return REACT_HANDLED;
}

int search_prompt_key(struct ui *u, int key)
{
    switch (key) {
    case 27:
        u->prompt = PROMPT_NONE;
        u->dirty = 1;
        return REACT_HANDLED;
    case '\n': case '\r': case KEY_ENTER:
        return prompt_submit(u);
    case KEY_BACKSPACE: case 127: case 8:
        while (u->plen > 0) {   /* drop one UTF-8 character */
            unsigned char c = (unsigned char)u->pbuf[--u->plen];
            if ((c & 0xc0) != 0x80)
                break;
        }
        u->dirty = 1;
        return REACT_HANDLED;
    case CTRL('u'):
        u->plen = 0;
        u->dirty = 1;
        return REACT_HANDLED;
    default:
        if (key >= 0x20 && key < 0x100 && key != 0x7f && u->plen + 1 < sizeof u->pbuf) {
            u->pbuf[u->plen++] = (char)key;
            u->dirty = 1;
        }
        return REACT_HANDLED;
    }
}

