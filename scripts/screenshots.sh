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

# advice.png: the base/yours split and a Dockerfile-line fix, on the single-stage ML service that
# tests/e2e/advice/build.sh builds (not committed: 580 MB), read with its own Dockerfile. Skipped,
# with a note, when that image is not there.
ADVICE_IMAGE=${ADVICE_IMAGE:-/var/tmp/strata-advice/ml-single.docker.tar}
if [ -s "$ADVICE_IMAGE" ] && command -v tmux > /dev/null; then
  S=strata-shot-advice
  tmux kill-session -t "$S" 2> /dev/null || true
  tmux new-session -d -s "$S" -x 120 -y 40 -c "$ROOT" "env LC_ALL=C.UTF-8 TERM=screen-256color '$STRATA' \
    --dockerfile tests/e2e/advice/ml-single/Dockerfile '$ADVICE_IMAGE'; sleep 60"
  seen() { tmux capture-pane -p -t "$S" | grep -q -- "$1"; }
  for _ in $(seq 600); do seen 'yours ' && seen 'waste)' && break; sleep 0.2; done
  tmux send-keys -t "$S" Tab
  # down the findings to the model weights that COPY . . brought in: its fix cites the line
  for _ in $(seq 30); do seen 'model weights: ' && break; tmux send-keys -t "$S" j; sleep 0.3; done
  for _ in $(seq 50); do seen 'Dockerfile:[0-9]' && break; sleep 0.2; done
  if seen 'Dockerfile:[0-9]'; then
    tmux capture-pane -p -e -t "$S" > "$WORK/advice.ans"
    "$PY" "$ROOT/scripts/ansi2png.py" "$WORK/advice.ans" "$OUT/advice.png" 120 40
    echo "screenshots/advice.png"
  else
    echo "screenshots.sh: advice.png not made: no Dockerfile line on screen" >&2
  fi
  tmux kill-session -t "$S" 2> /dev/null || true
else
  echo "screenshots.sh: advice.png not remade: $ADVICE_IMAGE missing (bash tests/e2e/advice/build.sh /var/tmp/strata-advice)" >&2
fi
