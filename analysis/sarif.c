#include "analysis/sarif.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/dfmap.h"
#include "analysis/jsonout.h"
#include "analysis/secrets.h"

static const char *level(int sev)
{
    return sev >= SEV_HIGH ? "error" : sev == SEV_MEDIUM ? "warning" : "note";
}

int sarif_write(FILE *out, const struct image *img, const struct analysis *a)
{
    json_t *rules = json_array(), *results = json_array();
    /* one rule object per distinct rule id, in first-seen order */
    const char **seen = xcalloc(a->n_secrets + 1, sizeof *seen);
    size_t n_seen = 0;
    for (size_t i = 0; i < a->n_secrets; i++) {
        const struct secret_finding *s = &a->secrets[i];
        size_t k;
        for (k = 0; k < n_seen && strcmp(seen[k], s->rule_id) != 0; k++)
            ;
        if (k == n_seen) {
            seen[n_seen++] = s->rule_id;
            json_t *r = json_object();
            json_object_set_new(r, "id", json_string(s->rule_id));
            json_t *d = json_object();
            json_object_set_new(d, "text", json_string(s->fix ? s->fix : s->rule_id));
            json_object_set_new(r, "help", d);
            json_t *p = json_object();
            json_object_set_new(p, "security-severity",
                                json_string(s->severity >= SEV_CRITICAL ? "9.5" : s->severity == SEV_HIGH ? "8.0"
                                          : s->severity == SEV_MEDIUM ? "5.5" : "2.0"));
            json_object_set_new(r, "properties", p);
            json_array_append_new(rules, r);
        }
        json_t *res = json_object();
        json_object_set_new(res, "ruleId", json_string(s->rule_id));
        json_object_set_new(res, "ruleIndex", json_integer((json_int_t)k));
        json_object_set_new(res, "level", json_string(level(s->severity)));
        char where[4200], gone[64] = "";
        analysis_finding_where(s, where, sizeof where);
        if (!s->visible && s->hidden_by >= 0)
            snprintf(gone, sizeof gone, "; %s in layer %d but still in the image",
                     s->deleted ? "deleted" : "overwritten", s->hidden_by);
        else if (!s->visible)
            snprintf(gone, sizeof gone, "; deleted in a later layer but still in the image");
        const char *val = a->opts.show_secrets && s->raw ? s->raw : s->masked;
        char *msg = *val ? xasprintf("%s in %s (%s)%s", s->rule_id, where, val, gone)
                         : xasprintf("%s in %s%s", s->rule_id, where, gone);
        json_t *m = json_object();
        json_object_set_new(m, "text", jsonout_name(msg));
        free(msg);
        json_object_set_new(res, "message", m);
        json_t *loc = json_object(), *phys = json_object(), *art = json_object();
        char *uri = s->path[0] ? xasprintf("%s%s", img->source, s->path)
                               : xasprintf("%s#%s", img->source, s->kind == SK_ENV ? "config.Env" : "history");
        json_object_set_new(art, "uri", jsonout_name(uri));
        free(uri);
        json_object_set_new(phys, "artifactLocation", art);
        json_object_set_new(loc, "physicalLocation", phys);
        json_t *locs = json_array();
        json_t *dloc = dfmap_sarif_location(a, img, s);   /* --dockerfile: the line first */
        if (dloc)
            json_array_append_new(locs, dloc);
        json_array_append_new(locs, loc);
        json_object_set_new(res, "locations", locs);
        json_t *props = json_object();
        json_object_set_new(props, "layer", s->layer >= 0 ? json_integer(s->layer) : json_null());
        json_object_set_new(props, "visible", json_boolean(s->visible));
        json_object_set_new(props, "created_by", jsonout_name(s->created_by));   /* masked */
        if (s->name && s->name[0])
            json_object_set_new(props, "name", jsonout_name(s->name));
        if (!s->visible && s->hidden_by >= 0)
            json_object_set_new(props, "hidden_by_layer", json_integer(s->hidden_by));
        json_object_set_new(res, "properties", props);
        json_array_append_new(results, res);
    }
    free(seen);
    json_t *driver = json_object();
    json_object_set_new(driver, "name", json_string("strata"));
    json_object_set_new(driver, "informationUri", json_string("https://example.invalid/strata"));
    json_object_set_new(driver, "rules", rules);
    json_t *tool = json_object();
    json_object_set_new(tool, "driver", driver);
    json_t *run = json_object();
    json_object_set_new(run, "tool", tool);
    json_object_set_new(run, "results", results);
    json_t *runs = json_array();
    json_array_append_new(runs, run);
    json_t *root = json_object();
    json_object_set_new(root, "$schema", json_string("https://json.schemastore.org/sarif-2.1.0.json"));
    json_object_set_new(root, "version", json_string("2.1.0"));
    json_object_set_new(root, "runs", runs);
    int rc = jsonout_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (rc == 0 && fputc('\n', out) == EOF)
        rc = -1;
    json_decref(root);
    return rc == 0 ? 0 : -1;
}
