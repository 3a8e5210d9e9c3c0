"""The byte-identical check of a redesign step (issue 13): the engine's full output on the committed
evaluation prompts, one hash per prompt, to compare two checkouts.

The prompts are the problems of the committed evaluation rows (benchmarks/results/<bench>.torch.jsonl:
HumanEval, MBPP, Java, C++ and C#, 40 each, 200 in all), built as the evaluation builds them
(jumpcoder_lsp.evaluation.datasets.load_benchmark, the cursor at the end of the prompt, the
engine settings of jumpcoder_lsp.evaluation.run.engine_config: the default preset's k and tau for the
language). Each prompt runs through ``complete`` with the autoregressive, JumpCoder and Filtered
methods, and its hash covers every field of the three Completions but the timings: the code, the
continuation, the insertions, the stop reason and every step with its candidates (position, lines,
rejection, judge, value).

The default model is scripted and deterministic (no weights, no randomness): the generation model
writes the committed JumpCoder row's completion line by line, the infilling model answers each FIM
hole with one of the committed infills of that problem (or nothing) chosen by a CRC of the hole, and
S of each token is a CRC of the token and the text before it. ``--real N`` runs the first N prompts
of each benchmark on the default model instead (the default runtime: llama.cpp here, ``--threads``).

    python benchmarks/identical.py --out /tmp/id-branch.json           # in each checkout
    python benchmarks/identical.py --compare /tmp/id-main.json /tmp/id-branch.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results"
BENCHES = ("humaneval", "mbpp", "java", "cpp", "csharp")
METHODS = ("autoregressive", "jumpcoder", "filtered")


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def committed_problems(limit=None):
    """(problem, its committed rows by method) for every problem of the committed torch rows."""
    from jumpcoder_lsp.evaluation.datasets import load_benchmark

    out = []
    for bench in BENCHES:
        rows = [json.loads(line) for line in (RESULTS / f"{bench}.torch.jsonl").read_text(encoding="utf-8").split("\n")
                if line.strip()]
        by_task: dict[str, dict] = {}
        for r in rows:
            by_task.setdefault(r["task_id"], {})[r["method"]] = r
        problems = [p for p in load_benchmark(bench) if p.task_id in by_task]
        out.extend((p, by_task[p.task_id]) for p in problems[:limit])
    return out


def scripted_models(problem, rows):
    """A deterministic scripted model pair for one problem (see the module docstring)."""
    from jumpcoder_lsp.engine import ModelPair
    from jumpcoder_lsp.runtime.fim import get_dialect
    from jumpcoder_lsp.runtime.scripted import ScriptedRuntime

    fim = get_dialect("qwen")
    eos = "<|endoftext|>"
    jc = rows.get("jumpcoder") or rows.get("autoregressive")
    written = jc["raw_code"][len(problem.prompt):] if jc["raw_code"].startswith(problem.prompt) else jc["raw_code"]
    program = written.splitlines(keepends=True)
    pool = sorted({j["text"] for r in rows.values() for j in r.get("jumps", []) if j.get("text")})
    pool += ["    pass\n", "import math\n", "int x = 0;\n"]

    def continue_fn(prompt: str) -> str:
        if prompt.startswith(fim.prefix) and fim.middle in prompt:
            body = prompt[len(fim.prefix):]
            prefix, rest = body.split(fim.suffix, 1)
            suffix, middle = rest.split(fim.middle, 1)
            pick = _crc(prefix[-200:] + "\0" + suffix[:200]) % (len(pool) + 2)
            answer = (pool[pick] if pick < len(pool) else "") + eos
            return answer[len(middle):] if answer.startswith(middle) else eos
        done = prompt.splitlines(keepends=True)
        partial = "" if prompt.endswith("\n") or not done else done.pop()
        have = set(done)
        for line in program:
            if line not in have:
                if partial:
                    return line[len(partial):] if line.startswith(partial) else eos
                return line
        return eos

    def logit(context: str, target: str, start: int, tok: str) -> float:
        return (_crc((context + target[:start])[-60:] + "\0" + tok) % 600) / 100.0 - 4.0

    rt = ScriptedRuntime(continue_fn, logit, eos=eos)
    return ModelPair(rt, rt, fim, "scripted")


def _num(x):
    if x is None:
        return None
    x = float(x)
    return repr(x) if not math.isfinite(x) else round(x, 9)


def fingerprint(result) -> dict:
    """Every field of a Completion but its timings, as plain JSON."""
    return {
        "code": result.code, "continuation": result.continuation, "method": result.method,
        "continuation_start": result.continuation_start, "stop_reason": result.stop_reason,
        "insertions": [[i.before_line, i.text] for i in result.insertions],
        "steps": [{"kind": s.kind, "line": s.line, "text": s.text, "judge": s.judge, "value": _num(s.value),
                   "removed": list(s.removed),
                   "candidates": [{"position": c.position, "lines": list(c.lines), "hit": c.speculative_hit,
                                   "rejected": c.rejected, "judge": c.judge, "value": _num(c.value),
                                   "keep_until": c.keep_until} for c in s.candidates]}
                  for s in result.steps],
    }


#: what the user gets of a Completion (the second hash, "outputs"): a change of the engine's
#: candidate records alone (a filter that now rejects an infill the judge rejected before) keeps it
USER_FIELDS = ("code", "continuation", "continuation_start", "insertions", "stop_reason")


def run(args) -> dict:
    from jumpcoder_lsp.engine import complete
    from jumpcoder_lsp.evaluation.run import cursor_at_end
    from jumpcoder_lsp.languages import get_language
    from jumpcoder_lsp.loading import engine_config_for

    real = None
    if args.real:
        from jumpcoder_lsp.loading import load_model_pair

        real = load_model_pair(runtime=args.runtime, threads=args.threads)
    hashes, given, t0 = {}, {}, time.perf_counter()
    for problem, rows in committed_problems(args.real or None):
        language = get_language(problem.language)
        config = engine_config_for(None, problem.language, {"bad_words": True, "max_lines": 64, "policy": "paper",
                                                             "reject_new_undefined": False})
        models = real if real is not None else scripted_models(problem, rows)
        line, character = cursor_at_end(problem.prompt)
        outputs = {}
        for method in METHODS:
            if real is not None:
                from jumpcoder_lsp.evaluation.run import clear_cache

                clear_cache(models)
            outputs[method] = fingerprint(complete(problem.prompt, line, character, models=models,
                                                   language=language, config=config, method=method))
        blob = json.dumps(outputs, sort_keys=True, ensure_ascii=False).encode("utf-8")
        hashes[f"{problem.benchmark}:{problem.task_id}"] = hashlib.sha256(blob).hexdigest()
        user = {m: {k: o[k] for k in USER_FIELDS} for m, o in outputs.items()}
        given[f"{problem.benchmark}:{problem.task_id}"] = hashlib.sha256(
            json.dumps(user, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
        if not args.quiet:
            print(f"{problem.benchmark}:{problem.task_id} {hashes[f'{problem.benchmark}:{problem.task_id}'][:12]}",
                  flush=True)
    return {"model": "real" if real is not None else "scripted", "prompts": len(hashes),
            "seconds": round(time.perf_counter() - t0, 1), "hashes": hashes, "outputs": given}


def compare(a_path: str, b_path: str) -> int:
    da, db = (json.loads(Path(p).read_text(encoding="utf-8")) for p in (a_path, b_path))
    a, b = da["hashes"], db["hashes"]
    keys = sorted(set(a) | set(b))
    same = [k for k in keys if a.get(k) is not None and a.get(k) == b.get(k)]
    for k in keys:
        if k not in same:
            print(f"differs: {k}")
    print(f"{len(same)} of {len(keys)} identical")
    if "outputs" in da and "outputs" in db:  # what the user gets: code, continuation, insertions, stop reason
        oa, ob = da["outputs"], db["outputs"]
        given = [k for k in keys if oa.get(k) is not None and oa.get(k) == ob.get(k)]
        for k in keys:
            if k not in given:
                print(f"output differs: {k}")
        print(f"{len(given)} of {len(keys)} give the same output ({', '.join(USER_FIELDS)})")
    return 0 if len(same) == len(keys) else 1


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", help="write the hashes here (JSON)")
    p.add_argument("--real", type=int, default=0, metavar="N",
                   help="the first N prompts of each benchmark on the default model instead of the scripted one")
    p.add_argument("--runtime", default="llamacpp")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"), help="compare two hash files and stop")
    args = p.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    out = run(args)
    text = json.dumps(out, indent=1, sort_keys=True)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(f"{out['prompts']} prompts, {out['seconds']} s ({out['model']} model)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
