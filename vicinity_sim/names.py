"""Names that become file names, and paths that must stay inside their output directory.

Scenario names, experiment names and arm names end up in output paths (``outputs/<name>-seed0``,
``runs/arm=<arm>/...``, ``<scenario>/seed-3/``). A name is used there only after
:func:`file_name` has accepted it, and every output path is checked with :func:`inside` before
anything is written, so no name can reach outside the output directory.
"""

from __future__ import annotations

import re
from pathlib import Path

from vicinity_sim.errors import InputError, OutputError

#: Longest name accepted as a path component (file systems allow 255 bytes; the rest is
#: left for prefixes such as ``arm=`` and suffixes such as ``-seed12``).
MAX_NAME = 100

# Letters (any script), digits, underscore, and '.' or '-' after the first character: one path
# component that is neither hidden nor special, with nothing a shell or Hive partition misreads
# ('/', '\\', '=', spaces, control characters).
_SAFE = re.compile(r"[^\W][\w.\-]*")


def file_name(name: str, source: str, key: str) -> str:
    """Return ``name`` if it is safe as one path component, else raise.

    Args:
        name: The name (a scenario's, an experiment's or an arm's).
        source: Where it was given (file path or option), for the message.
        key: Its key in the source, for the message.

    Raises:
        InputError: If the name is empty, too long, contains ``..``, a path separator or
            characters outside letters, digits, ``_``, ``.`` and ``-``, or starts with ``.`` or
            ``-``.
    """
    if not isinstance(name, str) or not name:
        raise InputError(source, key, "a name used in file names must not be empty")
    if len(name) > MAX_NAME:
        raise InputError(source, key, f"'{name[:20]}...' is longer than {MAX_NAME} characters")
    if ".." in name or not _SAFE.fullmatch(name):
        shown = name if len(name) <= 40 else name[:37] + "..."
        raise InputError(source, key, f"'{shown}' cannot be used in file names: use letters, "
                         "digits, '_', '.' and '-' (not first), and no '..' or '/'")  # fmt: skip
    return name


def inside(root: str | Path, path: str | Path) -> Path:
    """``path`` resolved, after checking that it lies inside ``root`` (also resolved).

    Symbolic links are followed, so a link inside ``root`` that points elsewhere is refused too.

    Raises:
        OutputError: If ``path`` resolves outside ``root``.
    """
    base = Path(root).resolve()
    full = Path(path).resolve()
    if full != base and base not in full.parents:
        raise OutputError(str(path), "--out", f"resolves to {full}, outside the output "
                          f"directory {base}; refusing to write there")  # fmt: skip
    return full
