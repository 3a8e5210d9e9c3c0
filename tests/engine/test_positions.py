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
    # the import lines and the blank import_line after them (where a new import goes), the def
    # header; not the other blank line, not the cursor line
    assert eligible_lines(py, text, 5, character=4) == {0, 1, 2, 4}
    # a caller's tree of the same text (the server's) gives the same lines
    assert eligible_lines(py, text, 5, py.parse(text.encode()), character=4) == {0, 1, 2, 4}
    # docstring, comment and blank lines are never positions
    prompt = 'from typing import List\n\n\ndef f(xs: List[int]) -> int:\n    """ doc\n    """\n    # note\n'
    assert eligible_lines(py, prompt, 7, character=0) == {0, 1, 3}
    # nothing typed before the cursor: the function is the one around the last code line above
    two = "def f(x):\n    y = 1\n\ndef g():\n    pass\n"
    assert eligible_lines(py, two, 3, character=0) == {0, 1}
    assert eligible_lines(py, two, 3) == {0}  # the whole line `def g():`: g, which starts at the cursor


def test_definition_positions_are_the_import_block_the_function_start_and_the_def_line():
    from jumpcoder_lsp.engine.positions import definition_positions
    from jumpcoder_lsp.languages import get_language

    py = get_language("python")
    lines = ["import os\n", "\n", "def g(path):\n", "    data = read(path)\n", "    n = len(data)\n"]
    # the blank import line is no position: the last import line above it; then the body's first
    # line; then the def (module level above the function)
    assert definition_positions(py, lines, {0, 2, 3, 4}) == [0, 3, 2]
    # only eligible lines: without the import line, the import block has no position
    assert definition_positions(py, lines, {2, 3, 4}) == [3, 2]
    # no imports: the top of the file, which is the def line here (one position, not two)
    lines = ["def f(a):\n", '    """doc"""\n', "    b = a + 1\n"]
    assert definition_positions(py, lines, {0, 2}) == [0, 2]
    # at module level: the import block only
    assert definition_positions(py, ["import os\n", "x = y\n"], {0, 1}) == [1]


def test_definition_positions_in_a_java_method():
    from jumpcoder_lsp.engine.positions import definition_positions
    from jumpcoder_lsp.languages import get_language

    java = get_language("java")
    lines = ["import java.util.*;\n", "\n", "class A {\n", "    int f(int x) {\n", "        int y = g(x);\n"]
    assert definition_positions(java, lines, {0, 3, 4}) == [0, 4, 3]


def _choose(policy, lines, undefined, tried=frozenset(), k=5, eligible=None, cached=lambda i: False):
    from jumpcoder_lsp.engine.positions import choose_positions
    from jumpcoder_lsp.engine.types import LineScore
    from jumpcoder_lsp.languages import get_language

    calls = []

    def score():
        calls.append(1)
        return [LineScore((-float(i),), -float(i)) for i in range(len(lines))]  # the last line most uncertain

    eligible = set(range(len(lines))) if eligible is None else eligible
    choice = choose_positions(policy, get_language("python"), lines, k=k, eligible=eligible, undefined=set(undefined),
                              tried=set(tried), ast_judge=True, score=score, cached=cached)
    return choice, len(calls)


LINES = ["def f(a):\n", "    b = a + 1\n", "    c = b * 2\n", "    d = c - 1\n", "    e = d + 1\n"]


def test_the_inline_policy_branches_only_for_an_untried_undefined_name_and_scores_only_for_extra_positions():
    choice, scored = _choose("inline", LINES, set())
    assert (choice.positions, choice.scores, scored) == ([], None, 0)
    # tried before: no branch again
    assert _choose("inline", LINES, {"x"}, tried={"x"})[0].positions == []
    choice, scored = _choose("inline", LINES, {"x"}, k=2)
    assert (choice.positions, choice.scores, scored) == ([0, 1], None, 0)  # the definition positions, no scoring
    choice, scored = _choose("inline", LINES, {"x"}, k=4)
    assert choice.positions == [0, 1, 4, 3] and scored == 1  # then the most uncertain other lines


def test_paper_and_cpu_policies_keep_their_positions():
    choice, scored = _choose("paper", LINES, set(), k=3)
    assert choice.positions == [4, 3, 2] and scored == 1
    # cpu without an undefined name: two, plus a cached position; with one: all k
    choice, _ = _choose("cpu", LINES, set(), k=3, cached=lambda i: i == 0)
    assert choice.positions == [4, 3, 0]
    assert _choose("cpu", LINES, {"x"}, k=3)[0].positions == [4, 3, 2]


def test_the_blank_line_after_a_go_files_only_import_is_where_the_missing_import_is_infilled():
    """The infilling model (as qwen2.5-coder-0.5b does on examples/count_words.go) restates
    `package main` when its prefix holds no import, and writes the import when the prefix ends
    with the import block: the position before the blank line after `import "fmt"` must be tried."""
    from engine_scripts import scripted_pair

    from jumpcoder_lsp.engine import EngineConfig, complete
    from jumpcoder_lsp.languages import get_language

    go = get_language("go")
    text = ('package main\n\nimport "fmt"\n\nfunc countWords(text string) map[string]int {\n'
            '\tcounts := map[string]int{}\n\tfor _, w := range strings.Fields(text) {\n')

    def infill(prefix, suffix):
        return 'import "strings"\n' if prefix.endswith('import "fmt"\n') else "package main\n"

    models, _ = scripted_pair(["\t\tcounts[w]++\n"], infill)
    result = complete(text, 7, 0, models=models, language=go, config=EngineConfig(policy="inline", max_lines=1))
    jumps = [s for s in result.steps if s.kind == "infill"]
    assert [(s.line, s.text, s.judge) for s in jumps] == [(3, 'import "strings"\n', "ast")]
    assert [(i.before_line, i.text) for i in result.insertions] == [(3, 'import "strings"\n')]
