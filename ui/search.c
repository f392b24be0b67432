/* search.c: the status-line prompt (search, filter, extract) and stepping through search
 * matches. */
#include "ui/search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/util.h"
#include "ui/extract.h"
#include "ui/keys.h"
#include "ui/view.h"

/* Shows match k: at the layer where it lives when the current one does not have it. */
static void show_match(struct ui *u, long k)
{
    const struct model *m = &u->img->model;
    uint32_t node = u->matches[k];
    int layer;
    char where[128], p[4096];
    rows_where(m, node, u->layer, &layer, where, sizeof where);
    if (layer != u->layer || rows_find(&u->rows, node) < 0 || !rows_shown(&u->rows, node)) {
        ui_jump_node(u, node, layer);   /* says why when the filter or the toggles hide it */
        if (u->msg_err)
            return;
    } else {
        long row = rows_reveal(&u->rows, node);
        if (row >= 0) {
            u->tree_node = node;
            u->views[PANE_TREE].sel = row;
            u->focus = u->details_of = PANE_TREE;
        }
    }
    ui_message(u, 0, "\"%s\": match %ld of %zu, %s %s", u->search, k + 1, u->n_matches,
               model_path_str(m, node, p, sizeof p), where);
}

/* Matches of u->search in every layer; dir 0: the current one or the first, +1/-1: next and
 * previous in path order, wrapping. */
int search_step(struct ui *u, int dir)
{
    if (!u->search[0]) {
        ui_message(u, 0, "no search yet: / to search");
        return REACT_HANDLED;
    }
    free(u->matches);
    u->matches = NULL;
    u->n_matches = rows_search_all(&u->rows, u->search, &u->matches);
    if (!u->n_matches) {
        ui_message(u, 1, "no match for \"%s\" in any layer", u->search);
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
    show_match(u, k);
    return REACT_HANDLED | REACT_RELOAD;
}

void search_prompt_start(struct ui *u, int kind, const char *init)
{
    u->prompt = kind;
    snprintf(u->pbuf, sizeof u->pbuf, "%s", init ? init : "");
    u->plen = strlen(u->pbuf);
    u->msg[0] = 0;
    /* where the search started: Esc goes back there */
    u->search_from_layer = u->views[PANE_LAYERS].sel;
    u->search_from_node = u->tree_node;
    u->search_from_focus = u->focus;
    free(u->search_open);
    u->search_open = NULL;
    if (kind == PROMPT_SEARCH) {   /* the folders as they were: each keystroke starts from them */
        size_t n = u->img->model.n_paths ? u->img->model.n_paths : 1;
        u->search_open = xmalloc(n);
        memcpy(u->search_open, u->rows.open, n);
    }
    u->dirty = 1;
}

/* Closes again the folders the previous keystrokes opened to show their matches. */
static void restore_open(struct ui *u)
{
    if (!u->search_open)
        return;
    memcpy(u->rows.open, u->search_open, u->img->model.n_paths ? u->img->model.n_paths : 1);
    rows_rebuild(&u->rows);
}

/* Search as you type: the first match of what is typed so far, from the start of the list. */
static void search_incremental(struct ui *u)
{
    u->pbuf[u->plen] = 0;
    if (u->search_from_layer != u->views[PANE_LAYERS].sel)
        ui_set_layer_row(u, u->search_from_layer);
    restore_open(u);
    if (!u->pbuf[0]) {
        u->msg[0] = 0;
        return;
    }
    snprintf(u->search, sizeof u->search, "%s", u->pbuf);
    free(u->matches);
    u->matches = NULL;
    u->n_matches = rows_search_all(&u->rows, u->search, &u->matches);
    if (u->n_matches)
        show_match(u, 0);
    else
        ui_message(u, 1, "no match for \"%s\" in any layer", u->search);
}

static void search_cancel(struct ui *u)
{
    if (u->search_from_layer != u->views[PANE_LAYERS].sel)
        ui_set_layer_row(u, u->search_from_layer);
    restore_open(u);
    long row = u->search_from_node ? rows_reveal(&u->rows, u->search_from_node) : -1;
    if (row >= 0) {
        u->tree_node = u->search_from_node;
        u->views[PANE_TREE].sel = row;
    }
    u->focus = u->details_of = u->search_from_focus;
    u->msg[0] = 0;
}

static int prompt_submit(struct ui *u)
{
    int kind = u->prompt;
    u->prompt = PROMPT_NONE;
    u->pbuf[u->plen] = 0;
    switch (kind) {
    case PROMPT_SEARCH:
        if (!u->pbuf[0])
            return REACT_HANDLED | REACT_RELOAD;
        snprintf(u->search, sizeof u->search, "%s", u->pbuf);
        return search_step(u, 0);
    case PROMPT_FILTER: {
        char err[160];
        if (rows_set_filter(&u->rows, u->pbuf, err, sizeof err) < 0) {
            ui_message(u, 1, "filter: bad regular expression: %s", err);
            return REACT_HANDLED | REACT_REDRAW;
        }
        if (u->pbuf[0])
            ui_message(u, 0, "%u paths match /%s/ (f, Ctrl-U, Enter clears)", u->rows.pass_files, u->pbuf);
        else
            ui_message(u, 0, "filter cleared");
        return REACT_HANDLED | REACT_RELOAD;
    }
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
        if (u->prompt == PROMPT_SEARCH)
            search_cancel(u);
        u->prompt = PROMPT_NONE;
        u->dirty = 1;
        return REACT_HANDLED | REACT_RELOAD;
    case '\n': case '\r': case KEY_ENTER:
        return prompt_submit(u);
    case KEY_BACKSPACE: case 127: case 8:
        while (u->plen > 0) {   /* drop one UTF-8 character */
            unsigned char c = (unsigned char)u->pbuf[--u->plen];
            if ((c & 0xc0) != 0x80)
                break;
        }
        break;
    case CTRL('u'):
        u->plen = 0;
        break;
    default:
        if (key >= 0x20 && key < 0x100 && key != 0x7f && u->plen + 1 < sizeof u->pbuf)
            u->pbuf[u->plen++] = (char)key;
        else
            return REACT_HANDLED;
        break;
    }
    u->dirty = 1;
    if (u->prompt == PROMPT_SEARCH) {
        search_incremental(u);
        return REACT_HANDLED | REACT_RELOAD;
    }
    return REACT_HANDLED;
}
