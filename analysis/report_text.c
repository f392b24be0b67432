#include "analysis/report.h"

#include <stdlib.h>
#include <string.h>

#include "analysis/dfmap.h"
#include "analysis/secrets.h"

/* Names and instructions come from the image: escaped before they reach a terminal. */
static const char *esc(const char *s, char *buf, size_t n) { return util_escape(s ? s : "", buf, n); }

/* Escaped and cut to about `cols` characters with an ellipsis: a report row stays one line. The
 * texts are the analysis' masked copies (mask.c). */
static const char *line(const char *s, char *buf, size_t n, size_t cols)
{
    util_escape(s ? s : "", buf, n);
    size_t chars = 0;
    for (size_t i = 0; buf[i]; i++) {
        if (((unsigned char)buf[i] & 0xc0) == 0x80)
            continue;
        if (++chars > cols && i + 4 < n) {
            memcpy(buf + i, "\xe2\x80\xa6", 4);   /* … */
            break;
        }
    }
    return buf;
}

int report_text(FILE *out, const struct image *img, const struct analysis *a)
{
    const struct model *m = &img->model;
    char b1[32], b2[32], e1[1024], e2[4096];
    fprintf(out, "Image      %s\n", esc(img->source, e1, sizeof e1));
    for (size_t i = 0; img->partial && i < img->n_layers; i++)
        if (img->layers[i].error)
            fprintf(out, "PARTIAL    layer %zu is damaged (%s): the figures below leave out what could "
                    "not be read\n", i, esc(img->layers[i].error, e1, sizeof e1));
    for (size_t i = 0; i < img->n_tags; i++)
        fprintf(out, "Tag        %s\n", esc(img->tags[i], e1, sizeof e1));
    char eo[128], ea[128], ev[128];    /* the config's own strings: escaped like names */
    fprintf(out, "Format     %s, %s/%s%s%s, %zu layers, %zu history entries\n",
            image_format_name(img->format), esc(img->os, eo, sizeof eo), esc(img->arch, ea, sizeof ea),
            img->variant[0] ? "/" : "", esc(img->variant, ev, sizeof ev), img->n_layers, img->n_history);
    fprintf(out, "Layers     %s in all layers (%s)\n", fmt_size(m->layer_bytes, b1, sizeof b1),
            "content bytes");
    fprintf(out, "Final      %s in %llu files\n", fmt_size(m->final_bytes, b1, sizeof b1),
            (unsigned long long)m->final_files);
    fprintf(out, "Shadowed   %s (overwritten by a later layer)\n", fmt_size(m->shadowed_bytes, b1, sizeof b1));
    fprintf(out, "Deleted    %s (hidden by a later whiteout, still shipped)\n",
            fmt_size(m->deleted_bytes, b1, sizeof b1));
    fprintf(out, "Efficiency %.1f%%\n", 100.0 * report_efficiency(m));
    if (a)
        fprintf(out, "Removable  %s (dead bytes + junk still visible)\n",
                fmt_size(a->removable_bytes, b1, sizeof b1));
    for (size_t i = 0; i < img->n_warnings; i++)
        fprintf(out, "Warning    %s\n", esc(img->warnings[i], e2, sizeof e2));

    fprintf(out, "\nInstructions (layer, content bytes, regular files)\n  %-3s %10s %8s  %s\n", "#", "bytes", "files", "instruction");
    if (img->n_history) {
        for (size_t i = 0; i < img->n_history; i++) {
            const struct history_item *h = &img->history[i];
            const char *in = analysis_history_instruction(a, img, i);
            if (h->layer >= 0) {
                const struct layer_stats *ls = &m->layers[h->layer];
                fprintf(out, "  %-3d %10s %8llu  %s\n", h->layer, fmt_size(ls->bytes, b1, sizeof b1),
                        (unsigned long long)ls->files, line(in, e2, sizeof e2, 100));
            } else {
                fprintf(out, "  %-3s %10s %8s  %s\n", "-", "", "", line(in, e2, sizeof e2, 100));
            }
        }
    }
    /* layers no history entry names */
    for (size_t i = 0; i < img->n_layers; i++) {
        if (img->layers[i].history >= 0)
            continue;
        const struct layer_stats *ls = &m->layers[i];
        fprintf(out, "  %-3zu %10s %8llu  (no history: %s)\n", i, fmt_size(ls->bytes, b1, sizeof b1),
                (unsigned long long)ls->files, line(img->layers[i].diff_id, e2, sizeof e2, 100));
    }
    if (!a)
        return ferror(out) ? -1 : 0;
    dfmap_report_text(out, img, a);     /* --dockerfile: line, history entry, layer */

    fprintf(out, "\nWaste (removable %s)\n", fmt_size(a->removable_bytes, b1, sizeof b1));
    if (!a->n_cats)
        fprintf(out, "  none found\n");
    for (size_t i = 0; i < a->n_cats; i++) {
        const struct waste_cat *c = &a->cats[i];
        char lay[16] = "-";
        if (c->layer >= 0)
            snprintf(lay, sizeof lay, "%d", c->layer);
        fprintf(out, "  %-22s %10s %6u file%s  layer %s\n", esc(c->id, e1, sizeof e1),   /* user rule ids too */
                fmt_size(c->bytes, b1, sizeof b1),
                c->files, c->files == 1 ? "" : "s", lay);
        if (c->fix && c->fix[0])
            fprintf(out, "      fix: %s\n", esc(c->fix, e2, sizeof e2));
        dfmap_text_fix(out, "      ", dfmap_cat_fix(a, img, c, 1));
    }
    if (a->n_hints) {
        fprintf(out, "\nDockerfile hints\n");
        for (size_t i = 0; i < a->n_hints; i++) {
            fprintf(out, "  %-7s %s\n", a->hints[i].id, line(a->hints[i].text, e2, sizeof e2, 110));
            dfmap_text_fix(out, "          ", dfmap_hint_fix(a, &a->hints[i], 1));
        }
    }
    if (a->n_dead) {
        fprintf(out, "\nLargest dead files (in the image, not in its final filesystem)\n");
        for (size_t i = 0; i < a->n_dead && i < 10; i++) {
            const struct dead_file *d = &a->dead[i];
            char p[4096];
            model_path_str(m, m->entries[d->entry].path, p, sizeof p);
            char cite[1100], cite2[1100], ec2[1100];
            dfmap_cite(a, dfmap_layer_line(a, img, d->layer), cite, sizeof cite);
            dfmap_cite(a, dfmap_layer_line(a, img, d->hidden_at), cite2, sizeof cite2);
            fprintf(out, "  %10s  %s  (layer %u%s%s, %s by layer %u%s%s)\n", fmt_size(d->size, b1, sizeof b1),
                    esc(p, e2, sizeof e2), d->layer, cite[0] ? " " : "", esc(cite, e1, sizeof e1),
                    d->deleted ? "deleted" : "overwritten", d->hidden_at, cite2[0] ? " " : "",
                    esc(cite2, ec2, sizeof ec2));
        }
    }
    if (a->n_dups) {
        fprintf(out, "\nDuplicate files (%s would be saved)\n", fmt_size(a->dup_wasted, b1, sizeof b1));
        for (size_t i = 0; i < a->n_dups && i < 10; i++) {
            const struct dup_group *g = &a->dups[i];
            char p[4096];
            model_path_str(m, m->entries[g->entries[0]].path, p, sizeof p);
            fprintf(out, "  %10s x%zu  %s\n", fmt_size(g->size, b1, sizeof b1), g->n, esc(p, e2, sizeof e2));
        }
    }
    if (a->n_pkgs) {
        fprintf(out, "\nLargest packages\n");
        for (size_t i = 0; i < a->n_pkgs && i < 15; i++) {
            const struct package *p = &a->pkgs[i];
            fprintf(out, "  %-28s %10s  %-6s layer %d%s\n", esc(p->name, e1, 60),
                    fmt_size(p->bytes, b1, sizeof b1), p->ecosystem, p->layer,
                    p->build_only ? "  build-only" : "");
        }
    }
    fprintf(out, "\nSecrets (%zu)\n", a->n_secrets);
    if (!a->n_secrets)
        fprintf(out, "  none found\n");
    static const char *kinds[] = {"content", "file", "env", "history"};
    for (size_t i = 0; i < a->n_secrets; i++) {
        const struct secret_finding *s = &a->secrets[i];
        char where[4200], gone[160] = "";
        if (!s->visible && s->hidden_by >= 0)
            snprintf(gone, sizeof gone, "  (%s in layer %d, still in the image)",
                     s->deleted ? "deleted" : "overwritten", s->hidden_by);
        else if (!s->visible)
            snprintf(gone, sizeof gone, "  (deleted later, still in the image)");
        fprintf(out, "  %-8s %-26s %-7s %s%s\n", secrets_sev_name((enum secret_sev)s->severity),
                s->rule_id, s->kind >= 0 && s->kind < 4 ? kinds[s->kind] : "",
                esc(analysis_finding_where(s, where, sizeof where), e2, 1024), gone);
        if (s->masked[0] || (a->opts.show_secrets && s->raw))
            fprintf(out, "           match: %s\n",
                    esc(a->opts.show_secrets && s->raw ? s->raw : s->masked, e1, sizeof e1));
        if (s->layer >= 0)
            fprintf(out, "           added by layer %d: %s\n", s->layer, line(s->created_by, e2, sizeof e2, 100));
        if (s->hidden_by >= 0)
            fprintf(out, "           %s by layer %d: %s\n", s->deleted ? "deleted" : "overwritten", s->hidden_by,
                    line(analysis_layer_instruction(a, img, (size_t)s->hidden_by), e2, sizeof e2, 100));
        dfmap_text_fix(out, "           ", dfmap_secret_fix(a, img, s));
    }
    (void)b2;
    return ferror(out) ? -1 : 0;
}
