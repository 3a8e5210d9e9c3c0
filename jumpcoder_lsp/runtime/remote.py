"""The remote runtime: the two verbs of the contract (:mod:`~jumpcoder_lsp.runtime.base`) over HTTP, on
an inference engine somebody else runs (llama-cpp-python's ``llama_cpp.server``, vLLM, SGLang), so that
``jumpcoder-lsp serve`` needs neither torch nor llama.cpp on the laptop.

Dialects (``api``):

* ``openai``: ``/v1/completions``. ``generate`` streams one request per branch, all branches at once
  (concurrent requests: llama-cpp-python's server takes one prompt per request, vLLM batches concurrent
  requests itself); the stop rule, a Python callable, runs here on the streamed text, and the stream is
  closed as soon as it fires (or the caller cancels). ``score`` sends the context and the target as one
  prompt with ``echo`` + ``logprobs`` + ``max_tokens=1``: the engine returns each prompt token's
  log-probability, the top-n alternatives and the token's character offset, and the target's tokens
  are the ones whose text reaches into the target (the last ``len(target)`` characters).
  Run here against llama-cpp-python 0.3.36's server; vLLM's server speaks the same request and is
  reported to answer it (its own docs) but was **not run** here.
* ``sglang``: SGLang's native ``/generate`` with ``return_logprob`` / ``logprob_start_len`` /
  ``top_logprobs_num`` / ``return_text_in_logprobs``, built from SGLang's documentation
  (``docs/sampling_params.md``, ``native_api``) only: **never run against a live SGLang server**.

What the engine returns are log-probabilities, not raw logits (the paper's S): :attr:`score_kind` says
``"logprob"`` and :class:`~jumpcoder_lsp.runtime.base.Scored` carries the log-probability in both
``logits`` and ``logprobs`` (see docs/remote.md for what that does to the judges). When the engine
answers no prompt log-probabilities, :attr:`score_kind` is ``None``, the description says so, and
``score`` returns empty scores: the engine then finds no uncertain line and no scoring verdict, so only
the AST judge (and speculative infills never verify) -- JumpCoder degrades to AST-judge-only, visibly.

Prompt alignment (probed once at start, :meth:`RemoteRuntime.probe`): llama-cpp-python's server gives
each echoed prompt token the log-probability from its *own* row instead of the previous one unless the
prompt starts with the document-start token (it drops that token and the rows line up again). The probe
sends a counting prompt with and without the start token and checks whether the best alternative at
each entry is the token at that entry (aligned) or at the next one (shifted). For a shifted prompt the
score of token ``j`` is read from the alternatives of entry ``j-1`` (the right row): exact greedy
choices, and the log-probability whenever the actual token is among the top ``top_logprobs`` (NaN
otherwise; the engine skips NaN scores).

Token ids: tokenization happens on the engine side and the engines answer token *texts*; the ids in
``Scored.tokens`` / ``greedy`` / ``Generated.tokens`` are this runtime's own interned ids of those texts
(equal texts, equal ids), enough for the engine's greedy == actual checks.

Security: the endpoint, model and API key are trusted settings only (environment / command line,
:meth:`RemoteSettings.from_environment`); the key is read from an environment variable or a file,
sent as a bearer token and never logged or shown (``repr`` of the settings leaves it out).
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence
from urllib.parse import urlparse

from .base import Cancelled, CancelCheck, Generated, GenRequest, Prompt, Scored, ScoreRequest, Special

log = logging.getLogger(__name__)

APIS = ("openai", "sglang")
ENV_PREFIX = "JUMPCODER_LSP_REMOTE_"
#: the prompt the alignment probe scores: every next token is near certain
PROBE_TEXT = "1, 2, 3, 4, 5, 6, 7"


# --------------------------------------------------------------------------- errors


class RemoteError(RuntimeError):
    """The remote engine could not answer; the message says why and what to check."""


class EndpointDown(RemoteError):
    """Nothing answers at the endpoint (connection refused, DNS, reset) after the retries."""


class EngineTimeout(RemoteError):
    """The engine did not answer within the timeout."""


class NotAnEngine(RemoteError):
    """Something answers, but not an inference engine's API (an ordinary web page, a 404)."""


class AuthError(RemoteError):
    """The engine refused the API key (HTTP 401/403)."""


class MalformedAnswer(RemoteError):
    """The engine answered JSON without the fields this runtime needs."""


class MissingCapability(RemoteError):
    """The engine lacks something a call needs (e.g. prompt log-probabilities)."""


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class RemoteSettings:
    """Where the engine is and how to talk to it. Trusted settings: built from the process's
    environment or command line, never from a client's or a workspace's settings."""

    endpoint: str
    api: Optional[str] = None  # "openai" | "sglang" | None: detected
    model: Optional[str] = None  # the engine's model name (None: the first it lists)
    infill_model: Optional[str] = None  # for the infilling role when it differs
    api_key_env: Optional[str] = None  # name of the environment variable holding the key
    api_key_file: Optional[str] = None  # or a file holding it
    connect_timeout_s: float = 5.0
    timeout_s: float = 60.0  # per request (read); a slow engine raises EngineTimeout
    retries: int = 2  # on connection errors and 5xx
    backoff_s: float = 0.5  # first retry after this, then doubled
    top_logprobs: int = 5  # alternatives per scored position (greedy choice and shifted scores)
    concurrency: int = 8  # concurrent requests (branches of one generate, targets of one score)
    start_token: Optional[str] = None  # the document-start token's text (None: the preset's first stop token)

    def __post_init__(self) -> None:
        url = urlparse(self.endpoint or "")
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ValueError(f"remote endpoint must be an http(s) URL, got {self.endpoint!r}")
        if self.api is not None and self.api not in APIS:
            raise ValueError(f"remote api must be one of {', '.join(APIS)} (or unset: detected), got {self.api!r}")
        for name in ("connect_timeout_s", "timeout_s"):
            if not (isinstance(getattr(self, name), (int, float)) and getattr(self, name) > 0):
                raise ValueError(f"remote {name} must be a positive number, got {getattr(self, name)!r}")
        if not (isinstance(self.retries, int) and 0 <= self.retries <= 10):
            raise ValueError(f"remote retries must be an integer in 0..10, got {self.retries!r}")
        if not (isinstance(self.top_logprobs, int) and 1 <= self.top_logprobs <= 20):
            raise ValueError(f"remote top_logprobs must be an integer in 1..20, got {self.top_logprobs!r}")

    @classmethod
    def from_environment(cls, env: Optional[Mapping[str, str]] = None, **overrides: Any) -> Optional["RemoteSettings"]:
        """``JUMPCODER_LSP_REMOTE_ENDPOINT`` (required; None when unset), ``_API``, ``_MODEL``,
        ``_INFILL_MODEL``, ``_API_KEY`` (the key itself) or ``_API_KEY_FILE``, ``_TIMEOUT_S``,
        ``_CONNECT_TIMEOUT_S``, ``_RETRIES``, ``_TOP_LOGPROBS``, ``_CONCURRENCY``, ``_START_TOKEN``;
        ``overrides`` (the command line) win over the environment."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, conv in (("endpoint", str), ("api", str), ("model", str), ("infill_model", str),
                           ("api_key_file", str), ("start_token", str), ("timeout_s", float),
                           ("connect_timeout_s", float), ("retries", int), ("top_logprobs", int),
                           ("concurrency", int)):
            raw = env.get(ENV_PREFIX + name.upper())
            if raw not in (None, ""):
                try:
                    values[name] = conv(raw)
                except ValueError:
                    raise ValueError(f"{ENV_PREFIX}{name.upper()} must be a {conv.__name__}, got {raw!r}") from None
        if env.get(ENV_PREFIX + "API_KEY"):
            values["api_key_env"] = ENV_PREFIX + "API_KEY"
        values.update({k: v for k, v in overrides.items() if v is not None})
        if not values.get("endpoint"):
            return None
        return cls(**values)

    def read_api_key(self, env: Optional[Mapping[str, str]] = None) -> Optional[str]:
        """The key from the named environment variable or the file (stripped); None when neither."""
        env = os.environ if env is None else env
        if self.api_key_env and env.get(self.api_key_env):
            return env[self.api_key_env].strip()
        if self.api_key_file:
            try:
                with open(os.path.expanduser(self.api_key_file), encoding="utf-8") as f:
                    key = f.read().strip()
            except OSError as exc:
                raise RemoteError(f"cannot read the remote API key file {self.api_key_file}: {exc.strerror}") from None
            return key or None
        return None


# --------------------------------------------------------------------------- the runtime


class _Interner:
    """Runtime-local ids for token texts (equal texts, equal ids)."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self.texts: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, text: Optional[str]) -> int:
        if text is None:
            return -1
        with self._lock:
            got = self._ids.get(text)
            if got is None:
                got = self._ids[text] = len(self._ids)
                self.texts.append(text)
            return got


def _is_loopback(host: str) -> bool:
    return host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")


class RemoteRuntime:
    """A :class:`~jumpcoder_lsp.runtime.base.Runtime` over an inference engine's HTTP API.

    ``stop_tokens``: texts that end a generated branch like EOS (the preset's stop tokens and the FIM
    dialect's end markers): sent to the engine as ``stop`` and cut here too. ``client``: an
    ``httpx.Client`` to use instead of one built from the settings (tests). ``probe``: probe the
    engine now (the default; :meth:`probe` raises the errors above when it is down or not an engine).
    """

    def __init__(self, settings: RemoteSettings, *, stop_tokens: Sequence[str] = (), name: Optional[str] = None,
                 model: Optional[str] = None, client=None, probe: bool = True,
                 env: Optional[Mapping[str, str]] = None):
        import httpx

        self._httpx = httpx
        self.settings = settings
        self.stop_tokens = tuple(t for t in stop_tokens if t)
        self.start_token = settings.start_token or (self.stop_tokens[0] if self.stop_tokens else None)
        self.model = model or settings.model
        self.name = name or self.model or "remote model"
        key = settings.read_api_key(env)
        host = urlparse(settings.endpoint).hostname or ""
        if key and urlparse(settings.endpoint).scheme == "http" and not _is_loopback(host):
            log.warning("the remote API key is sent unencrypted over http to %s; use https", host)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = client or httpx.Client(
            base_url=settings.endpoint.rstrip("/"), headers=headers,
            timeout=httpx.Timeout(settings.timeout_s, connect=settings.connect_timeout_s),
            limits=httpx.Limits(max_connections=max(1, settings.concurrency) + 2),
        )
        self._pool = ThreadPoolExecutor(max_workers=max(1, settings.concurrency), thread_name_prefix="remote")
        self._intern = _Interner()
        self._warned_bad_words = False
        self.api: Optional[str] = settings.api
        #: "logprob" when the engine answers prompt log-probabilities, None when it does not
        self.score_kind: Optional[str] = None
        #: per prompt start (True: starts with the start token): 0 aligned, 1 shifted by one entry
        self.shift: dict[bool, int] = {True: 0, False: 0}
        self.score_problem: Optional[str] = None
        # counters (the benchmark and docs/scale-out.md read them)
        self.requests = 0
        self.retried = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self._count_lock = threading.Lock()
        self.description = f"remote {settings.endpoint} (not probed)"
        if probe:
            self.probe()

    # ------------------------------------------------------------------ HTTP

    def _count(self, usage: Optional[Mapping[str, Any]]) -> None:
        with self._count_lock:
            self.requests += 1
            if isinstance(usage, Mapping):
                self.prompt_tokens += int(usage.get("prompt_tokens") or 0)
                self.completion_tokens += int(usage.get("completion_tokens") or 0)

    def _send(self, method: str, path: str, body: Optional[dict] = None, *, stream: bool = False):
        """One HTTP exchange with retries (connection errors, 5xx) and backoff; returns the open
        response when ``stream`` (the caller closes it), else the parsed JSON."""
        httpx = self._httpx
        where = f"{self.settings.endpoint.rstrip('/')}{path}"
        attempt = 0
        while True:
            try:
                request = self._client.build_request(method, path, json=body)
                response = self._client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                if isinstance(exc, httpx.ConnectTimeout) and attempt < self.settings.retries:
                    attempt = self._backoff(attempt, where, exc)
                    continue
                raise EngineTimeout(f"the engine at {where} did not answer within "
                                    f"{self.settings.timeout_s:g} s ({type(exc).__name__})") from None
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                if attempt < self.settings.retries:
                    attempt = self._backoff(attempt, where, exc)
                    continue
                raise EndpointDown(f"the engine at {self.settings.endpoint} is down or unreachable "
                                   f"({type(exc).__name__}: {exc}) after {attempt + 1} tries") from None
            if response.status_code >= 500 and attempt < self.settings.retries:
                response.close()
                attempt = self._backoff(attempt, where, f"HTTP {response.status_code}")
                continue
            if response.status_code >= 400 or not stream:
                try:
                    response.read()
                except httpx.TimeoutException:
                    response.close()
                    raise EngineTimeout(f"the engine at {where} stopped answering for "
                                        f"{self.settings.timeout_s:g} s mid-answer") from None
                except httpx.HTTPError as exc:
                    response.close()
                    raise EndpointDown(f"the engine at {where} dropped the answer ({type(exc).__name__})") from None
                finally:
                    response.close()
                if response.status_code >= 400:
                    self._raise_status(response, where)
                return self._json(response, where)
            return response

    def _backoff(self, attempt: int, where: str, why) -> int:
        delay = self.settings.backoff_s * (2 ** attempt)
        log.info("remote engine %s: %s; retry %d in %.1f s", where, why, attempt + 1, delay)
        with self._count_lock:
            self.retried += 1
        time.sleep(delay)
        return attempt + 1

    def _raise_status(self, response, where: str):
        code = response.status_code
        if code in (401, 403):
            raise AuthError(f"the engine at {self.settings.endpoint} refused the API key (HTTP {code}): set "
                            f"{ENV_PREFIX}API_KEY or {ENV_PREFIX}API_KEY_FILE to the engine's key")
        detail = _error_detail(response)
        if code in (404, 405):
            raise NotAnEngine(f"{where} answered HTTP {code}: no {self.api or 'inference'} API there "
                              f"(is {self.settings.endpoint} the engine's base URL?){detail}")
        raise RemoteError(f"the engine at {where} answered HTTP {code}{detail}")

    def _json(self, response, where: str):
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            kind = response.headers.get("content-type", "?").split(";")[0]
            raise NotAnEngine(f"{where} answered {kind}, not JSON: an ordinary web page or proxy, not an "
                              f"inference engine (check {ENV_PREFIX}ENDPOINT)") from None

    # ------------------------------------------------------------------ probing

    def probe(self) -> None:
        """Once at start: which API, which model, and whether (and how aligned) prompt
        log-probabilities come back. Raises :class:`EndpointDown`, :class:`NotAnEngine`,
        :class:`AuthError` when the engine cannot be used at all."""
        api = self.settings.api
        if api in (None, "openai"):
            try:
                listed = self._send("GET", "/v1/models")
                ids = [m.get("id") for m in listed.get("data", []) if isinstance(m, Mapping)] \
                    if isinstance(listed, Mapping) else []
                if not ids and api is None:
                    raise NotAnEngine("no models listed")
                self.api = "openai"
                if self.model is None:
                    if not ids:
                        raise NotAnEngine(f"{self.settings.endpoint}/v1/models lists no model")
                    self.model = ids[0]
                elif ids and self.model not in ids:
                    log.warning("model %r is not among the engine's models %s", self.model, ids[:5])
            except NotAnEngine:
                if api == "openai":
                    raise
        if self.api is None:
            try:
                info = self._send("GET", "/get_model_info")
            except NotAnEngine:
                raise NotAnEngine(f"{self.settings.endpoint} is not an inference engine: neither an OpenAI-"
                                  "compatible /v1/models nor SGLang's /get_model_info answered") from None
            if not isinstance(info, Mapping) or "model_path" not in info:
                raise NotAnEngine(f"{self.settings.endpoint}/get_model_info is not SGLang's answer")
            self.api = "sglang"
            self.model = self.model or info.get("model_path")
        self.name = self.name if self.name != "remote model" else (self.model or self.name)
        self._probe_scores()
        score = ("prompt log-probabilities" if self.score_kind else
                 f"no prompt log-probabilities ({self.score_problem}): AST judge only")
        self.description = f"remote {self.api} {self.model} at {self.settings.endpoint} ({score})"
        log.info("remote runtime: %s", self.description)

    def _probe_scores(self) -> None:
        try:
            entries = {}
            for start in (True, False):
                if start and not self.start_token:
                    continue
                prompt = (self.start_token or "") + PROBE_TEXT if start else PROBE_TEXT
                entries[start] = self._echo(prompt, PROBE_TEXT)
        except (MissingCapability, MalformedAnswer, RemoteError) as exc:
            if isinstance(exc, (EndpointDown, AuthError, EngineTimeout)):
                raise
            self.score_kind, self.score_problem = None, str(exc)
            log.warning("remote engine %s: %s; scoring off, the AST judge only", self.settings.endpoint, exc)
            return
        for start, ents in entries.items():
            same = sum(1 for i, e in enumerate(ents) if e.best is not None and e.best == e.text)
            nxt = sum(1 for i, e in enumerate(ents[:-1]) if e.best is not None and e.best == ents[i + 1].text)
            self.shift[start] = 1 if nxt > same else 0
            log.info("remote alignment probe (start token %s): aligned %d, shifted %d -> shift %d",
                     "first" if start else "absent", same, nxt, self.shift[start])
        if not self.start_token:
            self.shift[True] = self.shift[False]
        self.score_kind = "logprob"

    # ------------------------------------------------------------------ prompts

    def render(self, prompt: Prompt) -> str:
        """The prompt as the engine's text: control tokens as their text (the engine parses them), and
        the document-start token first when the prompt starts with text (as the local runtimes do)."""
        text = "".join(p.text if isinstance(p, Special) else p for p in prompt)
        if (not prompt or not isinstance(prompt[0], Special)) and self.start_token:
            text = self.start_token + text
        return text

    def _starts(self, text: str) -> bool:
        return bool(self.start_token) and text.startswith(self.start_token)

    # ------------------------------------------------------------------ score

    def score(self, requests: Sequence[ScoreRequest]) -> list[Scored]:
        """Each target scored given its context, one echo request per target (concurrently). Without
        prompt log-probabilities (:attr:`score_kind` None) every result is empty (see the module doc)."""
        requests = list(requests)
        if self.score_kind is None:
            return [_empty() for _ in requests]
        futures = [self._pool.submit(self._score_one, r) for r in requests]
        return [f.result() for f in futures]

    def _score_one(self, req: ScoreRequest) -> Scored:
        target = req.target
        if not target:
            return _empty()
        prompt = self.render(req.context) + target
        entries = self._echo(prompt, target)
        shift = self.shift[self._starts(prompt)]
        return _target_scores(entries, target, shift, self._intern)

    def _echo(self, prompt: str, tail: str) -> list["_Entry"]:
        """The prompt's entries (token text, character offset or None, log-probability, top
        alternatives, best alternative) as the engine echoes them, without generated entries."""
        n = self.settings.top_logprobs
        if self.api == "sglang":
            body = {"text": prompt, "sampling_params": {"max_new_tokens": 1, "temperature": 0},
                    "return_logprob": True, "logprob_start_len": 0, "top_logprobs_num": n,
                    "return_text_in_logprobs": True}
            data = self._send("POST", "/generate", body)
            meta = data.get("meta_info") if isinstance(data, Mapping) else None
            if not isinstance(meta, Mapping):
                raise MalformedAnswer(f"{self.settings.endpoint}/generate answered without meta_info")
            self._count({"prompt_tokens": meta.get("prompt_tokens"), "completion_tokens": meta.get("completion_tokens")})
            rows, tops = meta.get("input_token_logprobs"), meta.get("input_top_logprobs")
            if not isinstance(rows, list) or not rows:
                raise MissingCapability("the engine returned no input_token_logprobs (prompt log-probabilities)")
            tops = tops if isinstance(tops, list) else [None] * len(rows)
            out = []
            for row, top in zip(rows, tops):
                lp, _tid, text = (list(row) + [None, None, None])[:3]
                alts = {str(t[2]): float(t[0]) for t in (top or []) if isinstance(t, (list, tuple)) and len(t) >= 3
                        and t[0] is not None}
                out.append(_Entry(text or "", None, _num(lp), alts))
            return out
        body = {"prompt": prompt, "max_tokens": 1, "echo": True, "logprobs": n, "temperature": 0}
        if self.model:
            body["model"] = self.model
        data = self._send("POST", "/v1/completions", body)
        try:
            choice = data["choices"][0]
        except (KeyError, IndexError, TypeError):
            raise MalformedAnswer(f"{self.settings.endpoint}/v1/completions answered without choices") from None
        usage = data.get("usage") if isinstance(data, Mapping) else None
        self._count(usage)
        lp = choice.get("logprobs") if isinstance(choice, Mapping) else None
        if not isinstance(lp, Mapping) or not lp.get("tokens"):
            raise MissingCapability("the engine echoed no prompt log-probabilities (echo + logprobs); "
                                    "llama-cpp-python's server needs --logits_all true")
        try:
            toks, offs = list(lp["tokens"]), list(lp.get("text_offset") or [None] * len(lp["tokens"]))
            lps, tops = list(lp["token_logprobs"]), list(lp.get("top_logprobs") or [None] * len(toks))
        except (KeyError, TypeError):
            raise MalformedAnswer("the engine's logprobs lack tokens/token_logprobs") from None
        if not (len(toks) == len(lps) == len(tops) == len(offs)):
            raise MalformedAnswer("the engine's logprobs lists differ in length")
        out = []
        for t, o, v, top in zip(toks, offs, lps, tops):
            alts = {str(k): float(x) for k, x in top.items() if x is not None} if isinstance(top, Mapping) else {}
            out.append(_Entry(str(t), o if isinstance(o, int) else None, _num(v), alts))
        return _drop_generated(out, prompt, tail, str(choice.get("text") or ""), usage)

    # ------------------------------------------------------------------ generate

    def generate(self, requests: Sequence[GenRequest], cancel: Optional[CancelCheck] = None) -> list[Generated]:
        """Greedy continuations of every branch, one streamed request each, all at once. ``cancel()``
        is polled every 20 ms: when it fires, every open stream is closed and :class:`Cancelled`
        raised. ``bad_words`` cannot be sent (the engines take token ids) and are ignored (logged once)."""
        requests = list(requests)
        if not requests:
            return []
        if cancel is not None and cancel():
            raise Cancelled()
        if any(r.bad_words for r in requests) and not self._warned_bad_words:
            self._warned_bad_words = True
            log.warning("the remote runtime cannot forbid bad words (engines take token ids); ignored")
        state = _Streams()
        futures = [self._pool.submit(self._generate_one, r, state) for r in requests]
        try:
            while True:
                done, pending = wait(futures, timeout=0.02)
                if not pending:
                    break
                if cancel is not None and cancel():
                    state.close_all()
                    raise Cancelled()
                if any(f.exception() is not None for f in done):
                    state.close_all()  # one branch failed: the call fails, stop the others
                    break
        except BaseException:
            state.close_all()
            raise
        return [f.result() for f in futures]

    def _generate_one(self, req: GenRequest, state: "_Streams") -> Generated:
        if req.max_new_tokens <= 0:
            return Generated(text="", tokens=[], finish="length")
        prompt = self.render(req.prompt)
        if self.api == "sglang":
            body = {"text": prompt, "stream": True,
                    "sampling_params": {"max_new_tokens": req.max_new_tokens, "temperature": 0,
                                        "stop": list(self.stop_tokens), "skip_special_tokens": False}}
            path = "/generate"
        else:
            body = {"prompt": prompt, "max_tokens": req.max_new_tokens, "temperature": 0, "stream": True,
                    # no penalties: llama-cpp-python's server defaults repeat_penalty to 1.1; vLLM's name
                    "repeat_penalty": 1.0, "repetition_penalty": 1.0, "frequency_penalty": 0.0,
                    "presence_penalty": 0.0}
            if self.stop_tokens:
                body["stop"] = list(self.stop_tokens)
            if self.model:
                body["model"] = self.model
            path = "/v1/completions"
        if state.closed:
            raise Cancelled()
        response = self._send("POST", path, body, stream=True)
        state.add(response)
        text, pieces, finish, events = "", [], None, 0
        try:
            for chunk in _sse(response, self.settings.endpoint):
                events += 1
                piece, engine_finish = self._chunk(chunk, text)
                if piece:
                    text += piece
                    pieces.append(self._intern(piece))
                    cut = _stop_cut(text, self.stop_tokens)
                    if cut is not None:
                        text, finish = text[:cut], "eos"
                        break
                    rule = req.stop(text)
                    if rule is not None:
                        text, finish = text[: max(0, rule)], "stop"
                        break
                    if len(pieces) >= req.max_new_tokens:
                        finish = "length"
                        break
                if engine_finish:
                    finish = "length" if engine_finish == "length" else "eos"
                    break
        except self._httpx.TimeoutException:
            if state.closed:
                raise Cancelled() from None
            raise EngineTimeout(f"the engine at {self.settings.endpoint} stopped streaming for "
                                f"{self.settings.timeout_s:g} s") from None
        except self._httpx.HTTPError as exc:
            if state.closed:
                raise Cancelled() from None
            raise EndpointDown(f"the engine at {self.settings.endpoint} dropped the stream "
                               f"({type(exc).__name__}); it may have restarted") from None
        finally:
            response.close()
            state.remove(response)
        if state.closed and finish is None:
            raise Cancelled()
        if finish is None and events == 0:
            raise MalformedAnswer(f"{self.settings.endpoint} answered the streamed request with no server-sent "
                                  "events (not an inference engine's stream)")
        if finish is None:
            raise RemoteError(f"the engine at {self.settings.endpoint} ended the stream without a finish reason "
                              "(llama_cpp.server cuts a stream short when another request arrives unless "
                              "started with --interrupt_requests false)")
        self._count({"completion_tokens": len(pieces)})
        return Generated(text=text, tokens=pieces, finish=finish or "eos")

    def _chunk(self, chunk: Mapping[str, Any], so_far: str) -> tuple[str, Optional[str]]:
        """(new text, the engine's finish reason or None) of one streamed event."""
        if self.api == "sglang":
            full = chunk.get("text") or ""
            meta = chunk.get("meta_info") or {}
            reason = meta.get("finish_reason") if isinstance(meta, Mapping) else None
            reason = reason.get("type") if isinstance(reason, Mapping) else reason
            # SGLang streams the text so far (cumulative) unless started with incremental output
            piece = full[len(so_far):] if full.startswith(so_far) else full
            return piece, reason
        try:
            choice = chunk["choices"][0]
        except (KeyError, IndexError, TypeError):
            raise MalformedAnswer(f"{self.settings.endpoint} streamed an event without choices") from None
        return (choice.get("text") or ""), choice.get("finish_reason")

    # ------------------------------------------------------------------ the rest of the contract

    def token_text(self, token: int) -> Optional[str]:
        """The text behind one of this runtime's token ids (None for -1: no greedy choice known)."""
        return self._intern.texts[token] if 0 <= token < len(self._intern.texts) else None

    def count_tokens(self, text: str) -> int:
        """An estimate (4 characters a token): tokenization happens on the engine."""
        return max(1, len(text) // 4) if text else 0

    def clear_cache(self) -> None:
        """Nothing to clear here: the engine owns its prefix cache."""

    def counters(self) -> dict[str, int]:
        with self._count_lock:
            return {"requests": self.requests, "retried": self.retried,
                    "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens}

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        try:
            self._client.close()
        except Exception:  # pragma: no cover
            pass

    def __repr__(self) -> str:  # the key never appears
        return f"RemoteRuntime({self.settings.endpoint!r}, api={self.api!r}, model={self.model!r})"


# --------------------------------------------------------------------------- helpers


@dataclass
class _Entry:
    text: str
    offset: Optional[int]
    logprob: float
    alts: dict = field(default_factory=dict)

    @property
    def best(self) -> Optional[str]:
        return max(self.alts, key=self.alts.get) if self.alts else None


class _Streams:
    """The open streamed responses of one generate call, closed together on cancel."""

    def __init__(self) -> None:
        self._open: set = set()
        self._lock = threading.Lock()
        self.closed = False

    def add(self, response) -> None:
        with self._lock:
            if self.closed:
                response.close()
                raise Cancelled()
            self._open.add(response)

    def remove(self, response) -> None:
        with self._lock:
            self._open.discard(response)

    def close_all(self) -> None:
        with self._lock:
            self.closed = True
            open_now, self._open = list(self._open), set()
        for response in open_now:
            try:
                response.close()
            except Exception:  # pragma: no cover - closing a half-read stream from another thread
                pass


def _num(v) -> float:
    try:
        return float(v) if v is not None else math.nan
    except (TypeError, ValueError):
        return math.nan


def _empty() -> Scored:
    return Scored(tokens=[], offsets=[], logits=[], logprobs=[], greedy=[])


def _error_detail(response) -> str:
    try:
        data = json.loads(response.content)
        msg = data.get("error", data.get("detail", data)) if isinstance(data, Mapping) else data
        if isinstance(msg, Mapping):
            msg = msg.get("message", msg)
        text = str(msg)
    except (ValueError, UnicodeDecodeError):
        text = ""
    return f": {text[:300]}" if text else ""


def _stop_cut(text: str, stops: Sequence[str]) -> Optional[int]:
    cuts = [i for i in (text.find(s) for s in stops) if i >= 0]
    return min(cuts) if cuts else None


def _sse(response, endpoint: str) -> Iterator[Mapping[str, Any]]:
    """The JSON events of a server-sent-events stream (``data: {...}`` lines, ``[DONE]`` ends)."""
    content_type = response.headers.get("content-type", "")
    if "text/html" in content_type:
        raise NotAnEngine(f"{endpoint} streamed an HTML page, not an inference engine's events")
    for line in response.iter_lines():
        line = line.strip()
        if not line or line.startswith(":"):
            continue
        if not line.startswith("data:"):
            continue  # event:, id:, retry: lines
        payload = line[5:].strip()
        if payload == "[DONE]":
            return
        try:
            event = json.loads(payload)
        except ValueError:
            raise MalformedAnswer(f"{endpoint} streamed an event that is not JSON: {payload[:80]!r}") from None
        if isinstance(event, Mapping) and "error" in event and "choices" not in event:
            raise RemoteError(f"the engine at {endpoint} failed mid-stream: {str(event['error'])[:300]}")
        if not isinstance(event, Mapping):
            raise MalformedAnswer(f"{endpoint} streamed a non-object event")
        yield event


def _drop_generated(entries: list[_Entry], prompt: str, tail: str, echoed: str, usage) -> list[_Entry]:
    """The echoed entries without the one generated token (``max_tokens=1``). Whether it is there
    differs by engine (llama-cpp-python's server leaves it out when the prompt does not start with the
    document-start token), so it is told by text: the echoed text is the prompt plus the generated
    text, and the entries' texts end with ``tail`` (the prompt's known plain-text end: the target)
    plus the generated text exactly when it is there (unless ``tail`` repeats with the generated
    text's period, as in ``"\\n\\n\\n"`` + ``"\\n"``: then the usage counts decide)."""
    generated = echoed[len(prompt):] if echoed.startswith(prompt) else None
    if generated is None:  # no echoed text to tell by: the usage counts (OpenAI's rule)
        n = int(usage.get("completion_tokens") or 0) if isinstance(usage, Mapping) else 0
        return entries[: max(0, len(entries) - n)]
    if not generated or not entries:
        return entries
    joined = "".join(e.text for e in entries)
    if (tail + generated).endswith(tail) and joined.endswith(tail + generated):
        n = int(usage.get("completion_tokens") or 0) if isinstance(usage, Mapping) else 0
        return entries[: max(0, len(entries) - n)]
    if joined.endswith(tail + generated):
        # drop the generated entries (one, or a few when a token's text came split)
        total, k = 0, len(entries)
        while k > 0 and total < len(generated):
            k -= 1
            total += len(entries[k].text)
        return entries[:k] if total == len(generated) else entries
    return entries


def _target_scores(entries: Sequence[_Entry], target: str, shift: int, intern: Callable[[Optional[str]], int]) -> Scored:
    """The target's tokens among the echoed prompt's entries, with their character spans in the target
    (they tile it) and scores. The target is the prompt's last ``len(target)`` characters. The spans
    come from the engine's character offsets when it gives them, else from the token texts."""
    n = len(entries)
    if n == 0:
        raise MalformedAnswer("the engine echoed no prompt tokens")
    offs = [e.offset for e in entries]
    if all(o is not None for o in offs):
        ends = offs[1:] + [offs[-1] + len(entries[-1].text)]
        starts = list(offs)
    else:  # no offsets (SGLang): lay the token texts out backwards from the end
        ends, starts = [0] * n, [0] * n
        pos = 0
        for j in range(n - 1, -1, -1):
            ends[j] = pos
            pos -= len(entries[j].text)
            starts[j] = pos
        base = -pos
        starts = [s + base for s in starts]
        ends = [e + base for e in ends]
    prompt_end = ends[-1]
    t0 = prompt_end - len(target)
    first = next((j for j in range(n) if ends[j] > t0), n)
    tokens, spans, values, greedy = [], [], [], []
    prev_end = 0
    for j in range(first, n):
        s = prev_end  # the spans tile the target: each starts where the previous one ended
        e = max(s, min(len(target), ends[j] - t0))
        if j == n - 1:
            e = len(target)
        spans.append((s, e))
        prev_end = e
        entry = entries[j]
        tokens.append(intern(entry.text))
        if shift:
            row = entries[j - 1] if j >= 1 else None
            alts = row.alts if row is not None else {}
            values.append(alts.get(entry.text, math.nan) if alts else math.nan)
            greedy.append(intern(max(alts, key=alts.get)) if alts else -1)
        else:
            values.append(entry.logprob)
            greedy.append(intern(entry.best) if entry.alts else -1)
    return Scored(tokens=tokens, offsets=spans, logits=list(values), logprobs=list(values), greedy=greedy)


def load_remote(settings: RemoteSettings, *, model: Optional[str] = None, stop_tokens: Sequence[str] = (),
                name: Optional[str] = None, progress=None) -> RemoteRuntime:
    """A probed :class:`RemoteRuntime` (loading.py's hook)."""
    say = progress or (lambda message, fraction=None: None)
    say(f"connecting to the engine at {settings.endpoint}", None)
    rt = RemoteRuntime(settings, stop_tokens=stop_tokens, model=model, name=name)
    say(f"remote engine ready: {rt.description}", None)
    if rt.score_kind is None:
        say(f"warning: {rt.score_problem}; JumpCoder runs with the AST judge only", None)
    return rt
