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


def test_eligible_lines_are_the_import_block_and_the_function_above_the_cursor_minus_non_code():
    from jumpcoder_lsp.engine.positions import eligible_lines
    from jumpcoder_lsp.languages import get_language

    py = get_language("python")
    text = "import os\nimport sys\n\n\ndef top(xs, k):\n    "
    # the import lines (the blank import_line is not code), the def header; not the cursor line
    assert eligible_lines(py, text, 5, character=4) == {0, 1, 4}
    # a caller's tree of the same text (the server's) gives the same lines
    assert eligible_lines(py, text, 5, py.parse(text.encode()), character=4) == {0, 1, 4}
    # docstring, comment and blank lines are never positions
    prompt = 'from typing import List\n\n\ndef f(xs: List[int]) -> int:\n    """ doc\n    """\n    # note\n'
    assert eligible_lines(py, prompt, 7, character=0) == {0, 3}
    # nothing typed before the cursor: the function is the one around the last code line above
    two = "def f(x):\n    y = 1\n\ndef g():\n    pass\n"
    assert eligible_lines(py, two, 3, character=0) == {0, 1}
    assert eligible_lines(py, two, 3) == {0}  # the whole line `def g():`: g, which starts at the cursor
