#include "analysis/report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/dfmap.h"
#include "analysis/advice_report.h"
#include "analysis/jsonout.h"
#include "analysis/secrets.h"

double report_efficiency(const struct model *m)
{
    return m->layer_bytes ? (double)m->final_bytes / (double)m->layer_bytes : 1.0;
}

static json_t *jstr(const char *s) { return json_string(s ? s : ""); }


static json_t *totals_json(const struct model *m)
{
    json_t *t = json_object();
    json_object_set_new(t, "layer_bytes", json_integer((json_int_t)m->layer_bytes));
    json_object_set_new(t, "final_bytes", json_integer((json_int_t)m->final_bytes));
    json_object_set_new(t, "shadowed_bytes", json_integer((json_int_t)m->shadowed_bytes));
    json_object_set_new(t, "deleted_bytes", json_integer((json_int_t)m->deleted_bytes));
    json_object_set_new(t, "final_files", json_integer((json_int_t)m->final_files));
    json_object_set_new(t, "efficiency", json_real(report_efficiency(m)));
    return t;
}

static json_t *image_json(const struct image *img, const struct analysis *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "source", jsonout_name(img->source));
    json_object_set_new(o, "format", jstr(image_format_name(img->format)));
    json_t *tags = json_array();
    for (size_t i = 0; i < img->n_tags; i++)
        json_array_append_new(tags, jsonout_name(img->tags[i]));
    json_object_set_new(o, "tags", tags);
    json_object_set_new(o, "os", jstr(img->os));
    json_object_set_new(o, "architecture", jstr(img->arch));
    if (img->variant && img->variant[0])
        json_object_set_new(o, "variant", jstr(img->variant));
    json_object_set_new(o, "config_digest", jstr(img->config_digest));
    /* the analysis' masked copies (mask.c): values a secret rule finds are masked */
    json_t *env = json_array();
    for (size_t i = 0; i < img->n_env; i++)
        json_array_append_new(env, jsonout_name(analysis_env(a, img, i)));
    json_object_set_new(o, "env", env);
    if (img->n_platforms > 1) {
        json_t *pl = json_array();
        for (size_t i = 0; i < img->n_platforms; i++) {
            const struct platform *p = &img->platforms[i];
            char *s = xasprintf("%s/%s%s%s", p->os, p->arch, p->variant[0] ? "/" : "", p->variant);
            json_array_append_new(pl, jsonout_name(s));
            free(s);
        }
        json_object_set_new(o, "platforms", pl);
    }
    if (img->n_warnings) {
        json_t *w = json_array();
        for (size_t i = 0; i < img->n_warnings; i++)
            json_array_append_new(w, jsonout_name(img->warnings[i]));
        json_object_set_new(o, "warnings", w);
    }
    return o;
}

/* What a tar member is: "file", "dir", "symlink", "hardlink", "whiteout" (deletes its path),
 * "other" (devices, FIFOs). */
static const char *entry_kind(const struct entry *e)
{
    if (e->flags & EF_WHITEOUT)
        return "whiteout";
    if (e->flags & EF_HARDLINK)
        return "hardlink";
    switch (e->mode & 0170000) {
    case 0100000: return "file";
    case 0040000: return "dir";
    case 0120000: return "symlink";
    default: return "other";
    }
}

/* --files: every entry of one layer in its tar's order (dive #508). "status" says what became of
 * it: "visible" in the final filesystem, or "shadowed"/"deleted" by layer "hidden_by". */
static json_t *layer_entries_json(const struct model *m, size_t layer)
{
    json_t *arr = json_array();
    const struct layer_stats *ls = &m->layers[layer];
    char path[4096];
    for (uint32_t k = 0; k < ls->n_entries; k++) {
        uint32_t ei = ls->first_entry + k;
        if (ei >= m->n_entries)
            break;
        const struct entry *e = &m->entries[ei];
        if (e->flags & EF_IMPLICIT)   /* made up for an opaque marker: no member behind it */
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "path", jsonout_name(model_path_str(m, e->path, path, sizeof path)));
        json_object_set_new(o, "bytes", json_integer((json_int_t)e->size));
        json_object_set_new(o, "kind", jstr(entry_kind(e)));
        if (e->flags & EF_OPAQUE)
            json_object_set_new(o, "opaque", json_true());
        if (!(e->flags & EF_WHITEOUT)) {
            int hidden = e->hidden_at != LAYER_NONE;
            json_object_set_new(o, "status", jstr(!hidden ? "visible" : (e->flags & EF_DELETED) ? "deleted" : "shadowed"));
            if (hidden)
                json_object_set_new(o, "hidden_by", json_integer(e->hidden_at));
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *layers_json(const struct image *img, const struct analysis *a, const struct report_opts *ro)
{
    json_t *arr = json_array();
    const struct model *m = &img->model;
    for (size_t i = 0; i < img->n_layers; i++) {
        const struct image_layer *l = &img->layers[i];
        const struct layer_stats *ls = &m->layers[i];
        json_t *o = json_object();
        json_object_set_new(o, "index", json_integer((json_int_t)i));
        json_object_set_new(o, "diff_id", jstr(l->diff_id));
        json_object_set_new(o, "digest", jsonout_name(l->digest));
        json_object_set_new(o, "created_by", jsonout_name(analysis_layer_instruction(a, img, i)));
        json_object_set_new(o, "bytes", json_integer((json_int_t)ls->bytes));
        json_object_set_new(o, "files", json_integer((json_int_t)ls->files));
        json_object_set_new(o, "compressed_bytes", json_integer((json_int_t)l->compressed_bytes));
        json_object_set_new(o, "compression", jstr(compression_name(l->compression)));
        if (l->estargz)
            json_object_set_new(o, "estargz", json_true());
        json_object_set_new(o, "added", json_integer(ls->added));
        json_object_set_new(o, "modified", json_integer(ls->modified));
        json_object_set_new(o, "removed", json_integer(ls->removed));
        json_object_set_new(o, "shadowed_bytes", json_integer((json_int_t)ls->shadowed_bytes));
        json_object_set_new(o, "deleted_bytes", json_integer((json_int_t)ls->deleted_bytes));
        if (ro && ro->files)
            json_object_set_new(o, "entries", layer_entries_json(m, i));
        if (l->error) {   /* damaged: the figures above cover the entries read before it */
            json_object_set_new(o, "partial", json_true());
            json_object_set_new(o, "error", jsonout_name(l->error));
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *history_json(const struct image *img, const struct analysis *a)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < img->n_history; i++) {
        const struct history_item *h = &img->history[i];
        json_t *o = json_object();
        json_object_set_new(o, "created_by", jsonout_name(analysis_history_created_by(a, img, i)));
        json_object_set_new(o, "instruction", jsonout_name(analysis_history_instruction(a, img, i)));
        json_object_set_new(o, "empty_layer", json_boolean(h->empty_layer));
        json_object_set_new(o, "layer", h->layer >= 0 ? json_integer(h->layer) : json_null());
        if (h->created && h->created[0])
            json_object_set_new(o, "created", jstr(h->created));
        if (h->comment && h->comment[0])
            json_object_set_new(o, "comment", jsonout_name(h->comment));
        json_array_append_new(arr, o);
    }
    return arr;
}

/* A capped list is marked in the object that holds it: "truncated": true and "total": N, the
 * names prefixed with the list's ("dead_files_truncated") where the object holds more than one. */
static void mark_capped(json_t *o, const char *prefix, size_t shown, size_t total)
{
    if (shown >= total)
        return;
    char k[64];
    snprintf(k, sizeof k, "%s%struncated", prefix ? prefix : "", prefix ? "_" : "");
    json_object_set_new(o, k, json_true());
    snprintf(k, sizeof k, "%s%stotal", prefix ? prefix : "", prefix ? "_" : "");
    json_object_set_new(o, k, json_integer((json_int_t)total));
}

static json_t *waste_json(const struct image *img, const struct analysis *a)
{
    json_t *w = json_object();
    json_t *cats = json_array();
    char path[4096];
    json_object_set_new(w, "removable_bytes", json_integer(a ? (json_int_t)a->removable_bytes : 0));
    /* removable_bytes / totals.layer_bytes: what a rebuild can win, as --ci's removable rule reads it */
    json_object_set_new(w, "removable_share", json_real(a ? report_removable_share(&img->model, a) : 0.0));
    for (size_t i = 0; a && i < a->n_cats; i++) {
        const struct waste_cat *c = &a->cats[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", jstr(c->id));
        json_object_set_new(o, "title", jstr(c->title));
        json_object_set_new(o, "bytes", json_integer((json_int_t)c->bytes));
        json_object_set_new(o, "files", json_integer(c->files));
        json_object_set_new(o, "layer", c->layer >= 0 ? json_integer(c->layer) : json_null());
        json_object_set_new(o, "fix", jsonout_name(c->fix));
        json_t *ps = json_array();
        for (size_t k = 0; k < c->n_paths; k++)
            json_array_append_new(ps, jsonout_name(c->paths[k]));
        json_object_set_new(o, "paths", ps);
        if (c->from_base)
            json_object_set_new(o, "from_base", json_true());
        if (c->n_blame) {   /* shadowed and deleted: who wrote the bytes and who hid them */
            json_object_set_new(o, "hidden_by", c->hidden_by >= 0 ? json_integer(c->hidden_by) : json_null());
            json_t *bl = json_array();
            for (size_t k = 0; k < c->n_blame; k++) {
                const struct waste_blame *b = &c->blame[k];
                json_t *p = json_object();
                json_object_set_new(p, "layer", json_integer(b->layer));
                json_object_set_new(p, "hidden_by", json_integer(b->hidden_by));
                json_object_set_new(p, "bytes", json_integer((json_int_t)b->bytes));
                json_object_set_new(p, "files", json_integer(b->files));
                json_object_set_new(p, "from_base", json_boolean(b->from_base));
                json_array_append_new(bl, p);
            }
            json_object_set_new(o, "blame", bl);
            /* the paths of a dead-bytes category are its files, the first few */
            mark_capped(o, NULL, c->n_paths, c->files);
        }
        json_array_append_new(cats, o);
    }
    json_object_set_new(w, "categories", cats);
    json_t *dead = json_array();
    for (size_t i = 0; a && i < a->n_dead && i < 100; i++) {
        const struct dead_file *d = &a->dead[i];
        json_t *o = json_object();
        model_path_str(&img->model, img->model.entries[d->entry].path, path, sizeof path);
        json_object_set_new(o, "path", jsonout_name(path));
        json_object_set_new(o, "bytes", json_integer((json_int_t)d->size));
        json_object_set_new(o, "layer", json_integer(d->layer));
        json_object_set_new(o, "hidden_by", json_integer(d->hidden_at));
        json_object_set_new(o, "how", jstr(d->deleted ? "deleted" : "shadowed"));
        json_array_append_new(dead, o);
    }
    json_object_set_new(w, "dead_files", dead);
    if (a)
        mark_capped(w, "dead_files", a->n_dead < 100 ? a->n_dead : 100, a->n_dead);
    json_t *dups = json_array();
    for (size_t i = 0; a && i < a->n_dups && i < 100; i++) {
        const struct dup_group *g = &a->dups[i];
        json_t *o = json_object();
        json_object_set_new(o, "bytes", json_integer((json_int_t)g->size));
        json_object_set_new(o, "wasted_bytes", json_integer((json_int_t)g->wasted));
        json_object_set_new(o, "count", json_integer((json_int_t)g->n));
        /* the first copies only: a million identical files must not make a million-line report */
        json_t *ps = json_array();
        for (size_t k = 0; k < g->n && k < 100; k++) {
            const struct entry *e = &img->model.entries[g->entries[k]];
            json_t *p = json_object();
            json_object_set_new(p, "path", jsonout_name(model_path_str(&img->model, e->path, path, sizeof path)));
            json_object_set_new(p, "layer", json_integer(e->layer));
            json_array_append_new(ps, p);
        }
        json_object_set_new(o, "copies", ps);
        mark_capped(o, NULL, g->n < 100 ? g->n : 100, g->n);
        json_array_append_new(dups, o);
    }
    json_object_set_new(w, "duplicates", dups);
    if (a)
        mark_capped(w, "duplicates", a->n_dups < 100 ? a->n_dups : 100, a->n_dups);
    json_object_set_new(w, "duplicate_bytes", json_integer(a ? (json_int_t)a->dup_wasted : 0));
    json_t *pk = json_array();
    for (size_t i = 0; a && i < a->n_pkgs; i++) {
        const struct package *p = &a->pkgs[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", jsonout_name(p->name));
        json_object_set_new(o, "version", jsonout_name(p->version));
        json_object_set_new(o, "ecosystem", jstr(p->ecosystem));
        json_object_set_new(o, "bytes", json_integer((json_int_t)p->bytes));
        json_object_set_new(o, "files", json_integer(p->files));
        json_object_set_new(o, "layer", p->layer >= 0 ? json_integer(p->layer) : json_null());
        json_object_set_new(o, "build_only", json_boolean(p->build_only));
        json_array_append_new(pk, o);
    }
    json_object_set_new(w, "packages", pk);
    json_t *hints = json_array();
    for (size_t i = 0; a && i < a->n_hints; i++) {
        const struct waste_hint *h = &a->hints[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", jstr(h->id));
        json_object_set_new(o, "history", json_integer(h->history));
        json_object_set_new(o, "layer", h->layer >= 0 ? json_integer(h->layer) : json_null());
        json_object_set_new(o, "text", jsonout_name(h->text));
        json_array_append_new(hints, o);
    }
    json_object_set_new(w, "hints", hints);
    return w;
}

static json_t *secrets_json(const struct analysis *a)
{
    json_t *arr = json_array();
    static const char *kinds[] = {"content", "file", "env", "history"};
    for (size_t i = 0; a && i < a->n_secrets; i++) {
        const struct secret_finding *s = &a->secrets[i];
        json_t *o = json_object();
        json_object_set_new(o, "rule", jstr(s->rule_id));
        json_object_set_new(o, "severity", jstr(secrets_sev_name((enum secret_sev)s->severity)));
        json_object_set_new(o, "kind", jstr(s->kind >= 0 && s->kind < 4 ? kinds[s->kind] : "content"));
        json_object_set_new(o, "path", jsonout_name(s->path));
        json_object_set_new(o, "layer", s->layer >= 0 ? json_integer(s->layer) : json_null());
        json_object_set_new(o, "visible", json_boolean(s->visible));
        json_object_set_new(o, "created_by", jsonout_name(s->created_by));
        json_object_set_new(o, "match", jsonout_name(a->opts.show_secrets && s->raw ? s->raw : s->masked));
        if (s->fix)
            json_object_set_new(o, "fix", jstr(s->fix));
        if (s->name && s->name[0])
            json_object_set_new(o, "name", jsonout_name(s->name));
        /* the instruction that hid it is layers[hidden_by_layer].created_by */
        if (!s->visible && s->hidden_by >= 0)
            json_object_set_new(o, "hidden_by_layer", json_integer(s->hidden_by));
        json_array_append_new(arr, o);
    }
    return arr;
}

int report_json(FILE *out, const struct image *img, const struct analysis *a)
{
    return report_json_opts(out, img, a, NULL);
}

int report_json_opts(FILE *out, const struct image *img, const struct analysis *a, const struct report_opts *ro)
{
    json_t *root = json_object();
    json_object_set_new(root, "schema", jstr("strata/1"));
    json_object_set_new(root, "image", image_json(img, a));
    json_object_set_new(root, "totals", totals_json(&img->model));
    json_object_set_new(root, "layers", layers_json(img, a, ro));
    json_object_set_new(root, "history", history_json(img, a));
    json_object_set_new(root, "waste", waste_json(img, a));
    json_object_set_new(root, "secrets", secrets_json(a));
    advice_json(root, img, a);    /* base, cuda, advice (advice_report.c) */
    if (a) {
        json_t *an = json_object();
        json_object_set_new(an, "content_hashed_bytes", json_integer((json_int_t)a->hashed_bytes));
        json_object_set_new(an, "content_scanned_bytes", json_integer((json_int_t)a->scanned_bytes));
        json_object_set_new(an, "content", json_boolean(!a->opts.no_content));
        json_object_set_new(root, "analysis", an);
    }
    /* true when a layer could not be read whole: layers[].error and image.warnings say which */
    json_object_set_new(root, "partial", json_boolean(img->partial));
    dfmap_json(root, img, a);   /* --dockerfile: its block and each finding's line */
    int rc = jsonout_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(root);
    return rc == 0 && !ferror(out) ? 0 : -1;
}
