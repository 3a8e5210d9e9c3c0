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
    assert reject(PY, ["from x import *\n"], lines, 0) == "wildcard import"  # never "unused": see below


def test_filter_per_language():
    java = ["class A {\n", "    int[] f(int[] a) { Arrays.sort(a); return a; }\n", "}\n"]
    assert reject(JAVA, ["import java.util.Arrays;\n"], java, 0) is None
    assert reject(JAVA, ["import java.util.List;\n"], java, 0) == "unused import"
    assert reject(JAVA, ["import java.util.*;\n"], java, 0) == "wildcard import"
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


# -- the other filters of rejection(), directly ---------------------------------------------

from jumpcoder_lsp.engine.filters import is_repetition, rejection, similarity  # noqa: E402

CODE = ["def f(xs):\n", "    total = 0\n", "    for x in xs:\n", "        total += x\n"]


def reject_py(infill_lines, position=1, **kw):
    kw = {"repetition_threshold": 0.85, "filter_blocks": True, **kw}
    return rejection(infill_lines, CODE, position, get_language("python"), **kw)


def test_empty_and_incomplete_infills_are_dropped():
    assert reject_py([]) == "empty" and reject_py(["   \n"]) == "empty"
    assert reject_py(["    y = 1"]) == "incomplete"  # no line break: the decode stopped mid-line


def test_repetition_is_a_copy_or_a_near_copy_of_a_neighbour():
    assert reject_py(["    for x in xs:\n"], position=1) == "repetition"  # a copy of any line
    assert is_repetition("    total = 00\n", CODE, 1, 0.85)  # near the line at the position
    assert is_repetition("def f(xs):\n ", CODE, 1, 0.85)  # near the line before it
    assert not is_repetition("    total = 00\n", CODE, 3, 0.85)  # not a neighbour there
    assert similarity("abc", "abc") == 1.0 and similarity("abc", "xyz") == 0.0
    # the threshold is strict: a similarity equal to it is kept
    s = similarity("    total = 00\n", CODE[1])
    assert not is_repetition("    total = 00\n", CODE, 1, s) and is_repetition("    total = 00\n", CODE, 1, s - 1e-9)


def test_a_single_line_that_opens_a_block_is_dropped_unless_the_filter_is_off():
    assert reject_py(["    if xs:\n"]) == "opens a block"
    assert reject_py(["    if xs:\n"], filter_blocks=False) is None
    # a whole function (more than one line) may open blocks
    assert reject_py(["    if not xs:\n", "        return 0\n"]) is None


def test_an_ordinary_line_passes():
    assert reject_py(["    xs = list(xs)\n"]) is None


# -- near-copies of the enclosing function (issue 15) ----------------------------------------------

from jumpcoder_lsp.engine.filters import NEAR_COPY_THRESHOLD, near_copy  # noqa: E402

# (language, the code being written, the infilled function, a near-copy?): the pairs the
# threshold was measured on (docs/backinsert.md): near-copies 0.57-0.89, helpers 0.08-0.42
NEAR_COPY_PAIRS = [
    (PY, "def top_k(nums, k):\n    heap = []\n    for n in nums:\n        heapq.heappush(heap, n)\n",
     "def top_k_helper(nums, k):\n    heap = []\n    for n in nums:\n        heapq.heappush(heap, n)\n    return heapq.nlargest(k, heap)\n", True),
    (PY, "def mean(xs):\n    total = 0\n    for x in xs:\n        total += x\n",
     "def average(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total / len(xs)\n", True),
    (PY, "def count_words(text):\n    words = text.split()\n    counts = {}\n    for w in words:\n",
     "def count(text):\n    words = text.split()\n    result = {}\n    for word in words:\n        result[word] = result.get(word, 0) + 1\n    return result\n", True),
    (PY, "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
     "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n", True),
    (PY, "def median(xs):\n    s = sorted(xs)\n    n = len(s)\n", "def middle(xs):\n    s = sorted(xs)\n    n = len(s)\n    return s[n // 2]\n", True),
    (PY, 'def top(nums):\n    """The largest two."""\n    x = 1\n', 'def top2(nums):\n    """The largest two."""\n    return sorted(nums)[-2:]\n', True),
    (PY, "def is_palindrome(s):\n    s = clean(s)\n    return s == s[::-1]\n", "def clean(s):\n    return ''.join(c.lower() for c in s if c.isalnum())\n", False),
    (PY, "def sum_squares(nums):\n    return sum(square(n) for n in nums)\n", "def square(x):\n    return x * x\n", False),
    (PY, "def area(shapes):\n    total = 0\n    for s in shapes:\n        total += circle_area(s.r)\n", "def circle_area(r):\n    return math.pi * r * r\n", False),
    (PY, "def norm(v):\n    return math.sqrt(dot(v, v))\n", "def dot(a, b):\n    return sum(x * y for x, y in zip(a, b))\n", False),
    (PY, "def process(items):\n    result = []\n    for item in items:\n        result.append(transform(item))\n", "def transform(item):\n    return item.strip().lower()\n", False),
    (JAVA, "class A {\n    int total(int[] xs) {\n        int s = 0;\n        for (int x : xs) {\n            s += square(x);\n",
     "    int square(int x) {\n        return x * x;\n    }\n", False),
    (JAVA, "class A {\n    int total(int[] xs) {\n        int s = 0;\n        for (int x : xs) {\n            s += x;\n",
     "    int sum(int[] xs) {\n        int s = 0;\n        for (int x : xs) {\n            s += x;\n        }\n        return s;\n    }\n", True),
    (JAVA, "class A {\n    boolean valid(String s) {\n        return isDigits(s) && s.length() > 2;\n",
     "    boolean isDigits(String s) {\n        for (char c : s.toCharArray()) {\n            if (!Character.isDigit(c)) return false;\n        }\n        return true;\n    }\n", False),
]


@pytest.mark.parametrize("spec, code, infill, copy", NEAR_COPY_PAIRS)
def test_near_copy_tells_restated_functions_from_helpers(spec, code, infill, copy):
    lines = code.splitlines(keepends=True)
    assert near_copy(infill.splitlines(keepends=True), lines, spec) is copy


def test_near_copy_is_named_by_rejection_and_leaves_non_functions_alone():
    code = 'def top(nums):\n    """The largest two."""\n    x = 1\n'.splitlines(keepends=True)
    copy = 'def largest_pair(values):\n    """The largest two."""\n    return sorted(values)[-2:]\n'.splitlines(keepends=True)
    assert reject(PY, copy, code, 0) == "near-copy of the enclosing function"
    assert reject(PY, ["    y = 2\n"], code, 2) is None
    assert 0.42 < NEAR_COPY_THRESHOLD < 0.57


def test_filter_rejects_a_second_copy_of_an_import():
    py = ["import os\n", "from heapq import nlargest\n", "\n", "def top(nums):\n", "    return nlargest(2, nums)\n"]
    assert reject(PY, ["import  os\n"], py, 3) == "duplicate import"
    assert reject(PY, ["from heapq import nlargest as nlargest\n"], py, 3) == "duplicate import"
    java = ["import java.util.Arrays;\n", "import java.util.List;\n", "\n", "class A {\n",
            "    int[] f(int[] x) { Arrays.sort(x); return x; }\n", "}\n"]
    assert reject(JAVA, ["import java.util.Arrays ;\n"], java, 4) == "duplicate import"
    cpp = ["#include <map>\n", "#include <string>\n", "\n", "int main() {\n", "    std::map<int, int> m;\n",
           "    return 0;\n", "}\n"]
    assert reject(CPP, ["#include<map>\n"], cpp, 4) == "duplicate import"
    assert reject(CPP, ["#include <vector>\n"], cpp, 4) is None
    cs = ["using System.Text;\n", "class A { object F() { return new StringBuilder(); } }\n"]
    assert reject(CS, ["using System.Text;\n"], cs, 1) in ("duplicate import", "repetition")


# -- comment-only infills and wildcard imports (issue 15) -------------------------------------

CPP_CODE = ["int area(int w, int h) {\n", "    return scale(w) * h;\n", "}\n"]


@pytest.mark.parametrize("lang, infill", [
    ("cpp", ["/**\n"]),
    ("cpp", ["/** Scales a width. */\n"]),
    ("cpp", ["// the scale of a width\n"]),
    ("cpp", ["/*\n", " * scale\n", " */\n"]),
    ("java", ["// TODO: scale\n"]),
    ("csharp", ["/// <summary>Scale.</summary>\n"]),
    ("python", ["# the scale\n"]),
])
def test_comment_only_infill_is_rejected(lang, infill):
    assert reject(get_language(lang), infill, CPP_CODE, 1) == "comment only"


def test_a_definition_with_a_comment_is_no_comment_only_infill():
    infill = ["// scales a width\n", "int scale(int w) { return 2 * w; }\n"]
    assert reject(get_language("cpp"), infill, CPP_CODE, 0) != "comment only"
    # a pointer dereference statement starts with '*' but the infill is not all comments
    assert reject(get_language("cpp"), ["*p = 2;\n"], CPP_CODE, 1) != "comment only"


# -- infills made only of closing brackets (issue 15: cs_using_none got a lone " }") ----------

CS_METHOD = ["namespace Demo {\n", "    class Text {\n", "        static string Join(string[] parts) {\n",
             "            var sb = new StringBuilder();\n", "            foreach (var p in parts) sb.Append(p);\n"]


@pytest.mark.parametrize("lang, infill", [
    ("csharp", [" }\n"]),
    ("csharp", ["        }\n", "    }\n"]),
    ("java", ["});\n"]),
    ("cpp", ["};\n"]),
    ("python", [")\n"]),
    ("typescript", ["  ],\n"]),
])
def test_an_infill_of_closing_brackets_only_is_rejected(lang, infill):
    assert reject(get_language(lang), infill, CS_METHOD, 4) == "closing brackets only"


@pytest.mark.parametrize("lang, infill", [
    ("csharp", ["        int count = 0; }\n"]),  # code before the bracket
    ("csharp", ["using System.Text;\n"]),
    ("cpp", ["#include <string>\n"]),
    ("python", ["xs = []\n"]),
])
def test_an_infill_with_code_beside_its_brackets_is_not_closing_only(lang, infill):
    assert reject(get_language(lang), infill, CS_METHOD, 4) != "closing brackets only"


@pytest.mark.parametrize("lang, infill, lines", [
    ("python", ["from typing import *\n"], ["def f(x):\n", "    return List(x)\n"]),
    ("java", ["import java.util.*;\n"], ["class A {\n", "    List<String> f() { return null; }\n", "}\n"]),
    ("go", ['import . "strings"\n'], ["package main\n", "func f() { ToUpper(\"a\") }\n"]),
    ("rust", ["use std::collections::*;\n"], ["fn f() {\n", "    let m: HashMap<u8, u8> = HashMap::new();\n", "}\n"]),
])
def test_wildcard_import_is_rejected(lang, infill, lines):
    assert reject(get_language(lang), infill, lines, 0) == "wildcard import"


def test_a_namespace_import_is_no_wildcard():
    lines = ["function f() {\n", "  return fs.readFileSync('a');\n", "}\n"]
    assert reject(get_language("typescript"), ['import * as fs from "fs";\n'], lines, 0) is None
