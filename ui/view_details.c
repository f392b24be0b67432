/* view_details.c: what is selected, in full. A file: type, mode, owner, size and every layer
 * that wrote, shadowed or deleted it (its version chain). A layer: diff_id, compressed size,
 * counts and the raw created_by. A finding: rule, where, which instruction, the fix. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/advice_report.h"
#include "analysis/dfmap.h"
#include "src/util.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/view.h"

struct cursor {
    WINDOW *w;
    int y, maxy, x, width;
};

static void line(struct cursor *c, attr_t a, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void line(struct cursor *c, attr_t a, const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    if (c->y > c->maxy)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    draw_name(c->w, c->y++, c->x, c->width, buf, a, ELIDE_RIGHT);
}

static void wrapped(struct cursor *c, attr_t a, const char *text)
{
    if (c->y > c->maxy)
        return;
    c->y += draw_wrapped(c->w, c->y, c->x, c->width, c->maxy - c->y + 1, text, a);
}

static const char *type_name(unsigned mode)
{
    switch (mode & 0170000) {
    case 0040000: return "directory";
    case 0120000: return "symlink";
    case 0100000: return "file";
    case 0020000: return "char device";
    case 0060000: return "block device";
    case 0010000: return "fifo";
    case 0140000: return "socket";
    default: return "entry";
    }
}

/* The analysis' masked copies of the history: an instruction may carry a secret value. */
static const char *layer_instr(const struct ui *u, unsigned L)
{
    return analysis_layer_instruction(u->an, u->img, L);
}

static void details_file(struct ui *u, struct cursor *c)
{
    const struct model *m = &u->img->model;
    uint32_t node = u->tree_node;
    char p[4096], sz[16], mode[12];
    if (!node || u->rows.n == 0) {
        line(c, theme_attr(TC_DIM), "no file selected");
        return;
    }
    line(c, theme_attr(TC_DIR), "%s", model_path_str(m, node, p, sizeof p));
    uint32_t e = ui_node_entry(u, node);
    if (e) {
        const struct entry *en = &m->entries[e];
        const struct entry_ext *x = m->ext ? &m->ext[e] : NULL;
        fmt_size(en->size, sz, sizeof sz);
        char link[4200] = "";
        if (x && x->link)
            snprintf(link, sizeof link, "  %s %s", (en->flags & EF_HARDLINK) ? "hard link to" : "->",
                     strpool_get(&m->names, x->link));
        line(c, 0, "%s  %s  %u:%u  %s%s%s", (en->flags & EF_HARDLINK) ? "hard link" : type_name(en->mode),
             fmt_mode(en->mode, mode), x ? x->uid : 0, x ? x->gid : 0, sz, link,
             en->hidden_at == (uint16_t)u->layer ? "  (removed by this layer)" : "");
    } else {
        fmt_size(rows_size(&u->rows, node), sz, sizeof sz);
        line(c, 0, "directory (implied by its contents)  %s", sz);
    }
    for (uint32_t v = m->path_first ? m->path_first[node] : 0; v; v = m->entries[v].next_version) {
        const struct entry *en = &m->entries[v];
        if (en->flags & EF_IMPLICIT)
            continue;
        attr_t a = en->layer == (uint16_t)u->layer ? A_BOLD : 0;
        if (en->flags & EF_WHITEOUT) {
            line(c, theme_attr(TC_REMOVED) | a, "  L%-3u - deleted (whiteout)   %s", en->layer, layer_instr(u, en->layer));
            continue;
        }
        fmt_size(en->size, sz, sizeof sz);
        char fate[48];
        if (en->hidden_at == LAYER_NONE)
            snprintf(fate, sizeof fate, "final");
        else
            snprintf(fate, sizeof fate, "%s by L%u", (en->flags & EF_DELETED) ? "deleted" : "shadowed",
                     en->hidden_at);
        line(c, theme_attr((en->flags & EF_ADDED) ? TC_ADDED : TC_MODIFIED) | a, "  L%-3u %s %-8s %9s  %-16s %s",
             en->layer, (en->flags & EF_ADDED) ? "+" : "~", (en->flags & EF_ADDED) ? "added" : "modified",
             sz, fate, layer_instr(u, en->layer));
    }
}

static void details_layer(struct ui *u, struct cursor *c)
{
    const struct view *lv = &u->views[PANE_LAYERS];
    if (!u->n_lrows)
        return;
    long i = lv->sel;
    int L = u->lrow_layer[i], h = u->lrow_hist[i];
    const struct image *img = u->img;
    char sz[16], csz[16];
    if (L >= 0 && (size_t)L < img->n_layers && (uint32_t)L < img->model.n_layers) {
        const struct image_layer *il = &img->layers[L];
        const struct layer_stats *ls = &img->model.layers[L];
        fmt_size(ls->bytes, sz, sizeof sz);
        fmt_size(il->compressed_bytes, csz, sizeof csz);
        line(c, A_BOLD, "Layer %d   diff_id %s", L, il->diff_id && *il->diff_id ? il->diff_id : "(unknown)");
        line(c, 0, "%s in %llu files; stored %s (%s%s)   +%u added  ~%u modified  -%u removed", sz,
             (unsigned long long)ls->files, csz, compression_name(il->compression), il->estargz ? ", estargz" : "",
             ls->added, ls->modified, ls->removed);
        char sh[16], de[16];
        fmt_size(ls->shadowed_bytes, sh, sizeof sh);
        fmt_size(ls->deleted_bytes, de, sizeof de);
        line(c, 0, "of its bytes, later overwritten %s, later deleted %s", sh, de);
    } else {
        line(c, theme_attr(TC_DIM), "History step %d: no layer (metadata only)", h);
    }
    if (h >= 0 && (size_t)h < img->n_history) {
        const struct history_item *hi = &img->history[h];
        if (hi->created && *hi->created)
            line(c, theme_attr(TC_DIM), "created %s%s%s", hi->created, hi->comment && *hi->comment ? "  " : "",
                 hi->comment ? hi->comment : "");
        const char *cb = analysis_history_created_by(u->an, img, (size_t)h);
        wrapped(c, 0, *cb ? cb : "(no created_by)");
        char cite[1100];
        if (dfmap_cite(u->an, dfmap_history_line(u->an, h), cite, sizeof cite)[0])
            wrapped(c, theme_attr(TC_ADDED), cite);
    } else if (L >= 0) {
        wrapped(c, 0, layer_instr(u, (unsigned)L));
    }
}

/* --dockerfile: the finding's line and its BuildKit fix (analysis/dfmap.c); frees text. */
static void dockerfile_note(struct cursor *c, char *text)
{
    if (text)
        wrapped(c, theme_attr(TC_ADDED), text);
    free(text);
}

/* The final stage's FROM line (the last FROM of the matched chain): where a choice of base is
 * changed. 0 without --dockerfile. */
static int from_line(const struct analysis *an)
{
    const struct dfmap *dm = an->dfmap;
    int ln = 0;
    for (size_t i = 0; dm && i < dm->n_chain; i++)
        if (dm->chain[i].from)
            ln = dm->df->ins[dm->chain[i].ins].line;
    return ln;
}

/* A group of findings: what is in it, and what to change. */
static void details_group(struct ui *u, struct cursor *c, uint32_t g)
{
    const struct analysis *an = u->an;
    const struct model *m = &u->img->model;
    const struct fgroup *f = &u->fg.v[g];
    char sz[16], p[4096];
    fmt_size(f->bytes, sz, sizeof sz);
    switch (f->kind) {
    case FG_SECRETS:
        line(c, A_BOLD, "%u secret%s found", f->count, f->count == 1 ? "" : "s");
        line(c, 0, "Enter on one jumps to the file or the layer that holds it");
        break;
    case FG_PKGS:
        line(c, A_BOLD, "%u build-only package%s: %s", f->count, f->count == 1 ? "" : "s", sz);
        wrapped(c, theme_attr(TC_ADDED), "needed to build, not to run: install them in a builder stage of a "
                "multi-stage build and copy only the results into the runtime image");
        break;
    case FG_DEADCAT: {
        const struct waste_cat *w = &an->cats[f->ref];
        line(c, A_BOLD, "%s: %s in %u file%s", w->title ? w->title : w->id, sz, f->count, f->count == 1 ? "" : "s");
        line(c, 0, "still in every copy of the image; by the layer that hid them, then by folder");
        if (w->fix && *w->fix)
            wrapped(c, theme_attr(TC_ADDED), w->fix);
        dockerfile_note(c, dfmap_cat_fix(an, u->img, w, 1));
        break;
    }
    case FG_LAYER:
        line(c, A_BOLD, "Layer %u %s %u file%s (%s) that earlier layers wrote", f->ref,
             f->cls == FK_DEL ? "deleted" : "overwrote", f->count, f->count == 1 ? "" : "s", sz);
        wrapped(c, theme_attr(TC_DIM), layer_instr(u, f->ref));
        line(c, 0, "the bytes stay in the layers that wrote them: Enter lists them by folder");
        break;
    case FG_ADVICE:
        line(c, A_BOLD, "%u piece%s of Dockerfile advice", f->count, f->count == 1 ? "" : "s");
        line(c, 0, "the base image, layer order and CUDA: Enter on one goes to its layer");
        break;
    case FG_FOLDER:
        line(c, A_BOLD, "%s/", model_path_str(m, f->ref, p, sizeof p));
        line(c, 0, "%u %s file%s, %s", f->count, f->cls == FK_DEL ? "deleted" : "overwritten",
             f->count == 1 ? "" : "s", sz);
        break;
    default:
        break;
    }
}

static void details_finding(struct ui *u, struct cursor *c)
{
    const struct analysis *an = u->an;
    const struct model *m = &u->img->model;
    uint32_t g = view_findings_selected(u);
    if (!g || !an)
        return;
    const struct fgroup *f = &u->fg.v[g];
    char sz[16], p[4096];
    if (f->kind == FG_ADVICE_ITEM) {
        struct advice_item it[16];
        size_t na = advice_items(u->img, an, it, 16);
        if (f->ref < na) {
            const struct advice_item *ai = &it[f->ref];
            line(c, A_BOLD, "Advice %s", ai->id);
            wrapped(c, 0, ai->text);
            if (ai->fix && *ai->fix)
                wrapped(c, theme_attr(TC_ADDED), ai->fix);
            int dl = !strcmp(ai->id, "base-slimmer") ? from_line(an)
                   : ai->history >= 0 ? dfmap_history_line(an, ai->history)
                   : ai->layer >= 0 ? dfmap_layer_line(an, u->img, ai->layer) : 0;
            char cite[4200];
            if (dl > 0 && dfmap_cite(an, dl, cite, sizeof cite))
                line(c, theme_attr(TC_ADDED), "at %s", cite);
        }
        advice_items_free(it, na);
        return;
    }
    if (f->kind == FG_SECRET) {
        const struct secret_finding *s = &an->secrets[f->ref];
        char where[4200];
        line(c, A_BOLD, "Secret %s  %s", s->rule_id ? s->rule_id : "", analysis_finding_where(s, where, sizeof where));
        line(c, 0, "value %s", an->opts.show_secrets && s->raw ? s->raw : s->masked);
        if (s->layer >= 0)
            line(c, 0, "added by layer %d", s->layer);
        if (s->created_by && *s->created_by)    /* masked by the analysis */
            wrapped(c, theme_attr(TC_DIM), s->created_by);
        if (!s->visible && s->hidden_by >= 0) {
            line(c, theme_attr(TC_REMOVED), "%s by layer %d, still in the image (every copy ships it)",
                 s->deleted ? "deleted" : "overwritten", s->hidden_by);
            wrapped(c, theme_attr(TC_DIM), layer_instr(u, (unsigned)s->hidden_by));
        } else if (!s->visible) {
            line(c, theme_attr(TC_REMOVED), "deleted or overwritten later, still in the image");
        }
        if (s->fix && *s->fix)
            wrapped(c, theme_attr(TC_ADDED), s->fix);
        dockerfile_note(c, dfmap_secret_fix(an, u->img, s));
    } else if (f->kind == FG_CAT || f->kind == FG_CATPATH) {
        const struct waste_cat *w = &an->cats[f->ref];
        fmt_size(w->bytes, sz, sizeof sz);
        line(c, A_BOLD, "%s: %s in %u file%s", w->title ? w->title : w->id, sz, w->files,
             w->files == 1 ? "" : "s");
        if (w->layer >= 0)
            line(c, 0, "mostly from layer %d: %s", w->layer, layer_instr(u, (unsigned)w->layer));
        for (size_t i = 0; i < w->n_paths && i < 3; i++)
            line(c, theme_attr(TC_DIR), "  %s", w->paths[i]);
        if (w->fix && *w->fix)
            wrapped(c, theme_attr(TC_ADDED), w->fix);
        dockerfile_note(c, dfmap_cat_fix(an, u->img, w, 1));
    } else if (f->kind == FG_PACKAGE) {
        const struct package *pk = &an->pkgs[f->ref];
        fmt_size(pk->bytes, sz, sizeof sz);
        line(c, A_BOLD, "%s %s (%s): %s in %u file%s", pk->name, pk->version ? pk->version : "",
             pk->ecosystem ? pk->ecosystem : "", sz, pk->files, pk->files == 1 ? "" : "s");
        if (pk->layer >= 0)
            line(c, 0, "installed by layer %d: %s", pk->layer, layer_instr(u, (unsigned)pk->layer));
        wrapped(c, theme_attr(TC_ADDED),
                "needed to build, not to run: install it in a builder stage of a multi-stage build "
                "and copy only the results into the runtime image");
        line(c, theme_attr(TC_DIM), "Enter shows its files in the tree");
    } else if (f->kind == FG_DEAD) {
        const struct dead_file *d = &an->dead[f->ref];
        fmt_size(d->size, sz, sizeof sz);
        line(c, A_BOLD, "%s", d->entry < m->n_entries ? model_path_str(m, m->entries[d->entry].path, p, sizeof p) : "?");
        line(c, 0, "%s written by layer %u, %s by layer %u: the bytes stay in the image", sz, d->layer,
             d->deleted ? "deleted" : "overwritten", d->hidden_at);
        line(c, theme_attr(TC_DIM), "L%u %s", d->layer, layer_instr(u, d->layer));
        line(c, theme_attr(TC_DIM), "L%u %s", d->hidden_at, layer_instr(u, d->hidden_at));
        char c1[1100], c2[1100];
        if (dfmap_cite(an, dfmap_layer_line(an, u->img, d->layer), c1, sizeof c1)[0])
            dockerfile_note(c, xasprintf("written at %s, %s at %s", c1, d->deleted ? "deleted" : "overwritten",
                                         dfmap_cite(an, dfmap_layer_line(an, u->img, d->hidden_at), c2, sizeof c2)));
    } else {
        details_group(u, c, g);
    }
}

static void details_draw(struct view *v)
{
    struct ui *u = v->u;
    WINDOW *w = v->win;
    werase(w);
    const char *title = u->details_of == PANE_LAYERS ? "Layer" : u->details_of == PANE_FINDINGS ? "Finding" : "File";
    draw_frame(w, title, 0);
    struct cursor c = {w, 1, v->h - 2, 2, v->w - 4};
    if (u->details_of == PANE_LAYERS)
        details_layer(u, &c);
    else if (u->details_of == PANE_FINDINGS)
        details_finding(u, &c);
    else
        details_file(u, &c);
}

static int details_key(struct view *v, enum action act)
{
    (void)v, (void)act;
    return 0;
}

const struct view_ops view_details_ops = {
    "details", NULL, NULL, details_draw, details_key, NULL, NULL,
};
