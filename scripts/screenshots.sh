#!/usr/bin/env bash
# screenshots.sh: the PNGs of screenshots/ (the README shows them), from the golden-screen runs.
#   make screenshots          (or: STRATA=./strata bash scripts/screenshots.sh)
# Runs tests/tui/test_golden.sh (the demo image and its rewrite, in tmux at a fixed size) with
# UPDATE_GOLDEN=1, so tests/tui/golden/*.txt and the pictures come from the same screens, keeps
# each scene's screen with its colours (tmux capture-pane -e) and draws the scenes named in SCENES
# as screenshots/NAME.png with scripts/ansi2png.py (python3-pil, fonts-dejavu-core: both installed
# by scripts/deps.sh). The PNGs are deterministic: the same screens give the same bytes, so `git
# status` after `make screenshots` shows only the screens that changed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STRATA=${STRATA:-$ROOT/strata}
OUT=${OUT:-$ROOT/screenshots}
SCENES=${SCENES:-overview findings finding-jump secret-viewer layer-changes help search filter monochrome overview-80x24 too-small diff diff-search diff-filter}
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
"$PY" -c 'import PIL' 2>/dev/null || { echo "screenshots.sh: python3-pil missing (bash scripts/deps.sh)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-shots.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

STRATA=$STRATA SHOTS=$WORK UPDATE_GOLDEN=${UPDATE_GOLDEN:-1} bash "$ROOT/tests/tui/test_golden.sh"
for name in $SCENES; do
  [ -s "$WORK/$name.ans" ] || { echo "screenshots.sh: no screen for scene $name" >&2; exit 1; }
  size=$(sed -n "s/^# size $name \([0-9]*\) \([0-9]*\)$/\1 \2/p" "$WORK/sizes")
  # shellcheck disable=SC2086
  "$PY" "$ROOT/scripts/ansi2png.py" "$WORK/$name.ans" "$OUT/$name.png" $size
  echo "screenshots/$name.png"
done
