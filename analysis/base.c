/* base.c: which layers came with the base image and which the image's own Dockerfile added.
 *
 * The boundary is taken from the strongest evidence present (enum base_evidence):
 *   1. OCI annotations org.opencontainers.image.base.name/.digest: the name only (they do not
 *      say how many layers the base has), so the boundary comes from one of the next;
 *   2. buildah's history comments: the first entry a `buildah bud` stage writes carries
 *      "FROM <name as written>", and with --layers every later step "FROM <12-hex parent id>";
 *      the last comment naming an image is where the image's own part starts;
 *   3. --base IMAGE: the leading layers whose diff_id equals the other image's;
 *   4. the history: the base's closing CMD/ENTRYPOINT with layers after it, else a gap of an
 *      hour or more between two entries' creation times.
 * A history comment that comes before a closing CMD followed by more layers was written by an
 * inner base built with buildah, with the image itself built by another builder on top (docker's
 * classic builder and BuildKit write no FROM): then the CMD decides. */
#include "analysis/advice.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/analysis.h"

const char *base_evidence_name(int ev)
{
    static const char *n[] = {"none", "oci-annotation", "history-comment", "base-image", "history-cmd",
                              "history-time-gap"};
    return ev >= 0 && ev <= BASE_EV_TIME_GAP ? n[ev] : "none";
}

static int starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

/* "FROM 7d89be88bb85" / "FROM sha256:…" name an image id, not an image */
static int is_image_id(const char *s)
{
    if (starts(s, "sha256:"))
        return 1;
    size_t n = 0;
    for (; s[n]; n++)
        if (!isxdigit((unsigned char)s[n]) || isupper((unsigned char)s[n]))
            return 0;
    return n == 12 || n == 64;
}

/* The image name of a "FROM <name>" comment, or NULL. */
static const char *comment_from(const char *c)
{
    if (!c || !starts(c, "FROM "))
        return NULL;
    const char *n = c + 5;
    while (*n == ' ')
        n++;
    if (!*n || is_image_id(n) || strcmp(n, "scratch") == 0)
        return NULL;
    return n;
}

static int is_closing(const struct history_item *h)
{
    const char *in = h->instruction ? h->instruction : "";
    return starts(in, "CMD") || starts(in, "ENTRYPOINT");
}

/* seconds since the epoch of an RFC 3339 time, -1 when it does not parse */
static double parse_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                     &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (double)timegm(&tm);
}

/* Number of layers made by history entries before index h (the base's layers when the own part
 * starts at h), or -1 when no entry from h on makes a layer (nothing of the image's own). */
static int layers_before(const struct base_input *in, size_t h)
{
    int first = -1;
    for (size_t i = h; i < in->n_hist; i++)
        if (in->hist[i].layer >= 0 && (first < 0 || in->hist[i].layer < first))
            first = in->hist[i].layer;
    return first;
}

/* The entry index of the layer `layer` makes, for --base: the first history entry of the own part. */
static int history_of_layer(const struct base_input *in, int layer)
{
    for (size_t i = 0; i < in->n_hist; i++)
        if (in->hist[i].layer >= layer)
            return (int)i;
    return -1;
}

void base_decide(const struct base_input *in, struct base_split *out)
{
    memset(out, 0, sizeof *out);
    out->history = -1;
    if (in->ann_name && *in->ann_name) {
        out->name = xstrdup(in->ann_name);
        out->name_evidence = BASE_EV_ANNOTATION;
        out->evidence = BASE_EV_ANNOTATION;
    }
    if (in->ann_digest && *in->ann_digest) {
        out->digest = xstrdup(in->ann_digest);
        if (!out->name_evidence)
            out->evidence = out->name_evidence = BASE_EV_ANNOTATION;
    }

    /* the last comment naming an image, and the last closing CMD/ENTRYPOINT with layers after it */
    int from_at = -1, close_at = -1;
    const char *from_name = NULL;
    for (size_t i = 0; i < in->n_hist; i++) {
        const char *n = comment_from(in->hist[i].comment);
        if (n) {
            from_at = (int)i;
            from_name = n;
        }
        if (is_closing(&in->hist[i]) && i + 1 < in->n_hist && layers_before(in, i + 1) >= 0)
            close_at = (int)i;
    }
    if (from_at >= 0 && close_at > from_at)
        from_at = -1;   /* an inner base's comment: another builder added the image on top */

    int h = -1, ev = BASE_EV_NONE;
    if (from_at >= 0) {
        h = from_at;
        ev = BASE_EV_HISTORY_COMMENT;
        if (!out->name) {
            out->name = xstrdup(from_name);
            out->name_evidence = BASE_EV_HISTORY_COMMENT;
        }
    } else if (in->common_layers > 0) {
        ev = BASE_EV_BASE_IMAGE;
        if ((size_t)in->common_layers >= in->n_layers) {
            /* the image is its base (or a re-tag of it): nothing of its own */
            out->layers = (uint32_t)in->n_layers;
            out->history = -1;
            out->evidence = ev;
            if (!out->name && in->base_ref) {
                out->name = xstrdup(in->base_ref);
                out->name_evidence = BASE_EV_BASE_IMAGE;
            }
            return;
        }
        h = history_of_layer(in, in->common_layers);
        if (h < 0) {   /* no history: the layer count alone */
            out->layers = (uint32_t)in->common_layers;
            out->evidence = ev;
        }
        if (!out->name && in->base_ref) {
            out->name = xstrdup(in->base_ref);
            out->name_evidence = BASE_EV_BASE_IMAGE;
        }
        if (h < 0)
            return;
    } else if (close_at >= 0) {
        h = close_at + 1;
        ev = BASE_EV_HISTORY_CMD;
    } else {
        /* the largest gap between consecutive entries, when it is an hour or more and layers
         * lie on both sides of it */
        double best = 3600;
        for (size_t i = 1; i < in->n_hist; i++) {
            double t0 = parse_time(in->hist[i - 1].created), t1 = parse_time(in->hist[i].created);
            if (t0 < 0 || t1 < 0 || t1 - t0 < best)
                continue;
            int before = layers_before(in, i);
            if (before > 0) {
                best = t1 - t0;
                h = (int)i;
                ev = BASE_EV_TIME_GAP;
            }
        }
    }
    if (h < 0)
        return;
    int before = layers_before(in, (size_t)h);
    out->history = h;
    out->evidence = ev;
    out->layers = before >= 0 ? (uint32_t)before : (uint32_t)in->n_layers;
}

/* ---------------------------------------------------------------- well-known families (data) */

enum { SL_NONE, SL_REPLACE, SL_INSERT_SLIM, SL_APPEND_SLIM, SL_ALPINE };
/* One row per flavour: the first row whose repository matches and whose tag contains `has`
 * (NULL: any tag) names the flavour and how to spell the slimmer variant. Sizes in the notes are
 * the usual compressed-pull sizes for amd64 as the course quotes them. */
static const struct family_row {
    const char *repo, *has, *family, *flavour;
    int op;
    const char *from, *to;   /* SL_REPLACE: the tag's `from` becomes `to` */
    const char *note;
} families[] = {
    {"python", "alpine", "python", "alpine", SL_NONE, NULL, NULL, NULL},
    {"python", "slim", "python", "slim", SL_ALPINE, NULL, NULL,
     "only when every wheel you install has a musllinux build (alpine is musl, not glibc)"},
    {"python", NULL, "python", "full", SL_INSERT_SLIM, NULL, NULL,
     "~150 MB instead of ~1 GB: the full image carries compilers and headers a runtime does not need; "
     "compile in a builder stage"},
    {"node", "alpine", "node", "alpine", SL_NONE, NULL, NULL, NULL},
    {"node", "slim", "node", "slim", SL_NONE, NULL, NULL, NULL},
    {"node", NULL, "node", "full", SL_INSERT_SLIM, NULL, NULL,
     "the full image carries build tools a runtime does not need"},
    {"nvidia/cuda", "-devel", "nvidia/cuda", "devel", SL_REPLACE, "-devel", "-runtime",
     "~3.5 GB instead of ~5.5 GB: compile in a devel stage, run on the runtime image"},
    {"nvidia/cuda", "-runtime", "nvidia/cuda", "runtime", SL_REPLACE, "-runtime", "-base",
     "when nothing needs CUDA's math libraries from the system (torch's wheels bring their own)"},
    {"nvidia/cuda", "-base", "nvidia/cuda", "base", SL_NONE, NULL, NULL, NULL},
    {"pytorch/pytorch", "-devel", "pytorch/pytorch", "devel", SL_REPLACE, "-devel", "-runtime",
     "the runtime image has the same torch without nvcc and headers"},
    {"pytorch/pytorch", "-runtime", "pytorch/pytorch", "runtime", SL_NONE, NULL, NULL, NULL},
    {"debian", "slim", "debian", "slim", SL_NONE, NULL, NULL, NULL},
    {"debian", NULL, "debian", "full", SL_APPEND_SLIM, NULL, NULL,
     "~75 MB instead of ~120 MB: docs, man pages and locales left out"},
    {"ubuntu", NULL, "ubuntu", "ubuntu", SL_NONE, NULL, NULL, NULL},
};

/* "docker.io/library/python:3.11@sha256:…" -> repo "python", tag "3.11" */
static void split_ref(const char *name, char *repo, size_t rn, char *tag, size_t tn)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", name);
    char *at = strchr(buf, '@');
    if (at)
        *at = 0;
    char *slash = strrchr(buf, '/');
    char *colon = strrchr(buf, ':');
    const char *t = colon && (!slash || colon > slash) ? colon + 1 : "latest";
    size_t tl = strlen(t) < tn - 1 ? strlen(t) : tn - 1;
    memcpy(tag, t, tl);
    tag[tl] = 0;
    if (colon && (!slash || colon > slash))
        *colon = 0;
    /* drop a registry host (has '.' or ':' or is localhost) and docker.io's library/ */
    char *r = buf, *first = strchr(r, '/');
    if (first && (memchr(r, '.', (size_t)(first - r)) || memchr(r, ':', (size_t)(first - r)) ||
                  ((size_t)(first - r) == 9 && strncmp(r, "localhost", 9) == 0)))
        r = first + 1;
    if (starts(r, "library/"))
        r += 8;
    size_t l = strlen(r) < rn - 1 ? strlen(r) : rn - 1;
    memcpy(repo, r, l);
    repo[l] = 0;
}

void base_family(const char *name, const char **family, const char **flavour, char **slimmer,
                 const char **note)
{
    *family = *flavour = *note = NULL;
    *slimmer = NULL;
    if (!name || !*name)
        return;
    char repo[256], tag[256];
    split_ref(name, repo, sizeof repo, tag, sizeof tag);
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        const struct family_row *f = &families[i];
        if (strcmp(repo, f->repo) != 0 || (f->has && !strstr(tag, f->has)))
            continue;
        *family = f->family;
        *flavour = f->flavour;
        char t[300] = "";
        if (f->op == SL_REPLACE) {
            const char *p = strstr(tag, f->from);
            snprintf(t, sizeof t, "%.*s%s%s", (int)(p - tag), tag, f->to, p + strlen(f->from));
        } else if (f->op == SL_INSERT_SLIM) {
            /* "3.11-bookworm" -> "3.11-slim-bookworm", "3.11" -> "3.11-slim", "latest" -> "slim" */
            const char *dash = strchr(tag, '-');
            if (strcmp(tag, "latest") == 0)
                snprintf(t, sizeof t, "slim");
            else if (dash)
                snprintf(t, sizeof t, "%.*s-slim%s", (int)(dash - tag), tag, dash);
            else
                snprintf(t, sizeof t, "%s-slim", tag);
        } else if (f->op == SL_ALPINE) {
            /* "3.12-slim-bookworm" -> "3.12-alpine": alpine tags carry no Debian release */
            const char *dash = strchr(tag, '-');
            snprintf(t, sizeof t, "%.*s%salpine", dash ? (int)(dash - tag) : 0, tag, dash && dash > tag ? "-" : "");
        } else if (f->op == SL_APPEND_SLIM) {
            snprintf(t, sizeof t, "%s-slim", strcmp(tag, "latest") == 0 ? "stable" : tag);
        }
        if (t[0]) {
            *slimmer = xasprintf("%s:%s", f->repo, t);
            *note = f->note;
        }
        return;
    }
}

void base_split_free(struct base_split *b)
{
    free(b->name);
    free(b->digest);
    free(b->slimmer);
    memset(b, 0, sizeof *b);
}

/* ---------------------------------------------------------------- the image's figures */

/* annotation values: the manifest's (image.c keeps them), else the config's labels */
static void annotations(const struct image *img, const char **name, const char **digest, json_t **cfg)
{
    *name = img->ann_base_name;
    *digest = img->ann_base_digest;
    *cfg = NULL;
    if ((*name && *digest) || !img->config_json)
        return;
    json_error_t err;
    *cfg = json_loads(img->config_json, 0, &err);
    json_t *c = *cfg ? json_object_get(*cfg, "config") : NULL;
    json_t *labels = c ? json_object_get(c, "Labels") : NULL;
    if (!json_is_object(labels))
        return;
    json_t *v = json_object_get(labels, "org.opencontainers.image.base.name");
    if (!*name && json_is_string(v))
        *name = json_string_value(v);
    v = json_object_get(labels, "org.opencontainers.image.base.digest");
    if (!*digest && json_is_string(v))
        *digest = json_string_value(v);
}

void base_run(struct analysis *a, const struct image *img, struct base_split *out)
{
    const struct model *m = &img->model;
    struct base_input in = {.hist = img->history, .n_hist = img->n_history, .n_layers = img->n_layers,
                            .common_layers = -1, .base_ref = a->opts.base_ref};
    json_t *cfg;
    annotations(img, &in.ann_name, &in.ann_digest, &cfg);
    if (a->opts.n_base_diff_ids) {
        size_t n = 0;
        while (n < a->opts.n_base_diff_ids && n < img->n_layers && img->layers[n].diff_id[0] &&
               strcmp(a->opts.base_diff_ids[n], img->layers[n].diff_id) == 0)
            n++;
        in.common_layers = (int)n;
    }
    base_decide(&in, out);
    json_decref(cfg);
    if (out->layers > img->n_layers)
        out->layers = (uint32_t)img->n_layers;
    base_family(out->name, &out->family, &out->flavour, &out->slimmer, &out->slimmer_note);

    for (uint32_t L = 0; L < m->n_layers; L++) {
        struct base_side *s = L < out->layers ? &out->base : &out->own;
        const struct layer_stats *ls = &m->layers[L];
        s->layers++;
        s->bytes = sat_add(s->bytes, ls->bytes);
        s->files += ls->files;
        s->waste = sat_add(s->waste, ls->hid_bytes);
    }
    for (size_t i = 0; i < a->n_cats; i++) {
        const struct waste_cat *c = &a->cats[i];
        if (strcmp(c->id, "shadowed") == 0 || strcmp(c->id, "deleted") == 0 || c->layer < 0)
            continue;
        struct base_side *s = (uint32_t)c->layer < out->layers ? &out->base : &out->own;
        s->waste = sat_add(s->waste, c->bytes);
    }
}
