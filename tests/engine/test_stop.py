"""The stop rules of engine/stop.py, each pinned with a scripted model: decoding stops inside the
line that ends the suggestion (tokens counted), and the reason is reported."""

import pytest

from jumpcoder_lsp.engine import EngineConfig, ModelPair, complete
from jumpcoder_lsp.engine.filters import candidate
from jumpcoder_lsp.engine.hybrid import InfillResult
from jumpcoder_lsp.engine.stop import infill_stop, line_verdict, next_line_stop, repeats, repeats_in_line
from jumpcoder_lsp.languages import get_language
from jumpcoder_lsp.runtime.scripted import ScriptedRuntime

from engine_scripts import FIM, EOS, scripted_pair, split_fim

PY = get_language("python")


class Counting:
    """Wraps a scripted runtime and keeps every generated branch's result."""

    def __init__(self, rt):
        self.rt, self.outs = rt, []
        self.description = rt.description

    def score(self, requests):
        return self.rt.score(requests)

    def count_tokens(self, text):
        return self.rt.count_tokens(text)

    def generate(self, requests, cancel=None):
        outs = self.rt.generate(requests, cancel=cancel)
        self.outs.extend(outs)
        return outs


def counted(program, infill=lambda p, s: ""):
    models, rt = scripted_pair(program, infill)
    c = Counting(rt)
    return ModelPair(c, c, FIM, "scripted"), c


def looping(line):
    """A model that writes ``line`` after any code (and nothing as an infill)."""

    def continue_fn(prompt):
        if split_fim(prompt) is not None:
            return EOS
        return line if prompt.endswith("\n") else EOS

    rt = Counting(ScriptedRuntime(continue_fn))
    return ModelPair(rt, rt, FIM, "scripted"), rt


@pytest.mark.parametrize("method", ["jumpcoder", "autoregressive"])
def test_a_250_backtick_fence_line_stops_within_a_few_tokens(method):
    fence = "`" * 250 + "\n"
    models, rt = counted(["    y = x + 1\n", fence])
    result = complete("def f(x):\n", 1, 0, models=models, language=PY, method=method)
    assert result.stop_reason == "fence"
    assert result.continuation == "    y = x + 1"
    fence_outs = [o for o in rt.outs if o.text.lstrip().startswith("`")]
    assert fence_outs and max(len(o.tokens) for o in fence_outs) <= 3  # one scripted token per backtick


def test_an_indented_fence_ends_too_and_a_backtick_in_code_does_not():
    assert line_verdict("    ```", PY, "", 200) == "fence"
    assert line_verdict("    x = `", PY, "", 200) is None


def test_a_line_past_the_length_cap_stops_while_decoded():
    long = "    y = " + " + ".join(["x"] * 150) + "\n"
    models, rt = counted(["    y = 0\n", long])
    config = EngineConfig(max_line_chars=40, max_line_tokens=2000)
    result = complete("def f(x):\n", 1, 0, models=models, language=PY, config=config, method="autoregressive")
    assert result.stop_reason == "length"
    assert result.continuation == "    y = 0"
    assert max(len(o.tokens) for o in rt.outs) <= 41 < len(long)  # stopped at the cap, not the line's end


def test_a_dedented_line_stops_at_its_first_token():
    models, rt = counted(["    y = x + 1\n", "print(f(2), 'and a long tail', [1, 2, 3, 4, 5, 6])\n"])
    result = complete("def f(x):\n", 1, 0, models=models, language=PY, method="autoregressive")
    assert result.stop_reason == "dedent"
    assert result.continuation == "    y = x + 1"
    assert [len(o.tokens) for o in rt.outs][-1] == 1  # "print" decoded, then stopped


def test_return_groups_repeated_ends_after_the_first():
    text = "def group(words):\n    groups = {}\n    for w in words:\n        groups.setdefault(len(w), []).append(w)\n"
    for method in ("autoregressive", "jumpcoder"):
        models, rt = looping("    return groups\n")
        result = complete(text, 4, 0, models=models, language=PY, method=method, config=EngineConfig(max_lines=64))
        assert result.stop_reason == "function_end", method
        assert result.continuation == "    return groups"
        # one next-line generation only (JumpCoder's last iteration is infill-only)
        assert sum(1 for o in rt.outs if "return" in o.text) == 1


def test_a_repeated_line_ends_the_suggestion_without_the_copy():
    models, _ = looping("    print(x)\n")
    result = complete("def f(x):\n", 1, 0, models=models, language=PY, method="autoregressive")
    assert result.stop_reason == "repeat"
    assert result.continuation == "    print(x)"


def test_a_line_written_max_line_repeats_times_ends_the_run():
    assert repeats("    a += 1\n", ["    a += 1\n", "    b += 1\n"], ["    a += 1\n"] * 3, 3)
    assert not repeats("    a += 1\n", ["    a += 1\n", "    b += 1\n"], ["    a += 1\n"] * 2, 3)
    assert not repeats("    }\n", ["    }\n"], [], 3)  # no letter or digit: never a repeat
    assert not repeats("        x = 1\n", ["    x = 1\n"], [], 3)  # indentation counts


def test_a_return_nested_in_a_loop_does_not_end_the_function():
    program = ["    for a in x:\n", "        if a:\n", "            return a\n", "    return None\n", "    x = 2\n"]
    models, _ = counted(program)
    result = complete("def f(x):\n", 1, 0, models=models, language=PY, method="autoregressive")
    assert result.continuation == "".join(program[:4]).rstrip("\n")
    assert result.stop_reason == "function_end"


def test_raise_at_the_body_indentation_ends_the_function():
    models, _ = counted(["    if x:\n", "        y = 1\n", "    raise ValueError(x)\n", "    y = 3\n"])
    result = complete("def f(x):\n", 1, 0, models=models, language=PY, method="autoregressive")
    assert result.stop_reason == "function_end"
    assert result.continuation.endswith("    raise ValueError(x)")


def test_an_open_multiline_return_goes_on_to_its_end():
    program = ["    return [\n", "        x,\n", "    ]\n", "    y = 1\n"]
    models, _ = counted(program)
    result = complete("def f(x):\n", 1, 0, models=models, language=PY, method="autoregressive")
    assert result.continuation == "    return [\n        x,\n    ]"
    assert result.stop_reason == "function_end"


def test_jumpcoder_still_jumps_after_the_return_that_ends_the_function():
    # The return uses `reduce`; the last, infill-only iteration inserts the import.
    models, _ = counted(["    return reduce(lambda a, b: a * b, nums)\n", "    return 1\n"],
                        lambda p, s: "from functools import reduce\n" if p == "" else "")
    result = complete('def product(nums):\n    """Multiply."""\n', 2, 0, models=models, language=PY)
    assert [i.text for i in result.insertions] == ["from functools import reduce\n\n\n"]
    assert result.stop_reason == "function_end"
    assert result.continuation == "    return reduce(lambda a, b: a * b, nums)"


@pytest.mark.parametrize("lang,prompt,program", [
    ("java", "class A {\n    int f(int x) {\n", ["        int y = x + 1;\n", "        return y;\n", "    }\n",
                                                 "    int g() { return 2; }\n"]),
    ("cpp", "int f(int x) {\n", ["    if (x) {\n", "        return 1;\n", "    }\n", "    return x;\n", "}\n",
                                "int main() { return f(1); }\n"]),
    ("csharp", "class A {\n    public int F(int x) {\n", ["        var y = x * 2;\n", "        return y;\n",
                                                           "    }\n", "    public int G() => 1;\n"]),
])
def test_the_closing_brace_of_the_function_ends_it_at_its_first_token(lang, prompt, program):
    language = get_language(lang)
    models, rt = counted(program)
    n = prompt.count("\n")
    result = complete(prompt, n, 0, models=models, language=language, method="autoregressive")
    assert result.stop_reason == "function_end"
    body = program[: next(i for i, l in enumerate(program) if l.strip() == "}" and
                          len(l) - len(l.lstrip()) <= len(prompt.splitlines()[-1]) - len(prompt.splitlines()[-1].lstrip()))]
    assert result.continuation == "".join(body).rstrip("\n")
    assert len(rt.outs[-1].tokens) <= 2  # indentation and "}"


def test_the_stop_rule_keeps_the_partial_line_so_the_engine_can_tell_why():
    rule = next_line_stop(PY, "", 200)
    assert rule("    y = 1") is None
    assert rule("    y = 1\n    z") == len("    y = 1\n")
    assert rule("``") is None and rule("```") == 3
    assert rule("print") == 5


def test_end_of_sequence_and_max_lines_are_reported():
    models, _ = counted(["    y = 1\n"])
    assert complete("def f(x):\n", 1, 0, models=models, language=PY).stop_reason == "eos"
    models, _ = counted([f"    y{i} = {i}\n" for i in range(10)])
    result = complete("def f(x):\n", 1, 0, models=models, language=PY, config=EngineConfig(max_lines=3))
    assert result.stop_reason == "max_lines"


# -- the within-line repetition rule ("repeat_in_line") ------------------------------------------
LOOP = "    return reduce(" + "1, " * 150 + "1)\n"  # 470 characters, ~455 scripted tokens
LOOP_HEAD = len(["    ", "return", " ", "reduce", "("])  # scripted tokens before the loop


@pytest.mark.parametrize("method", ["autoregressive", "jumpcoder"])
def test_a_line_that_loops_within_itself_stops_after_ten_units(method):
    models, rt = counted(["    y = len(xs)\n", LOOP, "    return y\n"])
    # neither cap would stop it: only the rule does
    config = EngineConfig(max_line_chars=10_000, max_line_tokens=2000)
    result = complete("def product(xs):\n", 1, 0, models=models, language=PY, config=config, method=method)
    assert result.stop_reason == "repeat_in_line"
    assert result.continuation == "    y = len(xs)"  # the line before it is kept, the loop is not
    loop_outs = [o for o in rt.outs if "reduce" in o.text]
    assert loop_outs and all(o.finish == "stop" for o in loop_outs)
    # "1", ",", " " per unit: stopped at the 10th unit, not at the line's end
    assert max(len(o.tokens) for o in loop_outs) == LOOP_HEAD + 3 * 10
    assert result.steps[-1].kind == "end" and result.steps[-1].text.endswith("1, " * 10)


@pytest.mark.parametrize("method", ["autoregressive", "jumpcoder"])
def test_the_rest_of_the_typed_line_that_loops_ends_the_suggestion_with_nothing_on_it(method):
    # the torch bf16 answer to benchmarks/lsp_latency.py's "def product(xs): return reduce(" buffer
    models, rt = counted([LOOP, "    return 1\n"])
    text = "def product(xs):\n    return reduce("
    result = complete(text, 1, len("    return reduce("), models=models, language=PY, method=method)
    assert result.stop_reason == "repeat_in_line"
    assert result.continuation == "" and result.insertions == []
    loop_outs = [o for o in rt.outs if "1, 1" in o.text]
    assert len(loop_outs) == 1 and len(loop_outs[0].tokens) == 3 * 10 and loop_outs[0].finish == "stop"
    assert not any("return 1" in o.text for o in rt.outs)  # nothing is written after the loop
    assert result.steps[-1].kind == "end" and result.steps[-1].text == "    return reduce(" + "1, " * 10


def test_the_jump_the_looping_typed_line_needs_is_still_made():
    # JumpCoder gets one infill-only iteration after the loop: the import is inserted, the loop is not
    models, rt = counted([LOOP], lambda p, s: "from functools import reduce\n" if p == "" else "")
    text = "def product(xs):\n    return reduce("
    result = complete(text, 1, len("    return reduce("), models=models, language=PY, method="jumpcoder")
    assert result.stop_reason == "repeat_in_line"
    assert result.continuation == ""
    assert [(i.before_line, i.text) for i in result.insertions] == [(0, "from functools import reduce\n\n\n")]
    assert [s.kind for s in result.steps] == ["infill", "end"]


def test_a_looping_infill_stops_at_once_and_is_dropped():
    rule = infill_stop(PY, allow_function=False)
    assert rule("xs = [" + "0, " * 9) is None
    assert rule("xs = [" + "0, " * 10) == len("xs = [" + "0, " * 10)
    assert rule("xs = [0, 0]\n") == len("xs = [0, 0]\n")
    function = infill_stop(PY, allow_function=True)
    body = "def helper(x):\n    return max(" + "x, " * 10
    assert function(body) == len(body)
    assert function("def helper(x):\n    return x\n") is None  # goes on to the function's end
    looped = InfillResult(0, "xs = [" + "0, " * 10, "stop")
    assert candidate(looped, ["y = 1\n"], PY, repetition_threshold=0.85, filter_blocks=True).rejected == "repeat in line"


def test_a_looping_infill_branch_is_decoded_only_to_its_tenth_unit():
    # the generation model uses an undefined name, so JumpCoder tries infills; each infill loops
    loop = "from functools import reduce" + ", reduce" * 40 + "\n"
    models, rt = counted(["    return reduce(lambda a, b: a * b, xs)\n"], lambda p, s: loop)
    result = complete("def product(xs):\n", 1, 0, models=models, language=PY, method="jumpcoder",
                      config=EngineConfig(max_function_tokens=2000, max_line_tokens=2000))
    infills = [o for o in rt.outs if o.text.startswith("from functools")]
    assert infills and all(o.finish == "stop" for o in infills)
    # "from functools import reduce" is 7 scripted tokens; ", reduce" 3 more each: stopped at the 10th unit
    assert max(len(o.tokens) for o in infills) <= 7 + 3 * 10 < len(loop) // 3
    assert result.insertions == []  # dropped ("repeat in line"), never inserted
    rejected = {c.rejected for s in result.steps for c in (s.candidates or [])}
    assert "repeat in line" in rejected


def test_the_repeat_in_line_rule_spares_real_code_and_catches_loops():
    # real lines: separators, long number literals, a short run of equal items, a 9-item list
    for line in ["# " + "-" * 78, "    x = x - 0x10000000000000000", "MAX_PREC = 999999999999999999",
                 "    return [0, 0, 0, 0]", "assert f([-1,-1,-1,-1,-1,-1,-1,-1,-1]) == -3", "    " + "=" * 60,
                 "  " * 40 + "x"]:
        assert not repeats_in_line(line) and line_verdict(line, PY, None, 200) is None, line
    for loop in ["1, " * 10, "    return reduce(" + "1, " * 10, "foo(" * 10, "ab" * 12, "0" * 24, "self.x, " * 10]:
        assert repeats_in_line(loop) and line_verdict(loop, PY, None, 200) == "repeat_in_line", loop
        assert next_line_stop(PY, None, 200)(loop) == len(loop)
    assert not repeats_in_line("1, " * 9 + "1") and not repeats_in_line("0" * 23)
