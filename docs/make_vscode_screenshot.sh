#!/usr/bin/env bash
# Make docs/vscode.png: a real VS Code (code-server) with the JumpCoder extension, showing an inline
# suggestion (the continuation as ghost text) and the preview of the lines it inserts above the
# cursor (an import and a helper), against the real server on the scripted demo model.
# It is the screenshot the VS Code test's "inline" scenario takes just before it presses Escape.
#
#   scripts/setup_vscode_test.sh    # once: code-server, node 24, chromium, playwright-core, npm ci
#   docs/make_vscode_screenshot.sh
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mktemp -d /tmp/jumpcoder-vscode-shot-XXXXXX)
SCENARIOS=inline SHOT="$REPO/docs/vscode.png" bash "$REPO/tests/editors/vscode/run.sh" "$OUT"
echo "wrote $REPO/docs/vscode.png"
