/* waste_hints.c: Dockerfile-level hints read from the history, hadolint's ids where one fits:
 * consecutive RUNs, apt lists and recommends, pip, apk, yarn, yum, dnf and zypper caches,
 * useradd without -l. Each quotes the instruction's masked copy. */
#include "analysis/waste_int.h"

#include <stdlib.h>
#include <string.h>

#include "analysis/secrets.h"
#include "src/util.h"

static int has(const char *s, const char *needle) { return strstr(s, needle) != NULL; }

static void add_hint(struct analysis *a, const char *id, int sev, int hist, int layer,
                     const char *instr, const char *advice)
{
    if (analysis_ignored(a, id))
        return;
    char *si = waste_short_instr(instr);
    ARR_GROW(a->hints, a->cap_hints, a->n_hints, 1);
    a->hints[a->n_hints++] = (struct waste_hint){id, sev, hist, layer,
                                                 xasprintf("%s: %s", si, advice)};
    free(si);
}

static int env_set(const struct image *img, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < img->n_env; i++)
        if (strncmp(img->env[i], name, n) == 0 && img->env[i][n] == '=')
            return 1;
    return 0;
}

void waste_hints_run(struct analysis *a, const struct image *img)
{
    int run_start = -1, run_len = 0;
    for (size_t j = 0; j <= img->n_history; j++) {
        const struct history_item *h = j < img->n_history ? &img->history[j] : NULL;
        const char *cb = h && h->created_by ? h->created_by : "";
        const char *in = h && h->instruction && *h->instruction ? h->instruction : cb;
        int is_run = h && strncmp(in, "RUN ", 4) == 0;
        /* what the hints quote: the masked copy */
        const char *min = !h ? "" : *analysis_history_instruction(a, img, j)
                                        ? analysis_history_instruction(a, img, j)
                                        : analysis_history_created_by(a, img, j);
        if (is_run) {
            if (run_len++ == 0)
                run_start = (int)j;
        }
        if ((!is_run || !h) && run_len >= 2) {
            char *adv = xasprintf("%d consecutive RUN instructions (history %d-%d): join them "
                                  "with && to save layers", run_len, run_start,
                                  run_start + run_len - 1);
            const struct history_item *lh = &img->history[run_start + run_len - 1];
            add_hint(a, "DL3059", SEV_INFO, run_start + run_len - 1, lh->layer,
                     analysis_history_instruction(a, img, (size_t)(run_start + run_len - 1)), adv);
            free(adv);
        }
        if (!is_run)
            run_len = 0;
        if (!h || !is_run)
            continue;
        int hi = (int)j, L = h->layer;
        int cache_mount = has(cb, "--mount=type=cache") || has(cb, "--mount=type=tmpfs");
        int apt = has(cb, "apt-get install") || has(cb, "apt install") ||
                  has(cb, "apt-get -y install") || has(cb, "apt-get -yq install") ||
                  has(cb, "apt-get -qq install");
        /* the lists are written by apt-get update: a RUN that only installs (the lists came
         * from an earlier layer or the base) cannot shrink them by deleting them */
        int update = has(cb, "apt-get update") || has(cb, "apt update") ||
                     has(cb, "apt-get -q update") || has(cb, "apt-get -qq update") ||
                     has(cb, "apt-get -y update");
        if (apt && update && !cache_mount && !has(cb, "/var/lib/apt/lists"))
            add_hint(a, "DL3009", SEV_LOW, hi, L, min,
                     "delete the apt lists: end it with && rm -rf /var/lib/apt/lists/*");
        if (apt && !has(cb, "--no-install-recommends") && !has(cb, "Install-Recommends=false"))
            add_hint(a, "DL3015", SEV_INFO, hi, L, min,
                     "add --no-install-recommends to apt-get install");
        int pip = (has(cb, "pip install") || has(cb, "pip3 install") ||
                   has(cb, "pip -q install") || has(cb, "pip3 -q install"));
        if (pip && !has(cb, "--no-cache-dir") && !has(cb, "PIP_NO_CACHE_DIR") &&
            !env_set(img, "PIP_NO_CACHE_DIR") && !(cache_mount && has(cb, ".cache/pip")))
            add_hint(a, "DL3042", SEV_LOW, hi, L, min, "add --no-cache-dir to pip install");
        if (has(cb, "apk add") && !has(cb, "--no-cache") && !cache_mount)
            add_hint(a, "DL3019", SEV_LOW, hi, L, min, "use apk add --no-cache");
        if ((has(cb, "yarn install") || has(cb, "yarn add")) && !has(cb, "yarn cache clean") &&
            !cache_mount)
            add_hint(a, "DL3060", SEV_LOW, hi, L, min, "end it with && yarn cache clean");
        if (has(cb, "yum install") && !has(cb, "yum clean all"))
            add_hint(a, "DL3032", SEV_LOW, hi, L, min, "end it with && yum clean all");
        if (has(cb, "dnf install") && !has(cb, "dnf clean all"))
            add_hint(a, "DL3040", SEV_LOW, hi, L, min, "end it with && dnf clean all");
        if (has(cb, "zypper install") && !has(cb, "zypper clean"))
            add_hint(a, "DL3036", SEV_LOW, hi, L, min, "end it with && zypper clean");
        const char *ua = strstr(cb, "useradd");
        if (ua && !has(ua, " -l") && !has(ua, "--no-log-init")) {
            const char *u = strstr(ua, "-u ");
            if (!u)
                u = strstr(ua, "--uid ");
            if (u) {
                u = strchr(u, ' ');
                while (u && *u == ' ')
                    u++;
                if (u && strtoul(u, NULL, 10) > 99999)
                    add_hint(a, "DL3046", SEV_LOW, hi, L, min,
                             "add -l to useradd: a large UID makes a huge /var/log/lastlog");
            }
        }
    }
}
