"""Pure token helpers shared by runtimes (no torch, no model).

* :func:`text_only_tokenizer`: a copy of a Hugging Face ``tokenizers.Tokenizer`` that never turns
  text into control tokens, so user code that literally contains ``<|fim_prefix|>`` stays text.
* :func:`tile_offsets`: turn a tokenizer's offset mapping into spans that tile the text exactly.
* :func:`bad_word_ids`: the token ids a bad word bans.
* :func:`common_prefix_len`.
"""

from __future__ import annotations

import json
import re
from typing import Iterable, Sequence

_CONTROL = re.compile(r"^\s*(<[^<>\s]+>|<\|.*\|>|<｜.*｜>|▁?<[A-Z]+>)\s*$")


def looks_like_control(content: str) -> bool:
    """``<|fim_prefix|>``, ``<fim_prefix>``, ``<PRE>``, ``<｜fim▁begin｜>``, ``<s>``: control-token spellings."""
    return bool(_CONTROL.match(content))


def text_only_tokenizer(backend):
    """A clone of ``backend`` (a ``tokenizers.Tokenizer``) without control-like added tokens.

    ``split_special_tokens=True`` in transformers only covers added tokens marked *special*; Qwen-style
    vocabularies also hold non-special control tokens (e.g. ``<|file_sep|>`` in some conversions), which
    the tokenizer would still match inside user code. The clone drops every added token that is special
    or spelled like a control token, and keeps the other added tokens (e.g. whitespace runs some code
    tokenizers add, which are ordinary text). Text pieces are encoded with this clone; control tokens
    are looked up by name instead.
    """
    from tokenizers import Tokenizer

    data = json.loads(backend.to_str())
    kept = [
        t for t in data.get("added_tokens", [])
        if not t.get("special", False) and not looks_like_control(t.get("content", ""))
    ]
    data["added_tokens"] = kept
    clone = Tokenizer.from_str(json.dumps(data))
    clone.no_truncation()
    clone.no_padding()
    return clone


def tile_offsets(offsets: Sequence[tuple[int, int]], n_chars: int) -> list[tuple[int, int]]:
    """Make per-token character spans tile ``[0, n_chars)``: contiguous, non-overlapping, in order.

    Fast tokenizers give every byte-level piece of a character split over several tokens (an emoji is
    4 bytes, often 2-4 tokens) the whole character's span, and may trim a token's leading whitespace
    from its span. Rule here: a character belongs to the first token whose span covers it; whitespace a
    tokenizer trimmed goes to the token that follows it; tokens made only of the remaining bytes of an
    already assigned character get an empty span ``(e, e)``. The last span ends at ``n_chars``.
    """
    out: list[tuple[int, int]] = []
    prev = 0
    for _, end in offsets:
        start = prev
        end = max(start, min(int(end), n_chars))
        out.append((start, end))
        prev = end
    if out:
        start, _ = out[-1]
        out[-1] = (start, n_chars)
    return out


def _matches(text: str, word: str) -> bool:
    t = text.lstrip()
    if not t.startswith(word):
        return False
    if word[-1:].isalnum() or word[-1:] == "_":
        # an alphabetic word needs a word boundary after it: "pass" bans " pass", "pass\n", not "passed"
        rest = t[len(word):]
        return not rest or not (rest[0].isalnum() or rest[0] == "_")
    return True


def bad_word_ids(token_texts: Sequence[str], word: str) -> list[int]:
    """Ids of the tokens whose text, stripped of leading whitespace, starts with ``word``.

    Only single tokens are checked: a word the model spells over several tokens (e.g. ``pa`` + ``ss``)
    is not caught.
    """
    word = word.strip()
    if not word:
        return []
    return [i for i, text in enumerate(token_texts) if text and _matches(text, word)]


def common_prefix_len(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    # compare in chunks: cheap for long equal prefixes
    step = 256
    while i < n and a[i:i + step] == b[i:i + step]:
        i += step
    i = min(i, n)
    while i < n and a[i] == b[i]:
        i += 1
    return i


def unique_ids(ids: Iterable[int | None]) -> tuple[int, ...]:
    seen: list[int] = []
    for i in ids:
        if i is not None and i >= 0 and i not in seen:
            seen.append(int(i))
    return tuple(seen)
