"""The runtime contract: the only thing the engine knows about a language model.

Two verbs, both batched, a third for the prompt cache, and ``clear_cache()`` (which drops what the
runtime cached between calls):

* ``score(requests)``: teacher-forced pass. For each request (a context prompt and a target
  text) return, for every token of the target, the logit the model gave that token (the paper's
  S), its log-probability, the model's greedy choice at that position, and the token's character
  span in the target text. Used for line uncertainty, the scoring judge, speculative-infill
  verification and perplexity (JumpCoder Filtered).
* ``generate(requests)``: greedy decoding of a batch of branches. All live branches advance
  together, one forward pass per step; each branch has its own stop rule and token budget.
* ``warm(prompt, cancel)``: prefill ``prompt`` into the runtime's prefix KV cache and decode
  nothing, so that a later ``score`` or ``generate`` whose ids start with it computes only what
  follows (the server's background warm-up while the user types). Returns the prompt's token
  count; polls ``cancel`` between prefill chunks.

A prompt is a tuple of pieces: plain text (tokenized as text, never parsed for control tokens)
and :class:`Special` control tokens such as ``<|fim_prefix|>``. The runtime tokenizes each piece
separately and concatenates the ids, so a prompt built from the same pieces always yields the same
ids and the runtime can reuse the KV cache of the longest common token prefix of earlier requests
(branch and cache bookkeeping live in the runtime, never in the engine).

Implementations: :mod:`jumpcoder_lsp.runtime.torch_runtime` (transformers) and
:mod:`jumpcoder_lsp.runtime.llamacpp_runtime`; tests use :mod:`jumpcoder_lsp.runtime.scripted`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol, Sequence, Union, runtime_checkable


@dataclass(frozen=True)
class Special:
    """A control token given by its text, e.g. ``Special("<|fim_prefix|>")``."""

    text: str


Piece = Union[str, Special]
Prompt = tuple  # tuple[Piece, ...]

#: A stop rule looks at the text generated so far (decoded) and returns ``None`` to go on, or the
#: number of characters of that text to keep when the branch is finished.
StopRule = Callable[[str], Optional[int]]


def stop_at_newline(text: str) -> Optional[int]:
    """Finish at the first newline, keeping it."""
    i = text.find("\n")
    return None if i < 0 else i + 1


@dataclass(frozen=True)
class ScoreRequest:
    context: Prompt
    target: str


@dataclass
class Scored:
    """Per-token scores of a target text given its context."""

    tokens: list[int]
    offsets: list[tuple[int, int]]  # character span of each token in the target text
    logits: list[float]  # raw logit of the actual token (the paper's S)
    logprobs: list[float]  # log-softmax of the actual token
    greedy: list[int]  # argmax at each position (what greedy decoding would have produced)


@dataclass(frozen=True)
class GenRequest:
    prompt: Prompt
    stop: StopRule = stop_at_newline
    max_new_tokens: int = 128
    #: words the model may not produce (the paper's optional bad words, e.g. ``#`` and ``pass``)
    bad_words: tuple[str, ...] = ()


@dataclass
class Generated:
    text: str  # decoded continuation, cut by the stop rule
    tokens: list[int]
    finish: str  # "stop" | "eos" | "length" | "cancelled"
    logits: list[float] = field(default_factory=list)  # S of each generated token


class Cancelled(Exception):
    """Raised by a runtime or the engine when the caller's cancel check fires."""


CancelCheck = Callable[[], bool]


@runtime_checkable
class Runtime(Protocol):
    """What a model backend must offer (see the module docstring)."""

    #: a short human description: backend, device, dtype (shown in progress and health checks)
    description: str

    def score(self, requests: Sequence[ScoreRequest]) -> list[Scored]: ...

    def generate(
        self, requests: Sequence[GenRequest], cancel: Optional[CancelCheck] = None
    ) -> list[Generated]: ...

    def count_tokens(self, text: str) -> int: ...

    def warm(self, prompt: Prompt, cancel: Optional[CancelCheck] = None) -> int: ...

    def clear_cache(self) -> None:
        """Drop every cached prefix (the KV cache the runtime keeps between calls), so the next
        call computes from scratch: the evaluation calls it before each problem, so no problem's
        timing or numerics depend on the one before."""
        ...
