/* test_dockerfile.c: the Dockerfile reader (src/dockerfile*.c): line numbers through continuations,
 * comments and heredocs, the escape directive, ARG/ENV substitution, stages, and malformed input
 * giving one "NAME:LINE: problem" message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "src/dockerfile.h"

static int parse(struct dockerfile *df, const char *text, struct errbuf *e)
{
    memset(e, 0, sizeof *e);
    return dockerfile_parse(df, "Dockerfile", text, strlen(text), e);
}

static void test_lines_and_continuations(void **state)
{
    (void)state;
    struct dockerfile df;
    struct errbuf e;
    const char *t = "# syntax=docker/dockerfile:1.7\n"
                    "\n"
                    "FROM debian:bookworm-slim\n"            /* 3 */
                    "# a comment\n"
                    "RUN apt-get update \\\n"                /* 5 */
                    "    # comment inside is dropped\n"
                    "\n"
                    " && apt-get install -y curl   \\  \n"
                    " && rm -rf /var/lib/apt/lists/*\n"      /* 9 */
                    "run echo lower-case keyword\n"          /* 10 */
                    "COPY --chown=1000:1000 --link . /app\n"; /* 11 */
    assert_int_equal(parse(&df, t, &e), RC_OK);
    assert_string_equal(df.syntax, "docker/dockerfile:1.7");
    assert_int_equal(df.n_ins, 4);
    assert_int_equal(df.ins[0].line, 3);
    assert_string_equal(df.ins[1].keyword, "RUN");
    assert_int_equal(df.ins[1].line, 5);
    assert_int_equal(df.ins[1].end_line, 9);
    /* joined as the builders join: the escape and newline go, the next line's blanks stay */
    assert_string_equal(df.ins[1].args, "apt-get update  && apt-get install -y curl    && rm -rf /var/lib/apt/lists/*");
    assert_string_equal(df.ins[2].keyword, "RUN");
    assert_int_equal(df.ins[2].line, 10);
    assert_string_equal(df.ins[3].flags, "--chown=1000:1000 --link");
    assert_string_equal(df.ins[3].args, ". /app");
    assert_int_equal(df.ins[3].argc, 2);
    assert_string_equal(df.ins[3].argv[1], "/app");
    dockerfile_free(&df);
}

static void test_escape_directive(void **state)
{
    (void)state;
    struct dockerfile df;
    struct errbuf e;
    const char *t = "# escape=`\n"
                    "FROM mcr.microsoft.com/windows/servercore\n"
                    "COPY testfile.txt c:\\ `\n"
                    "   c:\\dest\\\n"
                    "RUN dir c:\\\n";
    assert_int_equal(parse(&df, t, &e), RC_OK);
    assert_int_equal(df.escape, '`');
    assert_int_equal(df.n_ins, 3);
    assert_int_equal(df.ins[1].line, 3);
    assert_int_equal(df.ins[1].end_line, 4);
    assert_int_equal(df.ins[2].line, 5);
    assert_string_equal(df.ins[2].args, "dir c:\\");
    dockerfile_free(&df);

    /* a directive after a comment is a comment: the backslash still continues lines */
    const char *t2 = "# hello\n# escape=`\nFROM a\nRUN x \\\n y\n";
    assert_int_equal(parse(&df, t2, &e), RC_OK);
    assert_int_equal(df.escape, '\\');
    assert_int_equal(df.n_ins, 2);
    assert_int_equal(df.ins[1].end_line, 5);
    dockerfile_free(&df);

    assert_int_equal(parse(&df, "# escape=x\nFROM a\n", &e), RC_FATAL);
    assert_string_equal(e.msg, "Dockerfile:1: escape must be \\ or ` (not 'x')");
    dockerfile_free(&df);
}

static void test_heredocs(void **state)
{
    (void)state;
    struct dockerfile df;
    struct errbuf e;
    const char *t = "FROM python:3.12-slim\n"
                    "RUN <<EOF\n"                           /* 2 */
                    "pip install torch\n"
                    "echo done\n"
                    "EOF\n"                                 /* 5 */
                    "COPY <<-\"A\" /etc/a.conf <<'B' /etc/b.conf\n"  /* 6 */
                    "\t\tx=$HOME\n"
                    "\tA\n"
                    "y\n"
                    "B\n"                                   /* 10 */
                    "RUN cat <<< here-string && echo '<<NOT'\n"  /* 11 */
                    "WORKDIR /app\n";                       /* 12 */
    assert_int_equal(parse(&df, t, &e), RC_OK);
    assert_int_equal(df.n_ins, 5);
    assert_int_equal(df.ins[1].line, 2);
    assert_int_equal(df.ins[1].end_line, 5);
    assert_int_equal(df.ins[1].n_heredocs, 1);
    assert_string_equal(df.ins[1].heredocs[0].word, "EOF");
    assert_string_equal(df.ins[1].heredocs[0].body, "pip install torch\necho done\n");
    assert_int_equal(df.ins[1].heredocs[0].line, 3);
    assert_int_equal(df.ins[2].n_heredocs, 2);
    assert_string_equal(df.ins[2].heredocs[0].body, "x=$HOME\n");   /* <<- strips tabs */
    assert_string_equal(df.ins[2].heredocs[1].body, "y\n");
    assert_int_equal(df.ins[2].end_line, 10);
    assert_int_equal(df.ins[3].line, 11);
    assert_int_equal(df.ins[3].n_heredocs, 0);
    assert_int_equal(df.ins[4].line, 12);
    dockerfile_free(&df);

    assert_int_equal(parse(&df, "FROM a\nRUN <<EOF\necho hi\n", &e), RC_FATAL);
    assert_string_equal(e.msg, "Dockerfile:2: unterminated heredoc <<EOF (no line ends it)");
    dockerfile_free(&df);
}

static void test_substitution(void **state)
{
    (void)state;
    char *vars[] = {"A=1", "B=", "HOME=/root", "A=2"};
    struct { const char *in, *out; } cases[] = {
        {"$A ${A} x${A}y", "2 2 x2y"},
        {"${B:-def} ${B-def} ${C:-c$A} ${C-}", "def  c2 "},
        {"${A:+set} ${B:+set} ${B+set} ${C+set}", "set  set "},
        {"\\$A '$A' \"$A\"", "$A '$A' \"2\""},
        {"$ ${ ${unclosed", "$ ${ ${unclosed"},
        {"${HOME}/.cache/${NOPE}pip", "/root/.cache/pip"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *s = dockerfile_expand(cases[i].in, '\\', vars, 4);
        assert_string_equal(s, cases[i].out);
        free(s);
    }
    /* doubling at every line stops at the cap instead of eating memory */
    struct dockerfile df;
    struct errbuf e;
    char t[4096] = "FROM a\nENV A=xxxxxxxxxxxxxxxx\n";
    for (int i = 0; i < 40; i++)
        strcat(t, "ENV A=$A$A\n");
    strcat(t, "WORKDIR /$A\n");
    assert_int_equal(parse(&df, t, &e), RC_OK);
    assert_true(strlen(df.ins[df.n_ins - 1].expanded) <= DOCKERFILE_MAX_EXPANSION + 1);
    dockerfile_free(&df);
}

static void test_stages_and_args(void **state)
{
    (void)state;
    struct dockerfile df;
    struct errbuf e;
    const char *t = "ARG PY=3.12\n"
                    "ARG APP=/srv/app\n"
                    "FROM python:${PY}-slim AS Builder\n"    /* 3 */
                    "ARG APP\n"
                    "ENV VENV=/opt/venv PATH=\"/opt/venv/bin:$PATH\"\n"
                    "ENV LEGACY some value\n"
                    "RUN python -m venv $VENV\n"             /* 7: not expanded (the shell does it) */
                    "FROM python:$PY-slim\n"                 /* 8 */
                    "WORKDIR $APP\n"                         /* 9: APP not imported in this stage */
                    "COPY --from=builder ${VENV:-/opt/venv} /opt/venv\n"
                    "ENV APP_HOME=/home/app\n"
                    "WORKDIR ${APP_HOME}/src\n"
                    "FROM builder AS test\n"                 /* 13 */
                    "WORKDIR $APP/$LEGACY\n"
                    "CMD [\"python\", \"-m\", \"app\"]\n";
    assert_int_equal(parse(&df, t, &e), RC_OK);
    assert_int_equal(df.n_stages, 3);
    assert_string_equal(df.stages[0].base, "python:3.12-slim");
    assert_string_equal(df.stages[0].name, "builder");
    assert_int_equal(df.stages[0].line, 3);
    assert_int_equal(df.stages[1].parent, -1);
    assert_int_equal(df.stages[2].parent, 0);
    assert_int_equal(df.ins[0].stage, -1);
    assert_string_equal(df.ins[6].args, "python -m venv $VENV");
    assert_string_equal(df.ins[6].expanded, "python -m venv $VENV");
    assert_string_equal(df.ins[8].expanded, "");            /* WORKDIR $APP in stage 2 */
    assert_string_equal(df.ins[9].from, "builder");
    assert_string_equal(df.ins[9].argv[0], "/opt/venv");     /* VENV is stage 0's: the default */
    assert_string_equal(df.ins[11].expanded, "/home/app/src");
    /* stage "test" inherits builder's ENV, not its ARG */
    assert_string_equal(df.ins[13].expanded, "/some value");
    assert_true(df.ins[14].exec_form);
    assert_int_equal(df.ins[14].argc, 3);
    assert_string_equal(df.ins[14].argv[2], "app");
    /* the final image: stage "test" built on "builder" */
    size_t chain[32];
    size_t n = dockerfile_final_chain(&df, chain, 32);
    assert_int_equal(n, 5 + 3);
    assert_int_equal(df.ins[chain[0]].line, 3);
    assert_int_equal(df.ins[chain[5]].line, 13);
    dockerfile_free(&df);
}

static void test_malformed(void **state)
{
    (void)state;
    struct { const char *text; const char *msg; } cases[] = {
        {"", "Dockerfile:1: no FROM instruction: not a Dockerfile"},
        {"# only a comment\n\n", "Dockerfile:2: no FROM instruction: not a Dockerfile"},
        {"RUN echo\nFROM a\n", "Dockerfile:1: RUN before the first FROM"},
        {"FROM a\nFORM b\n", "Dockerfile:2: unknown instruction 'FORM'"},
        {"FROM a\nCOPY onlyone\n", "Dockerfile:2: COPY needs a source and a destination"},
        {"FROM\n", "Dockerfile:1: FROM needs an image"},
        {"FROM a b c d\n", "Dockerfile:1: FROM takes an image and an optional AS name (a b c d)"},
        {"FROM a\nRUN\n", "Dockerfile:2: RUN has no arguments"},
        {"FROM a\nSUPERLONGINSTRUCTIONNAME x\n", "Dockerfile:2: unknown instruction 'SUPERLONGINSTRUCTIONNAME'"},
        {"FROM a\nFO\x1b[31mO x\n", "Dockerfile:2: unknown instruction 'FO\\x1b[31mO'"},
        {"# escape=`\n# escape=`\nFROM a\n", "Dockerfile:2: the escape directive is given twice"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct dockerfile df;
        struct errbuf e;
        assert_int_equal(parse(&df, cases[i].text, &e), RC_FATAL);
        assert_string_equal(e.msg, cases[i].msg);
        dockerfile_free(&df);
    }
    struct dockerfile df;
    struct errbuf e = {0};
    assert_int_equal(dockerfile_parse(&df, "D", "FROM a\n\0RUN x\n", 14, &e), RC_FATAL);
    assert_string_equal(e.msg, "D:2: a NUL byte: not a text file");
    dockerfile_free(&df);
    /* a continuation at the end of the file ends the instruction; CRLF and a BOM are fine */
    assert_int_equal(parse(&df, "\xef\xbb\xbf" "FROM a\r\nRUN echo \\\r\n", &e), RC_OK);
    assert_int_equal(df.n_ins, 2);
    assert_string_equal(df.ins[1].args, "echo");
    dockerfile_free(&df);
    assert_int_equal(dockerfile_read(&df, "/nonexistent/Dockerfile", &e), RC_FATAL);
    dockerfile_free(&df);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_and_continuations),
        cmocka_unit_test(test_escape_directive),
        cmocka_unit_test(test_heredocs),
        cmocka_unit_test(test_substitution),
        cmocka_unit_test(test_stages_and_args),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
