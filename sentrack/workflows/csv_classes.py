"""CSV import of classes with their teachers, which a CTF does not carry: each row matched to a
current class of the school by name (in any case), new or changed (year group, kind of class,
teachers added or removed) or unchanged, and applied through the staff workflow's `save_group`. Each teacher is
named by email, and must be an active member of staff of the school who teaches. A blank cell
leaves what SEN Track holds. Registered with the pupils CSV in `csv_import`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from sentrack import access
from sentrack.models import ImportBatch, School, TeachingGroup, User
from sentrack.models.enums import GroupKind, year_group_label
from sentrack.workflows.csv_rows import (
    Column,
    Incoming,
    also_on,
    bounded_text,
    header_of,
    names_in,
    plain_name,
    read_again,
    read_cells,
    read_table,
    read_year_group,
    repeats,
)
from sentrack.workflows.imports import CHANGED, ERROR, NEW, UNCHANGED, Change, Planned, RowPlan
from sentrack.workflows.revisions import display
from sentrack.workflows.staff import GroupDetails, save_group
from sentrack.workflows.terms import academic_year_of

CLASS_COLUMNS = (
    Column("name", "Class", ("Class name", "Name", "Teaching group", "Group"), required=True),
    Column("year_group", "Year group", ("NC year", "National curriculum year", "Curriculum year", "Year")),
    Column("teachers", "Teachers", ("Teacher", "Teacher email", "Teacher emails", "Staff emails")),
    Column("kind", "Kind", ("Kind of class", "Class type", "Group type", "Type")),
)
# The example row of the template: fictional, and left out when a file carries it unchanged.
CLASS_EXAMPLE = {
    "name": "2 Example",
    "year_group": "2",
    "teachers": "class.teacher@school.example",
    "kind": "Registration",
}
KIND_WORDS = {
    GroupKind.REGISTRATION: {"registration", "registrationclass", "reg", "reggroup", "form", "formgroup", "tutorgroup"},
    GroupKind.TEACHING: {"teaching", "teachinggroup", "set", "teachingset", "subject", "subjectclass"},
}


def _emails(text: str) -> list[str]:
    return [email.lower() for email in names_in(text.replace(",", ";"))]


def read_kind(text: str) -> GroupKind:
    """A registration class ("Registration", "Form", "Tutor group") or a teaching group
    ("Teaching", "Set"). Raises ValueError with what to write."""
    plain = plain_name(text)
    for kind, words in KIND_WORDS.items():
        if plain in words:
            return kind
    raise ValueError(f"“{text}” is not a kind of class: write Registration (a form or tutor group) or Teaching (a set)")


CLASS_READERS = {"name": bounded_text(40), "year_group": read_year_group, "teachers": _emails, "kind": read_kind}


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
        staff = session.scalars(access.school_staff(school.id)).all()
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
        if not access.may_teach_classes(member):
            return f"{email} is a member of staff who does not teach (class teacher, SENCO or head teacher)"
        return None


def _year(year_group: int | None) -> str:
    return "(blank)" if year_group is None else year_group_label(year_group)


def _teacher_names(members) -> list[str]:
    return sorted(member.full_name for member in members)


def _class_changes(staffing: Staffing, group: TeachingGroup, values: dict) -> list[Change]:
    changes = []
    if "year_group" in values and values["year_group"] != group.year_group:
        was, becomes = group.year_group, values["year_group"]
        changes.append(Change("year_group", "Year group", _year(was), _year(becomes)))
    if "kind" in values and GroupKind(values["kind"]) is not group.kind:  # kept as text in the preview
        changes.append(Change("kind", "Kind", group.kind.label, GroupKind(values["kind"]).label))
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
        plan.errors.append((headings["name"], f"This class is also on {also_on(repeated[name], row.position)}"))
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
    repeated = repeats(rows, "name", str.lower)
    return staffing, [_plan_class(staffing, row, headings, repeated) for row in rows]


def plan_classes(session: Session, *, school: School, data: bytes, file_name: str, today: date) -> Planned:
    """The preview of a classes CSV: one row plan per class. Stores nothing."""
    table = read_table(data, file_name, CLASS_COLUMNS, CLASS_EXAMPLE)
    rows = read_cells(table, CLASS_COLUMNS, CLASS_READERS)
    _, plans = _plan_classes(session, school, rows, table.headings)
    return Planned(header=header_of(table), rows=plans)


def apply_classes(session: Session, *, actor: User, batch: ImportBatch, rows: list[RowPlan], today: date) -> None:
    """Apply a confirmed classes CSV through the staff workflow's `save_group`, planning its rows
    again against the classes and staff as they are now: new classes opened for this academic
    year, changed classes given the year group and teachers the preview showed."""
    school = session.get(School, batch.school_id)
    incoming, shown = read_again(rows)
    staffing, plans = _plan_classes(session, school, incoming, {column.key: column.key for column in CLASS_COLUMNS})
    for plan in plans:
        values = plan.values
        teacher_ids = [staffing.staff[email].id for email in values.get("teachers", [])]
        if plan.status == NEW:
            details = GroupDetails(
                name=values["name"],
                year_group=values.get("year_group"),
                teacher_ids=teacher_ids,
                kind=GroupKind(values.get("kind", GroupKind.REGISTRATION)),
            )
            group = save_group(session, actor=actor, details=details)
            group.academic_year = academic_year_of(today)
        elif plan.status == CHANGED:
            group = staffing.classes[values["name"].lower()]
            fields = {change.field for change in plan.changes} & (
                shown[plan.position] or {"year_group", "teachers", "kind"}
            )
            details = GroupDetails(
                name=group.name,
                year_group=values["year_group"] if "year_group" in fields else group.year_group,
                teacher_ids=teacher_ids if "teachers" in fields else [member.id for member in group.teachers],
                kind=GroupKind(values["kind"]) if "kind" in fields else group.kind,
            )
            save_group(session, actor=actor, details=details, group=group)
    session.flush()
