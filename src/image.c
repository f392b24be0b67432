/* image.c: open a saved image in any shape that formats.md lists: list its members
 * (image_members.c), find its manifest and config (image_manifest.c, image_config.c), then read
 * each layer once into the model and stack the layers in manifest order (here). */
#include "src/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/budget.h"
#include "src/image_int.h"
#include "src/layer.h"
#include "src/registry.h"
#include "src/source.h"

void image_warn(struct image *img, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[600], esc[1200];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ARR_GROW(img->warnings, img->cap_warnings, img->n_warnings, 1);
    img->warnings[img->n_warnings++] = xstrdup(util_escape(buf, esc, sizeof esc));   /* names from the image */
}

const char *image_format_name(enum image_format f)
{
    switch (f) {
    case FMT_DOCKER_ARCHIVE: return "docker-archive";
    case FMT_DOCKER_SAVE_OCI: return "docker-save-oci";
    case FMT_OCI_ARCHIVE: return "oci-archive";
    case FMT_OCI_LAYOUT: return "oci-layout";
    default: return "unknown";
    }
}

const char *compression_name(int c)
{
    return c == COMP_GZIP ? "gzip" : c == COMP_ZSTD ? "zstd" : c == COMP_NONE ? "none" : "unknown";
}


/* "sha256:0123456789ab…" for messages: the blob digest, else the diff_id, else the name. */
static void short_digest(const char *d, char *out, size_t n)
{
    const char *c = strchr(d, ':');
    snprintf(out, n, "%.*s%.12s…", c ? (int)(c - d + 1) : 0, d, c ? c + 1 : d);
}

void image_layer_label(const struct image_layer *l, char *out, size_t n)
{
    const char *d = l->digest && strchr(l->digest, ':') ? l->digest
                  : l->diff_id && l->diff_id[0] ? l->diff_id : l->digest ? l->digest : "";
    short_digest(d, out, n);
}

/* Layer li could not be read whole: say so once, keep what was read (a damaged outer archive,
 * manifest or config stays fatal: without them nothing can be placed). */
static void mark_damaged(struct reader *r, size_t li, const char *why, uint64_t entries)
{
    struct image *img = r->img;
    char sd[48];
    image_layer_label(&img->layers[li], sd, sizeof sd);
    img->layers[li].error = xstrdup(why);
    img->partial = 1;
    if (entries)
        image_warn(img, "%s: layer %zu (%s): %s; %llu entr%s read before the damage shown, the rest of the "
             "layer is missing (partial report)", r->base, li, sd, why, (unsigned long long)entries,
             entries == 1 ? "y" : "ies");
    else
        image_warn(img, "%s: layer %zu (%s): %s; none of its files are shown (partial report)", r->base, li,
             sd, why);
}

int image_stack_ready(struct reader *r)
{
    struct model *m = &r->img->model;
    if (!r->incremental || !r->lm)
        return RC_OK;
    while (r->stacked < r->n_lm && r->lm[r->stacked]->blob >= 0) {
        if (model_stack_layer(m, (uint32_t)r->lm[r->stacked]->blob) != RC_OK)
            return RC_FATAL;    /* not reached: no blob repeats in incremental mode */
        r->stacked++;
        if (r->o->on_layer)
            r->o->on_layer(r->o->on_layer_ctx, r->img);
    }
    return RC_OK;
}

static int resolve(struct reader *r, int streaming)
{
    struct image *img = r->img;
    struct member *index = members_find(r, "index.json");
    struct member *dman = members_find(r, "manifest.json");
    json_t *manifest = NULL, *dm = NULL;
    char *config_name = NULL;
    char **layer_names = NULL;
    size_t n_layers = 0;
    int rc = RC_FATAL;
    int unverified = 0;    /* --platform given, the chosen image's platform known only from its config */

    if (dman) {
        dm = manifest_json(r, dman, "manifest");
        if (!dm)
            goto out;
        if (!json_is_array(dm) || json_array_size(dm) == 0 || !json_is_object(json_array_get(dm, 0))) {
            errbuf_set(&img->err, "%s: manifest.json is not a list of images", r->base);
            goto out;
        }
        json_t *m0 = json_array_get(dm, 0);
        if (json_array_size(dm) > 1)
            image_warn(img, "%zu images in manifest.json; showing the first", json_array_size(dm));
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(m0, "RepoTags"), i, v)
            if (json_is_string(v))
                manifest_add_tag(img, json_string_value(v));
    }
    if (index) {
        json_t *ix = manifest_json(r, index, "index");
        if (!ix)
            goto out;
        size_t i;
        json_t *d;
        json_array_foreach(json_object_get(ix, "manifests"), i, d) {
            json_t *ann = json_object_get(d, "annotations");
            const char *t = ann ? manifest_str(ann, "io.containerd.image.name") : NULL;
            if (!t && ann)
                t = manifest_str(ann, "org.opencontainers.image.ref.name");
            if (t && !dm)
                manifest_add_tag(img, t);
        }
        manifest = manifest_pick(r, ix, 0, &unverified);
        json_decref(ix);
        if (!manifest)
            goto out;
        img->format = dman ? FMT_DOCKER_SAVE_OCI : r->dir ? FMT_OCI_LAYOUT : FMT_OCI_ARCHIVE;
        json_t *cfg = json_object_get(manifest, "config");
        const char *cd = cfg ? manifest_str(cfg, "digest") : NULL;
        json_t *ls = json_object_get(manifest, "layers");
        if (!cd || !json_is_array(ls)) {
            errbuf_set(&img->err, "%s: image manifest without config or layers", r->base);
            goto out;
        }
        img->config_digest = xstrdup(cd);
        /* what the base image was, when the builder said (buildah --format oci, buildx) */
        json_t *mann = json_object_get(manifest, "annotations");
        const char *bn = mann ? manifest_str(mann, "org.opencontainers.image.base.name") : NULL;
        const char *bd = mann ? manifest_str(mann, "org.opencontainers.image.base.digest") : NULL;
        img->ann_base_name = bn ? xstrdup(bn) : NULL;
        img->ann_base_digest = bd ? xstrdup(bd) : NULL;
        config_name = manifest_blob_name(cd);
        n_layers = json_array_size(ls);
        layer_names = xcalloc(n_layers ? n_layers : 1, sizeof *layer_names);
        img->layers = xcalloc(n_layers ? n_layers : 1, sizeof *img->layers);
        img->n_layers = n_layers;
        json_array_foreach(ls, i, d) {
            const char *dg = manifest_str(d, "digest");
            layer_names[i] = manifest_blob_name(dg ? dg : "missing");
            img->layers[i].digest = xstrdup(dg ? dg : "");
        }
    } else if (dm) {
        img->format = FMT_DOCKER_ARCHIVE;
        json_t *m0 = json_array_get(dm, 0);
        const char *cfg = manifest_str(m0, "Config");
        json_t *ls = json_object_get(m0, "Layers");
        if (!cfg || !json_is_array(ls)) {
            errbuf_set(&img->err, "%s: manifest.json without Config or Layers", r->base);
            goto out;
        }
        config_name = xstrdup(cfg);
        n_layers = json_array_size(ls);
        layer_names = xcalloc(n_layers ? n_layers : 1, sizeof *layer_names);
        img->layers = xcalloc(n_layers ? n_layers : 1, sizeof *img->layers);
        img->n_layers = n_layers;
        size_t i;
        json_t *v;
        json_array_foreach(ls, i, v) {
            layer_names[i] = xstrdup(json_is_string(v) ? json_string_value(v) : "missing");
            img->layers[i].digest = xstrdup(layer_names[i]);
        }
        /* "sha256:<hex>" config member names (kaniko), "<hex>.json" (docker) */
        const char *h = strrchr(cfg, ':');
        char hex[72] = "";
        if (h && strlen(h + 1) == 64)
            snprintf(hex, sizeof hex, "%s", h + 1);
        else if (strlen(cfg) >= 69 && strcmp(cfg + strlen(cfg) - 5, ".json") == 0)
            snprintf(hex, sizeof hex, "%.64s", cfg + strlen(cfg) - 69);
        else if (!strncmp(cfg, "blobs/sha256/", 13))
            snprintf(hex, sizeof hex, "%.64s", cfg + 13);
        img->config_digest = hex[0] ? xasprintf("sha256:%s", hex) : xstrdup("");
    } else {
        errbuf_set(&img->err, "%s: not a container image (no manifest.json or index.json)", r->base);
        goto out;
    }

    if (n_layers >= LAYER_NONE) {
        errbuf_set(&img->err, "%s: %zu layers; strata reads at most %u", r->base, n_layers, LAYER_NONE - 1);
        goto out;
    }
    struct member *cm = members_find(r, config_name);
    if (!cm) {
        errbuf_set(&img->err, "%s: the manifest names config %s, which is not in the image", r->base, config_name);
        goto out;
    }
    if (image_config_parse(r, cm, n_layers) != RC_OK)
        goto out;
    if (r->o->platform && (unverified || !index) &&
        !manifest_platform_match(r->o->platform, img->os[0] ? img->os : NULL, img->arch[0] ? img->arch : NULL, img->variant)) {
        /* a single-platform image: --platform is checked against what its config says */
        char has[160];
        snprintf(has, sizeof has, "%s/%s%s%s", img->os[0] ? img->os : "?", img->arch[0] ? img->arch : "?",
                 img->variant[0] ? "/" : "", img->variant);
        errbuf_set(&img->err, "%s: no image for platform %s (has: %s)", r->base, r->o->platform,
                   img->os[0] || img->arch[0] ? has : "one image with no platform in its config");
        goto out;
    }

    struct member **lm = xcalloc(n_layers ? n_layers : 1, sizeof *lm);
    for (size_t i = 0; i < n_layers; i++) {
        lm[i] = members_find(r, layer_names[i]);
        if (!lm[i]) {
            errbuf_set(&img->err, "%s: layer %zu: the manifest names %s, which is not in the image",
                       r->base, i, layer_names[i]);
            free(lm);
            goto out;
        }
        img->layers[i].compressed_bytes = lm[i]->size;
    }
    atomic_store(&r->prog->layers_total, (uint32_t)n_layers);
    if (!streaming) {
        uint64_t total = 0;
        for (size_t i = 0; i < n_layers; i++)
            total += lm[i]->size;
        atomic_store(&r->prog->bytes_total, total);
    }
    if (r->o->on_manifest)   /* the layer list is known: the view can show it while layers are read */
        r->o->on_manifest(r->o->on_manifest_ctx, img);
    if (!streaming) {
        /* stack each layer as soon as it and those below it are read, unless a blob repeats (its
         * copies are checked against the budget all at once, by model_stack below) */
        r->incremental = 1;
        for (size_t i = 0; i < n_layers && r->incremental; i++)
            for (size_t k = 0; k < i && r->incremental; k++)
                r->incremental = lm[k] != lm[i];
        r->lm = lm;
        r->n_lm = n_layers;
        if (r->incremental)
            model_stack_begin(&img->model, (uint32_t)n_layers);
        if (image_read_layers(r, lm, n_layers) != RC_OK || (r->incremental && image_stack_ready(r) != RC_OK)) {
            r->lm = NULL;
            free(lm);
            goto out;
        }
        r->lm = NULL;
    } else {
        for (size_t i = 0; i < n_layers; i++) {
            if (lm[i]->blob < 0) {
                /* met in the stream but nothing like a layer (text, JSON): an empty one */
                uint32_t b = model_blob_begin(&img->model);
                model_blob_end(&img->model, b);
                lm[i]->blob = (int)b;
                lm[i]->error = xstrdup(layer_fail_text(LF_TAR_NOT_TAR));
            }
            atomic_fetch_add(&r->prog->layers_done, 1);
        }
    }
    for (size_t i = 0; i < n_layers; i++)
        if (lm[i]->error)
            mark_damaged(r, i, lm[i]->error, lm[i]->entries);
    uint32_t *order = xcalloc(n_layers ? n_layers : 1, sizeof *order);
    for (size_t i = 0; i < n_layers; i++) {
        order[i] = (uint32_t)lm[i]->blob;
        img->layers[i].compression = lm[i]->comp;
        img->layers[i].estargz = lm[i]->estargz;
    }
    free(lm);
    if (r->incremental)
        model_stack_end(&img->model);
    else if (model_stack(&img->model, order, (uint32_t)n_layers) != RC_OK) {
        uint32_t b = img->model.repeat_refused, uses = 0;
        size_t first = 0;
        for (size_t i = n_layers; i-- > 0;)
            if (order[i] == b) {
                uses++;
                first = i;
            }
        char sd[48], lim[32];
        image_layer_label(&img->layers[first], sd, sizeof sd);
        errbuf_set(&img->err, "%s: the manifest names layer %zu (%s) %u times; a copy of its %u entries "
                   "for each use does not fit in " BUDGET_FMT, r->base, first, sd, uses,
                   img->model.blobs[b].n_entries, budget_limit_str(lim, sizeof lim));
        free(order);
        goto out;
    }
    img->blob_layer = xmalloc((img->model.n_blobs ? img->model.n_blobs : 1) * sizeof *img->blob_layer);
    for (uint32_t b = 0; b < img->model.n_blobs; b++)
        img->blob_layer[b] = UINT32_MAX;
    for (size_t i = n_layers; i-- > 0;)
        img->blob_layer[order[i]] = (uint32_t)i;
    free(order);
    rc = img->n_warnings ? RC_WARN : RC_OK;
out:
    json_decref(manifest);
    json_decref(dm);
    free(config_name);
    for (size_t i = 0; i < n_layers; i++)
        free(layer_names[i]);
    free(layer_names);
    return rc;
}

int image_open(struct image *img, const char *path, const struct image_opts *o)
{
    memset(img, 0, sizeof *img);
    model_init(&img->model);
    img->source = xstrdup(path);
    struct reader r = {.img = img, .o = o, .fd = -1, .in_fd = -1};
    r.prog = o->progress ? o->progress : &r.dummy;
    r.base = path;
    int rc;
    int streaming = 0;
    struct stat st;
    struct source_ref ref;
    source_parse(path, &ref);
    if (ref.kind == SRC_PATH)
        path = ref.target;     /* docker-archive:PATH and the like: the path alone */
    if (ref.kind == SRC_REGISTRY) {
        /* a registry: the manifest and config fetched here, then each layer blob opened by the
         * pool's workers (image_layers.c), several fetched and read at once */
        r.reg = registry_image_open(ref.target, (int)o->jobs, o->platform, o->tls_no_verify, &img->err);
        rc = r.reg ? RC_OK : RC_FATAL;
        if (r.reg)
            members_list_registry(&r);
    } else if (source_is_stream(&ref)) {
        /* an engine: its save stream through the same streaming reader */
        struct source_stream ss;
        streaming = 1;
        atomic_store(&r.prog->streaming, 1);   /* the view says the layer list comes last */
        rc = source_stream_open(&ref, &ss, &img->err);
        if (rc == RC_OK) {
            r.in_fd = ss.fd;
            rc = members_stream_tar(&r, path);
            if (source_stream_close(&ss, &img->err) != RC_OK)
                rc = RC_FATAL;
        }
    } else if (ref.kind == SRC_STDIN) {
        streaming = 1;
        atomic_store(&r.prog->streaming, 1);   /* the view says the layer list comes last */
        r.in_fd = STDIN_FILENO;
        if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode))   /* `< app.tar.gz`: a known size */
            atomic_store(&r.prog->bytes_total, (uint64_t)st.st_size);
        rc = members_stream_tar(&r, path);
    } else if (stat(path, &st) != 0) {
        errbuf_set(&img->err, "%s: %s", path, strerror(errno));
        rc = RC_FATAL;
    } else if (S_ISFIFO(st.st_mode)) {
        /* a pipe by name (`strata <(docker save app)`): one pass, like stdin; the view can read
         * it too, as its keys still come from the terminal */
        streaming = 1;
        atomic_store(&r.prog->streaming, 1);
        rc = members_stream_tar(&r, path);
    } else if (S_ISDIR(st.st_mode)) {
        r.dir = 1;
        rc = members_list_dir(&r, path, "", 0);
    } else {
        r.fd = open(path, O_RDONLY | O_CLOEXEC);
        unsigned char magic[4] = {0};
        if (r.fd < 0) {
            errbuf_set(&img->err, "%s: %s", path, strerror(errno));
            rc = RC_FATAL;
        } else if (st.st_size == 0) {
            errbuf_set(&img->err, "%s: empty file, not a container image", path);
            rc = RC_FATAL;
        } else if (members_pread(r.fd, magic, st.st_size >= 4 ? 4 : (size_t)st.st_size, 0) == 0 &&
                   layer_sniff(magic, 4) != COMP_NONE) {
            streaming = 1;
            atomic_store(&r.prog->streaming, 1);
            atomic_store(&r.prog->bytes_total, (uint64_t)st.st_size);
            rc = members_stream_tar(&r, path);
        } else {
            rc = members_list_tar(&r, path);
        }
    }
    if (rc == RC_OK)
        rc = resolve(&r, streaming);
    if (r.fd >= 0)
        close(r.fd);
    members_free(&r);
    if (rc == RC_FATAL)
        registry_image_close(r.reg);
    else
        img->reg = r.reg;      /* v and x fetch its blobs again */
    if (rc == RC_FATAL && !img->err.set)
        errbuf_set(&img->err, "%s: cannot read the image", path);
    source_ref_free(&ref);
    atomic_store(&r.prog->done, 1);
    return rc;
}

void image_close(struct image *img)
{
    free(img->source);
    for (size_t i = 0; i < img->n_tags; i++)
        free(img->tags[i]);
    free(img->tags);
    free(img->os);
    free(img->arch);
    free(img->variant);
    free(img->config_digest);
    free(img->config_json);
    free(img->ann_base_name);
    free(img->ann_base_digest);
    budget_give(img->budget_held);
    for (size_t i = 0; i < img->n_env; i++)
        free(img->env[i]);
    free(img->env);
    free(img->user);
    free(img->workdir);
    free(img->cmd);
    free(img->entrypoint);
    for (size_t i = 0; i < img->n_history; i++) {
        free(img->history[i].created_by);
        free(img->history[i].instruction);
        free(img->history[i].created);
        free(img->history[i].comment);
        free(img->history[i].author);
    }
    free(img->history);
    for (size_t i = 0; i < img->n_layers; i++) {
        free(img->layers[i].diff_id);
        free(img->layers[i].digest);
        free(img->layers[i].error);
    }
    free(img->layers);
    for (size_t i = 0; i < img->n_platforms; i++) {
        free(img->platforms[i].os);
        free(img->platforms[i].arch);
        free(img->platforms[i].variant);
        free(img->platforms[i].digest);
    }
    free(img->platforms);
    free(img->blob_layer);
    for (size_t i = 0; i < img->n_warnings; i++)
        free(img->warnings[i]);
    free(img->warnings);
    model_free(&img->model);
    registry_image_close(img->reg);
    memset(img, 0, sizeof *img);
}
