"""The server's one configuration object, validated once, with every default in one place.

Clients send camelCase keys (``initializationOptions``, ``workspace/didChangeConfiguration``,
optionally wrapped in a ``"jumpcoder"`` section); snake_case is accepted too. Engine settings may be
given flat (``{"k": 3, "maxLines": 20}``) or under ``"engine"``; the engine's policy is two server
settings, ``policy`` (inline suggestions and completion items) and ``functionPolicy``
(``jumpcoder.completeFunction``). A value that does not validate
raises :class:`ConfigError` naming every problem, and the caller keeps the previous config.

Model specs: a preset name (``"default"``, see ``models/*.toml``), a local path (a directory with
safetensors, or a ``.gguf`` file), or ``"scripted:jumpcoder_lsp.server.scripted:<name>"`` for a
deterministic fake used by tests and editor integration tests (see
:mod:`jumpcoder_lsp.server.scripted`). Settings are untrusted input: a client's settings may name a
scripted model only when the server process allows it (:func:`_client_model_problem`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping, Optional

from .engine.config import POLICIES, EngineConfig
from .loading import RUNTIMES, engine_config_for, runtime_score_kind
from .runtime.kvreuse import DEFAULT_MODE as KV_REUSE_DEFAULT
from .runtime.kvreuse import MODES as KV_REUSE_MODES

#: environment variable that overrides the generation model spec (handy for editor tests)
MODEL_ENV = "JUMPCODER_LSP_MODEL"

DEVICES = ("auto", "cpu", "cuda", "mps")
DTYPES = ("auto", "float32", "bfloat16", "float16")
METHODS = ("jumpcoder", "autoregressive", "filtered")


#: settings a client may never send (they are read from the server's environment only): where the
#: code goes and with which credentials (see jumpcoder_lsp/runtime/remote.py)
TRUSTED_ONLY = frozenset({"endpoint", "api_key", "api_key_file", "api_key_env"})


#: settings that would name the interpreter or environment the environment judge reads: machine-level
#: only (``--python`` / ``$JUMPCODER_PYTHON``): a client's or a workspace's could make the server
#: run a program (jumpcoder_lsp/environment.py discover)
INTERPRETER_KEYS = frozenset({"python", "python_path", "python_interpreter", "interpreter", "environment",
                              "venv", "virtual_env", "jumpcoder_python"})


def interpreter_refused(key: str) -> str:
    return (f"{key!r} is refused: the interpreter of the environment judge is a machine-level setting "
            "(serve/complete --python PATH or $JUMPCODER_PYTHON), never a client's or a workspace's; nothing was run")


class ConfigError(ValueError):
    """One or more settings are invalid (the message lists them all)."""


def _snake(key: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in key)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.title() for w in rest)


@dataclass(frozen=True)
class ServerConfig:
    #: generation model M_G: preset name, path, or "scripted:jumpcoder_lsp.server.scripted:<name>"
    model: str = "default"
    #: infilling model M_I (None: the same model as generation, loaded once)
    infill_model: Optional[str] = None
    device: str = "auto"
    dtype: str = "auto"
    #: "remote" runs the models on the engine named by the server's environment (JUMPCODER_LSP_REMOTE_*)
    runtime: str = "auto"
    #: CPU threads of the runtime (None: the physical cores); fewer leave room for a busy machine
    threads: Optional[int] = None
    #: KV cache reuse after an edit (issue 16, docs/kvreuse.md): "prefix" (the common token prefix) or
    #: "pie" (also the tokens after the edit, moved to their new positions; llama.cpp and torch: a
    #: remote engine falls back to prefix with a log line)
    kv_reuse: str = KV_REUSE_DEFAULT
    #: "jumpcoder" | "autoregressive" | "filtered"
    method: str = "jumpcoder"
    engine: EngineConfig = field(default_factory=EngineConfig)
    #: the engine policy (engine/positions.py choose_positions) of inline suggestions and completion
    #: items: "inline" (infills only for an undefined name, AST judge only: near autoregressive speed)
    policy: str = "inline"
    #: the policy of jumpcoder.completeFunction, the thorough mode: "paper" (top-k infills and the
    #: scoring judge after every line), as the CLI and the evaluation use
    function_policy: str = "paper"
    #: the lint-clean rule (issue 17, engine/lint.py) for inline suggestions and completion items:
    #: a suggestion is cut back until accepting it adds no syntax error and no new undefined,
    #: unused or shadowed name (jumpcoder.completeFunction, the paper's thorough mode, keeps the
    #: model's whole function: the engine's ``lint_clean``, off)
    lint_clean: bool = True
    #: most lines an inline suggestion / completion item may hold (completeFunction uses engine.max_lines)
    inline_max_lines: int = 8
    enable_inline: bool = True
    enable_completion: bool = True
    enable_diagnostics: bool = True
    #: wait this long after the last keystroke before asking the model (automatic triggers only)
    debounce_ms: int = 150
    #: an inline request answers with what is ready this long after it arrived (at least the first
    #: line; the run goes on in the background and its whole text is served from the suggestion
    #: cache); 0: wait for the whole run. 500 ms is issue 14's p50 goal for the first suggestion
    inline_budget_ms: int = 500
    #: suggestions kept for typing-along
    cache_size: int = 64
    #: after an edit (debounced like a request), prefill the model's prompt cache with the text
    #: before the cursor in the background, so that the next request there decodes only
    warm_cache: bool = True
    #: engine settings the user set (they win over the preset's per-language k and tau); bookkeeping,
    #: not a setting: left out of equality and to_json
    engine_set: frozenset = field(default=frozenset(), compare=False)

    def __post_init__(self) -> None:
        problems = []

        def check(ok: bool, msg: str) -> None:
            if not ok:
                problems.append(msg)

        for name in ("model",):
            v = getattr(self, name)
            check(isinstance(v, str) and v.strip() != "", f"{_camel(name)} must be a non-empty string, got {v!r}")
        check(
            self.infill_model is None or (isinstance(self.infill_model, str) and self.infill_model.strip() != ""),
            f"infillModel must be a non-empty string or null, got {self.infill_model!r}",
        )
        check(self.device in DEVICES or (isinstance(self.device, str) and self.device.startswith("cuda:")),
              f"device must be one of {', '.join(DEVICES)} or cuda:N, got {self.device!r}")
        check(self.dtype in DTYPES, f"dtype must be one of {', '.join(DTYPES)}, got {self.dtype!r}")
        check(self.threads is None or (_is_int(self.threads) and 1 <= self.threads <= 1024),
              f"threads must be an integer in 1..1024 or null, got {self.threads!r}")
        check(self.runtime in RUNTIMES, f"runtime must be one of {', '.join(RUNTIMES)}, got {self.runtime!r}")
        check(self.kv_reuse in KV_REUSE_MODES,
              f"kvReuse must be one of {', '.join(KV_REUSE_MODES)}, got {self.kv_reuse!r}")
        check(self.method in METHODS, f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        check(isinstance(self.engine, EngineConfig), "engine must be an object")
        for name in ("policy", "function_policy"):
            v = getattr(self, name)
            check(v in POLICIES, f"{_camel(name)} must be one of {', '.join(POLICIES)}, got {v!r}")
        check(_is_int(self.inline_max_lines) and 1 <= self.inline_max_lines <= 4096,
              f"inlineMaxLines must be an integer in 1..4096, got {self.inline_max_lines!r}")
        for name in ("enable_inline", "enable_completion", "enable_diagnostics", "warm_cache", "lint_clean"):
            v = getattr(self, name)
            check(isinstance(v, bool), f"{_camel(name)} must be true or false, got {v!r}")
        check(_is_int(self.debounce_ms) and 0 <= self.debounce_ms <= 10_000,
              f"debounceMs must be an integer in 0..10000, got {self.debounce_ms!r}")
        check(_is_int(self.inline_budget_ms) and 0 <= self.inline_budget_ms <= 60_000,
              f"inlineBudgetMs must be an integer in 0..60000, got {self.inline_budget_ms!r}")
        check(_is_int(self.cache_size) and 0 <= self.cache_size <= 10_000,
              f"cacheSize must be an integer in 0..10000, got {self.cache_size!r}")
        if problems:
            raise ConfigError("; ".join(problems))

    # -- derived --------------------------------------------------------------------------

    @property
    def infill(self) -> str:
        return self.infill_model or self.model

    def models_key(self) -> tuple:
        """What decides which weights are loaded: a change here means a reload."""
        return (self.model, self.infill, self.device, self.dtype, self.runtime, self.threads, self.kv_reuse)

    def engine_for(self, language: str, inline: bool = False) -> EngineConfig:
        """The engine settings for a document in ``language``: the preset's recommended k and tau for
        that language (paper: k=10 for Java/C++, tau=0.8 for C++) unless the user set them, then
        the user's settings. ``inline`` (inline suggestions and completion items) caps max_lines at
        ``inline_max_lines``, runs ``policy`` and the lint-clean rule when ``lint_clean`` is set;
        otherwise (jumpcoder.completeFunction) the engine runs ``function_policy``."""
        engine = engine_config_for(None if self.model == "default" else self.model, language,
                                   {name: getattr(self.engine, name) for name in self.engine_set}, base=self.engine,
                                   score_kind=runtime_score_kind(self.runtime))
        if inline:
            return replace(engine, max_lines=min(engine.max_lines, self.inline_max_lines), policy=self.policy,
                           lint_clean=self.lint_clean)
        return replace(engine, policy=self.function_policy)

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_mapping(cls, values: Optional[Mapping[str, Any]], base: Optional["ServerConfig"] = None) -> "ServerConfig":
        """Apply client settings on top of ``base`` (default: the defaults). Keys missing from
        ``values`` keep the base's value; ``null`` resets a key to its default."""
        base = base or cls()
        if values is None:
            return base
        if not isinstance(values, Mapping):
            raise ConfigError(f"settings must be an object, got {type(values).__name__}")
        values = _unwrap(values)
        own = {f.name for f in fields(cls)}
        engine_names = {f.name for f in fields(EngineConfig)}
        defaults = cls()
        changes: dict[str, Any] = {}
        engine_changes: dict[str, Any] = {}
        engine_reset: set[str] = set()  # engine settings given as null: back to the default
        problems = []
        for key, value in values.items():
            name = _snake(str(key))
            if name == "engine" and isinstance(value, Mapping):
                # the engine's policy and lint-clean rule are the server's `policy` and `lintClean`
                # settings (inline requests): one setting each
                for k in [k for k in value if _snake(str(k)) in ("policy", "lint_clean")]:
                    own_name = _snake(str(k))
                    changes[own_name] = getattr(defaults, own_name) if value[k] is None else value[k]
                value = {k: v for k, v in value.items() if _snake(str(k)) not in ("policy", "lint_clean")}
            if name == "engine":
                if value is None:
                    changes["engine"] = EngineConfig()
                    changes["engine_set"] = frozenset()
                elif isinstance(value, Mapping):
                    problems.extend(interpreter_refused(k) for k in value if _snake(str(k)) in INTERPRETER_KEYS)
                    engine_changes.update({_snake(k): v for k, v in value.items() if _snake(str(k)) not in INTERPRETER_KEYS})
                else:
                    problems.append(f"engine must be an object, got {value!r}")
            elif name in ("model", "infill_model") and (refused := _client_model_problem(key, value)):
                problems.append(refused)
            elif name in INTERPRETER_KEYS:
                problems.append(interpreter_refused(key))
            elif name in own and name != "engine_set":
                changes[name] = getattr(defaults, name) if value is None else value
            elif name in engine_names:
                engine_changes[name] = getattr(EngineConfig(), name) if value is None else value
                if value is None:
                    engine_reset.add(name)
            elif name in TRUSTED_ONLY or name.startswith("remote_"):
                problems.append(f"{key!r} is refused: the remote engine's endpoint and API key are machine-level "
                                "settings (the server's environment, JUMPCODER_LSP_REMOTE_*, or the command line), "
                                "never a client's or a workspace's")
            else:
                problems.append(f"unknown setting {key!r}")
        if engine_changes:
            try:
                changes["engine"] = EngineConfig.from_mapping(engine_changes, base=changes.get("engine", base.engine))
            except (ValueError, TypeError) as exc:
                problems.append(str(exc))
            else:
                # null resets a setting to its default, which lets the preset decide again
                was = changes.get("engine_set", base.engine_set)
                changes["engine_set"] = frozenset((was | set(engine_changes)) - engine_reset)
        result = None
        try:
            result = replace(base, **changes)
        except ConfigError as exc:
            problems.append(str(exc))
        if problems:
            raise ConfigError("; ".join(problems))
        return result

    @classmethod
    def merge(cls, values: Optional[Mapping[str, Any]], base: Optional["ServerConfig"] = None) -> tuple["ServerConfig", list[str]]:
        """Apply each setting on its own: the valid ones take effect, an invalid one keeps its
        previous value and is listed in the returned problems."""
        base = base or cls()
        if values is None:
            return base, []
        if not isinstance(values, Mapping):
            return base, [f"settings must be an object, got {type(values).__name__}"]
        values = _unwrap(values)
        flat: list[tuple[str, Any]] = []
        for key, value in values.items():
            if _snake(str(key)) == "engine" and isinstance(value, Mapping):
                flat.extend(value.items())
            else:
                flat.append((key, value))
        config, problems = base, []
        for key, value in flat:
            try:
                config = cls.from_mapping({key: value}, base=config)
            except ConfigError as exc:
                problems.append(str(exc))
        return config, problems

    @classmethod
    def from_environment(cls, base: Optional["ServerConfig"] = None) -> "ServerConfig":
        """Defaults plus the :data:`MODEL_ENV` override."""
        base = base or cls()
        spec = os.environ.get(MODEL_ENV)
        return replace(base, model=spec) if spec else base

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "engine_set":
                continue
            v = getattr(self, f.name)
            if isinstance(v, EngineConfig):  # its policy is the server's policy / functionPolicy
                v = {_camel(g.name): getattr(v, g.name) for g in fields(EngineConfig)
                     if g.name not in ("policy", "environment", "lint_clean")}  # the environment: the server's
            out[_camel(f.name)] = v
        return out


def _client_model_problem(key: str, spec: Any) -> Optional[str]:
    """Why a client may not set model/infillModel to ``spec`` (None: it may). A scripted spec runs
    code in the server, so a client (a repository's settings, anything that reaches the server)
    may name one only when the server process has ``JUMPCODER_LSP_ALLOW_SCRIPTED=1`` (tests), and
    then only a registered one. The process's own ``--model`` / :data:`MODEL_ENV` are not checked here."""
    from .server import scripted

    if not scripted.is_scripted(spec):
        return None
    if not scripted.allowed_from_clients():
        return (f"{key} {spec!r} is refused: scripted test models cannot be set from client settings "
                f"(the server must be started with --allow-scripted or {scripted.ALLOW_ENV}=1)")
    try:
        scripted.factory(spec)
    except ValueError as exc:
        return f"{key} {spec!r} is refused: {exc}"
    return None


def _unwrap(values: Mapping[str, Any]) -> Mapping[str, Any]:
    """``{"jumpcoder": {...}}`` (a client's settings section) -> ``{...}``."""
    if len(values) == 1 and "jumpcoder" in values:
        inner = values["jumpcoder"]
        return inner if isinstance(inner, Mapping) else {}
    return values


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)
