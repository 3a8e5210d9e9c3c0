"""``jumpcoder-lsp serve``: the language server over stdio (default) or TCP (for debugging).

The CLI (``jumpcoder_lsp/cli.py``) calls :func:`add_serve_subcommand` on its subparsers; the
subcommand's ``func`` is :func:`main_serve`. ``python -m jumpcoder_lsp.server`` runs :func:`serve`.
Nothing here writes to stdout: in stdio mode stdout carries the protocol, so ``sys.stdout`` is
pointed at stderr for everything else (a library's stray ``print`` would corrupt the stream).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Optional, Sequence

log = logging.getLogger("jumpcoder_lsp")


def add_serve_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--stdio", action="store_true", help="talk LSP over stdin/stdout (the default)")
    mode.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket instead (debugging)")
    parser.add_argument("--model", help="generation model: preset name, path, or scripted:<module>:<function> "
                        "(overrides initializationOptions.model; also $JUMPCODER_LSP_MODEL)")
    parser.add_argument("--allow-scripted", action="store_true", help="let client settings name a scripted test "
                        "model (tests only; also $JUMPCODER_LSP_ALLOW_SCRIPTED=1)")
    parser.add_argument("--log-level", default=os.environ.get("JUMPCODER_LSP_LOG_LEVEL", "info"),
                        choices=["debug", "info", "warning", "error"], help="level of window/logMessage output")
    parser.add_argument("--log-file", help="also write the server's log to this file")
    return parser


def add_serve_subcommand(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("serve", help="run the language server (stdio; --tcp HOST:PORT)",
                                   description="Run the JumpCoder language server.")
    add_serve_arguments(parser)
    parser.set_defaults(func=main_serve)
    return parser


class LspLogHandler(logging.Handler):
    """Forwards ``jumpcoder_lsp`` log records to the client as window/logMessage, from any thread."""

    LEVELS = {logging.ERROR: 1, logging.WARNING: 2, logging.INFO: 3, logging.DEBUG: 4}

    def __init__(self, server):
        super().__init__()
        self.server = server

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from lsprotocol import types

            msg = self.format(record)
            level = max((lv for lv in self.LEVELS if lv <= record.levelno), default=logging.DEBUG)
            params = types.LogMessageParams(type=types.MessageType(self.LEVELS[level]), message=msg)
            loop = getattr(self.server, "loop", None)  # set when the session initializes
            if loop is None or loop.is_closed():
                return
            loop.call_soon_threadsafe(self.server.window_log_message, params)
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)


def main_serve(args: argparse.Namespace) -> int:
    from ..config import MODEL_ENV
    from .server import build_server

    if getattr(args, "model", None):
        os.environ[MODEL_ENV] = args.model
    if getattr(args, "allow_scripted", False):
        from .scripted import ALLOW_ENV

        os.environ[ALLOW_ENV] = "1"
    level = getattr(logging, str(getattr(args, "log_level", "info")).upper(), logging.INFO)

    # stderr gets warnings from every library; the client gets ours through window/logMessage
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("pygls").setLevel(logging.ERROR)
    if getattr(args, "log_file", None):
        fh = logging.FileHandler(args.log_file)
        fh.setFormatter(logging.Formatter("%(asctime)s %(threadName)s %(name)s %(levelname)s %(message)s"))
        fh.setLevel(logging.DEBUG)
        logging.getLogger().addHandler(fh)

    server = build_server()
    handler = LspLogHandler(server)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if getattr(args, "log_file", None) else level)
    if not getattr(args, "log_file", None):
        # our records go to the client; stderr (the editor's output panel) gets warnings only
        log.propagate = False
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setLevel(logging.WARNING)
        stderr.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        log.addHandler(stderr)

    if getattr(args, "tcp", None):
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            print(f"--tcp expects HOST:PORT, got {args.tcp!r}", file=sys.stderr)
            return 2
        server.start_tcp(host, int(port))
        return 0

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the protocol stream
    server.start_io(stdin, stdout)
    return 0


def serve(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="jumpcoder-lsp serve", description="Run the JumpCoder language server.")
    add_serve_arguments(parser)
    return main_serve(parser.parse_args(argv))
