"""The specs' placement rules (issue 15): ``import_position`` (where a new import goes) and
``blank_lines`` (the blank lines a language's conventions want around an insertion)."""

import pytest

from jumpcoder_lsp.languages import get_language

PY = get_language("python")
JAVA = get_language("java")
CPP = get_language("cpp")
CS = get_language("csharp")


def placed(spec, src, imp):
    """The source with ``imp`` inserted where the spec puts it, with the blank lines it wants."""
    at = spec.import_position(src, imp)
    before, after = spec.blank_lines(src, at, [imp])
    lines = src.splitlines(keepends=True)
    return "".join(lines[:at] + ["\n"] * before + [imp] + ["\n"] * after + lines[at:])


# -- Python -----------------------------------------------------------------------------------

@pytest.mark.parametrize("src, imp, expected", [
    # sorted block: the sorted position
    ('"""Doc."""\nimport os\nimport sys\n\n\ndef f():\n    pass\n', "import heapq\n",
     '"""Doc."""\nimport heapq\nimport os\nimport sys\n\n\ndef f():\n    pass\n'),
    ('import os\nimport sys\n', "import re\n", 'import os\nimport re\nimport sys\n'),
    # isort's default: plain imports before from-imports
    ('import os\nfrom typing import List\n', "import abc\n", 'import abc\nimport os\nfrom typing import List\n'),
    ('import os\nfrom typing import List\n', "from collections import deque\n",
     'import os\nfrom collections import deque\nfrom typing import List\n'),
    # unsorted block: after it
    ('import sys\nimport os\n\n\ndef f():\n    pass\n', "import heapq\n",
     'import sys\nimport os\nimport heapq\n\n\ndef f():\n    pass\n'),
    # groups: standard library / third party
    ('import os\nimport sys\n\nimport numpy\n\nx = 1\n', "import pandas\n",
     'import os\nimport sys\n\nimport numpy\nimport pandas\n\nx = 1\n'),
    ('import os\nimport sys\n\nimport numpy\n\nx = 1\n', "import re\n",
     'import os\nimport re\nimport sys\n\nimport numpy\n\nx = 1\n'),
    # after __future__ imports
    ('from __future__ import annotations\n\nimport os\n', "import abc\n",
     'from __future__ import annotations\n\nimport abc\nimport os\n'),
    ('from __future__ import annotations\n\n\ndef f():\n    pass\n', "import heapq\n",
     'from __future__ import annotations\n\nimport heapq\n\n\ndef f():\n    pass\n'),
    # no block: after the docstring, shebang/encoding, license comment; PEP 8 blank lines
    ('"""Doc."""\n\ndef f():\n    pass\n', "import heapq\n",
     '"""Doc."""\n\nimport heapq\n\n\ndef f():\n    pass\n'),
    ('#!/usr/bin/env python\n# -*- coding: utf-8 -*-\ndef f():\n    pass\n', "import heapq\n",
     '#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nimport heapq\n\n\ndef f():\n    pass\n'),
    ('def f():\n    pass\n', "import heapq\n", 'import heapq\n\n\ndef f():\n    pass\n'),
    ('x = 1\n', "import heapq\n", 'import heapq\n\nx = 1\n'),
])
def test_python_import_position(src, imp, expected):
    assert placed(PY, src, imp) == expected


def test_python_blank_lines_around_a_top_level_helper():
    src = "import os\n\ndef g(path):\n    return read(path)\n"
    helper = ["def read(path):\n", "    return open(path).read()\n"]
    assert PY.blank_lines(src, 2, helper) == (1, 2)
    assert PY.blank_lines("def g():\n    pass\n", 0, helper) == (0, 2)
    # a nested def: one blank line, none right below the header
    assert PY.blank_lines("def g():\n    x = 1\n    return h()\n", 2, ["    def h():\n", "        return x\n"]) == (1, 1)
    # a plain line: none
    assert PY.blank_lines("def g():\n    return total\n", 1, ["    total = 0\n"]) == (0, 0)


# -- Java -------------------------------------------------------------------------------------

@pytest.mark.parametrize("src, imp, expected", [
    ("package a.b;\n\nimport java.util.List;\nimport java.util.Map;\n\npublic class A {\n}\n",
     "import java.util.HashMap;\n",
     "package a.b;\n\nimport java.util.HashMap;\nimport java.util.List;\nimport java.util.Map;\n\npublic class A {\n}\n"),
    ("package a.b;\n\nimport java.util.Map;\nimport java.util.List;\n\npublic class A {\n}\n",
     "import java.util.HashMap;\n",
     "package a.b;\n\nimport java.util.Map;\nimport java.util.List;\nimport java.util.HashMap;\n\npublic class A {\n}\n"),
    # the group that shares the most of the name
    ("import com.x.Y;\n\nimport java.util.List;\n\nclass A {\n}\n", "import java.util.Arrays;\n",
     "import com.x.Y;\n\nimport java.util.Arrays;\nimport java.util.List;\n\nclass A {\n}\n"),
    # after package, one blank line on each side
    ("package a.b;\n\npublic class A {\n}\n", "import java.util.HashMap;\n",
     "package a.b;\n\nimport java.util.HashMap;\n\npublic class A {\n}\n"),
    ("package a.b;\npublic class A {\n}\n", "import java.util.HashMap;\n",
     "package a.b;\n\nimport java.util.HashMap;\n\npublic class A {\n}\n"),
    ("public class A {\n}\n", "import java.util.HashMap;\n", "import java.util.HashMap;\n\npublic class A {\n}\n"),
    ("/* License */\npublic class A {\n}\n", "import java.util.HashMap;\n",
     "/* License */\n\nimport java.util.HashMap;\n\npublic class A {\n}\n"),
])
def test_java_import_position(src, imp, expected):
    assert placed(JAVA, src, imp) == expected


def test_java_blank_lines_around_a_method():
    src = "class A {\n    int f() {\n        return g();\n    }\n}\n"
    method = ["    int g() {\n", "        return 1;\n", "    }\n"]
    assert JAVA.blank_lines(src, 1, method) == (0, 1)  # right below the class's brace: none above
    src2 = "class A {\n    int x;\n    int f() {\n        return g();\n    }\n}\n"
    assert JAVA.blank_lines(src2, 2, method) == (1, 1)


# -- C++ --------------------------------------------------------------------------------------

@pytest.mark.parametrize("src, imp, expected", [
    ('#include <iostream>\n#include <vector>\n#include "a.h"\n\nint main() {\n}\n', "#include <map>\n",
     '#include <iostream>\n#include <map>\n#include <vector>\n#include "a.h"\n\nint main() {\n}\n'),
    ('#include <vector>\n#include <iostream>\n\nint main() {\n}\n', "#include <map>\n",
     '#include <vector>\n#include <iostream>\n#include <map>\n\nint main() {\n}\n'),
    ('#include <vector>\n\n#include "b.h"\n#include "d.h"\n\nint main() {\n}\n', '#include "c.h"\n',
     '#include <vector>\n\n#include "b.h"\n#include "c.h"\n#include "d.h"\n\nint main() {\n}\n'),
    ("#pragma once\n\nint f() {\n}\n", "#include <map>\n", "#pragma once\n\n#include <map>\n\nint f() {\n}\n"),
    ("#ifndef A_H\n#define A_H\nint f();\n#endif\n", "#include <map>\n",
     "#ifndef A_H\n#define A_H\n\n#include <map>\n\nint f();\n#endif\n"),
    ("int f() {\n}\n", "#include <map>\n", "#include <map>\n\nint f() {\n}\n"),
])
def test_cpp_import_position(src, imp, expected):
    assert placed(CPP, src, imp) == expected


# -- C# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("src, imp, expected", [
    # System first, then sorted
    ("using System;\nusing System.Linq;\nusing Newtonsoft.Json;\n\nnamespace N {\n}\n", "using System.Text;\n",
     "using System;\nusing System.Linq;\nusing System.Text;\nusing Newtonsoft.Json;\n\nnamespace N {\n}\n"),
    ("using System;\nusing System.Text;\n\nclass A {\n}\n", "using System.Linq;\n",
     "using System;\nusing System.Linq;\nusing System.Text;\n\nclass A {\n}\n"),
    ("using System.Text;\nusing System;\n\nclass A {\n}\n", "using System.Linq;\n",
     "using System.Text;\nusing System;\nusing System.Linq;\n\nclass A {\n}\n"),
    ("namespace N {\n}\n", "using System.Text;\n", "using System.Text;\n\nnamespace N {\n}\n"),
    ("// Copyright\n\nnamespace N {\n}\n", "using System.Text;\n",
     "// Copyright\n\nusing System.Text;\n\nnamespace N {\n}\n"),
])
def test_csharp_import_position(src, imp, expected):
    assert placed(CS, src, imp) == expected
