#!/usr/bin/env bash
# tsc for the TypeScript scope engine's second opinion (tests/languages/test_typescript.py,
# benchmarks/tsc_agreement.py): typescript and @types/node from the npm registry into
# ~/.cache/jumpcoder-lsp/tsc (idempotent). Prints the two variables the tests read:
#   eval "$(bash scripts/setup_tsc.sh)"   # JUMPCODER_TSC, JUMPCODER_TYPEROOTS
set -euo pipefail
dir="${JUMPCODER_TSC_DIR:-$HOME/.cache/jumpcoder-lsp/tsc}"
if [ ! -x "$dir/node_modules/typescript/bin/tsc" ] || [ ! -d "$dir/node_modules/@types/node" ]; then
  mkdir -p "$dir"
  (cd "$dir" && [ -f package.json ] || echo '{"private": true}' > "$dir/package.json")
  npm install --silent --no-audit --no-fund --prefix "$dir" typescript@5.9.3 @types/node@22 >&2
fi
echo "export JUMPCODER_TSC=$dir/node_modules/typescript/bin/tsc"
echo "export JUMPCODER_TYPEROOTS=$dir/node_modules/@types"
