"""The bookkeeping of a score or generate call, shared by the runtimes (no torch, no model).

Both runtimes keep their own model calls and caches; what they share around those lives here, once:

* :func:`check_cancel`: the cancel poll (before each prefill chunk and each decode step).
* :func:`score_each`: the request loop of ``score``: a target's ids and offsets, then its context's
  ids (see :func:`~jumpcoder_lsp.runtime.tokens.prompt_ids`), then the runtime's scoring of the
  joined ids; an empty target gets an empty :class:`Scored` without touching the model.
* :class:`Branches`: the per-branch state of ``generate``: the tokens generated so far, the S (raw
  logit) of each, and the :class:`Generated` result once a branch is finished. The rules a branch
  finishes by live in :meth:`Branches.push` (stop rule, token budget) and :meth:`Branches.end` (EOS,
  empty budget, a full context): ``tokens`` holds every generated token up to the one that finished
  the branch (an EOS token itself excluded), ``text`` their decoded text, cut by the stop rule.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

from .base import Cancelled, CancelCheck, Generated, GenRequest, Prompt, Scored, ScoreRequest


def check_cancel(cancel: Optional[CancelCheck]) -> None:
    """Raise :class:`Cancelled` when the caller's cancel check fires."""
    if cancel is not None and cancel():
        raise Cancelled()


def score_each(
    requests: Sequence[ScoreRequest],
    encode_with_offsets: Callable[[str], tuple[list[int], list[tuple[int, int]]]],
    prompt_ids: Callable[[Prompt], list[int]],
    score_ids: Callable[[list[int], list[int], list[tuple[int, int]]], Scored],
) -> list[Scored]:
    """One :class:`Scored` per request, in order: ``score_ids(ctx_ids, tgt_ids, offsets)`` scores the
    target tokens at positions ``len(ctx_ids)`` .. ``len(ctx_ids) + len(tgt_ids) - 1`` of
    ``ctx_ids + tgt_ids``."""
    out = []
    for req in requests:
        tgt_ids, offsets = encode_with_offsets(req.target)
        if not tgt_ids:
            out.append(Scored(tokens=[], offsets=[], logits=[], logprobs=[], greedy=[]))
            continue
        ctx_ids = prompt_ids(req.context)
        out.append(score_ids(ctx_ids, tgt_ids, offsets))
    return out


class Branches:
    """The branches of one generate call: ``tokens[i]`` and ``logits[i]`` (the S of each token) so
    far, and ``results[i]``, None while branch ``i`` is live."""

    def __init__(self, requests: Sequence[GenRequest], decode: Callable[[list[int]], str]):
        self.requests = requests
        self.decode = decode
        n = len(requests)
        self.results: list[Optional[Generated]] = [None] * n
        self.tokens: list[list[int]] = [[] for _ in range(n)]
        self.logits: list[list[float]] = [[] for _ in range(n)]

    def live(self) -> list[int]:
        """The branches not finished yet, in request order."""
        return [i for i in range(len(self.results)) if self.results[i] is None]

    def end(self, i: int, finish: str) -> None:
        """Finish branch ``i`` with what it has: ``"eos"`` when the model chose an EOS token (not
        kept), ``"length"`` when there is no budget or no room left."""
        self.results[i] = Generated(text=self.decode(self.tokens[i]), tokens=self.tokens[i], finish=finish,
                                    logits=self.logits[i])

    def push(self, i: int, token: int, s: float) -> bool:
        """Append a generated token and its S to branch ``i``, then apply its stop rule and its token
        budget. True while the branch goes on (the token must then be fed to the model)."""
        req, ids = self.requests[i], self.tokens[i]
        ids.append(token)
        self.logits[i].append(s)
        text = self.decode(ids)
        cut = req.stop(text)
        if cut is not None:
            self.results[i] = Generated(text=text[: max(0, cut)], tokens=ids, finish="stop", logits=self.logits[i])
        elif len(ids) >= req.max_new_tokens:
            self.results[i] = Generated(text=text, tokens=ids, finish="length", logits=self.logits[i])
        else:
            return True
        return False

    def done(self) -> list[Generated]:
        """The results of the finished branches, in request order."""
        return [r for r in self.results if r is not None]
