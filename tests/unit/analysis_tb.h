/* analysis_tb.h: what the analysis tests (test_analysis*.c) share: a test bed that builds a
 * model by hand (model_add_entry ... model_stack), feeds contents to the analysis sink as the
 * reader would, and runs the analysis; and a category lookup. Header-only. */
#ifndef STRATA_ANALYSIS_TB_H
#define STRATA_ANALYSIS_TB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "analysis/advice.h"
#include "analysis/analysis.h"
#include "analysis/analysis_int.h"
#include "analysis/report.h"
#include "analysis/secrets.h"
#include "src/image.h"
#include "src/model.h"
#include "src/util.h"

/* each test file uses some of these helpers, not all */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"

#define MAXL 8

struct tb {
    struct image img;
    struct analysis *a;
    struct sink sk;
    int has_sink;
    uint32_t blob[MAXL];
    int n_layers, cur;          /* blobs are opened in layer order: entries of one blob are contiguous */
    char *instr[MAXL];
};

static void tb_init(struct tb *t, int n_layers, const struct analysis_opts *o)
{
    memset(t, 0, sizeof *t);
    struct analysis_opts def = {0};
    t->a = analysis_new(o ? o : &def);
    t->has_sink = analysis_sinks(t->a, &t->sk, 1) == 1;
    model_init(&t->img.model);
    t->n_layers = n_layers;
    t->cur = -1;
}

static uint32_t tb_blob(struct tb *t, int layer)
{
    assert_true(layer >= t->cur && layer < t->n_layers);
    while (t->cur < layer) {
        if (t->cur >= 0)
            model_blob_end(&t->img.model, t->blob[t->cur]);
        t->blob[++t->cur] = model_blob_begin(&t->img.model);
    }
    return t->blob[layer];
}

static uint32_t tb_file(struct tb *t, int layer, const char *path, const char *data, uint64_t size)
{
    struct model *m = &t->img.model;
    uint32_t p = model_intern_path(m, path, strlen(path));
    if (data && !size)
        size = strlen(data);
    uint32_t e = model_add_entry(m, tb_blob(t, layer), p, size, 0100644, 0, 0, 0, 0, NULL);
    if (data && t->has_sink) {
        struct sink_file f = {t->blob[layer], e, path, size, 0100644};
        if (t->sk.file_begin(t->sk.ctx, &f)) {
            t->sk.file_data(t->sk.ctx, data, strlen(data));
            t->sk.file_end(t->sk.ctx);
        }
    }
    return e;
}

static void tb_whiteout(struct tb *t, int layer, const char *path)
{
    struct model *m = &t->img.model;
    uint32_t p = model_intern_path(m, path, strlen(path));
    model_add_entry(m, tb_blob(t, layer), p, 0, 0100644, EF_WHITEOUT, 0, 0, 0, NULL);
}

static void tb_run(struct tb *t, const char **instr)
{
    struct model *m = &t->img.model;
    uint32_t order[MAXL];
    tb_blob(t, t->n_layers - 1);
    model_blob_end(m, t->blob[t->n_layers - 1]);
    for (int i = 0; i < t->n_layers; i++)
        order[i] = t->blob[i];
    assert_int_equal(model_stack(m, order, (uint32_t)t->n_layers), RC_OK);
    t->img.n_layers = (size_t)t->n_layers;
    t->img.layers = calloc((size_t)t->n_layers, sizeof *t->img.layers);
    t->img.n_history = (size_t)t->n_layers;
    t->img.history = calloc((size_t)t->n_layers, sizeof *t->img.history);
    for (int i = 0; i < t->n_layers; i++) {
        const char *in = instr && instr[i] ? instr[i] : "COPY . /app";
        t->instr[i] = xstrdup(in);
        t->img.layers[i].instruction = t->instr[i];
        t->img.layers[i].history = i;
        t->img.history[i].created_by = t->instr[i];
        t->img.history[i].instruction = t->instr[i];
        t->img.history[i].layer = i;
    }
    int rc = analysis_run(t->a, &t->img);
    assert_true(rc == RC_OK || rc == RC_WARN);
}

static void tb_free(struct tb *t)
{
    analysis_free(t->a);
    model_free(&t->img.model);
    free(t->img.layers);
    free(t->img.history);
    for (int i = 0; i < t->n_layers; i++)
        free(t->instr[i]);
}

static const struct waste_cat *cat(const struct analysis *a, const char *id)
{
    for (size_t i = 0; i < a->n_cats; i++)
        if (strcmp(a->cats[i].id, id) == 0)
            return &a->cats[i];
    return NULL;
}

#pragma GCC diagnostic pop

#endif
