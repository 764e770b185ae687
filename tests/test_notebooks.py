"""The notebooks in experiments/ run end to end (at a reduced size) and are stored clean."""

import nbformat
import pytest
from helpers import ROOT
from nbclient import NotebookClient

EXPERIMENTS = ROOT / "experiments"
NOTEBOOKS = sorted(EXPERIMENTS.glob("*.ipynb"))

#: Parameters that make each notebook small enough for the test suite (appended after the
#: notebook's own parameters cell, as papermill does). 8,000 residents is the smallest village
#: that still gets an industrial project at the program's 0.68 projects per 10,000 residents.
SMALL = {
    "city_spillovers.ipynb": """
SCENARIO = "../scenarios/xiamen_villages_program.toml"
REPLICATIONS = 2
OVERRIDES = ["run.days=75", 'rollout.waves=[{name="pilot", start_day=0, villages=1}, '
             '{name="push", start_day=35, villages=2}]']
OVERRIDES += [f"villages[{i}].{key}={value}" for i, (b, r) in enumerate(
    [(60, 500), (50, 400), (70, 600), (40, 350)]) for key, value in
    (("plan.n_buildings", b), ("population.n_residents", r))]
WORKERS = 1
""",
    "four_pillars.ipynb": """
REPLICATIONS = 2
OVERRIDES = ["run.days=240", "villages[0].plan.n_buildings=560",
             "villages[0].population.n_residents=8000"]
WORKERS = 1
import pandas as pd
ENSEMBLE = OUT + "-sets.parquet"
pd.DataFrame({"rents.quality_premium": [2.0, 4.0],
              "migration.rent_push": [0.15, 0.45]}).to_parquet(ENSEMBLE)
ENSEMBLE_OUT = OUT + "-ensemble"
SETS = 2
ENSEMBLE_REPLICATIONS = 2
""",
    "program_sensitivity.ipynb": """
SAMPLES = 4
OVERRIDES = ["run.days=180", "villages[0].plan.n_buildings=560",
             "villages[0].population.n_residents=8000"]
WORKERS = 1
""",
}
#: Figures each notebook must draw.
FIGURES = {"city_spillovers.ipynb": 2, "four_pillars.ipynb": 5, "program_sensitivity.ipynb": 2}


def test_every_notebook_has_a_reduced_size():
    assert {p.name for p in NOTEBOOKS} == set(SMALL) == set(FIGURES)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_and_draws_its_figures(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    small = f"OUT = {str(tmp_path / 'out')!r}\n" + SMALL[path.name]
    nb.cells.insert(tagged[0] + 1, nbformat.v4.new_code_cell(small))
    client = NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(EXPERIMENTS)}})  # fmt: skip
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]  # fmt: skip
    assert len(images) >= FIGURES[path.name]
    (tmp_path / path.name).write_text(nbformat.writes(nb), encoding="utf-8")  # for inspection
