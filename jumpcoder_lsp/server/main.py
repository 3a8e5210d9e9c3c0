"""``jumpcoder-lsp serve``: the language server over stdio (default) or TCP (for debugging).

The CLI (``jumpcoder_lsp/cli.py``) calls :func:`add_serve_subcommand` on its subparsers; the
subcommand's ``func`` is :func:`main_serve`. ``python -m jumpcoder_lsp.server`` runs :func:`serve`.
Nothing here writes to stdout: in stdio mode the protocol has its own copy of the stdout file
descriptor and fd 1 and ``sys.stdout`` point at stderr (a library's stray ``print`` or a C
library's printf would corrupt the stream). The transports are in :mod:`.transport`.
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
    mode.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket instead (debugging): loopback "
                      "addresses only, one client; the server exits when that client disconnects")
    parser.add_argument("--model", help="generation model: preset name, path, or scripted:<module>:<function> "
                        "(overrides initializationOptions.model; also $JUMPCODER_LSP_MODEL)")
    parser.add_argument("--allow-scripted", action="store_true", help="let client settings name a scripted test "
                        "model (tests only; also $JUMPCODER_LSP_ALLOW_SCRIPTED=1)")
    parser.add_argument("--python", metavar="PATH", help="the interpreter of the user's environment, for the "
                        "environment judge (also $JUMPCODER_PYTHON; a machine-level setting: client and workspace "
                        "settings cannot name one). Default: a .venv/venv in the workspace root, read, not run")
    parser.add_argument("--log-level", default=os.environ.get("JUMPCODER_LSP_LOG_LEVEL", "info"),
                        choices=["debug", "info", "warning", "error"], help="level of window/logMessage output")
    parser.add_argument("--log-file", help="also write the server's log to this file")
    add_tcp_arguments(parser)
    return parser


def add_tcp_arguments(parser: argparse.ArgumentParser) -> None:
    from .transport import TOKEN_ENV, TOKEN_KEY

    parser.add_argument("--tcp-allow-remote", action="store_true", help="with --tcp: listen on a non-loopback "
                        "address too (needs a token; nothing is encrypted: prefer an SSH tunnel)")
    parser.add_argument("--tcp-token-file", metavar="FILE", help=f"with --tcp: the token (first line of FILE; also "
                        f"${TOKEN_ENV}) that the client must send as initializationOptions.{TOKEN_KEY}")


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
    if getattr(args, "python", None):
        from ..environment import PYTHON_ENV

        os.environ[PYTHON_ENV] = args.python
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

    from . import transport

    try:
        tcp = _tcp_options(args)
    except transport.TransportError as exc:
        print(f"jumpcoder-lsp serve: {exc}", file=sys.stderr)
        return 2

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

    if tcp is not None:
        return transport.serve_tcp(server, tcp)
    return transport.serve_stdio(server)


def _tcp_options(args: argparse.Namespace):
    """The checked --tcp settings (None for stdio); :class:`~.transport.TransportError` if wrong."""
    from .transport import TransportError, tcp_options

    allow_remote, token_file = getattr(args, "tcp_allow_remote", False), getattr(args, "tcp_token_file", None)
    if not getattr(args, "tcp", None):
        if allow_remote or token_file:
            raise TransportError("--tcp-allow-remote and --tcp-token-file go with --tcp HOST:PORT")
        return None
    return tcp_options(args.tcp, allow_remote=allow_remote, token_file=token_file)


def serve(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="jumpcoder-lsp serve", description="Run the JumpCoder language server.")
    add_serve_arguments(parser)
    return main_serve(parser.parse_args(argv))
