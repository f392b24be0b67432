/* viewer.c: opening a file of the image in the text viewer overlay, with every secret value the
 * scanner or the analysis knows replaced by its masked form before it reaches the screen. */
#include "ui/viewer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/secrets.h"
#include "src/util.h"
#include "ui/extract.h"
#include "ui/view.h"

#define VIEW_MAX (1u << 20)   /* the viewer shows the first MiB (what the secret scanner sees) */

static struct secret_scanner *scanner;   /* made on first use, freed by viewer_free() */

/* ---- secrets masking in the viewer ---- */

struct mask_hits {
    struct {
        size_t off, len;
        char masked[96];
    } *h;
    size_t n, cap;
};

static void on_hit(void *ctx, const struct secret_hit *hit)
{
    struct mask_hits *mh = ctx;
    if (!hit->len)
        return;
    ARR_GROW(mh->h, mh->cap, mh->n, 1);
    mh->h[mh->n].off = hit->offset;
    mh->h[mh->n].len = hit->len;
    snprintf(mh->h[mh->n].masked, sizeof mh->h[mh->n].masked, "%s", hit->masked[0] ? hit->masked : "****");
    mh->n++;
}

/* Replaces every secret value the scanner finds by its masked form; returns a new buffer. */
static char *mask_secrets(const char *path, char *buf, size_t *len, size_t *n_masked)
{
    struct mask_hits mh = {0};
    if (!scanner)
        scanner = secrets_new();
    secrets_scan_content(scanner, path, buf, *len, on_hit, &mh);
    *n_masked = mh.n;
    if (!mh.n)
        return buf;
    size_t cap = *len + mh.n * 96 + 1, o = 0, pos = 0;
    char *out = xmalloc(cap);
    for (size_t i = 0; i < mh.n; i++) {
        size_t off = mh.h[i].off, l = mh.h[i].len;
        if (off < pos || off + l > *len)
            continue;            /* overlapping or out of range: already covered */
        memcpy(out + o, buf + pos, off - pos);
        o += off - pos;
        size_t ml = strlen(mh.h[i].masked);
        memcpy(out + o, mh.h[i].masked, ml);
        o += ml;
        pos = off + l;
    }
    memcpy(out + o, buf + pos, *len - pos);
    o += *len - pos;
    out[o] = 0;
    free(buf);
    free(mh.h);
    *len = o;
    return out;
}


void ui_open_viewer(struct ui *u, uint32_t node)
{
    const struct model *m = &u->img->model;
    uint32_t e = ui_node_entry(u, node);
    char p[4096];
    model_path_str(m, node, p, sizeof p);
    if (!e) {
        ui_message(u, 0, "%s: no file at this layer", p);
        return;
    }
    const struct entry *en = &m->entries[e];
    if (entry_is_dir(en)) {
        ui_message(u, 0, "%s is a directory", p);
        return;
    }
    if ((en->mode & 0170000) == 0120000) {
        ui_message(u, 0, "%s is a symbolic link to %s", p,
                   m->ext && m->ext[e].link ? strpool_get(&m->names, m->ext[e].link) : "?");
        return;
    }
    char *buf;
    size_t len, n_masked = 0;
    int trunc;
    struct errbuf err = {{0}, 0};
    int rc = ui_fetch_entry(u, e, VIEW_MAX, &buf, &len, &trunc, &err);
    if (rc != RC_OK) {
        ui_message(u, rc != RC_WARN, "%s", err.msg);
        return;
    }
    if (!(u->an && u->an->opts.show_secrets)) {
        buf = mask_secrets(p, buf, &len, &n_masked);
        /* and the Env / history values the analysis found, wherever a text file repeats them */
        if (u->an && !memchr(buf, 0, len)) {
            char *mk = analysis_mask_text(u->an, buf);
            if (strcmp(mk, buf) != 0) {
                n_masked++;
                free(buf);
                buf = mk;
                len = strlen(mk);
            } else {
                free(mk);
            }
        }
    }
    char title[4200];
    snprintf(title, sizeof title, "%s  (layer %u%s)", p, en->layer,
             n_masked ? ", secrets masked" : "");
    ui_overlay_open(u, &view_text_ops);
    view_text_set(&u->overlay, title, buf, len, trunc);
    if (n_masked)
        ui_message(u, 0, "%zu secret value%s masked", n_masked, n_masked == 1 ? "" : "s");
}


void viewer_free(void)
{
    if (scanner) {
        secrets_free(scanner);
        scanner = NULL;
    }
}
