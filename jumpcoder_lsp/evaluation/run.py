"""The benchmark harness: the same model pair and prompts through autoregressive, JumpCoder
(Vanilla) and JumpCoder (Filtered); sandboxed tests; per-problem JSONL; docs/results.md.

How a problem runs (paper section 4.1 / Appendix B.2 protocol): greedy decoding; the prompt is
the document and the cursor sits at its end (line = number of prompt lines, character 0); the
completion is ``Completion.code`` (the prompt with any lines JumpCoder inserted above the cursor,
plus the continuation); the continuation is cut at the benchmark's stop tokens (searched from the
start of its first line, so a C++ "}" closing the function at once ends it too), then the tests are
appended and the program runs in the sandbox (:mod:`.sandbox`). By default the paper's "bad words"
(the language's ``bad_words``, "#" and "pass" for Python) are forbidden, as in the paper's
evaluation protocol (``--no-bad-words`` lifts that).

``--prompt-format chat`` asks the model instead in its chat format, as the model's own published
figures do (:mod:`.chat`: the wording, the template, the code extraction); autoregressive only,
no bad words. Rows carry ``prompt_format``; ``--resume`` never mixes the two.

JumpCoder (Filtered) is, by the engine's definition (:func:`jumpcoder_lsp.engine.complete`), the
Vanilla code when every jump was accepted by the AST judge, else whichever of the Vanilla and the
autoregressive code has the lower perplexity under the generation model. When both of those runs
are in the same evaluation, ``--filtered derive`` (the default) takes that decision from their rows
instead of generating both again: the same greedy runs, the same decision, a third of the time; its
seconds and tokens are charged as the engine would spend them (Vanilla, plus autoregressive and
the two perplexities when the decision needs them). ``--filtered engine`` calls the engine's
``method="filtered"`` instead.

Output: ``OUT/<benchmark>.jsonl`` (one row per (task, method), appended as they finish, so
``--resume`` skips finished rows) and ``OUT/<benchmark>.run.json`` (the command and settings), and
the report (``--results-md``, default docs/results.md) from every benchmark under OUT.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
import dataclasses
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterable, Optional

from ..edits import document_completion, line_starts, line_text
from ..engine.config import POLICIES
from ..runtime import cpu
from ..runtime.kvreuse import DEFAULT_MODE as KV_REUSE_DEFAULT
from ..runtime.kvreuse import MODES as KV_REUSE_MODES
from . import chat
from .datasets import BENCHMARKS, Problem, load_benchmark
from .execution import assemble, execute, toolchain
from .rows import METHOD_POLICY, METHODS, ROOT, RowLog, read_rows  # noqa: F401 (read_rows: part of this module's API)
from .rows import num as _num

DEFAULT_OUT = ROOT / "benchmarks" / "results"
DEFAULT_RESULTS_MD = ROOT / "docs" / "results.md"
#: settings that must match for --resume to reuse rows
RESUME_KEYS = ("preset", "infill_preset", "models", "dtype", "engine", "filtered", "prompt_format", "kv_reuse")
PROMPT_FORMATS = ("completion", "chat")


def _settled(key: str, value):
    """A run.json value as --resume compares it: an engine setting an older run did not record yet
    had its default (a new knob at its default does not make old rows foreign; a run before
    ``prompt_format`` existed used the completion prompt, one before ``kv_reuse`` prefix reuse)."""
    if key == "prompt_format":
        return value or "completion"
    if key == "kv_reuse":  # a run before --kv-reuse existed reused prefixes only
        return value or "prefix"
    if key != "engine" or not isinstance(value, dict):
        return value
    from dataclasses import asdict

    from ..engine import EngineConfig

    return {**asdict(EngineConfig()), **value}


class Say:
    """Progress lines on stderr with elapsed time."""

    def __init__(self, quiet: bool = False):
        self.quiet, self.t0 = quiet, time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"[{time.perf_counter() - self.t0:7.1f}s] {message}", file=sys.stderr, flush=True)


# -- one problem -----------------------------------------------------------------------------------

def cursor_at_end(prompt: str) -> tuple[int, int]:
    """(line, character) of the end of the prompt, by LSP's line rules (edits.py)."""
    starts = line_starts(prompt)
    return len(starts) - 1, len(line_text(prompt, starts, len(starts) - 1))


def split_completion(prompt: str, completion) -> tuple[str, str]:
    """(prompt with insertions, text written at the cursor) of a Completion computed at the end of
    ``prompt``: :func:`jumpcoder_lsp.edits.document_completion`, the conversion the server and the
    CLI use too."""
    line, character = cursor_at_end(prompt)
    head, continuation, _ = document_completion(prompt, line, character, completion).parts(prompt)
    return head, continuation


def jumps_of(completion) -> list[dict]:
    return [
        {"position": s.line, "text": s.text, "judge": s.judge, "value": _num(s.value), "removed": list(s.removed)}
        for s in completion.steps if s.kind == "infill"
    ]


def candidate_stats(completion) -> dict:
    """How many infills were tried over the run and why the refused ones were refused."""
    tried, reasons = 0, {}
    for step in completion.steps:
        for c in step.candidates:
            tried += 1
            if c.rejected:
                reasons[c.rejected] = reasons.get(c.rejected, 0) + 1
    return {"tried": tried, "rejected": reasons}


def clear_cache(models) -> None:
    """Each runtime of the pair (once when both roles share one) drops its cached prefixes
    (:meth:`~jumpcoder_lsp.runtime.base.Runtime.clear_cache`)."""
    for rt in {id(models.gen): models.gen, id(models.infill): models.infill}.values():
        rt.clear_cache()


def _throttled(say: Callable[[str], None], label: str, every_s: float = 20.0):
    """An engine progress callback that says at most one line per ``every_s`` seconds."""
    last = [time.perf_counter()]

    def progress(message: str, fraction=None) -> None:
        now = time.perf_counter()
        if now - last[0] >= every_s:
            last[0] = now
            say(f"{label}: {message}")

    return progress


def generate(problem: Problem, method: str, *, models, language, config,
             say: Callable[[str], None] = lambda m: None) -> tuple[dict, object]:
    """Run the engine on one prompt; returns (row fields, Completion)."""
    from ..engine import complete

    line, character = cursor_at_end(problem.prompt)
    clear_cache(models)
    engine_method = method
    if method in METHOD_POLICY:  # "inline": the jumpcoder engine under the server's inline policy
        engine_method, config = "jumpcoder", dataclasses.replace(config, policy=METHOD_POLICY[method])
    t0 = time.perf_counter()
    result = complete(problem.prompt, line, character, models=models, language=language, config=config,
                      method=engine_method, progress=_throttled(say, f"{problem.task_id} {method}"))
    seconds = time.perf_counter() - t0
    head, tail = split_completion(problem.prompt, result)
    written = result.continuation + "".join(i.text for i in result.insertions)
    tokens = models.gen.count_tokens(written) if written else 0
    code, program = assemble(head, tail, problem.tests, problem.stop_tokens)
    return {
        "engine_method": result.method,
        "code": code,
        "raw_code": result.code,
        "program": program,
        "jumps": jumps_of(result),
        "n_jumps": result.jumps,
        "n_steps": len(result.steps),
        "stop_reason": result.stop_reason,
        **({"lint": list(result.lint)} if result.lint else {}),
        "infills": candidate_stats(result),
        "gen_seconds": round(seconds, 3),
        "tokens": tokens,
    }, result


def base_row(problem: Problem, method: str, prompt_format: str = "completion") -> dict:
    return {"benchmark": problem.benchmark, "task_id": problem.task_id, "index": problem.index,
            "language": problem.language, "method": method, "prompt_format": prompt_format}


def with_outcome(row: dict, sandbox, run_timeout: Optional[float]) -> dict:
    out = execute(row["language"], row["program"], sandbox=sandbox, run_timeout=run_timeout)
    row.update(passed=out.passed, error_class=out.error_class, error=out.detail,
               exec_seconds=round(out.compile_seconds + out.run_seconds, 3))
    row["tokens_per_s"] = round(row["tokens"] / row["gen_seconds"], 3) if row.get("gen_seconds") else None
    return row


def derive_filtered(ar: dict, jc: dict, models) -> dict:
    """The engine's Filtered decision (:func:`jumpcoder_lsp.engine.filtered.choose`, the rule
    ``complete(method="filtered")`` applies) from the autoregressive and Vanilla rows of the same
    problem."""
    from ..engine import filtered, types

    keep = ["benchmark", "task_id", "index", "language"]
    row = {k: jc[k] for k in keep}
    row["method"] = "filtered"
    row["derived"] = True
    t0 = time.perf_counter()
    choice = filtered.choose([j["judge"] for j in jc["jumps"]], jc["raw_code"], lambda: ar["raw_code"],
                             lambda code: types.perplexity(models, code))
    ppl_s = time.perf_counter() - t0
    chosen = jc if choice.method == filtered.JUMPCODER else ar
    row["engine_method"] = choice.label
    if choice.perplexity is None:
        ppl, extra_s, extra_tok = None, 0.0, 0
    else:
        ppl = {k: _num(v) for k, v in choice.perplexity.items()}
        extra_s, extra_tok = ar["gen_seconds"] + ppl_s, ar["tokens"]
    for k in ("code", "raw_code", "program", "jumps", "n_jumps", "n_steps", "passed", "error_class", "error",
              "exec_seconds"):
        row[k] = chosen[k]
    if "infills" in chosen:
        row["infills"] = chosen["infills"]
    row["perplexity"] = ppl
    row["gen_seconds"] = round(jc["gen_seconds"] + extra_s, 3)
    row["tokens"] = jc["tokens"] + extra_tok
    row["tokens_per_s"] = round(row["tokens"] / row["gen_seconds"], 3) if row["gen_seconds"] else None
    return row


# -- the run ---------------------------------------------------------------------------------------

def engine_config(args, language_name: str):
    from ..loading import engine_config_for

    values = {}
    if args.k is not None:
        values["k"] = args.k
    if args.tau is not None:
        values["tau"] = args.tau
    values["bad_words"] = config_bad_words(args)
    values["max_lines"] = args.max_lines
    values["policy"] = args.policy
    values["reject_new_undefined"] = args.reject_new_undefined
    if getattr(args, "lint_clean", False):
        values["lint_clean"] = True
    return engine_config_for(args.preset, language_name, values)


def _git_commit() -> Optional[str]:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


#: what run.json keeps of each run that wrote rows into one JSONL (``runs``, oldest first): rows
#: resumed over several stints may come from other commits and machines of other CPU kinds
RUN_KEYS = ("command", "git_commit", "started", "cpu", "cpu_count", "offset", "limit")


def run_entry(meta: dict) -> dict:
    return {k: meta.get(k) for k in RUN_KEYS}


def run_benchmark(
    name: str,
    problems: list[Problem],
    methods: Iterable[str],
    *,
    models,
    config,
    out_dir: Path,
    meta: dict,
    resume: bool = False,
    overwrite: bool = False,
    filtered: str = "derive",
    tag: str = "",
    prompt_format: str = "completion",
    chat_template=None,
    sandbox=None,
    run_timeout: Optional[float] = None,
    say: Callable[[str], None] = lambda m: None,
) -> list[dict]:
    """Run ``methods`` on ``problems`` of one benchmark, appending rows to OUT/<name>.jsonl.
    ``prompt_format="chat"`` (autoregressive only) asks in ``chat_template``'s format (:mod:`.chat`)."""
    from ..languages import get_language

    methods = [m for m in METHODS if m in set(methods)]
    check_prompt_format(prompt_format, methods, [name], chat_template)
    meta = {**meta, "prompt_format": prompt_format}
    if prompt_format == "chat":
        meta["chat"] = chat.settings()
    language = get_language(problems[0].language) if problems else None
    stem = f"{name}.{tag}" if tag else name
    log_path = out_dir / f"{stem}.jsonl"
    meta_path = out_dir / f"{stem}.run.json"
    if resume and meta_path.exists():
        old = json.loads(meta_path.read_text())
        diff = [k for k in RESUME_KEYS if _settled(k, old.get(k)) != _settled(k, meta.get(k))]
        if diff:
            raise ValueError(f"--resume: {meta_path} was run with other settings ({', '.join(diff)}); "
                             f"use another --out or --overwrite")
        meta = {**meta, "history": old.get("history", [old.get("command")]) + [meta.get("command")],
                "runs": old.get("runs") or [run_entry(old)]}
    meta["runs"] = [*meta.get("runs", []), run_entry(meta)]
    log = RowLog(log_path, resume, overwrite)
    foreign = sorted({r.get("prompt_format") or "completion" for r in log.rows.values()} - {prompt_format})
    if foreign:
        raise ValueError(f"--resume: {log_path} holds rows of the {', '.join(foreign)} prompt format, this run "
                         f"uses {prompt_format}; use another --tag/--out or --overwrite")
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    derive = filtered == "derive" and "filtered" in methods
    gen_methods = [m for m in methods if m != "filtered"]
    if derive:
        # Filtered needs both; the other methods run as asked
        gen_methods = ["autoregressive", "jumpcoder"] + [m for m in gen_methods if m not in ("autoregressive", "jumpcoder")]
    elif "filtered" in methods:
        gen_methods.append("filtered")
    total = len(problems)
    failures: list[tuple[str, str, str]] = []
    for n, problem in enumerate(problems, 1):
        order = gen_methods if n % 2 == 1 else list(reversed(gen_methods))
        if "filtered" in order:  # engine-mode Filtered last
            order = [m for m in order if m != "filtered"] + ["filtered"]
        for method in order:
            if log.done(problem.task_id, method):
                continue
            try:
                if prompt_format == "chat":
                    fields = chat.generate(problem, models=models, template=chat_template,
                                           clear=lambda: clear_cache(models))
                else:
                    fields, _ = generate(problem, method, models=models, language=language, config=config, say=say)
            except Exception as exc:  # one broken problem must not end a long run; --resume retries it
                failures.append((problem.task_id, method, f"{type(exc).__name__}: {exc}"))
                say(f"{name} {n}/{total} {problem.task_id} {method}: ENGINE ERROR {type(exc).__name__}: {exc} "
                    f"(no row written; --resume retries it)")
                continue
            row = with_outcome({**base_row(problem, method, prompt_format), **fields}, sandbox, run_timeout)
            log.add(row)
            say(f"{name} {n}/{total} {problem.task_id} {method}: {'pass' if row['passed'] else row['error_class']}"
                f" ({row['gen_seconds']:.1f}s, {row['tokens']} tok, {row['n_jumps']} jumps)")
        if derive and not log.done(problem.task_id, "filtered") and all(
                log.done(problem.task_id, m) for m in ("autoregressive", "jumpcoder")):
            row = derive_filtered(log.done(problem.task_id, "autoregressive"), log.done(problem.task_id, "jumpcoder"),
                                  models)
            log.add(row)
            say(f"{name} {n}/{total} {problem.task_id} filtered -> {row['engine_method'].split(':')[1]}: "
                f"{'pass' if row['passed'] else row['error_class']}")
    if failures:
        say(f"{name}: {len(failures)} (task, method) runs failed in the engine and have no row: "
            + "; ".join(f"{t} {m}" for t, m, _ in failures[:10]))
    return [r for r in log.rows.values() if r["method"] in methods]


def check_prompt_format(prompt_format: str, methods, benchmarks, chat_template=None) -> None:
    """Raise ValueError for a combination the chat format does not define."""
    if prompt_format not in PROMPT_FORMATS:
        raise ValueError(f"unknown prompt format {prompt_format!r}; choose from {', '.join(PROMPT_FORMATS)}")
    if prompt_format != "chat":
        return
    other = [m for m in methods if m != "autoregressive"]
    if other:
        raise ValueError(f"--prompt-format chat runs the autoregressive method only: JumpCoder's infilling is "
                         f"defined on completion prompts (drop {', '.join(other)} from --methods)")
    langs = {b: BENCHMARKS[b].language for b in benchmarks if b in BENCHMARKS}
    bad = [b for b, lang in langs.items() if lang not in chat.LANGUAGES]
    if bad:
        raise ValueError(f"--prompt-format chat is written for {', '.join(chat.LANGUAGES)} benchmarks, not "
                         f"{', '.join(bad)}")
    if chat_template is None:
        raise ValueError("--prompt-format chat needs the preset's chat template ([chat] in models/<preset>.toml)")


def chat_template_of(preset: str):
    """The chat template of the generation preset, or None (a .gguf path, a hub id, no [chat])."""
    from ..models.presets import find_preset

    found = find_preset(preset)
    return None if found is None else found.chat


def _parse_list(value: str, allowed, what: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    if items == ["all"]:
        return list(allowed)
    bad = [v for v in items if v not in allowed]
    if bad:
        raise ValueError(f"unknown {what} {', '.join(bad)}; choose from {', '.join(allowed)} or all")
    return items


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--benchmark", default="humaneval",
                   help=f"comma-separated: {', '.join(BENCHMARKS)}, or all (default: humaneval)")
    p.add_argument("--limit", type=int, default=None, help="first N problems of each benchmark")
    p.add_argument("--offset", type=int, default=0, help="skip the first N problems")
    p.add_argument("--tasks", default=None, help="comma-separated task ids: only these problems (within "
                                                  "--offset/--limit), e.g. HumanEval/18,Mbpp/43")
    p.add_argument("--methods", default="autoregressive,jumpcoder,filtered",
                   help="comma-separated: autoregressive, jumpcoder, filtered, inline (the jumpcoder engine under "
                        "the server's inline policy, whatever --policy says) (default: the first three)")
    p.add_argument("--preset", default="qwen2.5-coder-0.5b", help="generation model (preset, dir, .gguf, hub id)")
    p.add_argument("--infill-preset", default=None, help="infilling model (default: the generation model)")
    p.add_argument("--runtime", default="auto", help="model runtime (auto, torch, ...)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--dtype", default="auto")
    p.add_argument("--kv-reuse", default=KV_REUSE_DEFAULT, choices=list(KV_REUSE_MODES),
                   help=f"KV cache reuse after an edit (default {KV_REUSE_DEFAULT}): prefix, or pie (the tokens "
                        "after an edit moved, not recomputed; docs/kvreuse.md); recorded in run.json, and "
                        "--resume never mixes the two")
    p.add_argument("--threads", type=int, default=None,
                   help="CPU threads of the runtime (default: the physical cores; 1 lets two evaluations share "
                        "a 2-core machine without spinning on each other)")
    p.add_argument("--k", type=int, default=None, help="infill positions per iteration (default: the preset's "
                                                        "per-language value)")
    p.add_argument("--tau", type=float, default=None, help="scoring-judge threshold (default: the preset's)")
    p.add_argument("--max-lines", type=int, default=64, help="most lines written per problem (default 64)")
    p.add_argument("--policy", default="paper", choices=list(POLICIES),
                   help="JumpCoder policy (default: paper; inline: the server's inline-request default)")
    p.add_argument("--reject-new-undefined", action="store_true",
                   help="(not in the paper) reject score-judged infills that leave a name undefined that was not")
    p.add_argument("--lint-clean", action="store_true",
                   help="(issue 17, engine/lint.py) cut each suggestion back until it adds no syntax error and no "
                        "new undefined, unused or shadowed name (the server's lintClean)")
    p.add_argument("--no-bad-words", action="store_true",
                   help="allow the paper's bad words (# and pass for Python); the paper's protocol forbids them")
    p.add_argument("--prompt-format", default="completion", choices=list(PROMPT_FORMATS),
                   help="completion (default; the JumpCoder paper's protocol: the model continues the prompt) or "
                        "chat (the model's published protocol: the prompt in a chat message, greedy, no bad words, "
                        "the code from the reply's first fenced block; autoregressive only)")
    p.add_argument("--filtered", default="derive", choices=["derive", "engine"],
                   help="Filtered from the AR + Vanilla rows (derive, default) or a separate engine run")
    p.add_argument("--exec-timeout", type=float, default=None, help="seconds per test run (default 10; 15 for "
                                                                      "Java/C#)")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="directory for <benchmark>.jsonl (default: "
                                                            "benchmarks/results)")
    p.add_argument("--tag", default="", help="name the rows OUT/<benchmark>.<tag>.jsonl (to keep runs of other "
                                             "models / runtimes side by side)")
    p.add_argument("--resume", action="store_true", help="skip (task, method) rows already in the JSONL")
    p.add_argument("--overwrite", action="store_true", help="discard an existing JSONL for the benchmark")
    p.add_argument("--results-md", default=str(DEFAULT_RESULTS_MD),
                   help="report to write from every benchmark under --out ('' for none; default docs/results.md)")
    p.add_argument("--report-only", action="store_true", help="only regenerate the report from --out")
    p.add_argument("--sample-note", default=None, help="a note printed above the tables (e.g. 'small sample')")
    p.add_argument("--quiet", action="store_true")


def _display_path(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(ROOT))
    except ValueError:
        return str(p)


def run_from_args(args: argparse.Namespace, prog: str = "python benchmarks/eval.py",
                  argv: Optional[list[str]] = None, models=None) -> int:
    say = Say(args.quiet)
    out_dir = Path(args.out)
    argv = list(sys.argv[1:] if argv is None else argv)
    command = f"{prog} {shlex.join(argv)}".strip()
    if not args.report_only:
        benches = _parse_list(args.benchmark, list(BENCHMARKS), "benchmark")
        methods = _parse_list(args.methods, list(METHODS), "method")
        template = chat_template_of(args.preset) if args.prompt_format == "chat" else None
        check_prompt_format(args.prompt_format, methods, benches, template)
        if args.filtered == "derive" and "filtered" in methods:
            say("filtered: derived from the autoregressive and jumpcoder runs (both are run)")
        todo = []
        wanted = {t.strip() for t in args.tasks.split(",") if t.strip()} if args.tasks else None
        matched: set[str] = set()
        for b in benches:
            problems = load_benchmark(b, limit=args.limit, offset=args.offset)
            if wanted is not None:
                problems = [p for p in problems if p.task_id in wanted]
                matched |= {p.task_id for p in problems}
                if not problems:
                    continue
            lang = BENCHMARKS[b].language
            missing = toolchain(lang).missing()
            if missing:
                raise RuntimeError(f"{b}: missing {', '.join(missing)}; run scripts/setup_eval_toolchains.sh")
            from ..languages import get_language
            try:
                get_language(lang)
            except ValueError as exc:
                raise RuntimeError(f"{b}: no language spec for {lang!r} in this build ({exc})") from None
            todo.append((b, problems))
        if wanted is not None and wanted - matched:
            raise ValueError(f"--tasks: no problem {', '.join(sorted(wanted - matched))} in "
                             f"{', '.join(benches)} (within --offset/--limit)")
        from .sandbox import default_sandbox

        sandbox = default_sandbox()
        say(f"sandbox: {sandbox.describe()}")
        if sandbox.warning:
            say(f"WARNING: {sandbox.warning}")
        if models is None:
            from ..loading import load_model_pair

            try:
                import torch

                torch.manual_seed(0)
            except ImportError:
                pass
            t0 = time.perf_counter()
            models = load_model_pair(args.preset, args.infill_preset, runtime=args.runtime, device=args.device,
                                     dtype=args.dtype, threads=args.threads, kv_reuse=args.kv_reuse,
                                     progress=lambda m, f=None: say(m))
            say(f"models: {models.description} (loaded in {time.perf_counter() - t0:.1f}s)")
            _warm_up(models, config_bad_words(args))
        for b, problems in todo:
            config = engine_config(args, BENCHMARKS[b].language)
            meta = {
                "benchmark": b,
                "command": command,
                "preset": args.preset,
                "infill_preset": args.infill_preset,
                "runtime": args.runtime,
                "tag": args.tag,
                "device": args.device,
                "dtype": args.dtype,
                "kv_reuse": kv_reuse_of(models, args.kv_reuse),
                "models": getattr(models, "description", ""),
                "engine": {k: _num(v) for k, v in asdict(config).items()},
                "filtered": args.filtered,
                "limit": args.limit,
                "offset": args.offset,
                "problems": len(problems),
                "sandbox": sandbox.describe(),
                "sandbox_warning": sandbox.warning,
                "git_commit": _git_commit(),
                "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
                "cpu_count": os.cpu_count(),
                "cpu": cpu.describe(),
                "note": args.sample_note,
            }
            say(f"{b}: {len(problems)} problems x {', '.join(methods)}; engine k={config.k} tau={config.tau} "
                f"bad_words={config.bad_words} max_lines={config.max_lines} prompt_format={args.prompt_format}")
            run_benchmark(b, problems, methods, models=models, config=config, out_dir=out_dir, meta=meta,
                          resume=args.resume, overwrite=args.overwrite, filtered=args.filtered, tag=args.tag,
                          prompt_format=args.prompt_format, chat_template=template, sandbox=sandbox,
                          run_timeout=args.exec_timeout, say=say)
    if args.results_md:
        from .report import write_report

        path = write_report(out_dir, Path(args.results_md))
        say(f"wrote {_display_path(path)}")
    return 0


def kv_reuse_of(models, requested: str) -> str:
    """The KV reuse mode the generation runtime runs (a runtime without PIE runs ``prefix`` whatever
    was asked, :func:`jumpcoder_lsp.loading.kv_reuse_for`); ``requested`` when it does not say."""
    return getattr(getattr(models, "gen", None), "kv_reuse", None) or requested


def config_bad_words(args) -> bool:
    """The paper's bad words are on unless ``--no-bad-words``; never in the chat format (a reply may
    comment its code, as in the model's own protocol)."""
    return not args.no_bad_words and getattr(args, "prompt_format", "completion") != "chat"


def _warm_up(models, bad_words: bool) -> None:
    """Kernels, allocator and bad-word tables warm-up on a tiny prompt, not counted."""
    from ..engine import EngineConfig, complete
    from ..languages import get_language

    try:
        complete("def f(x):\n", 1, 0, models=models, language=get_language("python"),
                 config=EngineConfig(max_lines=2, bad_words=bad_words))
    except Exception:  # a warm-up must never stop the evaluation
        pass


def add_eval_subcommand(subparsers) -> argparse.ArgumentParser:
    """``jumpcoder-lsp eval``: wire into the CLI's subparsers."""
    p = subparsers.add_parser("eval", help="run the benchmarks (HumanEval, MBPP, MultiPL-E) for AR vs JumpCoder",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    p.set_defaults(func=lambda args: run_from_args(args, prog="jumpcoder-lsp eval",
                                                   argv=_argv_after("eval")))
    return p


def _argv_after(word: str) -> list[str]:
    argv = sys.argv[1:]
    return argv[argv.index(word) + 1:] if word in argv else argv


def main(argv: Optional[list[str]] = None, prog: str = "python benchmarks/eval.py") -> int:
    p = argparse.ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    argv = list(sys.argv[1:] if argv is None else argv)
    args = p.parse_args(argv)
    try:
        return run_from_args(args, prog=prog, argv=argv)
    except KeyboardInterrupt:
        print("interrupted (rows so far are kept; rerun with --resume)", file=sys.stderr)
        return 130
    except (ValueError, RuntimeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
