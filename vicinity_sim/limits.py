"""Bounds on input files, checked before and after parsing.

A scenario or experiment file is at most :data:`MAX_BYTES` long and nests tables and arrays at
most :data:`MAX_DEPTH` deep; a chain of ``extends`` is at most :data:`MAX_EXTENDS` files deep
and loads at most :data:`MAX_FILES` files in all. The depth of brackets is counted on the text
before the TOML parser sees it (a parser recurses once per level, so a file of ten thousand
``[`` would otherwise end in a ``RecursionError``), and the depth of the parsed data (which
dotted keys such as ``a.b.c.d`` also build) is checked without recursion after it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from vicinity_sim.errors import InputError

#: Largest input file, bytes (the city scenario of 108 villages is 24 kB).
MAX_BYTES = 4 * 2**20
#: Deepest nesting of tables and arrays (scenario files use at most 5).
MAX_DEPTH = 32
#: Longest chain of ``extends`` (a file, its parent, the parent's parent ...).
MAX_EXTENDS = 16
#: Most files one scenario may load through ``extends`` (a diamond of parents counts each time).
MAX_FILES = 256


def read_text(path: Path, shown: str, what: str = "scenario") -> str:
    """Read an input file of bounded size as UTF-8 text.

    Raises:
        InputError: If the file is missing, a directory, unreadable, too large or not UTF-8.
    """
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError(shown, "-", "file not found") from None
    except IsADirectoryError:
        raise InputError(shown, "-", f"is a directory, not a {what} file") from None
    except OSError as e:
        raise InputError(shown, "-", f"cannot be read ({e.strerror or e})") from None
    if len(data) > MAX_BYTES:
        raise InputError(shown, "-", f"is larger than {MAX_BYTES // 2**20} MiB; a {what} file "
                         "this large is not a plausible input")  # fmt: skip
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(shown, "-", "is not UTF-8 text") from None


def bracket_depth(text: str) -> tuple[int, int]:
    """Deepest nesting of ``[`` and ``{`` outside strings and comments, and its line."""
    depth = deepest = line = where = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                if c == '"' and text[j] == "\\":
                    j += 1
                elif text[j] == "\n":
                    if len(quote) == 1:
                        break  # an unterminated string: the parser reports it
                    line += 1
                j += 1
            # a closing """ may be followed by up to two more quotes that belong to the string
            j += len(quote)
            while len(quote) == 3 and j < n and text[j] == c:
                j += 1
            i = j
            continue
        elif c in "[{":
            depth += 1
            if depth > deepest:
                deepest, where = depth, line + 1
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1
    return deepest, where


def data_depth(data: Any) -> int:
    """Deepest nesting of dictionaries and lists in parsed data (iteratively)."""
    deepest = 0
    stack = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_toml(text: str, shown: str) -> dict:
    """Parse TOML text after checking its nesting; check the parsed data's nesting too.

    Raises:
        InputError: If the text nests too deeply or is not valid TOML (the caller reports
            syntax errors its own way: ``tomllib.TOMLDecodeError`` is passed on).
    """
    depth, line = bracket_depth(text)
    if depth > MAX_DEPTH:
        raise InputError(shown, f"line {line}", f"nested more than {MAX_DEPTH} levels deep")
    try:
        data = tomllib.loads(text)
    except RecursionError:  # a path of nesting the bracket count does not see
        raise InputError(shown, "-", f"nested more than {MAX_DEPTH} levels deep") from None
    if data_depth(data) > MAX_DEPTH:
        raise InputError(shown, "-", f"nested more than {MAX_DEPTH} levels deep")
    return data
