/* curl_api.h: libcurl, opened on first use instead of linked.
 *
 * Linking libcurl makes the dynamic loader map about thirty libraries (TLS, Kerberos, LDAP,
 * SSH, IDN, ...) before main(), at every start: measured here, 25 ms of a 45 ms start, paid by
 * every run though only the engine and registry sources talk HTTP. Each calls curl_api_load()
 * before its first curl call (a registry's setup, an engine's API stream; `podman image save`
 * needs none); the rest of strata never loads it.
 *
 * Files that talk HTTP include this header instead of <curl/curl.h>: the curl_* names below
 * then call through the table that curl_api_load() filled. */
#ifndef STRATA_CURL_API_H
#define STRATA_CURL_API_H

#define CURL_DISABLE_TYPECHECK   /* its macros would call the linked names */
#include <curl/curl.h>
#include <stddef.h>

struct curl_api {
    CURLcode (*global_init)(long flags);
    void (*global_cleanup)(void);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *c);
    CURLcode (*easy_setopt)(CURL *c, CURLoption o, ...);
    CURLcode (*easy_getinfo)(CURL *c, CURLINFO i, ...);
    CURLcode (*easy_perform)(CURL *c);
    const char *(*easy_strerror)(CURLcode rc);
    char *(*easy_escape)(CURL *c, const char *s, int len);
    void (*free)(void *p);
    struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
    void (*slist_free_all)(struct curl_slist *l);
};
extern struct curl_api curl_api;

/* Opens libcurl (once per process; safe from any thread). 0, or -1 with the reason in
 * err (e.g. "libcurl.so.4: cannot open shared object file"). */
int curl_api_load(char *err, size_t errsz);

#define curl_global_init     curl_api.global_init
#define curl_global_cleanup  curl_api.global_cleanup
#define curl_easy_init       curl_api.easy_init
#define curl_easy_cleanup    curl_api.easy_cleanup
#undef curl_easy_setopt      /* curl.h's three-argument check, calling the linked name */
#undef curl_easy_getinfo
#define curl_easy_setopt     curl_api.easy_setopt
#define curl_easy_getinfo    curl_api.easy_getinfo
#define curl_easy_perform    curl_api.easy_perform
#define curl_easy_strerror   curl_api.easy_strerror
#define curl_easy_escape     curl_api.easy_escape
#define curl_free            curl_api.free
#define curl_slist_append    curl_api.slist_append
#define curl_slist_free_all  curl_api.slist_free_all

#endif
