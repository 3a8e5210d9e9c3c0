"""TypeScriptSpec / TSXSpec (the query-driven scope engine): no false positives on correct
programs (every construct the queries handle), every undefined name in buffers that use a name
before its import or declaration -- half-written last lines included --, every truncation of a
correct program, the tsc cross-check (when tsc is installed) and the line helpers.

The large-corpus figures (TypeScript's own lib, npm packages) come from
benchmarks/lang_accuracy.py: see docs/languages.md."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from jumpcoder_lsp.languages import get_language, language_for_path, language_ids
from jumpcoder_lsp.languages.base import Region
from jumpcoder_lsp.languages.ecmascript import TSXSpec, TypeScriptSpec

from lang_checks import assert_agrees_with_compiler_and_is_much_faster, assert_cursor_hides_the_name_being_typed
from lang_checks import assert_function_end_on_growing_text, assert_function_signatures, assert_opens_block
from lang_checks import assert_reports_only_names_written_later, assert_tolerates_half_written_code, dedent
from lang_checks import names_reported_by

TS = get_language("typescript")
TSX = get_language("typescriptreact")
undefined = names_reported_by(TS)
undefined_tsx = names_reported_by(TSX)

# ------------------------------------------------------------------------------------------
# Correct programs (tsc 5.9 --strict --noEmit --module nodenext accepts each, with @types/node and an
# ./other module exporting `something` and a default; the TSX one needs React's types)

PROGRAM_1 = r"""import { readFileSync, promises as fsp } from "fs";
import * as path from "path";
import type { Stats } from "fs";
import os = require("os");

export interface Point<T = number> { x: T; y: T; label?: string }
type Pair<A, B> = [first: A, second?: B];
type Keys<T> = { [K in keyof T]-?: T[K] extends Function ? K : never }[keyof T];
type Unwrap<T> = T extends Promise<infer U> ? U : T extends (...args: infer P) => infer R ? [P, R] : T;
enum Color { Red = 1, Green = Red << 1, Blue = Green | Red }
declare const VERSION: string;
declare function log(msg: string): void;

export abstract class Shape {
    static count = 0;
    protected constructor(public readonly name: string, private sides: number) {
        Shape.count++;
    }
    abstract area(): number;
    describe(this: Shape, extra?: string): string {
        return `${this.name} with ${this.sides} sides${extra ?? ""}: ${this.area().toFixed(2)}`;
    }
}

class Circle extends Shape {
    #radius: number;
    constructor(radius: number) {
        super("circle", 0);
        this.#radius = radius;
    }
    area(): number { return Math.PI * this.#radius ** 2; }
    static from(p: Point): Circle { return new Circle(Math.hypot(p.x, p.y)); }
}

function isPoint(value: unknown): value is Point {
    return typeof value === "object" && value !== null && "x" in value;
}

export function total<T extends { size: number }>(items: readonly T[], pick = (t: T) => t.size): number {
    let sum = 0;
    for (const item of items) {
        sum += pick(item);
    }
    for (let i = 0, n = items.length; i < n; i++) sum += 0;
    const [head, ...rest] = items;
    const { size: firstSize = 0 } = head ?? {};
    return sum + rest.length + firstSize;
}

function helper(): void {
    const colors = [Color.Red, Color.Blue].map((c) => Color[c]);
    const circle = Circle.from({ x: 3, y: 4 });
    const shapes: Shape[] = [circle];
    const pair: Pair<string, number> = ["a", 1];
    const key: Keys<Shape> = "describe";
    outer: for (const s of shapes) {
        switch (s.name) {
            case "circle": {
                const inner = s.describe();
                if (inner) break outer;
                break;
            }
            default:
                continue outer;
        }
    }
    const unwrapped: Unwrap<Promise<number>> = 1;
    console.log(colors, pair, key, unwrapped, isPoint(circle) satisfies boolean, later());
}

export async function load(file: string): Promise<Stats | undefined> {
    try {
        const text = readFileSync(path.join(os.tmpdir(), file), "utf8");
        log(text.slice(0, 10) + VERSION);
        return await fsp.stat(file);
    } catch (err) {
        if (err instanceof Error) console.error(err.message);
        return undefined;
    } finally {
        helper();
    }
}

const later = () => lateConst * 2;
const lateConst = 21;

export namespace Geometry {
    export const origin: Point = { x: 0, y: 0 };
    export function dist(a: Point, b: Point = origin): number { return Math.hypot(a.x - b.x, a.y - b.y); }
}

export default { total, load, Geometry, lateConst };
"""

PROGRAM_2 = r"""import { EventEmitter } from "events";

export type Handler<E> = (event: E, ...rest: unknown[]) => void | Promise<void>;

interface Store<S> {
    getState(): S;
    subscribe(listener: (state: S) => void): () => void;
    readonly [key: string]: unknown;
}

export function createStore<S, A extends { type: string }>(reducer: (state: S, action: A) => S, initial: S): Store<S> & { dispatch(a: A): void } {
    let state = initial;
    const listeners = new Set<(s: S) => void>();
    const emitter = new EventEmitter();
    return {
        getState: () => state,
        subscribe(listener) {
            listeners.add(listener);
            return () => void listeners.delete(listener);
        },
        dispatch(action) {
            state = reducer(state, action);
            listeners.forEach((l) => l(state));
            emitter.emit("change", { state, action });
        },
    };
}

function* range(start: number, end: number, step = 1): Generator<number> {
    for (let i = start; i < end; i += step) yield i;
}

export class Queue<T> implements Iterable<T> {
    private items: T[] = [];
    private static readonly EMPTY = Symbol("empty");
    constructor(...initial: T[]) { this.items.push(...initial); }
    *[Symbol.iterator](): Iterator<T> { yield* this.items; }
    get size(): number { return this.items.length; }
    set first(value: T) { this.items[0] = value; }
    @logged
    take(): T | typeof Queue.EMPTY { return this.items.shift() ?? Queue.EMPTY; }
}

function logged(target: unknown, context: ClassMethodDecoratorContext): void {
    void target; void context;
}

export const squares = [...range(0, 5)].map((n) => n * n);
let counter: number | undefined;
counter ??= 0;
[counter] = [counter + 1];
({ counter } = { counter: 2 });
const label = counter > 1 ? `many (${counter})` : "one";
const re = /[a-z]+\/\d+/giu;
export { label as name, re };
export * from "./other";
export { default as other, something } from "./other";
"""

PROGRAMS = [PROGRAM_1, PROGRAM_2]

TSX_PROGRAM = r"""import React, { useState } from "react";
import type { FC, ReactNode } from "react";
import { Button } from "./button";

interface Props { title: string; children?: ReactNode }

export const Panel: FC<Props> = ({ title, children }) => {
    const [open, setOpen] = useState(false);
    const items = ["a", "b"].map((x) => <li key={x}>{x}</li>);
    return (
        <section className="panel" onClick={() => setOpen(!open)}>
            <h2>{title}</h2>
            <Button.Group size="small"><Button label={title} /></Button.Group>
            {open && <ul>{items}</ul>}
            <svg:rect />
            {children}
        </section>
    );
};

export function List<T>({ rows, render }: { rows: T[]; render: (row: T) => React.ReactElement }) {
    return <>{rows.map(render)}</>;
}
"""


@pytest.mark.parametrize("name", ["typescript", "ts", ".ts", ".mts", ".cts", "TypeScript"])
def test_registry_names(name):
    assert isinstance(get_language(name), TypeScriptSpec)


@pytest.mark.parametrize("name", ["typescriptreact", "tsx", ".tsx"])
def test_registry_names_tsx(name):
    assert isinstance(get_language(name), TSXSpec)


def test_registry_paths_and_language_ids():
    assert language_for_path("/src/a.ts").name == "typescript"
    assert language_for_path("/src/a.d.ts").name == "typescript"
    assert language_for_path("file:///src/App.tsx").name == "typescriptreact"
    ids = language_ids()
    assert ids["typescript"][0] == "typescript" and ids["typescriptreact"][0] == "typescriptreact"


@pytest.mark.parametrize("index", range(len(PROGRAMS)))
def test_no_false_positives_on_correct_programs(index):
    assert undefined(PROGRAMS[index]) == []


def test_no_false_positives_on_tsx():
    assert undefined_tsx(TSX_PROGRAM) == []


@pytest.mark.parametrize("index", range(len(PROGRAMS)))
def test_half_written_programs_report_only_names_written_later(index):
    """Cut a correct program anywhere (open braces, a line cut mid-way, the cursor at the cut):
    any name reported must be one the rest of the program declares."""
    assert_reports_only_names_written_later(TS, PROGRAMS[index])


def test_half_written_tsx_reports_only_names_written_later():
    assert_reports_only_names_written_later(TSX, TSX_PROGRAM)


# ------------------------------------------------------------------------------------------
# Names used before their import or declaration (what JumpCoder must jump back for)

HEAD = 'import { join } from "path";\n\nexport function total(xs: number[]): number {\n'

MISSING = {
    # the paper's case: the accumulator was never declared
    "accumulator": (HEAD + "    for (const x of xs) {\n        sum += x;\n    }\n    return sum;\n}\n", ["sum", "sum"]),
    # a missing import, used in a call and in a type
    "import (call)": (HEAD + "    return readFileSync(join('a', 'b')).length + xs.length;\n}\n", ["readFileSync"]),
    "import (type)": (HEAD + "    const s: Stats | null = null;\n    return xs.length + (s ? 1 : 0);\n}\n", ["Stats"]),
    "import (namespace)": (HEAD + "    return _.sum(xs);\n}\n", ["_"]),
    # a helper not written yet
    "helper": (HEAD + "    return xs.filter(isPrime).length;\n}\n", ["isPrime"]),
    # declared below its use in the same function: the temporal dead zone
    "let below its use": (HEAD + "    count += xs.length;\n    let count = 0;\n    return count;\n}\n", ["count"]),
    "const below its use at top level": ("console.log(limit);\nconst limit = 10;\n", ["limit"]),
    "class below its use at top level": ("const c = new TaskPool();\nclass TaskPool {}\n", ["TaskPool"]),
    # scopes end: a block's let, a loop variable, a parameter of another function
    "block scope": ("function f(a: number) {\n    if (a) { let inner = 1; }\n    return inner;\n}\n", ["inner"]),
    "loop variable": ("for (let i = 0; i < 3; i++) {}\nconsole.log(i);\n", ["i"]),
    "other function's parameter": ("function f(a: number) { return a; }\nfunction g() { return a; }\n", ["a"]),
    "catch parameter": ("try { } catch (e) { }\nconsole.log(e);\n", ["e"]),
    "generic type parameter": ("function f<T>(x: T): T { return x; }\nlet y: T;\n", ["T"]),
    # shorthand properties and JSX-free object literals use the name
    "shorthand property": ("export const config = { port, host: 'x' };\n", ["port"]),
    "decorator": ("class A {\n    @memoize\n    m() {}\n}\n", ["memoize"]),
    "default parameter": ("function f(a = fallback) { return a; }\n", ["fallback"]),
    # half-written last lines: the names of the lines above are still found
    "half-written call": (HEAD + "    const n = lenOf(xs);\n    return Math.max(n, ", ["lenOf"]),
    "half-written if": (HEAD + "    const top = first(xs);\n    if (top > ", ["first"]),
    "half-written string": (HEAD + "    const k = keyOf(xs);\n    return `${k} and ", ["keyOf"]),
    "half-written arrow": (HEAD + "    const m = mapper(xs);\n    const f = (a: number) =>", ["mapper"]),
    "half-written member": (HEAD + "    const r = compute(xs);\n    return r.", ["compute"]),
    "half-written type": (HEAD + "    const s: Settings = load();\n    const t: Array<", ["Settings", "load"]),
}


@pytest.mark.parametrize("label", list(MISSING))
def test_reports_every_name_used_before_its_declaration(label):
    code, expected = MISSING[label]
    assert undefined(code) == expected


def test_fixes_silence_the_reports():
    """The import / declaration JumpCoder would insert makes each report go away."""
    fixes = {
        "accumulator": ("        sum += x;", "        sum += x;", "    for", "    let sum = 0;\n    for"),
        "import (call)": (None, None, "import {", 'import { readFileSync } from "fs";\nimport {'),
        "import (type)": (None, None, "import {", 'import type { Stats } from "fs";\nimport {'),
        "import (namespace)": (None, None, "import {", 'import _ from "lodash";\nimport {'),
        "helper": (None, None, "export function", "function isPrime(n: number) { return n > 1; }\nexport function"),
    }
    for label, (_a, _b, old, new) in fixes.items():
        code = MISSING[label][0]
        assert code.count(old) == 1
        assert undefined(code.replace(old, new)) == [], label


def test_tsx_reports_missing_components_not_intrinsic_tags():
    code = "export const A = () => <div className={cls}><Missing /><span>{x}</span></div>;\n"
    assert undefined_tsx(code) == ["cls", "Missing", "x"]


def test_ignore_after_byte_skips_the_name_being_typed():
    assert_cursor_hides_the_name_being_typed(undefined, HEAD + "    const total = 0;\n    const y = tot")


def test_half_written_code_does_not_crash_or_flood():
    assert_tolerates_half_written_code(
        undefined, HEAD, "    let acc = 0;\n    for (const x of xs) {\n        acc += x * (x +\n",
        ("    }}}}\n", "    ) ] } {\n", '    "unterminated\n', "    /* open comment\n", "    `open template\n", "@@@\n"),
    )


def test_global_names_come_from_the_generated_lib_list():
    code = ("const p = new Promise<Map<string, Set<number>>>((r) => setTimeout(r, 1));\n"
            "const u = new URL(document.title, globalThis.location.href);\n"
            "process.stdout.write(Buffer.from(JSON.stringify({ p, u })).toString());\n"
            "type R = Readonly<Partial<Record<keyof typeof u, Awaited<typeof p>>>>;\n")
    assert undefined(code) == []
    assert undefined("const x = NotAGlobal;\n") == ["NotAGlobal"]


def test_tsc_directives_and_names_that_are_keywords_elsewhere():
    assert undefined("class A {\n    // @ts-ignore: no initializer\n    s: Scheduler2;\n    t: Other2;\n}\n") == ["Other2"]
    assert undefined("// @ts-nocheck\nlet x = missing;\n") == []
    # `object`, `async`, `of` are names too (zod's `object()`, rxjs's `async` scheduler)
    assert undefined("const o = object({});\nconst s = of(1, async);\nlet t: object;\n") == ["object", "of", "async"]


def test_import_types_the_grammar_misreads():
    """`import("m").T<...>` types (declaration files): the grammar reads the type arguments as
    a cast and comparisons; their names are not uses."""
    code = ('export declare const f: import("./types").Fn3<\n  Date,\n  | import("./a").Options<Date>\n'
            '  | undefined,\n  number,\n  string | Date\n>;\n'
            'interface O<T> { t: T }\nexport declare function g<T, R>(f: (s: O<T>[]) => R): import("./t").U<O<T>>;\n')
    assert undefined(code) == []
    assert undefined(code + "let x: Missing;\n") == ["Missing"]


def test_typeof_guard_and_open_scopes():
    assert undefined('if (typeof define === "function" && define.amd) define([], f);\n') == ["f"]
    # in a script a namespace merges with other files' namespaces; in a module it is the file's own
    assert undefined("namespace N { export const a = fromElsewhere; }\n") == []
    assert undefined('import { x } from "./x";\nexport namespace N { export const a = x + fromElsewhere; }\n') == [
        "fromElsewhere"]
    assert undefined('declare module "m" { export function g(): H; }\n') == []
    # a triple-slash reference to another file or package: any name may come from there
    assert undefined('/// <reference path="global.d.ts" />\nlet x: FromThere;\n') == []
    assert undefined('/// <reference lib="es2015" />\nlet x: FromThere;\n') == ["FromThere"]


# ------------------------------------------------------------------------------------------
# tsc as a second opinion

SNIPPETS = {
    "missing variable": ("export function f(xs: number[]): number {\n    for (const x of xs) sum += x;\n    return sum;\n}\n",
                         {"sum"}),
    "missing import": ('export function f(p: string): number {\n    return readFileSync(p).length;\n}\n', {"readFileSync"}),
    "missing helper": ("export function f(n: number): boolean {\n    return isPrime(n + 1);\n}\n", {"isPrime"}),
    "missing type": ("export function f(s: Settings): number {\n    return s ? 1 : 0;\n}\n", {"Settings"}),
    "used before declaration": ("export function f(): number {\n    const a = b + 1;\n    const b = 2;\n    return a;\n}\n",
                                {"b"}),
    "correct": ('import { readFileSync } from "fs";\nexport function f(p: string): number {\n'
                "    let s = 0;\n    for (const x of readFileSync(p)) s += x;\n    return s;\n}\n", set()),
}

_TSC_NAME_ERRORS = ("TS2304", "TS2552", "TS2448", "TS2449", "TS2450", "TS2454", "TS2580", "TS2582")


def _tsc() -> list[str] | None:
    exe = os.environ.get("JUMPCODER_TSC") or shutil.which("tsc")
    if exe is None:
        return None
    return [exe] if os.access(exe, os.X_OK) else ["node", exe]


def _tsc_all(tmp, paths):
    """One tsc run for all the snippets; @types/node from JUMPCODER_TYPEROOTS (a folder holding
    ``node/``) when set, for the snippet that imports "fs"."""
    roots = os.environ.get("JUMPCODER_TYPEROOTS")
    types = ["--types", "node", "--typeRoots", roots] if roots else []
    out = subprocess.run([*_tsc(), "--noEmit", "--strict", "--skipLibCheck", *types, *paths],
                         capture_output=True, text=True)
    return out.stdout + out.stderr


def _tsc_names(log, i):
    names = set()
    for line in log.splitlines():
        if re.search(rf"S{i}\.ts\(\d+,\d+\): error ({'|'.join(_TSC_NAME_ERRORS)})", line):
            m = re.search(r"(?:name|Block-scoped variable|Variable|Class|Enum) '(\w+)'", line)
            if m:
                names.add(m.group(1))
    return names


@pytest.mark.skipif(_tsc() is None, reason="tsc not installed (npm install -g typescript, or JUMPCODER_TSC=path)")
def test_agrees_with_tsc_and_is_much_faster(capsys):
    """The same verdicts as tsc's "Cannot find name" / "used before its declaration", in a
    fraction of its time."""
    assert_agrees_with_compiler_and_is_much_faster(capsys, "typescript", "tsc --noEmit (one run)", SNIPPETS,
                                                   undefined, "S{}.ts", _tsc_all, _tsc_names)


# ------------------------------------------------------------------------------------------
# Line helpers


def test_is_function_signature():
    yes = [
        "function isPrime(n: number): boolean {\n",
        "export async function load(file: string): Promise<Stats> {\n",
        "export default function* gen<T>(xs: T[]) {\n",
        "const add = (a: number, b: number): number => {\n",
        "export const handler = async (event) => {\n",
        "const f = function (x) {\n",
        "const g = x => {\n",
        "    private static area(r: number): number {\n",
        "    async fetch(url: string) {\n",
        "    constructor(private name: string) {\n",
        "    @logged\n    take(): T {\n",
        "function long(\n",
    ]
    no = [
        "    const x = foo(3);\n", "    return isPrime(n);\n", "    if (x > 0) {\n", "    foo(x);\n",
        "    console.log(x);\n", "    } else if (a(b)) {\n", "    for (let i = 0; i < n; i++) {\n",
        "    // function f(x) {\n", "    while (ok(x)) {\n", "    switch (kind(x)) {\n", "    xs.forEach((x) => {\n",
        "    const total = xs.reduce((a, b) => a + b, 0);\n",
    ]
    assert_function_signatures(TS, yes, no)


def test_function_end_on_growing_text():
    fn = dedent(
        """
        function isPrime(n: number): boolean {
            const s = "}{";
            const t = `}${n}{`;
            // } in a comment
            if (n < 2) { return false; }
            return true;
        }
        function next() {
        """
    )
    assert_function_end_on_growing_text(TS, fn, fn.index("}\n", fn.index("return true")) + 2)
    assert TS.function_end("function f(x: number): void;\nlet y;\n") == len("function f(x: number): void;\n")
    assert TS.function_end("const sq = (x: number) => x * x;\nlet y;\n") == len("const sq = (x: number) => x * x;\n")
    assert TS.function_end("    let x = 1;\n    }\n") is None  # not a function


def test_block_helpers():
    assert TS.block_ended("    ", "    }\n")
    assert TS.block_ended("", "});\n")
    assert not TS.block_ended("    ", "        }\n")
    assert_opens_block(
        TS,
        ["    if (x) {\n", "    } else {\n", "    for (const x of xs)\n", "    try {\n", "    do {\n",
         "    while (true)\n", "    switch (x) {\n", "    xs.forEach((x) => {\n"],
        ["    let x = 0;\n", "    foo({ a: 1 });\n", "    }\n", "    format(x);\n"],
    )


def test_non_code_lines_and_comment_prefixes():
    code = "let a = 1;\n// c\n/* a\n   b */\nlet x = 1; // tail\n\nconst t = `\n  text\n  `;\n"
    assert TS.non_code_lines(code) == {1, 2, 3, 5, 7, 8, 9}
    assert TS.comment_prefixes == ("//",) and "//" in TS.bad_words


def test_enclosing_function():
    code = ("import { a } from 'a';\n\nexport const f = (x: number) => {\n    const y = x;\n    return y;\n};\n\n"
            "class K {\n    @dec\n    m(): void {\n        go();\n    }\n}\nfunction open(n: number) {\n    let s = 0;\n")
    assert TS.enclosing_function(code, 3) == Region(2, 5, "")
    assert TS.enclosing_function(code, 10) == Region(8, 11, "    ")
    assert TS.enclosing_function(code, 15) == Region(13, 15, "")
    assert TS.enclosing_function(code, 0) is None


def test_import_line():
    assert TS.import_line('import a from "a";\nimport {\n    b,\n    c,\n} from "b";\n\nlet x = 1;\n') == 5
    assert TS.import_line('#!/usr/bin/env node\n"use strict";\n// header\nlet x = 1;\n') == 2
    assert TS.import_line("let x = 1;\n") == 0
    assert TS.import_line('// license\nimport a from "a";\n/* c */\nimport b = require("b");\nf();\n') == 4


def test_import_bindings_and_names_used():
    assert TS.import_bindings('import a, { b as c, d } from "m";') == {"a", "c", "d"}
    assert TS.import_bindings('import * as ns from "m";') == {"ns"}
    assert TS.import_bindings('import type { T } from "m";') == {"T"}
    assert TS.import_bindings('import fs = require("fs");') == {"fs"}
    assert TS.import_bindings('import "side-effect";') is None
    assert TS.import_bindings("import {") is None
    assert TS.import_bindings("const x = 1;") is None
    assert TS.is_import('import { a } from "a";') and not TS.is_import("important();")
    code = 'import { a } from "a";\nconst s: Stats = a.b({ c }); // d\nconst e = "f";\n'
    assert TS.names_used(code, code.index("const")) == {"s", "Stats", "a", "c", "e"}
