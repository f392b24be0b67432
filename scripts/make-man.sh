#!/usr/bin/env bash
# make-man.sh STRATA IN OUT DOCDIR: the installed man page from man/strata.1.in.
#
# The KEYS section is generated from `STRATA --keys` (the Markdown table that README.md also
# carries, made from ui/actions.h's X-macro), so the man page cannot disagree with the bindings;
# @DOCDIR@ becomes the documentation folder of the install. Every key label and help text is
# passed through \& so mdoc never reads a key such as "[" or "." as a delimiter or a request.
set -euo pipefail
BIN=$1 IN=$2 OUT=$3 DOCDIR=$4
keys=$("$BIN" --keys)
[ -n "$keys" ] || { echo "make-man.sh: $BIN --keys printed nothing" >&2; exit 1; }
mdoc=$(printf '%s\n' "$keys" | awk -F' [|] ' '
  BEGIN { print ".Bl -tag -width \"Enter Space\" -compact" }
  NR <= 2 { next }                               # the Markdown header and its rule
  {
    label = $1; help = $2
    sub(/^[|] /, "", label); sub(/ [|]$/, "", help)
    gsub(/`/, "", label)
    gsub(/\\/, "\\e", label); gsub(/\\/, "\\e", help)
    n = split(label, k, " "); line = ".It Cm"
    for (i = 1; i <= n; i++) line = line " \\&" k[i]
    print line
    print "\\&" help
  }
  END { print ".El" }')
mkdir -p "$(dirname "$OUT")"
tmp=$OUT.tmp
awk -v keys="$mdoc" -v docdir="$DOCDIR" '
  $0 == "@KEYS@" { print keys; next }
  { gsub(/@DOCDIR@/, docdir); print }' "$IN" > "$tmp"
mv "$tmp" "$OUT"
