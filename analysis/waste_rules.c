/* waste_rules.c: the waste table, one row per pattern (docs/rules-catalogue.md, "Waste").
 *
 * Rows with the same id make one category. A file is counted by the first row that matches it,
 * so specific rows (CUDA static libraries, pip's cache) come before generic ones (*.a, .cache/).
 * The pattern language is described in analysis_int.h; waste.c compiles it once per run.
 *
 * The fix is a template: its one %s receives the size ("212 MB"); unless WR_NO_PREFIX is set,
 * waste.c prefixes it with the instruction of the layer that wrote most of the bytes, so it
 * reads "RUN pip install …: add --no-cache-dir (212 MB of wheels in /root/.cache/pip)".
 *
 * Why 10 MB for weights and datasets (WR_BIG, opts.model_threshold): libraries legitimately
 * ship small models and data files (tokenizer vocabularies, test fixtures, tiny ONNX or TFLite
 * graphs, CSV samples) of a few kB to a few MB, while the smallest real checkpoints people bake
 * into images (resnet18 at 45 MB, distilled BERTs at 60+ MB) are well above 10 MB. One file over
 * it is worth a line in the report; many files under it are not. */
#include "analysis/analysis_int.h"

#include "analysis/secrets.h"

#define RM " (%s)"

const struct waste_rule waste_rules[] = {
    /* package managers */
    {"apt-lists", "/var/lib/apt/lists/", "apt package lists", SEV_LOW,
     "end it with && rm -rf /var/lib/apt/lists/*" RM, NULL, 0},
    {"apt-cache", "/var/cache/apt/archives/", "downloaded .deb files", SEV_LOW,
     "end it with && apt-get clean (or keep /etc/apt/apt.conf.d/docker-clean)" RM, NULL, 0},
    {"apt-cache", "/var/cache/apt/*.bin", "downloaded .deb files", SEV_LOW,
     "end it with && apt-get clean" RM, NULL, 0},
    {"apk-cache", "/var/cache/apk/", "apk package cache", SEV_LOW,
     "use apk add --no-cache" RM, NULL, 0},
    {"apk-cache", "/etc/apk/cache/", "apk package cache", SEV_LOW,
     "use apk add --no-cache" RM, NULL, 0},
    {"yum-cache", "/var/cache/yum/", "yum cache", SEV_LOW,
     "end it with && yum clean all" RM, NULL, 0},
    {"dnf-cache", "/var/cache/dnf/", "dnf cache", SEV_LOW,
     "end it with && dnf clean all" RM, NULL, 0},
    {"dnf-cache", "/var/cache/libdnf5*/", "dnf cache", SEV_LOW,
     "end it with && dnf clean all" RM, NULL, 0},
    {"zypper-cache", "/var/cache/zypp/", "zypper cache", SEV_LOW,
     "end it with && zypper clean -a" RM, NULL, 0},
    /* language package caches */
    {"pip-cache", "~/.cache/pip/", "pip cache", SEV_MEDIUM,
     "add --no-cache-dir (%s of wheels in ~/.cache/pip)", NULL, 0},
    {"npm-cache", "~/.npm/_cacache/", "npm cache", SEV_LOW,
     "end it with && npm cache clean --force" RM, NULL, 0},
    {"yarn-cache", "/usr/local/share/.cache/yarn/", "yarn cache", SEV_LOW,
     "end it with && yarn cache clean" RM, NULL, 0},
    {"yarn-cache", "~/.cache/yarn/", "yarn cache", SEV_LOW,
     "end it with && yarn cache clean" RM, NULL, 0},
    {"cargo-cache", "/usr/local/cargo/registry/", "cargo registry and build output", SEV_LOW,
     "build in a separate stage and copy only the binary" RM, NULL, 0},
    {"cargo-cache", "/usr/local/cargo/git/", "cargo registry and build output", SEV_LOW,
     "build in a separate stage and copy only the binary" RM, NULL, 0},
    {"cargo-cache", "~/.cargo/registry/", "cargo registry and build output", SEV_LOW,
     "build in a separate stage and copy only the binary" RM, NULL, 0},
    {"cargo-cache", "~/.cargo/git/", "cargo registry and build output", SEV_LOW,
     "build in a separate stage and copy only the binary" RM, NULL, 0},
    {"cargo-cache", "**/target/release/deps/", "cargo registry and build output", SEV_LOW,
     "build in a separate stage and copy only the binary" RM, NULL, 0},
    {"cargo-cache", "**/target/debug/", "cargo registry and build output", SEV_LOW,
     "build in a separate stage and copy only the binary" RM, NULL, 0},
    {"go-cache", "~/.cache/go-build/", "go build and module cache", SEV_LOW,
     "build in a separate stage, or use a cache mount" RM, NULL, 0},
    {"go-cache", "/go/pkg/mod/", "go build and module cache", SEV_LOW,
     "build in a separate stage, or use a cache mount" RM, NULL, 0},
    {"go-cache", "~/go/pkg/mod/", "go build and module cache", SEV_LOW,
     "build in a separate stage, or use a cache mount" RM, NULL, 0},
    {"conda-pkgs", "/opt/conda/pkgs/", "conda package tarballs", SEV_LOW,
     "end it with && conda clean -afy" RM, NULL, 0},
    {"conda-pkgs", "~/.conda/pkgs/", "conda package tarballs", SEV_LOW,
     "end it with && conda clean -afy" RM, NULL, 0},
    {"conda-pkgs", "/opt/conda/**/*.js.map", "conda package tarballs", SEV_LOW,
     "end it with && conda clean -afy && find /opt/conda -name '*.js.map' -delete" RM, NULL, 0},
    {"java-cache", "~/.m2/repository/", "maven / gradle caches", SEV_LOW,
     "build in a separate stage and copy only the jar" RM, NULL, 0},
    {"java-cache", "~/.gradle/caches/", "maven / gradle caches", SEV_LOW,
     "build in a separate stage and copy only the jar" RM, NULL, 0},
    {"java-cache", "~/.gradle/wrapper/dists/", "maven / gradle caches", SEV_LOW,
     "build in a separate stage and copy only the jar" RM, NULL, 0},
    {"model-cache", "~/.cache/huggingface/", "downloaded model weights (HF / torch hub)", SEV_MEDIUM,
     "mount the model cache as a volume or download at start-up" RM, NULL, 0},
    {"model-cache", "~/.cache/torch/", "downloaded model weights (HF / torch hub)", SEV_MEDIUM,
     "mount the model cache as a volume or download at start-up" RM, NULL, 0},
    /* CUDA: before the generic toolchain rows so CUDA's static libraries count here */
    {"cuda-devel", "/usr/local/cuda*/include/", "CUDA development files", SEV_MEDIUM,
     "use the -runtime CUDA base image in the final stage" RM, NULL, 0},
    {"cuda-devel", "/usr/local/cuda*/nvvm/", "CUDA development files", SEV_MEDIUM,
     "use the -runtime CUDA base image in the final stage" RM, NULL, 0},
    {"cuda-devel", "/usr/local/cuda*/bin/nvcc", "CUDA development files", SEV_MEDIUM,
     "use the -runtime CUDA base image in the final stage" RM, NULL, 0},
    {"cuda-devel", "/usr/local/cuda*/**/*_static.a", "CUDA development files", SEV_MEDIUM,
     "use the -runtime CUDA base image in the final stage" RM, NULL, 0},
    {"cuda-extras", "/usr/local/cuda*/doc/", "CUDA docs, samples and GUI tools", SEV_LOW,
     "delete /usr/local/cuda/{doc,samples,libnsight,libnvvp} in the same RUN" RM, NULL, 0},
    {"cuda-extras", "/usr/local/cuda*/samples/", "CUDA docs, samples and GUI tools", SEV_LOW,
     "delete /usr/local/cuda/{doc,samples,libnsight,libnvvp} in the same RUN" RM, NULL, 0},
    {"cuda-extras", "/usr/local/cuda*/libnsight/", "CUDA docs, samples and GUI tools", SEV_LOW,
     "delete /usr/local/cuda/{doc,samples,libnsight,libnvvp} in the same RUN" RM, NULL, 0},
    {"cuda-extras", "/usr/local/cuda*/libnvvp/", "CUDA docs, samples and GUI tools", SEV_LOW,
     "delete /usr/local/cuda/{doc,samples,libnsight,libnvvp} in the same RUN" RM, NULL, 0},
    {"cuda-pip-dup", "**/site-packages/nvidia/", "pip nvidia-* wheels next to system CUDA",
     SEV_MEDIUM, "system CUDA and pip's nvidia-* wheels ship the same libraries: keep one" RM,
     NULL, WR_NEEDS_CUDA},
    /* build tools */
    {"toolchain", "/usr/include/", "build tools and headers", SEV_MEDIUM,
     "build tools in the runtime image (%s): use a multi-stage build", NULL, WR_NO_PREFIX},
    {"toolchain", "/usr/local/include/", "build tools and headers", SEV_MEDIUM,
     "build tools in the runtime image (%s): use a multi-stage build", NULL, WR_NO_PREFIX},
    {"toolchain", "/usr/lib/gcc/", "build tools and headers", SEV_MEDIUM,
     "build tools in the runtime image (%s): use a multi-stage build", NULL, WR_NO_PREFIX},
    {"toolchain", "/usr/libexec/gcc/", "build tools and headers", SEV_MEDIUM,
     "build tools in the runtime image (%s): use a multi-stage build", NULL, WR_NO_PREFIX},
    {"toolchain", "**/cc1*", "build tools and headers", SEV_MEDIUM,
     "build tools in the runtime image (%s): use a multi-stage build", NULL, WR_NO_PREFIX},
    {"toolchain", "**/*.a", "build tools and headers", SEV_MEDIUM,
     "build tools in the runtime image (%s): use a multi-stage build", NULL, WR_NO_PREFIX},
    {"toolchain", "(files of build-only packages)", "build tools and headers", SEV_MEDIUM,
     "build tools in the runtime image (%s): use a multi-stage build", NULL,
     WR_NO_PREFIX | WR_BUILD_PKG},
    /* documentation */
    {"docs", "/usr/share/doc/", "documentation", SEV_INFO,
     "exclude docs with dpkg path-exclude or delete them in the same RUN" RM,
     "/usr/share/doc/*/copyright", 0},
    {"docs", "/usr/share/man/", "documentation", SEV_INFO,
     "exclude docs with dpkg path-exclude or delete them in the same RUN" RM, NULL, 0},
    {"docs", "/usr/share/info/", "documentation", SEV_INFO,
     "exclude docs with dpkg path-exclude or delete them in the same RUN" RM, NULL, 0},
    {"docs", "/usr/share/groff/", "documentation", SEV_INFO,
     "exclude docs with dpkg path-exclude or delete them in the same RUN" RM, NULL, 0},
    {"docs", "/usr/share/lintian/", "documentation", SEV_INFO,
     "exclude docs with dpkg path-exclude or delete them in the same RUN" RM, NULL, 0},
    {"docs", "/usr/share/linda/", "documentation", SEV_INFO,
     "exclude docs with dpkg path-exclude or delete them in the same RUN" RM, NULL, 0},
    {"locales", "/usr/share/locale/", "translations", SEV_INFO,
     "exclude /usr/share/locale with dpkg path-exclude (keep locale.alias)" RM,
     "/usr/share/locale/locale.alias", 0},
    /* python */
    {"pycache", "**/__pycache__/", "python bytecode", SEV_INFO,
     "set PYTHONDONTWRITEBYTECODE=1 or delete __pycache__ in the same RUN" RM, NULL, 0},
    {"pycache", "**/*.pyc", "python bytecode", SEV_INFO,
     "set PYTHONDONTWRITEBYTECODE=1 or delete *.pyc in the same RUN" RM, NULL, 0},
    {"pycache", "**/*.pyo", "python bytecode", SEV_INFO,
     "set PYTHONDONTWRITEBYTECODE=1 or delete *.pyo in the same RUN" RM, NULL, 0},
    {"python-tests", "/usr/local/lib/python*/test/", "python test suites", SEV_INFO,
     "delete the test folders in the same RUN" RM, NULL, 0},
    {"python-tests", "/usr/lib/python*/test/", "python test suites", SEV_INFO,
     "delete the test folders in the same RUN" RM, NULL, 0},
    {"python-tests", "**/site-packages/**/tests/", "python test suites", SEV_INFO,
     "delete the test folders in the same RUN" RM, NULL, 0},
    {"python-tests", "**/site-packages/**/test/", "python test suites", SEV_INFO,
     "delete the test folders in the same RUN" RM, NULL, 0},
    {"python-tests", "**/dist-packages/**/tests/", "python test suites", SEV_INFO,
     "delete the test folders in the same RUN" RM, NULL, 0},
    /* build context leaks */
    {"vcs", "**/.git/", "version control folders", SEV_LOW,
     "add .git to .dockerignore" RM, NULL, 0},
    {"vcs", "**/.svn/", "version control folders", SEV_LOW,
     "add .svn to .dockerignore" RM, NULL, 0},
    {"vcs", "**/.hg/", "version control folders", SEV_LOW,
     "add .hg to .dockerignore" RM, NULL, 0},
    {"editor", "**/.vscode/", "editor files", SEV_INFO,
     "add .vscode, .idea and .DS_Store to .dockerignore" RM, NULL, 0},
    {"editor", "**/.idea/", "editor files", SEV_INFO,
     "add .vscode, .idea and .DS_Store to .dockerignore" RM, NULL, 0},
    {"editor", "**/.DS_Store", "editor files", SEV_INFO,
     "add .vscode, .idea and .DS_Store to .dockerignore" RM, NULL, 0},
    {"build-context", "**/Dockerfile", "build files copied in", SEV_INFO,
     "add Dockerfile and docker-compose.yml to .dockerignore" RM, NULL, 0},
    {"build-context", "**/docker-compose.yml", "build files copied in", SEV_INFO,
     "add Dockerfile and docker-compose.yml to .dockerignore" RM, NULL, 0},
    {"build-context", "**/docker-compose.yaml", "build files copied in", SEV_INFO,
     "add Dockerfile and docker-compose.yml to .dockerignore" RM, NULL, 0},
    {"user-cache", "**/.cache/", "other caches", SEV_LOW,
     "delete the cache in the same RUN, or use a cache mount" RM, NULL, 0},
    {"user-cache", "**/.npm/", "other caches", SEV_LOW,
     "delete the cache in the same RUN, or use a cache mount" RM, NULL, 0},
    /* weights and data over the threshold */
    {"ml-weights", "**/checkpoints/", "model weights", SEV_MEDIUM,
     "add the weights to .dockerignore; mount them or download at start-up" RM, NULL, WR_BIG},
    {"ml-weights", "**/weights/", "model weights", SEV_MEDIUM,
     "add the weights to .dockerignore; mount them or download at start-up" RM, NULL, WR_BIG},
#define W(ext) {"ml-weights", "**/*." ext, "model weights", SEV_MEDIUM, \
     "add *." ext " to .dockerignore; mount the weights or download at start-up" RM, NULL, WR_BIG}
    W("pt"), W("pth"), W("ckpt"), W("safetensors"), W("onnx"), W("h5"), W("pb"), W("tflite"),
    W("gguf"), W("bin"),
#undef W
    {"datasets", "**/datasets/", "datasets", SEV_MEDIUM,
     "add the data to .dockerignore; mount it or fetch it at run time" RM, NULL, WR_BIG},
    {"datasets", "**/coco/", "datasets", SEV_MEDIUM,
     "add the data to .dockerignore; mount it or fetch it at run time" RM, NULL, WR_BIG},
    {"datasets", "**/data/", "datasets", SEV_MEDIUM,
     "add the data to .dockerignore; mount it or fetch it at run time" RM,
     "*/site-packages/*:*/dist-packages/*:*/node_modules/*", WR_BIG},
#define D(ext) {"datasets", "**/*." ext, "datasets", SEV_MEDIUM, \
     "add *." ext " to .dockerignore; mount the data or fetch it at run time" RM, NULL, WR_BIG}
    D("parquet"), D("csv"), D("npy"), D("npz"), D("arrow"), D("tfrecord"),
#undef D
    /* leftovers */
    {"temp", "/tmp/", "temporary files", SEV_LOW,
     "delete /tmp contents in the same RUN" RM, NULL, 0},
    {"temp", "/var/tmp/", "temporary files", SEV_LOW,
     "delete /var/tmp contents in the same RUN" RM, NULL, 0},
    {"logs", "/var/log/apt/", "package manager logs", SEV_INFO,
     "delete /var/log/apt and /var/log/dpkg.log in the same RUN" RM, NULL, 0},
    {"logs", "/var/log/dpkg.log", "package manager logs", SEV_INFO,
     "delete /var/log/apt and /var/log/dpkg.log in the same RUN" RM, NULL, 0},
    {"logs", "/var/log/anaconda/", "package manager logs", SEV_INFO,
     "delete /var/log/anaconda in the same RUN" RM, NULL, 0},
    {"logs", "/var/log/yum.log", "package manager logs", SEV_INFO,
     "delete /var/log/yum.log in the same RUN" RM, NULL, 0},
    {"logs", "/var/log/dnf*.log", "package manager logs", SEV_INFO,
     "delete /var/log/dnf*.log in the same RUN" RM, NULL, 0},
};
const size_t n_waste_rules = sizeof waste_rules / sizeof waste_rules[0];

size_t analysis_waste_rule_count(void)
{
    return n_waste_rules;
}

int analysis_waste_rule_info(size_t i, const char **id, const char **pattern, const char **title,
                             int *severity)
{
    if (i >= n_waste_rules)
        return -1;
    if (id)
        *id = waste_rules[i].id;
    if (pattern)
        *pattern = waste_rules[i].pattern;
    if (title)
        *title = waste_rules[i].title;
    if (severity)
        *severity = waste_rules[i].severity;
    return 0;
}
