"""Line scores from token scores, and the top-k positions of uncertainty."""

import math

from jumpcoder_lsp.engine.positions import line_scores, top_k_positions
from jumpcoder_lsp.runtime.base import Scored


def scored(text, pieces):
    """pieces: list of (token_text, logit) that concatenate to text."""
    offsets, pos = [], 0
    for tok, _ in pieces:
        offsets.append((pos, pos + len(tok)))
        pos += len(tok)
    assert pos == len(text)
    logits = [v for _, v in pieces]
    return Scored(tokens=list(range(len(pieces))), offsets=offsets, logits=logits, logprobs=logits, greedy=[0] * len(pieces))


def test_tokens_map_to_lines_by_character_offsets_even_when_newlines_merge():
    lines = ["def f(x):\n", "    return x\n"]
    s = scored("".join(lines), [("def", 1.0), (" f", 2.0), ("(x", 3.0), ("):\n", 4.0), ("   ", 9.0), (" return", 5.0), (" x", 6.0), ("\n", 7.0)])
    scores = line_scores(lines, s)
    assert scores[0].token_logits == (1.0, 2.0, 3.0, 4.0)
    # the indent-only token is left out; the first non-indent token is " return"
    assert scores[1].token_logits == (5.0, 6.0, 7.0)
    assert scores[1].uncertainty == 5.0


def test_blank_lines_have_no_scores():
    lines = ["a = 1\n", "\n", "b = 2\n"]
    s = scored("".join(lines), [("a", 1.0), (" =", 1.0), (" 1", 1.0), ("\n\n", 2.0), ("b", 3.0), (" =", 1.0), (" 2", 1.0), ("\n", 1.0)])
    scores = line_scores(lines, s)
    assert scores[1].token_logits == () and math.isinf(scores[1].uncertainty)
    assert scores[2].uncertainty == 3.0


def test_top_k_picks_the_lowest_first_token_logits_among_eligible_lines():
    from jumpcoder_lsp.engine.types import LineScore

    scores = [LineScore((v,), v) for v in (5.0, -1.0, 3.0, -2.0, 0.0)]
    assert top_k_positions(scores, range(5), 2) == [3, 1]
    assert top_k_positions(scores, {0, 2, 4}, 2) == [4, 2]
    assert top_k_positions(scores, range(5), 0) == []
