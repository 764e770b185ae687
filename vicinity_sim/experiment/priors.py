"""Priors of the parameters: which are uncertain, over which range, with which distribution.

Every parameter declaration (:func:`vicinity_sim.params.param`) has a prior, stated in the
declaration (``range=``, ``prior=``) or derived from it by :func:`prior_of`:

* **fixed** (not uncertain): settings rather than facts — switches, names, dates, lists and
  modes (anything not a number); integers (counts and sizes of the village, day counts of
  schedules: the scenario chooses them); parameters whose default is ``None`` (a feature off)
  or 0 (a thing absent before any programme: there is no scale to vary); values from a
  published source (held at the source unless the declaration gives a range, e.g. a
  published interval); interventions' parameters (the policy: what is done, how much, when
  and at what cost). The run's settings (seed, days, start date) are fixed by these rules.
* **uncertain**: every other number, i.e. every real-valued *assumption*. Its range is the
  declared ``range``, or else the default ± 50% clipped to the validation bounds (a bound
  that is exclusive is moved inside by 10⁻⁹ of the range). Uniform over the range, or
  log-uniform where the range spans an order of magnitude or more (``high/low ≥ 10``).

Keys are scenario keys as for ``--set``; a key inside a village is written with ``[*]``
(``villages[*].plan.old_wiring_share``) and stands for that key in every village of a
scenario (:func:`expand`).

Priors are derived by walking the scenario model, so they follow the declarations wherever
these live.
"""

from __future__ import annotations

import math
import re
import typing
from dataclasses import dataclass
from typing import Any

import numpy as np

#: A declared range wider than this (high / low) makes the default prior log-uniform.
LOG_RATIO = 10.0
#: Half-width of the default range, as a share of the default value.
DEFAULT_HALF_WIDTH = 0.5
#: How far an exclusive bound is moved inside, as a share of the range.
_EXCLUSIVE = 1e-9


@dataclass(frozen=True)
class Prior:
    """The prior of one parameter.

    Attributes:
        key: Scenario key (``[*]`` for every village).
        kind: ``uniform``, ``loguniform`` or ``fixed``.
        low, high: Range of an uncertain parameter (NaN when fixed).
        default: Default value of the declaration.
        unit: Unit of the declaration.
        origin: Why: ``declared`` (range in the declaration), ``default ± 50%``, or the reason
            the parameter is fixed.
        section: Group of the parameter: its table in a scenario file (``fire``,
            ``villages.plan``, ``villages.population.local``, ...).
    """

    key: str
    kind: str
    low: float
    high: float
    default: Any
    unit: str
    origin: str
    section: str = ""

    @property
    def uncertain(self) -> bool:
        return self.kind != "fixed"

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at the quantiles ``u`` ∈ [0, 1] of the prior."""
        u = np.asarray(u, dtype=float)
        if self.kind == "loguniform":
            return np.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        return self.low + u * (self.high - self.low)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Quantiles of the values ``x`` (inverse of :meth:`ppf`; outside the range < 0 or > 1)."""
        x = np.asarray(x, dtype=float)
        if self.kind == "loguniform":
            return (np.log(x) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (x - self.low) / (self.high - self.low)

    def describe(self) -> str:
        """The prior as shown in the parameter tables."""
        if not self.uncertain:
            return f"fixed ({self.origin})" if self.origin else "fixed"
        return f"{self.kind} [{_num(self.low)}, {_num(self.high)}]" + (
            "" if self.origin == "declared" else f" ({self.origin})"
        )


def _num(v: float) -> str:
    return f"{v:.4g}"


def _bounds(field: Any) -> tuple[float, float, bool, bool]:
    """Validation bounds of a field: (low, high, low exclusive, high exclusive)."""
    lo, hi, lo_x, hi_x = -math.inf, math.inf, False, False
    for m in field.metadata:
        if getattr(m, "ge", None) is not None:
            lo, lo_x = float(m.ge), False
        if getattr(m, "gt", None) is not None:
            lo, lo_x = float(m.gt), True
        if getattr(m, "le", None) is not None:
            hi, hi_x = float(m.le), False
        if getattr(m, "lt", None) is not None:
            hi, hi_x = float(m.lt), True
    return lo, hi, lo_x, hi_x


def _numeric_kind(annotation: Any) -> str | None:
    """``float``, ``int`` or ``None`` (anything else) for a field's annotation."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    base = args[0] if len(args) == 1 else annotation
    if base is bool:
        return None
    if base is float:
        return "float"
    if base is int:
        return "int"
    return None


def prior_of(field: Any, key: str = "", *, policy: bool = False, section: str = "") -> Prior:
    """The prior of a declared parameter (see the module docstring for the rules).

    Args:
        field: The pydantic ``FieldInfo`` of a :func:`~vicinity_sim.params.param` declaration.
        key: Its scenario key (for the result and messages).
        policy: Whether the parameter belongs to an intervention (a policy setting: fixed
            unless the declaration names a prior).
        section: Group of the parameter.

    Returns:
        The prior.
    """
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    default = field.get_default(call_default_factory=True)
    unit = str(extra.get("unit", ""))
    declared_prior = extra.get("prior")
    declared_range = extra.get("range")

    def fixed(why: str) -> Prior:
        return Prior(key, "fixed", math.nan, math.nan, default, unit, why, section)

    if declared_prior == "fixed":
        return fixed("declared")
    kind = _numeric_kind(field.annotation)
    if kind is None:
        return fixed("a setting")
    if kind == "int":
        # Samplers and emulators work on a continuum; an integer is the scenario's choice.
        return fixed("integer")
    explicit = declared_prior is not None or declared_range is not None
    if not explicit:
        source = str(extra.get("source", ""))
        if policy:
            return fixed("policy")
        if default is None:
            return fixed("off by default")
        if default == 0:
            return fixed("absent by default")
        if not source.lower().startswith("assumption"):
            return fixed("sourced")
    lo_b, hi_b, lo_x, hi_x = _bounds(field)
    if declared_range is not None:
        lo, hi = float(declared_range[0]), float(declared_range[1])
        origin = "declared"
    else:
        if default is None or not isinstance(default, int | float) or default == 0:
            return fixed("no range")
        half = DEFAULT_HALF_WIDTH * abs(float(default))
        lo, hi = float(default) - half, float(default) + half
        origin = "default ± 50%"
    width = hi - lo
    lo = max(lo, lo_b + (_EXCLUSIVE * width if lo_x else 0.0))
    hi = min(hi, hi_b - (_EXCLUSIVE * width if hi_x else 0.0))
    if not lo < hi:
        return fixed("empty range")
    prior = declared_prior or ("loguniform" if lo > 0 and hi / lo >= LOG_RATIO else "uniform")
    if prior == "loguniform" and lo <= 0:
        prior = "uniform"
    return Prior(key, prior, lo, hi, default, unit, origin, section)


def _model_of(annotation: Any) -> tuple[type | None, bool]:
    """(ParamModel subclass, is a list of them) of an annotation, or (None, False)."""
    from vicinity_sim.params import ParamModel

    origin = typing.get_origin(annotation)
    if origin is list:
        (inner,) = typing.get_args(annotation) or (None,)
        if isinstance(inner, type) and issubclass(inner, ParamModel):
            return inner, True
        return None, False
    if isinstance(annotation, type) and issubclass(annotation, ParamModel):
        return annotation, False
    return None, False


def _walk(model: type, prefix: str, section: str, out: list[Prior]) -> None:
    for name, field in model.model_fields.items():
        sub, many = _model_of(field.annotation)
        if sub is not None:
            path = f"{prefix}{name}[*]." if many else f"{prefix}{name}."
            _walk(sub, path, f"{section}.{name}" if section else name, out)
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if "unit" not in extra:
            continue
        out.append(prior_of(field, f"{prefix}{name}", section=section))


def all_priors() -> list[Prior]:
    """The prior of every scenario parameter (run, villages, mechanisms), in schema order.

    Interventions' parameters are not included: they are the policy, set by each arm.
    """
    from vicinity_sim.scenario.schema import Scenario

    out: list[Prior] = []
    _walk(Scenario, "", "", out)
    return out


def uncertain_priors() -> list[Prior]:
    """The priors of the uncertain scenario parameters."""
    return [p for p in all_priors() if p.uncertain]


def find_prior(key: str) -> Prior | None:
    """The prior of a scenario key (``villages[0]``, ``villages[weili]`` or ``villages[*]``
    alike), or ``None`` if the key is not a scenario parameter."""
    template = template_of(key)
    return next((p for p in all_priors() if p.key == template), None)


_INDEX = re.compile(r"^villages\[[^\]]*\]")


def template_of(key: str) -> str:
    """A scenario key with its village index written ``[*]``."""
    return _INDEX.sub("villages[*]", key.strip())


def expand(key: str, n_villages: int) -> list[str]:
    """The concrete keys of a template: one per village for ``villages[*]`` keys."""
    if "[*]" not in key:
        return [key]
    return [key.replace("[*]", f"[{i}]", 1) for i in range(n_villages)]


def override_value(prior: Prior, value: float) -> str:
    """The text of a value in a ``KEY=VALUE`` override."""
    return repr(float(value))


def sample(priors: list[Prior], n: int, seed: int, method: str = "lhs") -> np.ndarray:
    """``n`` draws from independent priors, shape (n, d): Latin hypercube or plain random."""
    from scipy.stats import qmc

    rng = np.random.default_rng(seed)
    d = len(priors)
    u = qmc.LatinHypercube(d=d, rng=rng).random(n) if method == "lhs" else rng.random((n, d))
    return np.column_stack([p.ppf(u[:, j]) for j, p in enumerate(priors)]) if d else u
