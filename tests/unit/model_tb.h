/* model_tb.h: what the model tests (test_model.c, test_model_paths.c) share: entries added
 * straight to a model (file, dir, whiteout, opaque, hardlink), a blob at a time, and the byte
 * rule of formats.md checked on every stacked model (check_invariants). Header-only. */
#ifndef STRATA_MODEL_TB_H
#define STRATA_MODEL_TB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "src/model.h"
#include "src/util.h"

/* each test file uses some of these helpers, not all */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"

#define REG 0100644
#define DIR 0040755
#define LNK 0120777

static uint32_t P(struct model *m, const char *path)
{
    return model_intern_path(m, path, strlen(path));
}

static uint32_t add(struct model *m, uint32_t blob, const char *path, uint64_t size, uint16_t mode)
{
    return model_add_entry(m, blob, P(m, path), size, mode, 0, 0, 0, 0, NULL);
}
static uint32_t file(struct model *m, uint32_t b, const char *path, uint64_t size) { return add(m, b, path, size, REG); }
static uint32_t dir(struct model *m, uint32_t b, const char *path) { return add(m, b, path, 0, DIR); }
static uint32_t whiteout(struct model *m, uint32_t b, const char *path)
{
    return model_add_entry(m, b, P(m, path), 0, 0, EF_WHITEOUT, 0, 0, 0, NULL);
}
/* as layer.c records `dir/.wh..wh..opq` */
static uint32_t opaque(struct model *m, uint32_t b, const char *dirpath)
{
    return model_add_entry(m, b, P(m, dirpath), 0, DIR, EF_OPAQUE | EF_IMPLICIT, 0, 0, 0, NULL);
}
static uint32_t hardlink(struct model *m, uint32_t b, const char *path, const char *target)
{
    return model_add_entry(m, b, P(m, path), 0, REG, EF_HARDLINK, 0, 0, 0, target);
}

/* The byte rule and its per-layer parts, checked on every stacked model. */
static void check_invariants(const struct model *m)
{
    assert_true(m->stacked);
    assert_int_equal(m->layer_bytes, m->final_bytes + m->shadowed_bytes + m->deleted_bytes);
    uint64_t lb = 0, sh = 0, del = 0, hid = 0, files = 0;
    for (uint32_t L = 0; L < m->n_layers; L++) {
        const struct layer_stats *ls = &m->layers[L];
        uint64_t bytes = 0, fcount = 0, sb = 0, db = 0;
        for (uint32_t e = ls->first_entry; e < ls->first_entry + ls->n_entries; e++) {
            const struct entry *en = &m->entries[e];
            assert_int_equal(en->layer, L);
            if (!entry_is_reg(en))
                continue;
            bytes += en->size;
            fcount++;
            if (en->hidden_at != LAYER_NONE) {
                assert_true(en->hidden_at > L);
                if (en->flags & EF_DELETED)
                    db += en->size;
                else
                    sb += en->size;
            }
        }
        assert_int_equal(ls->bytes, bytes);
        assert_int_equal(ls->files, fcount);
        assert_int_equal(ls->shadowed_bytes, sb);
        assert_int_equal(ls->deleted_bytes, db);
        lb += ls->bytes;
        sh += ls->shadowed_bytes;
        del += ls->deleted_bytes;
        hid += ls->hid_bytes;
    }
    assert_int_equal(m->layer_bytes, lb);
    assert_int_equal(m->shadowed_bytes, sh);
    assert_int_equal(m->deleted_bytes, del);
    assert_int_equal(hid, sh + del);
    /* final view: visible entries sum to final_bytes, and path_final agrees */
    uint64_t fb = 0;
    for (uint32_t p = 1; p < m->n_paths; p++) {
        uint32_t e = m->path_final[p];
        if (e) {
            assert_int_equal(m->entries[e].hidden_at, LAYER_NONE);
            assert_int_equal(m->entries[e].path, p);
            if (entry_is_reg(&m->entries[e]))
                fb += m->entries[e].size, files++;
        }
    }
    assert_int_equal(m->final_bytes, fb);
    assert_int_equal(m->final_files, files);
    assert_int_equal(m->path_final_size[MODEL_ROOT], fb);
    assert_int_equal(m->path_final_files[MODEL_ROOT], files);
    /* the final rollup is the rollup at the last layer */
    if (m->n_layers) {
        uint64_t *sz = calloc(m->n_paths, sizeof *sz);
        model_rollup_at(m, m->n_layers - 1, sz, NULL);
        for (uint32_t p = 1; p < m->n_paths; p++)
            assert_int_equal(sz[p], m->path_final_size[p]);
        free(sz);
    }
}

/* New blob; the previous one is closed first (model_blob_end counts up to the last entry). */
static uint32_t blob(struct model *m)
{
    if (m->n_blobs)
        model_blob_end(m, m->n_blobs - 1);
    return model_blob_begin(m);
}

/* Closes the last blob and stacks blobs 0..n-1 in order. */
static void finish(struct model *m, uint32_t n)
{
    model_blob_end(m, m->n_blobs - 1);
    uint32_t order[64];
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    assert_int_equal(model_stack(m, order, n), RC_OK);
    check_invariants(m);
}

static uint32_t L(const struct model *m, const char *path)
{
    uint32_t p = model_lookup(m, path);
    assert_int_not_equal(p, 0);
    return p;
}

#pragma GCC diagnostic pop

#endif
