/* advice_report.c: the advice (advice.h) in the text report, the JSON report and --ci. The report
 * files call these with one line each, so that the pieces stay here. */
#include "analysis/advice_report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/advice.h"
#include "analysis/analysis_int.h"
#include "analysis/jsonout.h"

static const char *esc(const char *s, char *buf, size_t n) { return util_escape(s ? s : "", buf, n); }

static const struct advice *get(const struct analysis *a) { return a ? a->advice : NULL; }

/* "base 3.4 GB · yours 11.6 GB" (the view's header), "" when the base is unknown */
const char *advice_split_short(const struct analysis *a, char *buf, size_t n)
{
    const struct advice *ad = get(a);
    buf[0] = 0;
    if (!ad)
        return buf;
    char b1[32], b2[32];
    if (ad->base.layers)
        snprintf(buf, n, "base %s \xc2\xb7 yours %s", fmt_size(ad->base.base.bytes, b1, sizeof b1),
                 fmt_size(ad->base.own.bytes, b2, sizeof b2));
    return buf;
}

/* "CUDA 12.4.1 devel, driver >= 525.60.13", "" when there is no CUDA */
const char *advice_cuda_short(const struct analysis *a, char *buf, size_t n)
{
    const struct advice *ad = get(a);
    buf[0] = 0;
    if (!ad || !ad->cuda.present)
        return buf;
    char v[64];
    esc(ad->cuda.version, v, sizeof v);
    if (ad->cuda.min_driver)
        snprintf(buf, n, "CUDA %s %s, driver >= %s", v, ad->cuda.flavour, ad->cuda.min_driver);
    else
        snprintf(buf, n, "CUDA %s %s", v, ad->cuda.flavour);
    return buf;
}

/* one line through the caller's writer (the report wraps it at its width); no '\n' in fmt */
static void put_line(advice_put_fn put, void *ctx, size_t indent, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put_line(advice_put_fn put, void *ctx, size_t indent, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    put(ctx, indent, s);
    free(s);
}

void advice_text_summary(advice_put_fn put, void *ctx, const struct image *img, const struct analysis *a)
{
    (void)img;
    const struct advice *ad = get(a);
    if (!ad)
        return;
    const struct base_split *b = &ad->base;
    char b1[32], b2[32], e[1024];
    if (b->layers) {
        put_line(put, ctx, 11, "Base       %s, %u layer%s, %s in %llu file%s, waste %s (boundary from %s)",
                b->name ? esc(b->name, e, sizeof e) : "(name unknown)", b->base.layers,
                b->base.layers == 1 ? "" : "s", fmt_size(b->base.bytes, b1, sizeof b1),
                (unsigned long long)b->base.files, b->base.files == 1 ? "" : "s", fmt_size(b->base.waste, b2, sizeof b2),
                base_evidence_name(b->evidence));
    } else {
        put_line(put, ctx, 11, "Base       unknown (no annotation, FROM comment, --base or history boundary)");
    }
    put_line(put, ctx, 11, "Yours      %u layer%s, %s in %llu file%s, waste %s", b->own.layers, b->own.layers == 1 ? "" : "s",
            fmt_size(b->own.bytes, b1, sizeof b1), (unsigned long long)b->own.files, b->own.files == 1 ? "" : "s",
            fmt_size(b->own.waste, b2, sizeof b2));
    const struct cuda_info *c = &ad->cuda;
    if (c->present) {
        char v[64], drv[160] = "";
        if (c->min_driver)
            snprintf(drv, sizeof drv, ", host driver >= %s (%s)", c->min_driver, c->driver_source);
        put_line(put, ctx, 11, "CUDA       %s %s (%s)%s", esc(c->version, v, sizeof v), c->flavour, c->version_from, drv);
    }
}

/* One advice finding, the same words in the text and the JSON: id, text, fix, bytes, layer. */
size_t advice_items(const struct image *img, const struct analysis *a, struct advice_item *it, size_t max)
{
    const struct advice *ad = get(a);
    size_t n = 0;
    if (!ad)
        return 0;
    char b1[32], b2[32];
    const struct base_split *b = &ad->base;
    /* a finding only for the heavy flavours; slim -> alpine and runtime -> base stay data (the
     * JSON's "slimmer"): musl wheels and a base without CUDA libraries are choices, not fixes */
    if (b->slimmer && b->layers && b->flavour && (strcmp(b->flavour, "full") == 0 || strcmp(b->flavour, "devel") == 0) &&
        n < max) {
        it[n++] = (struct advice_item){"base-slimmer",
            xasprintf("the base %s is the %s %s image (%s in %u layers)", b->name, b->flavour, b->family,
                      fmt_size(b->base.bytes, b1, sizeof b1), b->base.layers),
            xasprintf("FROM %s%s%s", b->slimmer, b->slimmer_note ? ": " : "", b->slimmer_note ? b->slimmer_note : ""),
            b->base.bytes, -1, b->history};
    }
    for (size_t i = 0; i < ad->n_order && n < max; i++) {
        const struct order_finding *o = &ad->order[i];
        it[n++] = (struct advice_item){"layer-order",
            xasprintf("%s (layer %d, %s) runs after %s (layer %d) brought code (%u source file%s, e.g. %s): "
                      "every code change re-runs it",
                      analysis_history_instruction(a, img, (size_t)o->history), o->layer,
                      fmt_size(o->bytes, b1, sizeof b1), analysis_history_instruction(a, img, (size_t)o->copy_history),
                      o->copy_layer, o->code_files, o->code_files == 1 ? "" : "s", o->code_example),
            xstrdup(o->fix), o->bytes, o->layer, o->history};
    }
    const struct cuda_info *c = &ad->cuda;
    if (c->present && c->devel_bytes && n < max) {
        it[n++] = (struct advice_item){"cuda-devel",
            xasprintf("the CUDA %s devel toolchain is in the final image: %s in %u files (e.g. %s)", c->version,
                      fmt_size(c->devel_bytes, b1, sizeof b1), c->devel_files, c->devel_example),
            xstrdup("use the -runtime image in the final stage: build with the -devel image in a builder "
                    "stage and COPY --from it only what you compiled"),
            c->devel_bytes, c->devel_layer, -1};
    }
    if (c->torch && n < max) {
        if (c->torch_mismatch) {
            it[n++] = (struct advice_item){"torch-cuda",
                xasprintf("torch %s loads its bundled CUDA %s (%s; %s of bundled CUDA libraries), not the "
                          "system CUDA %s in %s (%s)", c->torch_version, c->torch_cuda, c->torch_bundled_path,
                          fmt_size(c->torch_bundled_bytes, b1, sizeof b1), c->version, c->toolkit,
                          fmt_size(c->system_bytes, b2, sizeof b2)),
                xasprintf("ship one CUDA: install the torch wheel built for CUDA %d.%d (e.g. the cu%d%d index), "
                          "or run on a base without the system toolkit (torch needs only the host driver)",
                          c->major, c->minor, c->major, c->minor),
                c->system_bytes < c->torch_bundled_bytes ? c->system_bytes : c->torch_bundled_bytes, -1, -1};
        }
    }
    (void)b2;
    /* --ignore and `ignore =` silence advice by its id like any other finding */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (analysis_ignored(a, it[i].id)) {
            free(it[i].text);
            free(it[i].fix);
        } else {
            it[kept++] = it[i];
        }
    }
    return kept;
}

void advice_items_free(struct advice_item *it, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(it[i].text);
        free(it[i].fix);
    }
}

void advice_text_section(advice_put_fn put, void *ctx, const struct image *img, const struct analysis *a)
{
    struct advice_item it[16];
    size_t n = advice_items(img, a, it, 16);
    const struct advice *ad = get(a);
    if (!n && !(ad && ad->cuda.torch))
        return;
    char e[4096], b1[32];
    put(ctx, 0, "");
    put(ctx, 0, "Advice");
    for (size_t i = 0; i < n; i++) {
        put_line(put, ctx, 15, "  %-12s %s", it[i].id, esc(it[i].text, e, sizeof e));
        put_line(put, ctx, 11, "      fix: %s", esc(it[i].fix, e, sizeof e));
    }
    const struct cuda_info *c = &ad->cuda;
    if (c->torch && !c->torch_mismatch) {
        if (c->torch_bundled_path[0])
            put_line(put, ctx, 15, "  %-12s torch %s loads its bundled CUDA %s (%s, %s)", "torch-cuda",
                    esc(c->torch_version, e, 200), c->torch_cuda[0] ? c->torch_cuda : "?",
                    esc(c->torch_bundled_path, e + 200, 1000), fmt_size(c->torch_bundled_bytes, b1, sizeof b1));
        else
            put_line(put, ctx, 15, "  %-12s torch %s bundles no CUDA runtime: it loads the system's", "torch-cuda",
                    esc(c->torch_version, e, 200));
    }
    advice_items_free(it, n);
}

static json_t *side_json(const struct base_side *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "layers", json_integer(s->layers));
    json_object_set_new(o, "bytes", json_integer((json_int_t)s->bytes));
    json_object_set_new(o, "files", json_integer((json_int_t)s->files));
    json_object_set_new(o, "waste_bytes", json_integer((json_int_t)s->waste));
    return o;
}

static json_t *str_or_null(const char *s) { return s ? jsonout_name(s) : json_null(); }

void advice_json(json_t *root, const struct image *img, const struct analysis *a)
{
    const struct advice *ad = get(a);
    if (!ad)
        return;
    const struct base_split *b = &ad->base;
    json_t *o = json_object();
    json_object_set_new(o, "evidence", json_string(base_evidence_name(b->evidence)));
    json_object_set_new(o, "boundary_layer", json_integer(b->layers));
    json_object_set_new(o, "history", b->history >= 0 ? json_integer(b->history) : json_null());
    json_object_set_new(o, "name", str_or_null(b->name));
    json_object_set_new(o, "name_from", b->name ? json_string(base_evidence_name(b->name_evidence)) : json_null());
    json_object_set_new(o, "digest", str_or_null(b->digest));
    json_object_set_new(o, "family", b->family ? json_string(b->family) : json_null());
    json_object_set_new(o, "flavour", b->flavour ? json_string(b->flavour) : json_null());
    json_object_set_new(o, "slimmer", str_or_null(b->slimmer));
    json_object_set_new(o, "base", side_json(&b->base));
    json_object_set_new(o, "own", side_json(&b->own));
    json_object_set_new(root, "base", o);

    const struct cuda_info *c = &ad->cuda;
    if (c->present || c->torch) {
        json_t *cu = json_object();
        json_object_set_new(cu, "present", json_boolean(c->present));
        json_object_set_new(cu, "version", c->present ? jsonout_name(c->version) : json_null());
        json_object_set_new(cu, "version_from", c->present ? json_string(c->version_from) : json_null());
        json_object_set_new(cu, "flavour", c->flavour ? json_string(c->flavour) : json_null());
        json_object_set_new(cu, "toolkit", c->toolkit[0] ? jsonout_name(c->toolkit) : json_null());
        json_object_set_new(cu, "min_driver", c->min_driver ? json_string(c->min_driver) : json_null());
        json_object_set_new(cu, "min_driver_source", c->min_driver ? json_string(c->driver_source) : json_null());
        json_object_set_new(cu, "require", str_or_null(c->require));
        json_object_set_new(cu, "visible_devices", str_or_null(c->visible_devices));
        json_object_set_new(cu, "driver_capabilities", str_or_null(c->driver_capabilities));
        json_object_set_new(cu, "system_bytes", json_integer((json_int_t)c->system_bytes));
        json_object_set_new(cu, "devel_bytes", json_integer((json_int_t)c->devel_bytes));
        json_object_set_new(cu, "devel_files", json_integer(c->devel_files));
        if (c->torch) {
            json_t *t = json_object();
            json_object_set_new(t, "version", jsonout_name(c->torch_version));
            json_object_set_new(t, "cuda", c->torch_cuda[0] ? json_string(c->torch_cuda) : json_null());
            json_object_set_new(t, "cuda_from", c->torch_cuda_from ? json_string(c->torch_cuda_from) : json_null());
            json_object_set_new(t, "bundled_bytes", json_integer((json_int_t)c->torch_bundled_bytes));
            json_object_set_new(t, "loads", c->torch_bundled_path[0] ? jsonout_name(c->torch_bundled_path)
                                                                      : json_string("system"));
            json_object_set_new(t, "mismatch", json_boolean(c->torch_mismatch));
            json_object_set_new(cu, "torch", t);
        }
        json_object_set_new(root, "cuda", cu);
    }

    struct advice_item it[16];
    size_t n = advice_items(img, a, it, 16);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "id", json_string(it[i].id));
        json_object_set_new(f, "text", jsonout_name(it[i].text));
        json_object_set_new(f, "fix", jsonout_name(it[i].fix));
        json_object_set_new(f, "bytes", json_integer((json_int_t)it[i].bytes));
        json_object_set_new(f, "layer", it[i].layer >= 0 ? json_integer(it[i].layer) : json_null());
        json_object_set_new(f, "history", it[i].history >= 0 ? json_integer(it[i].history) : json_null());
        json_array_append_new(arr, f);
    }
    advice_items_free(it, n);
    json_object_set_new(root, "advice", arr);
}

int advice_ci(FILE *out, const struct analysis *a, uint64_t max_own_bytes, int own_bytes_set,
              uint64_t max_own_waste, int own_waste_set)
{
    const struct advice *ad = get(a);
    int failed = 0;
    char b1[32], b2[32];
    if (!ad)
        return 0;
    if (own_bytes_set) {
        int ok = ad->base.own.bytes <= max_own_bytes;
        failed |= !ok;
        fprintf(out, "  %s  own layers %s (highest allowed %s; base from %s)\n", ok ? "PASS" : "FAIL",
                fmt_size(ad->base.own.bytes, b1, sizeof b1), fmt_size(max_own_bytes, b2, sizeof b2),
                base_evidence_name(ad->base.evidence));
    }
    if (own_waste_set) {
        int ok = ad->base.own.waste <= max_own_waste;
        failed |= !ok;
        fprintf(out, "  %s  own waste %s (highest allowed %s; base from %s)\n", ok ? "PASS" : "FAIL",
                fmt_size(ad->base.own.waste, b1, sizeof b1), fmt_size(max_own_waste, b2, sizeof b2),
                base_evidence_name(ad->base.evidence));
    }
    return failed;
}
