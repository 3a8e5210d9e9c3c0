"""Error classification on real compiler / interpreter output (real tiny programs through
python, javac + java, g++, mcs + mono; skipped, with the reason, where a toolchain is missing),
and the assembling of completions into programs for each prompt shape."""

from __future__ import annotations

import pytest

from jumpcoder_lsp.evaluation.datasets import load_benchmark
from jumpcoder_lsp.evaluation.execution import (
    assemble,
    classify_compile,
    classify_python,
    classify_run,
    execute,
    toolchain,
    truncate_at_stop,
)
from jumpcoder_lsp.evaluation.sandbox import RunResult


def need(language: str) -> None:
    missing = toolchain(language).missing()
    if missing:
        reason = f"{language} toolchain missing: {', '.join(missing)} (scripts/setup_eval_toolchains.sh)"
        print(reason)
        pytest.skip(reason)


# -- Python ------------------------------------------------------------------------------------------

PY_CASES = [
    ("def f():\n    return undefined_thing\nassert f() == 1\n", "undefined_identifier", "NameError"),
    ("def f():\n    x += 1\n    x = 0\nf()\n", "undefined_identifier", "UnboundLocalError"),
    ("assert 1 + 1 == 3\n", "assertion", "AssertionError"),
    ("def f(:\n    pass\n", "compile", "SyntaxError"),
    ("def f():\n  a = 1\n    b = 2\n", "compile", "IndentationError"),
    ("[][1]\n", "runtime", "IndexError"),
    ("import os\nos._exit(4)\n", "runtime", "exit status 4"),
    ("while True:\n    pass\n", "timeout", "timed out"),
]


@pytest.mark.parametrize("program,cls,detail", PY_CASES, ids=[c[1] + ":" + c[2] for c in PY_CASES])
def test_python_outcomes(program, cls, detail):
    out = execute("python", program, run_timeout=1.5)
    assert not out.passed and out.error_class == cls and detail in out.detail


def test_python_pass():
    out = execute("python", "def f():\n    return 1\nassert f() == 1\n")
    assert out.passed and out.error_class is None


def test_python_exception_chain_uses_the_last_exception():
    stderr = ("Traceback (most recent call last):\n  File \"x\", line 1\nKeyError: 1\n\nDuring handling of the above "
              "exception, another exception occurred:\n\nTraceback (most recent call last):\n  File \"x\", line 3\n"
              "NameError: name 'y' is not defined\n")
    out = classify_python(RunResult([], 1, "", stderr, 0.1))
    assert out.error_class == "undefined_identifier"


# -- Java --------------------------------------------------------------------------------------------

JAVA_HEAD = "import java.util.*;\nimport org.javatuples.*;\nclass Problem {\n    public static long f(long n) {\n"
JAVA_TAIL = "    }\n    public static void main(String[] args) {\n    assert(f((2l)) == (4l));\n    }\n\n}\n"


@pytest.mark.parametrize("body,cls,detail", [
    ("        return n * 2;\n", None, ""),
    ("        return helper(n);\n", "undefined_identifier", "cannot find symbol"),
    ("        return m * 2;\n", "undefined_identifier", "symbol:   variable m"),
    ("        return n * 3;\n", "assertion", "java.lang.AssertionError"),
    ("        return n +;\n", "compile", "illegal start of expression"),
    ("        int[] a = new int[1];\n        return a[(int) n];\n", "runtime", "ArrayIndexOutOfBoundsException"),
    ("        Pair<Long, Long> p = Pair.with(n, n);\n        return p.getValue0() + p.getValue1();\n", None, ""),
])
def test_java_outcomes(body, cls, detail):
    need("java")
    out = execute("java", JAVA_HEAD + body + JAVA_TAIL)
    assert out.error_class == cls and out.passed == (cls is None) and detail in out.detail


# -- C++ ---------------------------------------------------------------------------------------------

CPP_HEAD = "#include<assert.h>\n#include<bits/stdc++.h>\nlong f(long n) {\n"
CPP_TAIL = "}\nint main() {\n    auto candidate = f;\n    assert(candidate((2)) == (4));\n}\n"


@pytest.mark.parametrize("body,cls,detail", [
    ("    return n * 2;\n", None, ""),
    ("    return helper(n);\n", "undefined_identifier", "was not declared in this scope"),
    ("    return n * 3;\n", "assertion", "Assertion"),
    ("    return n +;\n", "compile", "error"),
    ("    long *p = nullptr;\n    return *p;\n", "runtime", "signal"),
])
def test_cpp_outcomes(body, cls, detail):
    need("cpp")
    out = execute("cpp", CPP_HEAD + body + CPP_TAIL)
    assert out.error_class == cls and out.passed == (cls is None) and detail in out.detail


# -- C# ----------------------------------------------------------------------------------------------

CS_HEAD = ("using System;\nusing System.Numerics;\nusing System.Diagnostics;\nusing System.Collections.Generic;\n"
           "using System.Linq;\nclass Problem {\n    public static long F(long n) {\n")
CS_TAIL = "    }\n    public static void Main(string[] args) {\n    Debug.Assert(F((2L)) == (4L));\n    }\n\n}\n"


@pytest.mark.parametrize("body,cls,detail", [
    ("        return n * 2;\n", None, ""),
    ("        return Helper(n);\n", "undefined_identifier", "CS0103"),
    ("        return m * 2;\n", "undefined_identifier", "CS0103"),
    ("        return n * 3;\n", "assertion", "Debug.Assert"),
    ("        return n +;\n", "compile", "error CS"),
    ("        int[] a = new int[1];\n        return a[n];\n", "runtime", "Exception"),
    ("        return (long)BigInteger.Pow(new BigInteger(n), 2);\n", None, ""),
])
def test_csharp_outcomes(body, cls, detail):
    need("csharp")
    out = execute("csharp", CS_HEAD + body + CS_TAIL)
    assert out.error_class == cls and out.passed == (cls is None) and detail in out.detail


def test_compile_classification_from_canned_logs():
    def res(text, rc=1):
        return RunResult([], rc, "", text, 0.1)

    assert classify_compile("java", res("P.java:3: error: cannot find symbol\n  symbol:   variable x\n")).error_class \
        == "undefined_identifier"
    assert classify_compile("cpp", res("a.cpp:2:5: error: 'x' was not declared in this scope\n")).error_class \
        == "undefined_identifier"
    assert classify_compile("cpp", res("a.cpp:2:5: error: use of undeclared identifier 'x'\n")).error_class \
        == "undefined_identifier"
    assert classify_compile("csharp", res("P.cs(3,9): error CS0103: The name `x' does not exist\n")).error_class \
        == "undefined_identifier"
    assert classify_compile("csharp", res("P.cs(3,9): error CS1525: Unexpected symbol\n")).error_class == "compile"
    assert classify_compile("cpp", res("", 0)) is None
    timed = RunResult([], -9, "", "", 60.0, timed_out=True)
    assert classify_compile("java", timed).error_class == "timeout"
    assert classify_run("cpp", RunResult([], -9, "x" * 10, "", 1.0, output_truncated=True)).error_class == "runtime"


# -- assembling per prompt shape ---------------------------------------------------------------------

def test_truncate_at_stop_tokens():
    assert truncate_at_stop("    return 1\n\ndef g():\n    pass\n", ["\ndef"]) == "    return 1\n"
    assert truncate_at_stop("    return 1;\n}\nint main() {}\n", ["\n}"]) == "    return 1;"
    assert truncate_at_stop("}\n", ["\n}"]) == ""  # the function closed at once
    assert truncate_at_stop("    return 1\n", ["\ndef"]) == "    return 1\n"
    assert truncate_at_stop("        return 1;\n    }\n    static int g() {\n", ["\n    }\n"]) == "        return 1;"


def test_assemble_each_benchmark_shape_with_a_known_good_body():
    bodies = {
        "java": ("java", "        return (long) string.length();\n    }\n"),
        "cpp": ("cpp", "    return string.size();\n}\n"),
        "csharp": ("csharp", "        return str.Length;\n    }\n"),
    }
    for bench, (lang, body) in bodies.items():
        problem = next(p for p in load_benchmark(bench) if "strlen" in p.task_id)
        code, program = assemble(problem.prompt, body, problem.tests, problem.stop_tokens)
        assert code.startswith(problem.prompt) and program.endswith(problem.tests)
        missing = toolchain(lang).missing()
        if missing:
            print(f"{lang}: not run, missing {missing}")
            continue
        out = execute(lang, program)
        assert out.passed, (bench, out)


def test_humaneval_reference_solutions_pass_through_assemble():
    import json
    from jumpcoder_lsp.evaluation.datasets import DATA_DIR

    records = json.loads((DATA_DIR / "humaneval.json").read_text())
    for problem in load_benchmark("humaneval", limit=8):
        code, program = assemble(problem.prompt, records[problem.index]["output"] + "\ndef extra():\n    pass\n",
                                 problem.tests, problem.stop_tokens)
        assert "def extra" not in code
        out = execute("python", program)
        assert out.passed, (problem.task_id, out)
