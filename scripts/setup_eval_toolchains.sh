#!/usr/bin/env bash
# Toolchains for `jumpcoder-lsp eval` (benchmarks/eval.py) on Debian/Ubuntu: idempotent.
#   Python: the running interpreter.   C++: g++ (-std=c++17).
#   Java:   javac + java (a JDK) and org.javatuples (libjavatuples-java: /usr/share/java/javatuples.jar),
#           imported by every MultiPL-E Java prompt.
#   C#:     mcs + mono (mono-mcs; System.Numerics via mono's GAC).
#   Go:     go (golang-go: Debian's Go 1.19), the Go judge's second opinion (tests/languages/test_go.py,
#           benchmarks/go_agreement.py); not an evaluation language yet.
#   Sandbox: bubblewrap (bwrap), else unshare + setpriv (util-linux): see jumpcoder_lsp/evaluation/sandbox.py.
# Installs only what is missing; run as root (or with sudo available). Network use: apt only.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have g++ || need+=(g++)
have javac || need+=(default-jdk-headless)
[ -e /usr/share/java/javatuples.jar ] || need+=(libjavatuples-java)
have mcs || need+=(mono-mcs)
have mono || need+=(mono-runtime)
# System.Numerics.dll (the C# prompts use System.Numerics)
if have mono && ! ls /usr/lib/mono/4.5/System.Numerics.dll >/dev/null 2>&1; then need+=(libmono-system-numerics4.0-cil); fi
have go || need+=(golang-go)
have bwrap || need+=(bubblewrap)
{ have unshare && have setpriv; } || need+=(util-linux)

if [ ${#need[@]} -eq 0 ]; then
  echo "eval toolchains: all present"
else
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "eval toolchains: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

g++ --version | head -1
javac -version 2>&1
ls -l /usr/share/java/javatuples.jar
mcs --version
mono --version | head -1
go version
# what the evaluation sandbox can use here (the same probe the harness runs)
if python3 -c "import jumpcoder_lsp" 2>/dev/null; then python3 -m jumpcoder_lsp.evaluation.sandbox; else
  bwrap --version; fi
