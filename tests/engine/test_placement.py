"""Where the engine puts an accepted infill and how it looks (issue 15), pinned per language with
a scripted model: imports into the import block (sorted position), the blank lines of the
language's conventions, the file's indentation unit and line breaks, and no junk (a second copy
of an import, a near-copy of the function being written)."""

import pytest

from jumpcoder_lsp.engine import EngineConfig, complete
from jumpcoder_lsp.engine.apply import apply_completion
from jumpcoder_lsp.languages import get_language

from engine_scripts import scripted_pair

PY = get_language("python")
JAVA = get_language("java")
CPP = get_language("cpp")
CS = get_language("csharp")


def improving_logit(marker, boost):
    def logit(context, target, start, tok):
        at = target.find(marker)
        return boost if at >= 0 and start > at + len(marker) else 0.0

    return logit


def at_end(text):
    return text.count("\n"), 0


def run(text, program, infill, language, config=EngineConfig(), logit=None):
    models, _ = scripted_pair(program, infill, logit)
    line, col = at_end(text)
    result = complete(text, line, col, models=models, language=language, config=config)
    return result, apply_completion(text, line, col, result)


def first_prefix_only(answer):
    """The infilling model proposes ``answer`` before module-level lines only (the file head)."""
    return lambda prefix, suffix: answer if suffix[:1].strip() else ""


def rejections(result):
    return {c.rejected for s in result.steps for c in s.candidates}


# -- imports into the import block --------------------------------------------------------------

HEAPQ = '"""Top k."""\nimport os\nimport sys\n\n\ndef top(nums, k):\n    """The k largest."""\n'


def test_python_import_goes_to_the_sorted_position_of_the_block():
    result, new = run(HEAPQ, ["    return heapq.nlargest(k, nums)\n"], first_prefix_only("import heapq\n"), PY)
    assert [(i.before_line, i.text) for i in result.insertions] == [(1, "import heapq\n")]
    assert new.startswith('"""Top k."""\nimport heapq\nimport os\nimport sys\n\n\ndef top(nums, k):\n')


def test_python_import_goes_after_an_unsorted_block():
    text = HEAPQ.replace("import os\nimport sys\n", "import sys\nimport os\n")
    result, _ = run(text, ["    return heapq.nlargest(k, nums)\n"], first_prefix_only("import heapq\n"), PY)
    assert [(i.before_line, i.text) for i in result.insertions] == [(3, "import heapq\n")]


def test_python_import_without_a_block_goes_below_the_docstring_with_pep8_blank_lines():
    text = '"""Top k."""\n\ndef top(nums, k):\n    """The k largest."""\n'
    result, new = run(text, ["    return heapq.nlargest(k, nums)\n"], first_prefix_only("import heapq\n"), PY)
    assert [(i.before_line, i.text) for i in result.insertions] == [(1, "\nimport heapq\n\n")]
    assert new.startswith('"""Top k."""\n\nimport heapq\n\n\ndef top(nums, k):\n')


def test_python_import_goes_after_future_imports_and_shebang():
    text = '#!/usr/bin/env python\nfrom __future__ import annotations\n\ndef top(nums, k):\n    x = 1\n'
    _, new = run(text, ["    return heapq.nlargest(k, nums)\n"], first_prefix_only("import heapq\n"), PY)
    assert new.startswith("#!/usr/bin/env python\nfrom __future__ import annotations\n\nimport heapq\n\n\ndef top(")


def test_python_import_proposed_inside_the_function_moves_to_the_block():
    text = "import os\n\n\ndef top(nums, k):\n    x = 1\n"

    def infill(prefix, suffix):
        return "    import heapq\n" if prefix.endswith("def top(nums, k):\n") else ""

    result, new = run(text, ["    return heapq.nlargest(k, nums)\n"], infill, PY)
    assert [(i.before_line, i.text) for i in result.insertions] == [(0, "import heapq\n")]
    assert new.startswith("import heapq\nimport os\n\n\ndef top(nums, k):\n    x = 1\n    return heapq")


def test_python_second_copy_of_an_import_is_rejected():
    text = "import heapq\n\n\ndef top(nums, k):\n"
    program = ["    best = heapq.nlargest(k, nums)\n", "    best = sorted(best)\n", "    return best\n"]
    result, _ = run(text, program, first_prefix_only("import heapq\n"), PY,
                    EngineConfig(tau=0.3, ast_judge=False), improving_logit("import heapq\nimport heapq\n", 1.0))
    assert result.insertions == []
    assert "duplicate import" in rejections(result) or "repetition" in rejections(result)
    # a different spelling of the same binding is a duplicate too
    text2 = "from heapq import nlargest\n\n\ndef top(nums, k):\n"
    program2 = ["    best = nlargest(k, nums)\n", "    best = sorted(best)\n", "    return best\n"]
    result2, _ = run(text2, program2, first_prefix_only("from heapq import  nlargest\n"), PY,
                     EngineConfig(tau=0.3, ast_judge=False), improving_logit("from heapq import  nlargest\n", 1.0))
    assert result2.insertions == [] and "duplicate import" in rejections(result2)


def test_java_import_goes_to_the_sorted_position_after_package():
    text = ("package demo;\n\nimport java.util.List;\nimport java.util.Map;\n\npublic class Words {\n"
            "    static List<String> words(String s) {\n")
    result, new = run(text, ['        return Arrays.asList(s.split(" "));\n'],
                      first_prefix_only("import java.util.Arrays;\n"), JAVA)
    assert [(i.before_line, i.text) for i in result.insertions] == [(2, "import java.util.Arrays;\n")]
    assert new.startswith("package demo;\n\nimport java.util.Arrays;\nimport java.util.List;\n")


def test_java_import_without_a_block_goes_after_package_with_blank_lines():
    text = "package demo;\npublic class Words {\n    static Object words(String s) {\n"
    result, new = run(text, ['        return Arrays.asList(s.split(" "));\n'],
                      first_prefix_only("import java.util.Arrays;\n"), JAVA)
    assert [(i.before_line, i.text) for i in result.insertions] == [(1, "\nimport java.util.Arrays;\n\n")]
    assert new.startswith("package demo;\n\nimport java.util.Arrays;\n\npublic class Words {\n")


def test_cpp_include_goes_with_the_includes_at_the_sorted_position():
    text = "#include <iostream>\n#include <vector>\n\nint main() {\n"
    program = ["    std::map<int, int> m;\n", "    m[1] = 2;\n", "    return m[1];\n"]
    result, new = run(text, program, first_prefix_only("#include <map>\n"), CPP,
                      EngineConfig(tau=0.3, ast_judge=False), improving_logit("#include <map>\n", 1.0))
    assert [(i.before_line, i.text) for i in result.insertions] == [(1, "#include <map>\n")]
    assert new.startswith("#include <iostream>\n#include <map>\n#include <vector>\n\nint main() {\n")


def test_cpp_include_of_the_missing_header_is_accepted_by_the_ast_judge():
    """std::sort without <algorithm> is undefined (queries/cpp_std_headers.txt); the include makes it
    defined, so the AST judge accepts it with no help from the scoring judge (no logit boost)."""
    text = "#include <iostream>\n#include <vector>\n\nvoid order(std::vector<int>& v) {\n"
    result, new = run(text, ["    std::sort(v.begin(), v.end());\n"], first_prefix_only("#include <algorithm>\n"), CPP)
    assert [(i.before_line, i.text) for i in result.insertions] == [(0, "#include <algorithm>\n")]
    assert new.startswith("#include <algorithm>\n#include <iostream>\n#include <vector>\n\nvoid order(")
    accepted = [c for s in result.steps for c in s.candidates if c.rejected is None and c.judge == "ast"]
    assert accepted and {tuple(c.lines) for c in accepted} == {("#include <algorithm>\n",)}
    # with the header already there, no name is undefined and no include is proposed
    result2, _ = run("#include <algorithm>\n" + text, ["    std::sort(v.begin(), v.end());\n"],
                     first_prefix_only("#include <numeric>\n"), CPP)
    assert result2.insertions == []


def test_cpp_include_for_a_bare_std_name_under_using_namespace_std():
    text = "#include <vector>\nusing namespace std;\n\nvoid order(vector<int>& v) {\n"
    result, new = run(text, ["    sort(v.begin(), v.end());\n"], first_prefix_only("#include <algorithm>\n"), CPP)
    assert [(i.before_line, i.text) for i in result.insertions] == [(0, "#include <algorithm>\n")]
    assert new.startswith("#include <algorithm>\n#include <vector>\nusing namespace std;\n")
    assert any(c.judge == "ast" and c.rejected is None for s in result.steps for c in s.candidates)


def test_csharp_using_goes_with_the_usings_system_first_sorted():
    text = ("using System;\nusing System.Linq;\nusing System.Xml;\n\nclass A {\n"
            "    static string F(string s) {\n")
    program = ["        var sb = new StringBuilder();\n", "        return sb.ToString();\n"]
    result, new = run(text, program, first_prefix_only("using System.Text;\n"), CS)
    assert [(i.before_line, i.text) for i in result.insertions] == [(2, "using System.Text;\n")]
    assert new.startswith("using System;\nusing System.Linq;\nusing System.Text;\nusing System.Xml;\n")


# -- formatting -----------------------------------------------------------------------------------

def test_crlf_file_gets_crlf_inserted_lines_and_user_lines_stay():
    text = HEAPQ.replace("\n", "\r\n")
    result, new = run(text, ["    return heapq.nlargest(k, nums)\n"], first_prefix_only("import heapq\n"), PY)
    assert [(i.before_line, i.text) for i in result.insertions] == [(1, "import heapq\r\n")]
    # insert only: every user line is still there, in order, unchanged
    assert [l for l in new.splitlines(keepends=True) if l != "import heapq\r\n"][: text.count("\n")] == \
        text.splitlines(keepends=True)


def test_tab_indented_file_gets_tabs_in_the_inserted_lines():
    text = "def total(nums):\n\tfor n in nums:\n\t\tacc += n\n"

    def infill(prefix, suffix):
        return "    acc = 0\n" if suffix.startswith("\tfor n") else ""

    result, _ = run(text, ["\treturn acc\n"], infill, PY)
    assert [(i.before_line, i.text) for i in result.insertions] == [(1, "\tacc = 0\n")]


def test_two_space_file_gets_two_space_helper():
    text = "def area(shapes):\n  total = 0\n  for s in shapes:\n    total += circle(s)\n"

    def infill(prefix, suffix):
        return "def circle(r):\n    return 3.14 * r * r\n" if prefix == "" else ""

    result, _ = run(text, ["  return total\n"], infill, PY)
    assert [(i.before_line, i.text) for i in result.insertions] == [(0, "def circle(r):\n  return 3.14 * r * r\n\n\n")]


# -- no junk: near-copies ----------------------------------------------------------------------------

def test_near_copy_of_the_enclosing_function_is_rejected():
    # the function is written; the name it lacks is `total`, and the model restates the function
    text = ('import os\n\n\ndef count_words(text):\n    """Count each word."""\n    words = text.split()\n'
            '    return total(words)\n')

    def infill(prefix, suffix):
        if prefix == "import os\n\n\n":
            return 'def count(text):\n    """Count each word."""\n    return len(text)\n'
        return ""

    result, _ = run(text, [], infill, PY)
    assert result.insertions == []
    assert "near-copy of the enclosing function" in rejections(result)


# -- Go and TypeScript (issue 15 leftovers) ---------------------------------------------------

GO = get_language("go")
TS = get_language("typescript")


def test_go_import_goes_inside_the_import_block_as_a_spec():
    text = 'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc shout(s string) {\n'
    result, new = run(text, ["\tfmt.Println(strings.ToUpper(s), os.Args)\n"],
                      first_prefix_only('import "strings"\n'), GO)
    assert [(i.before_line, i.text) for i in result.insertions] == [(5, '\t"strings"\n')]
    assert new.startswith('package main\n\nimport (\n\t"fmt"\n\t"os"\n\t"strings"\n)\n\nfunc shout(s string) {\n')


def test_go_import_without_imports_goes_after_package():
    text = "package main\n\nfunc shout(s string) string {\n"
    result, new = run(text, ["\treturn strings.ToUpper(s)\n"], first_prefix_only('import "strings"\n'), GO)
    assert new.startswith('package main\n\nimport "strings"\n\nfunc shout(s string) string {\n')


def test_rust_use_goes_into_the_use_block_sorted():
    text = "use std::fmt;\nuse std::io;\n\nfn count(text: &str) -> usize {\n"
    result, new = run(text, ["    let m: HashMap<&str, usize> = HashMap::new();\n"],
                      first_prefix_only("use std::collections::HashMap;\n"), get_language("rust"))
    assert [(i.before_line, i.text) for i in result.insertions] == [(0, "use std::collections::HashMap;\n")]
    assert new.startswith("use std::collections::HashMap;\nuse std::fmt;\nuse std::io;\n\nfn count(")


def test_typescript_import_goes_to_its_sorted_position_packages_before_relative_paths():
    text = ('import { a } from "./a";\nimport {\n  b,\n} from "./b";\n\n'
            "export function load(p: string): string {\n")
    result, new = run(text, ['  return readFileSync(p, "utf8") + a + b;\n'],
                      first_prefix_only('import { readFileSync } from "fs";\n'), TS)
    assert new.startswith('import { readFileSync } from "fs";\nimport { a } from "./a";\nimport {\n  b,\n} from "./b";\n'
                          '\nexport function load(')


def test_typescript_import_goes_after_an_unsorted_block():
    text = ('import { z } from "zlib";\nimport {\n  a,\n} from "assert";\n\n'
            "export function load(p: string): string {\n")
    result, new = run(text, ['  return readFileSync(p, "utf8") + a + z;\n'],
                      first_prefix_only('import { readFileSync } from "fs";\n'), TS)
    assert new.startswith('import { z } from "zlib";\nimport {\n  a,\n} from "assert";\n'
                          'import { readFileSync } from "fs";\n\nexport function load(')


# -- helpers above the enclosing function (issue 15 leftovers) --------------------------------

def placed_candidate(text, position, infill, language):
    """``combine.place`` on the document lines of ``text`` and an accepted infill before ``position``."""
    from jumpcoder_lsp.engine.combine import place
    from jumpcoder_lsp.engine.types import Candidate, Line
    lines = [Line(t, "fixed", i) for i, t in enumerate(text.splitlines(keepends=True))]
    c = place(lines, Candidate(position=position, lines=infill, judge="ast", value=1.0), language)
    return c.position, c.lines


def test_python_helper_proposed_inside_a_function_goes_above_the_top_level_def():
    text = "import math\n\n\ndef area(shapes):\n    total = 0\n    for s in shapes:\n        total += circle(s)\n"
    infill = ["    def circle(r):\n", "        return math.pi * r * r\n"]
    assert placed_candidate(text, 5, infill, PY) == (3, ["def circle(r):\n", "    return math.pi * r * r\n", "\n", "\n"])
    # nested twice: above the top-level def
    text2 = "def f():\n    def g():\n        x = 1\n        return h(x)\n"
    assert placed_candidate(text2, 3, ["        def h(v):\n", "            return v\n"], PY)[0] == 0


def test_python_helper_inside_a_method_stays_in_its_method():
    assert PY.helper_position("class A:\n    def f(self):\n        x = 1\n        y = 2\n", 3,
                              ["        def g():\n"]) is None
    assert PY.helper_position("def f():\n    def g():\n        x = 1\n        y = 2\n", 3,
                              ["        def h():\n"]) == (0, "")


def test_csharp_helper_proposed_inside_a_method_becomes_a_member_above_it():
    text = ("using System;\n\npublic class Shapes\n{\n    public static double Area(double r)\n    {\n"
            "        double s = 0;\n")

    def infill(prefix, suffix):
        if prefix.endswith("double s = 0;\n"):
            return "        static double Circle(double r)\n        {\n            return Math.PI * r * r;\n        }\n"
        return ""

    result, new = run(text, ["        s += Circle(r);\n", "        return s;\n"], infill, CS)
    assert [i.before_line for i in result.insertions] == [4]
    assert ("{\n    static double Circle(double r)\n    {\n        return Math.PI * r * r;\n    }\n\n"
            "    public static double Area(double r)\n") in new


# -- class members and locals in C# and Java (issue 15: cs_helper, cs_local_init) ---------------

COUNT_CS = ("class Counter {\n    static int CountEven(int[] xs) {\n        foreach (var x in xs) {\n"
            "            if (x % 2 == 0) {\n                count++;\n            }\n        }\n")


def above_the_method(answer, header):
    """The infilling model proposes ``answer`` only between ``header`` and the method below it."""
    return lambda prefix, suffix: answer if prefix.endswith(header) else ""


def test_csharp_static_field_for_a_local_becomes_a_local_above_its_use():
    result, new = run(COUNT_CS, ["        return count;\n"],
                      above_the_method("    static int count = 0;\n", "class Counter {\n"), CS)
    assert [(i.before_line, i.text) for i in result.insertions] == [(2, "        int count = 0;\n")]
    assert new.startswith("class Counter {\n    static int CountEven(int[] xs) {\n        int count = 0;\n"
                          "        foreach (var x in xs) {\n")
    assert "count" not in {u.name for u in CS.undefined_names(new)}


def test_java_static_field_for_a_local_becomes_a_local_in_the_method():
    text = COUNT_CS.replace("class Counter", "public class Counter").replace("CountEven", "countEven") \
        .replace("foreach (var x in xs)", "for (int x : xs)")
    result, new = run(text, ["        return count;\n"],
                      above_the_method("    private static int count = 0;\n", "public class Counter {\n"), JAVA)
    assert [(i.before_line, i.text) for i in result.insertions] == [(2, "        int count = 0;\n")]


def test_csharp_constant_field_stays_a_member():
    text = ("class Circles {\n    static double Area(double r) {\n        double a = r * r;\n")
    result, _ = run(text, ["        return a * Pi;\n"],
                    above_the_method("    const double Pi = 3.14159;\n", "class Circles {\n"), CS)
    assert [(i.before_line, i.text) for i in result.insertions] == [(1, "    const double Pi = 3.14159;\n")]


def test_csharp_field_another_member_uses_stays_a_member():
    text = ("class Counter {\n    static void Reset() {\n        count = 0;\n    }\n\n"
            "    static int Next() {\n        count++;\n")
    result, _ = run(text, ["        return count;\n"],
                    above_the_method("    static int count = 0;\n", "    }\n\n"), CS)
    assert [(i.before_line, i.text) for i in result.insertions] == [(5, "    static int count = 0;\n")]


GEOMETRY_CS = ("class Geometry {\n    static double TotalArea(double[] radii) {\n        double total = 0;\n"
               "        foreach (var r in radii) {\n            total += CircleArea(r);\n        }\n")


def test_csharp_helper_at_column_0_inside_a_class_gets_the_member_indentation():
    helper = "public static double CircleArea(double radius) {\n    return 3.14159 * radius * radius;\n    }\n"
    result, new = run(GEOMETRY_CS, ["        return total;\n"], above_the_method(helper, "class Geometry {\n"), CS)
    assert [(i.before_line, i.text) for i in result.insertions] == [
        (1, "    public static double CircleArea(double radius) {\n        return 3.14159 * radius * radius;\n"
            "    }\n\n")]
    assert new.startswith("class Geometry {\n    public static double CircleArea(double radius) {\n")


def test_java_helper_at_column_0_inside_a_class_gets_the_member_indentation():
    text = GEOMETRY_CS.replace("TotalArea", "totalArea").replace("CircleArea", "circleArea") \
        .replace("foreach (var r in radii)", "for (double r : radii)")
    helper = "private static double circleArea(double radius) {\n    return 3.14159 * radius * radius;\n}\n"
    result, _ = run(text, ["        return total;\n"], above_the_method(helper, "class Geometry {\n"), JAVA)
    assert [(i.before_line, i.text) for i in result.insertions] == [
        (1, "    private static double circleArea(double radius) {\n        return 3.14159 * radius * radius;\n"
            "    }\n\n")]


def test_csharp_helper_proposed_above_the_class_becomes_a_member_above_its_caller():
    helper = "static double CircleArea(double radius) {\n    return 3.14159 * radius * radius;\n}\n"
    result, new = run(GEOMETRY_CS, ["        return total;\n"], lambda prefix, suffix: helper if prefix == "" else "", CS)
    assert [(i.before_line, i.text) for i in result.insertions] == [
        (1, "    static double CircleArea(double radius) {\n        return 3.14159 * radius * radius;\n    }\n\n")]
