"""A deterministic scripted runtime, for testing the engine's and the server's decisions.

It is not a model: ``continue_fn(prompt_text)`` says what greedy decoding would write after a
prompt (the prompt's pieces joined, control tokens as their text), and
``logit_fn(context_text, target, token_start, token_text)`` gives S for a token of a scored text.
Tokens are words, runs of spaces and single newlines, so offsets are easy to reason about.
"""

from __future__ import annotations

import math
import re
import threading
from typing import Callable, Optional, Sequence

from .base import (
    Cancelled,
    CancelCheck,
    Generated,
    GenRequest,
    Prompt,
    Scored,
    ScoreRequest,
    Special,
)

_TOKEN = re.compile(r"\n|[ \t]+|\w+|[^\w\s]")


def tokenize(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def render(prompt: Prompt) -> str:
    return "".join(p.text if isinstance(p, Special) else p for p in prompt)


class ScriptedRuntime:
    def __init__(
        self,
        continue_fn: Callable[[str], str],
        logit_fn: Optional[Callable[[str, str, int, str], float]] = None,
        *,
        eos: str = "<|endoftext|>",
        step_delay: float = 0.0,
        description: str = "scripted",
    ):
        self.continue_fn = continue_fn
        self.logit_fn = logit_fn or (lambda context, target, start, tok: 0.0)
        self.eos = eos
        self.step_delay = step_delay
        self.description = description
        self.calls: list[tuple[str, int]] = []  # ("score"|"generate", batch size)
        self.generated_prompts: list[str] = []  # every prompt a generate call decoded
        self.warmed_prompts: list[str] = []  # every prompt a warm call prefilled to the end
        self.cache_clears = 0  # clear_cache() calls (there is no cache: the count is what tests see)
        self._vocab: dict[str, int] = {}
        self._lock = threading.Lock()

    def clear_cache(self) -> None:
        """The contract's verb: a script keeps no KV cache, so there is nothing to drop."""
        self.cache_clears += 1

    def _id(self, tok: str) -> int:
        with self._lock:
            return self._vocab.setdefault(tok, len(self._vocab) + 1)

    def count_tokens(self, text: str) -> int:
        return len(tokenize(text))

    def score(self, requests: Sequence[ScoreRequest]) -> list[Scored]:
        self.calls.append(("score", len(requests)))
        out = []
        for req in requests:
            context = render(req.context)
            toks = tokenize(req.target)
            logits, greedy = [], []
            for tok, start, end in toks:
                logits.append(float(self.logit_fn(context, req.target, start, tok)))
                following = self.continue_fn(context + req.target[:start])
                first = tokenize(following)
                greedy.append(self._id(first[0][0]) if first else self._id(self.eos))
            out.append(
                Scored(
                    tokens=[self._id(t) for t, _, _ in toks],
                    offsets=[(s, e) for _, s, e in toks],
                    logits=logits,
                    logprobs=[min(0.0, x) - math.log(2) for x in logits],
                    greedy=greedy,
                )
            )
        return out

    def warm(self, prompt, cancel: Optional[CancelCheck] = None) -> int:
        """Nothing to cache: one ``step_delay`` per token, polling ``cancel``; recorded."""
        self.calls.append(("warm", 1))
        text = render(prompt)
        toks = tokenize(text)
        for _ in toks if self.step_delay else ():
            if cancel is not None and cancel():
                raise Cancelled()
            import time

            time.sleep(self.step_delay)
        if cancel is not None and cancel():
            raise Cancelled()
        self.warmed_prompts.append(text)
        return len(toks)

    def generate(self, requests: Sequence[GenRequest], cancel: Optional[CancelCheck] = None) -> list[Generated]:
        self.calls.append(("generate", len(requests)))
        self.generated_prompts.extend(render(r.prompt) for r in requests)
        results: list[Optional[Generated]] = [None] * len(requests)
        streams = []
        for req in requests:
            text = self.continue_fn(render(req.prompt))
            eos_at = text.find(self.eos)
            streams.append(tokenize(text[:eos_at] if eos_at >= 0 else text))
        step = 0
        while any(r is None for r in results):
            if cancel is not None and cancel():
                raise Cancelled()
            if self.step_delay:
                import time

                time.sleep(self.step_delay)
            for i, req in enumerate(requests):
                if results[i] is not None:
                    continue
                toks = streams[i]
                produced = toks[: step + 1]
                text = "".join(t for t, _, _ in produced)
                ids = [self._id(t) for t, _, _ in produced]
                banned = any(
                    t.strip() and any(t.strip().startswith(w) for w in req.bad_words) for t, _, _ in produced
                )
                if banned:
                    results[i] = Generated(text="".join(t for t, _, _ in produced[:-1]), tokens=ids[:-1], finish="eos")
                    continue
                keep = req.stop(text)
                if keep is not None:
                    results[i] = Generated(text=text[:keep], tokens=ids, finish="stop", logits=[0.0] * len(ids))
                elif len(produced) >= req.max_new_tokens:
                    results[i] = Generated(text=text, tokens=ids, finish="length", logits=[0.0] * len(ids))
                elif step + 1 >= len(toks):
                    # the script ran out: that is the model's end of sequence
                    results[i] = Generated(text=text, tokens=ids, finish="eos", logits=[0.0] * len(ids))
            step += 1
        return [r for r in results if r is not None]
