/* diff_report.c: the two reports of `strata diff`, --json (schema strata-diff/1) and the text
 * one, from a computed struct image_diff (analysis/diff.c) */
#include "analysis/diff.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/jsonout.h"
#include "analysis/report.h"
#include "src/util.h"

#define TOP_JSON 50     /* files listed per group in the JSON report */
#define TOP_TEXT 15     /* and in the text report */

static uint64_t absdiff(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

/* ---------------------------------------------------------------- per-instruction rollup */

struct by_layer { int layer; const char *by; uint64_t files, bytes; };

static int by_layer_cmp(const void *x, const void *y)
{
    const struct by_layer *a = x, *b = y;
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes ? -1 : 1;
    return a->layer - b->layer;
}

/* Groups files by the layer that wrote them on `side` (0 A, 1 B); *n set; caller frees. */
static struct by_layer *rollup(const struct image_diff *d, const struct diff_file *f, size_t nf,
                               int side, size_t *n)
{
    const struct image *img = side ? d->b : d->a;
    size_t nl = img->n_layers;
    struct by_layer *v = xcalloc(nl + 1, sizeof *v);
    for (size_t i = 0; i < nf; i++) {
        int l = side ? f[i].b_layer : f[i].a_layer;
        if (l < 0 || (size_t)l >= nl)
            continue;
        v[l].layer = l;
        v[l].by = side ? f[i].b_by : f[i].a_by;
        v[l].files++;
        v[l].bytes = sat_add(v[l].bytes, side ? f[i].b_bytes : f[i].a_bytes);
    }
    size_t m = 0;
    for (size_t l = 0; l < nl; l++)
        if (v[l].files)
            v[m++] = v[l];
    qsort(v, m, sizeof *v, by_layer_cmp);
    *n = m;
    return v;
}

/* ---------------------------------------------------------------- JSON */

static json_t *jstr(const char *s) { return json_string(s ? s : ""); }

static json_t *jint(uint64_t v) { return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v); }

static json_t *side_json(const struct image *img, const struct analysis *an)
{
    const struct model *m = &img->model;
    json_t *t = json_object();
    json_object_set_new(t, "layer_bytes", jint(m->layer_bytes));
    json_object_set_new(t, "final_bytes", jint(m->final_bytes));
    json_object_set_new(t, "shadowed_bytes", jint(m->shadowed_bytes));
    json_object_set_new(t, "deleted_bytes", jint(m->deleted_bytes));
    json_object_set_new(t, "final_files", jint(m->final_files));
    json_object_set_new(t, "efficiency", json_real(report_efficiency(m)));
    json_object_set_new(t, "removable_bytes", jint(an ? an->removable_bytes : 0));
    json_object_set_new(t, "source", jsonout_name(img->source));
    json_object_set_new(t, "format", jstr(image_format_name(img->format)));
    json_object_set_new(t, "layers", jint(img->n_layers));
    return t;
}

static json_t *by_layer_json(const struct image_diff *d, const struct diff_file *f, size_t nf, int side)
{
    size_t n;
    struct by_layer *v = rollup(d, f, nf, side, &n);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "layer", json_integer(v[i].layer));
        json_object_set_new(o, "created_by", jsonout_name(v[i].by));
        json_object_set_new(o, "files", jint(v[i].files));
        json_object_set_new(o, "bytes", jint(v[i].bytes));
        json_array_append_new(arr, o);
    }
    free(v);
    return arr;
}

/* What a final entry is, for the counts: "file" (a regular file, as totals.final_files counts
 * them), "symlink", "hardlink", "other" (devices, FIFOs). */
static const char *final_kind(const struct image *img, uint32_t e)
{
    if (!e || e >= img->model.n_entries)
        return "other";
    const struct entry *en = &img->model.entries[e];
    if (entry_is_reg(en))
        return "file";
    if (en->flags & EF_HARDLINK)
        return "hardlink";
    return (en->mode & 0170000) == 0120000 ? "symlink" : "other";
}

/* "files": regular files only (side < 0: a changed pair, regular on both sides); the other kinds
 * apart in "other_kinds" ({"symlink": 2}), empty when there are none. A capped "top" is marked
 * "truncated": true with "total". */
static void counts_set(json_t *o, const struct image_diff *d, const struct diff_file *f, size_t nf, int side)
{
    size_t files = 0;
    json_t *other = json_object();
    for (size_t i = 0; i < nf; i++) {
        const char *ka = final_kind(d->a, f[i].entry_a), *kb = final_kind(d->b, f[i].entry_b);
        const char *k = side == 0 ? ka : side == 1 ? kb : strcmp(ka, "file") ? ka : kb;
        if (!strcmp(k, "file")) {
            files++;
            continue;
        }
        json_t *c = json_object_get(other, k);
        json_object_set_new(other, k, json_integer(c ? json_integer_value(c) + 1 : 1));
    }
    json_object_set_new(o, "files", jint(files));
    json_object_set_new(o, "other_kinds", other);
}

static void top_mark(json_t *o, size_t nf)
{
    if (nf <= TOP_JSON)
        return;
    json_object_set_new(o, "truncated", json_true());
    json_object_set_new(o, "total", jint(nf));
}

static json_t *only_json(const struct image_diff *d, const struct diff_file *f, size_t nf,
                         uint64_t bytes, int side)
{
    json_t *o = json_object(), *top = json_array();
    counts_set(o, d, f, nf, side);
    json_object_set_new(o, "bytes", jint(bytes));
    for (size_t i = 0; i < nf && i < TOP_JSON; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "path", jsonout_name(f[i].path));
        json_object_set_new(x, "bytes", jint(side ? f[i].b_bytes : f[i].a_bytes));
        json_object_set_new(x, "layer", json_integer(side ? f[i].b_layer : f[i].a_layer));
        json_object_set_new(x, "created_by", jsonout_name(side ? f[i].b_by : f[i].a_by));
        json_array_append_new(top, x);
    }
    json_object_set_new(o, "top", top);
    top_mark(o, nf);
    json_object_set_new(o, "by_layer", by_layer_json(d, f, nf, side));
    return o;
}

static json_t *changed_json(const struct image_diff *d)
{
    json_t *o = json_object(), *top = json_array();
    counts_set(o, d, d->changed, d->n_changed, -1);
    json_object_set_new(o, "a_bytes", jint(d->changed_a_bytes));
    json_object_set_new(o, "b_bytes", jint(d->changed_b_bytes));
    json_object_set_new(o, "content_compared", json_boolean(d->content_compared));
    for (size_t i = 0; i < d->n_changed && i < TOP_JSON; i++) {
        const struct diff_file *f = &d->changed[i];
        json_t *x = json_object();
        json_object_set_new(x, "path", jsonout_name(f->path));
        json_object_set_new(x, "a_bytes", jint(f->a_bytes));
        json_object_set_new(x, "b_bytes", jint(f->b_bytes));
        json_object_set_new(x, "a_layer", json_integer(f->a_layer));
        json_object_set_new(x, "b_layer", json_integer(f->b_layer));
        json_object_set_new(x, "a_created_by", jsonout_name(f->a_by));
        json_object_set_new(x, "b_created_by", jsonout_name(f->b_by));
        json_array_append_new(top, x);
    }
    json_object_set_new(o, "top", top);
    top_mark(o, d->n_changed);
    json_object_set_new(o, "a_by_layer", by_layer_json(d, d->changed, d->n_changed, 0));
    json_object_set_new(o, "b_by_layer", by_layer_json(d, d->changed, d->n_changed, 1));
    return o;
}

static json_t *counts_json(const struct diff_side_count *c, size_t n, const char *key, const char *ka,
                           const char *kb)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, key, jstr(c[i].id));
        json_object_set_new(o, ka, jint(c[i].a));
        json_object_set_new(o, kb, jint(c[i].b));
        json_array_append_new(arr, o);
    }
    return arr;
}

int diff_report_json(FILE *out, const struct image_diff *d)
{
    json_t *r = json_object();
    json_object_set_new(r, "schema", json_string("strata-diff/1"));
    json_object_set_new(r, "a", side_json(d->a, d->aa));
    json_object_set_new(r, "b", side_json(d->b, d->ab));
    json_object_set_new(r, "shared_layers", jint(d->shared_layers));
    json_object_set_new(r, "categories", counts_json(d->cats, d->n_cats, "id", "a_bytes", "b_bytes"));
    json_object_set_new(r, "secrets", counts_json(d->secrets, d->n_secrets, "rule", "a", "b"));
    json_t *pk = json_array();
    for (size_t i = 0; i < d->n_pkgs; i++) {
        const struct diff_pkg *p = &d->pkgs[i];
        if (p->a_bytes == p->b_bytes && p->a_version && p->b_version &&
            strcmp(p->a_version, p->b_version) == 0)
            continue;       /* the same package, the same bytes: not a difference */
        json_t *o = json_object();
        json_object_set_new(o, "name", jsonout_name(p->name));
        json_object_set_new(o, "ecosystem", jstr(p->ecosystem));
        json_object_set_new(o, "a_version", p->a_version ? jsonout_name(p->a_version) : json_null());
        json_object_set_new(o, "b_version", p->b_version ? jsonout_name(p->b_version) : json_null());
        json_object_set_new(o, "a_bytes", jint(p->a_bytes));
        json_object_set_new(o, "b_bytes", jint(p->b_bytes));
        json_array_append_new(pk, o);
    }
    json_object_set_new(r, "packages", pk);
    json_object_set_new(r, "only_in_a", only_json(d, d->only_a, d->n_only_a, d->only_a_bytes, 0));
    json_object_set_new(r, "only_in_b", only_json(d, d->only_b, d->n_only_b, d->only_b_bytes, 1));
    json_object_set_new(r, "changed", changed_json(d));
    int rc = jsonout_dumpf(r, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(r);
    if (rc == 0 && fputc('\n', out) == EOF)
        rc = -1;
    if (fflush(out) != 0 || ferror(out))
        rc = -1;
    return rc ? -1 : 0;
}

/* ---------------------------------------------------------------- text */

static const char *esc(const char *s, char *buf, size_t n) { return util_escape(s ? s : "", buf, n); }

/* "+1.2 MB" / "-3 kB" / "0" */
static const char *fmt_delta(uint64_t a, uint64_t b, char *buf, size_t len)
{
    char t[32];
    if (a == b) {
        snprintf(buf, len, "0");
        return buf;
    }
    fmt_size(absdiff(a, b), t, sizeof t);
    snprintf(buf, len, "%c%s", b > a ? '+' : '-', t);
    return buf;
}

static void row3(FILE *out, const char *label, uint64_t a, uint64_t b)
{
    char x[32], y[32], z[40];
    fprintf(out, "  %-16s %12s %12s %13s\n", label, fmt_size(a, x, sizeof x), fmt_size(b, y, sizeof y),
            fmt_delta(a, b, z, sizeof z));
}

/* The instruction, escaped and cut to fit a line. */
static const char *short_by(const char *by, int layer, char *buf, size_t len)
{
    char e[4096];
    esc(by, e, sizeof e);
    if (layer < 0)
        snprintf(buf, len, "-");
    else if (strlen(e) > 60)
        snprintf(buf, len, "layer %d: %.57s...", layer, e);
    else
        snprintf(buf, len, "layer %d: %s", layer, e[0] ? e : "(no history)");
    return buf;
}

static void files_text(FILE *out, const struct image_diff *d, const char *title,
                       const struct diff_file *f, size_t nf, uint64_t bytes, int side)
{
    char s1[32], e[4096], b1[128];
    fprintf(out, "\n%s: %zu files, %s\n", title, nf, fmt_size(bytes, s1, sizeof s1));
    size_t nl;
    struct by_layer *v = rollup(d, f, nf, side, &nl);
    for (size_t i = 0; i < nl; i++)
        fprintf(out, "  %10s %7llu files  %s\n", fmt_size(v[i].bytes, s1, sizeof s1),
                (unsigned long long)v[i].files, short_by(v[i].by, v[i].layer, b1, sizeof b1));
    free(v);
    for (size_t i = 0; i < nf && i < TOP_TEXT; i++)
        fprintf(out, "  %10s  %s  (%s)\n", fmt_size(side ? f[i].b_bytes : f[i].a_bytes, s1, sizeof s1),
                esc(f[i].path, e, sizeof e),
                short_by(side ? f[i].b_by : f[i].a_by, side ? f[i].b_layer : f[i].a_layer, b1, sizeof b1));
    if (nf > TOP_TEXT)
        fprintf(out, "  ... %zu more\n", nf - TOP_TEXT);
}

int diff_report_text(FILE *out, const struct image_diff *d)
{
    char e[4096], s1[32], s2[32], s3[40], b1[128], b2[128];
    const struct model *ma = &d->a->model, *mb = &d->b->model;
    fprintf(out, "A  %s (%s, %zu layers)\n", esc(d->a->source, e, sizeof e),
            image_format_name(d->a->format), d->a->n_layers);
    fprintf(out, "B  %s (%s, %zu layers)\n", esc(d->b->source, e, sizeof e),
            image_format_name(d->b->format), d->b->n_layers);
    fprintf(out, "\n  %-16s %12s %12s %13s\n", "", "A", "B", "B - A");
    row3(out, "layer bytes", ma->layer_bytes, mb->layer_bytes);
    row3(out, "final bytes", ma->final_bytes, mb->final_bytes);
    row3(out, "shadowed bytes", ma->shadowed_bytes, mb->shadowed_bytes);
    row3(out, "deleted bytes", ma->deleted_bytes, mb->deleted_bytes);
    row3(out, "removable bytes", d->aa ? d->aa->removable_bytes : 0, d->ab ? d->ab->removable_bytes : 0);
    fprintf(out, "  %-16s %12llu %12llu %13lld\n", "final files", (unsigned long long)ma->final_files,
            (unsigned long long)mb->final_files, (long long)mb->final_files - (long long)ma->final_files);
    fprintf(out, "  %-16s %11.1f%% %11.1f%%\n", "efficiency", 100.0 * report_efficiency(ma),
            100.0 * report_efficiency(mb));
    fprintf(out, "\nShared layers: %u (leading layers with equal diff_id)\n", d->shared_layers);

    if (d->n_cats) {
        fprintf(out, "\nWaste categories\n  %-16s %12s %12s %13s\n", "", "A", "B", "B - A");
        for (size_t i = 0; i < d->n_cats; i++)
            row3(out, d->cats[i].id, d->cats[i].a, d->cats[i].b);
    }
    if (d->n_secrets) {
        fprintf(out, "\nSecrets (findings)\n  %-28s %6s %6s\n", "", "A", "B");
        for (size_t i = 0; i < d->n_secrets; i++)
            fprintf(out, "  %-28s %6llu %6llu\n", d->secrets[i].id, (unsigned long long)d->secrets[i].a,
                    (unsigned long long)d->secrets[i].b);
    }
    size_t shown = 0;
    for (size_t i = 0; i < d->n_pkgs && shown < TOP_TEXT; i++) {
        const struct diff_pkg *p = &d->pkgs[i];
        if (p->a_bytes == p->b_bytes)
            continue;
        if (!shown++)
            fprintf(out, "\nPackages (largest differences)\n  %-34s %12s %12s %13s\n", "", "A", "B", "B - A");
        char nm[128], en[96];
        snprintf(nm, sizeof nm, "%s (%s)", esc(p->name, en, sizeof en), p->ecosystem);
        fprintf(out, "  %-34s %12s %12s %13s\n", nm, p->a_version ? fmt_size(p->a_bytes, s1, sizeof s1) : "-",
                p->b_version ? fmt_size(p->b_bytes, s2, sizeof s2) : "-",
                fmt_delta(p->a_bytes, p->b_bytes, s3, sizeof s3));
    }

    files_text(out, d, "Only in A", d->only_a, d->n_only_a, d->only_a_bytes, 0);
    files_text(out, d, "Only in B", d->only_b, d->n_only_b, d->only_b_bytes, 1);
    fprintf(out, "\nChanged: %zu files, %s in A, %s in B%s\n", d->n_changed,
            fmt_size(d->changed_a_bytes, s1, sizeof s1), fmt_size(d->changed_b_bytes, s2, sizeof s2),
            d->content_compared ? "" : " (sizes, types and links compared; no content hashes)");
    for (size_t i = 0; i < d->n_changed && i < TOP_TEXT; i++) {
        const struct diff_file *f = &d->changed[i];
        fprintf(out, "  %10s -> %-10s %s\n", fmt_size(f->a_bytes, s1, sizeof s1),
                fmt_size(f->b_bytes, s2, sizeof s2), esc(f->path, e, sizeof e));
        fprintf(out, "      A %s\n      B %s\n", short_by(f->a_by, f->a_layer, b1, sizeof b1),
                short_by(f->b_by, f->b_layer, b2, sizeof b2));
    }
    if (d->n_changed > TOP_TEXT)
        fprintf(out, "  ... %zu more\n", d->n_changed - TOP_TEXT);
    fflush(out);
    return ferror(out) ? -1 : 0;
}
