"""Documentation stays true to the code."""

from helpers import ROOT

from vicinity_sim.docs import BEGIN, END, parameter_tables
from vicinity_sim.processes import registered


def test_parameter_tables_match_the_code():
    text = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] + "\n" == parameter_tables(), (
        "docs/parameters.md is out of date: replace its generated section with the output of "
        "`vicinity-sim params`"
    )


def test_odd_describes_every_mechanism():
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    for heading in ("Purpose", "Entities", "Process overview", "Design concepts",
                    "Initialization", "Input data", "Submodels"):  # fmt: skip
        assert heading in odd, heading
    for cls in registered():
        assert f"`{cls.name}`" in odd, cls.name


def test_readme_quickstart_and_performance():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert "## Performance" in readme and "benchmarks/bench_village.py" in readme
