"""The one rule of which year group a pupil's age puts them in (England: age on 31 August), used
wherever a year group is set: the pupil form asks to confirm one that does not fit, and the CTF and
CSV imports warn of it in their previews."""

from __future__ import annotations

from datetime import date

from sentrack.models.enums import year_group_label
from sentrack.workflows.confirmations import Question
from sentrack.workflows.terms import academic_year_of

FIELD = "confirm_year"
OBJECT_PRONOUNS = {"F": "her", "M": "him"}  # the census's sex codes; anyone else is "them"


def expected_year(date_of_birth: date, today: date) -> int:
    """The national curriculum year of a pupil of this age in the academic year holding `today`:
    Reception (0) in the academic year beginning the September after their fourth birthday, so a
    child born on 31 August is the youngest of their year and one born on 1 September the oldest."""
    cohort = date_of_birth.year if date_of_birth.month < 9 else date_of_birth.year + 1
    return academic_year_of(today) - cohort - 4


def year_misfit(date_of_birth: date, year_group: int, today: date) -> int | None:
    """The year group the date of birth puts the pupil in when `year_group` is another (a pupil
    taught out of their year group, or a slip of the hand); None when it fits."""
    usual = expected_year(date_of_birth, today)
    return None if usual == year_group else usual


def misfit_warning(date_of_birth: date, year_group: int, today: date) -> str | None:
    """What an import's preview says of a year group that does not fit the date of birth."""
    usual = year_misfit(date_of_birth, year_group, today)
    if usual is None:
        return None
    return f"{year_group_label(year_group)} does not fit the date of birth ({year_group_label(usual)} expected)"


def year_question(name: str, sex: str | None, date_of_birth: date, year_group: int, today: date) -> Question | None:
    """The question when a person sets a year group that does not fit the date of birth of the
    pupil called `name`: its one answer names both year groups. None when it fits."""
    usual = year_misfit(date_of_birth, year_group, today)
    if usual is None:
        return None
    chosen, expected = year_group_label(year_group), year_group_label(usual)
    pronoun = OBJECT_PRONOUNS.get(sex or "", "them")
    message = f"{name}'s date of birth puts {pronoun} in {expected}; you chose {chosen}. Save anyway?"
    return Question(FIELD, message, ((f"{year_group}/{usual}", f"Yes, {name} is in {chosen}"),))
