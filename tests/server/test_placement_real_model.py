"""Issue 15's placement on the real default model, through the server: ``jumpcoder.completeFunction``
at the end of a buffer that uses a name it never defines, and the definition lands where the language's
conventions put it: an import into a sorted block under a docstring (Python), after ``package`` (Java),
a ``using`` among the usings (C#), a helper at module level in the file's tabs (Python), a local at the
top of the body (C++, C#). One buffer per rule where the default model makes that jump, from
benchmarks/data/backinsert (``benchmarks/backinsert.py --via server``); runtime auto, so torch bf16 on
an avx512_bf16 CPU and llama.cpp on an AVX2 one (both checked, see docs/backinsert.md).
``-m real_model`` selects them."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.asyncio, pytest.mark.real_model, pytest.mark.timeout(900)]

CASES = {
    # an import into a sorted block, below the module docstring
    "python": (
        "top_k.py",
        '"""Top-k helpers."""\nimport os\nimport sys\n\n\ndef top_k(nums, k):\n'
        '    """Return the k largest numbers."""\n    best = heapq.nlargest(k, nums)\n',
        '"""Top-k helpers."""\nimport heapq\nimport os\nimport sys\n\n\ndef top_k(nums, k):\n'
        '    """Return the k largest numbers."""\n    best = heapq.nlargest(k, nums)\n',
    ),
    # after `package`, set off by one blank line on either side
    "java": (
        "Sorter.java",
        "package demo;\n\npublic class Sorter {\n    public static int[] sorted(int[] xs) {\n"
        "        int[] ys = xs.clone();\n        Arrays.sort(ys);\n",
        "package demo;\n\nimport java.util.Arrays;\n\npublic class Sorter {\n"
        "    public static int[] sorted(int[] xs) {\n        int[] ys = xs.clone();\n        Arrays.sort(ys);\n",
    ),
    # a local initialisation at the top of the function body, above the loop that uses it
    "cpp": (
        "sum_even.cpp",
        "#include <vector>\n\nint sum_even(const std::vector<int>& xs) {\n    for (int x : xs) {\n"
        "        if (x % 2 == 0) sum += x;\n    }\n",
        "#include <vector>\n\nint sum_even(const std::vector<int>& xs) {\n    int sum = 0;\n"
        "    for (int x : xs) {\n",
    ),
    # a `using` after the other usings, in their sorted place, one blank line before the class
    "csharp_using": (
        "Check.cs",
        'using System;\nusing System.Collections.Generic;\n\nclass Check {\n    static bool IsNumber(string s) {\n'
        '        return Regex.IsMatch(s, "^[0-9]+$");\n',
        "using System;\nusing System.Collections.Generic;\nusing System.Text.RegularExpressions;\n\nclass Check {\n",
    ),
    # a helper at module level above the function that uses it, in the file's tabs, two blank lines
    # below it (PEP 8); its body is the model's, so a pattern
    "python_helper": (
        "areas.py",
        'def total_area(radii):\n\t"""Sum of the areas of circles."""\n\ttotal = 0\n\tfor r in radii:\n'
        "\t\ttotal += circle_area(r)\n",
        re.compile(r'def circle_area\(\w+\):\n(\t[^\n]*\n)+\n\ndef total_area\(radii\):\n'),
    ),
    # a local initialisation inside the method above the loop that uses it (not a field above it)
    "csharp": (
        "Counter.cs",
        "class Counter {\n    static int CountEven(int[] xs) {\n        foreach (var x in xs) {\n"
        "            if (x % 2 == 0) {\n                count++;\n            }\n        }\n",
        "class Counter {\n    static int CountEven(int[] xs) {\n        int count = 0;\n        foreach (var x in xs) {\n",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_real_model_definition_lands_where_the_language_puts_it(make_editor, case):
    language = case.split("_")[0]
    name, buffer, head = CASES[case]
    ed = await make_editor({"model": "default", "debounceMs": 0, "maxLines": 6, "functionPolicy": "paper"})
    uri = f"file:///work/{name}"
    ed.open(uri, buffer, language=language)
    end = ed.end(uri)
    result = await ed.command("jumpcoder.completeFunction",
                              {"uri": uri, "position": {"line": end.line, "character": end.character}})
    assert result["applied"] is True and result["jumps"] >= 1, result
    if isinstance(head, str):
        assert ed.texts[uri].startswith(head), ed.texts[uri]
    else:
        assert head.match(ed.texts[uri]), ed.texts[uri]
