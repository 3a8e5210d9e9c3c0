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
from .engine.loop import ModelPair
from .runtime.fim import get_dialect

Progress = Callable[[str, Optional[float]], None]

DEFAULT_PRESET = "qwen2.5-coder-0.5b"
RUNTIMES = ("auto", "torch", "llamacpp")


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


def load_model_pair(
    gen_spec: Optional[str] = None,
    infill_spec: Optional[str] = None,
    *,
    runtime: str = "auto",
    device: str = "auto",
    dtype: str = "auto",
    threads: Optional[int] = None,
    progress: Optional[Progress] = None,
) -> ModelPair:
    """Resolve, fetch (verifying checksums), convert where torch needs it, and load both roles."""
    from .models.resolve import resolve_model

    say = progress or _quiet
    kind, reason = choose_runtime(runtime)
    say(f"runtime: {kind} ({reason})", None)
    gen = resolve_model(gen_spec or DEFAULT_PRESET, say)
    infill = resolve_model(infill_spec, say) if infill_spec and infill_spec != gen_spec else gen

    def load(resolved):
        nonlocal kind
        if kind == "llamacpp":
            from .runtime.llamacpp_runtime import LlamaCppUnavailable, ModelLoadError, load_llamacpp

            try:
                return load_llamacpp(resolved, threads=threads, progress=say)
            except (LlamaCppUnavailable, ModelLoadError) as exc:
                if runtime != "auto":
                    raise
                say(f"warning: llama.cpp failed ({exc}); falling back to torch", None)
                kind = "torch"
        from .runtime.torch_runtime import TorchRuntime

        return TorchRuntime.load(resolved.hf_dir(say), device=device, dtype=dtype,
                                 stop_tokens=resolved.stop_tokens, progress=say, threads=threads,
                                 name=resolved.preset.name if resolved.preset else None)

    gen_rt = load(gen)
    infill_rt = gen_rt if infill.weights_key == gen.weights_key else load(infill)
    dialect_name = infill.fim
    if dialect_name is None:
        raise ValueError(f"cannot tell the FIM dialect of {infill.spec!r}: use a preset or a model whose tokenizer has FIM tokens")
    description = gen_rt.description if infill_rt is gen_rt else f"{gen_rt.description} + {infill_rt.description}"
    gen_fim = get_dialect(gen.fim) if gen.fim is not None and infill_rt is not gen_rt else None
    return ModelPair(gen_rt, infill_rt, get_dialect(dialect_name), description, gen_fim=gen_fim)


def engine_config_for(spec: Optional[str], language: str, overrides: Mapping[str, Any],
                      *, base: Optional[EngineConfig] = None) -> EngineConfig:
    """The engine settings for ``language``, the one merge the CLI, the server and the evaluation
    share: ``base`` (default: :class:`EngineConfig`'s defaults), then the preset's recommended k and
    tau for ``language`` (``models/*.toml``, ``[languages.<name>]``; nothing when ``spec`` names no
    preset, ``None`` is the default preset), then ``overrides``, the settings the user set
    (camelCase or snake_case). A setting the user did not set must not be in ``overrides``."""
    config = replace(base or EngineConfig(), **dict(_preset_k_tau(spec, language)))
    return EngineConfig.from_mapping(overrides, base=config)


@lru_cache(maxsize=256)
def _preset_k_tau(spec: Optional[str], language: str) -> tuple[tuple[str, Any], ...]:
    """The preset's (name, value) pairs for k and tau in ``language``, read once per process (the
    server asks on every suggestion)."""
    from .models.presets import find_preset

    preset = find_preset(spec or DEFAULT_PRESET)
    settings = None if preset is None else preset.settings_for(language)
    return () if settings is None else (("k", settings.k), ("tau", settings.tau))
