#!/usr/bin/env bash
# check-layers.sh: two structural rules `make lint` enforces (issue 9, item 5), on the code with
# its comments and string literals removed first, so a comment can neither trip nor hide them.
# tests/e2e/test_lint.sh checks this script.
#
#   1. No include cycle between modules inside analysis/. A module is a header and the .c files
#      it declares: a.c and a.h are module a, a_int.h belongs to a, and a .c without a header of
#      its own belongs to the module of its first analysis/ include (the house rule puts its own
#      header first). A cycle is module a including b and b including a, transitively. Allowed,
#      because they sit apart by design: the orchestration (analysis.c wires every analysis), the
#      content sink (content.c feeds them all), and helpers that only serve (ids, mask, jsonout,
#      md5, path_filter). Their own includes are not edges.
#   2. No growable array written by hand: no realloc call in src/, analysis/ or ui/ except in
#      src/util.c, whose util_grow (ARR_GROW, ARR_GROW0, ARR_RESERVE) is the one place arrays
#      and string buffers grow. xreallocarray(NULL, n, size) is a plain allocation and allowed.
#
#   bash scripts/check-layers.sh        # from the top of the tree; exit 1 and the reasons if not
set -u
cd "$(dirname "$0")/.." || exit 1
fail=0

# The files given, each line as "FILE:N:text" with comments removed and every string or character
# literal emptied (a comment or a string can neither trip nor hide a check), but the name of an
# #include "..." kept. One awk for all.
STRIP='
    FNR == 1 { blk = 0 }
    !blk && /^[ \t]*#[ \t]*include[ \t]*"[^"]*"[ \t]*(\/[\/*].*)?$/ {   # its name kept
        sub(/"[ \t]*\/[\/*].*$/, "\""); print FILENAME ":" FNR ":" $0; next
    }
    {
        s = $0; out = ""; n = length(s)
        for (i = 1; i <= n; i++) {
            c = substr(s, i, 1); d = substr(s, i, 2)
            if (blk) { if (d == "*/") { blk = 0; i++; out = out " " } continue }
            if (d == "/*") { blk = 1; i++; continue }
            if (d == "//") break
            if (c == "\"" || c == "\047") {
                for (i++; i <= n && substr(s, i, 1) != c; i++)
                    if (substr(s, i, 1) == "\\") i++
                out = out (c == "\"" ? "\"\"" : "0"); continue
            }
            out = out c
        }
        print FILENAME ":" FNR ":" out
    }'
stripped() { awk "$STRIP" "$@"; }

# ---- 1. include cycles inside analysis/
EXEMPT=" analysis.c content.c mask.c ids.c ids.h jsonout.c jsonout.h md5.c md5.h path_filter.c path_filter.h "
edges=$(
    stripped analysis/*.c analysis/*.h |
    sed -n 's/^analysis\/\([^:]*\):[0-9]*:[[:space:]]*#[[:space:]]*include[[:space:]]*"analysis\/\([a-z0-9_]*\)\.h".*/\1 \2/p' |
    while read -r b inc; do
        case "$EXEMPT" in *" $b "*) continue ;; esac
        printf '%s %s\n' "$b" "${inc%_int}"
    done |
    awk -v hdrs="$(cd analysis && ls *.h | tr '\n' ' ')" '
        BEGIN { split(hdrs, h, " "); for (i in h) have[h[i]] = 1 }
        {   # a .c without its own header joins the module of its first include
            stem = $1; sub(/\.[ch]$/, "", stem); sub(/_int$/, "", stem)
            if ($1 ~ /\.c$/ && !((stem ".h") in have)) {
                if (!($1 in first)) first[$1] = $2
                stem = first[$1]
            }
            if ($2 != stem) print stem, $2, "analysis/" $1
        }'
)
[ -n "${SHOW_EDGES:-}" ] && printf "%s\n" "$edges"
cycles=$(printf '%s\n' "$edges" | awk 'NF == 3 {
        id[$1]; id[$2]; r[$1, $2] = 1
        if (!(($1, $2) in via)) via[$1, $2] = $3
    }
    END {
        n = 0; for (m in id) name[n++] = m
        for (k = 0; k < n; k++) for (i = 0; i < n; i++) if (r[name[i], name[k]])
            for (j = 0; j < n; j++) if (r[name[k], name[j]]) r[name[i], name[j]] = 1
        for (i = 0; i < n; i++) for (j = 0; j < n; j++) {
            a = name[i]; b = name[j]
            if (a < b && r[a, b] && r[b, a]) {
                p1 = (a, b) in via ? via[a, b] " includes analysis/" b ".h" : a " reaches " b " through others"
                p2 = (b, a) in via ? via[b, a] " includes analysis/" a ".h" : b " reaches " a " through others"
                print "cycle: " a " and " b " include each other (" p1 "; " p2 ")"
            }
        }
    }' | sort)
if [ -n "$cycles" ]; then
    printf 'analysis/ include %s\n' "$cycles" | sed '2,$s/^/analysis\/ include /'
    echo "  move the piece both need into a lower header (see scripts/check-layers.sh)"
    fail=1
fi

# ---- 2. growable arrays written by hand
bad=$(stripped src/*.[ch] analysis/*.[ch] ui/*.[ch] |
    grep -vE '^src/util\.[ch]:' |
    grep -E '(^|[^A-Za-z0-9_])(x?realloc|x?reallocarray)[[:space:]]*\(' |
    grep -vE '(^|[^A-Za-z0-9_])xreallocarray[[:space:]]*\([[:space:]]*NULL[[:space:]]*,')
if [ -n "$bad" ]; then
    printf '%s\n' "$bad"
    echo "  a growable array or buffer written by hand: grow it with ARR_GROW (src/util.h)"
    fail=1
fi
exit $fail
