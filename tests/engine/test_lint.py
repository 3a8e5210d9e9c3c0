"""The lint-clean rule (issue 17, engine/lint.py): what lint_delta flags and what it leaves alone,
how lint_clean cuts a suggestion back, and the engine applying it (scripted models)."""

import pytest

from jumpcoder_lsp.engine import EngineConfig, complete
from jumpcoder_lsp.engine.apply import apply_completion
from jumpcoder_lsp.engine.lint import SHADOWED, SYNTAX, UNDEFINED, UNUSED_IMPORT, UNUSED_LOCAL, lint_clean, lint_delta
from jumpcoder_lsp.engine.types import Completion, Insertion
from jumpcoder_lsp.languages import get_language

from engine_scripts import scripted_pair

PY = get_language("python")


def kinds(before, after, language=PY):
    return [(f.kind, f.name) for f in lint_delta(before, after, language)]


# -- lint_delta: each kind ---------------------------------------------------------------------

def test_a_new_syntax_error_is_flagged_and_a_buffer_broken_before_may_stay_broken():
    assert kinds("def f(x):\n    ", "def f(x):\n    return (x +\n") == [(SYNTAX, "")]
    # the line being typed was already broken: completing another part of it adds nothing
    assert kinds("x = foo(\ny = 1\n", "x = foo(\ny = 1\nz = 2\n") == []


def test_a_new_undefined_name_is_flagged_but_not_one_the_users_code_already_lacks():
    assert kinds("def f(x):\n    ", "def f(x):\n    return y\n") == [(UNDEFINED, "y")]
    before = "def f(x):\n    a = helper(x)\n    "
    assert kinds(before, before + "return helper(a)\n") == []


def test_an_unused_local_is_flagged_only_once_the_suggestion_closes_its_function():
    before = "def f(x):\n    "
    closed = "def f(x):\n    y = x * 2\n    return x\n\n\nprint(f(1))\n"
    assert kinds(before, closed) == [(UNUSED_LOCAL, "y")]
    # mid-function at the end of the file: the next line the user writes may read it
    assert kinds(before, "def f(x):\n    y = x * 2\n") == []
    # the function goes on in the user's code below: not the suggestion's to close
    assert kinds("def f(x):\n    \n    return x\n", "def f(x):\n    y = x * 2\n    return x\n") == []


def test_a_read_anywhere_in_the_function_or_a_nested_one_uses_a_local():
    before = "def f(x):\n    "
    after = "def f(x):\n    y = x\n    def g():\n        return y\n    return g\n\n\nprint(f(1))\n"
    assert kinds(before, after) == []


def test_an_unused_import_is_flagged_once_code_follows_it():
    before = "def f(x):\n    return x\n"
    assert kinds(before, "import json\n" + before) == [(UNUSED_IMPORT, "json")]
    assert kinds(before, "import json\n" + before.replace("return x", "return json.dumps(x)")) == []
    # the imports of a file being written: nothing follows them yet
    assert kinds("", "import os\nimport sys\n") == []
    # a name listed in __all__ (a string) is a use
    assert kinds("__all__ = ['dumps']\n", "from json import dumps\n__all__ = ['dumps']\n") == []


def test_a_local_that_rebinds_a_builtin_or_an_import_is_shadowing():
    before = "import time\n\ndef f(xs):\n    "
    assert kinds(before, before + "list = sorted(xs)\n    return list\n") == [(SHADOWED, "list")]
    assert kinds(before, before + "for time in xs:\n        print(time)\n") == [(SHADOWED, "time")]


def test_names_real_code_binds_on_purpose_are_not_shadowing():
    before = "def f(xs):\n    "
    # id, type, input, max: too common as variable names to call out
    assert kinds(before, before + "id = xs[0]\n    type = xs[1]\n    return id, type\n") == []
    # a class attribute lives in the class's namespace
    assert kinds("", "class Row:\n    list = []\n") == []
    # a function's own import of the module the file imports is the same module
    assert kinds("import os\n\ndef f(p):\n    ", "import os\n\ndef f(p):\n    import os\n    return os.sep\n") == []
    # a local named like a module-level function
    assert kinds("def indent():\n    return 1\n\ndef f(x):\n    ",
                 "def indent():\n    return 1\n\ndef f(x):\n    indent = 2\n    return indent\n") == []


def test_what_the_users_own_code_already_had_is_not_new():
    before = "def f(list):\n    return list\n\ndef g(x):\n    "
    assert kinds(before, before + "return x\n") == []


def test_other_languages_get_syntax_errors_and_undefined_names():
    java = get_language("java")
    before = "class A {\n    int f(int x) {\n        \n    }\n}\n"
    assert kinds(before, before.replace("        \n", "        return y;\n"), java) == [(UNDEFINED, "y")]
    assert kinds(before, before.replace("        \n", "        return x +;\n"), java) == [(SYNTAX, "")]
    assert kinds(before, before.replace("        \n", "        return x;\n"), java) == []


# -- lint_clean: the cut-back ------------------------------------------------------------------

TEXT = "def total(xs):\n    \n"


def completion(continuation, insertions=()):
    return Completion(code="", continuation=continuation, insertions=list(insertions), steps=[],
                      continuation_start=0)


def test_a_clean_suggestion_is_returned_as_it_is():
    c = completion("    return sum(xs)")
    assert lint_clean(TEXT, 1, 4, c, PY) == (c, [])


def test_the_continuation_is_cut_before_the_line_with_the_problem():
    c = completion("    s = 0\n    for x in xs:\n        s += x\n    return sm")
    cut, found = lint_clean(TEXT, 1, 4, c, PY)
    assert [(f.kind, f.name) for f in found] == [(UNDEFINED, "sm")]
    assert cut.continuation == "    s = 0\n    for x in xs:\n        s += x"
    assert lint_delta(TEXT, apply_completion(TEXT, 1, 4, cut), PY) == []


def test_an_insertion_with_the_problem_is_dropped_and_the_continuation_kept():
    c = completion("    return sum(xs)", [Insertion(0, "import json\n\n\n")])
    cut, found = lint_clean(TEXT, 1, 4, c, PY)
    assert [(f.kind, f.name) for f in found] == [(UNUSED_IMPORT, "json")]
    assert cut.insertions == [] and cut.continuation == "    return sum(xs)"


def test_an_import_whose_use_was_cut_goes_too():
    c = completion("    return math.fsum(xs) + undefined_thing", [Insertion(0, "import math\n\n\n")])
    cut, _ = lint_clean(TEXT + "\nprint(total([1]))\n", 1, 4, c, PY)
    assert cut.continuation == "" and cut.insertions == []


def test_the_users_text_is_never_touched():
    text = "import os\n\ndef f(path):\n    \n    return data\n"
    c = completion("    data = undefined_reader(path)\n", [Insertion(2, "def helper():\n    return nope\n\n\n")])
    cut, found = lint_clean(text, 3, 4, c, PY)
    assert found
    new = apply_completion(text, 3, 4, cut)
    assert [l for l in new.splitlines() if l.strip()] == [l for l in text.splitlines() if l.strip()]


# -- the engine --------------------------------------------------------------------------------

PROMPT = "def total(xs):\n"
PROGRAM = ["    s = 0\n", "    for x in xs:\n", "        s += x\n", "    return sm\n"]


@pytest.mark.parametrize("policy", ["inline", "paper"])
def test_the_engine_cuts_the_suggestion_back_with_lint_clean(policy):
    models, _ = scripted_pair(PROGRAM)
    config = EngineConfig(policy=policy, lint_clean=True)
    seen = []
    result = complete(PROMPT, 1, 0, models=models, language=PY, config=config, partial=seen.append)
    assert result.continuation == "    s = 0\n    for x in xs:\n        s += x"
    assert result.lint and "undefined name 'sm'" in result.lint[0]
    # the partial results are cut the same way: none shows the undefined name
    assert seen and all("sm" not in p.continuation.replace("s +=", "") for p in seen)


def test_without_lint_clean_the_engine_keeps_the_models_lines():
    models, _ = scripted_pair(PROGRAM)
    result = complete(PROMPT, 1, 0, models=models, language=PY, config=EngineConfig(policy="inline"))
    assert result.continuation.endswith("    return sm") and result.lint == ()


def test_in_java_a_type_of_the_packages_other_files_is_not_undefined():
    java = get_language("java")
    before = "class ATest {\n    void t() {\n        \n    }\n}\n"
    # HillCipher may be declared in another file of the package (no import needed)
    assert kinds(before, before.replace("        \n", "        HillCipher c = new HillCipher();\n"), java) == []
    assert kinds(before, before.replace("        \n", "        int k = key;\n"), java) == [(UNDEFINED, "key")]


def test_a_discard_is_no_undefined_name():
    cs = get_language("csharp")
    before = "class T {\n    void F() {\n        \n    }\n}\n"
    assert kinds(before, before.replace("        \n", "        _ = G();\n        int G() { return 1; }\n"), cs) == []
