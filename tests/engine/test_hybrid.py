"""Stage 1, hybrid generation (engine/hybrid.py), on its own over the scripted runtime: one
generate call for the next line and every infill when both roles share a model, two when they do
not, and speculative infills verified by one score call (a hit is never decoded)."""

from __future__ import annotations

from jumpcoder_lsp.engine import EngineConfig, ModelPair
from jumpcoder_lsp.engine.hybrid import hybrid_generation, propose_definition
from jumpcoder_lsp.engine.types import Insertion
from jumpcoder_lsp.engine.speculative import SpeculativeCache
from jumpcoder_lsp.languages import get_language
from jumpcoder_lsp.runtime.fim import get_dialect
from jumpcoder_lsp.runtime.scripted import ScriptedRuntime

from engine_scripts import EOS, FIM, scripted_pair

PY = get_language("python")
LINES = ["def f(a):\n", "    b = a + 1\n", "    c = b * 2\n"]
NEXT = ["    return c\n"]


def infill(prefix, suffix):
    return {"    b = a + 1\n    c = b * 2\n": "    a = abs(a)\n",
            "    c = b * 2\n": "    b += 1\n"}.get(suffix, "")


def run(models, positions, cache=None, **kw):
    return hybrid_generation(LINES, positions, models=models, language=PY, config=EngineConfig(), cache=cache,
                             allow_function=False, **kw)


def test_one_model_one_generate_call_for_the_line_and_all_infills():
    models, rt = scripted_pair(LINES + NEXT, infill)
    out = run(models, [2, 1])
    assert rt.calls == [("generate", 3)]
    assert out.generated.text == "    return c\n"
    # results in the order the positions were given; the batch in line order
    assert [(r.position, r.text) for r in out.infills] == [(2, "    b += 1\n"), (1, "    a = abs(a)\n")]
    fim = [p for p in rt.generated_prompts if p.startswith(FIM.prefix)]
    assert [p.split(FIM.suffix)[1].split(FIM.middle)[0] for p in fim] == ["".join(LINES[1:]), "".join(LINES[2:])]


def test_without_a_next_line_only_the_infills_are_decoded():
    models, rt = scripted_pair(LINES + NEXT, infill)
    out = run(models, [1], generate_next=False)
    assert out.generated is None and rt.calls == [("generate", 1)]
    assert rt.generated_prompts[0].startswith(FIM.prefix)


def test_two_models_get_one_generate_call_each():
    _, shared = scripted_pair(LINES + NEXT, infill)
    gen = ScriptedRuntime(shared.continue_fn)
    fill = ScriptedRuntime(shared.continue_fn)
    out = run(ModelPair(gen, fill, get_dialect("qwen")), [1, 2])
    assert gen.calls == [("generate", 1)] and fill.calls == [("generate", 2)]
    assert out.generated.text == "    return c\n" and [r.text for r in out.infills] == ["    a = abs(a)\n", "    b += 1\n"]


def test_a_verified_cached_infill_is_one_score_call_and_is_not_decoded():
    models, rt = scripted_pair(LINES + NEXT, infill)
    cache = SpeculativeCache()
    first = run(models, [1, 2], cache=cache)
    assert not any(r.speculative_hit for r in first.infills)
    assert cache.get("".join(LINES[:1])) == "    a = abs(a)\n" and cache.get("".join(LINES[:2])) == "    b += 1\n"
    rt.calls.clear()
    rt.generated_prompts.clear()
    second = run(models, [1, 2], cache=cache)
    assert rt.calls == [("score", 2), ("generate", 1)]  # both verified in one pass; only the next line decoded
    assert [(r.text, r.speculative_hit) for r in second.infills] == [("    a = abs(a)\n", True), ("    b += 1\n", True)]
    assert not any(p.startswith(FIM.prefix) for p in rt.generated_prompts)
    assert cache.hits == 2 and cache.misses == 0


def test_a_cached_infill_the_model_no_longer_writes_is_decoded_again():
    models, rt = scripted_pair(LINES + NEXT, infill)
    cache = SpeculativeCache()
    cache.put("".join(LINES[:1]), "    a = int(a)\n")  # greedy decoding now writes abs(a)
    out = run(models, [1], cache=cache)
    assert rt.calls == [("score", 1), ("generate", 2)]
    assert out.infills[0].text == "    a = abs(a)\n" and not out.infills[0].speculative_hit
    assert cache.misses == 1 and cache.get("".join(LINES[:1])) == "    a = abs(a)\n"  # the new answer is cached


def test_speculative_off_never_scores():
    models, rt = scripted_pair(LINES + NEXT, infill)
    cache = SpeculativeCache()
    cache.put("".join(LINES[:1]), "    a = abs(a)\n")
    hybrid_generation(LINES, [1], models=models, language=PY, config=EngineConfig(speculative=False), cache=cache,
                      allow_function=False)
    assert rt.calls == [("generate", 2)]


def test_bad_words_and_the_line_budget_reach_every_request():
    models, rt = scripted_pair(LINES + NEXT, lambda p, s: "    pass\n" if s == "    c = b * 2\n" else "")
    out = hybrid_generation(LINES, [2], models=models, language=PY, config=EngineConfig(bad_words=True), cache=None,
                            allow_function=False)
    # "pass" is one of Python's bad words: the infill ends before it (and is then empty to the filters)
    assert out.infills[0].text.strip() == "" and out.infills[0].finish == "eos"
    assert EOS not in out.generated.text


# -- propose_definition: the "insert missing definition" verb ---------------------------------

AREA = 'import os\n\n\ndef area(r):\n    return math.pi * r * r\n'


def test_propose_definition_asks_the_import_position_and_the_use_line_in_one_batch():
    seen = []

    def fill(prefix, suffix):
        seen.append((prefix, suffix))
        return "import math\n" if prefix == "import os\n" else ""

    models, rt = scripted_pair([], fill)
    got = propose_definition(AREA, "math", 4, models=models, language=PY)
    assert got == Insertion(1, "import math\n")  # after the last import (PythonSpec.import_line)
    assert rt.calls == [("generate", 2)]
    assert seen == [("import os\n", AREA[len("import os\n"):]), (AREA[: AREA.index("    return")], "    return math.pi * r * r\n")]


def test_propose_definition_stops_each_infill_at_its_first_line():
    # the adaptive stop without functions (engine/stop.py infill_stop): one line, then the stop
    models, _ = scripted_pair([], lambda p, s: "import math\nimport sys\n" if p == "import os\n" else "")
    assert propose_definition(AREA, "math", 4, models=models, language=PY) == Insertion(1, "import math\n")


def test_propose_definition_skips_a_proposal_that_leaves_the_name_undefined_and_indents_at_the_use():
    def fill(prefix, suffix):
        return "import sys\n" if prefix == "import os\n" else "math = __import__('math')\n"

    models, _ = scripted_pair([], fill)
    got = propose_definition(AREA, "math", 4, models=models, language=PY)
    assert got == Insertion(4, "    math = __import__('math')\n")


def test_propose_definition_gives_none_when_no_proposal_defines_the_name():
    models, _ = scripted_pair([], lambda p, s: "import sys\n")
    assert propose_definition(AREA, "math", 4, models=models, language=PY) is None


def test_propose_definition_counts_lines_of_crlf_text_as_lf_lines():
    models, _ = scripted_pair([], lambda p, s: "import math\n" if p == "import os\n" else "")
    assert propose_definition(AREA.replace("\n", "\r\n"), "math", 4, models=models, language=PY) == Insertion(1, "import math\n")
