# tmux.bash: what the tmux tests (test_tmux.sh, test_live.sh, test_extract.sh) share, sourced
# after SOCK (the tmux server's socket name) and TIMEOUT (seconds a wait may take) are set.
# Every wait polls capture-pane until the screen says so: no bare sleeps.

t() { tmux -L "$SOCK" "$@"; }
# A session that lives as long as the test: killing the last session makes the server exit, and
# a new-session racing that exit fails (seen under ASan on a loaded machine).
t new-session -d -s keepalive -x 20 -y 5 "sleep 100000"
screen() { t capture-pane -p -t "$1" 2>/dev/null; }

# tmux_poll SESSION GREP-ARGS...: polls the pane until grep (with -q) finds what it is given
tmux_poll() {
  local s=$1 end=$((SECONDS + TIMEOUT))
  shift
  while [ $SECONDS -lt $end ]; do
    if screen "$s" | grep -q "$@"; then return 0; fi
    read -r -t 0.05 <> <(:) 2>/dev/null || true
  done
  return 1
}
# tmux_poll_gone SESSION GREP-ARGS...: polls until grep no longer finds it
tmux_poll_gone() {
  local s=$1 end=$((SECONDS + TIMEOUT))
  shift
  while [ $SECONDS -lt $end ]; do
    if ! screen "$s" | grep -q "$@"; then return 0; fi
    read -r -t 0.05 <> <(:) 2>/dev/null || true
  done
  return 1
}
# wait_for / wait_gone SESSION TEXT (a fixed string); wait_re / wait_gone_re SESSION REGEX (extended)
wait_for() { tmux_poll "$1" -F -- "$2"; }
wait_gone() { tmux_poll_gone "$1" -F -- "$2"; }
wait_re() { tmux_poll "$1" -E -- "$2"; }
wait_gone_re() { tmux_poll_gone "$1" -E -- "$2"; }
# wait_for_quick SESSION TEXT: wait_for with a short limit, for loops that step until TEXT shows
wait_for_quick() { TIMEOUT=2 wait_for "$@"; }

expect() {   # expect SESSION TEXT WHAT
  if wait_for "$1" "$2"; then pass "$3"; else fail "$3: '$2' never showed"; screen "$1" | sed 's/^/    | /'; fi
}
# analysed SESSION WHAT: the view has swapped from the loading one to the analysed image (its
# findings title has counts). Keys sent while loading act on the loading view, and what the
# findings pane holds then is not carried over: a test of the findings waits for this first.
analysed() {
  if wait_re "$1" 'Findings \([0-9]+ secrets'; then pass "$2"; else fail "$2: never analysed"; screen "$1" | sed 's/^/    | /'; fi
}
