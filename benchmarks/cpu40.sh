#!/usr/bin/env bash
# The published CPU evaluation (docs/results.md): the default preset (Qwen2.5-Coder-0.5B, one model
# for generation and infilling) on the first 40 problems of HumanEval, MBPP and MultiPL-E
# Java/C++/C#, autoregressive vs JumpCoder (Vanilla) vs JumpCoder (Filtered).
#
# Two evaluations run side by side with one thread each (torch on this CPU: JumpCoder on HumanEval/3
# took 7.4 s with 1 thread and 4.1 s with 2, `python benchmarks/eval.py --benchmark humaneval --offset 3
# --limit 1 --methods autoregressive,jumpcoder --runtime torch --threads N --out /tmp/t --results-md ''`,
# so two 1-thread processes do a little more work per second than one 2-thread process, and a slow
# problem holds up only half of the work); each appends its rows to
# benchmarks/results/<benchmark>.torch.jsonl and --resume skips finished rows, so an interrupted
# run continues where it stopped. About 1.5 h on a 2-core avx512_bf16 CPU.
#
#   benchmarks/cpu40.sh                 # LIMIT=40 RUNTIME=torch MAX_LINES=32 by default
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
LIMIT=${LIMIT:-40}
RUNTIME=${RUNTIME:-torch}
MAX_LINES=${MAX_LINES:-32}
TAG=${TAG:-$RUNTIME}
common=(--limit "$LIMIT" --runtime "$RUNTIME" --threads 1 --max-lines "$MAX_LINES" --tag "$TAG" --resume --results-md '')
"$PY" benchmarks/eval.py --benchmark humaneval,cpp "${common[@]}" &
first=$!
{ "$PY" benchmarks/eval.py --benchmark mbpp,java "${common[@]}" &&
  "$PY" benchmarks/eval.py --benchmark csharp "${common[@]}"; } &
second=$!
status=0
wait "$first" || status=$?
wait "$second" || status=$?
"$PY" benchmarks/eval.py --report-only --out benchmarks/results
exit "$status"
