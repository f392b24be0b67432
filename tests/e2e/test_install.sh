#!/usr/bin/env bash
# make install / uninstall into a DESTDIR, the man page (mandoc-lint clean, its keys == strata --keys,
# every option of --help in it), and the bash, zsh and fish completions (every option of --help in
# each; bash and fish asked for completions the way the shells ask; zsh -n).
source "$(dirname "$0")/common.bash"
require_strata "e2e install"
cd "$ROOT"
BIN=$(basename "$STRATA")
[ "$(dirname "$STRATA")" = "$ROOT" ] || { fail "STRATA must be a binary of this checkout ($STRATA)"; finish "e2e install"; exit 1; }
DEST=$WORKDIR/root
PFX=/opt/strata-test
DOC=$PFX/share/doc/strata
for t in mandoc zsh fish; do command -v $t >/dev/null || fail "$t is not installed (scripts/deps.sh installs it)"; done

# ---- make install, with the binary as built (-o: never rebuilt here, e.g. under make asan)
if make -s -o "$BIN" BIN="$BIN" B="$WORKDIR/b" PREFIX=$PFX DESTDIR="$DEST" install >"$WORKDIR/install.log" 2>&1; then
  pass "make install PREFIX=$PFX DESTDIR=…"
else
  fail "make install: $(tail -n 5 "$WORKDIR/install.log")"
fi
n=0
for f in bin/strata share/man/man1/strata.1 share/bash-completion/completions/strata \
         share/zsh/site-functions/_strata share/fish/vendor_completions.d/strata.fish \
         share/doc/strata/README.md share/doc/strata/LICENSE share/doc/strata/examples/strata.conf; do
  if [ -s "$DEST$PFX/$f" ]; then n=$((n + 1)); else fail "not installed: $PFX/$f"; fi
done
check "installed files" "$n" 8
[ -x "$DEST$PFX/bin/strata" ] && check "installed binary runs" "$("$DEST$PFX/bin/strata" --version)" "$("$STRATA" --version)"
grep -q '^MIT License' LICENSE && grep -q 'the strata authors' LICENSE; check "LICENSE: MIT, the strata authors" $? 0
err=$("$DEST$PFX/bin/strata" --config "$DEST$DOC/examples/strata.conf" --report demo/demo.tar 2>&1 >/dev/null)
check "the example config has no unknown key or bad value" "$err" ""

# ---- the man page
MAN=$DEST$PFX/share/man/man1/strata.1
lint=$(mandoc -Tlint "$MAN" 2>&1 | grep -v 'outdated mandoc.db')
check "mandoc -Tlint strata.1" "$lint" ""
grep -q "$DOC/examples/strata.conf" "$MAN"; check "man page names the installed example ($DOC)" $? 0
mandoc -Tascii "$MAN" | col -bx > "$WORKDIR/man.txt"
for s in NAME SYNOPSIS DESCRIPTION OPTIONS "IMAGE SOURCES" KEYS CONFIGURATION "EXIT STATUS" FILES EXAMPLES; do
  grep -q "^$s\$" "$WORKDIR/man.txt" || fail "man page: no section $s"
done
# keys: the generated mdoc list read back == strata --keys, row for row
awk '/^\.Sh KEYS/ {k = 1} /^\.Sh CONFIGURATION/ {k = 0}
     k && /^\.It Cm / { sub(/^\.It Cm /, ""); gsub(/\\&/, ""); label = $0; getline; sub(/^\\&/, "");
                        gsub(/\\e/, "\\"); printf "| `%s` | %s |\n", label, $0 }' "$MAN" > "$WORKDIR/man-keys"
"$STRATA" --keys | sed 1,2d > "$WORKDIR/keys"
[ -s "$WORKDIR/keys" ] && diff "$WORKDIR/keys" "$WORKDIR/man-keys" >"$WORKDIR/keys.diff"
check "man page KEYS == strata --keys ($(wc -l < "$WORKDIR/keys") keys)" "$(cat "$WORKDIR/keys.diff")" ""
missing=
while IFS= read -r row; do
  help=${row#*\` | }; help=${help% |}
  grep -qF -- "$help" "$WORKDIR/man.txt" || missing+=" [$help]"
done < "$WORKDIR/keys"
check "every key's help text in the rendered man page" "$missing" ""

# ---- options: every long option of --help (strata and strata diff) in the man page and completions
opts=$( { "$STRATA" --help; "$STRATA" diff --help; } | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
[ "$(echo "$opts" | wc -l)" -ge 15 ] || fail "fewer than 15 long options read from --help: $opts"
BASHC=completions/strata.bash ZSHC=completions/_strata FISHC=completions/strata.fish
for o in $opts; do
  grep -qE -- "(^|[^a-z-])$o([^a-z-]|\$)" "$WORKDIR/man.txt" || fail "man page lacks $o"
  grep -qE -- "(^|[^a-z-])$o([^a-z-]|\$)" $BASHC || fail "bash completion lacks $o"
  grep -qE -- "(^|[^a-z-])$o([^a-z-]|\$)" $ZSHC || fail "zsh completion lacks $o"
  grep -qE -- "-l ${o#--}([^a-z-]|\$)" $FISHC || fail "fish completion lacks $o"
done
pass "$(echo $opts | wc -w) long options of --help checked in the man page and three completions"
for w in "--list-ids" "diff"; do grep -qF -- "$w" "$WORKDIR/man.txt" || fail "man page lacks $w"; done
for code in 0 1 2 64; do grep -qE "^ +$code\$|^ +$code " "$WORKDIR/man.txt" || fail "man page: no exit status $code"; done

# ---- --list-ids: every id a real image reports is listed, and each listed id silences its finding
"$STRATA" --list-ids | cut -f1 > "$WORKDIR/ids"
check "--list-ids: no duplicate id" "$(sort "$WORKDIR/ids" | uniq -d)" ""
[ "$(awk -F'\t' 'NF != 2' <("$STRATA" --list-ids) | wc -l)" = 0 ]; check "--list-ids: ID<TAB>what on every line" $? 0
# the same set as the list an unknown --ignore prints (ids_list), which is what ids_known accepts
"$STRATA" --ignore no-such-id demo/demo.tar > /dev/null 2> "$WORKDIR/unknown.err"
sed -n 's/.*(known: \(.*\))$/\1/p' "$WORKDIR/unknown.err" | sed 's/secret rules: //; s/; waste: /, /; s/; hints: /, /; s/; advice: /, /' \
  | tr ',' '\n' | tr -d ' ' | sed '/^$/d' | sort > "$WORKDIR/known"
[ -s "$WORKDIR/known" ] || fail "no list of known ids in: $(head -c 200 "$WORKDIR/unknown.err")"
check "--list-ids == the ids an unknown --ignore lists ($(wc -l < "$WORKDIR/known"))" "$(sort "$WORKDIR/ids" | diff - "$WORKDIR/known")" ""
"$STRATA" --json demo/demo.tar > "$WORKDIR/demo.json"
reported=$(jq -r '.secrets[].rule, .waste.categories[].id' "$WORKDIR/demo.json" | sort -u)
[ -n "$reported" ] || fail "the demo image reports no finding"
for id in $reported; do
  grep -qx -- "$id" "$WORKDIR/ids" || fail "--list-ids lacks $id (reported on the demo image)"
  n=$("$STRATA" --json --ignore "$id" demo/demo.tar | jq --arg id "$id" '[.secrets[].rule, .waste.categories[].id | select(. == $id)] | length')
  [ "$n" = 0 ] || fail "--ignore $id left $n findings"
done
pass "demo's ids ($(echo $reported)) are listed and --ignore silences each"
nsec=$(grep -c '^ *{"[a-z0-9-]*", *SEV_' analysis/secret_rules.c || true)
nlisted=$("$STRATA" --list-ids | grep -c $'\tsecret rule')
[ "$nsec" -gt 0 ] && check "--list-ids lists as many secret rules as analysis/secret_rules.c has rows" "$nlisted" "$nsec"

# ---- bash: source the installed completion, ask the function as bash does
cat > "$WORKDIR/comp.bash" <<'EOS'
source "$1"; PATH=$2:$PATH; cd "$3"
ask() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        COMPREPLY=(); _strata; printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '; echo; }
ask strata --col
ask strata --color ''
ask strata --ignore aws-access
ask strata --ignore ''
ask strata ''
ask strata di
ask strata diff --
ask strata --report ''
ask strata --json = i
ask strata --fail-on-secret c
ask strata --sarif ''
ask strata --no-secret
ask strata dock
EOS
mkdir -p "$WORKDIR/cwd/layout"; : > "$WORKDIR/cwd/image.tar"; : > "$WORKDIR/cwd/image2.tar.zst"
complete -p >/dev/null 2>&1
bash "$WORKDIR/comp.bash" "$DEST$PFX/share/bash-completion/completions/strata" "$DEST$PFX/bin" "$WORKDIR/cwd" > "$WORKDIR/bash.out" 2>&1
mapfile -t got < "$WORKDIR/bash.out"
check "bash: --col"                 "${got[0]-}" "--color "
check "bash: --color ''"            "${got[1]-}" "auto dark off "
check "bash: --ignore aws-access"   "${got[2]-}" "aws-access-key-id "
check "bash: --ignore '' = every id of --list-ids" "$(echo "${got[3]-}" | wc -w)" "$(wc -l < "$WORKDIR/ids")"
check "bash: first word: diff, files and folders" "${got[4]-}" "diff image.tar image2.tar.zst layout "
check "bash: di"                    "${got[5]-}" "diff "
check "bash: diff --: diff's options only" "${got[6]-}" "--color --help --jobs --json --json= --max-metadata --no-content --platform --report --tls-verify= "
check "bash: an image after an option" "${got[7]-}" "image.tar image2.tar.zst layout "
check "bash: --json=FILE"           "${got[8]-}" "image.tar image2.tar.zst "
check "bash: --fail-on-secret c"    "${got[9]-}" "critical "
check "bash: --sarif FILE"          "${got[10]-}" "image.tar image2.tar.zst layout "
check "bash: --no-secret"           "${got[11]-}" "--no-secret-scan "
check "bash: transport names"       "${got[12]-}" "docker-archive: docker-daemon: docker:// "

# ---- zsh and fish
zsh -n "$DEST$PFX/share/zsh/site-functions/_strata"; check "zsh -n _strata" $? 0
fish -n "$DEST$PFX/share/fish/vendor_completions.d/strata.fish"; check "fish -n strata.fish" $? 0
fask() { (cd "$WORKDIR/cwd" && PATH=$DEST$PFX/bin:$PATH fish --no-config -c \
          "source $DEST$PFX/share/fish/vendor_completions.d/strata.fish; complete -C '$1'" | cut -f1 | sort | tr '\n' ' '); }
check "fish: --ignore aws-access" "$(fask 'strata --ignore aws-access')" "aws-access-key-id "
check "fish: --ignore '' = every id" "$(fask 'strata --ignore ' | wc -w)" "$(wc -l < "$WORKDIR/ids")"
check "fish: diff --: diff's options only" "$(fask 'strata diff --')" "--color --help --jobs --json --max-metadata --no-content --platform --report --tls-verify "
check "fish: first word" "$(fask 'strata ')" "diff image.tar image2.tar.zst layout/ "

# ---- uninstall leaves nothing but empty folders
make -s -o "$BIN" BIN="$BIN" B="$WORKDIR/b" PREFIX=$PFX DESTDIR="$DEST" uninstall >"$WORKDIR/uninstall.log" 2>&1
check "make uninstall" $? 0
check "nothing left after uninstall" "$(find "$DEST" -type f | sed "s|$DEST||")" ""
finish "e2e install"
