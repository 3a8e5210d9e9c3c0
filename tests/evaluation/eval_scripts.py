"""A scripted model pair that answers HumanEval prompts with fixed programs (no real model)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))

from engine_scripts import EOS, FIM, split_fim  # noqa: E402

from jumpcoder_lsp.engine import ModelPair  # noqa: E402
from jumpcoder_lsp.runtime.scripted import ScriptedRuntime  # noqa: E402


def scripted_benchmark_pair(programs: dict[str, list[str]], infills: dict[str, dict[str, str]] | None = None):
    """``programs``: a marker found in the prompt (e.g. the entry point) -> the lines the generation
    model writes, in order (each once). ``infills``: marker -> {line the infill goes before (stripped,
    or "" for the start of the file): infill text}."""
    infills = infills or {}

    def marker_of(text: str):
        for m in programs:
            if m in text:
                return m
        return None

    def continue_fn(prompt: str) -> str:
        fim = split_fim(prompt)
        if fim is not None:
            prefix, rest = fim
            suffix, written = rest.split("\0", 1)
            m = marker_of(prefix + suffix)
            first = suffix.splitlines()[0].strip() if suffix.strip() else ""
            answer = infills.get(m, {}).get(first if prefix else "", "") + EOS
            return answer[len(written):] if answer.startswith(written) else EOS
        m = marker_of(prompt)
        if m is None:
            return EOS
        lines = prompt.splitlines(keepends=True)
        done = prompt if prompt.endswith("\n") or not lines else "".join(lines[:-1])
        partial = "" if prompt.endswith("\n") or not lines else lines[-1]
        have = done.splitlines(keepends=True)
        for line in programs[m]:
            if line not in have:
                if partial and line.startswith(partial):
                    return line[len(partial):]
                return line if not partial else EOS
        return EOS

    rt = ScriptedRuntime(continue_fn)
    return ModelPair(rt, rt, FIM, "scripted"), rt
