"""The school's term dates and rule settings, which its SENCO sets (DESIGN sections 1 and 6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import LocalAuthority, School, SchoolTerm, Season, User
from sentrack.workflows import RuleBroken
from sentrack.workflows.revisions import begin_edit, check_version, finish_edit, forget, insert_once
from sentrack.workflows.schools import checked_estab_number
from sentrack.workflows.terms import Term, academic_year_of, default_term, term_name, terms_of_schools, year_label

# Each setting: its label and the range the database's CHECK constraint allows.
RULE_SETTINGS: dict[str, tuple[str, int, int]] = {
    "concern_deadline_days": ("Days to decide on a concern", 1, 90),
    "review_interval_weeks": ("Weeks from a plan's start to its review", 6, 12),
    "parent_meeting_min_days": ("Days on the register before a term counts for parent meetings", 0, 90),
    "parent_due_window_days": ("Days before a term ends that a parent meeting is due", 1, 60),
    "records_stale_weeks": ("Weeks without an update before a record is stale", 1, 52),
    "assistant_access_weeks": (
        "Weeks a support assistant keeps access to an intervention's pupils after it ends",
        0,
        52,
    ),
    # How long a leaver's records are kept (`sentrack.workflows.retention`; IRMS toolkit for schools).
    "sen_file_kept_years": ("Years after the date of birth a leaver's SEN file is kept", 25, 100),
    "pupil_record_kept_years": (
        "Years after the date of birth the record of a leaver never on the SEN register is kept",
        6,
        100,
    ),
}

# The national curriculum years the school teaches (-1 nursery, 0 reception, 1 to 14): a pupil in
# the oldest moves on to another setting, a phase transfer for an EHC plan (regulation 18).
YEARS_TAUGHT = {"lowest_year": "Youngest year group taught", "highest_year": "Oldest year group taught"}
YEAR_RANGE = range(-1, 15)


def school_term_rows(session: Session, school: School, today: date) -> dict[int, list[Term]]:
    """The school's terms of this and next academic year, by year, for the settings page: its own
    dates where set, else the defaults. One query."""
    year = academic_year_of(today)
    terms = terms_of_schools(session, [school.id], [year, year + 1])[school.id]
    return {y: [t for t in terms if t.academic_year == y] for y in (year, year + 1)}


def years_offered(today: date, term: SchoolTerm | None = None) -> list[int]:
    """The academic years a term's dates may be set for: this one and the next, and the year of
    `term` when changing one set earlier."""
    year = academic_year_of(today)
    return sorted({year, year + 1} | ({term.academic_year} if term is not None else set()))


# What a conflicting save of the school's settings lists: the rule settings and the impact scale.
SCHOOL_FIELDS = (
    {name: label for name, (label, _low, _high) in RULE_SETTINGS.items()}
    | YEARS_TAUGHT
    | {"estab_number": "DfE establishment number", "maintained": "Maintained school", "impact_scale": "Impact scale"}
)
TERM_FIELDS = {
    "starts_on": "First day of the term",
    "ends_on": "Last day of the term",
    "half_term_starts_on": "First day of the half-term holiday",
    "half_term_ends_on": "Last day of the half-term holiday",
}


@dataclass
class TermDetails:
    academic_year: int | None
    season: Season | None
    starts_on: date
    ends_on: date
    half_term_starts_on: date | None = None
    half_term_ends_on: date | None = None


# Where each term may lie in the academic year starting in September of year Y: its first day
# between the first two dates, its last day by the third; each as (years after Y, month, day).
TERM_BOUNDS: dict[Season, tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]]] = {
    Season.AUTUMN: ((0, 9, 1), (0, 10, 31), (0, 12, 31)),
    Season.SPRING: ((1, 1, 1), (1, 1, 31), (1, 4, 30)),
    Season.SUMMER: ((1, 3, 1), (1, 5, 31), (1, 8, 31)),
}
MIN_TERM_DAYS = 28
MAX_HALF_TERM_DAYS = 14
FIRST_YEAR, LAST_YEAR = 2000, 2099  # the academic years the database accepts


def _audited(session: Session, action: str, *, actor: User, school: School, record: tuple[str, int], **details) -> None:
    """The audit of `action` on the school's `record` (its type and id), with `details`; flushed."""
    object_type, object_id = record
    audit.record(
        session, action, actor=actor, school_id=school.id, object_type=object_type, object_id=object_id, details=details
    )
    session.flush()


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _bound(year: int, part: tuple[int, int, int]) -> date:
    offset, month, day = part
    return date(year + offset, month, day)


def _check_term_free(session: Session, school: School, details: TermDetails, term: SchoolTerm | None) -> str:
    """The term's name; RuleBroken for no academic year or term, or a term the school already has
    its own dates for (other than `term`, the one being changed)."""
    year, season = details.academic_year, details.season
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise RuleBroken("Select the academic year", field="academic_year")
    if season is None:
        raise RuleBroken("Select the term", field="season")
    name = term_name(season, year)
    taken = session.scalar(
        sa.select(SchoolTerm.id).where(
            SchoolTerm.school_id == school.id,
            SchoolTerm.academic_year == year,
            SchoolTerm.season == season,
            SchoolTerm.id != (term.id if term is not None else -1),
        )
    )
    if taken is not None:
        raise RuleBroken(f"{name} already has the school's own dates: change those instead", field="season")
    return name


def _check_place_in_year(details: TermDetails) -> None:
    """The term ends after it starts, lies in its place in the year and is at least four weeks long."""
    year, season, starts_on, ends_on = details.academic_year, details.season, details.starts_on, details.ends_on
    if ends_on <= starts_on:
        raise RuleBroken("The last day of the term must be after its first day", field="ends_on")
    earliest, latest_start, latest_end = (_bound(year, part) for part in TERM_BOUNDS[season])
    term = f"The {season.value} term of {year_label(year)}"
    if not earliest <= starts_on <= latest_start:
        raise RuleBroken(f"{term} must start between {_long(earliest)} and {_long(latest_start)}", field="starts_on")
    if ends_on > latest_end:
        raise RuleBroken(f"{term} must end by {_long(latest_end)}", field="ends_on")
    if (ends_on - starts_on).days + 1 < MIN_TERM_DAYS:
        raise RuleBroken("A term must be at least 4 weeks long", field="ends_on")


def _check_no_overlap(session: Session, school: School, details: TermDetails, term: SchoolTerm | None) -> None:
    """The dates overlap none of the school's other terms around them, its own or the default ones."""
    year, season, starts_on, ends_on = details.academic_year, details.season, details.starts_on, details.ends_on
    beside = terms_of_schools(session, [school.id], [year - 1, year, year + 1])[school.id]
    for other in beside:
        if (other.academic_year, other.season) == (year, season) or (term is not None and other.id == term.id):
            continue
        if other.starts_on <= ends_on and other.ends_on >= starts_on:
            whose = "the school's dates" if other.own else f"the default dates: set {other.name}'s own dates first"
            raise RuleBroken(
                f"The dates overlap {other.name} ({_long(other.starts_on)} to {_long(other.ends_on)}, {whose})",
                field="starts_on" if other.starts_on < starts_on else "ends_on",
            )


def _check_half_term(details: TermDetails) -> None:
    """The half-term holiday, if any: both days, inside the term, at most two weeks."""
    half_start, half_end = details.half_term_starts_on, details.half_term_ends_on
    if half_start is None and half_end is not None:
        raise RuleBroken(
            "Enter the first day of the half-term holiday, or leave both days blank", field="half_term_starts_on"
        )
    if half_start is not None and half_end is None:
        raise RuleBroken(
            "Enter the last day of the half-term holiday, or leave both days blank", field="half_term_ends_on"
        )
    if half_start is None:
        return
    if not details.starts_on < half_start < details.ends_on:
        raise RuleBroken(
            "The half-term holiday must start after the first day of the term and before its last day",
            field="half_term_starts_on",
        )
    if half_end < half_start:
        raise RuleBroken(
            "The last day of the half-term holiday must be on or after its first day", field="half_term_ends_on"
        )
    if half_end >= details.ends_on:
        raise RuleBroken("The half-term holiday must end before the last day of the term", field="half_term_ends_on")
    if (half_end - half_start).days + 1 > MAX_HALF_TERM_DAYS:
        raise RuleBroken("A half-term holiday can be at most 2 weeks long", field="half_term_ends_on")


def _dates(details: TermDetails) -> dict[str, object]:
    return {
        "academic_year": details.academic_year,
        "season": details.season,
        "starts_on": details.starts_on,
        "ends_on": details.ends_on,
        "half_term_starts_on": details.half_term_starts_on,
        "half_term_ends_on": details.half_term_ends_on,
    }


def _add_term(session: Session, *, actor: User, school: School, details: TermDetails) -> SchoolTerm:
    """The school's new term. Two people setting the same term at once: the school holds one,
    the second is told."""
    term = SchoolTerm(school_id=school.id, **_dates(details))
    year, season = details.academic_year, details.season
    insert_once(
        session,
        "school_term",
        term,
        TERM_FIELDS,
        actor,
        existing=lambda: session.scalar(
            sa.select(SchoolTerm).where(
                SchoolTerm.school_id == school.id, SchoolTerm.academic_year == year, SchoolTerm.season == season
            )
        ),
    )
    return term


def _change_term(
    session: Session, *, actor: User, term: SchoolTerm, details: TermDetails, expected_version: int | None
) -> None:
    begin_edit(session, "school_term", term, TERM_FIELDS, expected_version)
    for name, value in _dates(details).items():
        setattr(term, name, value)
    finish_edit(session, "school_term", term, TERM_FIELDS, actor)


def save_term(
    session: Session,
    *,
    actor: User,
    school: School,
    details: TermDetails,
    term: SchoolTerm | None = None,  # the school's dates being changed; None to set a term's dates
    expected_version: int | None = None,  # the version of `term` the person opened
) -> SchoolTerm:
    """Set the school's own dates for one term of an academic year (its half-term holiday
    optional), or change them. Refused (RuleBroken, beside the field at fault, nothing stored)
    for a term the school already has dates for, an end not after the start, a term outside its
    place in the year (autumn, then spring, then summer) or shorter than four weeks, dates
    overlapping another of the school's terms (its own or the default ones beside it), or a
    half-term holiday outside the term, longer than two weeks or missing a day."""
    if term is not None:
        check_version(session, "school_term", term, TERM_FIELDS, expected_version)
    name = _check_term_free(session, school, details, term)
    _check_place_in_year(details)
    _check_no_overlap(session, school, details, term)
    _check_half_term(details)
    created = term is None
    if created:
        term = _add_term(session, actor=actor, school=school, details=details)
    else:
        _change_term(session, actor=actor, term=term, details=details, expected_version=expected_version)
    action = "term_added" if created else "term_changed"
    _audited(session, action, actor=actor, school=school, record=("school_term", term.id), term=name)
    return term


def use_default_dates(session: Session, *, actor: User, school: School, term: SchoolTerm) -> None:
    """Remove the school's own dates of a term, so that it has the default dates again. Refused
    (RuleBroken) when the default dates would overlap the school's dates of another term."""
    default = default_term(term.season, term.academic_year)
    beside = terms_of_schools(
        session, [school.id], [term.academic_year - 1, term.academic_year, term.academic_year + 1]
    )
    for other in beside[school.id]:
        if (
            other.own
            and other.id != term.id
            and other.starts_on <= default.ends_on
            and other.ends_on >= default.starts_on
        ):
            raise RuleBroken(
                f"The default dates of {default.name} ({_long(default.starts_on)} to {_long(default.ends_on)}) would"
                f" overlap {other.name} ({_long(other.starts_on)} to {_long(other.ends_on)}): change {other.name} first"
            )
    name, term_id = default.name, term.id
    session.delete(term)
    forget(session, "school_term", term_id)
    session.flush()
    _audited(session, "term_removed", actor=actor, school=school, record=("school_term", term_id), term=name)


def save_rule_settings(
    session: Session,
    *,
    actor: User,
    school: School,
    values: dict[str, int | str | None],
    expected_version: int | None = None,
) -> list[str]:
    """Change the rule settings (the years the school teaches and its DfE establishment number
    among them); returns the names changed. Refused (RuleBroken) for a value outside its range,
    an oldest year younger than the youngest, or an establishment number not of 4 digits or
    another school's of the authority; EditConflict when someone else saved the settings after
    `expected_version`."""
    check_version(session, "school", school, SCHOOL_FIELDS, expected_version)
    values = dict(values)
    if "estab_number" in values:
        values["estab_number"] = checked_estab_number(
            session, school, values["estab_number"], school.local_authority_id
        )
    if "maintained" in values and not isinstance(values["maintained"], bool):
        raise RuleBroken("Select whether the school is maintained by the local authority", field="maintained")
    for name, value in values.items():
        if name in ("estab_number", "maintained"):
            continue
        label, low, high = RULE_SETTINGS.get(name) or (YEARS_TAUGHT[name], YEAR_RANGE[0], YEAR_RANGE[-1])
        if value is None or not low <= value <= high:
            raise RuleBroken(f"{label} must be between {low} and {high}", field=name)
    if values.get("lowest_year", school.lowest_year) > values.get("highest_year", school.highest_year):
        raise RuleBroken("The oldest year group taught cannot be younger than the youngest", field="highest_year")
    changed = [name for name, value in values.items() if getattr(school, name) != value]
    if changed:
        begin_edit(session, "school", school, SCHOOL_FIELDS, expected_version)
        for name in changed:
            setattr(school, name, values[name])
        finish_edit(session, "school", school, SCHOOL_FIELDS, actor)
    session.flush()
    if changed:
        _audited(
            session, "rule_settings_changed", actor=actor, school=school, record=("school", school.id), changed=changed
        )
    return changed


# --- Second factor for signing in -------------------------------------------------------------------


def save_second_factor_rule(session: Session, *, actor: User, school: School, for_all: bool) -> bool:
    """Require a second factor of everyone at `school` (the SENCO, the head teacher), or no
    longer (the head teacher only: `access.may_switch_second_factor_off`); audited. Returns
    whether it changed. The roles that open many records need one whatever this says, unless the
    authority has switched the requirement off (`access.second_factor_required`)."""
    from sentrack import access

    if for_all == school.second_factor_for_all:
        return False
    if not for_all and not access.may_switch_second_factor_off(actor):
        raise RuleBroken("Only the head teacher can switch off the requirement", field="for_all")
    school.second_factor_for_all = for_all
    _audited(
        session,
        "second_factor_rule_changed",
        actor=actor,
        school=school,
        record=("school", school.id),
        for_all=for_all,
    )
    return True


def save_authority_requirement(session: Session, authority: LocalAuthority, *, required: bool) -> bool:
    """Require a second factor of the roles that open many records at every school of `authority`
    and of its officers, or no longer: the operator's switch (`flask second-factor-requirement`),
    audited under the name the command acts as. Returns whether it changed."""
    if required == authority.second_factor_required:
        return False
    authority.second_factor_required = required
    audit.record(
        session,
        "second_factor_requirement_changed",
        object_type="local_authority",
        object_id=authority.id,
        details={"required": required},
    )
    session.flush()
    return True
