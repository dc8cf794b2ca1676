"""CSV imports of the roll: pupils (for schools that prefer a CSV to a CTF), and classes with their
teachers (which a CTF does not carry). Both take the preview-and-confirm route of
`sentrack.workflows.imports`, with the planners and appliers registered here.

A pupils CSV matches each row to a pupil on the roll by UPN, then former UPN, then surname,
forename and date of birth, as the CTF import does. A classes CSV matches each row to a current
class by name. A blank cell leaves what SEN Track holds as it is: a CSV adds and changes, it never
clears. A CSV carries no SEN, so a pupil whose UPN is on another school's record is a new pupil of
this school (with a warning), with no SEN file to transfer. Re-importing a file changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from sentrack.models import ImportBatch, ImportKind, Pupil, Role, School, TeachingGroup, User
from sentrack.models.enums import year_group_label
from sentrack.workflows.csv_rows import Column, Table, names_in, read_date, read_sex, read_table, read_year_group
from sentrack.workflows.ctf_rows import expected_year
from sentrack.workflows.imports import APPLIERS, CHANGED, ERROR, NEW, PLANNERS, UNCHANGED, Change, Planned, RowPlan
from sentrack.workflows.pupils import PUPIL_FIELDS, PupilDetails, add_pupil, update_from_mis, update_pupil
from sentrack.workflows.revisions import display
from sentrack.workflows.staff import GroupDetails, save_group
from sentrack.workflows.terms import academic_year_of
from sentrack.workflows.upn import normalise, upn_problem

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
CLASS_COLUMNS = (
    Column("name", "Class", ("Class name", "Name", "Teaching group", "Group"), required=True),
    Column("year_group", "Year group", ("NC year", "National curriculum year", "Curriculum year", "Year")),
    Column("teachers", "Teachers", ("Teacher", "Teacher email", "Teacher emails", "Staff emails")),
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
CLASS_EXAMPLE = {"name": "2 Example", "year_group": "2", "teachers": "class.teacher@school.example"}

# The pupil's details a CSV carries beyond the pupil form's (`PUPIL_FIELDS`).
EXTRA_FIELDS = ("preferred_last_name", "sex", "former_upn")
DATES = ("date_of_birth", "admitted_on")
NAME_LENGTH = {"first_name": 60, "last_name": 60, "preferred_name": 60, "preferred_last_name": 60, "name": 40}
# Those who may teach a class: support assistants deliver interventions, not classes.
TEACHING_ROLES = frozenset({Role.TEACHER, Role.SENCO, Role.HEAD})
SEXES = {"M": "Male", "F": "Female"}


@dataclass
class Incoming:
    """A row as read: its line, its values as JSON values (dates ISO), and what could not be read
    as (the file's heading of the column, the reason)."""

    position: int
    values: dict
    errors: list[tuple[str, str]]


def _read_cells(table: Table, columns: tuple[Column, ...], readers: dict) -> list[Incoming]:
    labels = {column.key: column.label for column in columns}
    incoming = []
    for line, cells in table.rows:
        row = Incoming(line, {}, [])
        for key, text in cells.items():
            try:
                row.values[key] = readers[key](text)
            except ValueError as error:
                row.errors.append((table.headings[key], str(error)))
        for column in columns:
            if column.required and column.key not in cells:
                row.errors.append((table.headings[column.key], f"Enter the {labels[column.key].lower()}"))
        incoming.append(row)
    return incoming


def _upn(text: str) -> str:
    upn = normalise(text)
    problem = upn_problem(upn)
    if problem:
        raise ValueError(f"“{text}”: {problem}")
    return upn


def _name(key: str):
    def read(text: str) -> str:
        text = " ".join(text.split())
        if len(text) > NAME_LENGTH[key]:
            raise ValueError(f"Write at most {NAME_LENGTH[key]} characters")
        return text

    return read


def _iso_date(text: str) -> str:
    return read_date(text).isoformat()


PUPIL_READERS = {
    "upn": _upn,
    "former_upn": _upn,
    **{key: _name(key) for key in ("first_name", "last_name", "preferred_name", "preferred_last_name")},
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
    elsewhere: set[str]  # UPNs on a record of another school

    @classmethod
    def load(cls, session: Session, school: School, upns: set[str], today: date) -> Roll:
        pupils = session.scalars(
            sa.select(Pupil).where(Pupil.school_id == school.id).options(selectinload(Pupil.groups)).order_by(Pupil.id)
        ).all()
        roll = cls({}, {}, defaultdict(list), {}, {}, set())
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
        wanted = sorted(upns)
        for start in range(0, len(wanted), 500):
            roll.elsewhere.update(
                session.scalars(
                    sa.select(Pupil.upn)
                    .where(Pupil.upn.in_(wanted[start : start + 500]), Pupil.school_id != school.id)
                    .distinct()
                )
            )
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
        usual = expected_year(date.fromisoformat(values["date_of_birth"]), today)
        if usual != values["year_group"]:
            warnings.append(
                f"{year_group_label(values['year_group'])} does not fit the date of birth "
                f"({year_group_label(usual)} expected)"
            )
    if matched is None and values["upn"] in roll.elsewhere:
        warnings.append("This UPN is on a record of another school: this row adds a new pupil of this school")
    if matched is None and values["upn"] in roll.left:
        warnings.append(
            f"A pupil with this UPN left the school on {display(roll.left[values['upn']])}: this row adds a new record"
        )
    return warnings


def _repeats(rows: list[Incoming], key: str, fold=lambda value: value) -> dict[object, list[int]]:
    """The values of `key` that more than one row gives, with the lines that give them."""
    lines: dict[object, list[int]] = defaultdict(list)
    for row in rows:
        if key in row.values:
            lines[fold(row.values[key])].append(row.position)
    return {value: found for value, found in lines.items() if len(found) > 1}


def _also_on(lines: list[int], position: int) -> str:
    others = [str(line) for line in lines if line != position]
    return f"line{'s' if len(others) > 1 else ''} {', '.join(others)}"


def _plan_pupil(roll: Roll, row: Incoming, headings: dict, repeated: dict, claimed: dict, today: date) -> RowPlan:
    values = row.values
    label = " ".join(filter(None, (values.get("first_name"), values.get("last_name")))) or f"Line {row.position}"
    plan = RowPlan(position=row.position, label=label, status=ERROR, errors=list(row.errors), values=values)
    if values.get("upn") in repeated:
        plan.errors.append((headings["upn"], f"This UPN is also on {_also_on(repeated[values['upn']], row.position)}"))
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
    if pupil is not None and pupil.id in claimed:
        plan.errors.append((headings["upn"], f"Line {claimed[pupil.id]} is about the same pupil"))
        return plan
    plan.warnings = _pupil_warnings(roll, values, pupil, today)
    if pupil is None:
        plan.status = NEW
        return plan
    claimed[pupil.id] = row.position
    plan.record_id = pupil.id
    plan.changes = _pupil_changes(pupil, values)
    plan.status = CHANGED if plan.changes else UNCHANGED
    return plan


def _plan_pupils(
    session: Session, school: School, rows: list[Incoming], headings: dict, today: date
) -> tuple[Roll, list[RowPlan]]:
    for row in rows:
        _check_dates(row, headings, today)
    roll = Roll.load(session, school, {row.values["upn"] for row in rows if "upn" in row.values}, today)
    repeated = _repeats(rows, "upn")
    claimed: dict[int, int] = {}
    return roll, [_plan_pupil(roll, row, headings, repeated, claimed, today) for row in rows]


def _header(table: Table) -> dict:
    """What the preview says of the file as a whole."""
    return {
        "encoding": table.encoding,
        "columns": list(table.headings.values()),
        "ignored_columns": table.ignored,
        "example_row_skipped": table.skipped_example,
    }


def plan_pupils(session: Session, *, school: School, data: bytes, file_name: str, today: date) -> Planned:
    """The preview of a pupils CSV: one row plan per row of the file. Stores nothing."""
    table = read_table(data, file_name, PUPIL_COLUMNS, PUPIL_EXAMPLE)
    rows = _read_cells(table, PUPIL_COLUMNS, PUPIL_READERS)
    _, plans = _plan_pupils(session, school, rows, table.headings, today)
    return Planned(header=_header(table), rows=plans)


def _again(rows: list[RowPlan]) -> tuple[list[Incoming], dict[int, set[str] | None]]:
    """The rows a confirmed preview would add or change, read again; and for each row the preview
    showed as changed, the fields it showed (a field changed since by a colleague and not in the
    preview is left as they saved it). Headings are the keys: the file's are not kept."""
    wanted = [row for row in rows if row.status in (NEW, CHANGED)]
    shown = {row.position: ({c.field for c in row.changes} if row.status == CHANGED else None) for row in wanted}
    return [Incoming(row.position, dict(row.values), []) for row in wanted], shown


def apply_pupils(session: Session, *, actor: User, batch: ImportBatch, rows: list[RowPlan], today: date) -> None:
    """Apply a confirmed pupils CSV, planning its rows again against the roll as it is now: new
    pupils added, changed pupils updated (only the fields the preview showed); a row that is in
    error now (a class removed since) is left out."""
    school = session.get(School, batch.school_id)
    incoming, shown = _again(rows)
    roll, plans = _plan_pupils(session, school, incoming, {column.key: column.key for column in PUPIL_COLUMNS}, today)
    for plan in plans:
        if plan.status == NEW:
            _add_pupil(session, actor, school, roll, plan.values, today)
        elif plan.status == CHANGED:
            fields = {change.field for change in plan.changes}
            if shown[plan.position] is not None:
                fields &= shown[plan.position]
            _change_pupil(session, actor, roll, roll.by_id[plan.record_id], plan.values, fields, today)


def _details(base: dict, values: dict) -> PupilDetails:
    merged = {**base, **{key: values[key] for key in PUPIL_FIELDS if key in values}}
    for key in DATES:
        if isinstance(merged.get(key), str):
            merged[key] = date.fromisoformat(merged[key])
    return PupilDetails(**merged)


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


# --- Classes --------------------------------------------------------------------------------------


def _emails(text: str) -> list[str]:
    return [email.lower() for email in names_in(text.replace(",", ";"))]


CLASS_READERS = {"name": _name("name"), "year_group": read_year_group, "teachers": _emails}


@dataclass
class Staffing:
    """The school's current classes, the names of its ended ones, and its staff by email."""

    classes: dict[str, TeachingGroup]
    ended: set[str]
    staff: dict[str, User]

    @classmethod
    def load(cls, session: Session, school: School) -> Staffing:
        groups = session.scalars(
            sa.select(TeachingGroup)
            .where(TeachingGroup.school_id == school.id)
            .options(selectinload(TeachingGroup.teachers))
        ).all()
        staff = session.scalars(
            sa.select(User).where(User.school_id == school.id).options(selectinload(User.role_assignments))
        ).all()
        return cls(
            classes={group.name.lower(): group for group in groups if group.is_current},
            ended={group.name.lower() for group in groups if not group.is_current},
            staff={member.email.lower(): member for member in staff},
        )

    def teacher_problem(self, email: str) -> str | None:
        member = self.staff.get(email)
        if member is None:
            return f"{email} is not the email address of a member of staff of this school"
        if not member.active:
            return f"{email} is the email address of an account that is not active"
        if not member.roles & TEACHING_ROLES:
            return f"{email} is a member of staff who does not teach (class teacher, SENCO or head teacher)"
        return None


def _teacher_names(members) -> list[str]:
    return sorted(member.full_name for member in members)


def _class_changes(staffing: Staffing, group: TeachingGroup, values: dict) -> list[Change]:
    changes = []
    if "year_group" in values and values["year_group"] != group.year_group:
        was, becomes = group.year_group, values["year_group"]
        changes.append(Change("year_group", "Year group", _shown("year_group", was), _shown("year_group", becomes)))
    if "teachers" in values:
        was = {member.email.lower() for member in group.teachers}
        if was != set(values["teachers"]):
            becomes = [staffing.staff[email] for email in values["teachers"]]
            changes.append(
                Change(
                    "teachers",
                    "Teachers",
                    display(_teacher_names(group.teachers)),
                    display(_teacher_names(becomes)),
                )
            )
    return changes


def _plan_class(staffing: Staffing, row: Incoming, headings: dict, repeated: dict) -> RowPlan:
    values = row.values
    plan = RowPlan(row.position, values.get("name") or f"Line {row.position}", ERROR, errors=list(row.errors))
    plan.values = values
    name = values.get("name", "").lower()
    if name in repeated:
        plan.errors.append((headings["name"], f"This class is also on {_also_on(repeated[name], row.position)}"))
    for email in values.get("teachers", []):
        problem = staffing.teacher_problem(email)
        if problem:
            plan.errors.append((headings["teachers"], problem))
    group = staffing.classes.get(name)
    if group is None and name in staffing.ended:
        plan.errors.append((headings["name"], "A class that has ended has this name: give the new class another name"))
    if plan.errors:
        return plan
    teachers = len(values.get("teachers", group.teachers if group else []))
    if teachers > 1 and (group is None or len(group.teachers) < teachers):
        plan.warnings.append(f"The class will have {teachers} teachers")
    if group is None:
        plan.status = NEW
        return plan
    plan.match, plan.record_id, plan.label = "name", group.id, group.name
    plan.changes = _class_changes(staffing, group, values)
    plan.status = CHANGED if plan.changes else UNCHANGED
    return plan


def _plan_classes(session: Session, school: School, rows: list[Incoming], headings: dict) -> tuple:
    staffing = Staffing.load(session, school)
    repeated = _repeats(rows, "name", str.lower)
    return staffing, [_plan_class(staffing, row, headings, repeated) for row in rows]


def plan_classes(session: Session, *, school: School, data: bytes, file_name: str, today: date) -> Planned:
    """The preview of a classes CSV: one row plan per class. Stores nothing."""
    table = read_table(data, file_name, CLASS_COLUMNS, CLASS_EXAMPLE)
    rows = _read_cells(table, CLASS_COLUMNS, CLASS_READERS)
    _, plans = _plan_classes(session, school, rows, table.headings)
    return Planned(header=_header(table), rows=plans)


def apply_classes(session: Session, *, actor: User, batch: ImportBatch, rows: list[RowPlan], today: date) -> None:
    """Apply a confirmed classes CSV through the staff workflow's `save_group`, planning its rows
    again against the classes and staff as they are now: new classes opened for this academic
    year, changed classes given the year group and teachers the preview showed."""
    school = session.get(School, batch.school_id)
    incoming, shown = _again(rows)
    staffing, plans = _plan_classes(session, school, incoming, {column.key: column.key for column in CLASS_COLUMNS})
    for plan in plans:
        values = plan.values
        teacher_ids = [staffing.staff[email].id for email in values.get("teachers", [])]
        if plan.status == NEW:
            details = GroupDetails(name=values["name"], year_group=values.get("year_group"), teacher_ids=teacher_ids)
            group = save_group(session, actor=actor, details=details)
            group.academic_year = academic_year_of(today)
        elif plan.status == CHANGED:
            group = staffing.classes[values["name"].lower()]
            fields = {change.field for change in plan.changes} & (shown[plan.position] or {"year_group", "teachers"})
            details = GroupDetails(
                name=group.name,
                year_group=values["year_group"] if "year_group" in fields else group.year_group,
                teacher_ids=teacher_ids if "teachers" in fields else [member.id for member in group.teachers],
            )
            save_group(session, actor=actor, details=details, group=group)
    session.flush()


PLANNERS[ImportKind.PUPILS_CSV] = plan_pupils
PLANNERS[ImportKind.CLASSES_CSV] = plan_classes
APPLIERS[ImportKind.PUPILS_CSV] = apply_pupils
APPLIERS[ImportKind.CLASSES_CSV] = apply_classes
