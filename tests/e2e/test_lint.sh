#!/usr/bin/env bash
# test_lint.sh: scripts/check-layers.sh (run by `make lint`) on small trees made here: it must
# pass the real tree, fail an include cycle inside analysis/ and a realloc by hand, and neither
# be tripped nor fooled by comments and strings.
#
#   bash tests/e2e/test_lint.sh
source "$(dirname "$0")/common.bash"

# tree NAME: a minimal copy of the layout the checker reads, in $WORKDIR/NAME
tree() {
  local d=$WORKDIR/$1
  mkdir -p "$d/scripts" "$d/src" "$d/analysis" "$d/ui"
  cp "$ROOT/scripts/check-layers.sh" "$d/scripts/"
  printf '#include "src/util.h"\nvoid *util_grow(void *p, size_t *c, size_t n, size_t k, size_t s)\n{ return realloc(p, n + k); }\n' > "$d/src/util.c"
  printf '#include "analysis/a.h"\nint a(void) { return 1; }\n' > "$d/analysis/a.c"
  printf 'int a(void);\n' > "$d/analysis/a.h"
  printf '#include "analysis/b.h"\n#include "analysis/a.h"\nint b(void) { return a(); }\n' > "$d/analysis/b.c"
  printf 'int b(void);\n' > "$d/analysis/b.h"
  printf '#include "src/util.h"\nvoid f(int **v, size_t n, size_t *cap) { ARR_GROW(*v, *cap, n, 1); }\n' > "$d/ui/u.c"
  echo "$d"
}

# lint DIR: the checker's exit status, its output in DIR.out
lint() { bash "$1/scripts/check-layers.sh" > "$1.out" 2>&1; echo $?; }

check "the real tree passes" "$(bash "$ROOT/scripts/check-layers.sh" >/dev/null 2>&1; echo $?)" 0

d=$(tree clean)
check "a tree without cycle nor realloc passes" "$(lint "$d")" 0

# a.c -> b.h and b.c -> a.h: a cycle, named with the files that make it
d=$(tree cycle)
printf '#include "analysis/a.h"\n#include "analysis/b.h"\nint a(void) { return 1; }\n' > "$d/analysis/a.c"
check "a.c including b.h while b.c includes a.h fails" "$(lint "$d")" 1
grep -q 'cycle: a and b include each other (analysis/a.c includes analysis/b.h; analysis/b.c includes analysis/a.h)' "$d.out" &&
  pass "the cycle is named with both includes" || fail "cycle message: $(cat "$d.out")"

# transitively, through a header-less .c joining its first include's module, a -> c -> b -> a
d=$(tree transitive)
printf '#include "analysis/c.h"\nint a(void) { return 1; }\n' >> "$d/analysis/a.c"
printf 'int c(void);\n' > "$d/analysis/c.h"
printf '#include "analysis/c.h"\n#include "analysis/b.h"\nint c(void) { return b(); }\n' > "$d/analysis/c_impl.c"
check "a cycle through three modules fails" "$(lint "$d")" 1

# the orchestration (analysis.c) includes everything: no cycle
d=$(tree orchestration)
printf 'int run(void);\n' > "$d/analysis/analysis.h"
printf '#include "analysis/analysis.h"\n#include "analysis/a.h"\nint run(void) { return a(); }\n' > "$d/analysis/analysis.c"
printf '#include "analysis/a.h"\n#include "analysis/analysis.h"\nint a(void) { return 1; }\n' > "$d/analysis/a.c"
check "analysis.c including a module that includes analysis.h passes" "$(lint "$d")" 0

# an include inside a comment is no edge
d=$(tree comment-include)
printf '#include "analysis/a.h"\n/* #include "analysis/b.h"\n */\n// #include "analysis/b.h"\nint a(void) { return 1; }\n' > "$d/analysis/a.c"
check "an include in a comment is not a cycle" "$(lint "$d")" 0

# growth by hand, in each folder, and the forms that are not
for f in src/x.c analysis/x.c ui/x.c; do
  d=$(tree "realloc-${f%%/*}")
  printf 'void g(char **p, size_t n)\n{\n    *p = xrealloc(*p, n * 2);\n}\n' > "$d/$f"
  check "xrealloc in $f fails" "$(lint "$d")" 1
  grep -q "^$f:3:" "$d.out" && pass "the $f line is named" || fail "realloc message: $(cat "$d.out")"
done
d=$(tree reallocarray)
printf 'void g(int **p, size_t *cap)\n{\n    *p = xreallocarray (*p, *cap *= 2, sizeof **p);\n}\n' > "$d/ui/x.c"
check "xreallocarray by hand fails" "$(lint "$d")" 1
d=$(tree raw-realloc)
printf 'void g(int **p, size_t n) { int *q = realloc(*p, n); if (q) *p = q; }\n' > "$d/analysis/x.c"
check "a raw realloc fails" "$(lint "$d")" 1
d=$(tree comments)
printf '/* grows by realloc(p, n) when\n   xrealloc(p, n) would */ int x; // xreallocarray(p, 1, 2)\nconst char *s = "realloc(p, 1)";\nint *v = xreallocarray(NULL, 4, sizeof *v);\n' > "$d/src/x.c"
check "realloc in comments and strings, xreallocarray(NULL, ...) pass" "$(lint "$d")" 0
d=$(tree hidden)
printf '/* a comment */ char *g(char *p) { return xrealloc(p, 9); } /* xreallocarray(NULL, 1, 1) */\n' > "$d/src/x.c"
check "a realloc between comments is still found" "$(lint "$d")" 1

finish "e2e lint"
