"""Engines for the remote runtime's tests: llama-cpp-python's OpenAI-compatible server on loopback
(the real engine, the default GGUF, all logits on) and a tiny fake HTTP server for the failure cases
(slow, a web page, malformed JSON, a wrong key)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Optional

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """``python -m llama_cpp.server`` on 127.0.0.1 with the default GGUF: ``--logits_all true`` (prompt
    log-probabilities), one thread (a shared CPU), ``--interrupt_requests false`` (otherwise a new
    request cuts the running stream short)."""

    def __init__(self, gguf, port: Optional[int] = None, api_key: Optional[str] = None, threads: int = 1,
                 log=None):
        self.gguf, self.port, self.api_key, self.threads = str(gguf), port or free_port(), api_key, threads
        self.log = log  # a path for the server's output (its access log), or None
        self.proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait_s: float = 180.0) -> "LlamaServer":
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", self.gguf, "--logits_all", "true",
               "--n_threads", str(self.threads), "--n_threads_batch", str(self.threads), "--n_ctx", "2048",
               "--interrupt_requests", "false", "--host", "127.0.0.1", "--port", str(self.port)]
        if self.api_key:
            cmd += ["--api_key", self.api_key]
        env = dict(os.environ, OMP_NUM_THREADS=str(self.threads))
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                     preexec_fn=lambda: os.nice(10))
        if self.log:
            out.close()
        import httpx

        deadline = time.monotonic() + wait_s
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.proc.returncode}")
            try:
                if httpx.get(self.url + "/v1/models", headers=headers, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError("llama_cpp.server did not come up")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
        self.proc = None


def require_llama_server():
    """The default GGUF and llama-cpp-python's server extra, or skip."""
    pytest.importorskip("httpx")
    pytest.importorskip("llama_cpp")
    pytest.importorskip("fastapi")
    pytest.importorskip("sse_starlette")
    pytest.importorskip("pydantic_settings")
    from tests.runtime.test_llamacpp_runtime import default_gguf

    path = default_gguf()
    if path is None:
        pytest.skip("the default GGUF is not in the cache (run: jumpcoder-lsp models fetch)")
    return path


_SHARED: Optional[LlamaServer] = None


def shared_llama_server() -> LlamaServer:
    """One server for the whole test session (loading it costs seconds; stopped at exit)."""
    global _SHARED
    if _SHARED is None:
        path = require_llama_server()
        _SHARED = LlamaServer(path).start()
        import atexit

        atexit.register(_SHARED.stop)
    return _SHARED


# --------------------------------------------------------------------------- a fake engine


class FakeEngine:
    """A threaded HTTP server on loopback; ``handler(request) -> (status, content_type, body, delay_s)``
    where ``request`` has ``method``, ``path``, ``headers`` and ``json``."""

    def __init__(self, handler: Callable):
        outer = self
        self.handler = handler
        self.seen: list[dict] = []

        class H(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _do(self):
                n = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(n) if n else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                req = {"method": self.command, "path": self.path, "headers": dict(self.headers), "json": body}
                outer.seen.append(req)
                status, ctype, payload, delay = outer.handler(req)
                if delay:
                    time.sleep(delay)
                data = payload.encode() if isinstance(payload, str) else payload
                try:
                    self.send_response(status)
                    self.send_header("content-type", ctype)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = _do

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def openai_models(model: str = "fake") -> str:
    return json.dumps({"object": "list", "data": [{"id": model, "object": "model"}]})
