"""PythonSpec: the AST judge's scope analysis on real and half-written code, and the line helpers
the engine and the server use (non-code lines, block/def detection, function ends, regions,
the import line)."""

from __future__ import annotations

import argparse
import inspect
import json.decoder
import textwrap
import threading

import pytest

from jumpcoder_lsp.languages import get_language
from jumpcoder_lsp.languages.base import Region, UndefinedName
from jumpcoder_lsp.languages.python import PythonSpec

PY = get_language("python")


def undefined(src: str, **kw) -> list[str]:
    return [u.name for u in PY.undefined_names(src, **kw)]


def dedent(s: str) -> str:
    return textwrap.dedent(s).lstrip("\n")


# ------------------------------------------------------------------------------------------
# The paper's three cases: undefined before the fix, resolved once the infill is inserted


def test_paper_case_reduce_is_resolved_by_the_import_infill():
    code = dedent(
        """
        def product(nums):
            return reduce(lambda a, b: a * b, nums, 1)
        """
    )
    assert undefined(code) == ["reduce"]
    assert undefined("from functools import reduce\n" + code) == []


def test_paper_case_curr_sum_is_resolved_by_the_initialisation_infill():
    before = dedent(
        """
        def max_sub_array_sum(a, size):
            max_so_far = 0
            for i in range(0, size):
                curr_sum += a[i]
                if curr_sum < 0:
                    curr_sum = 0
                elif max_so_far < curr_sum:
                    max_so_far = curr_sum
            return max_so_far
        """
    )
    # only the augmented assignment is undefined: the later `curr_sum = 0` binds the other uses
    assert undefined(before) == ["curr_sum"]
    lines = before.splitlines(keepends=True)
    fixed = "".join(lines[:2] + ["    curr_sum = 0\n"] + lines[2:])
    assert undefined(fixed) == []


def test_paper_case_is_prime_is_resolved_by_the_helper_infill():
    before = dedent(
        '''
        def prime_fib(n: int):
            """Return the n-th number that is a Fibonacci number and also prime."""
            fib = [0, 1]
            while True:
                fib.append(fib[-1] + fib[-2])
                if is_prime(fib[-1]):
                    n -= 1
                if n == 0:
                    return fib[-1]
        '''
    )
    assert undefined(before) == ["is_prime"]
    helper = dedent(
        """
        def is_prime(p):
            if p < 2:
                return False
            return all(p % k for k in range(2, int(p ** 0.5) + 1))
        """
    )
    assert undefined(helper + "\n\n" + before) == []
    # also as a nested helper inserted at the top of the body
    lines = before.splitlines(keepends=True)
    nested = textwrap.indent(helper, "    ")
    assert undefined("".join(lines[:2] + [nested] + lines[2:])) == []


# ------------------------------------------------------------------------------------------
# Scope rules, one behaviour each


def test_module_level_use_before_its_binding_is_undefined():
    assert undefined("print(limit)\nlimit = 3\nprint(limit)\n") == ["limit"]


def test_module_name_used_in_function_body_is_defined_even_if_bound_later():
    code = dedent(
        """
        def main():
            return helper(CONSTANT)

        def helper(x):
            return x

        CONSTANT = 3
        """
    )
    assert undefined(code) == []


def test_names_bound_later_in_the_same_function_count_as_defined():
    code = dedent(
        """
        def f(items):
            for _ in range(2):
                if seen:
                    break
                seen = set(items)
            return seen
        """
    )
    assert undefined(code) == []


def test_parameters_bind_positional_star_args_kwargs_and_keyword_only():
    code = "def f(a, /, b, *args, c, d=1, **kwargs):\n    return a, b, args, c, d, kwargs, e\n"
    assert undefined(code) == ["e"]


def test_defaults_and_annotations_are_evaluated_in_the_enclosing_scope():
    code = "def f(a, b=a, c: a = 1) -> b:\n    return a, b, c\n"
    assert undefined(code) == ["a", "a", "b"]


def test_lambda_parameters_bind_and_defaults_use_enclosing_scope():
    code = "k = 2\nf = lambda x, *ys, z=k, **kw: (x, ys, z, kw, w)\ng = lambda q=q: q\n"
    assert undefined(code) == ["w", "q"]


def test_class_level_names_are_not_visible_inside_methods():
    code = dedent(
        """
        class Config:
            retries = 3
            backoff = retries * 2

            def total(self):
                return retries + self.backoff
        """
    )
    assert undefined(code) == ["retries"]
    assert PY.undefined_names(code)[0].line == 5


def test_class_level_names_are_not_visible_in_class_body_comprehensions_but_first_iterable_is():
    code = dedent(
        """
        class Table:
            keys = ["a", "b"]
            scale = 2
            upper = [k.upper() for k in keys]
            scaled = [k * scale for k in keys]
        """
    )
    assert undefined(code) == ["scale"]


def test_comprehension_targets_are_local_to_the_comprehension():
    code = dedent(
        """
        def f(rows):
            cells = [c for row in rows for c in row if c]
            pairs = {k: v for k, v in cells}
            total = sum(x for x in pairs.values())
            return cells, pairs, total, c
        """
    )
    assert undefined(code) == ["c"]


def test_global_statement_binds_at_module_level():
    code = dedent(
        """
        def init():
            global CACHE, counter
            CACHE = {}
            counter += 1

        def use():
            return CACHE

        print(CACHE)
        """
    )
    # counter += 1 under `global counter` needs a module binding of counter
    assert undefined(code) == ["counter"]
    assert undefined("counter = 0\n" + code) == []


def test_nonlocal_statement_uses_and_binds_the_enclosing_function_name():
    code = dedent(
        """
        def outer():
            count = 0
            def bump():
                nonlocal count
                count += 1
                return count
            def make():
                nonlocal result
                result = 1
            make()
            return bump, result
        """
    )
    assert undefined(code) == []


def test_imports_bind_first_component_or_alias():
    code = dedent(
        """
        import os.path
        import collections.abc as cabc
        from json import loads as parse, dumps
        from . import sibling
        from .pkg.mod import thing

        os.path.join(cabc.Mapping, parse, dumps, sibling, thing)
        print(collections, loads, path, mod)
        """
    )
    assert undefined(code) == ["collections", "loads", "path", "mod"]


def test_star_import_disables_reporting_for_the_module():
    assert undefined("from math import *\nprint(sqrt(2), anything)\n") == []


def test_for_with_and_except_targets_bind():
    code = dedent(
        """
        def f(paths):
            for i, (name, *rest) in enumerate(paths):
                with open(name) as fh, lock as (a, b):
                    try:
                        fh.read(i, rest, a, b)
                    except (OSError, ValueError) as exc:
                        print(exc)
                    except* KeyError as group:
                        print(group)
        """
    )
    assert undefined(code) == ["lock"]


def test_walrus_binds_in_the_enclosing_non_comprehension_scope():
    code = dedent(
        """
        def f(lines):
            if (n := len(lines)) > 2:
                print(n)
            found = any((hit := line).startswith("#") for line in lines)
            return found, hit, line
        """
    )
    assert undefined(code) == ["line"]


def test_match_case_captures_bind_and_value_patterns_are_uses():
    code = dedent(
        """
        def handle(command):
            match command:
                case ["go", direction] | ["move", direction]:
                    return direction
                case {"x": x, **others} if x > LIMIT:
                    return x, others
                case Point(x=0, y=yy) as where:
                    return yy, where
                case [first, *tail]:
                    return first, tail
                case Color.RED | None | 1 | "s":
                    return nothing
                case _:
                    return command
        """
    )
    assert undefined(code) == ["LIMIT", "Point", "Color", "nothing"]


def test_del_is_a_use_of_the_name():
    code = "def f():\n    x = 1\n    del x\n    del y, z[0], w.attr\n"
    assert undefined(code) == ["y", "z", "w"]


def test_type_annotations_are_uses_and_may_refer_forward_but_strings_are_not():
    code = dedent(
        """
        from typing import Optional

        class Node:
            def link(self, other: Node) -> Optional[Node]:
                self.next: Node = other
                return other

            def bad(self) -> Missing:
                local: "Whatever" = 1
                return local
        """
    )
    assert undefined(code) == ["Missing"]


def test_decorators_are_uses_in_the_enclosing_scope():
    code = dedent(
        """
        import functools

        @functools.lru_cache(maxsize=None)
        @register
        def fib(n):
            return n if n < 2 else fib(n - 1) + fib(n - 2)

        class A:
            @staticmethod
            def s():
                return A
        """
    )
    assert undefined(code) == ["register"]


def test_builtins_and_implicit_dunders_are_defined():
    code = dedent(
        """
        print(len(__file__), __name__, __doc__, __spec__, Ellipsis, NotImplemented)

        class A:
            where = __module__, __qualname__

            def m(self):
                return super().m(), __class__
        """
    )
    assert undefined(code) == []


def test_augmented_assignment_without_an_earlier_binding_in_the_function_is_undefined():
    assert undefined("def f(xs):\n    for x in xs:\n        total += x\n    return total\n") == ["total"]
    # a parameter, an earlier binding or a loop target before it: defined
    assert undefined("def f(total, xs):\n    for x in xs:\n        total += x\n") == []
    assert undefined("def f(xs):\n    for total in xs:\n        total += 1\n") == []
    # a module-level binding does not help: `+=` makes the name local (UnboundLocalError)
    assert undefined("total = 0\ndef f(x):\n    total += x\n") == ["total"]
    # at module level the order decides
    assert undefined("n = 0\nn += 1\nm += 1\n") == ["m"]


def test_attribute_names_keyword_arguments_and_string_contents_are_not_uses():
    code = dedent(
        """
        import os

        def f(path):
            x = os.path.basename(path).strip(chars="ab")
            s = "undefined_in_string {nope}" + 'also_not'
            return dict(key=value_name, other=x), s, f"{path!r:>{width}} {{literal}}"
        """
    )
    assert undefined(code) == ["value_name", "width"]


def test_names_in_try_body_with_except_name_error_are_not_reported():
    code = dedent(
        """
        try:
            unicode
        except NameError:
            unicode = str

        try:
            basestring
        except ImportError:
            pass
        """
    )
    assert undefined(code) == ["basestring"]


def test_pep695_type_parameters_bind_in_their_own_scope():
    code = dedent(
        """
        def first[T](items: list[T]) -> T:
            return items[0]

        class Box[T: int, *Ts, **P]:
            def get(self) -> T:
                return self.value

        type Pair[K] = tuple[K, K]
        print(T, K)
        """
    )
    assert undefined(code) == ["T", "K"]


def test_identifiers_are_nfkc_normalised_like_python():
    assert undefined("ｗｉｄｔｈ = 3\nprint(width)\n") == []


def test_each_use_is_reported_in_source_order_with_line_and_byte_offsets():
    code = 'def f():\n    s = "héllo"\n    return gamma + beta(gamma)\n'
    got = PY.undefined_names(code)
    assert [u.name for u in got] == ["gamma", "beta", "gamma"]
    data = code.encode("utf-8")
    for u in got:
        assert isinstance(u, UndefinedName) and u.line == 2
        assert data[u.start_byte : u.end_byte].decode() == u.name


def test_a_given_tree_is_used_and_incremental_trees_work():
    code = "def f():\n    return reduce(g, xs)\n"
    tree = PY.parse(code.encode())
    assert undefined(code, tree=tree) == ["reduce", "g", "xs"]
    new = "xs = []\n" + code
    tree.edit(start_byte=0, old_end_byte=0, new_end_byte=8, start_point=(0, 0),
              old_end_point=(0, 0), new_end_point=(1, 0))
    tree2 = PY.parse(new.encode(), tree)
    assert [u.name for u in PY.undefined_names(new, tree2)] == ["reduce", "g"]


# ------------------------------------------------------------------------------------------
# Broken and half-written code


def test_half_written_last_line_still_reports_the_missing_name():
    code = "def product(nums):\n    return reduce(lambda a, b"
    assert undefined(code) == ["reduce"]
    code = "def product(nums):\n    return reduce(lambda a, b: a * b, nu"
    assert undefined(code, ignore_after_byte=len(code.encode())) == ["reduce"]


def test_error_node_in_the_middle_keeps_the_rest_analysed():
    code = dedent(
        """
        import math

        def area(r):
            x = = 3
            return math.pi * r * r * scale

        def other():
            return area(1) + undefined_helper()
        """
    )
    assert PY.parse(code.encode()).root_node.has_error
    assert undefined(code) == ["scale", "undefined_helper"]


def test_error_nodes_keyword_arguments_attributes_and_assignment_targets():
    code = "def f(obj):\n    y = foo(alpha=1, beta=obj.attr, gamma="
    assert undefined(code) == ["foo"]
    code = "def f(s):\n    obj, end = self.raw_decode(s, idx=_w(s, 0).en"
    assert undefined(code) == ["self", "_w"]


def test_half_written_def_binds_its_name_and_parameters():
    code = "import os\n\ndef join_all(parts, sep=os.sep, *, key=None"
    assert undefined(code) == []
    code = "def f(a, b):\n    return helper(a, b)\n\ndef helper(x,"
    assert undefined(code) == []


def test_half_written_import_and_comprehension():
    assert undefined("from functools import red") == []
    assert undefined("def f(xs):\n    return [y * 2 for y in ") == []
    assert undefined("def f(xs):\n    ys = [(x, i) for") == []
    assert undefined("def f(xs):\n    key = tuple(type(v) for v in xs.valu") == []


def test_unterminated_strings_are_not_code():
    code = 'def f(x):\n    """Return the words\n    of x and more'
    assert undefined(code) == []
    code = 'def f(x):\n    s = "words in an open string\n    return s + other\n'
    assert undefined(code) == ["other"]


def test_unclosed_bracket_swallowing_the_rest_does_not_invent_names():
    code = "def f(xs):\n    y = xs[0\n    return helper(y)\n\ndef g():\n    return 1\n"
    assert undefined(code) == ["helper"]


def test_ignore_after_byte_skips_the_identifier_being_typed():
    code = "import math\n\ndef f(r):\n    return math.pi * r * radi"
    end = len(code.encode())
    assert undefined(code) == ["radi"]
    assert undefined(code, ignore_after_byte=end) == []
    # names before the cursor are still reported
    code2 = "def f(r):\n    return scale * r + offs"
    assert undefined(code2, ignore_after_byte=len(code2)) == ["scale"]
    # the cursor in the middle: names ending after it are skipped, earlier ones are not
    cut = code2.index("* r")
    assert undefined(code2, ignore_after_byte=cut) == ["scale"]
    assert undefined(code2, ignore_after_byte=cut - 2) == []


def test_ignore_after_byte_skips_a_bare_target_being_typed():
    code = "def f(xs):\n    total "
    assert undefined(code, ignore_after_byte=len(code)) == []
    code = "def f(xs):\n    key, value"
    assert undefined(code, ignore_after_byte=len(code)) == []
    assert undefined(code) == ["key", "value"]


def test_truncated_real_code_at_every_line_never_crashes():
    src = inspect.getsource(json.decoder)
    lines = src.splitlines(keepends=True)
    for k in range(0, len(lines), 7):
        text = "".join(lines[:k]) + lines[k][: len(lines[k]) // 2] if k < len(lines) else src
        PY.undefined_names(text, ignore_after_byte=len(text.encode()))


# ------------------------------------------------------------------------------------------
# No false positives on real modules


@pytest.mark.parametrize("module", [json.decoder, textwrap, argparse, threading])
def test_no_false_positives_on_real_stdlib_modules(module):
    src = inspect.getsource(module)
    assert PY.undefined_names(src) == []


# ------------------------------------------------------------------------------------------
# non_code_lines

NON_CODE_SRC = '''#!/usr/bin/env python
"""Module docstring.

Second paragraph.
"""
import os  # trailing comment: code
# a comment line

QUERY = """
SELECT *
  FROM t
"""


def f(a):
    """One line."""
    s = ("abc"
         "def")
    t = f"""{a}
#not a comment
    """.strip()
    return s, t
'''


def test_non_code_lines_cover_docstrings_comments_blank_and_string_continuations():
    assert PY.non_code_lines(NON_CODE_SRC) == {
        0,  # shebang comment
        1, 2, 3, 4,  # module docstring
        6, 7,  # comment, blank
        9, 10, 11,  # continuation lines of QUERY
        12, 13,  # blank
        15,  # one-line docstring
        19, 20,  # continuation lines of the f-string
        22,  # the last, empty line after the final newline
    }


def test_non_code_lines_after_an_unterminated_triple_quoted_string():
    src = 'def f(a):\n    """Doc that is\n    still being written\n    x = 1\n'
    assert PY.non_code_lines(src) >= {1, 2, 3}


def test_non_code_lines_accepts_a_tree():
    tree = PY.parse(NON_CODE_SRC.encode())
    assert PY.non_code_lines(NON_CODE_SRC, tree) == PY.non_code_lines(NON_CODE_SRC)


# ------------------------------------------------------------------------------------------
# single-line helpers


@pytest.mark.parametrize(
    "line, expected",
    [
        ("if x:", True), ("    elif y == 2:", True), ("else:", True), ("for a in b:", True),
        ("while True:", True), ("try:", True), ("except ValueError as e:", True),
        ("finally:", True), ("with open(p) as f:", True), ("async for a in b:", True),
        ("    async with lock:", True), ("match command:", True), ("    case [x, y]:", True),
        ("match = re.match(p, s)", False), ("case.lower()", False), ("x = 1", False),
        ("format(x)", False), ("iffy = 2", False), ("return x", False), ("def f():", False),
        ("", False),
    ],
)
def test_opens_block(line, expected):
    assert PY.opens_block(line) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("def f(x):\n", True), ("    async def g():", True), ("\n\n@cache\n@other(1,\n  2)\ndef h():", True),
        ("x = 1\ndef f(): pass", False), ("# def f():", False), ("define = 1", False), ("", False),
        ("class A:", False),
    ],
)
def test_is_function_signature(text, expected):
    assert PY.is_function_signature(text) is expected


@pytest.mark.parametrize(
    "line, expected",
    [
        ("print(x)\n", True), ("    return 1\n", True), ("        return 1\n", False),
        ("# comment\n", False), ("\n", False), ("    \n", False), (")\n", False),
        ("\tx = 1\n", False),
    ],
)
def test_block_ended_for_a_def_indented_by_four(line, expected):
    assert PY.block_ended("    ", line) is expected


@pytest.mark.parametrize(
    "line, expected",
    [
        ("import os", True), ("    import os.path as p", True), ("from . import x", True),
        ("from a.b import (c,", True), ("important = 1", False), ("from_x = 2", False),
        ("# import os", False),
    ],
)
def test_is_import(line, expected):
    assert PY.is_import(line) is expected


# ------------------------------------------------------------------------------------------
# function_end


def grow(text: str) -> list:
    return [PY.function_end(text[:k]) for k in range(len(text) + 1)]


def test_function_end_is_none_until_the_dedent_then_the_body_length():
    func = "def f(a):\n    if a:\n        return 1\n\n    return 2\n"
    text = func + "\n\nprint(f(1))\n"
    results = grow(text)
    first_known = next(k for k, r in enumerate(results) if r is not None)
    assert first_known == len(func) + 2 + 1  # as soon as the "p" of print is written
    assert all(r is None for r in results[:first_known])
    assert all(r == len(func) for r in results[first_known:])


def test_function_end_none_while_the_body_has_no_line():
    assert PY.function_end("def f(a):") is None
    assert PY.function_end("def f(a):\n") is None
    assert PY.function_end("def f(a):\n    ") is None
    assert PY.function_end("def f(a):\n    return a") is None


def test_function_end_decorated_multiline_signature_and_strings_at_column_zero():
    text = dedent(
        """
        @decorator(
            option=1)
        def f(a,
              b):
            s = '''
        not a dedent
        '''
            return (a +
        b)
        x = 1
        """
    )
    end = PY.function_end(text)
    assert text[:end].endswith("b)\n") and text[end:] == "x = 1\n"


def test_function_end_of_an_indented_method_and_a_one_liner():
    text = "    def m(self):\n        return 1\n    def n(self):\n"
    assert PY.function_end(text) == len("    def m(self):\n        return 1\n")
    assert PY.function_end("def f(): return 1\nx = 2\n") == len("def f(): return 1\n")
    assert PY.function_end("def f(): return 1\n") is None


def test_function_end_ignores_text_that_does_not_start_with_a_def():
    assert PY.function_end("x = 1\ndef f():\n    pass\ny\n") is None


def test_function_end_counts_characters_not_bytes():
    text = 'def f():\n    return "héllo"\nz\n'
    assert PY.function_end(text) == text.index("z")


# ------------------------------------------------------------------------------------------
# enclosing_function

REGION_SRC = dedent(
    """
    import os


    class Repo:
        root = "."

        @property
        def path(self):
            def join(*parts):
                return os.path.join(self.root, *parts)

            return join("x")

        async def fetch(self):
            return 1


    def main():
        pass
    """
)


@pytest.mark.parametrize(
    "line, expected",
    [
        (0, None),  # import
        (3, None),  # class header
        (4, None),  # class attribute
        (6, Region(6, 11, "    ")),  # decorator line
        (7, Region(6, 11, "    ")),  # def line
        (8, Region(8, 9, "        ")),  # nested def
        (9, Region(8, 9, "        ")),
        (10, Region(6, 11, "    ")),  # blank line inside the method
        (11, Region(6, 11, "    ")),
        (13, Region(13, 14, "    ")),  # async method
        (17, Region(17, 18, "")),
        (19, None),  # the last, empty line
    ],
)
def test_enclosing_function_nested_defs_methods_and_decorators(line, expected):
    assert PY.enclosing_function(REGION_SRC, line) == expected


def test_enclosing_function_counts_an_indented_empty_line_after_the_body():
    src = "def f(a):\n    x = a\n\n    \n"
    assert PY.enclosing_function(src, 3) == Region(0, 3, "")
    assert PY.enclosing_function("def f(a):\n    x = a\n\n", 3) is None  # column 0: module level
    nested = "def outer():\n    def inner():\n        return 1\n    \n        \n"
    assert PY.enclosing_function(nested, 3) == Region(0, 3, "")
    assert PY.enclosing_function(nested, 4) == Region(1, 4, "    ")
    # a def with no body yet
    assert PY.enclosing_function("x = 1\ndef f(a):\n    ", 2) == Region(1, 2, "")


def test_enclosing_function_treats_an_unindented_last_line_after_a_prompt_as_the_body():
    # the engine passes the text before the cursor without the cursor line's indentation
    prompt = 'from typing import List\n\n\ndef total(xs: List[int]) -> int:\n    """Sum xs."""\n'
    assert PY.enclosing_function(prompt, 5) == Region(3, 5, "")
    assert PY.enclosing_function("def f(a):\n", 1) == Region(0, 1, "")
    # a body with statements, or more code below: no guessing
    assert PY.enclosing_function("def f(a):\n    return a\n", 2) is None
    assert PY.enclosing_function(prompt + "\nx = 1\n", 5) is None


def test_enclosing_function_on_broken_code():
    src = "def f(a, b):\n    y = g(a,\n    z = [1, 2\n"
    assert PY.enclosing_function(src, 2) == Region(0, 2, "")


# ------------------------------------------------------------------------------------------
# import_line


@pytest.mark.parametrize(
    "src, expected",
    [
        ("", 0),
        ("def f():\n    pass\n", 0),
        ("import os\nimport sys\n\ndef f(): pass\n", 2),
        ('"""Doc."""\n\nx = 1\n', 1),
        ('"""Doc\n\nmore.\n"""\nfrom __future__ import annotations\n\nimport os\n# local\nfrom . import x\n\n# about f\ndef f(): pass\n', 9),
        ("from __future__ import annotations\ndef f(): pass\n", 1),
        ("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\ndef f(): pass\n", 2),
        ("# License header\nimport os\n", 2),
        ("import os\ntry:\n    import numpy as np\nexcept ImportError:\n    np = None\n\nX = 1\n", 5),
        ("from typing import List\n\n\ndef has_close_elements(numbers: List[float]) -> bool:\n    pass\n", 1),
        ("import os\n__all__ = ['f']\nimport sys\nCONST = 1\n", 3),
    ],
)
def test_import_line(src, expected):
    assert PY.import_line(src) == expected


# ------------------------------------------------------------------------------------------
# the spec itself


def test_spec_attributes_and_parse():
    spec = PythonSpec()
    assert spec.name == "python"
    assert spec.bad_words == ("#", "pass")
    assert spec.comment_prefixes == ("#",)
    tree = spec.parse(b"def f():\n    return 1\n")
    assert tree.root_node.type == "module" and not tree.root_node.has_error
    assert spec.parse("x = 'é'").root_node.end_byte == len("x = 'é'".encode())


def test_parse_is_safe_from_several_threads():
    spec = PythonSpec()
    src = inspect.getsource(textwrap).encode()
    errors = []

    def work():
        try:
            for _ in range(5):
                assert spec.parse(src).root_node.end_byte == len(src)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
