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


class OutputError(InputError):
    """A problem with where outputs go: an unwritable, full, busy or foreign output location.

    Reported like :class:`InputError` (one line, exit status 2); ``source`` is the path.
    """


class WorkerError(InputError):
    """A worker process ended without finishing its task (killed, or out of memory)."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM, with what was kept.

    Attributes:
        signum: The signal that stopped the command (``SIGINT`` for Ctrl-C).
        kept: One sentence on what is on disk and how to resume (empty: unknown).
    """

    def __init__(self, signum: int, kept: str = "") -> None:
        self.signum = signum
        self.kept = " ".join(kept.split())
        super().__init__(self.kept)
