"""Landlords, housing and migration of the reference model in lockstep with the fast model.

Seven months (seven monthly rounds after the first) of landlords' decisions (posted rents,
leases, renovation, compliance), quality, incomes and burdens, and of tenant households leaving
and newcomers searching for units, must agree to the last bit in every state and metric. With
the program, property management, safety retrofits and public space are brought forward so
that rents rise within the run and households are displaced; with rental regulation brought
forward too (and a rent cap), rents are capped and newcomers registered at once. Employment is
static (the labour process is off) except in one run, where labour (with the industrial
projects brought forward) changes it and fire (more frequent than by default, with weather)
drives households out of burned buildings."""

from __future__ import annotations

import numpy as np
from helpers import SCENARIOS

from vicinity_sim.interventions.innovation import RentCap
from vicinity_sim.reference import Resident
from vicinity_sim.reference.lockstep import lockstep, only
from vicinity_sim.scenario import load_scenario, scenario_from_dict

PROCESSES = ["interventions", "compliance", "landlords", "housing", "migration", "observe"]
DAYS = 215  # 1 April to 1 November: the first round and seven monthly rounds
SMALL = [
    "villages[0].plan.n_buildings=240",
    "villages[0].population.n_residents=2500",
    f"run.days={DAYS}",
]
#: The measures that raise rents, at half coverage from the start and full after two months.
EARLY = [
    f"interventions[{kind}].schedule=[[0, 0.5], [60, 1.0]]"
    for kind in ("property_management", "windows_and_sprinklers", "smart_sensors", "public_space")
]
EARLY_REGULATION = ["interventions[rental_regulation].schedule=[[0, 0.5], [60, 1.0]]"]


def _run(scenario: str, overrides: list[str], seed: int, processes: list[str] = PROCESSES,
         extra: tuple = ()):  # fmt: skip
    sc = load_scenario(SCENARIOS / scenario, [*SMALL, *overrides])
    if extra:
        sc = sc.model_copy(update={"interventions": [*sc.interventions, *extra]})
    result = lockstep(only(sc, processes), seed, DAYS)
    assert result.day is None, (seed, result.day, result.differences[:5])
    assert result.days == DAYS
    return result


def _total(result, name: str) -> float:
    return float(np.nansum(result.fast.datacollector.column(name)))


def test_rising_rents_displace_households_in_lockstep():
    result = _run("xiamen_program.toml", EARLY, 0)
    assert _total(result, "households_moved") > 0
    assert _total(result, "displaced_households_month") > 0
    assert _total(result, "departures_job") > 0
    assert _total(result, "departures_distrust") > 0
    assert result.fast.datacollector.column("rent_index")[-1] > 1.05
    assert _total(result, "landlord_income_cny") > 0
    # Newcomers are new agents in the leavers' rows; the leavers' agents are gone.
    ref = result.reference
    arrived = [res for res in ref.residents if res.arrived_day > 0]
    assert arrived and all(res in ref.agents for res in arrived)
    assert len(ref.agents_by_type[Resident]) == len(ref.residents)


def test_with_labour_and_fires_in_lockstep():
    overrides = [
        *EARLY,
        "interventions[industrial_projects].schedule=[[0, 0.5], [60, 1.0]]",
        "fire.ignition_per_household_year=0.02",
    ]
    processes = ["weather", "fire", "labour", *PROCESSES]
    result = _run("xiamen_program.toml", overrides, 1, processes)
    assert _total(result, "departures_fire") > 0
    assert _total(result, "displaced_households_month") > 0
    assert _total(result, "departures_job") > 0


def test_rent_caps_and_registration_in_lockstep():
    cap = RentCap(kind="rent_cap", per_year=0.05, schedule=[[0, 0.5], [60, 1.0]])
    result = _run("xiamen_program.toml", EARLY + EARLY_REGULATION, 2, extra=(cap,))
    w = result.reference.world
    assert np.isfinite(w.villages.rent_cap_per_year).all()
    assert w.villages.rental_registration.all()
    newcomers = [res for res in result.reference.residents if res.arrived_day > 0]
    assert newcomers and all(res.registered for res in newcomers)
    assert _total(result, "households_moved") > 0


def test_landlords_compliance_in_lockstep():
    """Regulation and the association from the start: landlords bring buildings to the safety
    standard (and pay for it), which raises quality and rents, in both engines alike."""
    overrides = [
        *EARLY_REGULATION,
        "interventions[landlord_association].schedule=[[0, 0.5], [60, 1.0]]",
        "interventions[property_management].schedule=[[0, 0.5], [60, 1.0]]",
    ]
    result = _run("xiamen_program.toml", overrides, 4)
    assert _total(result, "buildings_brought_to_standard") > 0
    assert result.reference.world.villages.safety_standard.all()
    assert sum(ll.safety_spent_cny for ll in result.reference.landlords) > 0


def test_without_the_program_in_lockstep():
    result = _run("baseline.toml", [], 3)
    assert _total(result, "households_moved") > 0
    assert _total(result, "residents_arrived") == _total(result, "residents_left") > 0


def test_landlords_operators_subsidies_and_shops_in_lockstep():
    """统租 offers backed by the state, subsidised renovation, regulation with inspections and
    shops turning over fast: landlords renovate, lease to operators (who evict and re-let),
    comply, and let shops, in both engines alike."""
    sc = load_scenario(SCENARIOS / "xiamen_program.toml", [
        *SMALL, *EARLY, *EARLY_REGULATION,
        "interventions[rental_regulation].inspections_per_building_year=4.0",
        "landlords.shop_closure_per_year=2.0", "landlords.conversion_cost_cny=500.0",
    ])  # fmt: skip
    extra = scenario_from_dict({"run": {"days": DAYS}, "villages": [{"name": "v"}],
                                "interventions": [
        {"kind": "operator_leasing", "coverage": 0.2, "backing": 1.0,
         "schedule": [[0, 0.5], [60, 1.0]]},
        {"kind": "renovation_subsidy", "share": 0.6, "schedule": [[0, 1.0]]},
    ]})  # fmt: skip
    sc = sc.model_copy(update={"interventions": [*sc.interventions, *extra.interventions]})
    result = lockstep(only(sc, PROCESSES), 5, DAYS)
    assert result.day is None, (result.day, result.differences[:5])
    for name in ("operator_takeovers", "departures_takeover", "renovations", "shops_opened",
                 "buildings_brought_to_standard", "moves_between_buildings"):  # fmt: skip
        assert _total(result, name) > 0, name
    assert sum(ll.renovations for ll in result.reference.landlords) > 0


def test_member_rows_are_each_households_rows_in_turn():
    """The leavers' residents: each household's rows in turn, as one arange per household."""
    from vicinity_sim.processes.migration import member_rows

    rng = np.random.default_rng(4)
    for _ in range(50):
        sizes = rng.integers(0, 6, 40)  # empty households included
        ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        leaving = rng.choice(40, rng.integers(1, 15), replace=False)
        one_by_one = np.concatenate([np.arange(ptr[h], ptr[h + 1]) for h in leaving])
        rows = member_rows(ptr, leaving)
        assert rows.dtype == one_by_one.dtype and np.array_equal(rows, one_by_one)
