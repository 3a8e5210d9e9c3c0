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


# -- Go ---------------------------------------------------------------------------------------

GO = get_language("go")
TS = get_language("typescript")
JS = get_language("javascript")


def go_placed(src, imp):
    """As ``placed``, with the line written as Go writes it there (``import_text``)."""
    at = GO.import_position(src, imp)
    text = GO.import_text(src, at, imp)
    before, after = GO.blank_lines(src, at, [text])
    lines = src.splitlines(keepends=True)
    return "".join(lines[:at] + ["\n"] * before + [text] + ["\n"] * after + lines[at:])


@pytest.mark.parametrize("src, imp, expected", [
    # inside the import ( ... ) block, at the sorted position, as a bare spec
    ('package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() {}\n', 'import "strings"\n',
     'package main\n\nimport (\n\t"fmt"\n\t"os"\n\t"strings"\n)\n\nfunc main() {}\n'),
    ('package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n', 'import "bytes"\n',
     'package main\n\nimport (\n\t"bytes"\n\t"fmt"\n\t"os"\n)\n'),
    # goimports' groups: the standard library, then the rest
    ('package main\n\nimport (\n\t"fmt"\n\t"os"\n\n\t"github.com/x/y"\n)\n', 'import "strings"\n',
     'package main\n\nimport (\n\t"fmt"\n\t"os"\n\t"strings"\n\n\t"github.com/x/y"\n)\n'),
    ('package main\n\nimport (\n\t"fmt"\n\n\t"github.com/x/y"\n)\n', 'import "github.com/z/w"\n',
     'package main\n\nimport (\n\t"fmt"\n\n\t"github.com/x/y"\n\t"github.com/z/w"\n)\n'),
    # unsorted block: after it
    ('package main\n\nimport (\n\t"os"\n\t"fmt"\n)\n', 'import "bytes"\n',
     'package main\n\nimport (\n\t"os"\n\t"fmt"\n\t"bytes"\n)\n'),
    # an alias survives
    ('package main\n\nimport (\n\t"fmt"\n)\n', 'import str "strings"\n',
     'package main\n\nimport (\n\t"fmt"\n\tstr "strings"\n)\n'),
    # single import lines: among them, sorted
    ('package main\n\nimport "fmt"\n\nfunc main() {}\n', 'import "strings"\n',
     'package main\n\nimport "fmt"\nimport "strings"\n\nfunc main() {}\n'),
    # no import: a new line after package, set off by blank lines
    ('package main\n\nfunc main() {}\n', 'import "strings"\n',
     'package main\n\nimport "strings"\n\nfunc main() {}\n'),
    ('// Package main.\npackage main\nfunc main() {}\n', 'import "strings"\n',
     '// Package main.\npackage main\n\nimport "strings"\n\nfunc main() {}\n'),
])
def test_go_import_position(src, imp, expected):
    assert go_placed(src, imp) == expected


def test_go_dot_import_is_a_wildcard():
    assert GO.is_wildcard_import('import . "strings"\n')
    assert not GO.is_wildcard_import('import "strings"\n')


# -- TypeScript / JavaScript ------------------------------------------------------------------

@pytest.mark.parametrize("spec", [TS, JS])
@pytest.mark.parametrize("src, imp, expected", [
    # sorted as "Organize Imports" sorts: packages before relative paths, then by specifier
    ('import { a } from "./a";\nimport {\n  b,\n  c,\n} from "./b";\n\nexport function f() {}\n',
     'import { readFileSync } from "fs";\n',
     'import { readFileSync } from "fs";\nimport { a } from "./a";\nimport {\n  b,\n  c,\n} from "./b";\n\n'
     'export function f() {}\n'),
    ('import { a } from "./a";\nimport {\n  b,\n  c,\n} from "./b";\n\nexport function f() {}\n',
     'import { d } from "./d";\n',
     'import { a } from "./a";\nimport {\n  b,\n  c,\n} from "./b";\nimport { d } from "./d";\n\n'
     'export function f() {}\n'),
    ('// Hashes.\nimport { readFileSync } from "fs";\nimport { basename } from "path";\n', 'import { createHash } from "crypto";\n',
     '// Hashes.\nimport { createHash } from "crypto";\nimport { readFileSync } from "fs";\nimport { basename } from "path";\n'),
    ('import a from "a";\nconst x = 1;\n', 'import b from "b";\n',
     'import a from "a";\nimport b from "b";\n\nconst x = 1;\n'),
    # unsorted: after the last import statement, no blank line between
    ('import { z } from "zlib";\nimport { a } from "assert";\nconst x = 1;\n', 'import { b } from "buffer";\n',
     'import { z } from "zlib";\nimport { a } from "assert";\nimport { b } from "buffer";\n\nconst x = 1;\n'),
    # an import run for its effects stays first and does not count for the order
    ('import "./polyfill";\nimport { a } from "assert";\nimport { z } from "zlib";\n', 'import { b } from "buffer";\n',
     'import "./polyfill";\nimport { a } from "assert";\nimport { b } from "buffer";\nimport { z } from "zlib";\n'),
    # none: after "use strict" / the shebang, set off by a blank line
    ('"use strict";\n\nfunction f() {}\n', 'import path from "path";\n',
     '"use strict";\n\nimport path from "path";\n\nfunction f() {}\n'),
    ('#!/usr/bin/env node\nfunction f() {}\n', 'import path from "path";\n',
     '#!/usr/bin/env node\n\nimport path from "path";\n\nfunction f() {}\n'),
    ('function f() {}\n', 'import path from "path";\n', 'import path from "path";\n\nfunction f() {}\n'),
])
def test_ecmascript_import_position(spec, src, imp, expected):
    assert placed(spec, src, imp) == expected


def test_ecmascript_namespace_import_is_no_wildcard():
    assert not TS.is_wildcard_import('import * as fs from "fs";\n')


def test_python_and_java_wildcard_imports():
    assert PY.is_wildcard_import("from typing import *\n")
    assert not PY.is_wildcard_import("from typing import List\n")
    assert JAVA.is_wildcard_import("import java.util.*;\n")
    assert JAVA.is_wildcard_import("import static java.lang.Math.*;\n")
    assert not JAVA.is_wildcard_import("import java.util.List;\n")
