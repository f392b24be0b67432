/* waste_fix.c: the fix texts of waste categories: which instruction to change and how, or, for
 * bytes the base image brought, that the choice of base is the fix. Instructions are quoted
 * from their masked copies (mask.c): a RUN line may carry a secret value. */
#include "analysis/waste_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/util.h"

char *waste_short_instr(const char *s)
{
    if (!s || !*s)
        return xstrdup("");
    size_t n = strlen(s);
    if (n <= 48)
        return xstrdup(s);
    size_t cut = 48;
    while (cut > 20 && s[cut] != ' ')
        cut--;
    return xasprintf("%.*s …", (int)cut, s);
}

/* The masked copy (mask.c): a RUN line may carry a secret value, and the fix quotes it. */
const char *waste_layer_instr(const struct analysis *a, const struct image *img, int layer)
{
    if (!img || layer < 0 || (size_t)layer >= img->n_layers)
        return "";
    return analysis_layer_instruction(a, img, (size_t)layer);
}

size_t analysis_base_layers(const struct image *img)
{
    if (!img || img->n_layers <= 1)
        return 0;
    /* buildah writes "FROM <base id>" as the comment of each entry its build made: the entries
     * before the first such one are the base image's */
    for (size_t h = 0; h < img->n_history; h++) {
        const char *c = img->history[h].comment;
        if (c && strncmp(c, "FROM ", 5) == 0) {
            size_t n = 0;
            for (size_t k = 0; k < h; k++)
                if (img->history[k].layer >= 0)
                    n = (size_t)img->history[k].layer + 1;
            return n < img->n_layers ? n : 1;
        }
    }
    /* XXX: Docker and BuildKit record no boundary. A first layer made by ADD or COPY is the
     * base's root filesystem (FROM debian, FROM python); a first layer made by RUN is not (a
     * squashed or history-less base: nothing to tell apart, so nothing is called the base's) */
    const char *in = img->layers[0].instruction ? img->layers[0].instruction : "";
    return strncmp(in, "RUN ", 4) == 0 ? 0 : 1;
}

int waste_is_base(const struct image *img, int layer)
{
    return layer >= 0 && (size_t)layer < analysis_base_layers(img);
}

/* The template with its one %s filled with the size, or "TEMPLATE (SIZE)". */
static char *fill(const char *tmpl, const char *size)
{
    /* The template is ours or the user's: accept exactly one %s and nothing else. */
    const char *pct = strstr(tmpl, "%s");
    if (pct && !strchr(pct + 2, '%') && (size_t)(strchr(tmpl, '%') - tmpl) == (size_t)(pct - tmpl))
        return xasprintf("%.*s%s%s", (int)(pct - tmpl), tmpl, size, pct + 2);
    return xasprintf("%s (%s)", tmpl, size);
}

char *waste_make_fix(const struct analysis *a, const struct image *img, int layer,
                      const char *tmpl, const char *size,
                      unsigned flags)
{
    if (!(flags & WR_NO_PREFIX) && waste_is_base(img, layer))
        /* the base image's ADD cannot take "&& rm -rf": the choice of base can */
        return xasprintf("from the base image (%s, layer %d): choose a base image without them; "
                         "deleting them in a later layer does not shrink the image", size, layer);
    char *body = fill(tmpl, size);
    const char *in = waste_layer_instr(a, img, layer);
    if ((flags & WR_NO_PREFIX) || !*in)
        return body;
    char *si = waste_short_instr(in);
    char *out = xasprintf("%s: %s", si, body);
    free(si);
    free(body);
    return out;
}

void waste_push_cat(struct analysis *a, const struct waste_cat *c)
{
    ARR_GROW(a->cats, a->cap_cats, a->n_cats, 1);
    a->cats[a->n_cats++] = *c;
}
