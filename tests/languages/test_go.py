"""GoSpec (the query engine on tree-sitter-go): the judge reports an unimported standard
package used as a qualifier -- and nothing else, since a Go file sees its package's other files
(see go.py) --; no report on correct programs or on every truncation of one; the line helpers.
the Go compiler's verdicts on a few snippets (when `go` is installed). The Go 1.19 standard
library figures come from benchmarks/lang_accuracy.py and benchmarks/go_agreement.py
(docs/languages.md)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from jumpcoder_lsp.languages import get_language, language_for_path
from jumpcoder_lsp.languages.base import Region
from jumpcoder_lsp.languages.go import GoSpec, import_names

from lang_checks import assert_agrees_with_compiler_and_is_much_faster
from lang_checks import assert_function_end_on_growing_text, assert_function_signatures
from lang_checks import assert_reports_only_names_written_later, dedent, names_reported_by

GO = get_language("go")
undefined = names_reported_by(GO)

PROGRAM = r"""// Package words counts words.
package words

import (
	"bufio"
	"fmt"
	str "strings"

	"gopkg.in/yaml.v3"
	"github.com/pkg/errors"
)

import "sort"

type Counter struct {
	counts map[string]int
	url    *Location
}

type Location struct{ Path string }

func (c *Counter) Add(text string) error {
	sc := bufio.NewScanner(str.NewReader(text))
	sc.Split(bufio.ScanWords)
	for sc.Scan() {
		c.counts[str.ToLower(sc.Text())]++
	}
	if err := sc.Err(); err != nil {
		return errors.Wrap(err, "scan")
	}
	url := c.url
	_ = url.Path
	return nil
}

func (c *Counter) Top(n int) []string {
	keys := make([]string, 0, len(c.counts))
	for k := range c.counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return c.counts[keys[i]] > c.counts[keys[j]] })
	out, _ := yaml.Marshal(keys)
	fmt.Println(string(out), debug.level)
	return keys[:n]
}
"""


@pytest.mark.parametrize("name", ["go", "golang", ".go"])
def test_registry_names(name):
    assert isinstance(get_language(name), GoSpec)
    assert language_for_path("/src/main.go").name == "go"


def test_no_false_positives_on_a_correct_program():
    assert undefined(PROGRAM) == []


def test_half_written_program_reports_only_names_written_later():
    assert_reports_only_names_written_later(GO, PROGRAM)


HEAD = "package main\n\nimport \"fmt\"\n\nfunc total(xs []string) int {\n"

MISSING = {
    "call": (HEAD + "\tn, _ := strconv.Atoi(xs[0])\n\treturn n\n}\n", ["strconv"]),
    "type": (HEAD + "\tvar b bytes.Buffer\n\treturn b.Len()\n}\n", ["bytes"]),
    "two packages": (HEAD + "\tsort.Strings(xs)\n\tfmt.Println(strings.Join(xs, \",\"))\n\treturn 0\n}\n",
                     ["sort", "strings"]),
    "local of another function": ("package p\n\nfunc a(sort int) int { return sort }\n\n"
                                  "func b(xs []int) { sort.Ints(xs) }\n", ["sort"]),
    "half-written last line": (HEAD + "\tsort.Strings(xs)\n\treturn len(strings.", ["sort"]),
}


@pytest.mark.parametrize("label", list(MISSING))
def test_reports_each_unimported_standard_package(label):
    code, expected = MISSING[label]
    assert undefined(code) == expected


def test_reports_nothing_it_cannot_know():
    # package-level names of other files, lower-case members (a variable's fields), locals
    assert undefined(HEAD + "\treturn helper(xs) + debug.level + limit\n}\n") == []
    assert undefined(HEAD + "\tstrings := xs\n\treturn len(strings)\n}\n") == []
    assert undefined('package p\n\nimport . "strings"\n\nvar x = ToUpper("a")\n') == []


def test_import_names():
    assert import_names("strings") == {"strings"}
    assert import_names("math/rand") == {"rand"}
    assert "yaml" in import_names("gopkg.in/yaml.v3")
    assert "errors" in import_names("github.com/pkg/errors")
    assert "mux" in import_names("github.com/gorilla/mux/v2")
    assert "redis" in import_names("github.com/go-redis/redis")
    assert import_names("fmt", "f") == {"f"}


def test_line_helpers():
    assert_function_signatures(
        GO,
        ["func total(xs []int) int {\n", "func (c *Counter) Add(text string) error {\n",
         "func Map[T any, U any](xs []T, f func(T) U) []U {\n"],
        ["\tx := f(3)\n", "\treturn total(xs)\n", "\tif x > 0 {\n", "\tgo func() {\n", "\tdefer f()\n"],
    )
    fn = dedent(
        """
        func isPrime(n int) bool {
        	s := "}{"
        	r := '}'
        	raw := `}`
        	// } in a comment
        	return n > 1 && s != "" && r != 0 && raw != ""
        }
        func next() {
        """
    )
    assert_function_end_on_growing_text(GO, fn, fn.index("}\n", fn.index("return")) + 2)
    assert GO.block_ended("", "}\n") and not GO.block_ended("", "\t}\n")
    assert GO.opens_block("\tif x > 0 {\n") and GO.opens_block("\tselect {\n") and not GO.opens_block("\tx++\n")
    code = HEAD + "\tn := 0\n\treturn n\n}\n"
    assert GO.enclosing_function(code, 6) == Region(4, 7, "")
    assert GO.enclosing_function(code, 0) is None


def test_import_line_and_bindings():
    assert GO.import_line('package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() {}\n') == 6
    assert GO.import_line("// doc\npackage main\n\nfunc main() {}\n") == 2
    assert GO.import_bindings('import "strings"') == {"strings"}
    assert GO.import_bindings('import str "strings"') == {"str"}
    assert GO.import_bindings('import _ "embed"') is None
    assert GO.import_bindings("import (") is None
    code = 'package p\n\nfunc f() { strings.Split("a", ",") }\n'
    assert "strings" in GO.names_used(code, code.index("func"))


# ------------------------------------------------------------------------------------------
# The Go compiler as a second opinion (benchmarks/go_agreement.py runs it on the standard library)

MAIN = "package main\n\n"
COMPILER_SNIPPETS = {
    "missing import in a call": (MAIN + "func main() {\n\tn, _ := strconv.Atoi(\"4\")\n\tprintln(n)\n}\n",
                                 {"strconv"}),
    "missing import in a type": (MAIN + "func main() {\n\tvar b bytes.Buffer\n\tprintln(b.Len())\n}\n", {"bytes"}),
    "two missing imports": (MAIN + 'import "fmt"\n\nfunc main() {\n\txs := []string{"b", "a"}\n\tsort.Strings(xs)\n'
                            '\tfmt.Println(strings.Join(xs, ","))\n}\n', {"sort", "strings"}),
    "a parameter of another function": (MAIN + "func a(sort int) int { return sort }\n\n"
                                        "func main() {\n\txs := []int{a(2), 1}\n\tsort.Ints(xs)\n}\n", {"sort"}),
    "renamed import": (MAIN + 'import str "strings"\n\nfunc main() {\n\tprintln(str.ToUpper("a"), strings.ToLower("B"))\n}\n',
                       {"strings"}),
    "correct: a local and a path's last element": (
        MAIN + 'import "math/rand"\n\ntype url struct{ Path string }\n\nfunc main() {\n\tstrings := []string{"a"}\n'
        '\tu := url{Path: "/"}\n\tprintln(len(strings), rand.Intn(3), u.Path)\n}\n', set()),
}


def _go() -> str | None:
    return shutil.which("go")


def _compile_each(tmp, paths):
    """`go tool compile` per snippet (each is a whole package main); the object goes to a scratch
    file -- the compiler deletes its output file on an error, so never /dev/null."""
    out = {}
    for i, p in enumerate(paths):
        r = subprocess.run([_go(), "tool", "compile", "-e", "-p", "main", "-o", os.path.join(tmp, f"s{i}.o"), p],
                           capture_output=True, text=True, cwd=tmp)
        out[i] = r.stdout + r.stderr
    return out


def _compiler_names(out, i):
    return set(re.findall(r"^\S+:\d+:\d+: undefined: (\w+)$", out[i], re.M))


@pytest.mark.skipif(_go() is None, reason="go not installed (apt-get install golang-go; scripts/setup_eval_toolchains.sh)")
def test_agrees_with_the_go_compiler_and_is_much_faster(capsys):
    """The same undefined packages as the compiler's "undefined: X", in a fraction of its time."""
    assert_agrees_with_compiler_and_is_much_faster(capsys, "go", "go tool compile (one run per snippet)",
                                                   COMPILER_SNIPPETS, undefined, "s{}.go", _compile_each,
                                                   _compiler_names)
