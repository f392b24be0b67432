/* curl_api.c: opens libcurl with dlopen on first use (curl_api.h says why). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "src/curl_api.h"

/* The soname Debian's libcurl4 (OpenSSL) and libcurl3-gnutls ship; the first found is used. */
static const char *const sonames[] = {"libcurl.so.4", "libcurl-gnutls.so.4"};

struct curl_api curl_api;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_err[256];

static void load(void)
{
    void *h = NULL;
    for (size_t i = 0; i < sizeof sonames / sizeof *sonames && !h; i++) {
        h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
        if (!h && i == 0)
            snprintf(load_err, sizeof load_err, "%s", dlerror());
    }
    if (!h)
        return;
    struct { const char *name; void **slot; } syms[] = {
        {"curl_global_init", (void **)&curl_api.global_init},
        {"curl_global_cleanup", (void **)&curl_api.global_cleanup},
        {"curl_easy_init", (void **)&curl_api.easy_init},
        {"curl_easy_cleanup", (void **)&curl_api.easy_cleanup},
        {"curl_easy_setopt", (void **)&curl_api.easy_setopt},
        {"curl_easy_getinfo", (void **)&curl_api.easy_getinfo},
        {"curl_easy_perform", (void **)&curl_api.easy_perform},
        {"curl_easy_strerror", (void **)&curl_api.easy_strerror},
        {"curl_easy_escape", (void **)&curl_api.easy_escape},
        {"curl_free", (void **)&curl_api.free},
        {"curl_slist_append", (void **)&curl_api.slist_append},
        {"curl_slist_free_all", (void **)&curl_api.slist_free_all},
    };
    for (size_t i = 0; i < sizeof syms / sizeof *syms; i++) {
        void *f = dlsym(h, syms[i].name);
        if (!f) {
            snprintf(load_err, sizeof load_err, "libcurl has no %s", syms[i].name);
            memset(&curl_api, 0, sizeof curl_api);
            dlclose(h);
            return;
        }
        memcpy(syms[i].slot, &f, sizeof f);   /* object to function pointer, as POSIX allows */
    }
    load_err[0] = 0;   /* the library stays open for the life of the process */
}

int curl_api_load(char *err, size_t errsz)
{
    pthread_once(&once, load);
    if (curl_api.easy_init)
        return 0;
    snprintf(err, errsz, "%s", load_err[0] ? load_err : "libcurl could not be opened");
    return -1;
}
