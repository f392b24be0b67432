#include "src/model.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "src/budget.h"
#include "src/hugemem.h"
#include "src/lend.h"
#include "src/util.h"

/* The (parent, name) table: each slot holds a node and 32 bits of its key's hash (hash << 32 |
 * node, 0 = empty), and the slot a key starts probing at comes from those same bits. So a probe
 * settles almost every occupied slot it passes without reading the node (a random cache miss per
 * slot: most lookups are for new paths and pass several), and growing the table reads the slots
 * alone. The key is the parent and the name's bytes, not an interned name: a node's basename is
 * stored for it alone (strpool_add), which spends the bytes of names that repeat in other
 * folders (5 MB more for the 1M-entry bench image, 753,288 distinct names of 1,180,547) and saves
 * the name table's own slots (8 MB there) and, per entry, a probe of that table and a read of
 * the string it found, two random cache misses. */
static inline uint32_t child_hash(uint32_t parent, const char *name, size_t len)
{
    return (uint32_t)XXH3_64bits_withSeed(name, len, parent);
}

static void child_insert(uint64_t *slots, size_t n, uint64_t v)
{
    size_t h = (size_t)(v >> 32) & (n - 1);
    while (slots[h])
        h = (h + 1) & (n - 1);
    slots[h] = v;
}

static void child_grow(struct model *m)
{
    size_t n = m->n_child_slots ? m->n_child_slots * 2 : 1 << 8;
    uint64_t *s = xcalloc(n, sizeof *s);
    hugemem_advise(s, n * sizeof *s);
    for (size_t i = 0; i < m->n_child_slots; i++)
        if (m->child_slots[i])
            child_insert(s, n, m->child_slots[i]);
    free(m->child_slots);
    m->child_slots = s;
    m->n_child_slots = n;
}

void model_init(struct model *m)
{
    memset(m, 0, sizeof *m);
    strpool_init(&m->names);
    /* small first sizes, doubled as needed: a small image (and each fuzz input) should not
     * clear 100 KiB of tables it never uses */
    m->cap_paths = 64;
    m->paths = xcalloc(m->cap_paths, sizeof *m->paths);
    m->paths_lend = lend_new(m->paths);
    m->n_paths = 2;                       /* 0: none, 1: root */
    m->cap_entries = m->cap_ext = 64;
    m->entries = xcalloc(m->cap_entries, sizeof *m->entries);
    m->ext = xcalloc(m->cap_ext, sizeof *m->ext);
    m->n_entries = 1;
    child_grow(m);
}

void model_free(struct model *m)
{
    model_stack_abort(m);   /* stacking begun, not ended: its state */
    strpool_free(&m->names);
    if (m->paths_lend)
        lend_drop(m->paths_lend);   /* the nodes stay while a state holds them */
    else
        free(m->paths);
    free(m->path_first);
    free(m->path_final);
    free(m->path_final_size);
    free(m->path_final_files);
    free(m->entries);
    free(m->ext);
    free(m->blobs);
    free(m->layers);
    free(m->child_slots);
    budget_give(m->budget_held);
    memset(m, 0, sizeof *m);
}

/* The (parent, name) index serves the building of the tree. A stacked model is only read
 * (model_child walks a folder's list), so model_stack_end drops the index: 16 MiB at 1M paths,
 * at the view's peak. Should a name be interned after that, the index is made again. */
static void child_index_drop(struct model *m)
{
    free(m->child_slots);
    m->child_slots = NULL;
    m->n_child_slots = m->child_used = 0;
}

/* Enters node n under its hash tag, growing the index past 3/4 full. */
static void child_index_add(struct model *m, uint32_t tag, uint32_t n)
{
    if ((m->child_used + 1) * 4 >= m->n_child_slots * 3)
        child_grow(m);
    child_insert(m->child_slots, m->n_child_slots, (uint64_t)tag << 32 | n);
    m->child_used++;
}

static void child_index_make(struct model *m)
{
    child_grow(m);
    for (uint32_t p = MODEL_ROOT + 1; p < m->n_paths; p++) {
        const char *nm = strpool_get(&m->names, m->paths[p].name);
        child_index_add(m, child_hash(m->paths[p].parent, nm, strlen(nm)), p);
    }
}

static uint32_t child_get(struct model *m, uint32_t parent, const char *name, size_t len)
{
    if (!m->child_slots)
        child_index_make(m);
    uint32_t tag = child_hash(parent, name, len);
    size_t mask = m->n_child_slots - 1;
    for (size_t h = tag & mask;; h = (h + 1) & mask) {
        uint64_t v = m->child_slots[h];
        if (!v)
            break;
        uint32_t n = (uint32_t)v;
        if ((uint32_t)(v >> 32) != tag || m->paths[n].parent != parent)
            continue;
        const char *c = strpool_get(&m->names, m->paths[n].name);
        if (strncmp(c, name, len) == 0 && c[len] == 0)
            return n;
    }
    if (m->n_paths == UINT32_MAX)
        die("too many paths");
    void *b = m->paths;   /* every model has a lend, from model_init */
    if (lend_grow(&m->paths_lend, &b, &m->cap_paths, m->n_paths, 1, sizeof *m->paths)) {
        m->paths = b;
        hugemem_advise(m->paths, m->cap_paths * sizeof *m->paths);
    }
    uint32_t n = m->n_paths++;
    uint32_t nm = strpool_add(&m->names, name, len);
    /* the node whole, then linked: a state of the tree may be reading the list (model.h) */
    m->paths[n] = (struct path_node){parent, 0, m->paths[parent].first_child, nm};
    __atomic_store_n(&m->paths[parent].first_child, n, __ATOMIC_RELEASE);
    child_index_add(m, tag, n);
    return n;
}

uint32_t model_intern_path(struct model *m, const char *path, size_t len)
{
    uint32_t node = MODEL_ROOT;
    size_t i = 0;
    while (i < len) {
        while (i < len && path[i] == '/')
            i++;
        size_t j = i;
        while (j < len && path[j] != '/')
            j++;
        size_t n = j - i;
        if (n == 0 || (n == 1 && path[i] == '.')) {
            /* skip */
        } else if (n == 2 && path[i] == '.' && path[i + 1] == '.') {
            if (node != MODEL_ROOT)
                node = m->paths[node].parent;
        } else {
            node = child_get(m, node, path + i, n);
        }
        i = j;
    }
    return node;
}

uint32_t model_intern_child(struct model *m, uint32_t parent, const char *name, size_t len)
{
    if (len == 0 || (len == 1 && name[0] == '.'))
        return parent;
    if (len == 2 && name[0] == '.' && name[1] == '.')
        return parent == MODEL_ROOT ? parent : m->paths[parent].parent;
    return child_get(m, parent, name, len);
}

uint32_t model_child(const struct model *m, uint32_t parent, const char *name)
{
    /* Look the name up without interning: a name never interned has no node. */
    const struct strpool *p = &m->names;
    for (uint32_t c = model_first_child(m, parent); c; c = m->paths[c].next_sibling)
        if (strcmp(strpool_get(p, m->paths[c].name), name) == 0)
            return c;
    return 0;
}

uint32_t model_lookup(const struct model *m, const char *path)
{
    uint32_t node = MODEL_ROOT;
    char comp[4096];
    const char *s = path;
    while (*s) {
        while (*s == '/')
            s++;
        if (!*s)
            break;
        size_t n = strcspn(s, "/");
        if (n >= sizeof comp)
            return 0;
        memcpy(comp, s, n);
        comp[n] = 0;
        s += n;
        if (strcmp(comp, ".") == 0)
            continue;
        node = model_child(m, node, comp);
        if (!node)
            return 0;
    }
    return node;
}

uint32_t model_blob_begin(struct model *m)
{
    ARR_GROW(m->blobs, m->cap_blobs, m->n_blobs, 1);
    uint32_t b = m->n_blobs++;
    m->blobs[b].first_entry = m->n_entries;
    m->blobs[b].n_entries = 0;
    return b;
}

static uint32_t entry_new(struct model *m)
{
    if (m->n_entries == UINT32_MAX)
        die("too many entries");
    size_t cap = m->cap_entries;
    ARR_GROW(m->entries, m->cap_entries, m->n_entries, 1);
    if (m->cap_entries != cap)
        hugemem_advise(m->entries, m->cap_entries * sizeof *m->entries);
    cap = m->cap_ext;
    ARR_GROW(m->ext, m->cap_ext, m->n_entries, 1);
    if (m->cap_ext != cap)
        hugemem_advise(m->ext, m->cap_ext * sizeof *m->ext);
    return m->n_entries++;
}

uint32_t model_add_entry(struct model *m, uint32_t blob, uint32_t path, uint64_t size,
                         uint16_t mode, uint16_t flags, uint32_t uid, uint32_t gid,
                         int64_t mtime, const char *link)
{
    uint32_t e = entry_new(m);
    m->entries[e] = (struct entry){path, 0, size, mode, flags, (uint16_t)blob, LAYER_NONE};
    m->ext[e] = (struct entry_ext){uid, gid, mtime, link ? strpool_intern(&m->names, link, strlen(link)) : 0, 0};
    return e;
}

void model_blob_end(struct model *m, uint32_t blob)
{
    m->blobs[blob].n_entries = m->n_entries - m->blobs[blob].first_entry;
}

static inline int is_marker(const struct entry *e) { return e->flags & (EF_WHITEOUT | EF_IMPLICIT); }

/* Stacking state, kept between model_stack_layer() calls: top[path] is the entry visible now
 * (it becomes path_final), tail[path] the last version chained so far. The per-path arrays grow
 * with n_paths, as blobs read after a layer was stacked add paths. */
struct model_stacking {
    uint32_t *top, *tail;
    uint32_t n_top;           /* paths the arrays (and path_first) cover */
    size_t cap_top, cap_tail, cap_first;
    uint8_t *used;            /* per blob: some layer took it already */
    size_t cap_used;
    uint32_t *dfs;
    size_t dfs_cap;
    uint32_t n_layers_max;    /* from model_stack_begin */
};

static void stack_grow_paths(struct model *m, struct model_stacking *st)
{
    if (st->n_top == m->n_paths)
        return;
    uint32_t n = m->n_paths;
    ARR_GROW0(st->top, st->cap_top, 0, n);
    ARR_GROW0(st->tail, st->cap_tail, 0, n);
    ARR_GROW0(m->path_first, st->cap_first, 0, n);
    st->n_top = n;
    m->path_final = st->top;   /* the entry visible now, per path */
}

static void dfs_push(struct model_stacking *st, size_t *sp, uint32_t n)
{
    ARR_GROW(st->dfs, st->dfs_cap, *sp, 1);
    st->dfs[(*sp)++] = n;
}

static void hide(struct model *m, struct model_stacking *st, uint32_t e, uint16_t layer, int deleted)
{
    struct entry *en = &m->entries[e];
    en->hidden_at = layer;
    if (deleted)
        en->flags |= EF_DELETED;
    if (entry_is_reg(en)) {
        if (deleted)
            m->layers[en->layer].deleted_bytes += en->size;
        else
            m->layers[en->layer].shadowed_bytes += en->size;
        m->layers[layer].hid_bytes += en->size;
    }
    if (deleted)
        m->layers[layer].removed++;
    st->top[en->path] = 0;
}

/* Hides every visible entry strictly below `path`. */
static void hide_below(struct model *m, struct model_stacking *st, uint32_t path, uint16_t layer, int deleted)
{
    size_t sp = 0;
    for (uint32_t c = m->paths[path].first_child; c; c = m->paths[c].next_sibling)
        dfs_push(st, &sp, c);
    while (sp) {
        uint32_t n = st->dfs[--sp];
        if (st->top[n])
            hide(m, st, st->top[n], layer, deleted);
        for (uint32_t c = m->paths[n].first_child; c; c = m->paths[c].next_sibling)
            dfs_push(st, &sp, c);
    }
}

static void stack_apply(struct model *m, struct model_stacking *st, uint16_t L)
{
    struct layer_stats *ls = &m->layers[L];
    uint32_t end = ls->first_entry + ls->n_entries;

    /* Phase 1: this layer's whiteouts and opaque markers act on the layers below only. */
    for (uint32_t e = ls->first_entry; e < end; e++) {
        struct entry *en = &m->entries[e];
        if (en->flags & EF_WHITEOUT) {
            if (st->top[en->path])
                hide(m, st, st->top[en->path], L, 1);
            hide_below(m, st, en->path, L, 1);
        } else if (en->flags & EF_OPAQUE) {
            hide_below(m, st, en->path, L, 1);
        }
    }
    /* Phase 2: this layer's own entries overwrite what is visible. */
    for (uint32_t e = ls->first_entry; e < end; e++) {
        struct entry *en = &m->entries[e];
        if (is_marker(en))
            continue;
        uint32_t p = en->path;
        /* A file or link where a lower layer had a non-directory ancestor replaces it. */
        for (uint32_t a = m->paths[p].parent; a; a = m->paths[a].parent) {
            uint32_t t = st->top[a];
            if (t && !entry_is_dir(&m->entries[t]))
                hide(m, st, t, L, 0);
        }
        uint32_t old = st->top[p];
        if (old)
            hide(m, st, old, L, 0);
        if (!entry_is_dir(en))
            hide_below(m, st, p, L, 0);
        if (old) {
            ls->modified++;
        } else {
            ls->added++;
            en->flags |= EF_ADDED;
        }
        st->top[p] = e;
        ls->entries++;
        if (entry_is_reg(en)) {
            ls->bytes += en->size;
            ls->files++;
        }
    }
}

void model_stack_begin(struct model *m, uint32_t n)
{
    if (n > LAYER_NONE - 1)
        n = LAYER_NONE - 1;
    free(m->layers);
    m->layers = xcalloc(n ? n : 1, sizeof *m->layers);
    m->n_layers = 0;
    m->stk = xcalloc(1, sizeof *m->stk);
    m->stk->n_layers_max = n;
}

/* Takes blob b's entries as layer L (a copy when an earlier layer took b already). */
static int stack_take(struct model *m, struct model_stacking *st, uint32_t L, uint32_t b)
{
    struct layer_stats *ls = &m->layers[L];
    if (b >= m->n_blobs)
        return RC_OK;   /* a layer that could not be read: no entries */
    ARR_GROW0(st->used, st->cap_used, 0, m->n_blobs);
    struct blob *bl = &m->blobs[b];
    if (!st->used[b]) {
        st->used[b] = 1;
        ls->first_entry = bl->first_entry;
        ls->n_entries = bl->n_entries;
        for (uint32_t e = bl->first_entry; e < bl->first_entry + bl->n_entries; e++)
            m->entries[e].layer = (uint16_t)L;
        return RC_OK;
    }
    /* The same blob twice in one image: its entries again, as this layer's. They are not in the
     * input, so they count against the metadata budget (a manifest can name one blob 65,000
     * times). The copies start from the blob as read: no flag or hiding the stacking gave it. */
    uint64_t cost = (uint64_t)bl->n_entries * (sizeof *m->entries + sizeof *m->ext);
    if ((uint64_t)m->n_entries + bl->n_entries > UINT32_MAX || !budget_take(cost)) {
        m->repeat_refused = b;
        return RC_FATAL;
    }
    m->budget_held += cost;
    /* doubled, not exact: layers are stacked one at a time now, and growing by one layer's
     * copies each time copied the whole array per repeated layer (30,000 layers: quadratic,
     * past 10 minutes under ASan, whose realloc always copies). The slack is at most what the
     * array already held, input entries and charged copies */
    ARR_GROW(m->entries, m->cap_entries, m->n_entries, bl->n_entries);
    ARR_GROW(m->ext, m->cap_ext, m->n_entries, bl->n_entries);
    ls->first_entry = m->n_entries;
    ls->n_entries = bl->n_entries;
    for (uint32_t k = 0; k < bl->n_entries; k++) {
        uint32_t src = m->blobs[b].first_entry + k;
        uint32_t e = entry_new(m);
        m->entries[e] = m->entries[src];
        m->ext[e] = m->ext[src];
        m->entries[e].layer = (uint16_t)L;
        m->entries[e].hidden_at = LAYER_NONE;
        m->entries[e].flags &= (uint16_t)~(EF_UNUSED | EF_ADDED | EF_DELETED);
    }
    return RC_OK;
}

int model_stack_layer(struct model *m, uint32_t b)
{
    struct model_stacking *st = m->stk;
    uint32_t L = m->n_layers;
    if (L >= st->n_layers_max)
        return RC_OK;   /* past LAYER_NONE - 1 layers: clamped, as model_stack_begin said */
    if (stack_take(m, st, L, b) != RC_OK)
        return RC_FATAL;
    m->n_layers = L + 1;
    stack_grow_paths(m, st);
    /* Version chains in stacking order. */
    struct layer_stats *ls = &m->layers[L];
    for (uint32_t e = ls->first_entry; e < ls->first_entry + ls->n_entries; e++) {
        uint32_t p = m->entries[e].path;
        m->entries[e].next_version = 0;
        if (st->tail[p])
            m->entries[st->tail[p]].next_version = e;
        else
            m->path_first[p] = e;
        st->tail[p] = e;
    }
    stack_apply(m, st, (uint16_t)L);
    return RC_OK;
}

void model_stack_end(struct model *m)
{
    struct model_stacking *st = m->stk;
    uint32_t n = m->n_layers;
    stack_grow_paths(m, st);
    /* Entries of blobs no layer took. */
    for (uint32_t b = 0; b < m->n_blobs; b++) {
        if (b < st->cap_used && st->used[b])
            continue;
        for (uint32_t e = m->blobs[b].first_entry; e < m->blobs[b].first_entry + m->blobs[b].n_entries; e++) {
            m->entries[e].flags |= EF_UNUSED;
            m->entries[e].layer = LAYER_NONE;
        }
    }
    m->path_final = st->top;
    child_index_drop(m);
    free(st->tail);
    free(st->used);
    free(st->dfs);
    free(st);
    m->stk = NULL;

    m->layer_bytes = m->final_bytes = m->shadowed_bytes = m->deleted_bytes = m->final_files = 0;
    for (uint32_t L = 0; L < n; L++) {
        m->layer_bytes += m->layers[L].bytes;
        m->shadowed_bytes += m->layers[L].shadowed_bytes;
        m->deleted_bytes += m->layers[L].deleted_bytes;
    }
    m->path_final_size = xcalloc(m->n_paths, sizeof *m->path_final_size);
    m->path_final_files = xcalloc(m->n_paths, sizeof *m->path_final_files);
    for (uint32_t p = 1; p < m->n_paths; p++) {
        uint32_t e = m->path_final[p];
        if (e && entry_is_reg(&m->entries[e])) {
            m->path_final_size[p] = m->entries[e].size;
            m->path_final_files[p] = 1;
            m->final_bytes += m->entries[e].size;
            m->final_files++;
        }
    }
    /* Children always have higher indices than their parents: one backward sweep rolls up. */
    for (uint32_t p = m->n_paths - 1; p > MODEL_ROOT; p--) {
        uint32_t q = m->paths[p].parent;
        m->path_final_size[q] = sat_add(m->path_final_size[q], m->path_final_size[p]);
        m->path_final_files[q] += m->path_final_files[p];
    }
    m->stacked = 1;
}

int model_stack(struct model *m, const uint32_t *blob_of_layer, uint32_t n)
{
    if (n > LAYER_NONE - 1)
        n = LAYER_NONE - 1;
    /* The copies for repeated blobs, all of them, are checked against the budget before any is
     * made, so that a refusal names the first blob repeated. */
    uint8_t *seen = xcalloc(m->n_blobs ? m->n_blobs : 1, 1);
    uint64_t copies = 0;
    uint32_t first_repeat = UINT32_MAX;
    for (uint32_t L = 0; L < n; L++) {
        uint32_t b = blob_of_layer[L];
        if (b >= m->n_blobs)
            continue;
        if (seen[b]) {
            copies += m->blobs[b].n_entries;
            if (first_repeat == UINT32_MAX)
                first_repeat = b;
        }
        seen[b] = 1;
    }
    free(seen);
    uint64_t cost = copies * (sizeof *m->entries + sizeof *m->ext);
    if (copies && (m->n_entries + copies > UINT32_MAX || !budget_take(cost))) {
        m->repeat_refused = first_repeat;
        return RC_FATAL;
    }
    budget_give(cost);   /* taken again, copy by copy, by model_stack_layer() */
    model_stack_begin(m, n);
    for (uint32_t L = 0; L < n; L++) {
        if (model_stack_layer(m, blob_of_layer[L]) != RC_OK) {
            /* XXX: another thread took budget in between; not stacked, as when refused above */
            model_stack_abort(m);
            m->repeat_refused = first_repeat;
            return RC_FATAL;
        }
    }
    model_stack_end(m);
    return RC_OK;
}

void model_stack_abort(struct model *m)
{
    if (!m->stk)
        return;
    free(m->stk->top);
    free(m->stk->tail);
    free(m->stk->used);
    free(m->stk->dfs);
    free(m->stk);
    m->stk = NULL;
    m->path_final = NULL;
    free(m->path_first);
    m->path_first = NULL;
    free(m->layers);
    m->layers = NULL;
    m->n_layers = 0;
}

uint32_t model_visible_at(const struct model *m, uint32_t path, uint32_t layer)
{
    uint32_t found = 0;
    if (!m->path_first)
        return 0;
    for (uint32_t e = m->path_first[path]; e; e = m->entries[e].next_version) {
        const struct entry *en = &m->entries[e];
        if (en->layer > layer)
            break;
        if (!is_marker(en) && en->hidden_at > layer)
            found = e;
    }
    return found;
}

uint32_t model_entry_in_layer(const struct model *m, uint32_t path, uint32_t layer)
{
    uint32_t found = 0;
    if (!m->path_first)
        return 0;
    for (uint32_t e = m->path_first[path]; e; e = m->entries[e].next_version) {
        if (m->entries[e].layer > layer)
            break;
        if (m->entries[e].layer == layer && !(m->entries[e].flags & EF_IMPLICIT))
            found = e;
    }
    return found;
}

void model_rollup_at(const struct model *m, uint32_t layer, uint64_t *size, uint32_t *count)
{
    memset(size, 0, m->n_paths * sizeof *size);
    if (count)
        memset(count, 0, m->n_paths * sizeof *count);
    for (uint32_t L = 0; L <= layer && L < m->n_layers; L++) {
        const struct layer_stats *ls = &m->layers[L];
        for (uint32_t e = ls->first_entry; e < ls->first_entry + ls->n_entries; e++) {
            const struct entry *en = &m->entries[e];
            if (is_marker(en) || en->hidden_at <= layer)
                continue;
            if (entry_is_reg(en))
                size[en->path] += en->size;
            if (count)
                count[en->path]++;
        }
    }
    for (uint32_t p = m->n_paths - 1; p > MODEL_ROOT; p--) {
        uint32_t q = m->paths[p].parent;
        size[q] = sat_add(size[q], size[p]);
        if (count)
            count[q] += count[p];
    }
}

int model_exists_at(const struct model *m, uint32_t path, uint32_t layer)
{
    if (path == MODEL_ROOT || model_visible_at(m, path, layer))
        return 1;
    for (uint32_t c = model_first_child(m, path); c; c = m->paths[c].next_sibling)
        if (model_exists_at(m, c, layer))
            return 1;
    return 0;
}

char *model_path_str(const struct model *m, uint32_t path, char *buf, size_t len)
{
    if (!len)
        return buf;
    /* Build right to left at the end of buf, then move into place. */
    size_t pos = len - 1;
    buf[pos] = 0;
    for (uint32_t p = path; p > MODEL_ROOT; p = m->paths[p].parent) {
        const char *nm = model_name(m, p);
        size_t n = strlen(nm);
        if (n + 1 > pos)
            break;          /* too deep for buf: keep the tail */
        pos -= n;
        memcpy(buf + pos, nm, n);
        buf[--pos] = '/';
    }
    if (pos == len - 1 && pos > 0)   /* the root, or nothing fitted; len 1 holds only the NUL */
        buf[--pos] = '/';
    memmove(buf, buf + pos, len - pos);
    return buf;
}

struct model *model_snapshot(const struct model *m)
{
    /* paths the stacking has seen; later ones are not in any stacked layer yet */
    uint32_t np = m->stk ? m->stk->n_top : m->n_paths;
    const uint32_t *top = m->path_final;
    struct model *s = xcalloc(1, sizeof *s);
    strpool_borrow(&m->names, &s->names);   /* the names so far, shared, not copied */
    /* the path nodes too: nodes past np (children added since) are skipped by
     * model_first_child, and a node's next sibling is always an older node */
    s->paths = m->paths;
    s->paths_lend = m->paths_lend;
    lend_hold(s->paths_lend);
    s->n_paths = s->cap_paths = np;
    uint32_t nl = m->n_layers;
    s->layers = xcalloc(nl ? nl : 1, sizeof *s->layers);
    s->n_layers = nl;
    /* one entry per visible path, grouped by the layer that wrote it */
    uint32_t *count = xcalloc((size_t)nl + 1, sizeof *count);
    uint32_t n = 1;
    for (uint32_t p = 1; top && p < np; p++)
        if (top[p]) {
            count[m->entries[top[p]].layer]++;
            n++;
        }
    s->entries = xcalloc(n, sizeof *s->entries);
    s->n_entries = s->cap_entries = n;
    uint32_t at = 1;
    for (uint32_t L = 0; L < nl; L++) {
        s->layers[L] = m->layers[L];
        s->layers[L].first_entry = at;
        s->layers[L].n_entries = count[L];
        at += count[L];
        count[L] = s->layers[L].first_entry;   /* now: where the layer's next entry goes */
    }
    s->path_first = xcalloc(np, sizeof *s->path_first);
    for (uint32_t p = 1; top && p < np; p++) {
        uint32_t e = top[p];
        if (!e)
            continue;
        uint32_t k = count[m->entries[e].layer]++;
        s->entries[k] = m->entries[e];
        s->entries[k].next_version = 0;
        s->entries[k].hidden_at = LAYER_NONE;
        s->path_first[p] = k;
        if (entry_is_reg(&s->entries[k])) {
            s->final_bytes += s->entries[k].size;
            s->final_files++;
        }
    }
    free(count);
    s->path_final = s->path_first;   /* every version in it is the visible one */
    for (uint32_t L = 0; L < nl; L++) {
        s->layer_bytes += s->layers[L].bytes;
        s->shadowed_bytes += s->layers[L].shadowed_bytes;
        s->deleted_bytes += s->layers[L].deleted_bytes;
    }
    s->stacked = 1;
    return s;
}

void model_snapshot_free(struct model *s)
{
    if (!s)
        return;
    strpool_return(&s->names);
    lend_drop(s->paths_lend);
    free(s->entries);
    free(s->layers);
    free(s->path_first);
    free(s);
}
