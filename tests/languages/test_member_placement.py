"""The specs' member placement rules (issue 15): ``helper_position`` for a helper written between
a class's members, ``align_close`` (its closing brace under its header) and ``local_position``
(a variable declared above the method that alone uses it belongs in that method)."""

import pytest

from jumpcoder_lsp.languages import get_language

JAVA = get_language("java")
CPP = get_language("cpp")
CS = get_language("csharp")

COUNT_JAVA = ("public class Counter {\n    public static int countEven(int[] xs) {\n        int seen = 0;\n"
              "        for (int x : xs) {\n            if (x % 2 == 0) {\n                count++;\n"
              "            }\n        }\n")


def test_helper_between_members_goes_where_it_is_at_the_member_indentation():
    assert CS.helper_position("class A {\n  static int F() {\n    return G();\n", 1, ["int G() {\n"]) == (1, "  ")
    # below a member, above the next: the indentation of the member below
    text = "class A {\n    int x = 1;\n\n    int F() {\n        return G();\n"
    assert JAVA.helper_position(text, 2, ["int G() {\n"]) == (2, "    ")
    # inside a method: above the method, as before
    assert JAVA.helper_position(text, 4, ["int G() {\n"]) == (3, "    ")
    # outside any class: stays
    assert JAVA.helper_position("class A {\n}\n", 0, ["int G() {\n"]) is None


def test_align_close_puts_the_closing_brace_under_the_header():
    assert CS.align_close(["    int G() {\n", "        return 1;\n", "        }\n"]) == \
        ["    int G() {\n", "        return 1;\n", "    }\n"]
    # a helper that does not end with a lone brace is left alone
    assert CS.align_close(["    int G() => 1;\n"]) == ["    int G() => 1;\n"]


@pytest.mark.parametrize("field, local", [
    ("    private static int count = 0;\n", "        int count = 0;\n"),
    ("    static int count = 0; // counter\n", "        int count = 0;\n"),
])
def test_java_field_only_the_method_below_uses_becomes_a_local_before_the_statement_of_its_use(field, local):
    # before the `for` that holds the use, at its indentation: not before `count++` (a reset per item)
    assert JAVA.local_position(COUNT_JAVA, 1, [field]) == (3, [local])


@pytest.mark.parametrize("field", [
    "    private static final int count = 0;\n",  # a constant
    "    @Deprecated static int count = 0;\n",  # annotated
    "    static int count;\n",  # no initialisation
    "    static int count = 0, other = 1;\n",  # two variables
    "    static int unused = 0;\n",  # the method does not use it
])
def test_java_fields_that_stay_members(field):
    assert JAVA.local_position(COUNT_JAVA, 1, [field]) is None


def test_field_another_member_uses_stays():
    text = ("class Counter {\n    static void Reset() {\n        count = 0;\n    }\n\n"
            "    static int Next() {\n        count++;\n")
    assert CS.local_position(text, 5, ["    static int count = 0;\n"]) is None
    assert CS.local_position(text, 5, ["    static readonly int count = 0;\n"]) is None


def test_csharp_field_becomes_a_local_with_the_files_line_break():
    text = "class C {\r\n    static int F(int[] xs) {\r\n        foreach (var x in xs) total += x;\r\n"
    assert CS.local_position(text, 1, ["    private int total = 0;\r\n"]) == (2, ["        int total = 0;\r\n"])


def test_cpp_global_only_the_function_below_uses_becomes_its_local():
    text = "#include <vector>\n\nint sum_even(const std::vector<int>& xs) {\n    for (int x : xs) {\n" \
           "        if (x % 2 == 0) sum += x;\n    }\n"
    assert CPP.local_position(text, 2, ["static int sum = 0;\n"]) == (3, ["    int sum = 0;\n"])
    assert CPP.local_position(text, 2, ["const int sum = 0;\n"]) is None


def test_java_and_csharp_helper_at_file_level_goes_above_the_method_that_calls_it():
    text = ("public class A {\n    static int f() {\n        return 1;\n    }\n\n"
            "    static int g() {\n        return helper(2);\n")
    assert JAVA.helper_position(text, 0, ["static int helper(int x) {\n"]) == (5, "    ")
    assert CS.helper_position(text, 0, ["static int helper(int x) {\n"]) == (5, "    ")
    # nothing calls it: stays; C++ has free functions: stays
    assert JAVA.helper_position(text, 0, ["static int other(int x) {\n"]) is None
    assert CPP.helper_position(text, 0, ["int helper(int x) {\n"]) is None
