"""Command line: ``jumpcoder-lsp complete|check|serve|models``. Argument parsing and printing only."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

from .runtime.kvreuse import MODES as KV_REUSE_MODES


class StderrProgress:
    """Progress lines on stderr (one per message, with elapsed seconds)."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.t0 = time.perf_counter()

    def __call__(self, message: str, fraction: Optional[float] = None) -> None:
        if self.quiet:
            return
        pct = f" {fraction * 100:3.0f}%" if fraction is not None else ""
        print(f"[{time.perf_counter() - self.t0:6.1f}s]{pct} {message}", file=sys.stderr, flush=True)


def _add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", default=None, help="model preset for both roles (default: qwen2.5-coder-0.5b)")
    p.add_argument("--gen-model", default=None, help="generation model: preset, local dir, .gguf file or hub id")
    p.add_argument("--infill-model", default=None, help="infilling model (default: the generation model)")
    p.add_argument("--runtime", default="auto", choices=["auto", "torch", "llamacpp", "remote"],
                   help="auto: torch on a CUDA GPU or a CPU with native bf16, else llama.cpp when installed, "
                        "else torch on the CPU; remote: an inference engine over HTTP (--remote-endpoint)")
    p.add_argument("--remote-endpoint", default=None,
                   help="the engine's base URL for --runtime remote (default: $JUMPCODER_LSP_REMOTE_ENDPOINT)")
    p.add_argument("--remote-api", default=None, choices=["openai", "sglang"],
                   help="the engine's API (default: $JUMPCODER_LSP_REMOTE_API, else detected)")
    p.add_argument("--remote-model", default=None, help="the engine's model name (default: the first it lists)")
    p.add_argument("--remote-api-key-file", default=None,
                   help="a file holding the engine's API key (or $JUMPCODER_LSP_REMOTE_API_KEY)")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: physical cores)")
    p.add_argument("--kv-reuse", default="prefix", choices=list(KV_REUSE_MODES),
                   help="KV cache reuse after an edit: prefix (the common token prefix), or pie (also the "
                        "tokens after the edit, moved; llama.cpp and torch, docs/kvreuse.md)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--dtype", default="auto", help="auto, float32, bfloat16 or float16")


def _complete(args: argparse.Namespace) -> int:
    from .edits import completion_to_workspace_edit, line_starts, line_text
    from .engine import complete
    from .engine.apply import unified_diff
    from .languages import language_for_path
    from .loading import load_model_pair

    progress = StderrProgress(args.quiet)
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {path}: {exc}", file=sys.stderr)
        return 1
    language = language_for_path(str(path))
    line = args.line - 1
    starts = line_starts(text)
    if args.column is None:
        column = len(line_text(text, starts, line)) if 0 <= line < len(starts) else 0
    else:
        column = args.column - 1
    config = engine_config(args, language.name)
    if language.name == "python":
        from dataclasses import replace

        from .environment import discover

        # --python / $JUMPCODER_PYTHON (run once), else a .venv next to the file or above it (read)
        environment = discover(str(path.resolve().parent), python=args.python, search_up=True)
        progress(f"environment judge: {environment.description}")
        config = replace(config, environment=environment)
    elif language.name in ("java", "cpp", "csharp"):
        from dataclasses import replace

        from .toolchains import for_language

        # the machine's JDK / C++ compiler / .NET assemblies, with the project above the file (read)
        toolchain = for_language(language.name, str(path.resolve().parent), search_up=True)
        if toolchain is not None:
            toolchain = toolchain.for_file(str(path.resolve())) if hasattr(toolchain, "for_file") else toolchain
            progress(f"environment judge: {toolchain.description}")
            config = replace(config, environment=toolchain)
    remote = None
    if args.runtime == "remote":
        from .runtime.remote import RemoteSettings

        remote = RemoteSettings.from_environment(endpoint=args.remote_endpoint, api=args.remote_api,
                                                 model=args.remote_model, api_key_file=args.remote_api_key_file)
    models = load_model_pair(
        args.gen_model or args.preset or "qwen2.5-coder-0.5b",
        args.infill_model,
        runtime=args.runtime, device=args.device, dtype=args.dtype, threads=args.threads, progress=progress,
        remote=remote, kv_reuse=args.kv_reuse,
    )
    progress(f"running {args.method} from line {args.line} ({models.description})")
    result = complete(text, line, column, models=models, language=language, config=config,
                      method=args.method, progress=progress)
    progress(f"done in {result.seconds:.1f}s: {len(result.steps)} steps, {result.jumps} jumps")
    if result.lint:
        progress("lint-clean: cut back for " + "; ".join(result.lint))
    if args.json:
        print(json.dumps(completion_to_workspace_edit(path.resolve().as_uri(), text, line, column, result), indent=2))
    else:
        sys.stdout.write(unified_diff(text, line, column, result, _diff_path(path)))
    if args.trace:
        for step in result.steps:
            extra = f" judge={step.judge} V={step.value:.2f}" if step.judge else ""
            print(f"  {step.kind:8s} @{step.line:<3d}{extra} {step.text.rstrip()!r}", file=sys.stderr)
        print(f"  stopped: {result.stop_reason}", file=sys.stderr)
    return 0


def _judge_for(language: str, path: Path, python: Optional[str]):
    """The environment judge for ``path``, found as ``complete`` finds it: Python: ``--python`` /
    $JUMPCODER_PYTHON (run once), else a .venv beside the file or above it (read); Java, C++, C#:
    the machine's toolchain with the project above the file (read; its ``for_file`` is the file's).
    None for other languages."""
    if language == "python":
        from .environment import discover

        return discover(str(path.resolve().parent), python=python, search_up=True)
    if language in ("java", "cpp", "csharp"):
        from .toolchains import for_language

        return for_language(language, str(path.resolve().parent), search_up=True)
    return None


class _BadInput(Exception):
    pass


def _check_one(file: str, args: argparse.Namespace, judges: dict) -> list:
    from .diagnose import analyse, located
    from .environment import EnvironmentUnavailable
    from .languages import get_language, language_for_path
    from .server.documents import refusal

    path = Path(file)
    try:
        spec = get_language(args.language) if args.language else language_for_path(str(path))
    except ValueError as exc:
        raise _BadInput(str(exc)) from None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _BadInput(f"cannot read {file}: not UTF-8 text (a binary file?)") from None
    except OSError as exc:
        raise _BadInput(f"cannot read {file}: {exc.strerror or exc}") from None
    reason = refusal(text)
    if reason is not None:
        raise _BadInput(f"{file} is not checked: {reason}")
    if not callable(getattr(spec, "undefined_names", None)):
        raise _BadInput(f"{file}: {spec.name} has no diagnostics")
    key = (spec.name, str(path.resolve().parent))
    if key not in judges:
        try:
            judges[key] = _judge_for(spec.name, path, args.python)
        except EnvironmentUnavailable as exc:
            raise _BadInput(str(exc)) from None
    judge = judges[key]
    if judge is not None and hasattr(judge, "for_file"):
        judge = judge.for_file(str(path.resolve()))
    # as the server: removed APIs in Python (its environment), the judge's project context for all
    environment = judge if spec.name == "python" else None
    context = getattr(judge, "analysis_context", None) or {}
    names, findings = analyse(spec, text, None, environment, context, where=file)
    return located(text, names, findings)


def _check(args: argparse.Namespace) -> int:
    from .diagnose import as_json

    judges: dict = {}
    out, bad = [], False
    for file in args.files:
        try:
            diagnostics = _check_one(file, args, judges)
        except _BadInput as exc:
            print(f"error: {exc}", file=sys.stderr)
            bad = True
            continue
        if args.json:
            out.extend({"path": file, **as_json(d)} for d in diagnostics)
            continue
        for d in diagnostics:
            print(f"{file}:{d.start[0] + 1}:{d.start[1] + 1}: {d.severity}: {d.message} [{d.code}]")
            for _, _, edits in d.fixes:  # the preferred first
                print("  fix: " + "; ".join(f"replace {e.old!r} with {e.new!r}" if e.old else
                                            f"insert {e.new!r} at {e.start[0] + 1}:{e.start[1] + 1}"
                                            for e in edits))
        out.extend(diagnostics)
    if args.json:
        print(json.dumps(out, indent=2))
    if bad:
        return 2
    return 1 if out else 0


def _diff_path(path: Path) -> str:
    """The file as the diff names it: relative to the working directory when it is below it, so
    that ``patch -p1`` and ``git apply`` run there find it (git refuses absolute paths)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def engine_config(args: argparse.Namespace, language: str):
    """``complete``'s engine settings: the preset's k and tau for the language, then the options
    given on the command line (an option left out is None and leaves the preset's value)."""
    from .loading import engine_config_for, runtime_score_kind

    overrides = {k: v for k, v in (("k", args.k), ("tau", args.tau), ("max_lines", args.max_lines),
                                   ("policy", args.policy)) if v is not None}
    if getattr(args, "lint_clean", False):
        overrides["lint_clean"] = True
    return engine_config_for(args.gen_model or args.preset or "qwen2.5-coder-0.5b", language, overrides,
                             score_kind=runtime_score_kind(getattr(args, "runtime", "auto")))


def build_parser() -> argparse.ArgumentParser:
    from .engine.config import POLICIES

    parser = argparse.ArgumentParser(prog="jumpcoder-lsp", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    c = sub.add_parser("complete", help="run JumpCoder at a position and print the change as a diff")
    c.add_argument("file")
    c.add_argument("--line", type=int, required=True, help="1-based line of the cursor")
    c.add_argument("--column", type=int, default=None, help="1-based column (default: end of line)")
    c.add_argument("--method", default="jumpcoder", choices=["jumpcoder", "autoregressive", "filtered"])
    c.add_argument("--k", type=int, default=None)
    c.add_argument("--tau", type=float, default=None)
    c.add_argument("--max-lines", type=int, default=None)
    c.add_argument("--policy", default=None, choices=list(POLICIES),
                   help="where JumpCoder tries infills (default: paper, the thorough mode; inline: the server's "
                        "inline-suggestion default, infills only for an undefined name)")
    c.add_argument("--python", metavar="PATH", default=None,
                   help="the interpreter of the project's environment, for the environment judge (an import or "
                        "module.attr it lacks loses); run once, isolated, to read its sys.path (default: "
                        "$JUMPCODER_PYTHON, else a .venv or venv beside the file or above it, read without running "
                        "it, else the standard library only)")
    c.add_argument("--lint-clean", action="store_true",
                   help="cut the suggestion back until it adds no syntax error and no new undefined, unused or "
                        "shadowed name (the server's lintClean, on for inline suggestions)")
    c.add_argument("--json", action="store_true", help="print an LSP WorkspaceEdit instead of a diff")
    c.add_argument("--trace", action="store_true", help="print every JumpCoder step on stderr")
    c.add_argument("--quiet", action="store_true")
    _add_model_options(c)
    c.set_defaults(func=_complete)

    k = sub.add_parser("check", help="print the diagnostics the server publishes (undefined names, removed APIs)")
    k.add_argument("files", nargs="+", metavar="FILE")
    k.add_argument("--language", default=None, help="the language of every FILE (default: by its extension)")
    k.add_argument("--python", metavar="PATH", default=None,
                   help="the interpreter of the project's environment, as for complete (default: $JUMPCODER_PYTHON, "
                        "else a .venv or venv beside the file or above it, read without running it)")
    k.add_argument("--json", action="store_true", help="print the diagnostics as a JSON list")
    k.set_defaults(func=_check)

    try:
        from .server.main import add_serve_subcommand
    except ImportError:  # pragma: no cover - the server package is optional at import time
        add_serve_subcommand = None
    if add_serve_subcommand is not None:
        add_serve_subcommand(sub)
    from .evaluation import add_eval_subcommand
    from .models.cli import register as register_models

    add_eval_subcommand(sub)

    register_models(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, RuntimeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
