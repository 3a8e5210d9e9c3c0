"""Build the model pair (generation model M_G, infilling model M_I) from user-facing specs.

A spec is a preset name, a local transformers directory, a .gguf file or a hub repo id (see
:func:`jumpcoder_lsp.models.resolve.resolve_model`). When both roles name the same weights they
share one loaded runtime.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any, Callable, Mapping, Optional

from .engine.config import EngineConfig
from .engine.types import ModelPair
from .runtime.fim import get_dialect

Progress = Callable[[str, Optional[float]], None]

DEFAULT_PRESET = "qwen2.5-coder-0.5b"
RUNTIMES = ("auto", "torch", "llamacpp", "remote")


def _quiet(message: str, fraction: Optional[float] = None) -> None:
    pass


def choose_runtime(requested: str) -> tuple[str, str]:
    """(runtime, reason) for ``requested``; ``auto`` decides by the hardware:

    * a CUDA GPU: torch (batched bf16/fp16 on the GPU);
    * a CPU with native bf16 (avx512_bf16/amx_bf16): torch in bf16. JumpCoder decodes the next line
      and its k infills as one batch, and torch decodes 6 branches in about the time of one (66.7
      vs 62.8 ms per step) where llama.cpp's portable build needs 200 vs 47 ms: a JumpCoder line
      took 0.82 s on torch and 1.6 s on llama.cpp (HumanEval/3, both 2 threads, quiet machine; see
      docs/llamacpp.md);
    * otherwise llama.cpp when it is installed (quantized GGUF, no conversion; torch would run fp32
      on such CPUs), else torch on the CPU.
    """
    if requested not in RUNTIMES:
        raise ValueError(f"unknown runtime {requested!r}; choose one of {', '.join(RUNTIMES)}")
    if requested != "auto":
        return requested, "requested"
    # auto never picks "remote": the endpoint is a trusted setting, the runtime is asked for by name
    try:
        import torch

        if torch.cuda.is_available():
            return "torch", "auto: CUDA GPU found"
        from .runtime.cpu import cpu_bf16_flag

        flag = cpu_bf16_flag()
        if flag is not None:
            return "torch", f"auto: no CUDA GPU; the CPU has {flag}, so torch bf16 (batched branches cost little)"
    except ImportError:
        pass
    from .runtime.llamacpp_runtime import llama_cpp_available

    ok, why = llama_cpp_available()
    if ok:
        return "llamacpp", f"auto: no CUDA GPU or native CPU bf16; {why}"
    return "torch", f"auto: no CUDA GPU and llama.cpp unavailable ({why}); torch on the CPU"


def kv_reuse_for(kind: str, kv_reuse: str, progress: Optional[Progress] = None) -> str:
    """The KV reuse mode runtime ``kind`` runs for the setting ``kv_reuse``: ``pie`` on llama.cpp and
    torch (a remote engine has no PIE): elsewhere ``prefix``, said with a warning line, so that a
    setting meant for one machine does not stop the server on another."""
    from .runtime.kvreuse import MODES

    if kv_reuse not in MODES:
        raise ValueError(f"kvReuse must be one of {', '.join(MODES)}, not {kv_reuse!r}")
    if kv_reuse == "pie" and kind not in ("llamacpp", "torch"):
        (progress or _quiet)(f"warning: kvReuse pie is implemented for llama.cpp and torch only; the {kind} "
                             "runtime uses prefix reuse", None)
        return "prefix"
    return kv_reuse


def load_model_pair(
    gen_spec: Optional[str] = None,
    infill_spec: Optional[str] = None,
    *,
    runtime: str = "auto",
    device: str = "auto",
    dtype: str = "auto",
    threads: Optional[int] = None,
    progress: Optional[Progress] = None,
    remote=None,
    kv_reuse: Optional[str] = None,
) -> ModelPair:
    """Resolve, fetch (verifying checksums), convert where torch needs it, and load both roles.

    ``runtime="remote"``: nothing is fetched or loaded here; the models run on the engine named by
    ``remote`` (a :class:`~jumpcoder_lsp.runtime.remote.RemoteSettings`; default: from the process's
    environment, :meth:`RemoteSettings.from_environment`), see :func:`load_remote_pair`.
    ``kv_reuse``: ``prefix`` or ``pie`` (:mod:`jumpcoder_lsp.runtime.kvreuse`; None: its ``DEFAULT_MODE``);
    see :func:`kv_reuse_for`."""
    from .models.resolve import resolve_model
    from .runtime.kvreuse import DEFAULT_MODE

    kv_reuse = kv_reuse or DEFAULT_MODE

    say = progress or _quiet
    kind, reason = choose_runtime(runtime)
    say(f"runtime: {kind} ({reason})", None)
    if kind == "remote":
        kv_reuse_for(kind, kv_reuse, say)
        return load_remote_pair(gen_spec, infill_spec, remote=remote, progress=say)
    gen = resolve_model(gen_spec or DEFAULT_PRESET, say)
    infill = resolve_model(infill_spec, say) if infill_spec and infill_spec != gen_spec else gen

    def load(resolved):
        nonlocal kind
        if kind == "llamacpp":
            from .runtime.llamacpp_runtime import LlamaCppUnavailable, ModelLoadError, load_llamacpp

            try:
                return load_llamacpp(resolved, threads=threads, progress=say, kv_reuse=kv_reuse_for(kind, kv_reuse, say))
            except (LlamaCppUnavailable, ModelLoadError) as exc:
                if runtime != "auto":
                    raise
                say(f"warning: llama.cpp failed ({exc}); falling back to torch", None)
                kind = "torch"
        from .runtime.torch_runtime import TorchRuntime

        return TorchRuntime.load(resolved.hf_dir(say), device=device, dtype=dtype,
                                 stop_tokens=resolved.stop_tokens, progress=say, threads=threads,
                                 name=resolved.preset.name if resolved.preset else None,
                                 kv_reuse=kv_reuse_for(kind, kv_reuse, say))

    gen_rt = load(gen)
    infill_rt = gen_rt if infill.weights_key == gen.weights_key else load(infill)
    dialect_name = infill.fim
    if dialect_name is None:
        raise ValueError(f"cannot tell the FIM dialect of {infill.spec!r}: use a preset or a model whose tokenizer has FIM tokens")
    description = gen_rt.description if infill_rt is gen_rt else f"{gen_rt.description} + {infill_rt.description}"
    gen_fim = get_dialect(gen.fim) if gen.fim is not None and infill_rt is not gen_rt else None
    return ModelPair(gen_rt, infill_rt, get_dialect(dialect_name), description, gen_fim=gen_fim)


def load_remote_pair(gen_spec: Optional[str] = None, infill_spec: Optional[str] = None, *, remote=None,
                     progress: Optional[Progress] = None) -> ModelPair:
    """Both roles on a remote engine (:mod:`jumpcoder_lsp.runtime.remote`). The specs must name presets:
    the FIM dialect and the stop tokens come from the preset, the weights stay on the engine. The
    engine's model names are the trusted settings' ``model`` / ``infill_model`` (default: the first
    model the engine lists); one runtime serves both roles unless ``infill_model`` differs."""
    from .models.presets import find_preset
    from .runtime.remote import RemoteSettings, load_remote

    say = progress or _quiet
    settings = remote if remote is not None else RemoteSettings.from_environment()
    if settings is None:
        raise ValueError("runtime 'remote' needs an engine endpoint: set JUMPCODER_LSP_REMOTE_ENDPOINT (or "
                         "--remote-endpoint) in the environment or on the command line; a client's settings "
                         "cannot name one")
    presets = []
    for spec in (gen_spec or DEFAULT_PRESET, infill_spec or gen_spec or DEFAULT_PRESET):
        preset = find_preset(spec)
        if preset is None:
            raise ValueError(f"runtime 'remote' needs a preset for {spec!r} (its FIM dialect and stop tokens); "
                             "local files and hub ids are for the torch and llama.cpp runtimes")
        presets.append(preset)
    gen_preset, infill_preset = presets
    gen_rt = load_remote(settings, model=settings.model, stop_tokens=gen_preset.stop_tokens,
                         name=gen_preset.name, progress=say)
    infill_rt = gen_rt
    if settings.infill_model and settings.infill_model != gen_rt.model:
        infill_rt = load_remote(settings, model=settings.infill_model, stop_tokens=infill_preset.stop_tokens,
                                name=infill_preset.name, progress=say)
    description = gen_rt.description if infill_rt is gen_rt else f"{gen_rt.description} + {infill_rt.description}"
    return ModelPair(gen_rt, infill_rt, get_dialect(infill_preset.fim), description)


#: tau on log-probabilities per tau on logits: a remote engine returns log-probabilities, and the
#: scoring judge's verdicts on them agreed best with tau=0.3 on logits at tau=0.05 (81% of 32
#: removed-line infills on 6 HumanEval programs, Python only: benchmarks/logit_vs_logprob.py,
#: docs/remote.md); the presets' taus are for logits, so a logprob runtime gets them times this
LOGPROB_TAU_SCALE = 0.05 / 0.3


def runtime_score_kind(runtime: str) -> str:
    """What a runtime's scores are: ``"logprob"`` for the remote runtime (engines answer
    log-probabilities), ``"logit"`` for the local ones."""
    return "logprob" if runtime == "remote" else "logit"


def engine_config_for(spec: Optional[str], language: str, overrides: Mapping[str, Any],
                      *, base: Optional[EngineConfig] = None, score_kind: str = "logit") -> EngineConfig:
    """The engine settings for ``language``, the one merge the CLI, the server and the evaluation
    share: ``base`` (default: :class:`EngineConfig`'s defaults), then the preset's recommended k and
    tau for ``language`` (``models/*.toml``, ``[languages.<name>]``; nothing when ``spec`` names no
    preset, ``None`` is the default preset), then ``overrides``, the settings the user set
    (camelCase or snake_case). A setting the user did not set must not be in ``overrides``.
    ``score_kind="logprob"`` (:func:`runtime_score_kind`): the preset's tau is scaled by
    :data:`LOGPROB_TAU_SCALE` (a tau the user set is taken as given)."""
    preset = dict(_preset_k_tau(spec, language))
    if score_kind == "logprob":
        preset["tau"] = round(preset.get("tau", (base or EngineConfig()).tau) * LOGPROB_TAU_SCALE, 4)
    config = replace(base or EngineConfig(), **preset)
    return EngineConfig.from_mapping(overrides, base=config)


@lru_cache(maxsize=256)
def _preset_k_tau(spec: Optional[str], language: str) -> tuple[tuple[str, Any], ...]:
    """The preset's (name, value) pairs for k and tau in ``language``, read once per process (the
    server asks on every suggestion)."""
    from .models.presets import find_preset

    preset = find_preset(spec or DEFAULT_PRESET)
    settings = None if preset is None else preset.settings_for(language)
    return () if settings is None else (("k", settings.k), ("tau", settings.tau))
