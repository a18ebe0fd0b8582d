#!/usr/bin/env bash
# End-to-end check of the terminal UI in a real terminal (tmux, 80x25):
# open the demo disk, read the verdict, make a verified backup, open the
# restore plan, quit. Usage: tmux-e2e.sh BINARY
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
sess=actrescue-e2e-$$
trap 'tmux kill-session -t "$sess" 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "tmux e2e: $*" >&2; tmux capture-pane -p -t "$sess" >&2 || true; exit 1; }
pane() { tmux capture-pane -p -t "$sess"; }
# wait_for TEXT: poll the pane for up to 15 s.
wait_for() {
  for _ in $(seq 150); do
    if pane | grep -qF -- "$1"; then return 0; fi
    sleep 0.1
  done
  fail "never saw '$1'"
}
keys() { tmux send-keys -t "$sess" "$@"; }

tmux new-session -d -s "$sess" -x 80 -y 25 "TERM=xterm-256color LANG=C.UTF-8 '$bin' tui --demo --lang en; echo EXITED \$?; sleep 30"
wait_for "READ-ONLY"
wait_for "Windows 11 Pro"
wait_for "Verdict"
keys 6                       # Backup screen
wait_for "Backup"
keys Tab C-u "$work/set" Enter   # destination field, then start
wait_for "Nothing is written to the"  # the confirmation
keys y
wait_for "Verified"
[ -f "$work/set/manifest.json" ] || fail "no manifest.json in $work/set"
"$bin" verify "$work/set" | grep -q '^OK' || fail "the backup does not verify"
keys Escape 7                # Restore plan
wait_for "Restore plan"
keys q
wait_for "Quit"
keys y
wait_for "EXITED 0"
echo "tmux e2e: demo disk → verdict → verified backup → restore plan → quit, at 80x25"
