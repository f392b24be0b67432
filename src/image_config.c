/* image_config.c: the image config: platform, Env, User, WorkingDir, Cmd, Entrypoint, the
 * diff_ids and the history, each kept string counted in the metadata budget. */
#include "src/image_int.h"

#include <stdlib.h>
#include <string.h>

#include "src/budget.h"

static void str_list(json_t *arr, char ***out, size_t *n)
{
    size_t i;
    size_t cap = 0;            /* 0 is safe for a list already begun: it only grows sooner */
    json_t *v;
    if (!json_is_array(arr))
        return;
    json_array_foreach(arr, i, v) {
        if (!json_is_string(v))
            continue;
        ARR_GROW(*out, cap, *n, 1);
        (*out)[(*n)++] = xstrdup(json_string_value(v));
    }
}

static char *dup_or_empty(const char *s) { return xstrdup(s ? s : ""); }

/* Compact JSON text of v ("" for none or null), freed with free(): jansson's own blocks go back
 * through its allocator (src/budget.c). */
static char *json_text(json_t *v)
{
    if (!v || json_is_null(v))
        return xstrdup("");
    char *t = json_dumps(v, JSON_COMPACT);
    char *out = xstrdup(t ? t : "");
    json_free_t jfree;
    json_get_alloc_funcs(NULL, &jfree);
    jfree(t);
    return out;
}

/* Takes n bytes of the budget for what the image keeps from its config; 0 with err set. */
static int img_hold(struct reader *r, uint64_t n, const char *what)
{
    if (budget_take(n)) {
        r->img->budget_held += n;
        return 1;
    }
    char lim[32];
    errbuf_set(&r->img->err, "%s: %s does not fit in " BUDGET_FMT, r->base, what,
               budget_limit_str(lim, sizeof lim));
    return 0;
}

#define STR_COST(s) (strlen(s) + 1 + 16)     /* a string and malloc's overhead */

int image_config_parse(struct reader *r, struct member *cm, size_t n_layers)
{
    struct image *img = r->img;
    json_t *c = manifest_json(r, cm, "config");
    if (!c)
        return RC_FATAL;
    if (!json_is_object(c)) {
        errbuf_set(&img->err, "%s: config %s is not a JSON object", r->base, cm->name);
        json_decref(c);
        return RC_FATAL;
    }
    /* The text moves to the image with its share of the budget. */
    img->config_json = cm->json;
    img->budget_held += cm->held;
    cm->json = NULL;
    cm->held = 0;
    img->os = dup_or_empty(manifest_str(c, "os"));
    img->arch = dup_or_empty(manifest_str(c, "architecture"));
    img->variant = dup_or_empty(manifest_str(c, "variant"));
    json_t *cc = json_object_get(c, "config");
    if (json_is_object(cc)) {
        str_list(json_object_get(cc, "Env"), &img->env, &img->n_env);
        uint64_t env_cost = 0;
        for (size_t k = 0; k < img->n_env; k++)
            env_cost += sizeof *img->env + STR_COST(img->env[k]);
        if (!img_hold(r, env_cost, "the config's Env list")) {
            json_decref(c);
            return RC_FATAL;
        }
        img->user = dup_or_empty(manifest_str(cc, "User"));
        img->workdir = dup_or_empty(manifest_str(cc, "WorkingDir"));
        json_t *v = json_object_get(cc, "Cmd");
        img->cmd = json_text(v);
        v = json_object_get(cc, "Entrypoint");
        img->entrypoint = json_text(v);
    } else {
        img->user = xstrdup("");
        img->workdir = xstrdup("");
        img->cmd = xstrdup("");
        img->entrypoint = xstrdup("");
    }
    json_t *rootfs = json_object_get(c, "rootfs");
    json_t *ids = rootfs ? json_object_get(rootfs, "diff_ids") : NULL;
    size_t n_ids = json_is_array(ids) ? json_array_size(ids) : 0;
    for (size_t i = 0; i < n_layers; i++) {
        json_t *v = i < n_ids ? json_array_get(ids, i) : NULL;
        img->layers[i].diff_id = dup_or_empty(json_is_string(v) ? json_string_value(v) : NULL);
        img->layers[i].history = -1;
        img->layers[i].instruction = "";
    }
    if (n_ids != n_layers)
        image_warn(img, "config lists %zu diff_ids for %zu layers", n_ids, n_layers);

    json_t *h = json_object_get(c, "history");
    size_t i;
    json_t *he;
    size_t next_layer = 0;
    if (json_is_array(h)) {
        img->history = xcalloc(json_array_size(h) ? json_array_size(h) : 1, sizeof *img->history);
        json_array_foreach(h, i, he) {
            struct history_item *hi = &img->history[img->n_history++];
            hi->created_by = dup_or_empty(json_is_object(he) ? manifest_str(he, "created_by") : NULL);
            hi->created = dup_or_empty(json_is_object(he) ? manifest_str(he, "created") : NULL);
            hi->comment = dup_or_empty(json_is_object(he) ? manifest_str(he, "comment") : NULL);
            hi->author = dup_or_empty(json_is_object(he) ? manifest_str(he, "author") : NULL);
            hi->instruction = history_instruction(hi->created_by);
            hi->empty_layer = json_is_object(he) && json_is_true(json_object_get(he, "empty_layer"));
            hi->layer = -1;
            if (!img_hold(r, sizeof *hi + STR_COST(hi->created_by) + STR_COST(hi->created) +
                             STR_COST(hi->comment) + STR_COST(hi->author) + STR_COST(hi->instruction),
                          "the config's history")) {
                json_decref(c);
                return RC_FATAL;
            }
            if (!hi->empty_layer) {
                if (next_layer < n_layers) {
                    hi->layer = (int)next_layer;
                    img->layers[next_layer].history = (int)(img->n_history - 1);
                    img->layers[next_layer].instruction = hi->instruction;
                    next_layer++;
                }
            }
        }
    }
    if (img->n_history && next_layer != n_layers)
        image_warn(img, "history names %zu layers, the image has %zu: the rest are shown without instructions",
             next_layer, n_layers);
    json_decref(c);
    return RC_OK;
}
