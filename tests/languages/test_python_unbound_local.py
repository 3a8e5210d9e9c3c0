"""PythonSpec.undefined_names reports a function local read before any assignment reaches it
(issue 17: the UnboundLocalError of the paper's running example), conservatively."""

from jumpcoder_lsp.engine.judge import ast_resolves
from jumpcoder_lsp.languages.python import PythonSpec

SPEC = PythonSpec()
PAPER = open("examples/min_sub_array_sum.py").read().rstrip(" ") + \
    "        current_sum = min(nums[i], current_sum + nums[i])\n"


def names(src):
    return [u.name for u in SPEC.undefined_names(src)]


def test_paper_example_reads_current_sum_before_any_assignment():
    assert names(PAPER) == ["current_sum"]


def test_an_initialisation_infill_resolves_it_for_the_ast_judge():
    fixed = PAPER.replace("    min_sum = float('inf')\n", "    min_sum = float('inf')\n    current_sum = 0\n")
    assert names(fixed) == []
    assert ast_resolves(set(names(PAPER)), set(names(fixed)))


def test_module_level_definition_does_not_save_a_function_local():
    src = "best = 0\ndef f(xs):\n    for x in xs:\n        best = max(best, x)\n    return best\n"
    assert names(src) == ["best"]


def test_params_globals_and_earlier_assignments_are_not_reported():
    assert names("def f(best, xs):\n    for x in xs:\n        best = max(best, x)\n") == []
    assert names("best = 0\ndef f(xs):\n    global best\n    best = max(best, 1)\n") == []
    assert names("def f(xs):\n    best = 0\n    for x in xs:\n        best = max(best, x)\n") == []


def test_a_read_under_a_condition_in_a_loop_is_not_reported():
    src = ("def f(xs):\n    seen = False\n    for x in xs:\n        if seen:\n            print(prev)\n"
           "        prev = x\n        seen = True\n")
    assert names(src) == []
