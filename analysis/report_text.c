#include "analysis/report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/advice_report.h"
#include "analysis/dfmap.h"
#include "analysis/secrets.h"

/* The text report is written line by line through tw_put(): on a terminal (cols > 0) a line
 * longer than the width is broken at spaces, each continuation indented to the column where the
 * row's text starts (a hanging indent); elsewhere (a file, a pipe) every line is written whole,
 * never cut. Names and instructions come from the image and are escaped (esc()) before they are
 * printed; the texts are the analysis' masked copies (mask.c). */
struct tw {
    FILE *f;
    int cols;
    char *ring[8];             /* esc() results: a few live at once per line */
    size_t ring_n[8];
    unsigned ri;
};

static const char *esc(struct tw *t, const char *s)
{
    s = s ? s : "";
    unsigned i = t->ri++ % 8;
    /* \xNN is 4 characters for one byte, \uNNNN 6 for a two-byte sequence: 4 per byte covers both */
    size_t need = strlen(s) * 4 + 1;
    if (t->ring_n[i] < need) {
        free(t->ring[i]);
        t->ring[i] = xmalloc(need);
        t->ring_n[i] = need;
    }
    return util_escape(s, t->ring[i], need);
}

static size_t cols_of(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    return c;
}

/* Byte offset of the column col in s (or strlen). */
static size_t at_col(const char *s, size_t col)
{
    size_t c = 0, i = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xc0) != 0x80 && c++ == col)
            return i;
    }
    return i;
}

/* One logical line; indent: the hanging indent of its continuation lines. */
static void tw_write(struct tw *t, size_t indent, const char *s)
{
    size_t width = t->cols > 0 ? (size_t)t->cols : 0;
    if (!width || cols_of(s, strlen(s)) <= width) {
        fprintf(t->f, "%s\n", s);
        return;
    }
    /* a narrow terminal: keep at least 20 columns of text on a continuation line */
    if (indent + 20 > width)
        indent = width > 24 ? 4 : 0;
    size_t first = 1;
    while (*s) {
        size_t lead = first ? 0 : indent;
        size_t avail = width - lead;
        size_t len = strlen(s);
        if (cols_of(s, len) <= avail) {
            fprintf(t->f, "%*s%s\n", (int)lead, "", s);
            break;
        }
        /* the last space at or before the width, past the row's own indent on the first line
         * (table columns are separated by spaces too) */
        size_t lim = at_col(s, avail), brk = 0, from = first ? at_col(s, indent) : 0;
        for (size_t i = lim; i > from; i--)
            if (s[i] == ' ') {
                brk = i;
                break;
            }
        if (!brk)     /* one word wider than the line (a path, a digest): cut at the width */
            brk = lim > from ? lim : len;
        size_t end = brk;
        while (end > 0 && s[end - 1] == ' ')
            end--;
        fprintf(t->f, "%*s%.*s\n", (int)lead, "", (int)end, s);
        s += brk;
        while (*s == ' ')
            s++;
        first = 0;
    }
}

/* advice_report.c's lines, wrapped like the rest */
static void advice_put(void *ctx, size_t indent, const char *line) { tw_write(ctx, indent, line); }

static void tw_put(struct tw *t, size_t indent, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void tw_put(struct tw *t, size_t indent, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    tw_write(t, indent, s);
    free(s);
}

/* A --dockerfile fix (dfmap.c) under a finding's own, wrapped like the rest; frees fix. */
static void tw_fix(struct tw *t, size_t indent, char *fix)
{
    if (!fix)
        return;
    tw_put(t, indent, "%*s%s", (int)indent, "", esc(t, fix));
    free(fix);
}

const char *report_count(char *buf, size_t n, uint64_t count, const char *one, const char *many)
{
    snprintf(buf, n, "%llu %s", (unsigned long long)count, count == 1 ? one : many);
    return buf;
}

const char *report_pct(double pct, char *buf, size_t n)
{
    if (pct > 0 && pct < 0.05)
        snprintf(buf, n, "<0.1%%");
    else
        snprintf(buf, n, pct >= 9.95 ? "%.0f%%" : "%.1f%%", pct);
    return buf;
}

uint64_t report_removable(const struct model *m, const struct analysis *a)
{
    return a ? a->removable_bytes : m->shadowed_bytes + m->deleted_bytes;
}

double report_removable_share(const struct model *m, const struct analysis *a)
{
    return m->layer_bytes ? (double)report_removable(m, a) / (double)m->layer_bytes : 0.0;
}

const char *report_header_figures(char *buf, size_t n, const struct image *img, const struct analysis *a,
                                  int width)
{
    const struct model *m = &img->model;
    char rb[32], pb[16], lb[32], fb[32], layers[48], final[48];
    fmt_size(report_removable(m, a), rb, sizeof rb);
    report_pct(100.0 * report_removable_share(m, a), pb, sizeof pb);
    snprintf(layers, sizeof layers, "layers %s", fmt_size(m->layer_bytes, lb, sizeof lb));
    snprintf(final, sizeof final, "final %s", fmt_size(m->final_bytes, fb, sizeof fb));
    /* narrower: closer together, then without the layer and final sizes (the layers pane and
     * the tree show them); removable, efficiency and secrets stay */
    for (int step = 0; step < 4; step++) {
        const char *sep = step == 0 ? "   " : "  ";
        snprintf(buf, n, "removable %s (%s)%sefficiency %.1f%%%s%s%s%s%ssecrets %zu", rb, pb, sep,
                 100.0 * report_efficiency(m), sep, step < 3 ? layers : "", step < 3 ? sep : "",
                 step < 2 ? final : "", step < 2 ? sep : "", a ? a->n_secrets : 0);
        if (width <= 0 || (int)cols_of(buf, strlen(buf)) <= width)
            break;
    }
    return buf;
}

static void summary(struct tw *t, const struct image *img, const struct analysis *a)
{
    const struct model *m = &img->model;
    char b1[32], c1[48], c2[48], c3[48];
    tw_put(t, 11, "Image      %s", esc(t, img->source));
    for (size_t i = 0; img->partial && i < img->n_layers; i++)
        if (img->layers[i].error)
            tw_put(t, 11, "PARTIAL    layer %zu is damaged (%s): the figures below leave out what "
                   "could not be read", i, esc(t, img->layers[i].error));
    for (size_t i = 0; i < img->n_tags; i++)
        tw_put(t, 11, "Tag        %s", esc(t, img->tags[i]));
    tw_put(t, 11, "Format     %s, %s/%s%s%s, %s, %s", image_format_name(img->format), esc(t, img->os),
           esc(t, img->arch), img->variant && img->variant[0] ? "/" : "", esc(t, img->variant),
           report_count(c1, sizeof c1, img->n_layers, "layer", "layers"),
           report_count(c2, sizeof c2, img->n_history, "history entry", "history entries"));
    /* what a rebuild can win first, then the figures it comes from */
    if (a) {
        char pb[16];
        tw_put(t, 11, "Removable  %s, %s of the image (dead bytes + junk still visible: what a "
               "rebuild can win)", fmt_size(a->removable_bytes, b1, sizeof b1),
               report_pct(100.0 * report_removable_share(m, a), pb, sizeof pb));
    }
    tw_put(t, 11, "Efficiency %.1f%% (final bytes / all layers' bytes)", 100.0 * report_efficiency(m));
    tw_put(t, 11, "Layers     %s in all layers (content bytes)", fmt_size(m->layer_bytes, b1, sizeof b1));
    tw_put(t, 11, "Final      %s in %s", fmt_size(m->final_bytes, b1, sizeof b1),
           report_count(c3, sizeof c3, m->final_files, "file", "files"));
    tw_put(t, 11, "Shadowed   %s (overwritten by a later layer)", fmt_size(m->shadowed_bytes, b1, sizeof b1));
    tw_put(t, 11, "Deleted    %s (hidden by a later whiteout, still shipped)",
           fmt_size(m->deleted_bytes, b1, sizeof b1));
    advice_text_summary(advice_put, t, img, a);   /* Base / Yours / CUDA (advice_report.c) */
    for (size_t i = 0; i < img->n_warnings; i++)
        tw_put(t, 11, "Warning    %s", esc(t, img->warnings[i]));
}

static void instructions(struct tw *t, const struct image *img, const struct analysis *a)
{
    const struct model *m = &img->model;
    char b1[32];
    tw_put(t, 0, "\nInstructions (layer, content bytes, regular files)");
    tw_put(t, 0, "  %-3s %10s %8s  %s", "#", "bytes", "files", "instruction");
    for (size_t i = 0; i < img->n_history; i++) {
        const struct history_item *h = &img->history[i];
        const char *in = esc(t, analysis_history_instruction(a, img, i));
        if (h->layer >= 0) {
            const struct layer_stats *ls = &m->layers[h->layer];
            tw_put(t, 27, "  %-3d %10s %8llu  %s", h->layer, fmt_size(ls->bytes, b1, sizeof b1),
                   (unsigned long long)ls->files, in);
        } else {
            tw_put(t, 27, "  %-3s %10s %8s  %s", "-", "", "", in);
        }
    }
    /* layers no history entry names */
    for (size_t i = 0; i < img->n_layers; i++) {
        if (img->layers[i].history >= 0)
            continue;
        const struct layer_stats *ls = &m->layers[i];
        tw_put(t, 27, "  %-3zu %10s %8llu  (no history: %s)", i, fmt_size(ls->bytes, b1, sizeof b1),
               (unsigned long long)ls->files, esc(t, img->layers[i].diff_id));
    }
}

/* "layer 6 (RUN rm -rf /tmp/build …)": a layer and the start of its instruction, cut at a space
 * (the instructions table above has it whole), escaped. Caller frees. */
static char *layer_who(struct tw *t, const struct analysis *a, const struct image *img, int layer)
{
    const char *in = layer >= 0 && (size_t)layer < img->n_layers ? analysis_layer_instruction(a, img, (size_t)layer) : "";
    if (!*in)
        return xasprintf("layer %d", layer);
    in = esc(t, in);
    size_t n = strlen(in), cut = n;
    if (cols_of(in, n) > 40) {
        size_t lim = at_col(in, 40);
        cut = lim;
        while (cut > 12 && in[cut] != ' ')
            cut--;
        if (cut <= 12)    /* one long word ("COPY multi:439c5f…"): cut at the width */
            cut = lim;
    }
    return xasprintf("layer %d (%.*s%s)", layer, (int)cut, in, cut < n ? " …" : "");
}

static void waste(struct tw *t, const struct image *img, const struct analysis *a)
{
    char b1[32], c1[48];
    tw_put(t, 0, "\nWaste (removable %s)", fmt_size(a->removable_bytes, b1, sizeof b1));
    if (!a->n_cats)
        tw_put(t, 0, "  none found");
    for (size_t i = 0; i < a->n_cats; i++) {
        const struct waste_cat *c = &a->cats[i];
        char lay[64] = "-";
        if (c->layer >= 0)
            snprintf(lay, sizeof lay, "%d%s", c->layer, c->from_base ? " (base image)" : "");
        if (c->hidden_by >= 0)
            snprintf(lay + strlen(lay), sizeof lay - strlen(lay), ", hidden by layer %d", c->hidden_by);
        tw_put(t, 2, "  %-22s %10s %11s  layer %s", esc(t, c->id),   /* user rule ids too */
               fmt_size(c->bytes, b1, sizeof b1), report_count(c1, sizeof c1, c->files, "file", "files"), lay);
        /* who wrote them, who hid them: every pair, largest first (the first few) */
        for (size_t k = 0; k < c->n_blame && k < 5; k++) {
            const struct waste_blame *bl = &c->blame[k];
            char *w = layer_who(t, a, img, bl->layer), *h = layer_who(t, a, img, bl->hidden_by);
            tw_put(t, 8, "      %s in %s written by %s%s, %s by %s", fmt_size(bl->bytes, b1, sizeof b1),
                   report_count(c1, sizeof c1, bl->files, "file", "files"), w,
                   bl->from_base ? " of the base image" : "",
                   strcmp(c->id, "deleted") == 0 ? "deleted" : "overwritten", h);
            free(w);
            free(h);
        }
        if (c->n_blame > 5)
            tw_put(t, 8, "      … and %zu more pairs of layers", c->n_blame - 5);
        if (c->fix && c->fix[0])
            tw_put(t, 11, "      fix: %s", esc(t, c->fix));
        tw_fix(t, 6, dfmap_cat_fix(a, img, c, 1));
    }
}

static void lists(struct tw *t, const struct image *img, const struct analysis *a)
{
    const struct model *m = &img->model;
    char b1[32], p[4096];
    if (a->n_hints) {
        tw_put(t, 0, "\nDockerfile hints");
        for (size_t i = 0; i < a->n_hints; i++) {
            tw_put(t, 10, "  %-7s %s", a->hints[i].id, esc(t, a->hints[i].text));
            tw_fix(t, 10, dfmap_hint_fix(a, &a->hints[i], 1));
        }
    }
    advice_text_section(advice_put, t, img, a);
    if (a->n_dead) {
        tw_put(t, 0, "\nLargest dead files (in the image, not in its final filesystem)");
        for (size_t i = 0; i < a->n_dead && i < 10; i++) {
            const struct dead_file *d = &a->dead[i];
            model_path_str(m, m->entries[d->entry].path, p, sizeof p);
            char cite[1100], cite2[1100];
            dfmap_cite(a, dfmap_layer_line(a, img, d->layer), cite, sizeof cite);
            dfmap_cite(a, dfmap_layer_line(a, img, d->hidden_at), cite2, sizeof cite2);
            tw_put(t, 14, "  %10s  %s  (layer %u%s%s, %s by layer %u%s%s)", fmt_size(d->size, b1, sizeof b1),
                   esc(t, p), d->layer, cite[0] ? " " : "", esc(t, cite),
                   d->deleted ? "deleted" : "overwritten", d->hidden_at, cite2[0] ? " " : "", esc(t, cite2));
        }
    }
    if (a->n_dups) {
        tw_put(t, 0, "\nDuplicate files (%s would be saved)", fmt_size(a->dup_wasted, b1, sizeof b1));
        for (size_t i = 0; i < a->n_dups && i < 10; i++) {
            const struct dup_group *g = &a->dups[i];
            model_path_str(m, m->entries[g->entries[0]].path, p, sizeof p);
            tw_put(t, 18, "  %10s x%zu  %s", fmt_size(g->size, b1, sizeof b1), g->n, esc(t, p));
        }
    }
    if (a->n_pkgs) {
        tw_put(t, 0, "\nLargest packages");
        for (size_t i = 0; i < a->n_pkgs && i < 15; i++) {
            const struct package *pk = &a->pkgs[i];
            tw_put(t, 4, "  %-28s %10s  %-6s layer %d%s", esc(t, pk->name), fmt_size(pk->bytes, b1, sizeof b1),
                   pk->ecosystem, pk->layer, pk->build_only ? "  build-only" : "");
        }
    }
}

static void secrets(struct tw *t, const struct image *img, const struct analysis *a)
{
    tw_put(t, 0, "\nSecrets (%zu)", a->n_secrets);
    if (!a->n_secrets)
        tw_put(t, 0, "  none found");
    static const char *kinds[] = {"content", "file", "env", "history"};
    for (size_t i = 0; i < a->n_secrets; i++) {
        const struct secret_finding *s = &a->secrets[i];
        char where[4200], gone[160] = "";
        if (!s->visible && s->hidden_by >= 0)
            snprintf(gone, sizeof gone, "  (%s in layer %d, still in the image)",
                     s->deleted ? "deleted" : "overwritten", s->hidden_by);
        else if (!s->visible)
            snprintf(gone, sizeof gone, "  (deleted later, still in the image)");
        tw_put(t, 47, "  %-8s %-26s %-7s %s%s", secrets_sev_name((enum secret_sev)s->severity),
               s->rule_id, s->kind >= 0 && s->kind < 4 ? kinds[s->kind] : "",
               esc(t, analysis_finding_where(s, where, sizeof where)), gone);
        if (s->masked[0] || (a->opts.show_secrets && s->raw))
            tw_put(t, 18, "           match: %s", esc(t, a->opts.show_secrets && s->raw ? s->raw : s->masked));
        if (s->layer >= 0)
            tw_put(t, 11, "           added by layer %d: %s", s->layer, esc(t, s->created_by));
        if (s->hidden_by >= 0)
            tw_put(t, 11, "           %s by layer %d: %s", s->deleted ? "deleted" : "overwritten", s->hidden_by,
                   esc(t, analysis_layer_instruction(a, img, (size_t)s->hidden_by)));
        tw_fix(t, 11, dfmap_secret_fix(a, img, s));
    }
}

int report_text_opts(FILE *out, const struct image *img, const struct analysis *a, const struct report_opts *o)
{
    struct tw t = {.f = out, .cols = o ? o->cols : 0};
    summary(&t, img, a);
    instructions(&t, img, a);
    if (a) {
        fflush(out);
        dfmap_report_text(out, img, a);     /* --dockerfile: line, history entry, layer */
        waste(&t, img, a);
        lists(&t, img, a);
        secrets(&t, img, a);
    }
    for (unsigned i = 0; i < 8; i++)
        free(t.ring[i]);
    return ferror(out) ? -1 : 0;
}

int report_text(FILE *out, const struct image *img, const struct analysis *a)
{
    return report_text_opts(out, img, a, NULL);
}
