"""Entry and exit measures, as an intervention's measure type writes them, and the progress between
them: the one definition the forms, the workflows and every page showing a measure use.

- *A score on a named scale*: a whole number from the scale's lowest to its highest score.
- *A standardised score*: a whole number from 40 to 160 (100 is the average).
- *A reading age*: years and months ("7 years 6 months", "7:06", "7y 6m"), from 2 to 20 years;
  kept as "7 years 6 months".
- *Free text*: whatever is written, up to 40 characters.

Progress is the exit less the entry, only where the two are comparable: both recorded, on a typed
measure (never free text). A reading age's progress is in months.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sentrack.models import MeasureType
from sentrack.workflows import RuleBroken

STANDARDISED_MIN, STANDARDISED_MAX = 40, 160
READING_AGE_MIN_YEARS, READING_AGE_MAX_YEARS = 2, 20
SCALE_LIMIT = 100_000  # the largest score a scale may have, either side of zero
TEXT_LENGTH = 40

_WHOLE = re.compile(r"[+-]?\d{1,6}")
_READING_AGE = re.compile(
    r"(?P<years>\d{1,2})\s*(?:y|yr|yrs|years?|:)?\s*(?:(?P<months>\d{1,2})\s*(?:m|mo|mths?|months?)?)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class MeasureSpec:
    """How an intervention's measures are written: its type, the scale's name and bounds."""

    kind: MeasureType
    name: str | None = None
    lowest: int | None = None
    highest: int | None = None

    @classmethod
    def of(cls, intervention) -> MeasureSpec:
        return cls(intervention.measure_type, intervention.measure, intervention.measure_min, intervention.measure_max)

    @property
    def comparable(self) -> bool:
        return self.kind is not MeasureType.FREE_TEXT

    @property
    def hint(self) -> str:
        """How a score is typed, for the forms."""
        if self.kind is MeasureType.SCALE:
            return f"A whole number from {self.lowest} to {self.highest}"
        if self.kind is MeasureType.STANDARDISED:
            return f"A standardised score from {STANDARDISED_MIN} to {STANDARDISED_MAX}"
        if self.kind is MeasureType.READING_AGE:
            return "Years and months, for example 7 years 6 months"
        return ""


def check_spec(spec: MeasureSpec) -> MeasureSpec:
    """The spec as kept: a scale needs its name and a lowest score below its highest; other types
    keep no bounds. Refused beside the field at fault."""
    name = (spec.name or "").strip() or None
    if spec.kind is not MeasureType.SCALE:
        return MeasureSpec(spec.kind, name)
    if name is None:
        raise RuleBroken("Enter the name of the scale, for example Phonics screening check", field="measure")
    for value, field, which in ((spec.lowest, "measure_min", "lowest"), (spec.highest, "measure_max", "highest")):
        if value is None:
            raise RuleBroken(f"Enter the {which} score on the scale", field=field)
        if abs(value) > SCALE_LIMIT:
            raise RuleBroken(f"The {which} score must be between -{SCALE_LIMIT} and {SCALE_LIMIT}", field=field)
    if spec.highest <= spec.lowest:
        raise RuleBroken("The highest score must be more than the lowest", field="measure_max")
    return MeasureSpec(spec.kind, name, spec.lowest, spec.highest)


def _whole_number(spec: MeasureSpec, text: str, whose: str) -> int:
    if not _WHOLE.fullmatch(text):
        raise RuleBroken(f"Enter {whose} as a whole number, for example {100 if spec.lowest is None else spec.lowest}")
    return int(text)


def _months(text: str, whose: str) -> int:
    found = _READING_AGE.fullmatch(text.strip())
    years = int(found["years"]) if found else -1
    months = int(found["months"] or 0) if found else -1
    if not found or not READING_AGE_MIN_YEARS <= years <= READING_AGE_MAX_YEARS or months > 11:
        raise RuleBroken(
            f"Enter {whose} as years and months from {READING_AGE_MIN_YEARS} to {READING_AGE_MAX_YEARS} years, "
            "for example 7 years 6 months"
        )
    return years * 12 + months


def reading_age_text(months: int) -> str:
    years, extra = divmod(months, 12)
    return f"{years} {'year' if years == 1 else 'years'} {extra} {'month' if extra == 1 else 'months'}"


def read(spec: MeasureSpec, text: str | None, whose: str = "the score") -> str | None:
    """The measure `text` as kept (None when blank), or RuleBroken (no field: the caller names it)
    saying how to write it. `whose` names the score in the message ("Amy's entry score")."""
    text = (text or "").strip()
    if not text:
        return None
    if spec.kind is MeasureType.FREE_TEXT:
        if len(text) > TEXT_LENGTH:
            raise RuleBroken(f"{whose[0].upper()}{whose[1:]} must be {TEXT_LENGTH} characters or fewer")
        return text
    if spec.kind is MeasureType.READING_AGE:
        return reading_age_text(_months(text, whose))
    value = _whole_number(spec, text, whose)
    low, high = (spec.lowest, spec.highest) if spec.kind is MeasureType.SCALE else (STANDARDISED_MIN, STANDARDISED_MAX)
    if not low <= value <= high:
        scale = f"on {spec.name} " if spec.kind is MeasureType.SCALE and spec.name else ""
        raise RuleBroken(f"Enter {whose} {scale}from {low} to {high}")
    return str(value)


def value_of(spec: MeasureSpec, kept: str | None) -> int | None:
    """The number a kept measure stands for (a reading age in months), or None for free text, a
    blank, or one kept before its intervention's type was set that does not read as one."""
    if kept is None or not spec.comparable:
        return None
    try:
        return _months(kept, "") if spec.kind is MeasureType.READING_AGE else int(kept)
    except (RuleBroken, ValueError):
        return None


@dataclass(frozen=True)
class Progress:
    """The exit less the entry, in the measure's own unit."""

    change: int
    unit: str  # "points" or "months"

    def __str__(self) -> str:
        sign = "+" if self.change > 0 else ""
        unit = self.unit[:-1] if abs(self.change) == 1 else self.unit
        return f"{sign}{self.change} {unit}"


def progress(spec: MeasureSpec, entry: str | None, exit_: str | None) -> Progress | None:
    """The progress from `entry` to `exit_`, where comparable; None otherwise."""
    first, last = value_of(spec, entry), value_of(spec, exit_)
    if first is None or last is None:
        return None
    return Progress(last - first, "months" if spec.kind is MeasureType.READING_AGE else "points")


def spec_changes_allowed(spec: MeasureSpec, kept: list[str | None]) -> None:
    """A measure with scores recorded keeps its type, and a scale's bounds still hold every score
    recorded on it: refused beside the field otherwise."""
    for text in kept:
        if text is None:
            continue
        try:
            if read(spec, text) != text:
                raise RuleBroken("")
        except RuleBroken:
            raise RuleBroken(
                "Scores already recorded do not fit this measure: change them first, or keep the measure as it was",
                field="measure_type",
            ) from None
