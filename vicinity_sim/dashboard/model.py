"""The model the dashboard drives: :class:`VicinityModel`, built from the dashboard's controls.

Mesa's SolaraViz re-creates the model on *Reset* by calling its class with the values of the
controls as keyword arguments. :class:`DashboardModel` is the constructor that accepts them: it
reads the scenario file afresh, applies the controls as an overlay and hands the result to
:class:`~vicinity_sim.model.VicinityModel`, which runs as it does from the command line. It adds
no mechanism and changes no step.

Beside it runs its **baseline** (:attr:`DashboardModel.baseline`): the same scenario, seed and
random streams with every intervention switched off, stepped day by day with it, so the page
shows the run with and without the chosen interventions and their difference as it goes.
Common random numbers make the difference the interventions' effect in this run, not noise
between two runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa

from vicinity_sim.dashboard.controls import (
    active_interventions,
    load_base,
    parse_seed,
    scenario_with_controls,
    without_interventions,
)
from vicinity_sim.errors import InputError
from vicinity_sim.model import VicinityModel


class DashboardModel(VicinityModel):
    """A :class:`VicinityModel` made from a scenario file and the dashboard's settings.

    A problem with the file or a setting does not raise: the model is then empty, says what is
    wrong in :attr:`error` and does not run, so the page can show the message and the user can
    fix the file or the setting and press Reset.

    Args:
        source: Scenario file (None: the default village).
        seed: Seed of the run, as typed (a whole number).
        compare: Run the baseline beside it (see the module docstring).
        **kwargs: The controls' settings, ``on:<intervention>`` and ``share:<intervention>``
            (see :mod:`vicinity_sim.dashboard.controls`). Mesa 3.4 and later also pass their
            own experimental ``scenario`` object on reset; the scenario here is the file.

    Attributes:
        source: The scenario file.
        error: One-line description of the problem, or None.
        figure_cache: Parts of the dashboard's figures that do not change during the run.
        interventions: Names of the interventions switched on.
        baseline: The same run without any intervention, or None (comparison off, or no
            intervention switched on: the run is its own baseline).
    """

    def __init__(self, source: str | None = None, seed: Any = 0, compare: bool = True,
                 **kwargs: Any) -> None:  # fmt: skip
        kwargs.pop("scenario", None)
        self.source = None if source is None else str(source)
        self.error: str | None = None
        self.baseline: VicinityModel | None = None
        self.interventions: list[str] = []
        #: Figure parts that stay the same for the whole run (e.g. grid boundaries).
        self.figure_cache: dict[Any, Any] = {}
        try:
            spec = scenario_with_controls(self.source, kwargs)
            rng = parse_seed(seed)
            base = load_base(self.source)
            self.interventions = active_interventions(base, kwargs)
            reference = None
            if compare and self.interventions:
                reference = scenario_with_controls(self.source,
                                                   without_interventions(base, kwargs))  # fmt: skip
        except InputError as exc:
            self._empty(exc)
            return
        super().__init__(spec, rng=rng)
        if reference is not None:
            self.baseline = VicinityModel(reference, rng=rng)

    def _empty(self, exc: InputError) -> None:
        mesa.Model.__init__(self, rng=0)
        self.error = str(exc)
        self.spec = None
        self.world = None
        self.processes = []
        self.day = 0
        self.running = False

    @property
    def days(self) -> int:
        return 0 if self.error else super().days

    @property
    def title(self) -> str:
        """Name of what runs: the scenario's name, else the file's stem."""
        if self.spec is not None and self.spec.name:
            return self.spec.name
        return Path(self.source).stem if self.source else "default village"

    def step(self) -> None:
        """Simulate one day, and the baseline's (nothing if the scenario could not be built)."""
        if self.error:
            self.running = False
            return
        super().step()
        if self.baseline is not None and self.baseline.day < self.day:
            self.baseline.step()
