/* test_advice.c: the base/own boundary's evidence order (analysis/base.c base_decide), the
 * well-known base families and their slimmer variants, and the CUDA driver table. Histories are
 * written here in the dialects real builders produce (buildah's "FROM" comments with --layers,
 * docker's classic "#(nop)" lines). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/advice.h"

/* instruction, comment, created, layer (-1: empty) */
#define H(in, cm, t, l) {.created_by = (char *)(in), .instruction = (char *)(in), .created = (char *)(t), \
                         .comment = (char *)(cm), .author = (char *)"", .empty_layer = (l) < 0, .layer = (l)}

/* debian (1 layer) <- python (2 layers, CMD) <- app (2 layers): as buildah bud --layers writes it */
static struct history_item buildah_hist[] = {
    H("ADD file:84b6 in /", "", "2026-12-01T08:45:19Z", 0),
    H("CMD [\"bash\"]", "FROM 7d89be88bb85", "2026-12-01T08:45:20Z", -1),
    H("RUN apt-get install python3", "FROM localhost/debian:bookworm-slim", "2026-12-01T08:47:04Z", 1),
    H("RUN pip install x", "FROM 75c3136407f8", "2026-12-01T08:47:10Z", 2),
    H("CMD [\"python3\"]", "FROM 2b0ded2af5f0", "2026-12-01T08:47:11Z", -1),
    H("WORKDIR /app", "FROM localhost/python:3.11-bookworm", "2026-12-01T08:50:00Z", -1),
    H("COPY dir:aa in /app", "FROM d1a23983a3f5", "2026-12-01T08:50:01Z", 3),
    H("RUN pip install -r requirements.txt", "FROM 5d8fd2f97c70", "2026-12-01T08:50:30Z", 4),
    H("CMD [\"python3\", \"-m\", \"app\"]", "FROM 1cb6cf68cb39", "2026-12-01T08:50:31Z", -1),
};

/* the same app built by docker's classic builder on the buildah-built python base: the app's
 * entries carry no comment, the python base's "FROM" comment is stale */
static struct history_item docker_hist[] = {
    H("ADD file:84b6 in /", "", "2026-12-01T08:45:19Z", 0),
    H("CMD [\"bash\"]", "FROM 7d89be88bb85", "2026-12-01T08:45:20Z", -1),
    H("RUN apt-get install python3", "FROM localhost/debian:bookworm-slim", "2026-12-01T08:47:04Z", 1),
    H("RUN pip install x", "FROM 75c3136407f8", "2026-12-01T08:47:10Z", 2),
    H("CMD [\"python3\"]", "FROM 2b0ded2af5f0", "2026-12-01T08:47:11Z", -1),
    H("WORKDIR /app", "", "2026-12-01T08:50:00Z", -1),
    H("COPY dir:aa in /app", "", "2026-12-01T08:50:01Z", 3),
    H("RUN pip install -r requirements.txt", "", "2026-12-01T08:50:30Z", 4),
    H("CMD [\"python3\", \"-m\", \"app\"]", "", "2026-12-01T08:50:31Z", -1),
};

/* no comments, no closing CMD before the app: only a day between base and app */
static struct history_item gap_hist[] = {
    H("ADD file:84b6 in /", "", "2026-11-01T08:45:19Z", 0),
    H("RUN apt-get install python3", "", "2026-11-01T08:47:04Z", 1),
    H("COPY dir:aa in /app", "", "2026-12-01T08:50:01Z", 2),
    H("RUN pip install -r requirements.txt", "", "2026-12-01T08:50:30Z", 3),
};

static struct base_input input(struct history_item *h, size_t n, size_t layers)
{
    struct base_input in = {.hist = h, .n_hist = n, .n_layers = layers, .common_layers = -1};
    return in;
}

static void test_history_comment(void **state)
{
    (void)state;
    struct base_input in = input(buildah_hist, 9, 5);
    struct base_split b;
    base_decide(&in, &b);
    assert_int_equal(b.evidence, BASE_EV_HISTORY_COMMENT);
    assert_int_equal(b.layers, 3);        /* debian 1 + python 2 */
    assert_int_equal(b.history, 5);
    assert_string_equal(b.name, "localhost/python:3.11-bookworm");
    assert_int_equal(b.name_evidence, BASE_EV_HISTORY_COMMENT);
    base_split_free(&b);
}

/* an annotation names the base but the boundary still comes from the history; the annotation's
 * name wins over the comment's */
static void test_annotation_first(void **state)
{
    (void)state;
    struct base_input in = input(buildah_hist, 9, 5);
    in.ann_name = "docker.io/library/python:3.11";
    in.ann_digest = "sha256:0123";
    struct base_split b;
    base_decide(&in, &b);
    assert_int_equal(b.evidence, BASE_EV_HISTORY_COMMENT);
    assert_int_equal(b.layers, 3);
    assert_string_equal(b.name, "docker.io/library/python:3.11");
    assert_int_equal(b.name_evidence, BASE_EV_ANNOTATION);
    assert_string_equal(b.digest, "sha256:0123");
    base_split_free(&b);
    /* annotation alone, no other evidence: a name, no boundary */
    struct history_item one[] = {H("COPY x /", "", "", 0)};
    in = input(one, 1, 1);
    in.ann_name = "python:3.11";
    base_decide(&in, &b);
    assert_int_equal(b.layers, 0);
    assert_int_equal(b.evidence, BASE_EV_ANNOTATION);
    assert_string_equal(b.name, "python:3.11");
    base_split_free(&b);
}

/* a stale comment under another builder's layers: --base decides, then the closing CMD */
static void test_stale_comment(void **state)
{
    (void)state;
    struct base_input in = input(docker_hist, 9, 5);
    struct base_split b;
    base_decide(&in, &b);
    assert_int_equal(b.evidence, BASE_EV_HISTORY_CMD);
    assert_int_equal(b.layers, 3);
    assert_int_equal(b.history, 5);
    assert_null(b.name);
    base_split_free(&b);

    in.common_layers = 3;
    in.base_ref = "localhost/python:3.11-bookworm";
    base_decide(&in, &b);
    assert_int_equal(b.evidence, BASE_EV_BASE_IMAGE);
    assert_int_equal(b.layers, 3);
    assert_string_equal(b.name, "localhost/python:3.11-bookworm");
    base_split_free(&b);
}

/* --base loses to a history comment (stronger), wins over the CMD heuristic */
static void test_base_image_order(void **state)
{
    (void)state;
    struct base_input in = input(buildah_hist, 9, 5);
    in.common_layers = 1;     /* e.g. --base debian: fewer layers than the comment says */
    in.base_ref = "debian";
    struct base_split b;
    base_decide(&in, &b);
    assert_int_equal(b.evidence, BASE_EV_HISTORY_COMMENT);
    assert_int_equal(b.layers, 3);
    base_split_free(&b);
    /* the image is its base: everything is base */
    in = input(gap_hist, 4, 4);
    in.common_layers = 4;
    base_decide(&in, &b);
    assert_int_equal(b.evidence, BASE_EV_BASE_IMAGE);
    assert_int_equal(b.layers, 4);
    base_split_free(&b);
    /* --base with nothing in common is no evidence: the time gap decides */
    in.common_layers = 0;
    base_decide(&in, &b);
    assert_int_equal(b.evidence, BASE_EV_TIME_GAP);
    assert_int_equal(b.layers, 2);
    assert_int_equal(b.history, 2);
    base_split_free(&b);
}

static void test_nothing_known(void **state)
{
    (void)state;
    struct history_item h[] = {
        H("ADD busybox /", "", "2026-12-01T08:00:00Z", 0),
        H("COPY x /", "", "2026-12-01T08:01:00Z", 1),
        H("CMD [\"sh\"]", "", "2026-12-01T08:01:00Z", -1),   /* a closing CMD with nothing after */
    };
    struct base_input in = input(h, 3, 2);
    struct base_split b;
    base_decide(&in, &b);
    assert_int_equal(b.evidence, BASE_EV_NONE);
    assert_int_equal(b.layers, 0);
    assert_int_equal(b.history, -1);
    assert_null(b.name);
    base_split_free(&b);
    /* "FROM scratch" and image ids name no base */
    struct history_item s[] = {
        H("ADD rootfs.tar /", "FROM scratch", "", 0),
        H("RUN x", "FROM 0123456789ab", "", 1),
    };
    in = input(s, 2, 2);
    base_decide(&in, &b);
    assert_int_equal(b.evidence, BASE_EV_NONE);
    base_split_free(&b);
}

static void check_family(const char *name, const char *family, const char *flavour, const char *slimmer)
{
    const char *f, *fl, *note;
    char *s;
    base_family(name, &f, &fl, &s, &note);
    if (family) {
        assert_non_null(f);
        assert_string_equal(f, family);
        assert_string_equal(fl, flavour);
    } else {
        assert_null(f);
    }
    if (slimmer) {
        assert_non_null(s);
        assert_string_equal(s, slimmer);
        assert_non_null(note);
    } else {
        assert_null(s);
    }
    free(s);
}

static void test_families(void **state)
{
    (void)state;
    check_family("python:3.11", "python", "full", "python:3.11-slim");
    check_family("docker.io/library/python:3.11-bookworm", "python", "full", "python:3.11-slim-bookworm");
    check_family("localhost/python:3.11-bookworm", "python", "full", "python:3.11-slim-bookworm");
    check_family("python:3.12-slim-bookworm@sha256:abcd", "python", "slim", "python:3.12-alpine");
    check_family("python:slim", "python", "slim", "python:alpine");
    check_family("python:3.12-alpine3.19", "python", "alpine", NULL);
    check_family("nvidia/cuda:12.4.1-devel-ubuntu22.04", "nvidia/cuda", "devel", "nvidia/cuda:12.4.1-runtime-ubuntu22.04");
    check_family("localhost/nvidia/cuda:12.4.1-runtime-debian12", "nvidia/cuda", "runtime", "nvidia/cuda:12.4.1-base-debian12");
    check_family("nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04", "nvidia/cuda", "base", NULL);   /* registry host dropped */
    check_family("debian:bookworm", "debian", "full", "debian:bookworm-slim");
    check_family("debian:bookworm-slim", "debian", "slim", NULL);
    check_family("ubuntu:22.04", "ubuntu", "ubuntu", NULL);
    check_family("registry.example.com:5000/team/app:1", NULL, NULL, NULL);
    check_family(NULL, NULL, NULL, NULL);
}

static void test_driver_table(void **state)
{
    (void)state;
    const char *src = NULL;
    assert_string_equal(cuda_min_driver(11, &src), "450.80.02");
    assert_non_null(strstr(src, "Release Notes"));
    assert_string_equal(cuda_min_driver(12, NULL), "525.60.13");
    assert_string_equal(cuda_min_driver(13, NULL), "580");
    assert_null(cuda_min_driver(10, NULL));
    assert_string_equal(base_evidence_name(BASE_EV_HISTORY_COMMENT), "history-comment");
    assert_string_equal(base_evidence_name(99), "none");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_comment), cmocka_unit_test(test_annotation_first),
        cmocka_unit_test(test_stale_comment),   cmocka_unit_test(test_base_image_order),
        cmocka_unit_test(test_nothing_known),   cmocka_unit_test(test_families),
        cmocka_unit_test(test_driver_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
