/* keys.c: key and mouse dispatch: a key becomes an action through the keymap; the global
 * actions (panes, layer, search, filter, toggles, help, quit) are handled here, the rest go to
 * the focused view, the open overlay or the prompt. */
#include "ui/keys.h"

#include <stdio.h>
#include <string.h>

#include "src/extract.h"
#include "ui/clipboard.h"
#include "ui/search.h"
#include "ui/ui.h"
#include "ui/diff_view.h"
#include "ui/view.h"
#include "ui/view_dockerignore.h"

uint32_t keys_selected_entry(struct ui *u)
{
    if (u->focus == PANE_FINDINGS && u->an) {
        uint32_t g = view_findings_selected(u);
        if (g && u->fg.v[g].kind == FG_SECRET)
            return u->an->secrets[u->fg.v[g].ref].entry;
        if (g && u->fg.v[g].kind == FG_DEAD)
            return u->an->dead[u->fg.v[g].ref].entry;
        return 0;
    }
    return u->tree_node ? ui_node_entry(u, u->tree_node) : 0;
}


static int toggle_hide(struct ui *u, unsigned bit, const char *what)
{
    rows_set_hide(&u->rows, u->rows.hide ^ bit);
    ui_message(u, 0, "%s entries %s", what, (u->rows.hide & bit) ? "hidden" : "shown");
    return REACT_HANDLED | REACT_RELOAD;
}

/* The selected path: the tree's, or the file or folder of the selected finding. */
static uint32_t selected_node(struct ui *u)
{
    if (u->focus == PANE_FINDINGS) {
        uint32_t g = view_findings_selected(u);
        if (g && u->fg.v[g].kind == FG_FOLDER)
            return u->fg.v[g].ref;
        uint32_t e = keys_selected_entry(u);
        return e ? u->img->model.entries[e].path : 0;
    }
    return u->focus == PANE_TREE && u->rows.n ? u->tree_node : 0;
}

static int copy_path(struct ui *u)
{
    char p[4096];
    uint32_t node = selected_node(u);
    if (!node) {
        ui_message(u, 0, "no path selected: select a file in the tree or a finding");
        return REACT_HANDLED;
    }
    model_path_str(&u->img->model, node, p, sizeof p);
    if (!clipboard_allowed()) {
        ui_message(u, 0, "this terminal may not take OSC 52 copies (tmux, kitty, foot do; "
                   "STRATA_OSC52=1 forces it): %s", p);
        return REACT_HANDLED;
    }
    clipboard_copy(stdout, p, strlen(p));
    ui_message(u, 0, "copied %s", p);
    return REACT_HANDLED;
}

static int global_action(struct ui *u, enum action act)
{
    switch (act) {
    case ACT_QUIT:
        return REACT_QUIT;
    case ACT_NEXT_PANE:
    case ACT_PREV_PANE: {
        static const int order[] = {PANE_LAYERS, PANE_TREE, PANE_FINDINGS};
        int i = 0;
        while (i < 3 && order[i] != u->focus)
            i++;
        i = (i + (act == ACT_NEXT_PANE ? 1 : 2)) % 3;
        u->focus = u->details_of = order[i];
        return REACT_HANDLED | REACT_RELOAD;
    }
    case ACT_LAYER_PREV:
    case ACT_LAYER_NEXT:
        ui_set_layer_row(u, u->views[PANE_LAYERS].sel + (act == ACT_LAYER_NEXT ? 1 : -1));
        return REACT_HANDLED | REACT_RELOAD;
    case ACT_SEARCH:
        search_prompt_start(u, PROMPT_SEARCH, "");
        return REACT_HANDLED;
    case ACT_SEARCH_NEXT:
    case ACT_SEARCH_PREV:
        return search_step(u, act == ACT_SEARCH_NEXT ? 1 : -1);
    case ACT_FILTER:
        search_prompt_start(u, PROMPT_FILTER, u->rows.filter);
        return REACT_HANDLED;
    case ACT_EXTRACT: {
        /* a folder, a link, a deleted path: said now, before asking where to write */
        struct errbuf err = {{0}, 0};
        if (extract_check(u->img, keys_selected_entry(u), &err) != RC_OK) {
            ui_message(u, 1, "%s", err.msg);
            return REACT_HANDLED;
        }
        search_prompt_start(u, PROMPT_EXTRACT, ".");
        return REACT_HANDLED;
    }
    case ACT_SORT:
        rows_set_sort(&u->rows, u->rows.sort == SORT_SIZE ? SORT_NAME : SORT_SIZE);
        ui_message(u, 0, "sorted by %s", u->rows.sort == SORT_SIZE ? "size" : "name");
        return REACT_HANDLED | REACT_RELOAD;
    case ACT_CHANGES:
        rows_set_changes_only(&u->rows, !u->rows.changes_only);
        ui_message(u, 0, "%s", u->rows.changes_only ? "showing only this layer's changes"
                                                    : "showing the whole filesystem");
        return REACT_HANDLED | REACT_RELOAD;
    case ACT_HIDE_ADDED: return toggle_hide(u, RS_ADDED, "added");
    case ACT_HIDE_REMOVED: return toggle_hide(u, RS_REMOVED, "removed");
    case ACT_HIDE_MODIFIED: return toggle_hide(u, RS_MODIFIED, "modified");
    case ACT_HIDE_UNCHANGED: return toggle_hide(u, RS_UNCHANGED, "unchanged");
    case ACT_VIEW: {
        if (u->focus == PANE_LAYERS) {
            ui_message(u, 0, "select a file in the file tree (Tab) to view it");
            return REACT_HANDLED;
        }
        uint32_t e = keys_selected_entry(u);
        if (!e) {
            ui_message(u, 0, "no file selected");
            return REACT_HANDLED;
        }
        if (u->focus == PANE_FINDINGS)
            ui_jump_to(u, e);
        ui_open_viewer(u, u->img->model.entries[e].path);
        return REACT_HANDLED | REACT_RELOAD;
    }
    case ACT_DOCKERIGNORE:      /* ui/view_dockerignore.c */
        ui_open_dockerignore(u);
        return REACT_HANDLED | REACT_RELOAD;
    case ACT_KINDS:
        return u->views[PANE_FINDINGS].ops->key(&u->views[PANE_FINDINGS], act);
    case ACT_ATTRS:
        u->show_attrs = !u->show_attrs;
        ui_message(u, 0, "mode and uid:gid column %s", u->show_attrs ? "shown" : "hidden");
        return REACT_HANDLED | REACT_RELOAD;
    case ACT_COPY_PATH:
        return copy_path(u);
    case ACT_HELP:
        ui_overlay_open(u, &view_help_ops);
        return REACT_HANDLED | REACT_RELOAD;
    case ACT_REDRAW:
        ui_relayout(u);
        return REACT_HANDLED | REACT_RELAYOUT;
    case ACT_BACK:
        u->msg[0] = 0;
        return REACT_HANDLED | REACT_REDRAW;
    default:
        return 0;
    }
}

int ui_key(struct ui *u, int key)
{
    int re = 0;
    if (u->diff)
        return diff_ui_key(u, key);
    if (key == KEY_RESIZE) {
        ui_relayout(u);
        return REACT_HANDLED | REACT_RELAYOUT;
    }
    if (key == KEY_MOUSE) {
        MEVENT ev;
        if (getmouse(&ev) == OK)
            return ui_mouse(u, ev.y, ev.x, (unsigned long)ev.bstate);
        return REACT_HANDLED;
    }
    if (u->prompt)
        return search_prompt_key(u, key);
    enum action act = actions_lookup(key);
    if (u->lay.too_small)
        return act == ACT_QUIT ? REACT_QUIT : REACT_HANDLED;
    if (u->overlay.ops) {
        re = u->overlay.ops->key(&u->overlay, act);
        if (re & REACT_CLOSE)
            ui_overlay_close(u);
        u->dirty = 1;
        return re;
    }
    if (act == ACT_NONE) {
        char kn[16];
        ui_message(u, 0, "key %s does nothing here: ? lists the keys", actions_key_name(key, kn, sizeof kn));
        return REACT_HANDLED;
    }
    if (u->msg[0] && act != ACT_BACK)
        u->msg[0] = 0;
    re = global_action(u, act);
    if (!re) {
        struct view *v = &u->views[u->focus];
        re = v->ops->key ? v->ops->key(v, act) : 0;
        if (re)
            u->details_of = u->focus;
    }
    if (re & ~REACT_QUIT)
        u->dirty = 1;
    return re;
}

int ui_mouse(struct ui *u, int y, int x, unsigned long bstate)
{
    if (u->lay.too_small || u->overlay.ops || u->prompt) {
        if (u->overlay.ops && (bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED))) {
            for (int i = 0; i < 3; i++)
                u->overlay.ops->key(&u->overlay, (bstate & BUTTON4_PRESSED) ? ACT_UP : ACT_DOWN);
            u->dirty = 1;
        }
        return REACT_HANDLED;
    }
    for (int p = 0; p < PANE_COUNT; p++) {
        struct view *v = &u->views[p];
        if (y < v->y || y >= v->y + v->h || x < v->x || x >= v->x + v->w)
            continue;
        if (p == PANE_DETAILS)
            return REACT_HANDLED;
        int re = REACT_HANDLED;
        if (bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
            int had = u->focus;
            u->focus = p;
            for (int i = 0; i < 3; i++)
                re |= v->ops->key(v, (bstate & BUTTON4_PRESSED) ? ACT_UP : ACT_DOWN);
            u->focus = had == p ? p : had;
        } else if (bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)) {
            u->focus = u->details_of = p;
            if (v->ops->click)
                re |= v->ops->click(v, y - v->y, x - v->x);
        }
        u->dirty = 1;
        return re;
    }
    return REACT_HANDLED;
}

