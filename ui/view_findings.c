/* view_findings.c: the findings as collapsible groups (analysis/finding_groups.h): secrets,
 * junk categories, build-only packages, and the overwritten and deleted files by the layer that
 * hid them and by folder, largest first, with counts. Enter opens a group; on a file it jumps to
 * the file in the tree at the layer that wrote it; on a package it shows the package's files in
 * the tree (a filter). t shows one kind at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/advice_report.h"
#include "src/util.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/view.h"

/* The classes t steps through after "every kind". */
static const int kind_cycle[] = {0, FK_SECRET, FK_JUNK, FK_PKG, FK_OVER, FK_DEL, FK_ADVICE};

static const char *kind_name(int cls)
{
    switch (cls) {
    case FK_SECRET: return "secrets";
    case FK_JUNK: return "junk";
    case FK_PKG: return "build-only packages";
    case FK_OVER: return "overwritten files";
    case FK_DEL: return "deleted files";
    case FK_ADVICE: return "Dockerfile advice";
    default: return "every kind";
    }
}

static void push_row(struct ui *u, uint32_t g, size_t *cap)
{
    ARR_GROW(u->frows, *cap, u->n_frows, 1);
    u->frows[u->n_frows++] = g;
}

static void emit(struct ui *u, uint32_t g, size_t *cap)
{
    for (uint32_t c = u->fg.v[g].first; c; c = u->fg.v[c].next) {
        if (u->fk_only && !(u->fg.v[c].cls & u->fk_only))
            continue;
        push_row(u, c, cap);
        if (u->fg_open[c])
            emit(u, c, cap);
    }
}

/* The rows from the open set; the selection stays on its group when it is still shown. */
static void findings_rebuild(struct ui *u)
{
    struct view *v = &u->views[PANE_FINDINGS];
    uint32_t keep = view_findings_selected(u);
    size_t cap = 0;
    free(u->frows);
    u->frows = NULL;
    u->n_frows = 0;
    emit(u, 0, &cap);
    long sel = 0;
    for (size_t i = 0; keep && i < u->n_frows; i++)
        if (u->frows[i] == keep)
            sel = (long)i;
    /* a closed ancestor hides it: select the nearest shown ancestor */
    for (uint32_t a = keep; keep && !sel && a; a = u->fg.v[a].parent)
        for (size_t i = 0; i < u->n_frows; i++)
            if (u->frows[i] == a) {
                sel = (long)i;
                a = 0;
                break;
            }
    v->sel = sel;
}

uint32_t view_findings_selected(const struct ui *u)
{
    long s = u->views[PANE_FINDINGS].sel;
    return s >= 0 && (size_t)s < u->n_frows ? u->frows[s] : 0;
}

static void findings_init(struct view *v)
{
    struct ui *u = v->u;
    v->sel = v->top = 0;
    if (!u->fg.n)   /* else handed over built (ui_make) */
        fgroups_build(&u->fg, u->an, &u->img->model, u->img);
    u->fg_open = xcalloc(u->fg.n, 1);
    /* the first screen: every category, the secrets, and the layers that hid files (a row
     * each); junk paths, packages and folders wait for Enter */
    uint32_t ncat = 0;
    for (uint32_t c = u->fg.v[0].first; c; c = u->fg.v[c].next, ncat++)
        if (u->fg.v[c].kind == FG_SECRETS || u->fg.v[c].kind == FG_DEADCAT)
            u->fg_open[c] = 1;
    if (ncat == 1 && u->fg.v[0].first)
        u->fg_open[u->fg.v[0].first] = 1;
    findings_rebuild(u);
    v->sel = 0;
}

static enum theme_color sev_color(int sev)
{
    return sev >= 4 ? TC_SEV_CRIT : sev == 3 ? TC_SEV_HIGH : sev == 2 ? TC_SEV_MED : TC_SEV_LOW;
}

static const char *sev_tag(int sev)
{
    static const char *tags[] = {"info", "low", "MED", "HIGH", "CRIT"};
    return sev >= 0 && sev <= 4 ? tags[sev] : "?";
}

static const char *cls_tag(int cls)
{
    return cls == FK_SECRET ? "sec" : cls == FK_JUNK ? "junk" : cls == FK_PKG ? "pkg"
         : cls == FK_OVER ? "over" : cls == FK_DEL ? "del" : cls == FK_ADVICE ? "adv" : "";
}

static const char *plural(uint32_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* The text of a group's row (without tag and size); names from the image are escaped by
 * draw_name. */
static const char *row_text(const struct ui *u, uint32_t g, int width, char *buf, size_t n)
{
    const struct analysis *an = u->an;
    const struct model *m = &u->img->model;
    const struct fgroup *f = &u->fg.v[g];
    char p[4096];
    switch (f->kind) {
    case FG_SECRETS:
        snprintf(buf, n, "secrets (%u)", f->count);
        break;
    case FG_SECRET: {
        const struct secret_finding *s = &an->secrets[f->ref];
        char where[4200];
        analysis_finding_where(s, where, sizeof where);
        /* the rule ids in a column when the pane is wide, else each whole before its path */
        const char *rule = s->rule_id ? s->rule_id : "secret";
        int cw = width >= 60 ? 22 : (int)strlen(rule) + 1;
        if (!s->visible && s->hidden_by >= 0)
            snprintf(buf, n, "%-*s %.3800s  %s in L%d, still shipped", cw, rule, where,
                     s->deleted ? "deleted" : "overwritten", s->hidden_by);
        else
            snprintf(buf, n, "%-*s %.4000s", cw, rule, where);
        break;
    }
    case FG_CAT: {
        const struct waste_cat *c = &an->cats[f->ref];
        snprintf(buf, n, "%s (%u %s)", c->title ? c->title : c->id, c->files, plural(c->files, "file", "files"));
        break;
    }
    case FG_CATPATH:
        snprintf(buf, n, "%s", an->cats[f->ref].paths[f->ref2]);
        break;
    case FG_PKGS:
        snprintf(buf, n, "build-only packages (%u)", f->count);
        break;
    case FG_PACKAGE: {
        const struct package *pk = &an->pkgs[f->ref];
        snprintf(buf, n, "%s  layer %d, build-only (%u %s)", pk->name, pk->layer, pk->files,
                 plural(pk->files, "file", "files"));
        break;
    }
    case FG_DEADCAT: {
        const struct waste_cat *c = &an->cats[f->ref];
        snprintf(buf, n, "%s (%u %s)", c->title ? c->title : c->id, f->count, plural(f->count, "file", "files"));
        break;
    }
    case FG_LAYER:
        snprintf(buf, n, "by layer %u (%u %s): %s", f->ref, f->count, plural(f->count, "file", "files"),
                 analysis_layer_instruction(an, u->img, f->ref));
        break;
    case FG_FOLDER:
        snprintf(buf, n, "%s/ (%u %s)", fgroups_label(&u->fg, an, m, g, p, sizeof p), f->count,
                 plural(f->count, "file", "files"));
        break;
    case FG_DEAD: {
        const struct dead_file *d = &an->dead[f->ref];
        snprintf(buf, n, "%s  (layer %u)", fgroups_label(&u->fg, an, m, g, p, sizeof p), d->layer);
        break;
    }
    case FG_ADVICE:
        snprintf(buf, n, "Dockerfile advice (%u)", f->count);
        break;
    case FG_ADVICE_ITEM: {
        struct advice_item it[16];
        size_t na = advice_items(u->img, an, it, 16);
        if (f->ref < na)
            snprintf(buf, n, "%s  %s", it[f->ref].id, it[f->ref].text);
        else
            buf[0] = 0;
        advice_items_free(it, na);
        break;
    }
    default:
        buf[0] = 0;
    }
    return buf;
}

static void findings_draw(struct view *v)
{
    struct ui *u = v->u;
    const struct analysis *an = u->an;
    WINDOW *w = v->win;
    werase(w);
    char title[128];
    size_t nb = 0;
    for (size_t i = 0; an && i < an->n_pkgs; i++)
        nb += an->pkgs[i].build_only != 0;
    int o = snprintf(title, sizeof title, "Findings (%zu secrets, %zu waste)", an ? an->n_secrets : 0,
                     an ? an->n_cats + an->n_dead + nb : 0);
    if (u->loader)
        snprintf(title, sizeof title, "Findings (once analysed)");
    else if (u->fk_only && o > 0 && (size_t)o < sizeof title)
        snprintf(title + o - 1, sizeof title - (size_t)o + 1, "; only %s)", kind_name(u->fk_only));
    draw_frame(w, title, u->focus == PANE_FINDINGS);
    int ih = v->h - 2, iw = v->w - 2, utf = draw_utf8();
    list_scroll_into_view(v->sel, &v->top, (long)u->n_frows, ih);
    for (int k = 0; k < ih; k++) {
        long i = v->top + k;
        if (i >= (long)u->n_frows)
            break;
        uint32_t g = u->frows[i];
        const struct fgroup *f = &u->fg.v[g];
        int selected = i == v->sel;
        attr_t sel = theme_attr(u->focus == PANE_FINDINGS ? TC_SEL : TC_SEL_IDLE);
        attr_t a = selected ? sel : theme_attr(TC_DEFAULT);
        int y = 1 + k, x = 1;
        draw_fill(w, y, x, iw, a);
        char tag[16], sz[16], szr[16] = "", text[8192];
        enum theme_color tc = f->cls == FK_SECRET ? TC_SEV_HIGH : f->cls == FK_OVER || f->cls == FK_DEL
                            ? TC_REMOVED : TC_MODIFIED;
        if (f->kind == FG_SECRET) {
            const struct secret_finding *s = &an->secrets[f->ref];
            snprintf(tag, sizeof tag, "%-4s", sev_tag(s->severity));
            tc = sev_color(s->severity);
        } else {
            snprintf(tag, sizeof tag, "%-4s", cls_tag(f->cls));
        }
        if (f->bytes) {
            fmt_size(f->bytes, sz, sizeof sz);
            snprintf(szr, sizeof szr, "%9s", sz);
        }
        x += draw_text(w, y, x, 4, tag, selected ? a : theme_attr(tc)) + 1;
        x += draw_text(w, y, x, 9, szr, a);
        x += 1;
        int indent = 2 * f->depth;
        if (indent > iw / 3)
            indent = iw / 3;
        x += indent;
        const char *arrow = "  ";
        if (f->first)
            arrow = u->fg_open[g] ? (utf ? "\xe2\x96\xbe " : "v ") : (utf ? "\xe2\x96\xb8 " : "> ");
        if (x < iw)
            x += draw_text(w, y, x, iw + 1 - x, arrow, a);
        row_text(u, g, iw + 1 - x, text, sizeof text);
        int left = f->kind == FG_DEAD || f->kind == FG_CATPATH;
        if (x < iw + 1)
            draw_name(w, y, x, iw + 1 - x, text, a, left ? ELIDE_LEFT : ELIDE_RIGHT);
    }
    if (!u->n_frows)
        draw_text(w, 1, 2, iw - 2, !an ? "no analysis" : u->fk_only ? "none of this kind (t shows the others)"
                  : "nothing found: no secrets, no waste", theme_attr(TC_DIM));
}

static void jump_layer_row(struct ui *u, int layer, int hist)
{
    long row = -1;
    for (size_t i = 0; i < u->n_lrows; i++)
        if ((hist >= 0 && u->lrow_hist[i] == hist) || (hist < 0 && u->lrow_layer[i] == layer))
            row = (long)i;
    if (row >= 0) {
        ui_set_layer_row(u, row);
        u->focus = u->details_of = PANE_LAYERS;
    }
}

/* The tree shows only the package's files, in the final filesystem. */
static void show_package(struct ui *u, size_t pkg)
{
    const struct model *m = &u->img->model;
    const struct package *pk = &u->an->pkgs[pkg];
    uint8_t *pass = xcalloc(m->n_paths ? m->n_paths : 1, 1);
    uint32_t n = 0, first = 0;
    for (uint32_t p = MODEL_ROOT + 1; p < m->n_paths; p++)
        if (fgroups_package_of(u->an, m, p) == pkg + 1) {
            pass[p] = 1;
            n++;
            if (!first)
                first = p;
        }
    if (!n) {
        free(pass);
        ui_message(u, 0, "%s: no file list in the image to show", pk->name);
        return;
    }
    for (uint32_t p = m->n_paths - 1; p > MODEL_ROOT; p--)
        if (pass[p])
            pass[m->paths[p].parent] = 1;
    char label[300];
    snprintf(label, sizeof label, "package %s", pk->name);
    if (u->n_lrows)
        ui_set_layer_row(u, (long)u->n_lrows - 1);
    rows_set_pass(&u->rows, pass, label);
    if (u->rows.changes_only)
        rows_set_changes_only(&u->rows, 0);
    long r = rows_reveal(&u->rows, first);
    if (r >= 0) {
        u->tree_node = first;
        u->views[PANE_TREE].sel = r;
    }
    u->focus = u->details_of = PANE_TREE;
    ui_message(u, 0, "%s: its %u %s in the tree (f, then Ctrl-U Enter, shows every file)", pk->name, n,
               plural(n, "file", "files"));
}

/* Enter on a leaf: where it lives. */
static int open_leaf(struct ui *u, uint32_t g)
{
    const struct analysis *an = u->an;
    const struct model *m = &u->img->model;
    const struct fgroup *f = &u->fg.v[g];
    switch (f->kind) {
    case FG_SECRET: {
        const struct secret_finding *s = &an->secrets[f->ref];
        if (s->entry && s->entry < m->n_entries)
            ui_jump_to(u, s->entry);
        else if (s->history >= 0 || s->layer >= 0)
            jump_layer_row(u, s->layer, s->history);
        else
            ui_message(u, 0, "this secret is in the image config (Env), not in a file");
        break;
    }
    case FG_DEAD:
        ui_jump_to(u, an->dead[f->ref].entry);
        break;
    case FG_ADVICE_ITEM: {
        struct advice_item it[16];
        size_t na = advice_items(u->img, an, it, 16);
        int layer = f->ref < na ? it[f->ref].layer : -1, hist = f->ref < na ? it[f->ref].history : -1;
        advice_items_free(it, na);
        if (layer < 0 && hist < 0) {
            ui_message(u, 0, "this advice is about the image as a whole, not one layer");
            return REACT_HANDLED | REACT_REDRAW;
        }
        jump_layer_row(u, layer, hist);
        break;
    }
    case FG_PACKAGE:
        show_package(u, f->ref);
        break;
    case FG_CATPATH: {
        const struct waste_cat *c = &an->cats[f->ref];
        uint32_t node = model_lookup(m, c->paths[f->ref2]);
        if (!node) {
            ui_message(u, 0, "%s: not a path in the image", c->paths[f->ref2]);
            return REACT_HANDLED | REACT_REDRAW;
        }
        ui_jump_node(u, node, c->layer >= 0 ? c->layer : (int)m->n_layers - 1);
        break;
    }
    default:
        return 0;
    }
    return REACT_HANDLED | REACT_RELOAD;
}

static void set_all(struct ui *u, int open)
{
    for (uint32_t g = 1; g < u->fg.n; g++)
        u->fg_open[g] = (uint8_t)(open && u->fg.v[g].first);
    findings_rebuild(u);
}

static int findings_key(struct view *v, enum action act)
{
    struct ui *u = v->u;
    int re = list_move(&v->sel, &v->top, (long)u->n_frows, v->h - 2, act);
    if (re)
        return re | REACT_RELOAD;
    if (act == ACT_KINDS) {
        size_t k = 0, nk = sizeof kind_cycle / sizeof *kind_cycle;
        while (k < nk && kind_cycle[k] != u->fk_only)
            k++;
        /* the next kind this image has findings of (kinds without any are skipped) */
        for (size_t step = 1; step <= nk; step++) {
            int next = kind_cycle[(k + step) % nk];
            int has = next == 0;
            for (uint32_t c = u->fg.n ? u->fg.v[0].first : 0; c && !has; c = u->fg.v[c].next)
                has = u->fg.v[c].cls == next;
            if (has) {
                u->fk_only = next;
                break;
            }
        }
        findings_rebuild(u);
        ui_message(u, 0, "findings: %s%s (t for the next kind)", u->fk_only ? "only " : "", kind_name(u->fk_only));
        return REACT_HANDLED | REACT_RELOAD;
    }
    if (act == ACT_EXPAND_ALL || act == ACT_COLLAPSE_ALL) {
        set_all(u, act == ACT_EXPAND_ALL);
        return REACT_HANDLED | REACT_RELOAD;
    }
    uint32_t g = view_findings_selected(u);
    if (!g)
        return 0;
    const struct fgroup *f = &u->fg.v[g];
    switch (act) {
    case ACT_OPEN:
        if (f->first) {
            u->fg_open[g] = !u->fg_open[g];
            findings_rebuild(u);
            return REACT_HANDLED | REACT_RELOAD;
        }
        return open_leaf(u, g);
    case ACT_RIGHT:
        if (f->first && !u->fg_open[g]) {
            u->fg_open[g] = 1;
            findings_rebuild(u);
            return REACT_HANDLED | REACT_RELOAD;
        }
        if (!f->first)
            return open_leaf(u, g);
        return REACT_HANDLED;
    case ACT_LEFT:
        if (f->first && u->fg_open[g]) {
            u->fg_open[g] = 0;
        } else if (f->parent) {
            u->fg_open[f->parent] = 0;
            v->sel = 0;
            for (size_t i = 0; i < u->n_frows; i++)
                if (u->frows[i] == f->parent)
                    v->sel = (long)i;
        }
        findings_rebuild(u);
        return REACT_HANDLED | REACT_RELOAD;
    default:
        return 0;
    }
}

static int findings_click(struct view *v, int row, int col)
{
    (void)col;
    long i = v->top + row - 1;
    if (row < 1 || row > v->h - 2 || i >= (long)v->u->n_frows)
        return REACT_HANDLED;
    if (i == v->sel)
        return findings_key(v, ACT_OPEN);
    v->sel = i;
    return REACT_HANDLED | REACT_RELOAD;
}

static void findings_fini(struct view *v)
{
    struct ui *u = v->u;
    fgroups_free(&u->fg);
    free(u->fg_open);
    free(u->frows);
    u->fg_open = NULL;
    u->frows = NULL;
    u->n_frows = 0;
}

const struct view_ops view_findings_ops = {
    "findings", findings_init, NULL, findings_draw, findings_key, findings_click, findings_fini,
};
