"""How far the judges move when they see log-probabilities instead of logits (issue 18).

Remote engines return log-probabilities; the paper's S, and the engine's line uncertainty and scoring
judge, are defined on the raw logit of the actual token. This script scores HumanEval programs
(prompt + canonical solution, shared/datasets/jumpcoder/humaneval.json) with the local llama.cpp runtime,
which returns both, and compares:

* top-k positions: the k most uncertain eligible lines (``engine.positions.top_k_positions``) from
  logits vs from log-probabilities (overlap and exact agreement);
* scoring-judge verdicts: for each body line, the code without it is "before" and the code with it is
  "after" (the line as an infill); ``engine.judge.scoring_judge`` with tau=0.3 on logits vs each tau
  on log-probabilities (how often the verdicts agree).

    OMP_NUM_THREADS=1 python benchmarks/logit_vs_logprob.py --items 20 --threads 1
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jumpcoder_lsp.engine.judge import scoring_judge  # noqa: E402
from jumpcoder_lsp.engine.positions import line_scores, top_k_positions  # noqa: E402
from jumpcoder_lsp.runtime.base import ScoreRequest  # noqa: E402

DATASET = ROOT.parent / "shared" / "datasets" / "jumpcoder" / "humaneval.json"
TAUS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8)


def as_logprob(scored):
    return replace(scored, logits=list(scored.logprobs))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--tau", type=float, default=0.3, help="tau on logits (the preset's Python tau)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dataset", default=str(DATASET))
    args = ap.parse_args()

    from tests.runtime.test_llamacpp_runtime import default_gguf
    from jumpcoder_lsp.runtime.llamacpp_runtime import LlamaCppRuntime

    rt = LlamaCppRuntime(default_gguf(), threads=args.threads, stop_tokens=("<|endoftext|>",))
    items = json.loads(Path(args.dataset).read_text())[: args.items]
    t0 = time.perf_counter()
    same_set = overlap = total_k = prompts = 0
    verdicts = 0
    agree = {tau: 0 for tau in TAUS}
    accepted_logit = 0
    accepted_lp = {tau: 0 for tau in TAUS}
    for item in items:
        code = item["prompt"] + item["output"]
        if not code.endswith("\n"):
            code += "\n"
        lines = code.splitlines(keepends=True)
        start = len(item["prompt"].splitlines())
        s = rt.score([ScoreRequest((), code)])[0]
        by_logit, by_lp = line_scores(lines, s), line_scores(lines, as_logprob(s))
        eligible = {i for i in range(start, len(lines)) if lines[i].strip()}
        a, b = top_k_positions(by_logit, eligible, args.k), top_k_positions(by_lp, eligible, args.k)
        prompts += 1
        same_set += set(a) == set(b)
        overlap += len(set(a) & set(b))
        total_k += min(args.k, len(a))
        for i in sorted(eligible)[:-1]:  # each body line but the last, removed, then "infilled" back
            before_lines = lines[:i] + lines[i + 1:]
            sb = rt.score([ScoreRequest((), "".join(before_lines))])[0]
            v_logit = scoring_judge(line_scores(before_lines, sb), by_logit, i, 1, args.tau).accepted
            verdicts += 1
            accepted_logit += v_logit
            for tau in TAUS:
                v = scoring_judge(line_scores(before_lines, as_logprob(sb)), by_lp, i, 1, tau).accepted
                agree[tau] += v == v_logit
                accepted_lp[tau] += v
    print(f"{prompts} HumanEval programs, k={args.k}, {time.perf_counter() - t0:.0f} s, {rt.description}")
    print(f"top-k positions: same set {same_set}/{prompts}, overlap {overlap}/{total_k} "
          f"({100 * overlap / max(1, total_k):.0f}%)")
    print(f"scoring judge, {verdicts} removed-line infills; logits tau={args.tau}: {accepted_logit} accepted")
    for tau in TAUS:
        print(f"  log-probabilities tau={tau}: {accepted_lp[tau]} accepted, verdict agrees "
              f"{agree[tau]}/{verdicts} ({100 * agree[tau] / max(1, verdicts):.0f}%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
