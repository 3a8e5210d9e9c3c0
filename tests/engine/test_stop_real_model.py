"""The stop rules on the real default model (both runtimes where installed): each rule ends
decoding inside the line it condemns, and a function ends at its return."""

import pytest

from jumpcoder_lsp.engine import EngineConfig, complete
from jumpcoder_lsp.engine.stop import next_line_stop, repeats_in_line
from jumpcoder_lsp.languages import get_language
from jumpcoder_lsp.runtime.base import GenRequest, stop_at_newline

from test_real_model import models  # noqa: F401  (the module-scoped real-model fixture)

pytestmark = [pytest.mark.real_model, pytest.mark.timeout(1200)]

PY = get_language("python")
GROUP = (
    "def group_by_length(words):\n"
    '    """Group the words by their length: a dict from each length to the list of its words."""\n'
    "    groups = {}\n"
    "    for w in words:\n"
    "        groups.setdefault(len(w), []).append(w)\n"
)


def decode(models, prompt, block_indent, max_line_chars=200, budget=96):
    rule = next_line_stop(PY, block_indent, max_line_chars)
    return models.gen.generate([GenRequest((prompt,), stop=rule, max_new_tokens=budget)])[0]


@pytest.mark.parametrize("method", ["autoregressive", "jumpcoder"])
def test_the_function_ends_at_its_return(models, method):
    result = complete(GROUP, 5, 0, models=models, language=PY, method=method,
                      config=EngineConfig(k=2, max_lines=12))
    assert result.stop_reason == "function_end", result.steps
    lines = result.continuation.splitlines()
    assert lines[-1].strip().startswith("return")
    assert len(lines) <= 3  # the return (and what the model writes before it), never 12 lines of repeats
    assert sum(1 for s in result.steps if s.kind == "generate") <= 3


def test_a_java_method_ends_at_its_closing_brace(models):
    java = get_language("java")
    text = "class MathUtil {\n    static int add(int a, int b) {\n"
    result = complete(text, 2, 0, models=models, language=java, method="autoregressive",
                      config=EngineConfig(max_lines=12))
    assert result.stop_reason == "function_end", result.steps
    assert "}" not in result.continuation and len(result.continuation.splitlines()) <= 3


MIN_SUB = (
    "def minSubArraySum(nums):\n"
    '    """\n'
    "    Given an array of integers nums, find the minimum sum of any non-empty sub-array\n"
    "    of nums.\n"
    "    Example\n"
    "    minSubArraySum([2, 3, 4, 1, 2, 4]) == 1\n"
    "    minSubArraySum([-1, -2, -3]) == -6\n"
    '    """\n'
    "    current_sum = 0\n"
    "    min_sum = float('inf')\n"
    "    for i in range(len(nums)):\n"
    "        current_sum += nums[i]\n"
    "        if current_sum < min_sum:\n"
    "            min_sum = current_sum\n"
    "    return min_sum\n"
)


def test_a_markdown_fence_stops_decoding_within_a_few_tokens(models):
    # what the instruct model writes after examples/min_sub_array_sum.py's finished function:
    # a line of ~250 backticks, decoded to its end and discarded before the stop rules
    out = decode(models, MIN_SUB, "")
    assert out.text.lstrip().startswith("```"), out
    assert out.finish == "stop" and len(out.tokens) <= 3


def test_a_long_line_stops_at_the_cap(models):
    prompt = "PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47,"
    free = decode(models, prompt, None, max_line_chars=10_000)
    out = decode(models, prompt, None, max_line_chars=30)
    assert out.finish == "stop" and "\n" not in out.text
    assert 30 < len(out.text) <= 34  # one token past the cap
    # uncapped, the line runs past the cap (the model writes the primes below 100 and closes the list: 40 chars)
    assert len(free.text.rstrip("\n")) > 34 and len(out.tokens) < len(free.tokens)


def test_a_dedented_line_stops_at_its_first_tokens(models):
    out = decode(models, "def add(a, b):\n    return a + b\n\n\n", "")
    assert out.finish == "stop" and out.text.strip() and "\n" not in out.text.strip("\n")
    assert len(out.tokens) <= 3


def test_a_repeated_line_ends_the_suggestion(models):
    text = "def shout():\n    print('hey')\n    print('hey')\n    print('hey')\n"
    result = complete(text, 4, 0, models=models, language=PY, method="autoregressive",
                      config=EngineConfig(max_lines=12))
    assert result.stop_reason == "repeat", result.steps
    assert result.continuation == ""


#: a list the default model goes on filling with zeros to the line's token budget (torch fp32 and
#: llama.cpp alike: benchmarks/repeat_in_line.py --decode)
ZEROS = "def zeros():\n    return [0, 0, 0, 0, 0, 0,"


def test_a_line_that_loops_within_itself_stops_at_its_tenth_unit(models):
    free = models.gen.generate([GenRequest((ZEROS,), stop=stop_at_newline, max_new_tokens=96)])[0]
    assert free.finish == "length" and repeats_in_line(free.text), free  # without the rule: to the budget
    out = decode(models, ZEROS, None, budget=96)
    assert out.finish == "stop" and "\n" not in out.text and repeats_in_line(out.text), out
    assert out.text.count("0") <= 11 and len(out.tokens) <= 40 < len(free.tokens)


@pytest.mark.parametrize("method", ["autoregressive", "jumpcoder"])
def test_the_typed_line_that_loops_ends_the_suggestion_with_nothing_on_it(models, method):
    head = ZEROS.splitlines()[-1]
    result = complete(ZEROS, 1, len(head), models=models, language=PY, method=method,
                      config=EngineConfig(k=2, max_lines=8, policy="inline"))  # no undefined name: no jump
    assert result.stop_reason == "repeat_in_line", result.steps
    assert result.continuation == "" and result.insertions == []
    rest = result.steps[-1].text[len(head):]
    assert repeats_in_line(rest) and rest.count("0") <= 11  # decoded to the tenth unit, not the budget
