"""CSV imports of the roll: pupils (for schools that prefer a CSV to a CTF), and classes with their
teachers (which a CTF does not carry; `csv_classes`). Both take the preview-and-confirm route of
`sentrack.workflows.imports`, with the planners and appliers of both registered here.

A pupils CSV matches each row to a pupil on the roll by UPN, then former UPN, then surname,
forename and date of birth, as the CTF import does. A blank cell leaves what SEN Track holds as
it is: a CSV adds and changes, it never clears. A pupil new to the school whose UPN is on another
school's record in this SEN Track asks that school for a transfer, as a CTF's does
(`ctf_import.plan_transfer`): the SEN file is on the previous school's record, which the CSV does
not carry. Re-importing a file changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from sentrack.models import ImportBatch, ImportKind, Pupil, School, TeachingGroup, User
from sentrack.models.enums import year_group_label
from sentrack.workflows import RuleBroken
from sentrack.workflows.confirmations import Confirmed
from sentrack.workflows.csv_classes import apply_classes, plan_classes
from sentrack.workflows.csv_rows import (
    Column,
    Incoming,
    also_on,
    bounded_text,
    header_of,
    names_in,
    read_again,
    read_cells,
    read_date,
    read_sex,
    read_table,
    read_year_group,
    repeats,
)
from sentrack.workflows.ctf_import import plan_transfer
from sentrack.workflows.ctf_known import Known, load_elsewhere
from sentrack.workflows.imports import (
    APPLIERS,
    CHANGED,
    ERROR,
    NEW,
    PLANNERS,
    UNCHANGED,
    Change,
    Planned,
    RowPlan,
    refused_on_applying,
    same_record,
)
from sentrack.workflows.pupils import PUPIL_FIELDS, PupilDetails, add_pupil, update_from_mis, update_pupil
from sentrack.workflows.registration import class_names
from sentrack.workflows.revisions import display
from sentrack.workflows.transfers import start_transfer
from sentrack.workflows.upn import normalise, upn_problem
from sentrack.workflows.year_groups import misfit_warning

PUPIL_COLUMNS = (
    Column("upn", "UPN", ("Unique pupil number", "Unique pupil number (UPN)"), required=True),
    Column("last_name", "Surname", ("Legal surname", "Last name", "Family name"), required=True),
    Column("first_name", "Forename", ("Legal forename", "First name", "Given name", "Forenames"), required=True),
    Column("preferred_name", "Preferred forename", ("Preferred first name", "Preferred name", "Known as")),
    Column("preferred_last_name", "Preferred surname", ("Preferred last name",)),
    Column("date_of_birth", "Date of birth", ("DOB", "Birth date"), required=True),
    Column("sex", "Sex", ("Gender",)),
    Column(
        "year_group",
        "Year group",
        ("NC year", "NC year actual", "National curriculum year", "Curriculum year", "Year"),
        required=True,
    ),
    Column("admitted_on", "Admission date", ("Date of admission", "Entry date", "Date admitted", "Admitted")),
    Column("former_upn", "Former UPN", ("Previous UPN", "Old UPN")),
    Column("classes", "Classes", ("Class", "Reg group", "Registration group", "Form", "Tutor group")),
)
# The example row of each template: fictional, and left out when a file carries it unchanged.
PUPIL_EXAMPLE = {
    "upn": "M999000026001",
    "last_name": "Example",
    "first_name": "Alexandra",
    "preferred_name": "Alex",
    "date_of_birth": "14/03/2019",
    "sex": "F",
    "year_group": "2",
    "admitted_on": "01/09/2023",
    "classes": "2 Example",
}
# The pupil's details a CSV carries beyond the pupil form's (`PUPIL_FIELDS`).
EXTRA_FIELDS = ("preferred_last_name", "sex", "former_upn")
DATES = ("date_of_birth", "admitted_on")
NAME_LENGTH = 60
SEXES = {"M": "Male", "F": "Female"}


def _upn(text: str) -> str:
    upn = normalise(text)
    problem = upn_problem(upn)
    if problem:
        raise ValueError(f"“{text}”: {problem}")
    return upn


def _iso_date(text: str) -> str:
    return read_date(text).isoformat()


PUPIL_READERS = {
    "upn": _upn,
    "former_upn": _upn,
    **{key: bounded_text(NAME_LENGTH) for key in ("first_name", "last_name", "preferred_name", "preferred_last_name")},
    "date_of_birth": _iso_date,
    "admitted_on": _iso_date,
    "sex": read_sex,
    "year_group": read_year_group,
    "classes": names_in,
}


def _check_dates(row: Incoming, headings: dict[str, str], today: date) -> None:
    """The rules the roll keeps for dates (`workflows.pupils`), as the row's errors."""
    born = row.values.get("date_of_birth")
    admitted = row.values.get("admitted_on")
    if born is not None:
        born = date.fromisoformat(born)
        if born >= today:
            row.errors.append((headings["date_of_birth"], "The date of birth must be in the past"))
        elif not 1 <= today.year - born.year <= 26:
            row.errors.append((headings["date_of_birth"], "The date of birth must be within the last 26 years"))
    if admitted is not None:
        admitted = date.fromisoformat(admitted)
        if admitted > today:
            row.errors.append((headings["admitted_on"], "The admission date cannot be in the future"))
        elif born is not None and admitted <= born:
            row.errors.append((headings["admitted_on"], "The admission date must be after the date of birth"))


# --- Pupils ---------------------------------------------------------------------------------------


@dataclass
class Roll:
    """The school's pupils on the roll and current classes, loaded once for a whole file."""

    by_upn: dict[str, Pupil]
    by_id: dict[int, Pupil]
    by_name: dict[tuple[str, str, str], list[Pupil]]
    classes: dict[str, TeachingGroup]  # by name in lower case
    left: dict[str, date]  # UPN -> the day a pupil of this school who held it left
    others: Known  # the records of other schools holding the file's UPNs, and the transfers asked of them

    @classmethod
    def load(cls, session: Session, school: School, upns: set[str], today: date) -> Roll:
        pupils = session.scalars(
            sa.select(Pupil).where(Pupil.school_id == school.id).options(selectinload(Pupil.groups)).order_by(Pupil.id)
        ).all()
        roll = cls({}, {}, defaultdict(list), {}, {}, Known(school=school))
        for pupil in pupils:
            if pupil.left_on is not None and pupil.left_on <= today:
                roll.left[pupil.upn] = max(pupil.left_on, roll.left.get(pupil.upn, pupil.left_on))
                continue
            roll.by_upn[pupil.upn] = roll.by_id[pupil.id] = pupil
            roll.by_name[_name_key(pupil.last_name, pupil.first_name, pupil.date_of_birth.isoformat())].append(pupil)
        groups = session.scalars(
            sa.select(TeachingGroup).where(TeachingGroup.school_id == school.id, TeachingGroup.ended_on.is_(None))
        )
        roll.classes = {group.name.lower(): group for group in groups}
        load_elsewhere(session, roll.others, sorted(upns - roll.by_upn.keys() - roll.left.keys()))
        return roll

    def match(self, values: dict) -> tuple[Pupil | None, str | None, str | None]:
        """The pupil a row is about, how it was matched, or why it cannot be matched."""
        if values["upn"] in self.by_upn:
            return self.by_upn[values["upn"]], "upn", None
        former = values.get("former_upn")
        if former and former in self.by_upn:
            return self.by_upn[former], "former_upn", None
        found = self.by_name.get(_name_key(values["last_name"], values["first_name"], values["date_of_birth"]), [])
        if len(found) > 1:
            return None, None, f"{len(found)} pupils on the roll have this name and date of birth: check the UPN"
        return (found[0], "name_dob", None) if found else (None, None, None)


def _name_key(last: str, first: str, born: str) -> tuple[str, str, str]:
    return last.lower(), first.lower(), born


def _pupil_value(pupil: Pupil, key: str):
    if key == "classes":
        return sorted(group.name for group in pupil.groups if group.is_current)
    value = getattr(pupil, key)
    return value.isoformat() if isinstance(value, date) else value


def _shown(key: str, value) -> str:
    if value is None or value == []:
        return "(blank)"
    if key == "year_group":
        return year_group_label(value)
    if key == "sex":
        return SEXES[value]
    if key in DATES:
        return display(date.fromisoformat(value))
    return display(value)


def _pupil_changes(pupil: Pupil, values: dict) -> list[Change]:
    changes = []
    for column in PUPIL_COLUMNS:
        if column.key not in values:
            continue
        was, becomes = _pupil_value(pupil, column.key), values[column.key]
        if column.key == "classes":
            differs = {name.lower() for name in was} != {name.lower() for name in becomes}
        else:
            differs = was != becomes
        if differs:
            changes.append(Change(column.key, column.label, _shown(column.key, was), _shown(column.key, becomes)))
    return changes


def _pupil_warnings(roll: Roll, values: dict, matched: Pupil | None, today: date) -> list[str]:
    warnings = []
    if "year_group" in values and "date_of_birth" in values:
        misfit = misfit_warning(date.fromisoformat(values["date_of_birth"]), values["year_group"], today)
        if misfit:
            warnings.append(misfit)
    registration = [roll.classes[name.lower()] for name in values.get("classes", [])]
    registration = [group for group in registration if group.is_registration]
    if len(registration) > 1:
        warnings.append(f"{class_names(registration)} are registration classes: the pupil will be in each of them")
    if matched is None and values["upn"] in roll.left:
        warnings.append(
            f"A pupil with this UPN left the school on {display(roll.left[values['upn']])}: this row adds a new record"
        )
    return warnings


def _plan_pupil(roll: Roll, row: Incoming, headings: dict, repeated: dict, claimed: dict, today: date) -> RowPlan:
    values = row.values
    label = " ".join(filter(None, (values.get("first_name"), values.get("last_name")))) or f"Line {row.position}"
    plan = RowPlan(position=row.position, label=label, status=ERROR, errors=list(row.errors), values=values)
    if values.get("upn") in repeated:
        plan.errors.append((headings["upn"], f"This UPN is also on {also_on(repeated[values['upn']], row.position)}"))
    unknown = [name for name in values.get("classes", []) if name.lower() not in roll.classes]
    if unknown:
        plan.errors.append(
            (headings["classes"], f"No class of the school is called {', '.join(unknown)}: import the classes first")
        )
    if plan.errors:
        return plan
    if values.get("classes"):
        values["classes"] = [roll.classes[name.lower()].name for name in values["classes"]]
    else:
        values.pop("classes", None)  # a blank cell leaves the pupil's classes as they are
    pupil, plan.match, problem = roll.match(values)
    if problem:
        plan.errors.append((headings["upn"], problem))
        return plan
    plan.record_id = pupil.id if pupil is not None else None
    clash = same_record(claimed, plan, word="Line")
    if clash:
        plan.record_id = None
        plan.errors.append((headings["upn"], clash))
        return plan
    plan.warnings = _pupil_warnings(roll, values, pupil, today)
    if pupil is None:
        plan.status = NEW
        plan_transfer(roll.others, plan)
        if plan.errors:  # another school is waiting for the same record
            plan.status, plan.errors = ERROR, [(headings["upn"], message) for _, message in plan.errors]
        return plan
    plan.changes = _pupil_changes(pupil, values)
    plan.status = CHANGED if plan.changes else UNCHANGED
    return plan


def _plan_pupils(
    session: Session, school: School, rows: list[Incoming], headings: dict, today: date
) -> tuple[Roll, list[RowPlan]]:
    for row in rows:
        _check_dates(row, headings, today)
    roll = Roll.load(session, school, {row.values["upn"] for row in rows if "upn" in row.values}, today)
    repeated = repeats(rows, "upn")
    claimed: dict[int, tuple[int, str | None]] = {}
    return roll, [_plan_pupil(roll, row, headings, repeated, claimed, today) for row in rows]


def plan_pupils(session: Session, *, school: School, data: bytes, file_name: str, today: date) -> Planned:
    """The preview of a pupils CSV: one row plan per row of the file. Stores nothing."""
    table = read_table(data, file_name, PUPIL_COLUMNS, PUPIL_EXAMPLE)
    rows = read_cells(table, PUPIL_COLUMNS, PUPIL_READERS)
    _, plans = _plan_pupils(session, school, rows, table.headings, today)
    return Planned(header=header_of(table), rows=plans)


def apply_pupils(session: Session, *, actor: User, batch: ImportBatch, rows: list[RowPlan], today: date) -> None:
    """Apply a confirmed pupils CSV, planning its rows again against the roll as it is now: new
    pupils added, changed pupils updated (only the fields the preview showed); a row that is in
    error now (a class removed since, a pupil another row is about) is left out, and the stored
    preview shows it in error."""
    school = session.get(School, batch.school_id)
    incoming, shown = read_again(rows)
    # The rows the preview found unchanged are planned again too, only so that their pupils are
    # claimed first (`imports.same_record`): they change nothing.
    incoming += [Incoming(row.position, dict(row.values), []) for row in rows if row.status == UNCHANGED]
    incoming.sort(key=lambda row: row.position)
    roll, plans = _plan_pupils(session, school, incoming, {column.key: column.key for column in PUPIL_COLUMNS}, today)
    refused = [plan for plan in plans if plan.status == ERROR]
    for plan in plans:
        if plan.position not in shown:
            continue
        if plan.status == NEW and plan.transfer_from is not None:
            refused += _ask_transfer(session, actor, batch, school, plan)
        elif plan.status == NEW:
            _add_pupil(session, actor, school, roll, plan.values, today)
        elif plan.status == CHANGED:
            fields = {change.field for change in plan.changes}
            if shown[plan.position] is not None:
                fields &= shown[plan.position]
            _change_pupil(session, actor, roll, roll.by_id[plan.record_id], plan.values, fields, today)
    refused_on_applying(batch, refused)


def _ask_transfer(session: Session, actor: User, batch: ImportBatch, school: School, plan: RowPlan) -> list[RowPlan]:
    """Ask the previous school for the pupil's record, with the row's details for the record made
    when it confirms; the row refused (returned) when another school asked first meanwhile."""
    try:
        with session.begin_nested():
            start_transfer(
                session,
                actor=actor,
                school=school,
                from_pupil=session.get(Pupil, plan.transfer_from),
                details=plan.values,
                batch=batch,
            )
    except RuleBroken as broken:
        plan.errors.append(("upn", broken.message))
        return [plan]
    return []


def _details(base: dict, values: dict) -> PupilDetails:
    merged = {**base, **{key: values[key] for key in PUPIL_FIELDS if key in values}}
    for key in DATES:
        if isinstance(merged.get(key), str):
            merged[key] = date.fromisoformat(merged[key])
    # The preview warned of what the pupil form asks about, and the import was confirmed as a whole.
    return PupilDetails(**merged, confirmed=Confirmed(as_given=True))


def _add_pupil(session: Session, actor: User, school: School, roll: Roll, values: dict, today: date) -> None:
    blank = {"preferred_name": None, "looked_after": False, "medical_conditions": False, "medical_notes": None}
    details = _details({**blank, "admitted_on": None}, values)
    group_ids = [roll.classes[name.lower()].id for name in values.get("classes", [])]
    pupil = add_pupil(session, actor=actor, school_id=school.id, details=details, group_ids=group_ids, today=today)
    for key in EXTRA_FIELDS:
        setattr(pupil, key, values.get(key))
    roll.by_upn[pupil.upn] = roll.by_id[pupil.id] = pupil


def _change_pupil(
    session: Session, actor: User, roll: Roll, pupil: Pupil, values: dict, fields: set[str], today: date
) -> None:
    """Change the `fields` of the pupil to the row's values: the pupil form's fields and classes
    through `update_pupil`, the others (preferred surname, sex, former UPN) as the MIS gives them."""
    if fields & {*PUPIL_FIELDS, "classes"}:
        current = {key: getattr(pupil, key) for key in PUPIL_FIELDS}
        details = _details(current, {key: values[key] for key in fields if key in PUPIL_FIELDS})
        group_ids = [group.id for group in pupil.groups]
        if "classes" in fields:
            named = [roll.classes[name.lower()].id for name in values["classes"]]
            group_ids = [group.id for group in pupil.groups if not group.is_current] + named
        update_pupil(session, actor=actor, pupil=pupil, details=details, group_ids=group_ids, today=today)
    extras = {key: values[key] for key in sorted(fields & set(EXTRA_FIELDS))}
    update_from_mis(session, actor=actor, pupil=pupil, updates=extras)
    session.flush()


PLANNERS[ImportKind.PUPILS_CSV] = plan_pupils
PLANNERS[ImportKind.CLASSES_CSV] = plan_classes
APPLIERS[ImportKind.PUPILS_CSV] = apply_pupils
APPLIERS[ImportKind.CLASSES_CSV] = apply_classes
