"""Lexical reading of brace-language text, without a tree: :func:`scan` (the class -- code,
comment, string -- of every character, per flavour: Java, C#, C++, Rust, JavaScript/TypeScript),
indentation widths, comment stripping and :func:`looks_like_signature`, the one-line test for
a function header.
"""

from __future__ import annotations

import re
from typing import Optional

# Character classes of the scanner
_CODE, _COMMENT, _STRING = range(3)


def scan(text: str, flavor: str) -> list[int]:
    """The class (code, comment, string) of every character of ``text``: ``//`` and ``/* */``
    comments, ``"..."`` and ``'...'`` literals, Java text blocks and C# raw strings (``\"\"\"``),
    C# verbatim strings (``@"..."``), C++ raw strings (``R"d(...)d"``) and JavaScript/TypeScript
    template literals (flavor ``"js"``: ```...```, which may span lines); C++ digit
    separators (``1'000``) are not character literals. Unterminated literals and comments run
    to the end of their line (``//``, quotes) or of the text (``/*``, text blocks)."""
    n = len(text)
    cls = [_CODE] * n
    i = 0
    while i < n:
        ch = text[i]
        if ch == "/" and i + 1 < n and text[i + 1] == "/":
            j = text.find("\n", i)
            j = n if j < 0 else j
            cls[i:j] = [_COMMENT] * (j - i)
            i = j
            continue
        if ch == "/" and i + 1 < n and text[i + 1] == "*":
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            cls[i:j] = [_COMMENT] * (j - i)
            i = j
            continue
        if ch == "`" and flavor == "js":  # a template literal (``${...}`` counts as string too)
            j = text.find("`", i + 1)
            while j > 0 and text[j - 1] == "\\" and not text.startswith("\\\\", j - 2):
                j = text.find("`", j + 1)
            j = n if j < 0 else j + 1
            cls[i:j] = [_STRING] * (j - i)
            i = j
            continue
        if flavor == "rust" and (ch in "\"'" or (ch == "r" and _RUST_RAW.match(text, i))):
            j = _rust_literal_end(text, i)
            if j > i:
                cls[i:j] = [_STRING] * (j - i)
                i = j
            else:
                i += 1
            continue
        if ch == '"' or (ch == "'" and not (flavor == "cpp" and i > 0 and text[i - 1].isalnum())):
            start = i
            if ch == '"' and text.startswith('"""', i) and flavor in ("java", "csharp"):
                j = text.find('"""', i + 3)
                j = n if j < 0 else j + 3
            elif ch == '"' and flavor == "csharp" and i > 0 and text[i - 1] == "@" or (
                ch == '"' and flavor == "csharp" and i > 1 and text[i - 2 : i] in ("@$", "$@")
            ):
                j = i + 1
                while j < n:
                    if text[j] == '"':
                        if j + 1 < n and text[j + 1] == '"':
                            j += 2
                            continue
                        break
                    j += 1
                j = min(n, j + 1)
            elif ch == '"' and flavor == "cpp" and i > 0 and text[i - 1] == "R" and (i < 2 or not (text[i - 2].isalnum() or text[i - 2] == "_") or text[i - 2 : i] in ("uR", "UR", "LR", "8R")):
                k = text.find("(", i + 1)
                delim = text[i + 1 : k] if k >= 0 else ""
                end = text.find(")" + delim + '"', k + 1) if k >= 0 else -1
                j = n if end < 0 else end + len(delim) + 2
            else:
                j = i + 1
                while j < n and text[j] != ch and text[j] != "\n":
                    j += 2 if text[j] == "\\" else 1
                j = min(n, j + 1) if j < n and text[j] == ch else min(j, n)
            cls[start:j] = [_STRING] * (j - start)
            i = j
            continue
        i += 1
    return cls


_RUST_RAW = re.compile(r'(?<![\w])b?r(#*)"')
_RUST_CHAR = re.compile(r"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}|.)|[^\\'\n])'")


def _rust_literal_end(text: str, i: int) -> int:
    """Rust (flavor ``"rust"``): the end of the literal at ``i`` -- a ``"..."`` string (it may
    span lines), a raw string ``r#"..."#``, a character ``'x'``/``'\\n'`` -- or ``i`` when the
    ``'`` opens a lifetime or a label (``'a``), which is code."""
    ch = text[i]
    if ch == "'":
        m = _RUST_CHAR.match(text, i)
        return m.end() if m else i
    if ch == "r" or (ch == "b" and text.startswith("br", i)):
        m = _RUST_RAW.match(text, i)
        if m is None:
            return i
        j = text.find('"' + m.group(1), m.end())
        return len(text) if j < 0 else j + 1 + len(m.group(1))
    j = i + 1
    n = len(text)
    while j < n and text[j] != '"':
        j += 2 if text[j] == "\\" else 1
    return min(n, j + 1)


def _byte_classes(text: str, flavor: str) -> bytearray:
    """:func:`scan`'s classes indexed by UTF-8 byte offset."""
    cls = scan(text, flavor)
    if text.isascii():
        return bytearray(cls)
    out = bytearray()
    for ch, c in zip(text, cls):
        out.extend([c] * len(ch.encode("utf-8")))
    return out


def indent_width(s: str) -> int:
    w = 0
    for ch in s:
        if ch == " ":
            w += 1
        elif ch == "\t":
            w += 4
        else:
            break
    return w


def _strip_code(line: str, flavor: str) -> str:
    """``line`` with comments removed and string contents blanked (one line, no context)."""
    cls = scan(line, flavor)
    out = []
    for ch, c in zip(line, cls):
        if c == _COMMENT:
            continue
        out.append(ch if c == _CODE else " ")
    return "".join(out)


_SIG_STOP = frozenset(
    """return new delete throw else case goto yield await using typedef if for foreach while switch
    catch do sizeof co_return co_yield co_await not and or lock fixed checked unchecked unsafe
    synchronized assert import package namespace var let auto const_cast static_cast
    dynamic_cast reinterpret_cast in is as out ref params from where select group orderby
    nameof typeof default""".split()
)
_NAME_RE = re.compile(r"(?:~?[A-Za-z_$][\w$]*)(?:::~?[A-Za-z_$][\w$]*)*$|(?:[\w:]*::)?operator\s*\S+$")
_WORD_RE = re.compile(r"[A-Za-z_$][\w$.:]*$")


def _drop_angles(s: str) -> Optional[str]:
    """``s`` without its (nested) ``<...>`` groups; None when they do not balance."""
    out, depth = [], 0
    for ch in s:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
            if depth < 0:
                return None
        elif depth == 0:
            out.append(ch)
    return "".join(out) if depth == 0 else None


def looks_like_signature(line: str, flavor: str, modifiers: frozenset) -> bool:
    """True when ``line`` (one line, comments allowed) starts a function definition:
    ``[modifiers] [<T>] ReturnType name(`` (or a constructor ``modifier Name(``, a C++
    ``Class::name(``), with nothing but a body opener, ``throws``/``const``/``override``... or
    the end of the line after the parameter list."""
    code = _strip_code(line, flavor).strip()
    if not code or code[0] in "#@[}{)" or "(" not in code:
        return False
    head, _, rest = code.partition("(")
    head = _drop_angles(head) if "operator" not in head else head
    if head is None or ";" in head or ("operator" not in head and ("=" in head or "," in head)):
        return False
    head = re.sub(r"\[\s*\]", " ", head).replace("*", " ").replace("&", " ").replace("?", " ")
    words = head.split()
    if not words:
        return False
    name = words[-1]
    if not _NAME_RE.match(name) or name in _SIG_STOP or words[0] in _SIG_STOP:
        return False
    if any(not _WORD_RE.match(w) or w in _SIG_STOP for w in words[:-1]):
        return False
    if "." in name:
        return False
    if len(words) == 1:
        if "::" not in name:  # a bare call `foo(x);`
            return False
    elif all(w in modifiers for w in words[:-1]) and flavor == "cpp":
        return False
    # after the parameter list
    depth, i = 1, 0
    while i < len(rest) and depth:
        if rest[i] == "(":
            depth += 1
        elif rest[i] == ")":
            depth -= 1
        i += 1
    if depth:
        return True  # the parameter list goes on, on the next line
    after = rest[i:].strip()
    if len(words) == 1 and after.startswith(";"):
        return False  # `std::sort(a.begin(), a.end());`: a qualified call
    if not after or after.startswith(("{", ";", "throws", "const", "override", "final", "noexcept", "->",
                                      ":", "where", "=>", "= 0", "= default", "= delete", "&", "mutable",
                                      "volatile", "try", "requires", "[[")):
        if after.startswith("=>") and flavor != "csharp":
            return False
        return True
    return False
