"""Declaring parameters: every parameter has a type, unit, default, range and source.

Mechanism modules declare their parameters as :class:`ParamModel` subclasses whose fields are
made with :func:`param`. The scenario schema, the JSON Schema, validation messages and the table
in ``docs/parameters.md`` are all generated from these declarations, so a parameter is
documented in exactly one place.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ParamModel(BaseModel):
    """Base of every parameter section.

    Unknown keys are errors, types are strict (a quoted "5" is not a number; an integer is
    accepted where a float is expected) and assignments are validated.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True)


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
) -> Any:
    """A documented scenario parameter.

    Args:
        default: Default value (describes a Weili-like village unless stated otherwise).
        unit: Physical unit, ``"1"`` for dimensionless numbers, ``"bool"`` for switches.
        doc: One sentence on what the parameter means.
        source: Citation for the default, or ``"assumption"`` (optionally with the reasoning).
        ge, le, gt, lt: Allowed range (inclusive / exclusive bounds).

    Returns:
        A pydantic ``Field`` carrying the metadata in its JSON Schema.
    """
    return Field(
        default,
        ge=ge,
        le=le,
        gt=gt,
        lt=lt,
        description=doc,
        json_schema_extra={"unit": unit, "source": source},
    )
