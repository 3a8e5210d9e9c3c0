"""JavaScriptSpec (the query-driven scope engine on tree-sitter-javascript): no false positives
on correct programs (ES modules, CommonJS, JSX, the hoisting rules), every undefined name in
buffers that use a name before its import or declaration -- half-written last lines included --,
every truncation of a correct program, ESLint's comments, and the line helpers JavaScript does
not share with TypeScript (tests/languages/test_typescript.py covers the shared ones).

The large-corpus figures (npm packages) come from benchmarks/lang_accuracy.py: see
docs/languages.md."""

from __future__ import annotations

import pytest

from jumpcoder_lsp.languages import get_language, language_for_path
from jumpcoder_lsp.languages.ecmascript import JavaScriptSpec

from lang_checks import assert_cursor_hides_the_name_being_typed, assert_reports_only_names_written_later
from lang_checks import assert_tolerates_half_written_code, names_reported_by

JS = get_language("javascript")
undefined = names_reported_by(JS)

# node --check accepts each (PROGRAM_2 as a module: node --input-type=module --check)
PROGRAM_1 = r"""'use strict';
const fs = require('fs');
const { join, resolve: resolvePath } = require('path');

var cache = Object.create(null);

module.exports = function load(name, options = {}) {
    const { encoding = 'utf8', ...rest } = options;
    if (name in cache) return cache[name];
    const file = resolvePath(join(__dirname, name));
    let text;
    try {
        text = fs.readFileSync(file, encoding);
    } catch ({ message }) {
        throw new Error(message + ' ' + JSON.stringify(rest));
    }
    return (cache[name] = parse(text));
};

function parse(text) {
    var lines = text.split('\n'), out = [];
    for (var i = 0; i < lines.length; i++) {
        out.push(lines[i].trim());
    }
    for (const [k, v] of Object.entries({ a: 1 })) out.push(k + v);
    for (const key in cache) delete cache[key];
    hoisted();
    return out.concat(arguments.length ? [] : [counter++]);
    function hoisted() { return total; }
}

var counter = 0;
var total = counter;
if (typeof define === 'function' && define.amd) define([], function () { return parse; });
label: for (;;) { break label; }
(function () { later(); })();
function later() { return typeof window !== 'undefined' ? window.document : globalThis; }
0 && (module.exports = { parse, later });
"""

PROGRAM_2 = r"""import React, { useState as useStateHook } from 'react';
import * as utils from './utils.js';
export { default as Button } from './button.js';

export class Counter extends React.Component {
    static defaultProps = { step: 1 };
    state = { count: 0 };
    #secret = 42;
    increment = () => this.setState(({ count }) => ({ count: count + this.props.step }));
    render() {
        const { count } = this.state;
        return (
            <div className="counter" onClick={this.increment}>
                <Label text={`${count}`} secret={this.#secret} />
                {utils.format(count)}
            </div>
        );
    }
}

function Label({ text, ...props }) {
    const [hover, setHover] = useStateHook(false);
    return <span {...props} onMouseEnter={() => setHover(true)}>{hover ? text.toUpperCase() : text}</span>;
}

export async function* pages(fetchPage) {
    let page = 0, done = false;
    while (!done) {
        ({ done } = await fetchPage(page++));
        yield page;
    }
}

export default Label;
"""

PROGRAMS = [PROGRAM_1, PROGRAM_2]


@pytest.mark.parametrize("name", ["javascript", "js", "javascriptreact", "jsx", ".js", ".mjs", ".cjs", ".jsx"])
def test_registry_names(name):
    assert isinstance(get_language(name), JavaScriptSpec)


def test_registry_paths():
    assert language_for_path("/src/index.js").name == "javascript"
    assert language_for_path("file:///src/App.jsx").name == "javascript"


@pytest.mark.parametrize("index", range(len(PROGRAMS)))
def test_no_false_positives_on_correct_programs(index):
    assert undefined(PROGRAMS[index]) == []


@pytest.mark.parametrize("index", range(len(PROGRAMS)))
def test_half_written_programs_report_only_names_written_later(index):
    assert_reports_only_names_written_later(JS, PROGRAMS[index])


HEAD = "import { join } from 'path';\n\nexport function total(xs) {\n"

MISSING = {
    "accumulator": (HEAD + "    for (const x of xs) {\n        sum += x;\n    }\n    return sum;\n}\n", ["sum", "sum"]),
    "import": (HEAD + "    return readFileSync(join('a', 'b')).length;\n}\n", ["readFileSync"]),
    "require not written": ("const data = fs.readFileSync('x');\n", ["fs"]),
    "helper": (HEAD + "    return xs.filter(isPrime).length;\n}\n", ["isPrime"]),
    "let below its use": (HEAD + "    count += xs.length;\n    let count = 0;\n    return count;\n}\n", ["count"]),
    "const used by top-level code above it": ("run(limit);\nconst limit = 10;\nfunction run(n) { return n; }\n", ["limit"]),
    "assignment to an undeclared name": ("for (q of [1, 2]) {}\n", ["q"]),
    "destructuring assignment target": ("[a, b] = [1, 2];\n", ["a", "b"]),
    "shorthand property": ("export const config = { port, host: 'x' };\n", ["port"]),
    "component in JSX": ("export const A = () => <div className={cls}><Missing /></div>;\n", ["cls", "Missing"]),
    "var in another function": ("function f() { var v = 1; }\nfunction g() { return v; }\n", ["v"]),
    # half-written last lines
    "half-written call": (HEAD + "    const n = lenOf(xs);\n    return Math.max(n, ", ["lenOf"]),
    "half-written object": (HEAD + "    const r = compute(xs);\n    return { a: r, b: ", ["compute"]),
    "half-written JSX": ("export const A = () => {\n    const v = value();\n    return <div>{v", ["value"]),
}


@pytest.mark.parametrize("label", list(MISSING))
def test_reports_every_name_used_before_its_declaration(label):
    code, expected = MISSING[label]
    assert undefined(code) == expected


def test_hoisting_rules():
    assert undefined("f();\nfunction f() {}\n") == []  # function declarations are hoisted
    assert undefined("x = 1;\nvar x;\n") == []  # so is var
    assert undefined("function f() { return y; }\nconst y = 1;\n") == []  # a function runs later
    assert undefined("class A { m() { return B; } }\nclass B {}\n") == []
    assert undefined("y;\nconst y = 1;\n") == ["y"]  # the temporal dead zone


def test_eslint_comments():
    code = "/* global Draco, Other:writable */\nDraco(); Other(); Third();\nBASIS(); // eslint-disable-line no-undef\n" \
           "// eslint-disable-next-line no-undef\nNEXT();\nAFTER(); // eslint-disable-line no-console\n" \
           "/* eslint-disable no-undef */\nA1();\n/* eslint-enable no-undef */\nA2();\n"
    assert undefined(code) == ["Third", "AFTER", "A2"]


def test_ignore_after_byte_skips_the_name_being_typed():
    assert_cursor_hides_the_name_being_typed(undefined, HEAD + "    const total = 0;\n    const y = tot")


def test_half_written_code_does_not_crash_or_flood():
    assert_tolerates_half_written_code(
        undefined, HEAD, "    let acc = 0;\n    for (const x of xs) {\n        acc += x * (x +\n",
        ("    }}}}\n", "    ) ] } {\n", "    'unterminated\n", "    /* open comment\n", "    `open template\n", "@@@\n"),
    )


def test_import_line_after_requires_and_imports():
    assert JS.import_line("'use strict';\nconst x = require('x');\n") == 1
    assert JS.import_line("import a from 'a';\nimport b from 'b';\n\nexport default a + b;\n") == 2
    assert JS.import_bindings("import a, { b as c } from 'm';") == {"a", "c"}
