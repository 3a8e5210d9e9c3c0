"""The code after the cursor (engine/context.py suffix_window, engine/hybrid.py next_line_prompt,
engine/stop.py meets_suffix), with scripted models: the next line is a FIM middle only when code
follows the cursor (the prompts stay the paper's, byte for byte, when none does), the window is
bounded, and a suggestion ends where the code below resumes instead of writing it again."""

import pytest

from jumpcoder_lsp.config import ServerConfig
from jumpcoder_lsp.engine import EngineConfig, ModelPair, complete
from jumpcoder_lsp.engine.apply import apply_completion
from jumpcoder_lsp.engine.context import suffix_window
from jumpcoder_lsp.engine.types import split_lines
from jumpcoder_lsp.engine.stop import meets_suffix
from jumpcoder_lsp.languages import get_language
from jumpcoder_lsp.runtime.scripted import ScriptedRuntime

from engine_scripts import EOS, FIM, scripted_pair, split_fim

PY = get_language("python")
TOTAL = "def total(xs):\n    s = 0\n\n    return s\n"  # the cursor on the blank line 2
LOOP = "    for x in xs:\n        s += x\n"


def fim_model(middle: str, before: str = "def total(xs):\n    s = 0\n"):
    """A model that answers the FIM prompt of the next line (its prefix is ``before``, the code
    above the cursor) by ``middle`` and every other FIM prompt (the infills) by nothing, and a
    left-to-right prompt by the lines of ``middle``, then ``return s`` for ever: what the bare
    model did before it saw the suffix."""

    def continue_fn(prompt: str) -> str:
        fim = split_fim(prompt)
        if fim is not None:
            prefix, rest = fim
            suffix, written = rest.split("\0", 1)
            if prefix != before:
                return EOS
            answer = middle + EOS
            return answer[len(written):] if answer.startswith(written) else EOS
        done = prompt.splitlines(keepends=True)
        for line in split_lines(middle):
            if line not in done:
                return line
        return "    return s\n"

    rt = ScriptedRuntime(continue_fn)
    return ModelPair(rt, rt, FIM, "scripted"), rt


# -- the window --------------------------------------------------------------------------------

def test_the_suffix_window_is_the_code_after_the_cursor_bounded_in_lines_and_characters():
    doc = split_lines(TOTAL)
    w = suffix_window(doc, 2, 0)
    assert (w.text, w.first_code) == ("    return s\n", "    return s")
    # the rest of the cursor line comes first (it moves below the continuation)
    w = suffix_window(split_lines("x = f(a)\ny = 2\n"), 0, 6)
    assert (w.text, w.first_code) == ("a)\ny = 2\n", "a)")
    # nothing but whitespace after the cursor: no suffix at all
    assert not suffix_window(split_lines("def f():\n    \n\n   \n"), 1, 4)
    assert not suffix_window(doc, 4, 0) and not suffix_window(doc, 3, 12)
    many = split_lines("".join(f"y{i} = {i}\n" for i in range(1000)))
    assert suffix_window(many, 0, 0, max_lines=64).text == "".join(many[:64])
    w = suffix_window(many, 0, 0, max_lines=64, max_chars=100)
    assert len(w.text) <= 100 and w.text == "".join(many[: len(split_lines(w.text))])  # whole lines
    assert not suffix_window(many, 0, 0, max_lines=0)  # suffixLines = 0 turns it off


def test_the_suffix_settings_are_validated_and_reach_the_server_in_camel_case():
    assert (EngineConfig().suffix_lines, EngineConfig().suffix_chars) == (64, 2048)
    for bad in ({"suffix_lines": -1}, {"suffix_chars": "2k"}, {"suffix_lines": True}, {"suffix_chars": 10**9}):
        with pytest.raises(ValueError, match="suffix_"):
            EngineConfig(**bad)
    assert EngineConfig.from_mapping({"suffixLines": 8, "suffixChars": 0}).suffix_chars == 0
    server = ServerConfig.from_mapping({"suffixLines": 16, "suffixChars": 512})
    assert (server.engine.suffix_lines, server.engine.suffix_chars) == (16, 512)
    assert ServerConfig.from_mapping({"suffixLines": 16}).engine_for("python").suffix_lines == 16


# -- the prompt ----------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["autoregressive", "jumpcoder"])
def test_the_next_line_is_a_fim_middle_when_code_follows_the_cursor(method):
    models, rt = fim_model(LOOP)
    result = complete(TOTAL, 2, 0, models=models, language=PY, method=method, config=EngineConfig(k=2))
    assert result.continuation == LOOP.rstrip("\n")
    assert apply_completion(TOTAL, 2, 0, result) == "def total(xs):\n    s = 0\n" + LOOP + "    return s\n"
    prefix = "def total(xs):\n    s = 0\n"
    gen = [p for p in rt.generated_prompts if p.startswith(FIM.prefix + prefix + FIM.suffix)]
    # each line extends the previous prompt: <PRE> the code above <SUF> the code below <MID> written so far
    assert gen[:3] == [FIM.prefix + prefix + FIM.suffix + "    return s\n" + FIM.middle + w
                       for w in ("", LOOP.splitlines(keepends=True)[0], LOOP)]
    assert not any(p.startswith("def total") for p in rt.generated_prompts)  # never left to right
    assert result.stop_reason == "eos"  # the middle ended: the code below resumes


@pytest.mark.parametrize("method", ["autoregressive", "jumpcoder"])
def test_without_code_after_the_cursor_the_prompts_are_the_papers(method):
    """Nothing but blank lines after the cursor: the same prompts, steps and result as the buffer
    that ends at the cursor, and the next line is prompted left to right."""
    program = ["    for x in xs:\n", "        s += x\n", "    return s\n", "    return s\n"]
    runs = []
    for text in ("def total(xs):\n    s = 0\n", "def total(xs):\n    s = 0\n\n\n   \n"):
        models, rt = scripted_pair(program, lambda p, s: "")
        result = complete(text, 2, 0, models=models, language=PY, method=method)
        runs.append((result.continuation, result.stop_reason, [(s.kind, s.line, s.text) for s in result.steps],
                     rt.generated_prompts, rt.calls))
    assert runs[0] == runs[1]
    continuation, reason, _, prompts, _ = runs[0]
    assert continuation == "".join(program[:3]).rstrip("\n") and reason == "function_end"
    assert prompts[0] == "def total(xs):\n    s = 0\n"


def test_a_generation_model_without_a_known_fim_dialect_is_prompted_left_to_right():
    models, rt = fim_model(LOOP)
    other = ScriptedRuntime(rt.continue_fn)
    pair = ModelPair(rt, other, FIM, "two models")  # gen_fim unknown
    result = complete(TOTAL, 2, 0, models=pair, language=PY, method="autoregressive")
    assert rt.generated_prompts and all(not p.startswith(FIM.prefix) for p in rt.generated_prompts)
    # the left-to-right model writes `return s` again: the suffix rule ends the suggestion before it
    assert result.continuation == LOOP.rstrip("\n") and result.stop_reason == "suffix"
    pair = ModelPair(rt, other, FIM, "two models", gen_fim=FIM)
    complete(TOTAL, 2, 0, models=pair, language=PY, method="autoregressive")
    assert rt.generated_prompts[-1].startswith(FIM.prefix)


# -- the stop rule --------------------------------------------------------------------------------

def test_meets_suffix_is_the_first_code_line_below_at_its_indentation():
    assert meets_suffix("    return s\n", "    return s")
    assert meets_suffix("    return s  \n", "    return s")
    assert not meets_suffix("        return s\n", "    return s")  # another indentation: another block
    assert not meets_suffix("    return s + 1\n", "    return s")
    assert not meets_suffix("\n", "")
    assert not meets_suffix("    x = 1\n", "")  # no code after the cursor
    assert not meets_suffix("   \n", "   ")


@pytest.mark.parametrize("method", ["autoregressive", "jumpcoder"])
def test_a_suggestion_that_reaches_the_code_below_ends_without_repeating_it(method):
    # a FIM model that writes the loop and then `return s` and more: the line below, again
    models, rt = fim_model(LOOP + "    return s\n    return s\n    return s\n")
    result = complete(TOTAL, 2, 0, models=models, language=PY, method=method, config=EngineConfig(max_lines=10, k=2))
    assert result.stop_reason == "suffix"
    assert result.continuation == LOOP.rstrip("\n")
    assert "return" not in result.continuation
    new = apply_completion(TOTAL, 2, 0, result)
    assert new.count("return s") == 1 and new.endswith("        s += x\n    return s\n")
    assert result.steps[-1].kind == "end" and result.steps[-1].text == "    return s\n"


def test_a_line_that_only_resembles_the_code_below_is_kept():
    models, _ = fim_model("    for x in xs:\n        return s\n")  # nested deeper: not the line below
    result = complete(TOTAL, 2, 0, models=models, language=PY, method="autoregressive")
    assert result.continuation == "    for x in xs:\n        return s"


def test_the_line_being_typed_completed_into_the_line_below_gives_an_empty_suggestion():
    text = "def total(xs):\n    s = 0\n    ret\n    return s\n"
    models, _ = fim_model("    return s")
    result = complete(text, 2, 7, models=models, language=PY, method="autoregressive")
    assert result.stop_reason == "suffix" and result.continuation == ""
    assert apply_completion(text, 2, 7, result) == text


def test_a_fim_middle_inside_the_cursor_line_leaves_the_rest_of_the_line_in_place():
    text = "def f(a):\n    return max(a, )\n"
    col = text.splitlines()[1].index(")")

    def continue_fn(prompt):
        fim = split_fim(prompt)
        if fim is not None and fim[1].startswith(")\n"):
            written = fim[1].split("\0", 1)[1]
            return ("    return max(a, 0" + EOS)[len(written):]
        return EOS

    rt = ScriptedRuntime(continue_fn)
    result = complete(text, 1, col, models=ModelPair(rt, rt, FIM, "s"), language=PY, method="autoregressive")
    assert result.continuation == "0" and result.stop_reason == "eos"
    assert apply_completion(text, 1, col, result) == "def f(a):\n    return max(a, 0)\n"


def test_the_model_sees_a_bounded_suffix_of_a_long_file():
    below = "".join(f"def g{i}(x):\n    return x * {i}\n" for i in range(5000))
    text = TOTAL + below
    models, rt = fim_model(LOOP)
    complete(text, 2, 0, models=models, language=PY, method="autoregressive")
    first = rt.generated_prompts[0]
    seen = first.split(FIM.suffix, 1)[1].split(FIM.middle, 1)[0]
    assert seen == "".join(split_lines(text)[3 : 3 + 64])  # 64 lines, under 2048 characters
    models, rt = fim_model(LOOP)
    complete(text, 2, 0, models=models, language=PY, method="autoregressive", config=EngineConfig(suffix_chars=100))
    seen = rt.generated_prompts[0].split(FIM.suffix, 1)[1].split(FIM.middle, 1)[0]
    assert 0 < len(seen) <= 100 and text[text.index(seen):].startswith(seen)


def test_a_fim_line_that_leaves_the_block_at_once_is_written_left_to_right_instead():
    """The small instruct model's FIM failure: it goes on after the suffix (``def main():`` at column
    0). That line is written again left to right; the suffix still ends the suggestion."""
    text = "def is_even(n):\n\n\ndef is_odd(n):\n    return not is_even(n)\n"
    models, rt = fim_model("def main():\n    pass\n", before="def is_even(n):\n")
    rt.continue_fn = (lambda fim_fn: lambda p: fim_fn(p) if split_fim(p) else
                      ("    return n % 2 == 0\n" if p.endswith("(n):\n") else EOS))(rt.continue_fn)
    result = complete(text, 1, 0, models=models, language=PY, method="autoregressive")
    assert result.continuation == "    return n % 2 == 0" and result.stop_reason == "function_end"
    assert rt.generated_prompts[-1] == "def is_even(n):\n"  # the retry, left to right
    assert rt.generated_prompts[0].startswith(FIM.prefix)
    result = complete(text, 1, 0, models=models, language=PY, method="autoregressive",
                      config=EngineConfig(suffix_fim=False))
    assert result.continuation == "    return n % 2 == 0"
    assert not any(p.startswith(FIM.prefix) for p in rt.generated_prompts[-1:])
    with pytest.raises(ValueError, match="suffix_fim"):
        EngineConfig(suffix_fim="yes")


# -- what the server warms (engine.loop.prompt_prefix) -------------------------------------------

@pytest.mark.parametrize("text, line, character", [
    (TOTAL, 2, 0),  # code after the cursor: the next line is a FIM middle
    ("def total(xs):\n    s = 0\n", 2, 0),  # nothing after it: left to right
    ("def total(xs):\n    s = 0\n    for x", 2, 9),  # a typed head, nothing after it
])
def test_the_warmed_prompt_is_the_prompt_the_first_generated_line_starts_with(text, line, character):
    from jumpcoder_lsp.engine.loop import prompt_prefix
    from jumpcoder_lsp.runtime.scripted import render

    pair, rt = fim_model(LOOP)
    config = EngineConfig(max_lines=2)
    complete(text, line, character, models=pair, language=PY, config=config, method="autoregressive")
    warmed = render(prompt_prefix(text, line, character, language=PY, config=config, models=pair))
    assert rt.generated_prompts and rt.generated_prompts[0] == warmed
    # without the model pair (or with suffixFim off) the warm prompt is left to right
    plain = render(prompt_prefix(text, line, character, language=PY, config=config))
    assert split_fim(plain) is None
