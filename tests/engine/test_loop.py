"""The JumpCoder loop's decisions, pinned with a scripted deterministic model."""

import sys

import pytest

from jumpcoder_lsp.engine import EngineConfig, complete
from jumpcoder_lsp.engine.apply import apply_completion
from jumpcoder_lsp.engine.speculative import SpeculativeCache
from jumpcoder_lsp.languages import get_language
from jumpcoder_lsp.runtime.base import Cancelled

from engine_scripts import scripted_pair

PY = get_language("python")

PROD_PROMPT = 'def product(nums):\n    """Multiply all numbers."""\n'


def end_of(text):
    lines = text.splitlines(keepends=True)
    return len(lines), 0


def test_ast_judge_accepts_an_import_that_defines_a_used_name():
    program = ["    return reduce(lambda a, b: a * b, nums)\n"]

    def infill(prefix, suffix):
        # only before the def does an import make sense
        return "from functools import reduce\n" if prefix == "" else "    x = 1\n"

    models, _ = scripted_pair(program, infill)
    result = complete(PROD_PROMPT, 2, 0, models=models, language=PY, config=EngineConfig(k=5))
    assert result.continuation == "    return reduce(lambda a, b: a * b, nums)"
    # PEP 8: two blank lines between the new import and the def
    assert [(i.before_line, i.text) for i in result.insertions] == [(0, "from functools import reduce\n\n\n")]
    infill_steps = [s for s in result.steps if s.kind == "infill"]
    assert len(infill_steps) == 1 and infill_steps[0].judge == "ast" and infill_steps[0].value == float("inf")
    new = apply_completion(PROD_PROMPT, 2, 0, result)
    assert new.startswith("from functools import reduce\n\n\ndef product(nums):\n")


def test_without_the_ast_judge_the_import_needs_the_scoring_judge():
    program = ["    return reduce(lambda a, b: a * b, nums)\n"]
    models, _ = scripted_pair(program, lambda p, s: "from functools import reduce\n" if p == "" else "")
    result = complete(PROD_PROMPT, 2, 0, models=models, language=PY, config=EngineConfig(ast_judge=False))
    # flat logits: no line improves, so nothing is inserted
    assert result.insertions == []
    assert result.jumps == 0


CURR_PROMPT = "def min_sub(nums):\n    best = 0\n"
CURR_PROGRAM = [
    "    for i in range(len(nums)):\n",
    "        total += nums[i]\n",
    "        best = min(best, total)\n",
    "    return best\n",
]


def curr_infill(prefix, suffix):
    if suffix.startswith("    for i"):
        return "    total = 0\n"
    return ""


def test_ast_judge_accepts_a_variable_for_an_augmented_assignment():
    models, _ = scripted_pair(CURR_PROGRAM, curr_infill)
    result = complete(CURR_PROMPT, 2, 0, models=models, language=PY, config=EngineConfig())
    assert result.code == CURR_PROMPT + "    total = 0\n" + "".join(CURR_PROGRAM)
    # the infill went between generated lines: it is part of the continuation, not an insertion
    assert result.insertions == []
    assert result.continuation.startswith("    total = 0\n    for i")


def improving_logit(marker, boost):
    """S of tokens after `marker` in the scored code rises by `boost` on every line after it."""

    def logit(context, target, start, tok):
        at = target.find(marker)
        return boost if at >= 0 and start > at + len(marker) else 0.0

    return logit


SCORE_PROMPT = "def f(a):\n"
SCORE_PROGRAM = ["    b = a + 1\n", "    c = b * 2\n", "    return c\n"]


def score_infill(prefix, suffix):
    return "    a = abs(a)\n" if suffix.startswith("    b = a") else ""


def test_scoring_judge_accepts_when_following_lines_improve_by_more_than_tau():
    models, _ = scripted_pair(SCORE_PROGRAM, score_infill, improving_logit("a = abs(a)\n", 1.0))
    result = complete(SCORE_PROMPT, 1, 0, models=models, language=PY, config=EngineConfig(tau=0.3))
    jumps = [s for s in result.steps if s.kind == "infill"]
    assert jumps and jumps[0].judge == "score" and jumps[0].value > 0.3
    assert result.code.startswith(SCORE_PROMPT + "    a = abs(a)\n    b = a + 1\n")


def test_reject_new_undefined_drops_a_score_judged_infill_that_uses_an_unbound_name():
    # The infill raises the following lines' scores (the scoring judge would take it) but uses a
    # name nothing binds: rejected with reject_new_undefined (not in the paper), accepted without.
    def infill(prefix, suffix):
        return "    a = abs(scale)\n" if suffix.startswith("    b = a") else ""

    logit = improving_logit("a = abs(scale)\n", 1.0)
    models, _ = scripted_pair(SCORE_PROGRAM, infill, logit)
    paper = complete(SCORE_PROMPT, 1, 0, models=models, language=PY, config=EngineConfig(tau=0.3))
    assert [s.judge for s in paper.steps if s.kind == "infill"] == ["score"]
    models, _ = scripted_pair(SCORE_PROGRAM, infill, logit)
    guarded = complete(SCORE_PROMPT, 1, 0, models=models, language=PY,
                       config=EngineConfig(tau=0.3, reject_new_undefined=True))
    assert guarded.jumps == 0 and guarded.code == SCORE_PROMPT + "".join(SCORE_PROGRAM)
    reasons = {c.rejected for s in guarded.steps for c in s.candidates}
    assert "adds an undefined name" in reasons
    # an infill that binds only known names still passes the guard
    models, _ = scripted_pair(SCORE_PROGRAM, score_infill, improving_logit("a = abs(a)\n", 1.0))
    ok = complete(SCORE_PROMPT, 1, 0, models=models, language=PY,
                  config=EngineConfig(tau=0.3, reject_new_undefined=True))
    assert [s.judge for s in ok.steps if s.kind == "infill"] == ["score"]


def test_scoring_judge_rejects_below_tau():
    models, _ = scripted_pair(SCORE_PROGRAM, score_infill, improving_logit("a = abs(a)\n", 0.2))
    result = complete(SCORE_PROMPT, 1, 0, models=models, language=PY, config=EngineConfig(tau=0.3))
    assert result.jumps == 0
    assert result.code == SCORE_PROMPT + "".join(SCORE_PROGRAM)


def test_scoring_judge_truncates_the_lines_that_did_not_improve():
    # Only "b = a + 1" improves after the infill; once two lines follow, one of two improved
    # (half: accepted) and the unimproved generated line after it is dropped and regenerated.
    def logit(context, target, start, tok):
        at = target.find("    a = abs(a)\n")
        line_b = target.find("    b = a + 1\n")
        if at >= 0 and line_b > at and line_b <= start < line_b + len("    b = a + 1\n"):
            return 1.0
        return 0.0

    def infill(prefix, suffix):
        # offered only once two lines follow the position
        return "    a = abs(a)\n" if suffix.startswith("    b = a + 1\n    c = b * 2\n") else ""

    models, _ = scripted_pair(SCORE_PROGRAM, infill, logit)
    result = complete(SCORE_PROMPT, 1, 0, models=models, language=PY, config=EngineConfig(tau=0.3))
    jump = next(s for s in result.steps if s.kind == "infill")
    assert jump.removed == ["    c = b * 2\n"]
    assert result.code == SCORE_PROMPT + "    a = abs(a)\n" + "".join(SCORE_PROGRAM)


def test_scoring_judge_needs_at_least_half_of_the_following_lines():
    # Improves only the first of three following lines: 1 < 3/2, rejected.
    def logit(context, target, start, tok):
        at = target.find("    a = abs(a)\n")
        line_b = target.find("    b = a + 1\n")
        return 1.0 if at >= 0 and line_b <= start < line_b + 14 else 0.0

    def infill(prefix, suffix):
        return "    a = abs(a)\n" if suffix.startswith("    b = a + 1\n    c = b * 2\n    return c\n") else ""

    program = SCORE_PROGRAM + ["    print(c)\n"]
    models, _ = scripted_pair(program, infill, logit)
    result = complete(SCORE_PROMPT, 1, 0, models=models, language=PY, config=EngineConfig(tau=0.3))
    assert result.jumps == 0


def test_repetition_filter_drops_a_copy_of_an_existing_line():
    models, _ = scripted_pair(SCORE_PROGRAM, lambda p, s: "    b = a + 1\n" if s.startswith("    c") else "",
                              improving_logit("b = a + 1\n", 5.0))
    result = complete(SCORE_PROMPT, 1, 0, models=models, language=PY, config=EngineConfig())
    assert result.jumps == 0
    reasons = {c.rejected for s in result.steps for c in s.candidates}
    assert "repetition" in reasons


def test_block_opening_infills_are_filtered():
    models, _ = scripted_pair(SCORE_PROGRAM, lambda p, s: "    if a < 0:\n" if s.startswith("    b") else "",
                              improving_logit("if a < 0:\n", 5.0))
    result = complete(SCORE_PROMPT, 1, 0, models=models, language=PY, config=EngineConfig())
    assert result.jumps == 0
    assert "opens a block" in {c.rejected for s in result.steps for c in s.candidates}
    models, _ = scripted_pair(SCORE_PROGRAM, lambda p, s: "    if a < 0:\n" if s.startswith("    b") else "",
                              improving_logit("if a < 0:\n", 5.0))
    loose = complete(SCORE_PROMPT, 1, 0, models=models, language=PY, config=EngineConfig(filter_blocks=False))
    assert loose.jumps >= 1


def uncertain_line(line):
    """S = -1 on the tokens of `line`, 0 elsewhere: that line is the most uncertain position."""

    def logit(context, target, start, tok):
        at = target.find(line)
        return -1.0 if at >= 0 and at <= start < at + len(line) else 0.0

    return logit


def test_speculative_infill_hit_skips_the_decode_and_a_changed_answer_misses():
    answers = {"value": "    a = int(a)\n"}

    def infill(prefix, suffix):
        return answers["value"] if suffix.startswith("    b = a") else ""

    models, rt = scripted_pair(SCORE_PROGRAM, infill, uncertain_line("    b = a + 1\n"))
    cache = SpeculativeCache()
    complete(SCORE_PROMPT, 1, 0, models=models, language=PY, config=EngineConfig(k=1), cache=cache)
    # k=1: the same most-uncertain position is tried every iteration with the same prefix
    assert cache.hits >= 1
    hits_before, misses_before = cache.hits, cache.misses
    answers["value"] = "    a = float(a)\n"
    complete(SCORE_PROMPT, 1, 0, models=models, language=PY, config=EngineConfig(k=1), cache=cache)
    assert cache.misses > misses_before


def test_speculative_hit_is_not_decoded_again():
    models, rt = scripted_pair(SCORE_PROGRAM, score_infill, uncertain_line("    b = a + 1\n"))
    cache = SpeculativeCache()
    cache.put(SCORE_PROMPT, "    a = abs(a)\n")
    complete(SCORE_PROMPT, 1, 0, models=models, language=PY, config=EngineConfig(k=1, max_lines=3), cache=cache)
    assert cache.hits >= 1
    # the cached position's FIM prompt was verified by scoring, never decoded
    cached_prompt = models.fim.prompt(SCORE_PROMPT, "")[0].text + SCORE_PROMPT
    assert not any(p.startswith(cached_prompt) for p in rt.generated_prompts)
    assert any(p.startswith(models.fim.prefix) for p in rt.generated_prompts)  # other infills were decoded


def test_user_lines_are_never_dropped_and_insertions_use_document_lines():
    text = "import os\n\ndef g(path):\n    data = read(path)\n"
    program = ["    return data\n"]

    def infill(prefix, suffix):
        if suffix.startswith("def g"):
            return "def read(path):\n    return open(path).read()\n\n"
        return ""

    models, _ = scripted_pair(program, infill)
    result = complete(text, 4, 0, models=models, language=PY, config=EngineConfig())
    assert [i.before_line for i in result.insertions] == [2]
    # PEP 8: two blank lines around a top-level def (one was there above, the infill brought one)
    assert result.insertions[0].text == "\ndef read(path):\n    return open(path).read()\n\n\n"
    new = apply_completion(text, 4, 0, result)
    for line in text.splitlines():
        assert line in new.splitlines()


def test_generation_stops_at_the_end_of_the_enclosing_function():
    program = ["    return 1\n", "print(f())\n"]
    models, _ = scripted_pair(program)
    result = complete("def f():\n", 1, 0, models=models, language=PY, config=EngineConfig())
    assert result.continuation == "    return 1"


def test_cursor_in_the_middle_of_a_line_completes_that_line_first():
    program = ["    return a + 1\n"]
    models, _ = scripted_pair(program)
    text = "def f(a):\n    return a\n"
    result = complete(text, 1, len("    return a"), models=models, language=PY, config=EngineConfig())
    assert result.continuation.startswith(" + 1")
    assert apply_completion(text, 1, len("    return a"), result) == "def f(a):\n    return a + 1\n"


def test_cancel_stops_the_run():
    models, _ = scripted_pair(SCORE_PROGRAM, score_infill)
    with pytest.raises(Cancelled):
        complete(SCORE_PROMPT, 1, 0, models=models, language=PY, cancel=lambda: True)


def test_position_outside_the_document_is_a_clear_error():
    models, _ = scripted_pair(SCORE_PROGRAM)
    with pytest.raises(ValueError, match="outside"):
        complete(SCORE_PROMPT, 7, 0, models=models, language=PY)
    with pytest.raises(ValueError, match="outside"):
        complete(SCORE_PROMPT, 0, 99, models=models, language=PY)


def test_autoregressive_never_jumps():
    models, _ = scripted_pair(CURR_PROGRAM, curr_infill)
    result = complete(CURR_PROMPT, 2, 0, models=models, language=PY, method="autoregressive")
    assert result.jumps == 0 and result.code == CURR_PROMPT + "".join(CURR_PROGRAM)


def test_filtered_keeps_jumpcoder_when_every_jump_was_ast_judged():
    models, _ = scripted_pair(CURR_PROGRAM, curr_infill)
    result = complete(CURR_PROMPT, 2, 0, models=models, language=PY, method="filtered")
    assert result.method == "filtered:jumpcoder" and result.jumps == 1


def test_filtered_falls_back_to_autoregressive_when_the_jump_raises_perplexity():
    # The infill's own tokens are unlikely (S = -3) while the lines after it improve (S = +1):
    # the scoring judge accepts the jump, but the jumped code has the higher perplexity.
    def logit(context, target, start, tok):
        at = target.find("    a = abs(a)\n")
        if at < 0:
            return 0.0
        if at <= start < at + len("    a = abs(a)\n"):
            return -3.0
        return 1.0 if start > at else 0.0

    models, _ = scripted_pair(SCORE_PROGRAM, score_infill, logit)
    vanilla = complete(SCORE_PROMPT, 1, 0, models=models, language=PY, method="jumpcoder")
    assert vanilla.jumps == 1 and [s.judge for s in vanilla.steps if s.kind == "infill"] == ["score"], vanilla.steps
    result = complete(SCORE_PROMPT, 1, 0, models=models, language=PY, method="filtered")
    assert result.method == "filtered:autoregressive"
    assert result.code == SCORE_PROMPT + "".join(SCORE_PROGRAM)


def test_cpu_policy_tries_two_positions_without_an_undefined_name_and_all_k_with_one():
    models, _ = scripted_pair(SCORE_PROGRAM, score_infill)
    result = complete(SCORE_PROMPT, 1, 0, models=models, language=PY, config=EngineConfig(k=5, policy="cpu"))
    assert max(len(s.candidates) for s in result.steps) == 2  # tried (not zero), and no more than two
    models, _ = scripted_pair(CURR_PROGRAM, curr_infill)
    result = complete(CURR_PROMPT, 2, 0, models=models, language=PY, config=EngineConfig(k=5, policy="cpu"))
    assert result.jumps == 1  # `total += ...` made `total` undefined: the AST judge's infill was tried
    assert max(len(s.candidates) for s in result.steps) > 2


# -- the inline policy: model work only where the AST judge can accept ------------------------

def test_inline_policy_neither_branches_nor_scores_while_every_name_is_defined():
    models, rt = scripted_pair(SCORE_PROGRAM, score_infill, improving_logit("a = abs(a)\n", 1.0))
    result = complete(SCORE_PROMPT, 1, 0, models=models, language=PY, config=EngineConfig(k=5, policy="inline"))
    assert result.code == SCORE_PROMPT + "".join(SCORE_PROGRAM) and result.jumps == 0
    # one generate call of one branch per line, no scoring pass at all
    assert rt.calls == [("generate", 1)] * len(SCORE_PROGRAM), rt.calls
    assert all(not s.candidates for s in result.steps)
    # the paper policy, same model and buffer: a scoring pass and k branches after every line
    models, rt = scripted_pair(SCORE_PROGRAM, score_infill, improving_logit("a = abs(a)\n", 1.0))
    paper = complete(SCORE_PROMPT, 1, 0, models=models, language=PY, config=EngineConfig(k=5, policy="paper"))
    assert ("score", 1) in rt.calls and paper.jumps == 1


def test_inline_policy_infills_at_the_definition_positions_once_a_name_is_undefined():
    # `total += ...` uses `total` before anything binds it: the next iteration branches at the
    # import block (line 0, the def: no imports) and the function's first body line (line 1)
    def infill(prefix, suffix):
        if suffix.startswith("    best = 0"):
            return "    total = 0\n"
        return "import os\n" if prefix == "" else ""

    models, rt = scripted_pair(CURR_PROGRAM, infill)
    result = complete(CURR_PROMPT, 2, 0, models=models, language=PY, config=EngineConfig(k=2, policy="inline"))
    jump = [s for s in result.steps if s.kind == "infill"]
    assert len(jump) == 1 and jump[0].judge == "ast" and jump[0].line == 1
    assert [c.position for c in jump[0].candidates] == [0, 1]
    assert result.code == "def min_sub(nums):\n    total = 0\n    best = 0\n" + "".join(CURR_PROGRAM)
    # k=2 is filled by the definition positions: no scoring pass, before or after the branch
    assert all(kind == "generate" for kind, _ in rt.calls), rt.calls
    assert [n for _, n in rt.calls].count(3) == 1  # one branching step: the next line + 2 infills


# the paper's running example (examples/min_sub_array_sum.py): the loop reads `current_sum` before
# anything assigns it, an UnboundLocalError that PythonSpec.undefined_names reports (issue 17)
MIN_SUB = open("examples/min_sub_array_sum.py").read().rstrip() + "\n"
MIN_SUB_PROGRAM = [
    "        current_sum = min(nums[i], current_sum + nums[i])\n",
    "        min_sum = min(min_sum, current_sum)\n",
    "    return min_sum\n",
]


@pytest.mark.parametrize("policy", ["inline", "paper"])
def test_ast_judge_accepts_the_initialisation_of_a_local_read_before_assignment(policy):
    def infill(prefix, suffix):
        return "    current_sum = 0\n" if suffix.startswith("    for i in range") else ""

    models, _ = scripted_pair(MIN_SUB_PROGRAM, infill)
    line = len(MIN_SUB.splitlines())
    result = complete(MIN_SUB, line, 0, models=models, language=PY, config=EngineConfig(k=3, policy=policy))
    jump = [s for s in result.steps if s.kind == "infill"]
    assert len(jump) == 1 and jump[0].judge == "ast" and jump[0].value == float("inf"), result.steps
    # above the loop, below `min_sum = float('inf')` (line 8): an insertion into the user's text
    assert [(i.before_line, i.text) for i in result.insertions] == [(9, "    current_sum = 0\n")]
    assert result.continuation == "".join(MIN_SUB_PROGRAM).rstrip("\n")
    assert apply_completion(MIN_SUB, line, 0, result) == MIN_SUB.replace(
        "    for i in", "    current_sum = 0\n    for i in") + result.continuation


def test_inline_policy_puts_a_helper_above_the_function_and_an_import_in_the_import_block():
    text = "import os\n\ndef g(path):\n    data = read(path)\n"
    seen = []

    def infill(prefix, suffix):
        seen.append(len(prefix.splitlines()))
        if suffix.startswith("def g"):
            return "def read(path):\n    return open(path).read()\n\n"
        return ""

    models, _ = scripted_pair(["    return data\n"], infill)
    result = complete(text, 4, 0, models=models, language=PY, config=EngineConfig(k=3, policy="inline"))
    # above the def, with PEP 8's two blank lines on either side (engine/combine.place)
    assert [(i.before_line, i.text) for i in result.insertions] == [
        (2, "\ndef read(path):\n    return open(path).read()\n\n\n")]
    # the import block (the blank line after the imports, where a new import goes:
    # positions.eligible_lines), the body's first line, the def line
    jump = next(s for s in result.steps if s.kind == "infill")
    assert [c.position for c in jump.candidates] == [1, 3, 2]


def test_inline_policy_never_accepts_a_candidate_only_the_scoring_judge_would():
    # the infill lifts every following line's score but binds no undefined name
    def infill(prefix, suffix):
        return "    nums = list(nums)\n" if suffix.startswith("    best = 0") else ""

    logit = improving_logit("nums = list(nums)\n", 5.0)
    models, _ = scripted_pair(CURR_PROGRAM, infill, logit)
    paper = complete(CURR_PROMPT, 2, 0, models=models, language=PY, config=EngineConfig(k=2, policy="paper"))
    assert "score" in [s.judge for s in paper.steps if s.kind == "infill"]
    models, rt = scripted_pair(CURR_PROGRAM, infill, logit)
    inline = complete(CURR_PROMPT, 2, 0, models=models, language=PY, config=EngineConfig(k=2, policy="inline"))
    assert inline.jumps == 0 and inline.code == CURR_PROMPT + "".join(CURR_PROGRAM)
    assert "resolves no undefined name" in {c.rejected for s in inline.steps for c in s.candidates}
    assert all(kind == "generate" for kind, _ in rt.calls)  # the scoring judge was never asked


def test_inline_policy_branches_once_for_a_name_it_cannot_resolve():
    program = ["    y = helper(x)\n", "    z = y + 1\n", "    w = z * 2\n", "    return w\n"]
    models, rt = scripted_pair(program, lambda p, s: "")
    result = complete("def f(x):\n", 1, 0, models=models, language=PY, config=EngineConfig(k=5, policy="inline"))
    assert result.code == "def f(x):\n" + "".join(program) and result.jumps == 0
    branching = [n for kind, n in rt.calls if kind == "generate" and n > 1]
    assert len(branching) == 1, rt.calls  # `helper` was tried once, not after every later line


def test_partial_observes_each_step_and_changes_nothing():
    program = ["    return reduce(lambda a, b: a * b, nums)\n"]

    def infill(prefix, suffix):
        return "from functools import reduce\n" if prefix == "" else "    x = 1\n"

    def run(partial=None):
        models, _ = scripted_pair(program, infill)
        return complete(PROD_PROMPT, 2, 0, models=models, language=PY, config=EngineConfig(k=5), partial=partial)

    seen = []
    observed, plain = run(seen.append), run()
    # the same decisions and output with and without an observer
    assert (observed.code, observed.continuation, observed.insertions) == (plain.code, plain.continuation, plain.insertions)
    assert [(s.kind, s.line, s.text) for s in observed.steps] == [(s.kind, s.line, s.text) for s in plain.steps]
    # one partial result per step that added a line: the generated line first, then the jump
    added = [s for s in plain.steps if s.kind != "end"]
    assert len(seen) == len(added) >= 2
    assert seen[0].continuation == plain.continuation and seen[0].insertions == []
    assert (seen[-1].continuation, seen[-1].insertions) == (plain.continuation, plain.insertions)


def test_environment_judge_withdraws_an_ast_acceptance_of_a_module_the_environment_lacks(tmp_path):
    from jumpcoder_lsp.environment import discover

    program = ["    return reduce(lambda a, b: a * b, nums)\n"]
    # a misspelt module: the AST judge alone takes it (it binds `reduce`)
    infill = lambda prefix, suffix: "from functool import reduce\n" if prefix == "" else "    x = 1\n"
    models, _ = scripted_pair(program, infill)
    plain = complete(PROD_PROMPT, 2, 0, models=models, language=PY, config=EngineConfig(k=5))
    assert [i.text for i in plain.insertions] == ["from functool import reduce\n\n\n"]
    models, _ = scripted_pair(program, infill)
    env = discover(None, python=sys.executable)  # the environment of the interpreter running the tests
    judged = complete(PROD_PROMPT, 2, 0, models=models, language=PY, config=EngineConfig(k=5, environment=env))
    assert judged.insertions == [] and judged.continuation == plain.continuation
    reasons = {c.rejected for s in judged.steps for c in s.candidates if c.lines == ["from functool import reduce\n"]}
    assert "does not resolve in the environment" in reasons


def test_environment_judge_keeps_the_real_import(tmp_path):
    from jumpcoder_lsp.environment import discover

    program = ["    return reduce(lambda a, b: a * b, nums)\n"]
    models, _ = scripted_pair(program, lambda p, s: "from functools import reduce\n" if p == "" else "    x = 1\n")
    result = complete(PROD_PROMPT, 2, 0, models=models, language=PY,
                      config=EngineConfig(k=5, environment=discover(None, python=sys.executable)))
    assert [i.text for i in result.insertions] == ["from functools import reduce\n\n\n"]


def test_a_generated_line_using_a_missing_attribute_ends_the_suggestion_before_it(tmp_path):
    from jumpcoder_lsp.environment import discover

    prompt = "import json\n\n\ndef load(path):\n"
    program = ["    text = open(path).read()\n", "    return json.loadz(text)\n"]
    models, _ = scripted_pair(program)
    result = complete(prompt, 4, 0, models=models, language=PY,
                      config=EngineConfig(environment=discover(None, python=sys.executable)))
    assert result.continuation == "    text = open(path).read()"
    assert result.stop_reason == "environment"
    models, _ = scripted_pair(program)
    plain = complete(prompt, 4, 0, models=models, language=PY, config=EngineConfig())
    assert "json.loadz" in plain.continuation


# -- the environment judge for Java, C++ and C# (jumpcoder_lsp/toolchains) ---------------------------

JAVA_WORDS = "public class Words {\n    static List<String> words(String s) {\n"


def _jdk_or_skip():
    from jumpcoder_lsp.toolchains.java import discover

    env = discover()
    if env is None:
        pytest.skip("no JDK with lib/modules here (scripts/setup_eval_toolchains.sh installs one)")
    return env


@pytest.mark.parametrize("import_line, kept", [("import java.utill.List;\n", False), ("import java.util.List;\n", True)])
def test_environment_judge_rejects_a_java_import_the_jdk_lacks_and_keeps_the_real_one(import_line, kept):
    env = _jdk_or_skip()
    program = ['        return List.of(s.split(" "));\n']
    infill = lambda prefix, suffix: import_line if suffix.startswith("public class") else ""  # noqa: E731
    java = get_language("java")
    models, _ = scripted_pair(program, infill)
    plain = complete(JAVA_WORDS, 2, 0, models=models, language=java, config=EngineConfig(k=5))
    assert [i.text.strip() for i in plain.insertions] == [import_line.strip()]  # the AST judge alone takes either
    models, _ = scripted_pair(program, infill)
    judged = complete(JAVA_WORDS, 2, 0, models=models, language=java, config=EngineConfig(k=5, environment=env))
    reasons = {c.rejected for s in judged.steps for c in s.candidates if c.lines == [import_line]}
    if kept:
        assert [i.text.strip() for i in judged.insertions] == [import_line.strip()]
        assert "does not resolve in the environment" not in reasons
    else:
        assert judged.insertions == [] and "does not resolve in the environment" in reasons
    assert judged.continuation == plain.continuation


def test_a_generated_include_the_compiler_lacks_ends_the_suggestion_before_it():
    from jumpcoder_lsp.toolchains.cpp import discover

    env = discover()
    if env is None:
        pytest.skip("no C++ compiler on PATH")
    program = ["#include <vector>\n", "#include <algorithmz>\n", "int main() { return 0; }\n"]
    models, _ = scripted_pair(program)
    result = complete("#include <iostream>\n", 1, 0, models=models, language=get_language("cpp"),
                      config=EngineConfig(environment=env))
    assert result.continuation == "#include <vector>" and result.stop_reason == "environment"


def test_a_linq_call_without_its_using_gets_the_using_where_the_project_is_known(tmp_path):
    from jumpcoder_lsp.toolchains.csharp import discover

    env = discover(str(tmp_path))
    if env is None:
        pytest.skip("no .NET assemblies here (Mono: scripts/setup_eval_toolchains.sh)")
    text = "using System.Collections.Generic;\nclass P {\n    static List<int> Sorted(List<int> xs) {\n"
    program = ["        return xs.OrderBy(x => x).ToList();\n"]
    infill = lambda prefix, suffix: "using System.Linq;\n" if prefix == "" else ""  # noqa: E731
    cs = get_language("csharp")
    models, _ = scripted_pair(program, infill)
    judged = complete(text, 3, 0, models=models, language=cs,
                      config=EngineConfig(k=5, environment=env.for_file(str(tmp_path / "P.cs"))))
    assert [i.text.strip() for i in judged.insertions] == ["using System.Linq;"]
    assert [s.judge for s in judged.steps if s.kind == "infill"] == ["ast"]
    models, _ = scripted_pair(program, infill)
    plain = complete(text, 3, 0, models=models, language=cs, config=EngineConfig(k=5))  # the project unknown
    assert plain.insertions == [] and plain.continuation == judged.continuation
