"""Declaring parameters: every parameter has a type, unit, default, range and source.

Mechanism modules declare their parameters as :class:`ParamModel` subclasses whose fields are
made with :func:`param`. The scenario schema, the JSON Schema, validation messages and the table
in ``docs/parameters.md`` are all generated from these declarations, so a parameter is
documented in exactly one place.

A declaration's bounds (``ge``, ``le``, ...) say which values are *valid*; its ``range`` and
``prior`` say which values are *plausible*: the prior of the parameter when it is treated as
uncertain (screening, history matching, ensembles). Both may be omitted: the prior is then
derived from the declaration by :func:`vicinity_sim.experiment.priors.prior_of`.
"""

from __future__ import annotations

import collections
import typing
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: Prior kinds a declaration may name.
PRIORS = ("uniform", "loguniform", "fixed")


class ParamModel(BaseModel):
    """Base of every parameter section.

    Unknown keys are errors, types are strict (a quoted "5" is not a number; an integer is
    accepted where a float is expected) and assignments are validated.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True)

    def consts(self) -> Any:
        """The section's values as its kernels receive them (see :func:`consts_class`)."""
        kind = _CONSTS.get(type(self))
        if kind is None:
            raise TypeError(f"{type(self).__name__} has no consts_class: declare one next to it")
        cls = type(self)
        return kind(*(_kernel_value(cls, name, getattr(self, name)) for name in kind._fields))


def param(
    default: Any,
    *,
    unit: str,
    doc: str,
    source: str,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    range: tuple[float, float] | None = None,
    prior: Literal["uniform", "loguniform", "fixed"] | None = None,
) -> Any:
    """A documented scenario parameter.

    Args:
        default: Default value (describes a Weili-like village unless stated otherwise).
        unit: Physical unit, ``"1"`` for dimensionless numbers, ``"bool"`` for switches.
        doc: One sentence on what the parameter means.
        source: Citation for the default, or ``"assumption"`` (optionally with the reasoning).
        ge, le, gt, lt: Allowed range (inclusive / exclusive bounds).
        range: Plausible range ``(low, high)`` of the parameter's true value, within the
            bounds (default: derived, see :func:`vicinity_sim.experiment.priors.prior_of`).
        prior: ``"uniform"`` or ``"loguniform"`` over ``range``, or ``"fixed"`` for a
            parameter that is not uncertain (a setting of the scenario rather than a fact
            about the world); default: derived.

    Returns:
        A pydantic ``Field`` carrying the metadata in its JSON Schema.

    Raises:
        ValueError: For an unknown prior, an empty range, or a log-uniform prior over a range
            that is not positive.
    """
    extra: dict[str, Any] = {"unit": unit, "source": source}
    if prior is not None:
        if prior not in PRIORS:
            raise ValueError(f"prior must be one of {PRIORS} (got {prior!r})")
        extra["prior"] = prior
    if range is not None:
        lo, hi = float(range[0]), float(range[1])
        if not lo < hi:
            raise ValueError(f"range must have low < high (got {range})")
        if prior == "loguniform" and lo <= 0:
            raise ValueError(f"a log-uniform prior needs a positive range (got {range})")
        extra["range"] = [lo, hi]
    return Field(
        default,
        ge=ge,
        le=le,
        gt=gt,
        lt=lt,
        description=doc,
        json_schema_extra=extra,
    )


#: Kernel tuple type of each parameter section (see :func:`consts_class`).
_CONSTS: dict[type[ParamModel], type] = {}


def consts_class(params: type[ParamModel]) -> type:
    """The named tuple in which numba kernels receive a parameter section.

    Its fields are the section's parameters under the same names, in the same order, so a
    kernel reads ``c.ignition_per_household_year`` where the scenario file says
    ``fire.ignition_per_household_year``. Numba compiles the tuple as a typed record: no Python
    object crosses into a kernel, and passing it costs nothing per field. Values pass as they
    are, except lists, which become tuples, and text choices (``Literal`` fields), which become
    the index of the choice.

    Call it once per section, at module level, and keep the result under the returned name
    (``FireConsts = consts_class(FireParams)``): compiled kernels are cached with their
    argument types, which must be importable by name.

    Args:
        params: The section's :class:`ParamModel` subclass (its name ends in ``Params``).

    Returns:
        The named-tuple class ``<Name>Consts``; instances come from
        :meth:`ParamModel.consts`.
    """
    name = params.__name__.removesuffix("Params") + "Consts"
    kind = collections.namedtuple(name, list(params.model_fields), module=params.__module__)
    kind.__doc__ = (f"Values of :class:`{params.__name__}` for kernels (same names; text "
                    "choices as their index).")  # fmt: skip
    _CONSTS[params] = kind
    return kind


def _kernel_value(params: type[ParamModel], name: str, value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    annotation = params.model_fields[name].annotation
    if isinstance(value, str) and typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation).index(value)
    return value
