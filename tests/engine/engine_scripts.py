"""Scripted models for engine tests: a program the generation model writes line by line, and
rules the infilling model answers with."""

from __future__ import annotations

from typing import Callable, Optional

from jumpcoder_lsp.engine import ModelPair
from jumpcoder_lsp.runtime.fim import get_dialect
from jumpcoder_lsp.runtime.scripted import ScriptedRuntime

FIM = get_dialect("qwen")
EOS = "<|endoftext|>"


def split_fim(prompt: str) -> Optional[tuple[str, str]]:
    if not prompt.startswith(FIM.prefix) or FIM.middle not in prompt:
        return None
    body = prompt[len(FIM.prefix):]
    prefix, rest = body.split(FIM.suffix, 1)
    suffix, middle = rest.split(FIM.middle, 1)
    return prefix, suffix + "\0" + middle  # the middle written so far follows a NUL marker


def scripted_pair(
    program: list[str],
    infill: Callable[[str, str], str] = lambda prefix, suffix: "",
    logit: Optional[Callable[[str, str, int, str], float]] = None,
) -> tuple[ModelPair, ScriptedRuntime]:
    """The generation model writes the first line of ``program`` that the code does not contain
    yet; ``infill(prefix, suffix)`` answers FIM prompts."""

    def continue_fn(prompt: str) -> str:
        fim = split_fim(prompt)
        if fim is not None:
            prefix, rest = fim
            suffix, written = rest.split("\0", 1)
            answer = infill(prefix, suffix) + EOS
            return answer[len(written):] if answer.startswith(written) else EOS
        code_lines = prompt.splitlines(keepends=True)
        done = prompt if prompt.endswith("\n") or not code_lines else "".join(code_lines[:-1])
        partial = "" if prompt.endswith("\n") or not code_lines else code_lines[-1]
        for line in program:
            if line not in done.splitlines(keepends=True):
                if partial and line.startswith(partial):
                    return line[len(partial):]
                if not partial:
                    return line
        return EOS

    rt = ScriptedRuntime(continue_fn, logit)
    return ModelPair(rt, rt, FIM, "scripted"), rt
