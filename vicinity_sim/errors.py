"""Errors that reach users as one readable line.

Every problem with user input (a scenario file, a ``--set`` override, a missing file, a
parameter combination that cannot describe a village) is raised as :class:`InputError`. The
command line prints ``str(error)`` and exits with status 2; library users can catch it and read
``source``, ``key`` and ``problem`` separately.
"""

from __future__ import annotations


class InputError(Exception):
    """A problem with user input, located by source and key.

    Attributes:
        source: Where the input came from: a file path, ``--set KEY=VALUE`` or a CLI option.
        key: Dotted key path inside the source (``villages[0].population.n_residents``), or a
            short location such as ``line 3`` for syntax errors, or ``-`` if the whole source
            is at fault (a missing file).
        problem: What is wrong and, where possible, what to do about it.
    """

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = str(source)
        self.key = key or "-"
        self.problem = " ".join(str(problem).split())  # always one line
        super().__init__(f"{self.source}: {self.key}: {self.problem}")
