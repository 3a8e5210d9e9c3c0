"""Issue 15's "no junk" rule for imports: an infill that adds an import nothing after it uses is
rejected by the engine's filters ("unused import"); an import whose names cannot be told (a
wildcard, an ``#include``, a C# ``using``) never is."""

import pytest

from jumpcoder_lsp.engine import EngineConfig, complete
from jumpcoder_lsp.engine.filters import rejection
from jumpcoder_lsp.languages import get_language

from engine_scripts import scripted_pair
from test_loop import improving_logit

PY, JAVA, CPP, CS = (get_language(n) for n in ("python", "java", "cpp", "csharp"))


@pytest.mark.parametrize("line, names", [
    ("from typing import Dict, List\n", {"Dict", "List"}),
    ("import a.b\n", {"a"}),
    ("import x as y\n", {"y"}),
    ("import a.b as c, d\n", {"c", "d"}),
    ("from . import y\n", {"y"}),
    ("from x import (a, b as c)\n", {"a", "c"}),
    ("    import heapq\n", {"heapq"}),
    ("from x import *\n", None),  # a star import: cannot tell
    ("from __future__ import annotations\n", None),  # a compiler directive, not a name
    ("from x import (\n", None),  # a broken line
    ("x = 1\n", None),
])
def test_python_import_bindings(line, names):
    got = PY.import_bindings(line)
    assert (set(got) if got is not None else None) == names


@pytest.mark.parametrize("line, names", [
    ("import java.util.Arrays;\n", {"Arrays"}),
    ("import static java.lang.Math.max;\n", {"max"}),
    ("import java.util.*;\n", None),  # a wildcard: cannot tell
    ("int x = 1;\n", None),
])
def test_java_import_bindings(line, names):
    got = JAVA.import_bindings(line)
    assert (set(got) if got is not None else None) == names


def test_cpp_and_csharp_imports_are_never_told():
    assert CPP.import_bindings("#include <vector>\n") is None
    assert CPP.import_bindings("using namespace std;\n") is None
    assert CS.import_bindings("using System.Linq;\n") is None  # extension methods


def test_names_used_after_a_byte_skip_comments_strings_and_earlier_code():
    src = "import os\nx = os.path  # Dict\ns = 'List'\n"
    start = len("import os\n")
    assert PY.names_used(src, start) == {"x", "os", "path", "s"}
    assert "os" not in PY.names_used(src, len(src) - len("s = 'List'\n"))
    java = "import java.util.Arrays;\nclass A { void f(List<String> x) { Arrays.sort(x); } }\n"
    assert {"Arrays", "List", "String"} <= JAVA.names_used(java, len("import java.util.Arrays;\n"))


def reject(spec, infill, lines, position):
    return rejection(infill, lines, position, spec, repetition_threshold=0.85, filter_blocks=True)


def test_filter_rejects_an_import_nothing_after_it_uses():
    lines = ["def top(nums):\n", "    return heapq.nlargest(2, nums)\n"]
    assert reject(PY, ["from typing import Dict\n"], lines, 0) == "unused import"
    assert reject(PY, ["import heapq\n"], lines, 0) is None
    # one line of a two-line infill unused: rejected; a use later in the infill counts
    assert reject(PY, ["import heapq\n", "from typing import Dict\n"], lines, 0) == "unused import"
    assert reject(PY, ["from typing import Dict\n", "X: Dict = {}\n"], lines, 0) is None
    # a use above the insertion point is not a use after it
    assert reject(PY, ["import heapq\n"], lines, 2) == "unused import"
    assert reject(PY, ["from x import *\n"], lines, 0) is None


def test_filter_per_language():
    java = ["class A {\n", "    int[] f(int[] a) { Arrays.sort(a); return a; }\n", "}\n"]
    assert reject(JAVA, ["import java.util.Arrays;\n"], java, 0) is None
    assert reject(JAVA, ["import java.util.List;\n"], java, 0) == "unused import"
    assert reject(JAVA, ["import java.util.*;\n"], java, 0) is None
    assert reject(CPP, ["#include <map>\n"], ["int main() { return 0; }\n"], 0) is None
    assert reject(CS, ["using System.Linq;\n"], ["class A { }\n"], 0) is None


PROMPT = "def top(nums):\n"


def test_engine_rejects_an_unused_import_the_scoring_judge_would_take():
    # The infill raises every following line's score (the scoring judge accepts it on old main),
    # but nothing uses Dict.
    program = ["    best = sorted(nums)\n", "    best = best[-2:]\n", "    return best\n"]
    infill = lambda prefix, suffix: "from typing import Dict\n" if prefix == "" else ""
    models, _ = scripted_pair(program, infill, improving_logit("from typing import Dict\n", 1.0))
    result = complete(PROMPT, 1, 0, models=models, language=PY, config=EngineConfig(tau=0.3, ast_judge=False))
    assert result.jumps == 0 and result.insertions == []
    assert result.code == PROMPT + "".join(program)
    assert "unused import" in {c.rejected for s in result.steps for c in s.candidates}


def test_engine_still_takes_an_import_the_generated_line_uses():
    program = ["    best = heapq.nlargest(2, nums)\n", "    best = sorted(best)\n", "    return best\n"]
    infill = lambda prefix, suffix: "import heapq\n" if prefix == "" else ""
    models, _ = scripted_pair(program, infill, improving_logit("import heapq\n", 1.0))
    result = complete(PROMPT, 1, 0, models=models, language=PY, config=EngineConfig(tau=0.3, ast_judge=False))
    jumps = [s for s in result.steps if s.kind == "infill"]
    assert [s.judge for s in jumps] == ["score"]
    assert [(i.before_line, i.text) for i in result.insertions] == [(0, "import heapq\n\n\n")]  # PEP 8: 2 blank lines
    # offered while no line used heapq yet (the step that writes the first line), it was unused;
    # once the line is there, it never is
    uses = next(i for i, s in enumerate(result.steps) if s.kind == "generate" and "heapq" in s.text)
    assert "unused import" not in {c.rejected for s in result.steps[uses + 1 :] for c in s.candidates}
