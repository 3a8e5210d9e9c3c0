"""Benchmark harness: autoregressive vs JumpCoder (Vanilla, Filtered) on HumanEval, MBPP and
MultiPL-E Java / C++ / C#, with sandboxed tests. Also ``jumpcoder-lsp eval``.

    python benchmarks/eval.py --benchmark humaneval --limit 40
    python benchmarks/eval.py --benchmark all --limit 40 --resume
    python benchmarks/eval.py --report-only            # rewrite docs/results.md from benchmarks/results/

The logic lives in :mod:`jumpcoder_lsp.evaluation` (see :mod:`jumpcoder_lsp.evaluation.run` for
the protocol). Compilers: scripts/setup_eval_toolchains.sh.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jumpcoder_lsp.evaluation.run import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
