"""Issue 15's placement on the real default model, through the server: ``jumpcoder.completeFunction``
at the end of a buffer that uses a name it never defines, and the definition lands where the language's
conventions put it (one buffer per language where the default model makes that jump: the buffers of
benchmarks/data/backinsert it placed in ``benchmarks/backinsert.py --via server``). Run with
``-m real_model``."""

from __future__ import annotations

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
    # a local initialisation inside the method above the loop that uses it (not a field above it)
    "csharp": (
        "Counter.cs",
        "class Counter {\n    static int CountEven(int[] xs) {\n        foreach (var x in xs) {\n"
        "            if (x % 2 == 0) {\n                count++;\n            }\n        }\n",
        "class Counter {\n    static int CountEven(int[] xs) {\n        int count = 0;\n        foreach (var x in xs) {\n",
    ),
}


@pytest.mark.parametrize("language", sorted(CASES))
async def test_real_model_definition_lands_where_the_language_puts_it(make_editor, language):
    name, buffer, head = CASES[language]
    ed = await make_editor({"model": "default", "debounceMs": 0, "maxLines": 6, "functionPolicy": "paper"})
    uri = f"file:///work/{name}"
    ed.open(uri, buffer, language=language)
    end = ed.end(uri)
    result = await ed.command("jumpcoder.completeFunction",
                              {"uri": uri, "position": {"line": end.line, "character": end.character}})
    assert result["applied"] is True and result["jumps"] >= 1, result
    assert ed.texts[uri].startswith(head), ed.texts[uri]
