"""CSharpSpec: scope analysis on real, compilable C# (no false positives), on the MultiPL-E
prompts, on every truncation of real programs (half-written code), the paper's three cases, an
mcs cross-check (with timings), and the line helpers."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from jumpcoder_lsp.languages import get_language, language_for_path
from jumpcoder_lsp.languages.base import Region
from jumpcoder_lsp.languages.csharp import CSharpSpec

from lang_checks import assert_agrees_with_compiler_and_is_much_faster, assert_cursor_hides_the_name_being_typed
from lang_checks import assert_function_end_on_growing_text, assert_function_signatures, assert_opens_block
from lang_checks import assert_reports_only_names_written_later, assert_tolerates_half_written_code, dataset, dedent
from lang_checks import flagged_programs, names_reported_by, replaced

CS = get_language("csharp")
undefined = names_reported_by(CS)


# ------------------------------------------------------------------------------------------
# Real programs: PROGRAM_1..3 compile with Mono's mcs (C# 7); PROGRAM_2_MODERN is PROGRAM_2 with
# C# 9 features mcs lacks (records, init, switch expressions, type patterns, local functions)

# The usings every MultiPL-E C# prompt starts with
MULTIPL_E_USINGS = """using System;
using System.Numerics;
using System.Diagnostics;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Security.Cryptography;
"""

PROGRAM_1 = MULTIPL_E_USINGS + r"""class Problem {
    public static long DoubleTheDifference(List<float> lst) {
        long sum = 0;
        foreach (float v in lst) {
            if (v > 0 && v % 2 == 1 && Math.Floor(v) == v) {
                sum += (long)(v * v);
            }
        }
        return sum;
    }
    public static bool IsPrime(long n) {
        if (n < 2) return false;
        for (long k = 2; k * k <= n; k++) if (n % k == 0) return false;
        return true;
    }
    public static long PrimeFib(long n) {
        long a = 0, b = 1;
        while (true) {
            long c = a + b;
            a = b;
            b = c;
            if (IsPrime(b)) n -= 1;
            if (n == 0) return b;
        }
    }
    public static string WordsString(string s) {
        var words = s.Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries)
                     .Where(w => w.Length > 0)
                     .Select((w, i) => i % 2 == 0 ? w.ToUpper() : w)
                     .ToList();
        var sb = new StringBuilder();
        foreach (var w in words) sb.Append(w).Append(' ');
        return sb.ToString().Trim();
    }
    public static Tuple<long, long> SumProduct(List<long> numbers) {
        long s = numbers.Sum();
        long p = numbers.Aggregate(1L, (acc, x) => acc * x);
        return Tuple.Create(s, p);
    }
    public static string StringToMd5(string text) {
        if (string.IsNullOrEmpty(text)) return null;
        using (MD5 md5 = MD5.Create()) {
            byte[] hash = md5.ComputeHash(Encoding.ASCII.GetBytes(text));
            return BitConverter.ToString(hash).Replace("-", "").ToLower();
        }
    }
    public static void Main(string[] args) {
        Debug.Assert(DoubleTheDifference(new List<float>(new float[] { 1.0f, 3.0f, 2.0f, 0.0f })) == 10);
        Debug.Assert(PrimeFib(3) == 5);
        BigInteger big = BigInteger.Pow(2, 100);
        Console.WriteLine(WordsString("Hi, my name") + SumProduct(new List<long> { 1, 2, 3 }) + big + StringToMd5("x"));
    }
}
"""

PROGRAM_2 = r"""using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace Demo
{
    public interface IShape { double Area(); }

    public class Circle : IShape
    {
        public double R { get; }
        public Circle(double r) { R = r; }
        public double Area() => Math.PI * R * R;
        public override string ToString() => "Circle(" + R + ")";
    }

    public struct Vec
    {
        public int X { get; set; }
        public int Y { get; set; }
        public Vec(int x, int y) { X = x; Y = y; }
        public static Vec operator +(Vec a, Vec b) => new Vec(a.X + b.X, a.Y + b.Y);
        public override string ToString() => $"({X}, {Y})";
    }

    public enum Level { Low, High }

    public abstract class Animal
    {
        protected string name;
        private int legs;
        protected Animal(string name, int legs) { this.name = name; this.legs = legs; }
        public abstract string Speak();
        public int Legs => legs;
        public event EventHandler Spoke;
        protected void OnSpoke() => Spoke?.Invoke(this, EventArgs.Empty);
    }

    public class Dog : Animal
    {
        private static int count;
        public Dog(string name) : base(name, 4) { count++; }
        public override string Speak() { OnSpoke(); return name + " says woof #" + count + Legs; }
    }

    public class Stack2<T> where T : IComparable<T>
    {
        private readonly List<T> items = new List<T>();
        private int version;
        public int Count => items.Count;
        public T this[int i] { get { return items[i]; } set { items[i] = value; version++; } }
        public void Push(T item) { items.Add(item); version++; }
        public bool TryPop(out T item)
        {
            if (items.Count == 0) { item = default(T); return false; }
            item = items[items.Count - 1];
            items.RemoveAt(items.Count - 1);
            return true;
        }
        public T Max() => items.Aggregate((a, b) => a.CompareTo(b) >= 0 ? a : b);
    }

    public static class Program
    {
        static int Fib(int n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);

        static string Describe(object o)
        {
            if (o is int i && i > 10) return "big int " + i;
            var str = o as string;
            if (str != null && str.Length > 3) return "long string " + str;
            switch (o?.GetType().Name)
            {
                case "Vec":
                    return "vec " + ((Vec)o).X;
                default:
                    return o?.ToString() ?? "null";
            }
        }

        public static void Main(string[] args)
        {
            var dog = new Dog("Rex");
            var stack = new Stack2<int>();
            for (int i = 0, j = 10; i < 5; i++, j--) stack.Push(i * j);
            int top;
            if (stack.TryPop(out top) && int.TryParse("42", out var parsed))
                Console.WriteLine(top + parsed);
            var shapes = new List<IShape> { new Circle(1.0), new Circle(2.0) };
            var query = from s in shapes
                        let a = s.Area()
                        where a > 1
                        orderby a descending
                        select new { Shape = s, Area = a };
            foreach (var item in query) Console.WriteLine(item.Shape + " " + item.Area);
            var dict = new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 };
            foreach (var kv in dict) { var (key, value) = (kv.Key, kv.Value); Console.WriteLine(key + value); }
            Func<int, int> Local = z => z * Fib(5);
            Func<int, int> sq = x => x * x;
            Action<string> log = delegate (string msg) { Console.WriteLine(msg); };
            var level = Level.High;
            var label = level == Level.Low ? "low" : "high";
            try { throw new InvalidOperationException("x"); }
            catch (InvalidOperationException e) when (e.Message == "x") { log(e.Message); }
            finally { log(Describe(new Vec(1, 2) + new Vec(3, 4))); }
            var digits = Regex.Matches("a1b22c333", @"\d+").Cast<Match>().Select(m => m.Value.Length).ToArray();
            string verbatim = @"C:\path\{not code}";
            Console.WriteLine($"{dog.Speak()} {stack.Max()} {Local(2)} {sq(3)} {label} {digits.Sum()} {verbatim.Length} {nameof(args)}");
        }
    }
}
"""

PROGRAM_2_MODERN = replaced(
    PROGRAM_2,
    ("""    public class Circle : IShape
    {
        public double R { get; }
        public Circle(double r) { R = r; }
        public double Area() => Math.PI * R * R;
        public override string ToString() => "Circle(" + R + ")";
""", """    public record Circle(double R) : IShape
    {
        public double Area() => Math.PI * R * R;
"""),
    ("""        public int X { get; set; }
        public int Y { get; set; }
""", """        public int X { get; init; }
        public int Y { get; init; }
"""),
    ("""            var str = o as string;
            if (str != null && str.Length > 3) return "long string " + str;
            switch (o?.GetType().Name)
            {
                case "Vec":
                    return "vec " + ((Vec)o).X;
""", """            switch (o)
            {
                case string s when s.Length > 3:
                    return "long string " + s;
                case Vec v:
                    return "vec " + v.X;
"""),
    ("""            foreach (var kv in dict) { var (key, value) = (kv.Key, kv.Value); Console.WriteLine(key + value); }
            Func<int, int> Local = z => z * Fib(5);
""", """            foreach (var (key, value) in dict.Select(kv => (kv.Key, kv.Value))) Console.WriteLine(key + value);
            int Local(int z) => z * Fib(5);
"""),
    ("""            var label = level == Level.Low ? "low" : "high";
""", """            var label = level switch { Level.Low => "low", Level.High => "high", _ => "?" };
"""),
)

PROGRAM_3 = r"""using System;
using System.Collections.Generic;
using System.Linq;

class Problem {
    // Return a sorted list of the unique elements of the list.
    public static List<long> Unique(List<long> l) {
        var seen = new HashSet<long>(l);
        var result = seen.ToList();
        result.Sort();
        return result;
    }
    public static long MaxElement(List<long> l) {
        long best = long.MinValue;
        foreach (long x in l) best = Math.Max(best, x);
        return best;
    }
    public static Dictionary<string, long> Histogram(string test) {
        var counts = new Dictionary<string, long>();
        foreach (string w in test.Split(' ')) {
            if (w.Length == 0) continue;
            counts.TryGetValue(w, out long c);
            counts[w] = c + 1;
        }
        if (counts.Count == 0) return counts;
        long top = counts.Values.Max();
        return counts.Where(kv => kv.Value == top).ToDictionary(kv => kv.Key, kv => kv.Value);
    }
    public static List<long> ByLength(List<long> arr) {
        string[] names = { "", "One", "Two", "Three" };
        var q = arr.Where(x => x >= 1 && x <= 3).OrderByDescending(x => x);
        var res = new List<long>();
        foreach (var x in q) res.Add(names[x].Length);
        var queue = new Queue<long>(res);
        var stack = new Stack<long>();
        while (queue.Count > 0) stack.Push(queue.Dequeue());
        return stack.Reverse().ToList();
    }
    public static void Main(string[] args) {
        Console.WriteLine(string.Join(",", Unique(new List<long>(new long[] { 5, 3, 5, 2 }))));
        Console.WriteLine(MaxElement(new List<long> { 1, 9, 3 }));
        Console.WriteLine(Histogram("a b b a c").Count + ByLength(new List<long> { 2, 1, 1, 4 }).Count);
    }
}
"""

PROGRAMS = [PROGRAM_1, PROGRAM_2, PROGRAM_2_MODERN, PROGRAM_3]


@pytest.mark.parametrize("name", ["csharp", "c#", "C#", "cs", ".cs"])
def test_registry_names(name):
    assert isinstance(get_language(name), CSharpSpec)


def test_registry_paths():
    assert language_for_path("/src/Program.cs").name == "csharp"


@pytest.mark.parametrize("index", range(len(PROGRAMS)))
def test_no_false_positives_on_real_programs(index):
    assert undefined(PROGRAMS[index]) == []


def test_no_false_positives_on_the_multipl_e_programs():
    problems = dataset("humaneval-cs-reworded.jsonl", shared="multipl-e")
    assert len(problems) == 158
    assert flagged_programs(undefined, problems, "name", "tests") == {}


@pytest.mark.parametrize("index", range(len(PROGRAMS)))
def test_half_written_real_programs_report_only_names_written_later(index):
    assert_reports_only_names_written_later(CS, PROGRAMS[index])


# ------------------------------------------------------------------------------------------
# The paper's cases in a MultiPL-E prompt (the class and the method are still open)

PROMPT = MULTIPL_E_USINGS + dedent(
    """
    class Problem {
        // Return the sum of the squares of the numbers.
        public static long SumSquares(List<long> lst) {
    """
)


def test_paper_case_variable_used_before_its_declaration():
    body = "        foreach (long x in lst) {\n            sum += x * x;\n        }\n        return sum;\n"
    assert undefined(PROMPT + body) == ["sum", "sum"]
    assert undefined(PROMPT + "        long sum = 0;\n" + body) == []


def test_paper_case_missing_using_is_resolved_by_the_using():
    body = "        var r = new Regex(\"[0-9]+\");\n        return r.Matches(\"a1\").Count;\n"
    assert undefined(PROMPT + body) == ["Regex"]
    assert undefined("using System.Text.RegularExpressions;\n" + PROMPT + body) == []
    no_usings = "class Problem {\n    static int F(List<int> a) {\n        Console.WriteLine(a.Max());\n        return 0;\n    }\n}\n"
    assert undefined(no_usings) == ["List", "Console"]
    assert undefined("using System;\nusing System.Collections.Generic;\nusing System.Linq;\n" + no_usings) == []


def test_paper_case_missing_helper_is_resolved_by_the_helper():
    body = "        long count = 0;\n        foreach (long x in lst)\n            if (IsPrime(x)) count++;\n        return count;\n"
    code = PROMPT + body
    assert undefined(code) == ["IsPrime"]
    helper = "    static bool IsPrime(long n) {\n        return n > 1;\n    }\n"
    lines = code.splitlines(keepends=True)
    assert undefined("".join(lines[:9] + [helper] + lines[9:])) == []
    assert undefined(code + "    }\n" + helper) == []


# ------------------------------------------------------------------------------------------
# Scope rules


@pytest.mark.parametrize(
    "snippet",
    [
        "for (int i = 0, j = i; i < 3; i++) Use(i + j);",
        "foreach (var (k, v) in new[] { (1, 2) }) Use(k + v);",
        "if (int.TryParse(\"1\", out var n)) Use(n); Use(n);",
        "object o = 1; if (o is int i && i > 0) Use(i);",
        "object o = 1; if (o is Pt { X: var px } pt) Use(px + pt.Y);",
        "Func<int, int> f = x => x + 1; Func<int, int, int> g = (a, b) => a * b; Use(f(1) + g(1, 2));",
        "Action<int> h = delegate (int z) { Use(z); };",
        "var q = from a in new[] { 1 } join b in new[] { 2 } on a equals b into grp let c = a * 2 where c > 0 select c; Use(q);",
        "var anon = new { Name = \"x\", Count = 1 }; Use(anon.Name);",
        "var p = new Pt { X = 1, Y = 2 }; Use(p);",
        "try { Use(1); } catch (Exception e) when (e.Message != null) { Use(e); }",
        "Use(Local(1)); int Local(int z) => z + Field;",
        "using (var s = new System.IO.MemoryStream()) { Use(s); }",
        "var d = new Dictionary<string, int> { [\"a\"] = 1 }; Use(d);",
        "var w = 3 switch { int m when m > 0 => m, _ => 0 }; Use(w);",
        "Use(nameof(Field), Prop, Level.High, ToString(), GetHashCode());",
        "Use(System.Math.Abs(-1), global::System.Math.Max(1, 2));",
        "again: if (false) goto again;",
    ],
)
def test_scope_rules_bind(snippet):
    code = (
        "using System;\nusing System.Linq;\nusing System.Collections.Generic;\n"
        "enum Level { Low, High }\nclass Pt { public int X { get; set; } public int Y { get; set; } }\n"
        "class Problem {\n    static int Field;\n    int Prop { get => Field; set { Field = value; } }\n"
        "    static void Use(params object[] xs) {}\n    void Run() {\n        " + snippet + "\n    }\n}\n"
    )
    assert undefined(code) == []


def test_inheritance_partial_and_unknown_namespaces():
    code = dedent(
        """
        using System;
        class Base { protected int depth; protected int Size() => 0; }
        class Derived : Base, IComparable<Derived> {
            public int CompareTo(Derived o) => depth + Size() + later;
            int later;
        }
        class Window : Form { void F() { Text = Title(); } }
        partial class Half { void G() { Use(otherHalf); } }
        """
    )
    assert undefined(code) == []
    unknown = "using Acme.Widgets;\nclass P {\n    void F() {\n        var w = new Widget();\n        Helper(w);\n    }\n}\n"
    assert undefined(unknown) == ["Helper"]
    static = "using static System.Math;\nclass P {\n    double F() {\n        return Sqrt(Abs(-4.0)) + PI;\n    }\n}\n"
    assert undefined(static) == []


def test_half_written_code_and_the_cursor():
    assert_tolerates_half_written_code(
        undefined, PROMPT, "        long total = 0;\n        foreach (long x in lst) {\n            total += x * (x +\n",
        ("        }}}}\n", "        ) ] } {\n", '        "unterminated\n', "        /* open comment\n", "#\n"),
    )
    assert_cursor_hides_the_name_being_typed(undefined, PROMPT + "        long y = tot")


# ------------------------------------------------------------------------------------------
# Cross-check with Mono's mcs

SNIPPETS = {
    "missing variable": ("using System.Collections.Generic;\nclass Problem {\n    static long F(List<long> xs) {\n"
                         "        foreach (long x in xs) sum += x;\n        return sum;\n    }\n}\n", {"sum"}),
    "missing using": ("class Problem {\n    static void F() {\n        Console.WriteLine(1);\n    }\n}\n", {"Console"}),
    "missing helper": ("class Problem {\n    static bool F(long n) {\n        return IsPrime(n + 1);\n    }\n}\n", {"IsPrime"}),
    "correct": ("using System;\nusing System.Linq;\nusing System.Collections.Generic;\nclass Problem {\n"
                "    static int F(List<int> a) {\n        a.Sort();\n        int s = 0;\n        foreach (int x in a) s += x;\n"
                "        return s + a.Max() + Math.Max(1, 2);\n    }\n}\n", set()),
}


def _mcs_all(tmp, paths):
    """One mcs run for all the snippets: its log."""
    out = subprocess.run(["mcs", "-target:library", "-out:" + str(Path(tmp) / "x.dll"), *paths],
                         capture_output=True, text=True)
    return out.stdout + out.stderr


def _mcs_undefined(log, i):
    theirs = set(re.findall(rf"s{i}\.cs\(\d+,\d+\): error CS0103: The name `(\w+)' does not exist", log))
    theirs |= set(re.findall(rf"s{i}\.cs\(\d+,\d+\): error CS0246: The type or namespace name `(\w+)' could not be found", log))
    return theirs


@pytest.mark.skipif(shutil.which("mcs") is None, reason="mcs (mono-mcs) not installed")
def test_agrees_with_mcs_and_is_much_faster(capsys):
    assert_agrees_with_compiler_and_is_much_faster(capsys, "c#", "mcs (one run)", SNIPPETS, undefined,
                                                   "s{}.cs", _mcs_all, _mcs_undefined)


# ------------------------------------------------------------------------------------------
# Line helpers


def test_is_function_signature():
    yes = [
        "    public static bool IsPrime(long n) {\n", "    static List<long> F(List<long> a, int k)\n",
        "    [Obsolete]\n    public override string ToString() => \"x\";\n", "    public Problem(int x) : base(x) {\n",
        "    private static async Task<int> RunAsync(CancellationToken ct) {\n", "    T Max<T>(T a, T b) where T : IComparable<T> {\n",
    ]
    no = [
        "        var x = Foo(3);\n", "        return IsPrime(n);\n", "        if (x > 0) {\n", "        Foo(x);\n",
        "        Console.WriteLine(x);\n", "        } else if (A(b)) {\n", "        foreach (var x in xs) {\n",
        "        await Task.Delay(1);\n", "        using (var s = Open()) {\n", "        lock (gate) {\n",
    ]
    assert_function_signatures(CS, yes, no)


def test_function_end_on_growing_text():
    fn = '    static bool IsPrime(long n) {\n        string s = "}{";\n        string v = @"C:\\}""{";\n' \
         '        char c = \'}\';\n        // }\n        if (n < 2) { return false; }\n        return true;\n    }\n    int Next() {\n'
    assert_function_end_on_growing_text(CS, fn, fn.index("    }\n    int Next") + 6)
    assert CS.function_end("    public int Twice(int x) => x * 2;\n    int y;\n") == len("    public int Twice(int x) => x * 2;\n")


def test_block_helpers():
    assert CS.block_ended("    ", "    }\n") and not CS.block_ended("    ", "        }\n")
    assert_opens_block(
        CS,
        ["        if (x) {\n", "        } else {\n", "        foreach (var x in xs)\n", "        using (var s = f()) {\n",
         "        lock (o) {\n", "        try {\n", "        var d = new Dictionary<int, int> {\n"],
        ["        int x = 0;\n", "        var l = new List<int> { 1, 2 };\n", "        }\n"],
    )


def test_non_code_lines():
    code = 'class A {\n    // c\n    /* a\n       b */\n    int x = 1; // tail\n\n    string t = @"\n  text";\n}\n'
    assert CS.non_code_lines(code) == {1, 2, 3, 5, 7, 9}


def test_enclosing_function_and_import_line():
    lines = PROMPT.split("\n")
    assert CS.enclosing_function(PROMPT, len(lines) - 1) == Region(9, len(lines) - 1, "    ")
    assert CS.enclosing_function(PROMPT, 2) is None
    grown = PROMPT + "        long s = 0;\n        foreach (long x in lst) {\n"
    n = len(grown.split("\n"))
    assert CS.enclosing_function(grown, n - 1) == Region(9, n - 1, "    ")
    assert CS.import_line(PROMPT) == 7
    assert CS.import_line("// header\nnamespace N {\n}\n") == 0
    assert CS.is_import("using System.Linq;\n") and CS.is_import("using static System.Math;\n")
    assert CS.is_import("using Dict = System.Collections.Generic.Dictionary<int, int>;\n")
    assert not CS.is_import("using var s = Open();\n") and not CS.is_import("using (var s = Open()) {\n")


# -- LINQ extension methods without `using System.Linq;` (the file's project known) -----------------

from jumpcoder_lsp.languages.csharp import ProjectUsings  # noqa: E402

LOOSE = ProjectUsings(frozenset())
LINQ_BODY = """using System;
using System.Collections.Generic;
class A {
    static int[] F(int[] xs, List<int> ys, string s) {
        var q = new List<int>();
        var w = s.Split(' ').Select(int.Parse).ToList();
        bool c = ys.Contains(3) && xs.Contains(3);
        ys.Reverse();
        int n = q.Count() + q.Count + s.ToString().Sum(ch => ch);
        return xs.Where(x => x > 0).OrderBy(x => x).ToArray();
    }
}
"""


def linq(code, project=LOOSE):
    from jumpcoder_lsp.languages.csharp import LINQ_METHODS

    return [(u.line, u.name) for u in CS.undefined_names(code, project=project) if u.name in LINQ_METHODS]


def test_linq_calls_on_sequences_without_the_using_are_reported_where_the_project_is_known():
    assert linq(LINQ_BODY) == [(5, "Select"), (5, "ToList"), (6, "Contains"), (8, "Count"), (8, "Sum"),
                               (9, "Where"), (9, "OrderBy"), (9, "ToArray")]
    # List<T>'s own Contains / Reverse and the Count property need no LINQ; without a known project: nothing
    assert CS.undefined_names(LINQ_BODY) == []


@pytest.mark.parametrize("visible, usings", [
    (frozenset({"System.Linq"}), ""),  # a global using / ImplicitUsings of the project
    (frozenset(), "using System.Linq;\n"),
    (frozenset(), "using static System.Linq.Enumerable;\n"),
    (frozenset(), "using MoreLinq;\n"),  # a library may bring methods of these names
])
def test_linq_calls_are_not_reported_where_system_linq_may_be_visible(visible, usings):
    assert linq(usings + LINQ_BODY, ProjectUsings(visible)) == []


def test_linq_calls_are_not_reported_on_unknown_receivers_or_for_methods_the_code_declares():
    code = ("using System.Collections.Generic;\nclass A {\n    Foo f;\n    int G(Bar b) { return b.Where(1) + f.Select(2); }\n"
            "    static int Where(this int[] a, int k) => k;\n    int H(int[] a) { return a.Where(3); }\n}\n")
    assert linq(code) == []
    assert linq(code.replace("static int Where(this int[] a, int k) => k;", ""), ProjectUsings(frozenset())) == [
        (5, "Where")]  # the int[] one only
    assert linq(code.replace("static int Where(this int[] a, int k) => k;", ""),
                ProjectUsings(frozenset(), methods=frozenset({"Where"}))) == []
