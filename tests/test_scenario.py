"""Scenario files: defaults, inheritance, overrides, schema."""

import json
import textwrap
import typing

import pytest
from helpers import SCENARIOS

from vicinity_sim.errors import InputError
from vicinity_sim.params import ParamModel
from vicinity_sim.scenario import Scenario, json_schema, load_scenario, scenario_from_dict


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_defaults_describe_a_weili_like_village():
    s = scenario_from_dict({})
    assert len(s.villages) == 1
    v = s.villages[0]
    assert v.population.n_residents == 37_500  # Weili (docs/sources.md §villages)
    assert v.population.share_local == pytest.approx(0.08)  # 92% non-local
    assert s.run.days == 1095
    assert s.interventions == []


def test_extends_deep_merges_tables(tmp_path):
    write(
        tmp_path,
        "base.toml",
        """
        name = "base"
        [run]
        days = 100
        seed = 4
        [fire]
        growth_sigma = 0.7
        """,
    )
    child = write(
        tmp_path,
        "child.toml",
        """
        extends = "base.toml"
        name = "child"
        [run]
        days = 50
        """,
    )
    s = load_scenario(child)
    assert s.name == "child"
    assert s.run.days == 50 and s.run.seed == 4  # sibling key kept
    assert s.fire.growth_sigma == 0.7


def test_extends_is_relative_to_the_file(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path, "base.toml", "[run]\ndays = 77\n")
    child = write(tmp_path / "sub", "child.toml", 'extends = "../base.toml"\n')
    assert load_scenario(child).run.days == 77


def test_named_arrays_merge_by_name(tmp_path):
    write(
        tmp_path,
        "base.toml",
        """
        [[villages]]
        name = "a"
        [villages.population]
        n_residents = 3000
        [villages.plan]
        n_buildings = 300
        [[interventions]]
        kind = "fire_lanes"
        coverage = 0.5
        [[interventions]]
        kind = "fire_retrofit"
        name = "sensors"
        coverage = 0.2
        """,
    )
    child = write(
        tmp_path,
        "child.toml",
        """
        extends = "base.toml"
        [[villages]]
        name = "a"
        [villages.population]
        share_local = 0.2
        [[interventions]]
        name = "sensors"
        coverage = 0.9
        [[interventions]]
        kind = "micro_fire_stations"
        quantity = 2
        """,
    )
    s = load_scenario(child)
    assert [v.name for v in s.villages] == ["a"]
    assert s.villages[0].population.n_residents == 3000
    assert s.villages[0].population.share_local == 0.2
    assert [i.name for i in s.interventions] == ["fire_lanes", "sensors", "micro_fire_stations"]
    assert s.interventions[1].coverage == 0.9
    assert s.interventions[1].kind == "fire_retrofit"


def test_chains_of_extends(tmp_path):
    write(tmp_path, "a.toml", "[run]\ndays = 10\nseed = 1\n")
    write(tmp_path, "b.toml", 'extends = "a.toml"\n[run]\nseed = 2\n')
    c = write(tmp_path, "c.toml", 'extends = "b.toml"\nname = "c"\n')
    s = load_scenario(c)
    assert (s.run.days, s.run.seed, s.name) == (10, 2, "c")


def test_extends_a_list_merges_left_to_right(tmp_path):
    write(tmp_path, "base.toml", "[run]\ndays = 10\nseed = 1\n")
    write(tmp_path, "a.toml", 'extends = "base.toml"\n[run]\nseed = 2\n'
          '[[interventions]]\nkind = "fire_lanes"\n')  # fmt: skip
    write(tmp_path, "b.toml", 'extends = "base.toml"\n[run]\nseed = 3\n'
          '[[interventions]]\nkind = "supervision"\n')  # fmt: skip
    c = write(tmp_path, "c.toml", 'extends = ["a.toml", "b.toml"]\nname = "c"\n')
    s = load_scenario(c)
    # b wins over a; both inherit base (a diamond is not a cycle); interventions accumulate.
    assert (s.run.days, s.run.seed) == (10, 3)
    assert [i.kind for i in s.interventions] == ["fire_lanes", "supervision"]
    bad = write(tmp_path, "bad.toml", "extends = []\n")
    with pytest.raises(InputError, match="extends"):
        load_scenario(bad)


def test_program_is_the_four_pillars_together():
    program = load_scenario(SCENARIOS / "xiamen_program.toml")
    kinds = {i.kind for i in program.interventions}
    for pillar in ("political", "people", "plural", "innovation"):
        part = load_scenario(SCENARIOS / f"pillar_{pillar}.toml")
        assert part.interventions and {i.kind for i in part.interventions} <= kinds
    assert program.run == load_scenario(SCENARIOS / "baseline.toml").run


def test_cycles_are_detected(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    b = write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(InputError, match="cyclic extends"):
        load_scenario(b)


def test_error_names_the_file_that_set_the_value(tmp_path):
    write(tmp_path, "base.toml", "[run]\ndays = -3\n")
    child = write(tmp_path, "child.toml", 'extends = "base.toml"\nname = "x"\n')
    with pytest.raises(InputError) as e:
        load_scenario(child)
    assert e.value.source.endswith("base.toml")
    assert e.value.key == "run.days"


def test_overrides_apply_after_defaults():
    s = load_scenario(
        SCENARIOS / "hazard_package.toml",
        [
            "run.days=30",
            "villages[0].population.n_residents=5000",
            "villages[weili].plan.n_buildings=500",
            "interventions[smoke_sensors].coverage=0.25",
            "fire.growth_sigma=0.1",
        ],
    )
    assert s.run.days == 30
    assert s.villages[0].population.n_residents == 5000
    assert s.villages[0].plan.n_buildings == 500
    assert s.interventions[0].coverage == 0.25
    assert s.fire.growth_sigma == 0.1


def test_override_errors_name_the_override():
    with pytest.raises(InputError) as e:
        load_scenario(SCENARIOS / "baseline.toml", ["run.dayz=3"])
    assert e.value.source == "--set run.dayz=3"
    assert "did you mean 'days'" in e.value.problem


def test_content_hash_ignores_seed_but_not_parameters():
    a = scenario_from_dict({"run": {"seed": 1}})
    b = scenario_from_dict({"run": {"seed": 2}})
    c = scenario_from_dict({"run": {"seed": 1, "days": 10}})
    assert a.content_hash() == b.content_hash() != c.content_hash()


def test_json_schema_describes_every_section():
    schema = json_schema()
    props = schema["properties"]
    for key in ("run", "villages", "interventions", "fire", "flood", "weather", "extends"):
        assert key in props
    json.dumps(schema)  # serialisable
    plan = schema["$defs"]["PlanParams"]["properties"]["n_buildings"]
    assert plan["unit"] == "buildings" and plan["minimum"] == 1


def _parameter_models():
    seen = set()

    def walk(model):
        if model in seen:
            return
        seen.add(model)
        for field in model.model_fields.values():
            for sub in _models_in(field.annotation):
                walk(sub)

    walk(Scenario)
    return [m for m in seen if issubclass(m, ParamModel)]


def _models_in(annotation):
    import typing

    if isinstance(annotation, type) and issubclass(annotation, ParamModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def test_every_numeric_parameter_has_unit_range_and_source():
    missing = []
    for model in _parameter_models():
        for name, field in model.model_fields.items():
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            numeric = {float, int} & set(typing.get_args(field.annotation) or [field.annotation])
            if numeric and typing.get_origin(field.annotation) is not list:
                has_range = any(
                    type(m).__name__ in ("Ge", "Gt", "Le", "Lt") for m in field.metadata
                )
                if not ("unit" in extra and "source" in extra and has_range):
                    missing.append(f"{model.__name__}.{name}")
    assert not missing, missing
