"""JavaSpec: scope analysis on real, compilable Java (no false positives), on the MultiPL-E
prompts, on every truncation of real programs (half-written code), the paper's three cases, a
javac cross-check (with timings), and the line helpers (signatures, function ends, blocks,
regions, the import line)."""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap

import pytest

from jumpcoder_lsp.languages import get_language, language_for_path
from jumpcoder_lsp.languages.base import Region
from jumpcoder_lsp.languages.java import JavaSpec

from lang_checks import assert_agrees_with_compiler_and_is_much_faster, assert_cursor_hides_the_name_being_typed
from lang_checks import assert_function_end_on_growing_text, assert_function_signatures, assert_opens_block
from lang_checks import assert_reports_only_names_written_later, assert_tolerates_half_written_code, dataset, dedent
from lang_checks import flagged_programs, names_reported_by

JAVA = get_language("java")
undefined = names_reported_by(JAVA)


# ------------------------------------------------------------------------------------------
# Real, compilable programs (javac 17 compiles each; P3 needs org.javatuples)

PROGRAM_1 = r"""import java.util.*;
import java.util.stream.*;

class Problem {
    // Return the sum of squares of the odd numbers, ignoring negatives.
    public static long doubleTheDifference(ArrayList<Object> lst) {
        long sum = 0;
        for (Object o : lst) {
            if (o instanceof Integer i && i > 0 && i % 2 == 1) {
                sum += (long) i * i;
            }
        }
        return sum;
    }

    public static ArrayList<Long> sortThird(ArrayList<Long> l) {
        ArrayList<Long> thirds = new ArrayList<>();
        for (int i = 0; i < l.size(); i += 3) {
            thirds.add(l.get(i));
        }
        Collections.sort(thirds);
        ArrayList<Long> result = new ArrayList<>(l);
        for (int i = 0, j = 0; i < result.size(); i += 3, j++) {
            result.set(i, thirds.get(j));
        }
        return result;
    }

    public static String wordsString(String s) {
        List<String> words = Arrays.stream(s.split("[, ]+"))
                .filter(w -> !w.isEmpty())
                .map(String::toUpperCase)
                .collect(Collectors.toList());
        StringBuilder sb = new StringBuilder();
        words.forEach(w -> sb.append(w).append(' '));
        return sb.toString().trim();
    }

    public static boolean isPrime(long n) {
        if (n < 2) return false;
        for (long k = 2; k * k <= n; k++) {
            if (n % k == 0) return false;
        }
        return true;
    }

    public static long primeFib(long n) {
        long a = 0, b = 1;
        while (true) {
            long c = a + b;
            a = b;
            b = c;
            if (isPrime(b)) {
                n -= 1;
            }
            if (n == 0) {
                return b;
            }
        }
    }

    public static void main(String[] args) {
        assert doubleTheDifference(new ArrayList<>(Arrays.asList(1, 3, 2, 0))) == 10;
        assert primeFib(3) == 5;
        System.out.println(wordsString("Hi, my name"));
        System.out.println(sortThird(new ArrayList<>(Arrays.asList(5L, 6L, 3L, 4L))));
    }
}
"""

PROGRAM_2 = r"""import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

public class P2 {
    interface Shape { double area(); default String describe() { return "area=" + area(); } }

    record Circle(double r) implements Shape {
        Circle {
            if (r < 0) throw new IllegalArgumentException("negative radius " + r);
        }
        public double area() { return Math.PI * r * r; }
    }

    enum Op {
        ADD("+") { long apply(long a, long b) { return a + b; } },
        MUL("*") { long apply(long a, long b) { return a * b; } };

        private final String symbol;
        Op(String symbol) { this.symbol = symbol; }
        abstract long apply(long a, long b);
        String symbol() { return symbol; }
    }

    static abstract class Node {
        protected int depth;
        abstract int size();
        int depthPlus(int k) { return depth + k; }
    }

    static class Leaf extends Node {
        private final int value;
        Leaf(int value) { this.value = value; depth = 0; }
        int size() { return 1 + value * 0 + depthPlus(0); }
    }

    private final Map<String, Integer> counts = new HashMap<>();
    private static int instances;

    public P2() { instances++; }

    public int count(String word) {
        counts.merge(word, 1, Integer::sum);
        return counts.getOrDefault(word, 0);
    }

    static String classify(Object o) {
        int h = o == null ? 0 : 1;
        return switch (h) {
            case 0 -> "null";
            default -> {
                String s = String.valueOf(o);
                yield s.length() > 3 ? "long" : "short";
            }
        };
    }

    static int colorCode(Op op) {
        switch (op) {
            case ADD:
                return 1;
            case MUL:
                return 2;
            default:
                return 0;
        }
    }

    public static void main(String[] args) throws Exception {
        BiFunction<Long, Long, Long> f = (x, y) -> Op.ADD.apply(x, y);
        Shape s = new Circle(2.0);
        System.out.println(s.describe() + f.apply(2L, 3L) + colorCode(Op.MUL));
        Optional<String> first = Optional.of("x");
        first.ifPresent(v -> System.out.println(v + instances));
        Runnable r = new Runnable() {
            @Override
            public void run() { System.out.println(toString() + hashCode()); }
        };
        r.run();
        outer:
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                if (i * j == 2) break outer;
                if (j > i) continue outer;
            }
        }
        try (java.io.StringReader reader = new java.io.StringReader("abc")) {
            System.out.println((char) reader.read());
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException(e);
        } finally {
            System.out.println(new Leaf(3).size() + classify("hello"));
        }
        int[][] grid = new int[3][4];
        int total = 0;
        for (int[] row : grid) for (int cell : row) total += cell;
        var list = java.util.List.of(1, 2, 3);
        long evens = list.stream().filter(n -> n % 2 == 0).count();
        System.out.println(total + evens + new P2().count("a"));
    }
}
"""

PROGRAM_3 = r"""import java.util.*;
import java.util.concurrent.atomic.AtomicInteger;
import org.javatuples.*;

class Graph<T extends Comparable<T>> implements Iterable<T> {
    private final Map<T, List<T>> adj = new TreeMap<>();

    void addEdge(T a, T b) {
        adj.computeIfAbsent(a, k -> new ArrayList<>()).add(b);
        adj.computeIfAbsent(b, k -> new ArrayList<>()).add(a);
    }

    List<T> bfs(T start) {
        List<T> order = new ArrayList<>();
        Set<T> seen = new HashSet<>();
        Deque<T> queue = new ArrayDeque<>();
        queue.add(start);
        seen.add(start);
        while (!queue.isEmpty()) {
            T cur = queue.poll();
            order.add(cur);
            for (T next : adj.getOrDefault(cur, Collections.emptyList())) {
                if (seen.add(next)) queue.add(next);
            }
        }
        return order;
    }

    @Override
    public Iterator<T> iterator() { return adj.keySet().iterator(); }

    static <K, V extends Comparable<V>> K argMax(Map<K, V> m) {
        K best = null;
        V bestValue = null;
        for (Map.Entry<K, V> e : m.entrySet()) {
            if (bestValue == null || e.getValue().compareTo(bestValue) > 0) {
                best = e.getKey();
                bestValue = e.getValue();
            }
        }
        return best;
    }
}

class Problem3 {
    public static Pair<Long, Long> sumProduct(ArrayList<Long> numbers) {
        long sum = 0, product = 1;
        for (long n : numbers) {
            sum += n;
            product *= n;
        }
        return Pair.with(sum, product);
    }

    public static Optional<Long> nextSmallest(ArrayList<Long> lst) {
        TreeSet<Long> set = new TreeSet<>(lst);
        if (set.size() < 2) return Optional.empty();
        set.pollFirst();
        return Optional.of(set.first());
    }

    public static void main(String[] args) {
        Graph<Integer> g = new Graph<>();
        g.addEdge(1, 2);
        g.addEdge(2, 3);
        AtomicInteger visited = new AtomicInteger();
        for (int v : g) visited.incrementAndGet();
        System.out.println(g.bfs(1) + " " + visited.get() + Graph.argMax(Map.of("a", 1, "b", 2)));
        System.out.println(sumProduct(new ArrayList<>(List.of(1L, 2L, 3L))));
        System.out.println(nextSmallest(new ArrayList<>(List.of(5L, 1L, 4L))));
        Comparator<String> byLen = Comparator.comparingInt(String::length);
        String[] arr = {"ccc", "a", "bb"};
        Arrays.sort(arr, byLen.thenComparing(Comparator.reverseOrder()));
        System.out.println(String.join(",", arr) + Math.max(1, 2) + Integer.MAX_VALUE);
        char[] cs = "hello".toCharArray();
        int vowels = 0;
        for (char c : cs) if ("aeiou".indexOf(c) >= 0) vowels++;
        System.out.println(vowels + Character.toUpperCase(cs[0]));
    }
}
"""

PROGRAMS = [PROGRAM_1, PROGRAM_2, PROGRAM_3]


@pytest.mark.parametrize("name", ["java", "Java", ".java"])
def test_registry_names(name):
    assert isinstance(get_language(name), JavaSpec)


def test_registry_paths():
    assert language_for_path("/src/Main.java").name == "java"


@pytest.mark.parametrize("index", range(len(PROGRAMS)))
def test_no_false_positives_on_real_programs(index):
    assert undefined(PROGRAMS[index]) == []


def test_no_false_positives_on_the_multipl_e_programs():
    """Every MultiPL-E Java problem: the prompt, and the prompt plus its test harness (the
    complete program the benchmark compiles, with an empty body)."""
    problems = dataset("multi_java.json")
    assert len(problems) == 158
    assert flagged_programs(undefined, problems, "entry_point", "reference") == {}


@pytest.mark.parametrize("index", range(len(PROGRAMS)))
def test_half_written_real_programs_report_only_names_written_later(index):
    """Cut a correct program anywhere (unbalanced braces, a line cut mid-way, the cursor at
    the cut): any name reported must be one the rest of the program declares -- never a name
    already declared above the cut."""
    assert_reports_only_names_written_later(JAVA, PROGRAMS[index])


# ------------------------------------------------------------------------------------------
# The paper's cases, as a model writes them in a MultiPL-E prompt

PROMPT = dedent(
    """
    import java.util.*;
    import java.lang.reflect.*;
    import org.javatuples.*;
    import java.security.*;
    import java.math.*;
    import java.io.*;
    import java.util.stream.*;
    class Problem {
        // Return the sum of the squares of the numbers.
        public static long sumSquares(ArrayList<Long> lst) {
    """
)


def test_paper_case_variable_used_before_its_declaration():
    body = "        for (long x : lst) {\n            sum += x * x;\n        }\n        return sum;\n"
    assert undefined(PROMPT + body) == ["sum", "sum"]
    fixed = PROMPT + "        long sum = 0;\n" + body
    assert undefined(fixed) == []
    # declared below the use in the same block: still undefined at the use
    late = PROMPT + "        sum = 1;\n        long sum = 0;\n"
    assert undefined(late) == ["sum"]


def test_paper_case_missing_import_is_resolved_by_the_import():
    code = dedent(
        """
        class Problem {
            public static long median(ArrayList<Long> l) {
                Collections.sort(l);
                long[] a = new long[3];
                Arrays.sort(a);
                BigInteger b = BigInteger.ONE;
                return l.get(l.size() / 2) + Math.max(1, 2) + String.valueOf(b).length();
            }
        }
        """
    )
    assert undefined(code) == ["ArrayList", "Collections", "Arrays", "BigInteger", "BigInteger"]
    assert undefined("import java.util.*;\nimport java.math.BigInteger;\n" + code) == []
    assert undefined("import java.util.ArrayList;\nimport java.util.Collections;\n" + code) == [
        "Arrays", "BigInteger", "BigInteger"
    ]


def test_paper_case_missing_helper_is_resolved_by_the_helper_method():
    body = dedent(
        """
                long count = 0;
                for (long x : lst) {
                    if (isPrime(x)) count++;
                }
                return count;
        """
    )
    code = PROMPT + body
    assert undefined(code) == ["isPrime"]
    helper = "    static boolean isPrime(long n) {\n        return n > 1;\n    }\n"
    lines = code.splitlines(keepends=True)
    at = next(i for i, l in enumerate(lines) if "public static long sumSquares" in l) - 1
    assert undefined("".join(lines[:at] + [helper] + lines[at:])) == []
    # a helper written after the method (the class is still open) counts too
    assert undefined(code + "    }\n" + helper) == []


# ------------------------------------------------------------------------------------------
# Scope rules, one behaviour each


@pytest.mark.parametrize(
    "snippet",
    [
        "for (int i = 0, j = i; i < 3; i++) { use(i + j); }",
        "try (StringReader r = new StringReader(\"x\")) { use(r); }",
        "try { use(1); } catch (IllegalStateException | NullPointerException e) { use(e); }",
        "Function<Integer, Integer> f = a -> a + 1; BiFunction<Integer, Integer, Integer> g = (a, b) -> a * b;",
        "Object o = 1; if (o instanceof Integer n && n > 0) { use(n); }",
        "Object o = 1; if (!(o instanceof String s)) { return; } use(s.length());",
        "label: for (;;) { break label; }",
        "int[] xs = {1, 2}; for (int x : xs) use(x);",
        "Runnable r = () -> { int k = 1; use(k); };",
        "use(java.util.Arrays.asList(1), new java.util.ArrayList<Integer>());",
        "Map.Entry<String, Integer> e = null; use(e);",
        "var v = List.of(1); use(v);",
        "class Local { int f() { return field + helper(); } int field; int helper() { return 1; } } use(new Local());",
        "Comparator<Integer> c = new Comparator<>() { public int compare(Integer a, Integer b) { return inherited(a); } };",
        "use(Problem.class, this.hashCode(), toString(), getClass());",
        "int q = switch (1) { case 1 -> { int z = 2; yield z; } default -> 0; };",
    ],
)
def test_scope_rules_bind(snippet):
    code = (
        "import java.util.*;\nimport java.util.function.*;\nimport java.io.*;\n"
        "class Problem {\n    void use(Object... xs) {}\n    void run() {\n        " + snippet + "\n    }\n}\n"
    )
    assert undefined(code) == []


def test_fields_methods_nested_types_and_inherited_members():
    code = dedent(
        """
        import java.util.*;
        class Base { protected int depth; int size() { return 0; } }
        class Problem extends Base {
            enum Color { RED, GREEN }
            interface Visitor { int CONSTANT = 3; }
            static class Impl implements Visitor { int get() { return CONSTANT + depth2(); } int depth2() { return 0; } }
            int run(Color c) {
                switch (c) { case RED: return counter; default: return depth + size() + later(); }
            }
            int later() { return counter; }
            private int counter;
        }
        class Open extends Thread { void go() { start(); setName(name()); } String name() { return unknownButInherited; } }
        """
    )
    assert undefined(code) == []


def test_unknown_wildcard_import_keeps_calls_checked():
    code = "import com.acme.*;\nclass P {\n    void f() {\n        Widget w = new Widget();\n        helper(w);\n    }\n}\n"
    assert undefined(code) == ["helper"]
    assert undefined("import static com.acme.Util.*;\n" + code.split("\n", 1)[1]) == ["Widget", "Widget"]


def test_ignore_after_byte_skips_the_name_being_typed():
    assert_cursor_hides_the_name_being_typed(undefined, PROMPT + "        long total = 0;\n        long y = tot")


def test_half_written_code_does_not_crash_or_flood():
    assert_tolerates_half_written_code(
        undefined, PROMPT, "        long total = 0;\n        for (long x : lst) {\n            total += x * (x +\n",
        ("        }}}}\n", "        ) ] } {\n", "        \"unterminated\n", "        /* open comment\n", "@@@\n"),
    )


# ------------------------------------------------------------------------------------------
# Cross-check with javac, and the two timings


SNIPPETS = {
    "missing variable": ("class Problem {\n    static long f(long[] xs) {\n        for (long x : xs) sum += x;\n"
                         "        return sum;\n    }\n}\n", {"sum"}),
    "missing import": ("class Problem {\n    static int f(int[] a) {\n        Arrays.sort(a);\n        return a[0];\n"
                       "    }\n}\n", {"Arrays"}),
    "missing helper": ("class Problem {\n    static boolean f(long n) {\n        return isPrime(n + 1);\n    }\n}\n",
                       {"isPrime"}),
    "correct": ("import java.util.*;\nclass Problem {\n    static int f(int[] a) {\n        Arrays.sort(a);\n"
                "        int s = 0;\n        for (int x : a) s += x;\n        return s;\n    }\n}\n", set()),
}


def _javac_all(tmp, paths):
    """One javac run for all the snippets (so that the JVM starts once): its log."""
    out = subprocess.run(["javac", "-d", tmp, "-Xlint:none", *paths], capture_output=True, text=True)
    return out.stdout + out.stderr


def _javac_cannot_find(log, i):
    errors = [b for b in re.split(r"(?m)^(?=\S+\.java:\d+: )", log) if f"S{i}.java:" in b]
    return {m for b in errors for m in re.findall(r"symbol:\s+(?:variable|method|class)\s+(\w+)", b)}


@pytest.mark.skipif(shutil.which("javac") is None, reason="javac not installed")
def test_agrees_with_javac_and_is_much_faster(capsys):
    """The same verdicts as javac's "cannot find symbol", in a fraction of its time."""
    assert_agrees_with_compiler_and_is_much_faster(capsys, "java", "javac (one run)", SNIPPETS, undefined,
                                                   "S{}.java", _javac_all, _javac_cannot_find)


# ------------------------------------------------------------------------------------------
# Line helpers


def test_is_function_signature():
    yes = [
        "    public static boolean isPrime(long n) {\n",
        "    private static <T extends Comparable<T>> List<T> sorted(List<T> xs)\n",
        "    @Override\n    public String toString() {\n",
        "    static long[][] grid(int n) throws IOException {\n",
        "    public Problem(int x) {\n",
        "    int[] f(int a, int b) {\n",
    ]
    no = [
        "        int x = foo(3);\n", "        return isPrime(n);\n", "        if (x > 0) {\n", "        foo(x);\n",
        "        System.out.println(x);\n", "        } else if (a(b)) {\n", "        new Thread(r).start();\n",
        "        for (int i = 0; i < n; i++) {\n", "        // static int f(int x) {\n",
    ]
    assert_function_signatures(JAVA, yes, no)


def test_function_end_on_growing_text():
    fn = dedent(
        """
            static boolean isPrime(long n) {
                String s = "}{";
                char c = '}';
                // } in a comment
                if (n < 2) { return false; }
                return true;
            }
            static int next() {
        """
    )
    fn = textwrap.indent(fn, "    ")
    assert_function_end_on_growing_text(JAVA, fn, fn.index("    }\n") + len("    }\n"))
    assert JAVA.function_end("    abstract int size();\n    int x;\n") == len("    abstract int size();\n")
    assert JAVA.function_end("        int x = 1;\n        }\n") is None  # not a function


def test_block_helpers():
    assert JAVA.block_ended("    ", "    }\n")
    assert JAVA.block_ended("    ", "}\n")
    assert not JAVA.block_ended("    ", "        }\n")
    assert not JAVA.block_ended("    ", "    int x;\n")
    assert_opens_block(
        JAVA,
        ["        if (x) {\n", "        } else {\n", "        for (;;)\n", "        try {\n", "        do {\n",
         "        while (true)\n", "        switch (x) {\n", "        Runnable r = new Runnable() {\n"],
        ["        int x = 0;\n", "        foo(new int[] {1, 2});\n", "        }\n", "        format(x);\n"],
    )


def test_non_code_lines_and_comment_prefixes():
    code = 'class A {\n    // c\n    /* a\n       b */\n    int x = 1; // tail\n\n    String t = """\n      text\n      """;\n}\n'
    assert JAVA.non_code_lines(code) == {1, 2, 3, 5, 7, 8, 10}
    assert JAVA.comment_prefixes == ("//",) and "//" in JAVA.bad_words


def test_enclosing_function_and_import_line_on_the_prompt():
    lines = PROMPT.split("\n")
    sig = next(i for i, l in enumerate(lines) if "sumSquares" in l)
    assert JAVA.enclosing_function(PROMPT, len(lines) - 1) == Region(sig, len(lines) - 1, "    ")
    assert JAVA.enclosing_function(PROMPT, 3) is None
    grown = PROMPT + "        long s = 0;\n        for (long x : lst) {\n"
    n = len(grown.split("\n"))
    assert JAVA.enclosing_function(grown, n - 1) == Region(sig, n - 1, "    ")
    closed = PROMPT + "        return 0;\n    }\n    static int g() {\n        return 1;\n    }\n}\n"
    assert JAVA.enclosing_function(closed, sig + 1) == Region(sig, sig + 2, "    ")
    assert JAVA.import_line(PROMPT) == 7
    assert JAVA.import_line("package a.b;\n\nclass A {}\n") == 1
    assert JAVA.import_line("// header\nclass A {}\n") == 0
    assert JAVA.is_import("import java.util.*;\n") and JAVA.is_import("import static java.lang.Math.max;\n")
    assert not JAVA.is_import("important();\n")
