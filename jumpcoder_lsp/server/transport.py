"""How the server talks and how its process ends: stdio or one TCP client, strict LSP framing.

pygls' own transports are not used: its reader takes the body of anything that has a
``Content-Length`` line somewhere in its headers (an HTTP POST from a web page included), its TCP
server lets every new connection take over the output and stops the server when any connection
ends, and its exit waits for the model thread (a download or a load may take minutes). Here:

* **Framing** (:func:`read_frame`): a message is header lines ``Name: value`` ending in an empty
  line, with exactly one ``Content-Length``. Over TCP the only other header allowed is
  ``Content-Type``; a line that is not a header (``POST / HTTP/1.1``) or any other header
  (``Host:``, ``Origin:``) closes the connection before its body is read. Over stdio the editor is
  the only writer, so unknown headers are skipped there and a malformed line is logged and skipped.
  The body goes to :meth:`~.protocol.JumpCoderProtocol.handle_body` (JSON-RPC checks).
* **TCP** (:func:`serve_tcp`): loopback addresses only unless ``--tcp-allow-remote``, and then only
  with a token (``$JUMPCODER_LSP_TCP_TOKEN`` or ``--tcp-token-file``), which the client sends as
  ``initializationOptions.tcpToken`` of its ``initialize`` request (a token once set is required on
  loopback too). The first message of a connection must be that ``initialize`` request (within
  :data:`FIRST_MESSAGE_TIMEOUT_S`), otherwise the connection is closed and nothing it sent is
  handled. One client: while a connection is being checked other connections are closed at once,
  and once a session has begun the server stops listening. The session's end (``exit`` or the connection closing) ends the
  process; a rejected connection ends nothing.
* **stdio** (:func:`serve_stdio`): the protocol gets its own duplicates of file descriptors 0
  and 1, and fd 1 then points at stderr (fd 0 at /dev/null), so that native code writing to
  stdout (a C library's printf) or a child process cannot corrupt the stream.
* **Lifetime** (:class:`Lifetime`): ``exit``, the end of the input, or the death of the client's
  ``processId`` (stdio only; polled every :data:`WATCH_INTERVAL_S`) ends the process at once with
  ``os._exit`` after flushing the logs and stopping this process's child processes (a ``pip
  download``): a model thread in the middle of a download, a conversion or a load does not keep it
  alive. The exit code is 0 after ``shutdown``, 1 otherwise (LSP).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import os
import re
import signal
import socket
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

log = logging.getLogger(__name__)

#: environment variable holding the TCP token (or use ``--tcp-token-file``)
TOKEN_ENV = "JUMPCODER_LSP_TCP_TOKEN"
#: the initializationOptions key that carries the token
TOKEN_KEY = "tcpToken"
MIN_TOKEN_CHARS = 16
#: a TCP connection must send its ``initialize`` request within this time
FIRST_MESSAGE_TIMEOUT_S = 10.0
#: how often the client's processId is checked
WATCH_INTERVAL_S = 1.0
#: the longest header line and the largest body accepted
MAX_HEADER_LINE = 4096
MAX_HEADERS = 8
MAX_BODY = 128 * 1024 * 1024

_HEADER = re.compile(rb"([A-Za-z][A-Za-z0-9-]*):[ \t]*([^\r\n]*?)[ \t]*\r\n")


class FramingError(ValueError):
    """Input that is not an LSP message (``Content-Length`` framing)."""


class TransportError(ValueError):
    """A transport that cannot be set up as asked (the message says why and what to do)."""


# ------------------------------------------------------------------------------------------
# framing


async def read_frame(reader: asyncio.StreamReader, *, strict: bool) -> Optional[bytes]:
    """The body of the next message; None when the input ends before a message begins.

    :class:`FramingError` for anything else: a line that is not a header, a missing, repeated or
    oversized ``Content-Length``, input that ends inside a message and (``strict``) any header
    other than ``Content-Length`` and ``Content-Type``."""
    length: Optional[int] = None
    count = 0
    while True:
        try:
            line = await reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:
            if not exc.partial and count == 0:
                return None
            raise FramingError("the input ended inside a message header") from None
        except asyncio.LimitOverrunError as exc:
            await reader.readexactly(exc.consumed)  # drop it, so that a lenient reader goes on after it
            raise FramingError(f"a header line longer than {MAX_HEADER_LINE} bytes") from None
        if line == b"\r\n":
            if length is None:
                raise FramingError("a message without a Content-Length header")
            break
        match = _HEADER.fullmatch(line)
        if match is None:
            raise FramingError(f"not an LSP header line: {line[:80]!r}")
        count += 1
        if count > MAX_HEADERS:
            raise FramingError(f"more than {MAX_HEADERS} header lines")
        name, value = match.group(1).lower(), match.group(2)
        if name == b"content-length":
            if length is not None or not value.isdigit():
                raise FramingError(f"a bad Content-Length header: {line[:80]!r}")
            length = int(value)
            if length > MAX_BODY and strict:
                raise FramingError(f"a message of {length} bytes (at most {MAX_BODY})")
        elif name != b"content-type" and strict:
            raise FramingError(f"an unexpected header {match.group(1).decode('ascii')!r}")
    try:
        if length > MAX_BODY:  # lenient: skip it, so that the next message is read as one
            for left in range(length, 0, -(1 << 20)):
                await reader.readexactly(min(left, 1 << 20))
            raise FramingError(f"skipped a message of {length} bytes (at most {MAX_BODY})")
        return await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise FramingError("the input ended inside a message body") from None


async def _serve_stream(protocol, reader: asyncio.StreamReader, *, strict: bool) -> None:
    """Hand every message to the protocol until the input ends (or, ``strict``, is not LSP)."""
    while True:
        try:
            body = await read_frame(reader, strict=strict)
        except FramingError as exc:
            if strict:
                log.warning("closing the connection: %s", exc)
                return
            log.error("skipped input that is not an LSP message: %s", exc)
            continue
        if body is None:
            return
        protocol.handle_body(body)
        # let the handler it started take its first step (a snapshot of the documents) before the
        # next message, already buffered, changes them: a request sees the state it was sent in
        await asyncio.sleep(0)


# ------------------------------------------------------------------------------------------
# the process's lifetime


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and has not exited (a zombie has)."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return True  # nothing to watch (0 and negative numbers name process groups)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it exists
    except (OSError, OverflowError):
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rpartition(b")")[2].split()[0]
        return state not in (b"Z", b"X")
    except (OSError, IndexError):
        return True


def _child_pids() -> list[int]:
    """This process's child processes (Linux /proc; empty elsewhere)."""
    me = os.getpid()
    out = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return out
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                ppid = int(f.read().rpartition(b")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == me:
            out.append(int(entry))
    return out


class Lifetime:
    """Ends the server process: on ``exit``, at the end of the input, when the client is gone."""

    def __init__(self, protocol, *, exit_fn: Callable[[int], None] = os._exit):
        self.protocol = protocol
        self._exit = exit_fn
        self._watch: Optional[asyncio.Task] = None
        self.watch_client_process = True  # stdio: the client started us; TCP: its pid means nothing here

    def exit_code(self) -> int:
        return 0 if getattr(self.protocol, "_shutdown", False) else 1

    def end(self, code: Optional[int] = None, reason: str = "") -> None:
        """Flush the logs, stop child processes, and exit now (other threads do not hold it)."""
        code = self.exit_code() if code is None else code
        if reason:
            log.info("exiting (%s)", reason)
        for pid in _child_pids():
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
        flusher = threading.Thread(target=_flush_logs, name="jumpcoder-exit", daemon=True)
        flusher.start()
        flusher.join(0.5)  # a handler stuck on a lock must not keep the process
        self._exit(code)

    def input_ended(self) -> None:
        self.end(reason="the client closed the connection")

    def watch_client(self, pid: Any) -> None:
        """Exit when process ``pid`` (the client's processId from initialize) dies."""
        if not self.watch_client_process or not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
            return
        if self._watch is not None:
            self._watch.cancel()
        self._watch = asyncio.ensure_future(self._watch_loop(pid))

    async def _watch_loop(self, pid: int) -> None:
        while process_alive(pid):
            await asyncio.sleep(WATCH_INTERVAL_S)
        self.end(1, f"the client process {pid} is gone")


def _flush_logs() -> None:
    for logger in [logging.getLogger(), *(logging.getLogger(n) for n in list(logging.root.manager.loggerDict))]:
        for handler in getattr(logger, "handlers", []):
            try:
                handler.flush()
            except Exception:  # noqa: BLE001 - best effort, the process is ending
                pass
    for stream in (sys.stderr, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass


# ------------------------------------------------------------------------------------------
# stdio


class FdWriter:
    """Writes whole messages to a file descriptor (pygls' writer interface)."""

    def __init__(self, fd: int, on_broken: Callable[[], None]):
        self.fd = fd
        self._on_broken = on_broken
        self._lock = threading.Lock()

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        with self._lock:
            try:
                while view:
                    view = view[os.write(self.fd, view):]
            except OSError:  # BrokenPipeError included: the client is gone
                self._on_broken()

    def close(self) -> None:
        pass


def _stdin_reader(fd: int, loop: asyncio.AbstractEventLoop, reader: asyncio.StreamReader) -> None:
    """On a daemon thread (it never keeps the process): feed what ``fd`` gives to ``reader``."""
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except InterruptedError:
            continue
        except OSError:
            chunk = b""
        try:
            if chunk:
                loop.call_soon_threadsafe(reader.feed_data, chunk)
            else:
                loop.call_soon_threadsafe(reader.feed_eof)
                return
        except RuntimeError:  # the loop is closed
            return


def take_stdio() -> tuple[int, int]:
    """Duplicates of fd 0 and 1 for the protocol; fd 1 then points at stderr and fd 0 at
    /dev/null, and ``sys.stdout`` is ``sys.stderr``: nothing else can write to the stream."""
    sys.stdout.flush()
    proto_in, proto_out = os.dup(0), os.dup(1)  # not inherited by child processes
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout = sys.stderr
    return proto_in, proto_out


def serve_stdio(server) -> int:
    protocol = server.protocol
    proto_in, proto_out = take_stdio()
    lifetime = Lifetime(protocol)
    protocol.lifetime = lifetime
    protocol.set_writer(FdWriter(proto_out, lambda: lifetime.end(1, "the client closed its input")))

    async def main() -> None:
        reader = asyncio.StreamReader(limit=MAX_HEADER_LINE)
        loop = asyncio.get_running_loop()
        threading.Thread(target=_stdin_reader, args=(proto_in, loop, reader), name="jumpcoder-stdin", daemon=True).start()
        await _serve_stream(protocol, reader, strict=False)
        lifetime.input_ended()

    return _run(main(), lifetime)


def _run(coro, lifetime: Lifetime) -> int:
    try:
        asyncio.run(coro)
    except KeyboardInterrupt:
        lifetime.end(130, "interrupted")
    except SystemExit as exc:
        lifetime.end(exc.code if isinstance(exc.code, int) else 1)
    except Exception:  # noqa: BLE001 - a bug in the loop: say so, and still end now
        log.exception("the server's event loop failed")
        lifetime.end(1)
    lifetime.end()
    return 0  # not reached


# ------------------------------------------------------------------------------------------
# TCP


@dataclass(frozen=True)
class TcpOptions:
    host: str
    port: int
    #: what to bind: the resolved loopback addresses, or ``host`` as given with --tcp-allow-remote
    bind: tuple[str, ...]
    token: Optional[str]


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def tcp_options(spec: str, *, allow_remote: bool = False, token_file: Optional[str] = None,
                environ: Optional[Mapping[str, str]] = None) -> TcpOptions:
    """Check ``--tcp HOST:PORT`` and its flags; :class:`TransportError` says what is wrong."""
    environ = os.environ if environ is None else environ
    host, _, port_text = spec.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not host or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise TransportError(f"--tcp expects HOST:PORT (e.g. 127.0.0.1:2087), got {spec!r}")
    port = int(port_text)
    token = _read_token(token_file, environ)
    if allow_remote:
        if token is None:
            raise TransportError(
                f"--tcp-allow-remote needs a token: set ${TOKEN_ENV} or --tcp-token-file FILE "
                f"(at least {MIN_TOKEN_CHARS} characters); the client sends it as "
                f"initializationOptions.{TOKEN_KEY}"
            )
        return TcpOptions(host, port, (host,), token)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TransportError(f"--tcp: cannot resolve {host!r}: {exc}") from None
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos))
    remote = [a for a in addresses if not _is_loopback(a)]
    if remote or not addresses:
        raise TransportError(
            f"--tcp {spec}: {host} is not a loopback address"
            f"{'' if remote in ([], [host]) else ' (' + ', '.join(remote) + ')'}; the server "
            "listens on loopback only (127.0.0.1, ::1, localhost). To accept connections from other "
            f"machines pass --tcp-allow-remote and set a token (${TOKEN_ENV} or --tcp-token-file)"
        )
    return TcpOptions(host, port, addresses, token)


def _read_token(token_file: Optional[str], environ: Mapping[str, str]) -> Optional[str]:
    if token_file:
        try:
            with open(token_file, encoding="utf-8") as f:
                token = f.readline().strip()
        except OSError as exc:
            raise TransportError(f"--tcp-token-file: cannot read {token_file}: {exc.strerror or exc}") from None
        source = f"the token in {token_file}"
    else:
        token = environ.get(TOKEN_ENV, "").strip()
        source = f"${TOKEN_ENV}"
        if not token:
            return None
    if len(token) < MIN_TOKEN_CHARS:
        raise TransportError(f"{source} must have at least {MIN_TOKEN_CHARS} characters")
    return token


def check_first_message(data: Any, token: Optional[str]) -> Optional[str]:
    """Why the first message of a TCP connection may not start a session (None: it may). It must
    be the ``initialize`` request, with ``initializationOptions.tcpToken`` when a token is set;
    the token is removed from ``data`` (it is not a setting)."""
    if not isinstance(data, dict) or data.get("method") != "initialize" or "id" not in data:
        return "the first message must be the initialize request"
    params = data.get("params")
    options = params.get("initializationOptions") if isinstance(params, dict) else None
    sent = options.pop(TOKEN_KEY, None) if isinstance(options, dict) else None
    if token is None:
        return None
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode("utf-8"), token.encode("utf-8")):
        return f"this server needs its token in initializationOptions.{TOKEN_KEY}"
    return None


class _TcpWriter:
    def __init__(self, writer: asyncio.StreamWriter):
        self._writer = writer

    def write(self, data: bytes) -> None:
        if not self._writer.is_closing():
            self._writer.write(data)

    def close(self) -> None:
        self._writer.close()


def _reject(writer: asyncio.StreamWriter, data: Any, reason: str) -> None:
    """Answer a well-framed first message that may not start a session, then close."""
    msg_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(msg_id, (int, str)) or isinstance(msg_id, bool):
        msg_id = None
    body = json.dumps({"jsonrpc": "2.0", "id": msg_id, "error": {"code": -32600, "message": reason}}).encode()
    writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)


async def _first_message(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, token: Optional[str], peer) -> Optional[dict]:
    """The connection's ``initialize`` request when it may start the session; None otherwise (an
    error response went back when the message was well-framed JSON; nothing was handled)."""
    try:
        body = await asyncio.wait_for(read_frame(reader, strict=True), FIRST_MESSAGE_TIMEOUT_S)
        if body is None:
            return None
        data = json.loads(body)
    except (FramingError, asyncio.TimeoutError, ValueError, RecursionError) as exc:
        log.warning("closed a connection from %s that is not an LSP client: %s", peer, exc or "no message in time")
        return None
    problem = check_first_message(data, token)
    if problem is not None:
        log.warning("closed a connection from %s: %s", peer, problem)
        _reject(writer, data, problem)
        return None
    return data


def serve_tcp(server, options: TcpOptions) -> int:
    protocol = server.protocol
    lifetime = Lifetime(protocol)
    lifetime.watch_client_process = False
    protocol.lifetime = lifetime

    async def main() -> None:
        state = {"busy": False}

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            peer = writer.get_extra_info("peername")
            if state["busy"]:
                log.warning("refused a connection from %s: one client at a time", peer)
                writer.close()
                return
            state["busy"] = True
            data = None
            try:
                data = await _first_message(reader, writer, options.token, peer)
            finally:
                if data is None:  # rejected: the next connection may try
                    state["busy"] = False
            if data is None:
                writer.close()
                return
            # the session: this client only, until it exits or goes away
            listener.close()  # one client: later connections are refused by the system
            protocol.set_writer(_TcpWriter(writer))
            protocol.handle_data(data)
            await _serve_stream(protocol, reader, strict=True)
            lifetime.input_ended()

        try:
            listener = await asyncio.start_server(on_connect, list(options.bind), options.port, limit=MAX_HEADER_LINE)
        except OSError as exc:
            print(f"jumpcoder-lsp: cannot listen on {options.host}:{options.port}: {exc.strerror or exc}",
                  file=sys.stderr, flush=True)
            lifetime.end(2)
        where = ", ".join(_format_address(sock.getsockname()) for sock in listener.sockets)
        # stderr: no client is connected yet to receive a window/logMessage
        print(f"jumpcoder-lsp: listening on {where} (one client{', token required' if options.token else ''})",
              file=sys.stderr, flush=True)
        await asyncio.Event().wait()  # the lifetime ends the process

    return _run(main(), lifetime)


def _format_address(sockname) -> str:
    host, port = sockname[0], sockname[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
