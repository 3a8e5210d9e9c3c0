"""The bound on what the model sees (engine/context.py): a huge file gives small prompts, a small
file's prompts are unchanged, and the engine's line numbers still refer to the whole document."""

import pytest

from jumpcoder_lsp.engine import EngineConfig, complete
from jumpcoder_lsp.engine.apply import apply_completion
from jumpcoder_lsp.engine.context import STEP, context_window, hole_window
from jumpcoder_lsp.engine.types import split_lines
from jumpcoder_lsp.languages import get_language
from jumpcoder_lsp.runtime.scripted import render

from engine_scripts import scripted_pair

PY = get_language("python")
#: a prompt larger than this fails the test at once (the scripted model is quadratic in it)
TOO_BIG = 100_000


class Recording:
    """Wraps a scripted runtime: records the size of every prompt and scored text."""

    def __init__(self, rt):
        self.rt, self.sizes = rt, []

    def _note(self, n):
        self.sizes.append(n)
        assert n <= TOO_BIG, f"a prompt of {n} characters reached the model"

    def score(self, requests):
        for r in requests:
            self._note(len(render(r.context)) + len(r.target))
        return self.rt.score(requests)

    def generate(self, requests, cancel=None):
        for r in requests:
            self._note(len(render(r.prompt)))
        return self.rt.generate(requests, cancel)

    def __getattr__(self, name):
        return getattr(self.rt, name)


def recorded_pair(program, infill):
    models, rt = scripted_pair(program, infill)
    rec = Recording(rt)
    models.gen = models.infill = rec
    return models, rec


def filler(n_lines):
    """n_lines of valid Python that defines every name it uses."""
    return "".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(n_lines // 2))


HUGE = filler(50_000)


def test_a_50k_line_file_gives_prompts_of_a_few_thousand_characters_and_keeps_the_import_position():
    prompt = "import os\n" + HUGE + 'def product(nums):\n    """Multiply all numbers."""\n'
    program = ["    return reduce(lambda a, b: a * b, nums)\n"]
    models, rec = recorded_pair(program, lambda p, s: "from functools import reduce\n" if p == "" else "    x = 1\n")
    line = prompt.count("\n")
    assert line > 50_000 and len(prompt) > 800_000
    result = complete(prompt, line, 0, models=models, language=PY, config=EngineConfig(k=5))
    assert rec.sizes and max(rec.sizes) <= 9_000, max(rec.sizes)
    assert result.continuation == "    return reduce(lambda a, b: a * b, nums)"
    # the head (first lines) stays visible: the import goes into the real document's import
    # block (after ``import os``: isort's order), with PEP 8's two blank lines before the def
    assert [(i.before_line, i.text) for i in result.insertions] == [(1, "from functools import reduce\n\n\n")]
    new = apply_completion(prompt, line, 0, result)
    assert new.startswith("import os\nfrom functools import reduce\n\n\ndef f0(x):\n")
    assert new.endswith('"""Multiply all numbers."""\n    return reduce(lambda a, b: a * b, nums)')


def test_an_infill_inside_the_window_maps_back_to_the_document_line():
    tail = "def total(nums):\n    for i in range(len(nums)):\n        s += nums[i]\n"
    prompt = HUGE + tail
    line = prompt.count("\n")
    for_line = line - 2
    models, rec = recorded_pair(["    return s\n"], lambda p, s: "    s = 0\n" if s.startswith("    for i") else "")
    result = complete(prompt, line, 0, models=models, language=PY, config=EngineConfig())
    assert max(rec.sizes) <= 9_000
    assert [(i.before_line, i.text) for i in result.insertions] == [(for_line, "    s = 0\n")]
    new = apply_completion(prompt, line, 0, result)
    assert new == HUGE + "def total(nums):\n    s = 0\n" + tail.split("\n", 1)[1] + "    return s"


def test_a_small_file_is_seen_whole_and_its_prompts_are_unchanged():
    prompt = 'import os\n\n' + filler(40) + 'def product(nums):\n    """Multiply all numbers."""\n'
    program = ["    return reduce(lambda a, b: a * b, nums)\n"]
    infill = lambda p, s: "from functools import reduce\n" if p == "" else "    x = 1\n"
    line = prompt.count("\n")
    runs = []
    for config in (EngineConfig(), EngineConfig(context_lines=100_000, context_chars=4_000_000)):
        models, _ = scripted_pair(program, infill)
        models.gen.generated_prompts.clear()
        result = complete(prompt, line, 0, models=models, language=PY, config=config)
        runs.append((models.gen.generated_prompts, result.code, result.insertions, result.continuation))
    assert runs[0] == runs[1]
    assert runs[0][1].startswith("import os\nfrom functools import reduce\n\n\ndef f0")  # the whole file was seen


def test_the_window_moves_in_steps_so_the_prefix_stays_stable_while_typing():
    lines = split_lines(filler(2_000))
    starts = set()
    for end in range(600, 1000):
        w = context_window(lines, end)
        assert w.head == 64 or sum(map(len, lines[: w.head])) <= 2048
        assert w.start % STEP == 0 and 256 <= w.end - w.start < 256 + STEP
        seen = w.seen(lines)
        assert sum(map(len, seen)) <= 8192
        assert [lines[i] for i in w.document_lines()] == seen
        assert w.to_document(len(seen)) == end
        starts.add(w.start)
    assert len(starts) <= 400 // STEP + 1
    # a document that fits is seen whole
    w = context_window(lines, 200)
    assert w.whole and w.seen(lines) == lines[:200]


def test_long_lines_are_bounded_by_characters():
    lines = [("x = '" + "a" * 5000 + "'\n") for _ in range(300)]
    w = context_window(lines, 300, max_chars=8192)
    assert sum(map(len, w.seen(lines))) <= 8192
    assert w.end == 300 and w.start >= w.head
    one_huge = ["import os\n", "y = '" + "b" * 100_000 + "'\n", "z = 1\n"]
    w = context_window(one_huge, 3)
    assert w.seen(one_huge) == ["import os\n", "z = 1\n"]


def test_hole_window_bounds_an_infill_hole_at_line_boundaries():
    prefix, suffix = HUGE[:500_000], HUGE[500_000:]
    p, s = hole_window(prefix, suffix, max_chars=8192)
    assert len(p) + len(s) <= 8192 and prefix.endswith(p) and suffix.startswith(s)
    assert p.startswith("def ") and s.endswith("\n")
    assert hole_window("a\n", "b\n") == ("a\n", "b\n")


def test_context_settings_are_validated():
    with pytest.raises(ValueError, match="context_lines"):
        EngineConfig(context_lines=0)
    with pytest.raises(ValueError, match="context_chars"):
        EngineConfig(context_chars="big")
    assert EngineConfig.from_mapping({"contextLines": 512}).context_lines == 512
