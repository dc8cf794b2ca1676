"""Applying the planned pupils of a Common Transfer File: the new pupils added to the roll with
their contacts and SEN history, all at once; a known pupil's details and contacts changed through
the workflows of `pupils` (so that each change is versioned and audited), and an SEN history that
differs from the school's record set aside for the SENCO; a pupil held by another school of this
SEN Track asked of that school as a transfer. Every pupil applied has the file's SEN kept for the
census check.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.clock import now
from sentrack.models import (
    Contact,
    ContactMethod,
    DifferenceStatus,
    ImportBatch,
    MisSen,
    Provision,
    Pupil,
    SenDifference,
    SenStatus,
    User,
)
from sentrack.workflows import ctf_rows, transfers
from sentrack.workflows.ctf_changes import contact_updates, matching_contact, pupil_updates
from sentrack.workflows.ctf_known import Known, difference_due
from sentrack.workflows.imports import NEW, RowPlan
from sentrack.workflows.pupils import (
    ContactDetails,
    add_contact,
    update_contact,
    update_from_mis,
    update_many_from_mis,
)

EXTRA_FIELDS = ("sex", "former_upn", "preferred_last_name")  # kept beside the pupil form's fields


def reason(batch: ImportBatch) -> str:
    return f"From the Common Transfer File {batch.file_name}"


def apply_row(
    session: Session,
    *,
    actor: User | None,
    batch: ImportBatch,
    known: Known,
    plan: RowPlan,
    today: date,
    details_saved: bool = False,
) -> None:
    """A pupil the school holds (changed or unchanged), or one to ask of another school.
    `details_saved`: the pupil's details were changed already, with others' (`save_details`)."""
    if plan.status == NEW and plan.transfer_from is not None:
        _start_transfer(session, actor, batch, known, plan)
        return
    pupil = known.pupils[plan.record_id]
    if not details_saved:
        update_from_mis(session, actor=actor, pupil=pupil, updates=pupil_updates(pupil, plan.values))
    _apply_contacts(session, actor, pupil, plan.values)
    _set_difference_aside(session, actor, known, pupil, plan.values, batch)
    keep_mis_sen(session, known, pupil.id, plan.values, batch)


def changes_contacts(plan: RowPlan) -> bool:
    """Whether applying the row adds or changes a contact (which the contact rules may refuse)."""
    return any(change.field.startswith("contact") for change in plan.changes)


def save_details(session: Session, *, actor: User | None, known: Known, plans: list[RowPlan]) -> bool:
    """The details of the changed pupils `plans` give, changed together in a few statements
    (`pupils.update_many_from_mis`: each pupil versioned and audited as alone). False, with
    nothing changed, when a colleague saved one of them since they were loaded."""
    updates = {}
    for plan in plans:
        pupil = known.pupils[plan.record_id]
        updates[pupil.id] = (pupil, pupil_updates(pupil, plan.values))
    return update_many_from_mis(session, actor=actor, updates=updates)


def _start_transfer(session: Session, actor: User | None, batch: ImportBatch, known: Known, plan: RowPlan) -> None:
    from_pupil = session.get(Pupil, plan.transfer_from)
    transfers.start_transfer(
        session, actor=actor, school=known.school, from_pupil=from_pupil, details=plan.values, batch=batch
    )


def _new_pupil(school_id: int, values: dict[str, Any]) -> Pupil:
    return Pupil(
        school_id=school_id,
        upn=values["upn"],
        first_name=values["first_name"],
        last_name=values["last_name"],
        preferred_name=values["preferred_name"],
        preferred_last_name=values["preferred_last_name"],
        former_upn=values["former_upn"],
        sex=values["sex"],
        date_of_birth=ctf_rows.day(values["date_of_birth"]),
        year_group=values["year_group"],
        admitted_on=ctf_rows.day(values["admitted_on"]),
    )


def add_new_pupils(
    session: Session, *, actor: User | None, batch: ImportBatch, known: Known, plans: list[RowPlan]
) -> list[Pupil]:
    """The file's new pupils put on the roll with their contacts and SEN history, in a few
    statements for the whole file rather than several for each pupil (a file of 2,000 pupils is
    applied in seconds): the rules `pupils.add_pupil` checks one pupil at a time (a valid UPN no
    pupil on the roll holds, a date of birth in the past, an admission after it) are checked by the
    planner, against the records as they are when the preview is confirmed. Each pupil's addition
    is audited, and so are their contacts and SEN history."""
    pupils = [_new_pupil(known.school.id, plan.values) for plan in plans]
    session.add_all(pupils)
    session.flush()
    contacts, statuses = [], []
    for pupil, plan in zip(pupils, plans, strict=True):
        known.pupils[pupil.id] = pupil
        contacts += [_new_contact(pupil.id, contact) for contact in plan.values["contacts"]]
        statuses += _history(actor, pupil, plan.values, batch)
    session.add_all(contacts + statuses)
    session.flush()
    for pupil, plan in zip(pupils, plans, strict=True):
        keep_mis_sen(session, known, pupil.id, plan.values, batch)
    _audit_new(session, actor, batch, pupils, contacts, statuses)
    return pupils


def _new_contact(pupil_id: int, contact: dict[str, Any]) -> Contact:
    return Contact(
        pupil_id=pupil_id,
        relationship_code=contact["relationship_code"],
        **vars(_contact_details(contact)),
    )


def _audit_new(session, actor, batch, pupils: list[Pupil], contacts: list[Contact], statuses: list[SenStatus]):
    audit.record_for_pupils(session, "pupil_added", actor=actor, pupils=pupils)
    about = {"object_type": "import_batch", "object_id": batch.id}
    with_contacts = {contact.pupil_id for contact in contacts}
    audit.record_for_pupils(
        session, "contact_added", actor=actor, pupils=[p for p in pupils if p.id in with_contacts], **about
    )
    with_history = {status.pupil_id for status in statuses}
    audit.record_for_pupils(
        session, "sen_history_imported", actor=actor, pupils=[p for p in pupils if p.id in with_history], **about
    )


def _method(contact: dict[str, Any]) -> ContactMethod:
    if contact["phones"]:
        return ContactMethod.PHONE
    return ContactMethod.EMAIL if contact["email"] else ContactMethod.LETTER


def _contact_details(contact: dict[str, Any], method: ContactMethod | None = None) -> ContactDetails:
    return ContactDetails(
        name=contact["name"],
        relationship_to_pupil=contact["relationship_to_pupil"],
        parental_responsibility=contact["parental_responsibility"],
        phone_numbers=ctf_rows.phone_numbers(contact),
        email=contact["email"],
        address=contact["address"],
        preferred_contact=method or _method(contact),
        priority=contact["priority"],
    )


def _add_contact(session: Session, actor: User | None, pupil: Pupil, contact: dict[str, Any]) -> None:
    added = add_contact(session, actor=actor, pupil=pupil, details=_contact_details(contact))
    added.relationship_code = contact["relationship_code"]


def _apply_contacts(session: Session, actor: User | None, pupil: Pupil, values: dict[str, Any]) -> None:
    """Contacts the file adds are added; those it changes are changed in what it gives; those it
    does not list are kept."""
    for contact in values["contacts"]:
        held = matching_contact(pupil, contact)
        if held is None:
            _add_contact(session, actor, pupil, contact)
            continue
        updates = contact_updates(held, contact)
        if not updates:
            continue
        held.relationship_code = updates.pop("relationship_code", held.relationship_code)
        merged = {
            "name": held.name,
            "relationship_to_pupil": held.relationship_to_pupil,
            "parental_responsibility": held.parental_responsibility,
            "phones": held.phone_numbers,
            "email": held.email,
            "address": held.address,
            "priority": held.priority,
        } | updates
        details = _contact_details(merged, held.preferred_contact)
        # A file from the MIS knows nothing of a restriction recorded here: it is kept.
        details.restriction, details.restriction_note = held.restriction, held.restriction_note
        update_contact(session, actor=actor, contact=held, details=details)


def _history(actor: User | None, pupil: Pupil, values: dict[str, Any], batch: ImportBatch) -> list[SenStatus]:
    """A new pupil's SEN history from the file: a status per dated period, the needs of ranks 1
    and 2 with each K or E, the current period open and each earlier one closed the day before
    the next starts. Periods before the pupil's birth, or whose provision the needs do not fit,
    are left out."""
    primary, secondary = ctf_rows.ranked_needs(values)
    periods = [
        (start, provision)
        for start, provision in ctf_rows.history(values)
        if start >= pupil.date_of_birth and ctf_rows.needs_fit(provision, primary)
    ]
    statuses = []
    for number, (start, provision) in enumerate(periods):
        with_needs = provision is not Provision.NONE
        statuses.append(
            SenStatus(
                pupil_id=pupil.id,
                provision=provision,
                primary_need=primary if with_needs else None,
                secondary_need=secondary if with_needs else None,
                start_date=start,
                end_date=periods[number + 1][0] - timedelta(days=1) if number + 1 < len(periods) else None,
                reason=reason(batch),
                recorded_by_id=actor.id if actor is not None else None,
            )
        )
    return statuses


def _set_difference_aside(
    session: Session, actor: User | None, known: Known, pupil: Pupil, values: dict[str, Any], batch: ImportBatch
) -> None:
    """The file's current SEN, where it differs from the school's open status, waits for the SENCO:
    it replaces a difference still open from an older import, and is not set aside again when the
    same one is open or the SENCO already kept the school's record against it."""
    sen = ctf_rows.current_sen(values)
    if not difference_due(known, pupil, sen)[1]:
        return
    difference = known.last_difference.get(pupil.id)
    if difference is None or difference.status is not DifferenceStatus.OPEN:
        difference = SenDifference(pupil_id=pupil.id)
        session.add(difference)
        known.last_difference[pupil.id] = difference
    difference.batch_id = batch.id
    difference.provision, difference.start_date = sen.provision, sen.start_date
    difference.primary_need, difference.secondary_need = sen.primary_need, sen.secondary_need
    difference.found_at = now()
    session.flush()
    audit.record(session, "sen_difference_found", actor=actor, pupil=pupil, about=difference)


def kept_sen_changed(kept: MisSen | None, sen: dict[str, Any]) -> bool:
    """Whether the file's SEN differs from what the last import kept for the census check."""
    if kept is None:
        return True
    return (
        (kept.provision.value if kept.provision else None) != sen["provision"]
        or kept.needs != sen["needs"]
        or kept.start_date != sen["start_date"]
    )


def keep_mis_sen(session: Session, known: Known, pupil_id: int, values: dict[str, Any], batch: ImportBatch) -> None:
    """The file's current SEN, with its needs as the file ranks them, kept for the census check
    (when it differs from what an earlier import kept)."""
    sen = ctf_rows.current_sen(values)
    wanted = {
        "provision": sen.provision.value if sen is not None and sen.provision is not None else None,
        "needs": [{"rank": need["rank"], "type": need["type"]} for need in values["needs"]],
        "start_date": sen.start_date if sen is not None else None,
    }
    kept = known.mis.get(pupil_id)
    if not kept_sen_changed(kept, wanted):
        return
    if kept is None:
        kept = MisSen(pupil_id=pupil_id)
        session.add(kept)
        known.mis[pupil_id] = kept
    kept.provision = Provision(wanted["provision"]) if wanted["provision"] else None
    kept.needs, kept.start_date = wanted["needs"], wanted["start_date"]
    kept.batch_id, kept.imported_at = batch.id, now()
