/* cuda.c: the CUDA an image carries: version, flavour (base / runtime / devel), the minimum host
 * driver, the devel toolchain left in a final image, and PyTorch's own CUDA next to the system's.
 *
 * Sources: NVIDIA's Dockerfiles set CUDA_VERSION (all flavours), NV_CUDA_LIB_VERSION (runtime and
 * devel), NV_NVCC_VERSION and NV_CUDA_CUDART_DEV_VERSION (devel), NVIDIA_REQUIRE_CUDA,
 * NVIDIA_VISIBLE_DEVICES and NVIDIA_DRIVER_CAPABILITIES; the toolkit lives in /usr/local/cuda-X.Y
 * (lib64 -> targets/<arch>/lib, include -> targets/<arch>/include). The devel flavour is told by its
 * files: bin/ (nvcc, ptxas, …), nvvm/, include/, the stubs/ of lib64 and static libraries (.a).
 * PyTorch's Linux wheels either depend on nvidia-*-cuXX wheels (site-packages/nvidia/<lib>/lib,
 * which torch loads through its RPATH before anything on the system) or bundle libcudart in
 * torch/lib; either way torch never loads the system toolkit's libraries. */
#include "analysis/advice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"

/* Minimum Linux host driver per CUDA major version (toolkit's own driver, "minor version
 * compatibility" across a major release). Source: NVIDIA CUDA Toolkit Release Notes, table 2
 * "CUDA Toolkit and Minimum Required Driver Version for CUDA Minor Version Compatibility". */
static const struct { int major; const char *driver; } driver_table[] = {
    {11, "450.80.02"},
    {12, "525.60.13"},
    {13, "580"},
};
static const char driver_source[] =
    "NVIDIA CUDA Toolkit Release Notes, minor version compatibility table";

const char *cuda_min_driver(int major, const char **source)
{
    for (size_t i = 0; i < sizeof driver_table / sizeof driver_table[0]; i++)
        if (driver_table[i].major == major) {
            if (source)
                *source = driver_source;
            return driver_table[i].driver;
        }
    return NULL;
}

/* copies src into dst[n], cut to fit (paths from the image can be long) */
static void put(char *dst, size_t n, const char *src)
{
    size_t l = strlen(src) < n - 1 ? strlen(src) : n - 1;
    memcpy(dst, src, l);
    dst[l] = 0;
}

static const char *env_get(const struct image *img, const char *key)
{
    size_t n = strlen(key);
    const char *v = NULL;
    for (size_t i = 0; i < img->n_env; i++)   /* the last one wins, as in a shell */
        if (strncmp(img->env[i], key, n) == 0 && img->env[i][n] == '=')
            v = img->env[i] + n + 1;
    return v;
}

static void parse_version(const char *s, int *major, int *minor)
{
    *major = *minor = -1;
    if (s && sscanf(s, "%d.%d", major, minor) < 1)
        *major = -1;
}

/* devel files below a toolkit root, by their path relative to it ("/bin/nvcc") */
static int devel_rel(const char *rel)
{
    static const char *dirs[] = {"/bin/", "/nvvm/", "/include/", "/stubs/", "/libnvvp/", "/nsight",
                                 "/samples/", "/extras/CUPTI/include/"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        if (strstr(rel, dirs[i]))
            return 1;
    size_t n = strlen(rel);
    return n > 2 && strcmp(rel + n - 2, ".a") == 0;
}

struct walk {
    const struct model *m;
    struct cuda_info *c;
    uint64_t *by_layer;
};

/* Adds the visible regular files below `node` whose relative path is devel. Iterative: an image
 * may nest deep. */
static void walk_toolkit(struct walk *w, uint32_t root, const char *root_path)
{
    const struct model *m = w->m;
    size_t cap = 64, n = 0;
    uint32_t *stack = xmalloc(cap * sizeof *stack);
    stack[n++] = root;
    char p[4096];
    size_t rl = strlen(root_path);
    while (n) {
        uint32_t node = stack[--n];
        for (uint32_t ch = m->paths[node].first_child; ch; ch = m->paths[ch].next_sibling) {
            uint32_t e = m->path_final[ch];
            if (!e)
                continue;
            const struct entry *en = &m->entries[e];
            if (entry_is_dir(en)) {
                ARR_GROW(stack, cap, n, 1);
                stack[n++] = ch;
                continue;
            }
            if (!entry_is_reg(en))
                continue;
            model_path_str(m, ch, p, sizeof p);
            if (strlen(p) <= rl || !devel_rel(p + rl))
                continue;
            w->c->devel_bytes = sat_add(w->c->devel_bytes, en->size);
            w->c->devel_files++;
            if (en->layer < m->n_layers)
                w->by_layer[en->layer] += en->size;
            if (!w->c->devel_example[0] || strstr(p, "/bin/nvcc"))
                put(w->c->devel_example, sizeof w->c->devel_example, p);
        }
    }
    free(stack);
}

/* "2.3.1+cu121" -> "12.1"; 0 when there is no +cuNNN label */
static int torch_label(const char *v, char *out, size_t n)
{
    const char *p = v ? strstr(v, "+cu") : NULL;
    if (!p)
        return 0;
    p += 3;
    size_t d = strspn(p, "0123456789");
    if (d < 2 || d > 4)
        return 0;
    snprintf(out, n, "%.*s.%c", (int)(d - 1), p, p[d - 1]);
    return 1;
}

static int is_pkgs_dir(const char *name)
{
    return strcmp(name, "site-packages") == 0 || strcmp(name, "dist-packages") == 0;
}

/* torch's bundled CUDA: bytes of every site-packages/nvidia tree and torch/lib/libcudart*, and the
 * libcudart torch would load */
static void torch_bundle(const struct model *m, struct cuda_info *c)
{
    char p[4096];
    for (uint32_t node = MODEL_ROOT + 1; node < m->n_paths; node++) {
        if (!m->path_final[node])
            continue;
        const char *name = model_name(m, node);
        uint32_t par = m->paths[node].parent;
        if (strcmp(name, "nvidia") == 0 && par && is_pkgs_dir(model_name(m, par))) {
            c->torch_bundled_bytes = sat_add(c->torch_bundled_bytes, m->path_final_size[node]);
            uint32_t rt = model_child(m, node, "cuda_runtime");
            uint32_t lib = rt ? model_child(m, rt, "lib") : 0;
            for (uint32_t ch = lib ? m->paths[lib].first_child : 0; ch; ch = m->paths[ch].next_sibling)
                if (m->path_final[ch] && strncmp(model_name(m, ch), "libcudart.so", 12) == 0) {
                    model_path_str(m, ch, p, sizeof p);
                    put(c->torch_bundled_path, sizeof c->torch_bundled_path, p);
                }
        } else if (strncmp(name, "libcudart", 9) == 0 && par && strcmp(model_name(m, par), "lib") == 0) {
            uint32_t t = m->paths[par].parent;
            if (t && strcmp(model_name(m, t), "torch") == 0 && m->paths[t].parent &&
                is_pkgs_dir(model_name(m, m->paths[t].parent))) {
                const struct entry *e = &m->entries[m->path_final[node]];
                c->torch_bundled_bytes = sat_add(c->torch_bundled_bytes, e->size);
                if (!c->torch_bundled_path[0]) {
                    model_path_str(m, node, p, sizeof p);
                    put(c->torch_bundled_path, sizeof c->torch_bundled_path, p);
                }
            }
        }
    }
}

void cuda_run(struct analysis *a, const struct image *img, struct cuda_info *c)
{
    const struct model *m = &img->model;
    memset(c, 0, sizeof *c);
    c->devel_layer = -1;
    const char *ver = env_get(img, "CUDA_VERSION");
    if (ver && *ver) {
        put(c->version, sizeof c->version, ver);
        c->version_from = "ENV CUDA_VERSION";
    }
    /* the toolkit trees: /usr/local/cuda-X.Y directories in the final filesystem */
    uint32_t local = model_lookup(m, "/usr/local");
    uint64_t best = 0;
    uint64_t *by_layer = xcalloc(m->n_layers ? m->n_layers : 1, sizeof *by_layer);
    struct walk w = {m, c, by_layer};
    for (uint32_t ch = local ? m->paths[local].first_child : 0; ch; ch = m->paths[ch].next_sibling) {
        const char *n = model_name(m, ch);
        uint32_t e = m->path_final[ch];
        if (strncmp(n, "cuda-", 5) != 0 || !e || !entry_is_dir(&m->entries[e]))
            continue;
        char root[80];
        snprintf(root, sizeof root, "/usr/local/%.60s", n);
        c->system_bytes = sat_add(c->system_bytes, m->path_final_size[ch]);
        if (m->path_final_size[ch] >= best) {
            best = m->path_final_size[ch];
            put(c->toolkit, sizeof c->toolkit, root);
        }
        walk_toolkit(&w, ch, root);
    }
    if (!c->version[0] && c->toolkit[0]) {
        put(c->version, sizeof c->version, c->toolkit + strlen("/usr/local/cuda-"));
        c->version_from = "toolkit directory";
    }
    /* cuDNN / NCCL headers and static libraries come as -dev packages outside the toolkit */
    for (size_t i = 0; i < a->n_pkgs; i++) {
        const struct package *p = &a->pkgs[i];
        if (strcmp(p->ecosystem, "deb") != 0 || !strstr(p->name, "-dev") ||
            (strncmp(p->name, "libcudnn", 8) != 0 && strncmp(p->name, "libnccl", 7) != 0))
            continue;
        c->devel_bytes = sat_add(c->devel_bytes, p->bytes);
        c->devel_files += p->files;
        if (p->layer >= 0 && (uint32_t)p->layer < m->n_layers)
            by_layer[p->layer] += p->bytes;
    }
    uint64_t most = 0;
    for (uint32_t L = 0; L < m->n_layers; L++)
        if (by_layer[L] > most) {
            most = by_layer[L];
            c->devel_layer = (int)L;
        }
    free(by_layer);

    c->present = c->version[0] != 0;
    const char *req = env_get(img, "NVIDIA_REQUIRE_CUDA");
    const char *vis = env_get(img, "NVIDIA_VISIBLE_DEVICES");
    const char *cap = env_get(img, "NVIDIA_DRIVER_CAPABILITIES");
    c->require = req ? analysis_mask_text(a, req) : NULL;
    c->visible_devices = vis ? analysis_mask_text(a, vis) : NULL;
    c->driver_capabilities = cap ? analysis_mask_text(a, cap) : NULL;
    if (c->present) {
        parse_version(c->version, &c->major, &c->minor);
        c->min_driver = cuda_min_driver(c->major, &c->driver_source);
        if (c->devel_bytes || env_get(img, "NV_NVCC_VERSION") || env_get(img, "NV_CUDA_CUDART_DEV_VERSION"))
            c->flavour = "devel";
        else if (env_get(img, "NV_CUDA_LIB_VERSION") || env_get(img, "NV_LIBCUBLAS_VERSION"))
            c->flavour = "runtime";
        else
            c->flavour = "base";
    }

    /* PyTorch */
    for (size_t i = 0; i < a->n_pkgs; i++) {
        const struct package *p = &a->pkgs[i];
        if (strcmp(p->ecosystem, "python") != 0)
            continue;
        if (strcmp(p->name, "torch") == 0) {
            c->torch = 1;
            put(c->torch_version, sizeof c->torch_version, p->version ? p->version : "");
            if (torch_label(p->version, c->torch_cuda, sizeof c->torch_cuda))
                c->torch_cuda_from = "torch's version label";
        }
    }
    for (size_t i = 0; c->torch && !c->torch_cuda[0] && i < a->n_pkgs; i++) {
        const struct package *p = &a->pkgs[i];
        int mj, mn;
        if (strcmp(p->ecosystem, "python") == 0 &&
            (strncmp(p->name, "nvidia-cuda-runtime-cu", 22) == 0 || strncmp(p->name, "nvidia_cuda_runtime_cu", 22) == 0)) {
            parse_version(p->version, &mj, &mn);
            if (mj > 0 && mn >= 0) {
                char t[32];
                snprintf(t, sizeof t, "%d.%d", mj % 1000, mn % 1000);
                put(c->torch_cuda, sizeof c->torch_cuda, t);
                c->torch_cuda_from = "nvidia-cuda-runtime wheel";
            }
        }
    }
    if (c->torch) {
        torch_bundle(m, c);
        int tj, tn;
        parse_version(c->torch_cuda, &tj, &tn);
        c->torch_mismatch = c->present && c->torch_cuda[0] && c->torch_bundled_path[0] &&
                            (tj != c->major || tn != c->minor);
    }
}
