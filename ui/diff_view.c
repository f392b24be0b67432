/* diff_view.c: the state and the keys of the diff split view, a mode of the main loop (ui.c runs
 * it: ui_diff_run). The drawing is in diff_draw.c. */
#include "ui/diff_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/util.h"
#include "ui/actions.h"
#include "ui/diff_int.h"
#include "ui/term.h"
#include "ui/theme.h"
#include "ui/view.h"

/* ---------------------------------------------------------------- nodes */

int dv_is_dir(const struct diff_mode *v, uint32_t i)
{
    const struct diff_node *n = &v->t->v[i];
    if (n->first_child || i == DIFF_ROOT)
        return 1;
    for (int s = 0; s < 2; s++) {
        uint32_t p = s ? n->b : n->a;
        const struct model *m = s ? &v->d->b->model : &v->d->a->model;
        if (p && m->path_final && m->path_final[p] && entry_is_dir(&m->entries[m->path_final[p]]))
            return 1;
    }
    return 0;
}

int64_t dv_delta(uint64_t a, uint64_t b)
{
    if (b >= a)
        return b - a > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)(b - a);
    return a - b > (uint64_t)INT64_MAX ? -INT64_MAX : -(int64_t)(a - b);
}

/* Counts what differs below every node: nodes are made in preorder (a parent's index is below its
 * children's), so one backward pass adds each node into its parent. "Files" are non-directory
 * paths, as in the diff report. */
static void stats_build(struct diff_mode *v)
{
    uint32_t n = v->t->n;
    v->st = xcalloc(n, sizeof *v->st);
    for (uint32_t i = n - 1; i > DIFF_ROOT; i--) {
        const struct diff_node *nd = &v->t->v[i];
        struct dv_stat *s = &v->st[i];
        if (!nd->first_child && !dv_is_dir(v, i)) {
            if (nd->kind == DK_ONLY_A) {
                s->n_a++;
                s->b_a += nd->a_bytes;
            } else if (nd->kind == DK_ONLY_B) {
                s->n_b++;
                s->b_b += nd->b_bytes;
            } else if (nd->kind == DK_CHANGED) {
                s->n_c++;
                s->c_a += nd->a_bytes;
                s->c_b += nd->b_bytes;
            }
        }
        struct dv_stat *p = &v->st[nd->parent];
        p->n_a += s->n_a; p->n_b += s->n_b; p->n_c += s->n_c;
        p->b_a += s->b_a; p->b_b += s->b_b; p->c_a += s->c_a; p->c_b += s->c_b;
    }
}

static int visible(const struct diff_mode *v, uint32_t i)
{
    const struct diff_node *n = &v->t->v[i];
    if (!(n->mask & ~v->hide & DK_ALL))
        return 0;
    return !v->pass || v->pass[i];
}

uint32_t dv_sel_node(const struct diff_mode *v)
{
    return v->n_rows ? v->rows[v->sel] : 0;
}

/* ---------------------------------------------------------------- rows */

static const struct diff_mode *sort_ctx;    /* qsort has no context argument in C11 */

static int kid_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    const struct diff_node *na = &sort_ctx->t->v[a], *nb = &sort_ctx->t->v[b];
    if (sort_ctx->sort == DV_SORT_SAVING) {
        /* most saved first (A - B), then what grew least */
        int64_t da = dv_delta(na->a_bytes, na->b_bytes), db = dv_delta(nb->a_bytes, nb->b_bytes);
        if (da != db)
            return da < db ? -1 : 1;
    }
    if (sort_ctx->sort != DV_SORT_NAME) {
        uint64_t sa = na->a_bytes > na->b_bytes ? na->a_bytes : na->b_bytes;
        uint64_t sb = nb->a_bytes > nb->b_bytes ? nb->a_bytes : nb->b_bytes;
        if (sa != sb)
            return sa > sb ? -1 : 1;
    }
    return a < b ? -1 : a > b;   /* tree order is name order */
}

static void rows_push(struct diff_mode *v, uint32_t i)
{
    ARR_GROW(v->rows, v->cap_rows, v->n_rows, 1);
    v->rows[v->n_rows++] = i;
}

static void rows_add(struct diff_mode *v, uint32_t parent)
{
    size_t n = 0;
    for (uint32_t c = v->t->v[parent].first_child; c; c = v->t->v[c].next_sibling)
        n += visible(v, c);
    if (!n)
        return;
    uint32_t *k = xreallocarray(NULL, n, sizeof *k);
    n = 0;
    for (uint32_t c = v->t->v[parent].first_child; c; c = v->t->v[c].next_sibling)
        if (visible(v, c))
            k[n++] = c;
    sort_ctx = v;
    qsort(k, n, sizeof *k, kid_cmp);
    for (size_t i = 0; i < n; i++) {
        rows_push(v, k[i]);
        if (v->open[k[i]])
            rows_add(v, k[i]);
    }
    free(k);
}

/* Rebuilds the rows, keeping the node keep selected when it is still shown. */
static void rows_build(struct diff_mode *v, uint32_t keep)
{
    v->n_rows = 0;
    rows_add(v, DIFF_ROOT);
    v->sel = 0;
    for (uint32_t i = 0; keep && i < v->n_rows; i++)
        if (v->rows[i] == keep) {
            v->sel = i;
            break;
        }
}

static void apply_filter(struct diff_mode *v)
{
    free(v->pass);
    v->pass = NULL;
    if (!v->filter[0])
        return;
    uint32_t n = v->t->n;
    v->pass = xcalloc(n, 1);
    uint8_t *self = xcalloc(n, 1);   /* 1: own name or an ancestor's contains the text */
    for (uint32_t i = DIFF_ROOT + 1; i < n; i++) {
        const struct diff_node *nd = &v->t->v[i];
        self[i] = self[nd->parent] || strstr(diff_node_name(v->d, nd), v->filter) != NULL;
        v->pass[i] = self[i];
    }
    for (uint32_t i = n - 1; i > DIFF_ROOT; i--)
        if (v->pass[i])
            v->pass[v->t->v[i].parent] = 1;
    v->pass[DIFF_ROOT] = 1;
    free(self);
    for (uint32_t i = DIFF_ROOT; i < n; i++)   /* show the matches: open every folder holding one */
        if (v->pass[i] && v->t->v[i].first_child)
            v->open[i] = 1;
}

/* The first node in tree order from `from` (dir 1: after it, -1: before it; include: from itself
 * may match) whose name contains the search text; opens its folders and selects it. */
static int search_from(struct diff_mode *v, uint32_t from, int dir, int include)
{
    if (!v->search[0])
        return 0;
    uint32_t n = v->t->n, start = from ? from : DIFF_ROOT;
    for (uint32_t k = include ? 0 : 1; k < n; k++) {
        uint32_t i = (uint32_t)((start + (dir > 0 ? k : n - k)) % n);
        if (i <= DIFF_ROOT || !visible(v, i))
            continue;
        if (!strstr(diff_node_name(v->d, &v->t->v[i]), v->search))
            continue;
        for (uint32_t p = v->t->v[i].parent; p; p = v->t->v[p].parent)
            v->open[p] = 1;
        rows_build(v, i);
        snprintf(v->msg, sizeof v->msg, "search: %s", v->search);
        return 1;
    }
    snprintf(v->msg, sizeof v->msg, "not found: %s", v->search);
    return 0;
}

/* ---------------------------------------------------------------- tables */

static const struct image_diff *tab_ctx;

static int cat_cmp(const void *x, const void *y)
{
    const struct diff_side_count *a = &tab_ctx->cats[*(const uint32_t *)x], *b = &tab_ctx->cats[*(const uint32_t *)y];
    int64_t da = dv_delta(a->a, a->b), db = dv_delta(b->a, b->b);
    if (da != db)
        return da < db ? -1 : 1;
    return strcmp(a->id, b->id);
}

static int pkg_cmp(const void *x, const void *y)
{
    const struct diff_pkg *a = &tab_ctx->pkgs[*(const uint32_t *)x], *b = &tab_ctx->pkgs[*(const uint32_t *)y];
    int64_t da = dv_delta(a->a_bytes, a->b_bytes), db = dv_delta(b->a_bytes, b->b_bytes);
    if (da != db)
        return da < db ? -1 : 1;
    int c = strcmp(a->name, b->name);
    return c ? c : strcmp(a->ecosystem, b->ecosystem);
}

static void table_build(struct dv_table *t, size_t n, const struct image_diff *d, int (*cmp)(const void *, const void *))
{
    t->n = n;
    t->idx = n ? xreallocarray(NULL, n, sizeof *t->idx) : NULL;
    for (size_t i = 0; i < n; i++)
        t->idx[i] = (uint32_t)i;
    tab_ctx = d;
    if (n)
        qsort(t->idx, n, sizeof *t->idx, cmp);
}

/* ---------------------------------------------------------------- keys */

static void move_sel(long *sel, long *top, long n, int h, enum action act)
{
    if (n <= 0)
        return;
    list_move(sel, top, n, h > 0 ? h : 1, act);
}

static int prompt_key(struct diff_mode *v, int key)
{
    enum action act = actions_lookup(key);
    if (key == '\n' || key == '\r' || key == KEY_ENTER) {
        int kind = v->prompt;
        v->prompt = DV_PROMPT_NONE;
        curs_set(0);
        if (kind == DV_PROMPT_FILTER) {
            uint32_t s = dv_sel_node(v);
            snprintf(v->filter, sizeof v->filter, "%s", v->pbuf);
            apply_filter(v);
            rows_build(v, s);
            snprintf(v->msg, sizeof v->msg, "%s", v->filter[0] ? "filtered: f then an empty Enter clears" : "filter cleared");
        } else {
            snprintf(v->search, sizeof v->search, "%s", v->pbuf);
            search_from(v, v->prompt_from, 1, 1);
        }
        return REACT_HANDLED;
    }
    if (act == ACT_BACK) {
        v->prompt = DV_PROMPT_NONE;
        curs_set(0);
        return REACT_HANDLED;
    }
    if ((key == KEY_BACKSPACE || key == 127 || key == 8) && v->plen)
        v->pbuf[--v->plen] = 0;
    else if (key >= 32 && key < 256 && key != 127 && v->plen + 1 < sizeof v->pbuf) {
        v->pbuf[v->plen++] = (char)key;
        v->pbuf[v->plen] = 0;
    } else
        return REACT_HANDLED;
    if (v->prompt == DV_PROMPT_SEARCH) {   /* incremental: from where the prompt opened */
        snprintf(v->search, sizeof v->search, "%s", v->pbuf);
        if (v->pbuf[0])
            search_from(v, v->prompt_from, 1, 1);
    }
    return REACT_HANDLED;
}

static void prompt_open(struct diff_mode *v, int kind, const char *init)
{
    v->prompt = kind;
    snprintf(v->pbuf, sizeof v->pbuf, "%s", init);
    v->plen = strlen(v->pbuf);
    v->prompt_from = dv_sel_node(v);
    curs_set(1);
}

static int help_key(struct diff_mode *v, enum action act)
{
    switch (act) {
    case ACT_UP: case ACT_PGUP: if (v->help_top > 0) v->help_top -= act == ACT_UP ? 1 : 10; break;
    case ACT_DOWN: case ACT_PGDN: v->help_top += act == ACT_DOWN ? 1 : 10; break;   /* clamped when drawn */
    case ACT_HOME: v->help_top = 0; break;
    case ACT_HELP: case ACT_BACK: case ACT_QUIT: case ACT_OPEN: v->help = 0; break;
    default: break;
    }
    if (v->help_top < 0)
        v->help_top = 0;
    return REACT_HANDLED;
}

static int table_key(struct diff_mode *v, struct dv_table *t, enum action act)
{
    switch (act) {
    case ACT_UP: case ACT_DOWN: case ACT_PGUP: case ACT_PGDN: case ACT_HOME: case ACT_END:
        move_sel(&t->sel, &t->top, (long)t->n, v->tab_rows, act);
        return 1;
    default:
        return 0;
    }
}

static int tree_key(struct diff_mode *v, enum action act)
{
    uint32_t s = dv_sel_node(v);
    switch (act) {
    case ACT_UP: case ACT_DOWN: case ACT_PGUP: case ACT_PGDN: case ACT_HOME: case ACT_END:
        move_sel(&v->sel, &v->top, (long)v->n_rows, v->rows_h, act);
        return 1;
    case ACT_OPEN:
        if (s && v->t->v[s].first_child) {
            v->open[s] = !v->open[s];
            rows_build(v, s);
        }
        return 1;
    case ACT_RIGHT:
        if (s && v->t->v[s].first_child && !v->open[s]) {
            v->open[s] = 1;
            rows_build(v, s);
        }
        return 1;
    case ACT_LEFT:
        if (s && v->open[s]) {
            v->open[s] = 0;
            rows_build(v, s);
        } else if (s && v->t->v[s].parent > DIFF_ROOT) {
            rows_build(v, v->t->v[s].parent);
        }
        return 1;
    default:
        return 0;
    }
}

static int mouse(struct diff_mode *v)
{
    MEVENT ev;
    if (getmouse(&ev) != OK || v->help || v->prompt)
        return REACT_HANDLED;
    int y0 = v->lines - 3 - v->rows_h;       /* first tree line (see dv_draw) */
    if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
        /* the wheel scrolls what is under the pointer: a table (rows 3.., halves) or the tree */
        enum action a = (ev.bstate & BUTTON4_PRESSED) ? ACT_UP : ACT_DOWN;
        struct dv_table *t = ev.y > 2 && ev.y < 3 + v->tab_rows ? (ev.x < (v->cols - 1) / 2 ? &v->cats : &v->pkgs) : NULL;
        for (int i = 0; i < 3; i++) {
            if (t)
                table_key(v, t, a);
            else
                tree_key(v, a);
        }
    } else if (ev.y > 2 && ev.y < 3 + v->tab_rows) {   /* a click on a table row selects it */
        int pk = ev.x >= (v->cols - 1) / 2;
        struct dv_table *t = pk ? &v->pkgs : &v->cats;
        if (t->top + (ev.y - 3) < (long)t->n) {
            v->focus = pk ? DV_FOCUS_PKGS : DV_FOCUS_CATS;
            t->sel = t->top + (ev.y - 3);
        }
    } else if (ev.y >= y0 && ev.y < y0 + v->rows_h && v->top + (ev.y - y0) < (long)v->n_rows) {
        v->focus = DV_FOCUS_TREE;
        v->sel = v->top + (ev.y - y0);
    }
    return REACT_HANDLED;
}

int diff_ui_key(struct ui *u, int key)
{
    struct diff_mode *v = u->diff;
    u->dirty = 1;
    if (key == KEY_RESIZE) {
        u->lines = v->lines = LINES;
        u->cols = v->cols = COLS;
        u->lay.too_small = LINES < 24 || COLS < 80;
        clearok(curscr, TRUE);
        return REACT_HANDLED | REACT_RELAYOUT;
    }
    if (key == KEY_MOUSE)
        return mouse(v);
    if (v->prompt)
        return prompt_key(v, key);
    enum action act = actions_lookup(key);
    if (u->lay.too_small)
        return act == ACT_QUIT ? REACT_QUIT : REACT_HANDLED;
    if (v->help)
        return help_key(v, act);
    uint32_t s = dv_sel_node(v);
    v->msg[0] = 0;
    switch (act) {
    case ACT_QUIT: return REACT_QUIT;
    case ACT_NEXT_PANE: v->focus = (v->focus + 1) % DV_FOCUS_COUNT; break;
    case ACT_PREV_PANE: v->focus = (v->focus + DV_FOCUS_COUNT - 1) % DV_FOCUS_COUNT; break;
    case ACT_SORT:
        v->sort = (v->sort + 1) % DV_SORT_COUNT;
        rows_build(v, s);
        snprintf(v->msg, sizeof v->msg, "sorted by %s", dv_sort_names[v->sort]);
        break;
    case ACT_HIDE_ADDED: v->hide ^= DK_ONLY_B; rows_build(v, s); break;
    case ACT_HIDE_REMOVED: v->hide ^= DK_ONLY_A; rows_build(v, s); break;
    case ACT_HIDE_MODIFIED: v->hide ^= DK_CHANGED; rows_build(v, s); break;
    case ACT_HIDE_UNCHANGED: v->hide ^= DK_SAME; rows_build(v, s); break;
    case ACT_SEARCH: v->focus = DV_FOCUS_TREE; prompt_open(v, DV_PROMPT_SEARCH, ""); break;
    case ACT_SEARCH_NEXT: search_from(v, s, 1, 0); v->focus = DV_FOCUS_TREE; break;
    case ACT_SEARCH_PREV: search_from(v, s, -1, 0); v->focus = DV_FOCUS_TREE; break;
    case ACT_FILTER: v->focus = DV_FOCUS_TREE; prompt_open(v, DV_PROMPT_FILTER, v->filter); break;
    case ACT_HELP: v->help = 1; v->help_top = 0; break;
    case ACT_REDRAW: clearok(curscr, TRUE); break;
    case ACT_NONE: {
        char kn[16];
        snprintf(v->msg, sizeof v->msg, "key %s does nothing here: ? lists the keys", actions_key_name(key, kn, sizeof kn));
        break;
    }
    default:
        if (v->focus == DV_FOCUS_CATS && table_key(v, &v->cats, act))
            break;
        if (v->focus == DV_FOCUS_PKGS && table_key(v, &v->pkgs, act))
            break;
        if (v->focus == DV_FOCUS_TREE && tree_key(v, act))
            break;
        char lab[64];
        snprintf(v->msg, sizeof v->msg, "%s: not in the diff view", actions_label(act, lab, sizeof lab));
        break;
    }
    return REACT_HANDLED;
}

void diff_ui_draw(struct ui *u)
{
    struct diff_mode *v = u->diff;
    v->lines = u->lines;
    v->cols = u->cols;
    dv_draw(v);
}

/* ---------------------------------------------------------------- life */

struct ui *diff_ui_new(struct screen *scr, const struct image_diff *d, int theme)
{
    struct ui *u = xcalloc(1, sizeof *u);
    struct diff_mode *v = xcalloc(1, sizeof *v);
    u->scr = scr;
    if (scr)
        set_term(scr);
    u->diff = v;
    u->theme = theme;
    ui_term_setup(theme);
    u->lines = v->lines = LINES;
    u->cols = v->cols = COLS;
    u->lay.too_small = LINES < 24 || COLS < 80;
    u->dirty = 1;
    v->d = d;
    v->t = diff_tree_build(d);
    v->open = xcalloc(v->t->n, 1);
    v->open[DIFF_ROOT] = 1;
    stats_build(v);
    table_build(&v->cats, d->n_cats, d, cat_cmp);
    table_build(&v->pkgs, d->n_pkgs, d, pkg_cmp);
    rows_build(v, 0);
    return u;
}

void diff_ui_free(struct ui *u)
{
    if (!u)
        return;
    struct diff_mode *v = u->diff;
    if (v) {
        diff_tree_free(v->t);
        free(v->open);
        free(v->pass);
        free(v->st);
        free(v->rows);
        free(v->cats.idx);
        free(v->pkgs.idx);
        free(v);
    }
    free(u);
}
