#!/usr/bin/env bash
# The JumpCoder VS Code extension in a real VS Code: build the .vsix from editors/vscode, install it
# into a private code-server (VS Code 1.139.1 for the browser), start code-server on a free loopback
# port, and run tests/editors/vscode/e2e.js once per scenario against the real jumpcoder-lsp server
# on the scripted demo model.
#
#   tests/editors/vscode/run.sh [OUT]          (OUT: screenshots, logs, NAME.json; default a temp dir)
#
# Needs scripts/setup_vscode_test.sh to have run. Environment:
#   SCENARIOS   default "inline insert-only function cancel error java cpp java-off"
#   SHOT        save the inline scenario's suggestion screenshot here too (docs/make_vscode_screenshot.sh)
#   PYTHON      the Python that runs the server (default: python3); the checkout is put on PYTHONPATH
#   JUMPCODER_VSCODE_TEST_DIR   where setup put code-server, node 24, playwright-core
#   NO_BUILD=1  use editors/vscode/dist/jumpcoder.vsix as it is
# Exit 0 only if every scenario passed; exit 3 when a tool is missing (the message says which).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../../.." && pwd)
HERE="$REPO/tests/editors/vscode"
DIR="${JUMPCODER_VSCODE_TEST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jumpcoder-lsp/vscode}"
OUT="${1:-$(mktemp -d /tmp/jumpcoder-vscode-XXXXXX)}"
SCENARIOS="${SCENARIOS:-inline insert-only function cancel error java cpp java-off}"
PY="${PYTHON:-python3}"
CHROME="${CHROME:-/usr/lib/chromium/chromium}"
N24="$DIR/n24/bin"
CS="$DIR/code-server/node_modules/.bin/code-server"
PW="$DIR/tools/node_modules/playwright-core"
EXT="$REPO/editors/vscode"
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
now() { date +%s.%N; }
lap() { awk -v a="$1" -v b="$(now)" -v n="$2" 'BEGIN{printf "[vscode-test] %-34s %6.1f s\n", n, b-a}'; }

missing() { echo "MISSING: $*  (run scripts/setup_vscode_test.sh)"; exit 3; }
command -v node >/dev/null || missing "node (for esbuild, vsce and playwright)"
[ -x "$N24/node" ] || missing "node 24 at $N24/node"
[ -x "$CS" ] || missing "code-server at $CS"
[ -f "$PW/package.json" ] || missing "playwright-core at $PW"
[ -x "$CHROME" ] || missing "chromium at $CHROME (apt-get install chromium)"
[ -d "$EXT/node_modules/vscode-languageclient" ] || missing "editors/vscode/node_modules (npm ci in editors/vscode)"
"$PY" -c 'import pygls, lsprotocol' 2>/dev/null || missing "pygls/lsprotocol for $PY"
PY=$("$PY" -c 'import sys; print(sys.executable)')

# private state for code-server and chromium: nothing goes to $HOME
ROOT="$OUT/vscode"
rm -rf "$ROOT"; mkdir -p "$ROOT"/{data/User,exts,ws,home/config,home/data,home/cache}
export XDG_CONFIG_HOME=$ROOT/home/config XDG_DATA_HOME=$ROOT/home/data XDG_CACHE_HOME=$ROOT/home/cache

# 1. build + package ---------------------------------------------------------------------------
T=$(now)
if [ -z "${NO_BUILD:-}" ]; then
  ( cd "$EXT" && nice -n 10 npm run -s package >"$OUT/package.log" 2>&1 ) || { cat "$OUT/package.log"; exit 1; }
fi
VSIX="$EXT/dist/jumpcoder.vsix"
[ -f "$VSIX" ] || { echo "no $VSIX"; exit 1; }
lap "$T" "typecheck + esbuild + vsce package"

# 2. install into code-server --------------------------------------------------------------------
cat > "$ROOT/data/User/settings.json" <<EOF
{
  "telemetry.telemetryLevel": "off",
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "security.workspace.trust.enabled": false,
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "update.mode": "none",
  "editor.inlineSuggest.enabled": true,
  "editor.minimap.enabled": false,
  "files.autoSave": "off",
  "files.hotExit": "off",
  "chat.disableAIFeatures": true,
  "chat.commandCenter.enabled": false,
  "workbench.colorTheme": "Default Dark Modern",
  "jumpcoder.model": "scripted:jumpcoder_lsp.server.scripted:demo",
  "jumpcoder.enableDiagnostics": false
}
EOF
# How to start the server is a machine-scoped setting (a workspace cannot set it): in a remote window
# (code-server is one) VS Code takes it from the remote machine's settings. The checkout goes on
# PYTHONPATH (not needed where jumpcoder-lsp is pip-installed); JUMPCODER_LSP_ALLOW_SCRIPTED=1 lets
# the settings name the scripted test models.
mkdir -p "$ROOT/data/Machine"
cat > "$ROOT/data/Machine/settings.json" <<EOF
{
  "jumpcoder.server.pythonPath": "$PY",
  "jumpcoder.server.env": { "PYTHONPATH": "$REPO", "JUMPCODER_LSP_ALLOW_SCRIPTED": "1" }
}
EOF
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$PORT" > "$ROOT/cs-config.yaml"
CS_ARGS=(--config "$ROOT/cs-config.yaml" --user-data-dir "$ROOT/data" --extensions-dir "$ROOT/exts")
T=$(now)
PATH="$N24:$PATH" "$CS" "${CS_ARGS[@]}" --install-extension "$VSIX" --force >"$OUT/install.log" 2>&1 || { cat "$OUT/install.log"; exit 1; }
PATH="$N24:$PATH" "$CS" "${CS_ARGS[@]}" --list-extensions --show-versions | grep -q '^jumpcoder.jumpcoder@' \
  || { echo "the extension is not installed"; cat "$OUT/install.log"; exit 1; }
lap "$T" "code-server --install-extension"

# 3. code-server ---------------------------------------------------------------------------------
T=$(now)
JUMPCODER_LSP_MODEL= PATH="$N24:$PATH" nohup "$CS" "${CS_ARGS[@]}" --bind-addr "127.0.0.1:$PORT" --auth none \
  --disable-telemetry --disable-update-check --disable-workspace-trust --reconnection-grace-time 5 \
  >"$OUT/code-server.log" 2>&1 &
CS_PID=$!
descendants() { local c; for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$c"; descendants "$c"; done; }
stop_cs() {   # code-server and what it started (server, extension hosts -> language servers), by PID
  local kids; kids=$(descendants "$CS_PID")
  kill "$CS_PID" 2>/dev/null || true; wait "$CS_PID" 2>/dev/null || true
  for _ in $(seq 1 50); do
    local alive=""; for p in $kids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && return 0; sleep 0.1
  done
  kill $alive 2>/dev/null || true
}
trap stop_cs EXIT
for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" || { cat "$OUT/code-server.log"; exit 1; }
lap "$T" "code-server start (port $PORT)"

# 4. scenarios -----------------------------------------------------------------------------------
RC=0
for s in $SCENARIOS; do
  T=$(now)
  set +e
  NODE_PATH="$DIR/tools/node_modules" CS_URL="http://127.0.0.1:$PORT" WS_ROOT="$ROOT/ws" OUT_DIR="$OUT" \
    SCENARIO="$s" CHROME="$CHROME" timeout 240 node "$HERE/e2e.js" 2>&1 | tee "$OUT/$s.log"
  r=${PIPESTATUS[0]}
  set -e
  lap "$T" "scenario $s (rc=$r)"
  if [ "$r" != 0 ]; then
    RC=1
    echo "---- JumpCoder output channel (client + server log) ----"
    find "$ROOT/data/logs" -name '*JumpCoder*' -exec tail -n 60 {} \; 2>/dev/null || true
  fi
done
echo "[vscode-test] results in $OUT"
[ "$RC" = 0 ] && echo "[vscode-test] ALL PASS ($SCENARIOS)" || echo "[vscode-test] FAILED"
exit $RC
