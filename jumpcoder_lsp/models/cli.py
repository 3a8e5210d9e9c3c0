"""``jumpcoder-lsp models list|fetch|verify|path [PRESET]``.

Results go to stdout, progress to stderr. Handlers return the exit code: 0 ok, 1 on error (a
one-line message, no traceback), 130 when interrupted. The main CLI calls :func:`register` and then
``args.func(args)``.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Callable, Optional, TextIO

from .convert import converted_dir
from .errors import ModelError
from .fetch import Progress, fetch, gguf_path, is_fetched, verify
from .presets import Preset, default_preset, get_preset, list_presets


def stderr_progress(stream: Optional[TextIO] = None, min_interval: float = 0.5) -> Progress:
    """A progress callback printing ``message [NN%]`` lines, at most one per ``min_interval`` per message."""
    out = stream or sys.stderr
    last = {"message": None, "time": 0.0}

    def progress(message: str, fraction: Optional[float]) -> None:
        now = time.monotonic()
        final = fraction is not None and fraction >= 1.0
        if message == last["message"] and not final and now - last["time"] < min_interval:
            return
        last.update(message=message, time=now)
        suffix = "" if fraction is None else f" [{fraction:4.0%}]"
        print(f"{message}{suffix}", file=out, flush=True)

    return progress


def _preset(name: Optional[str]) -> Preset:
    return get_preset(name) if name else default_preset()


def _size(n: int) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def _status(preset: Preset) -> str:
    if converted_dir(preset.sha256) is not None and is_fetched(preset):
        return "fetched+converted"
    if is_fetched(preset):
        return "fetched"
    return "present, unverified" if gguf_path(preset).is_file() else "not fetched"


def cmd_list(args: argparse.Namespace) -> int:
    presets = list_presets()
    width = max((len(p.name) for p in presets), default=4)
    for p in presets:
        mark = "*" if p.default else " "
        quant = p.quantization or "?"
        print(f"{mark} {p.name:<{width}}  {_size(p.size):>8}  {quant:<7}  {_status(p):<19}  {p.description}")
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    preset = _preset(args.preset)
    progress = stderr_progress()
    path = fetch(preset, progress)
    print(path)
    if args.convert:
        from .convert import convert_gguf

        print(convert_gguf(path, preset.sha256, progress))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    preset = _preset(args.preset)
    path = verify(preset, stderr_progress())
    print(f"ok {preset.name}: {path} ({preset.size} bytes, sha256 {preset.sha256})")
    return 0


def cmd_path(args: argparse.Namespace) -> int:
    preset = _preset(args.preset)
    path = gguf_path(preset)
    if not path.is_file():
        raise ModelError(f"{preset.name} is not fetched yet; run: jumpcoder-lsp models fetch {preset.name}")
    print(path)
    hf = converted_dir(preset.sha256)
    if hf is not None:
        print(hf)
    return 0


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn model errors into a one-line message and exit code 1."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except ModelError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        except OSError as e:
            print(f"error: {e.strerror or e}{f': {e.filename}' if e.filename else ''}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130

    run.__name__ = handler.__name__
    return run


def register(subparsers: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Add the ``models`` command (and its subcommands) to a subparsers object."""
    parser = subparsers.add_parser("models", help="list, fetch, verify and locate model presets",
                                   description="Manage model presets (data files in models/*.toml).")
    sub = parser.add_subparsers(dest="models_command", metavar="{list,fetch,verify,path}", required=True)
    preset_help = "preset name (default: the default preset)"

    p = sub.add_parser("list", help="list presets and whether each is fetched")
    p.set_defaults(func=_guarded(cmd_list))

    p = sub.add_parser("fetch", help="download and verify a preset, then convert it for torch")
    p.add_argument("preset", nargs="?", metavar="PRESET", help=preset_help)
    p.add_argument("--no-convert", dest="convert", action="store_false",
                   help="only fetch the GGUF; skip the one-time conversion to safetensors")
    p.set_defaults(func=_guarded(cmd_fetch))

    p = sub.add_parser("verify", help="re-hash a fetched preset and compare size and sha256")
    p.add_argument("preset", nargs="?", metavar="PRESET", help=preset_help)
    p.set_defaults(func=_guarded(cmd_verify))

    p = sub.add_parser("path", help="print the GGUF path (and the converted directory, if any)")
    p.add_argument("preset", nargs="?", metavar="PRESET", help=preset_help)
    p.set_defaults(func=_guarded(cmd_path))
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """Standalone entry point: ``python -m jumpcoder_lsp.models.cli list``."""
    parser = argparse.ArgumentParser(prog="jumpcoder-lsp")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["models", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
