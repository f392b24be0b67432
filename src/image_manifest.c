/* image_manifest.c: manifest.json and index.json: the JSON members parsed within the budget,
 * nested image indexes flattened, the platform chosen, the image manifest picked. */
#include "src/image_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "src/budget.h"

json_t *manifest_json(struct reader *r, struct member *mb, const char *what)
{
    char lim[32], sz[16];
    if (mb->over_budget) {
        errbuf_set(&r->img->err, "%s: %s %s (%s) does not fit in " BUDGET_FMT, r->base, what,
                   mb->name, fmt_size(mb->size, sz, sizeof sz), budget_limit_str(lim, sizeof lim));
        return NULL;
    }
    if (!mb->json) {
        /* why it was not kept, from what was seen when it was met */
        if (mb->size > JSON_MAX)
            errbuf_set(&r->img->err, "%s: %s %s is %llu bytes, more than the %u MiB strata reads as JSON",
                       r->base, what, mb->name, (unsigned long long)mb->size, JSON_MAX >> 20);
        else if (mb->json_errno)
            errbuf_set(&r->img->err, "%s: %s %s: %s", r->base, what, mb->name, strerror(mb->json_errno));
        else if (mb->size == 0)
            errbuf_set(&r->img->err, "%s: %s %s is empty", r->base, what, mb->name);
        else
            errbuf_set(&r->img->err, "%s: %s %s is not JSON (it does not begin with { or [)", r->base,
                       what, mb->name);
        return NULL;
    }
    json_error_t je;
    int was = budget_json_charge(1);     /* jansson's objects can take 100 times the text */
    json_t *j = json_loadb(mb->json, mb->json_len, JSON_REJECT_DUPLICATES, &je);
    int refused = budget_json_failed();
    budget_json_charge(was);
    if (!j) {
        enum json_error_code c = json_error_code(&je);
        if (refused)
            errbuf_set(&r->img->err, "%s: %s %s (%s): its parsed form does not fit in " BUDGET_FMT,
                       r->base, what, mb->name, fmt_size(mb->json_len, sz, sizeof sz),
                       budget_limit_str(lim, sizeof lim));
        else if (c == json_error_out_of_memory)
            errbuf_set(&r->img->err, "%s: %s %s: out of memory parsing JSON", r->base, what, mb->name);
        else if (c == json_error_premature_end_of_input)
            errbuf_set(&r->img->err, "%s: %s %s: JSON cut short at line %d", r->base, what, mb->name, je.line);
        else
            errbuf_set(&r->img->err, "%s: %s %s: bad JSON at line %d: %s", r->base, what, mb->name,
                       je.line, je.text);
    }
    return j;
}

const char *manifest_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

char *manifest_blob_name(const char *digest)
{
    const char *colon = strchr(digest, ':');
    if (!colon)
        return xasprintf("blobs/sha256/%s", digest);
    return xasprintf("blobs/%.*s/%s", (int)(colon - digest), digest, colon + 1);
}

void manifest_add_tag(struct image *img, const char *t)
{
    for (size_t i = 0; i < img->n_tags; i++)
        if (strcmp(img->tags[i], t) == 0)
            return;
    ARR_GROW(img->tags, img->cap_tags, img->n_tags, 1);
    img->tags[img->n_tags++] = xstrdup(t);
}

static const char *host_arch(void)
{
    struct utsname u;
    if (uname(&u) != 0)
        return "amd64";
    if (strcmp(u.machine, "x86_64") == 0) return "amd64";
    if (strcmp(u.machine, "aarch64") == 0) return "arm64";
    if (strncmp(u.machine, "arm", 3) == 0) return "arm";
    if (strcmp(u.machine, "i686") == 0 || strcmp(u.machine, "i386") == 0) return "386";
    return "amd64";
}

static int is_attestation(json_t *desc)
{
    json_t *ann = json_object_get(desc, "annotations");
    const char *t = ann ? manifest_str(ann, "vnd.docker.reference.type") : NULL;
    if (t && strcmp(t, "attestation-manifest") == 0)
        return 1;
    json_t *pl = json_object_get(desc, "platform");
    const char *os = pl ? manifest_str(pl, "os") : NULL;
    return os && strcmp(os, "unknown") == 0;
}

static int is_index_type(const char *mt)
{
    return mt && (strstr(mt, "image.index") || strstr(mt, "manifest.list"));
}

/* Platform names as people type them and as images spell them: x86_64 is amd64, aarch64 is
 * arm64; an arm64 image without a variant is v8 and an arm one v7 (containerd's defaults). */
static const char *arch_norm(const char *a)
{
    if (!strcmp(a, "x86_64") || !strcmp(a, "x86-64")) return "amd64";
    if (!strcmp(a, "aarch64")) return "arm64";
    if (!strcmp(a, "i386") || !strcmp(a, "i686")) return "386";
    return a;
}

static const char *variant_norm(const char *arch, const char *v)
{
    if (v && *v)
        return !strcmp(arch, "arm64") && !strcmp(v, "8") ? "v8" : v;
    return !strcmp(arch, "arm64") ? "v8" : !strcmp(arch, "arm") ? "v7" : "";
}

/* Whether an image of os/arch/variant (variant may be NULL) is what "OS/ARCH[/VARIANT]" asks
 * for; a wanted platform without a variant takes any variant. */
int manifest_platform_match(const char *want, const char *os, const char *arch, const char *var)
{
    char wos[64] = "", warch[64] = "", wvar[64] = "";
    if (!os || !arch || sscanf(want, "%63[^/]/%63[^/]/%63s", wos, warch, wvar) < 2)
        return 0;
    const char *a = arch_norm(arch), *wa = arch_norm(warch);
    if (strcmp(os, wos) != 0 || strcmp(a, wa) != 0)
        return 0;
    return !wvar[0] || strcmp(variant_norm(a, var), variant_norm(wa, wvar)) == 0;
}

static void platform_add(struct image *img, const char *os, const char *ar, const char *va, const char *dg)
{
    ARR_GROW(img->platforms, img->cap_platforms, img->n_platforms, 1);
    img->platforms[img->n_platforms++] = (struct platform){xstrdup(os), xstrdup(ar), xstrdup(va ? va : ""),
                                                           xstrdup(dg ? dg : "")};
}

/* "linux/amd64, linux/arm64/v8" from img->platforms, or `none` when there is none. */
static void platform_list(const struct image *img, char *list, size_t n, const char *none)
{
    list[0] = 0;
    for (size_t k = 0; k < img->n_platforms && strlen(list) < n - 100; k++)
        snprintf(list + strlen(list), n - strlen(list), "%s%s/%s%s%s", k ? ", " : "", img->platforms[k].os,
                 img->platforms[k].arch, img->platforms[k].variant[0] ? "/" : "", img->platforms[k].variant);
    if (!list[0])
        snprintf(list, n, "%s", none);
}

#define INDEX_MAX_DEPTH 4
#define INDEX_MAX_MANIFESTS 4096   /* descriptors visited in all nested indexes together */

/* The image manifests an index offers, nested indexes flattened (index.json -> image index ->
 * manifests, as `buildah manifest push --all --format oci` and containerd's docker save write). */
struct index_walk {
    json_t **leaf; size_t n_leaf, cap_leaf;        /* descriptors, borrowed from `keep` or the top index */
    json_t **keep; size_t n_keep, cap_keep;        /* nested indexes loaded, released at the end */
    size_t visited;
};

static void walk_free(struct index_walk *w)
{
    for (size_t i = 0; i < w->n_keep; i++)
        json_decref(w->keep[i]);
    free(w->keep);
    free(w->leaf);
}

/* A descriptor's blob, when it is an image index: loaded (kept in w), else NULL. Only a
 * descriptor typed as an index, or untyped and without a platform, is looked into. */
static json_t *nested_index(struct reader *r, json_t *d, struct index_walk *w)
{
    const char *mt = manifest_str(d, "mediaType");
    if (mt ? !is_index_type(mt) : json_object_get(d, "platform") != NULL)
        return NULL;
    const char *dg = manifest_str(d, "digest");
    if (!dg)
        return NULL;
    char *bn = manifest_blob_name(dg);
    struct member *mb = members_find(r, bn);
    free(bn);
    if (!mb || !mb->json)
        return NULL;   /* missing or not JSON: reported when picked as a manifest */
    json_t *j = json_loadb(mb->json, mb->json_len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(j) || !json_is_array(json_object_get(j, "manifests")) || json_object_get(j, "layers")) {
        json_decref(j);
        return NULL;
    }
    ARR_GROW(w->keep, w->cap_keep, w->n_keep, 1);
    w->keep[w->n_keep++] = j;
    return j;
}

static int index_walk(struct reader *r, json_t *index, int depth, struct index_walk *w)
{
    json_t *ms = json_object_get(index, "manifests");
    if (depth > INDEX_MAX_DEPTH) {
        errbuf_set(&r->img->err, "%s: image indexes nested too deep", r->base);
        return RC_FATAL;
    }
    size_t i;
    json_t *d;
    json_array_foreach(ms, i, d) {
        if (++w->visited > INDEX_MAX_MANIFESTS) {
            errbuf_set(&r->img->err, "%s: the index lists more than %d manifests", r->base, INDEX_MAX_MANIFESTS);
            return RC_FATAL;
        }
        if (!json_is_object(d) || is_attestation(d))
            continue;
        json_t *inner = nested_index(r, d, w);
        if (inner) {
            if (index_walk(r, inner, depth + 1, w) != RC_OK)
                return RC_FATAL;
            continue;
        }
        ARR_GROW(w->leaf, w->cap_leaf, w->n_leaf, 1);
        w->leaf[w->n_leaf++] = d;
    }
    return RC_OK;
}

/* Picks the image manifest from an index (nested indexes included). Returns a new reference to
 * the manifest JSON, or NULL with err set. *unverified is set when --platform was given but the
 * choice carries no platform to check it by (the config is checked instead). */
json_t *manifest_pick(struct reader *r, json_t *index, int depth, int *unverified)
{
    struct image *img = r->img;
    json_t *ms = json_object_get(index, "manifests");
    if (!json_is_array(ms) || json_array_size(ms) == 0) {
        errbuf_set(&img->err, "%s: index lists no manifests", r->base);
        return NULL;
    }
    struct index_walk w = {0};
    if (index_walk(r, index, depth, &w) != RC_OK) {
        walk_free(&w);
        return NULL;
    }
    json_t *chosen = NULL, *host = NULL, *first = NULL;
    size_t n_with_platform = 0;
    for (size_t i = 0; i < w.n_leaf; i++) {
        json_t *d = w.leaf[i];
        json_t *pl = json_object_get(d, "platform");
        const char *os = pl ? manifest_str(pl, "os") : NULL, *ar = pl ? manifest_str(pl, "architecture") : NULL,
                   *va = pl ? manifest_str(pl, "variant") : NULL;
        if (os && ar) {
            platform_add(img, os, ar, va, manifest_str(d, "digest"));
            n_with_platform++;
        }
        if (!first)
            first = d;
        if (r->o->platform && !chosen && manifest_platform_match(r->o->platform, os, ar, va))
            chosen = d;
        if (!host && os && ar && strcmp(os, "linux") == 0 && strcmp(arch_norm(ar), host_arch()) == 0)
            host = d;
    }
    if (r->o->platform && !chosen && w.n_leaf == 1 && n_with_platform == 0) {
        /* one image that does not say its platform in the index: its config will */
        chosen = first;
        *unverified = 1;
    }
    if (r->o->platform && !chosen) {
        char list[400];
        platform_list(img, list, sizeof list, "none with a platform");
        errbuf_set(&img->err, "%s: no image for platform %s (has: %s)", r->base, r->o->platform, list);
        walk_free(&w);
        return NULL;
    }
    if (!chosen)
        chosen = host ? host : first;
    if (!chosen) {
        errbuf_set(&img->err, "%s: index lists no image manifest", r->base);
        walk_free(&w);
        return NULL;
    }
    if (!r->o->platform && w.n_leaf > 1 && n_with_platform > 1) {
        json_t *pl = json_object_get(chosen, "platform");
        const char *os = pl ? manifest_str(pl, "os") : NULL, *ar = pl ? manifest_str(pl, "architecture") : NULL,
                   *va = pl ? manifest_str(pl, "variant") : NULL;
        image_warn(img, "%zu platforms in the index; showing %s/%s%s%s (choose with --platform)", w.n_leaf,
             os ? os : "?", ar ? ar : "?", va && *va ? "/" : "", va && *va ? va : "");
    }
    const char *dg = manifest_str(chosen, "digest");
    if (!dg) {
        errbuf_set(&img->err, "%s: manifest descriptor without a digest", r->base);
        walk_free(&w);
        return NULL;
    }
    char *bn = manifest_blob_name(dg);
    struct member *mb = members_find(r, bn);
    if (!mb) {
        errbuf_set(&img->err, "%s: index names %s, which is not in the image", r->base, bn);
        free(bn);
        walk_free(&w);
        return NULL;
    }
    free(bn);
    int typed_index = is_index_type(manifest_str(chosen, "mediaType"));
    walk_free(&w);   /* chosen (maybe borrowed from a nested index) is not used past here */
    json_t *m = manifest_json(r, mb, "manifest");
    if (!m)
        return NULL;
    const char *mt = manifest_str(m, "mediaType");
    if ((mt ? is_index_type(mt) : typed_index) || (json_object_get(m, "manifests") && !json_object_get(m, "layers"))) {
        /* typed as a manifest in its descriptor, but an index */
        if (depth >= INDEX_MAX_DEPTH) {
            errbuf_set(&img->err, "%s: image indexes nested too deep", r->base);
            json_decref(m);
            return NULL;
        }
        json_t *inner = manifest_pick(r, m, depth + 1, unverified);
        json_decref(m);
        return inner;
    }
    return m;
}

