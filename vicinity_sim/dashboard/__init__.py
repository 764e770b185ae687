"""Interactive dashboard: explore a village and its interventions in the browser.

Built on Mesa's SolaraViz (the ``viz`` extra). :mod:`~vicinity_sim.dashboard.controls`,
:mod:`~vicinity_sim.dashboard.layers`, :mod:`~vicinity_sim.dashboard.figures` and
:mod:`~vicinity_sim.dashboard.model` need no Solara; :mod:`~vicinity_sim.dashboard.app` is the
page and :mod:`~vicinity_sim.dashboard.server` starts it (``vicinity-sim dashboard``).
"""

import warnings

# Solara checks the rules of hooks when a component first renders; Mesa 3.3's ComponentsView
# fails the check harmlessly (its early return comes before any page is shown).
warnings.filterwarnings(
    "ignore", message=".*ComponentsView: `use_state` found despite early return",
    category=UserWarning,
)  # fmt: skip
