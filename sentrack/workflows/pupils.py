"""Adding pupils to the roll, keeping their details and their parents' and carers' contacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.clock import now
from sentrack.models import Contact, ContactMethod, ContactRestriction, Pupil, TeachingGroup, User
from sentrack.workflows import RuleBroken
from sentrack.workflows.confirmations import Confirmed, answers
from sentrack.workflows.registration import kept_ids, pupil_question
from sentrack.workflows.revisions import begin_edit, check_version, edit_many, finish_edit
from sentrack.workflows.upn import normalise, upn_problem
from sentrack.workflows.year_groups import year_question

PUPIL_FIELDS = (
    "upn",
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "year_group",
    "looked_after",
    "medical_conditions",
    "medical_notes",
    "admitted_on",
)

# What a conflicting save lists, field by field, with the labels of the form.
PUPIL_LABELS = {
    "upn": "Unique pupil number (UPN)",
    "first_name": "First name",
    "last_name": "Last name",
    "preferred_name": "Preferred name",
    "date_of_birth": "Date of birth",
    "year_group": "Year group",
    "class_names": "Classes",
    "admitted_on": "Date admitted",
    "looked_after": "Looked after by the local authority",
    "medical_conditions": "Has a medical condition",
    "medical_notes": "Medical arrangements",
}
CONTACT_LABELS = {
    "name": "Full name",
    "relationship_to_pupil": "Relationship to the pupil",
    "parental_responsibility": "Parental responsibility",
    "phones_shown": "Phone numbers",
    "email": "Email address",
    "address": "Postal address",
    "preferred_contact": "How they prefer to be contacted",
    "priority": "Contact order",
    "restriction": "Restriction on what they are sent",
    "restriction_note": "What the restriction says",
}


@dataclass
class PupilDetails:
    upn: str
    first_name: str
    last_name: str
    preferred_name: str | None
    date_of_birth: date
    year_group: int
    looked_after: bool
    medical_conditions: bool
    medical_notes: str | None
    admitted_on: date | None
    # The answers to the questions the save asks (a year group that does not fit, a second
    # registration class): not a detail of the pupil.
    confirmed: Confirmed = field(default_factory=Confirmed, compare=False)


def upn_on_roll_clash(session: Session, *, school_id: int, upn: str, pupil_id: int | None) -> bool:
    """Whether another pupil of the school holds `upn` with no leaving recorded: the rule of the
    index `uq_pupil_upn_on_roll`. A pupil who left keeps their UPN without blocking it, and the
    same UPN at another school is not this school's business."""
    clash = sa.select(Pupil.id).where(Pupil.school_id == school_id, Pupil.upn == upn, Pupil.left_on.is_(None))
    if pupil_id is not None:
        clash = clash.where(Pupil.id != pupil_id)
    return session.scalar(clash.limit(1)) is not None


def _check_details(
    session: Session, details: PupilDetails, *, today: date, school_id: int, pupil: Pupil | None
) -> None:
    details.upn = normalise(details.upn)
    problem = upn_problem(details.upn)
    if problem:
        raise RuleBroken(problem, field="upn")
    if upn_on_roll_clash(session, school_id=school_id, upn=details.upn, pupil_id=pupil.id if pupil else None):
        raise RuleBroken("Another pupil on the school's roll already has this UPN", field="upn")
    if details.date_of_birth >= today:
        raise RuleBroken("The date of birth must be in the past", field="date_of_birth")
    age = today.year - details.date_of_birth.year
    if not 1 <= age <= 26:
        raise RuleBroken("The date of birth must be within the last 26 years", field="date_of_birth")
    if details.admitted_on is not None:
        if details.admitted_on > today:
            raise RuleBroken("The admission date cannot be in the future", field="admitted_on")
        if details.admitted_on <= details.date_of_birth:
            raise RuleBroken("The admission date must be after the date of birth", field="admitted_on")


def _groups_in_school(session: Session, school_id: int, group_ids: list[int]) -> list[TeachingGroup]:
    """The current classes of the school with these ids; RuleBroken for any other (a class ended
    at a year end is history: nobody joins it)."""
    if not group_ids:
        return []
    groups = session.scalars(
        sa.select(TeachingGroup).where(
            TeachingGroup.id.in_(group_ids), TeachingGroup.school_id == school_id, TeachingGroup.ended_on.is_(None)
        )
    ).all()
    if len(groups) != len(set(group_ids)):
        raise RuleBroken("Choose classes from this school", field="groups")
    return list(groups)


def _confirmed_groups(
    details: PupilDetails, pupil: Pupil | None, groups: list[TeachingGroup], today: date
) -> list[TeachingGroup]:
    """The classes the pupil joins once the save's questions are answered: NeedsConfirming (all
    at once, nothing stored) for a year group that does not fit the date of birth, when either is
    being set, and for a pupil ending in two registration classes; a move leaves the classes the
    answer does not keep."""
    name = details.preferred_name or details.first_name
    setting_year = pupil is None or (pupil.year_group, pupil.date_of_birth) != (
        details.year_group,
        details.date_of_birth,
    )
    year = year_question(name, pupil.sex if pupil else None, details.date_of_birth, details.year_group, today)
    held = {group.id for group in pupil.current_groups} if pupil is not None else set()
    registration = [group for group in groups if group.is_registration]
    already = [group for group in registration if group.id in held]
    joining = [group for group in registration if group.id not in held]
    asked = pupil_question(name, already, joining)
    given = answers(details.confirmed, [year if setting_year else None, asked])
    if asked is None:
        return groups
    keep = kept_ids(given[asked.field])
    return [group for group in groups if not group.is_registration or group.id in keep]


def _audit_changes(session: Session, action: str, actor: User, pupil: Pupil, kind: str, id_: int, changed) -> None:
    """The audit of an edit: the names of the fields that changed, never their values."""
    audit.record(
        session, action, actor=actor, pupil=pupil, object_type=kind, object_id=id_, details={"fields": changed}
    )


def add_pupil(
    session: Session, *, actor: User, school_id: int, details: PupilDetails, group_ids: list[int], today: date
) -> Pupil:
    """Put a pupil on the school roll. Raises RuleBroken for a bad or duplicate UPN or bad dates,
    and NeedsConfirming for a year group or classes to confirm (`_confirmed_groups`)."""
    _check_details(session, details, today=today, school_id=school_id, pupil=None)
    groups = _confirmed_groups(details, None, _groups_in_school(session, school_id, group_ids), today)
    pupil = Pupil(school_id=school_id, **{name: getattr(details, name) for name in PUPIL_FIELDS})
    pupil.groups = groups
    session.add(pupil)
    session.flush()
    audit.record(session, "pupil_added", actor=actor, pupil=pupil, object_type="pupil", object_id=pupil.id)
    session.flush()
    return pupil


def update_pupil(
    session: Session,
    *,
    actor: User,
    pupil: Pupil,
    details: PupilDetails,
    group_ids: list[int],
    today: date,
    expected_version: int | None = None,
) -> list[str]:
    """Change a pupil's details; returns the names of the fields that changed (for the audit).
    Raises EditConflict when someone else saved the pupil after `expected_version`, and
    NeedsConfirming for a year group or classes to confirm (`_confirmed_groups`)."""
    check_version(session, "pupil", pupil, PUPIL_LABELS, expected_version)
    _check_details(session, details, today=today, school_id=pupil.school_id, pupil=pupil)
    groups = _confirmed_groups(details, pupil, _groups_in_school(session, pupil.school_id, group_ids), today)
    changed = [name for name in PUPIL_FIELDS if getattr(pupil, name) != getattr(details, name)]
    new_groups = {g.id for g in groups} != {g.id for g in pupil.current_groups}
    if changed or new_groups:
        begin_edit(session, "pupil", pupil, PUPIL_LABELS, expected_version)
    for name in changed:
        setattr(pupil, name, getattr(details, name))
    if new_groups:
        # The classes of past years stay as they were: history.
        pupil.groups = groups + [g for g in pupil.groups if g.ended_on is not None]
        changed.append("groups")
    if changed:
        pupil.updated_at = now()
        finish_edit(session, "pupil", pupil, PUPIL_LABELS, actor)
        _audit_changes(session, "pupil_updated", actor, pupil, "pupil", pupil.id, changed)
    session.flush()
    return changed


def update_from_mis(session: Session, *, actor: User | None, pupil: Pupil, updates: dict) -> list[str]:
    """Change the pupil's details as an import from the school's MIS gives them (checked by the
    import's planner): the record moves to its next version, and the audit names the fields that
    changed, never their values. Returns those names."""
    if not updates:
        return []
    begin_edit(session, "pupil", pupil, PUPIL_LABELS, None)
    for name, value in updates.items():
        setattr(pupil, name, value)
    pupil.updated_at = now()
    finish_edit(session, "pupil", pupil, PUPIL_LABELS, actor)
    changed = sorted(updates)
    _audit_changes(session, "pupil_updated", actor, pupil, "pupil", pupil.id, changed)
    return changed


def update_many_from_mis(session: Session, *, actor: User | None, updates: dict[int, tuple[Pupil, dict]]) -> bool:
    """`update_from_mis` for many pupils at once (pupil id: the pupil as loaded and their changes),
    in a few statements for all (`revisions.edit_many`): each pupil moves to their next version
    with its snapshot, and each is audited with the fields that changed, never their values. False,
    with nothing changed, when one of them was saved by someone else since they were loaded: the
    caller then changes them one by one with `update_from_mis`."""
    wanted = {pupil_id: (pupil, changes) for pupil_id, (pupil, changes) in updates.items() if changes}
    at = now()

    def change(pupil: Pupil) -> None:
        for name, value in wanted[pupil.id][1].items():
            setattr(pupil, name, value)
        pupil.updated_at = at

    if not edit_many(session, "pupil", [pupil for pupil, _ in wanted.values()], PUPIL_LABELS, actor, change):
        return False
    by_fields: dict[tuple[str, ...], list[Pupil]] = {}
    for pupil, changes in wanted.values():
        by_fields.setdefault(tuple(sorted(changes)), []).append(pupil)
    for fields, pupils in sorted(by_fields.items()):
        audit.record_for_pupils(session, "pupil_updated", actor=actor, pupils=pupils, details={"fields": list(fields)})
    return True


@dataclass
class ContactDetails:
    name: str
    relationship_to_pupil: str
    parental_responsibility: bool
    # Every number, in order, as (kind, number): the kind a CTF TelephoneType code (M, H, W, ...) or None.
    phone_numbers: tuple[tuple[str | None, str], ...]
    email: str | None
    address: str | None
    preferred_contact: ContactMethod
    priority: int
    # A court order, safeguarding concern or other reason to send them nothing (workflows/recipients.py).
    restriction: ContactRestriction = ContactRestriction.NONE
    restriction_note: str | None = None


CONTACT_FIELDS = tuple(ContactDetails.__dataclass_fields__)


def _check_contact(details: ContactDetails) -> None:
    if details.preferred_contact is ContactMethod.PHONE and not details.phone_numbers:
        raise RuleBroken("Enter a phone number, or choose another way to contact them", field="phone")
    if details.preferred_contact is ContactMethod.EMAIL and not details.email:
        raise RuleBroken("Enter an email address, or choose another way to contact them", field="email")
    if details.preferred_contact is ContactMethod.LETTER and not details.address:
        raise RuleBroken("Enter an address, or choose another way to contact them", field="address")
    if details.restriction is not ContactRestriction.NONE and not details.restriction_note:
        raise RuleBroken(
            "Say what the restriction is and where its details are kept (for example, the order's date and terms)",
            field="restriction_note",
        )
    if details.restriction is ContactRestriction.NONE and details.restriction_note:
        raise RuleBroken(
            "Choose the restriction this note is about, or clear the note if there is none", field="restriction_note"
        )


def add_contact(session: Session, *, actor: User, pupil: Pupil, details: ContactDetails) -> Contact:
    _check_contact(details)
    contact = Contact(pupil=pupil, **{name: getattr(details, name) for name in CONTACT_FIELDS})
    session.add(contact)
    pupil.updated_at = now()
    session.flush()
    audit.record(session, "contact_added", actor=actor, pupil=pupil, object_type="contact", object_id=contact.id)
    session.flush()
    return contact


def update_contact(
    session: Session, *, actor: User, contact: Contact, details: ContactDetails, expected_version: int | None = None
) -> list[str]:
    """Change a contact; returns the names of the fields that changed. Raises EditConflict when
    someone else saved the contact after `expected_version`."""
    check_version(session, "contact", contact, CONTACT_LABELS, expected_version)
    _check_contact(details)
    changed = [name for name in CONTACT_FIELDS if getattr(contact, name) != getattr(details, name)]
    if changed:
        begin_edit(session, "contact", contact, CONTACT_LABELS, expected_version)
    for name in changed:
        setattr(contact, name, getattr(details, name))
    if changed:
        finish_edit(session, "contact", contact, CONTACT_LABELS, actor)
        contact.pupil.updated_at = now()
        _audit_changes(session, "contact_updated", actor, contact.pupil, "contact", contact.id, changed)
    session.flush()
    return changed
