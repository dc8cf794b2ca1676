"""Applying one planned pupil of a Common Transfer File: a new pupil added to the roll with their
contacts and SEN history; a known pupil's details and contacts changed, and an SEN history that
differs from the school's record set aside for the SENCO; a pupil held by another school of this
SEN Track asked of that school as a transfer. Every pupil applied has the file's SEN kept for the
census check. Through the workflows of `pupils`, so that each change is versioned and audited.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.clock import now
from sentrack.models import (
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
from sentrack.workflows import ctf_rows
from sentrack.workflows.ctf_changes import contact_updates, matching_contact, pupil_updates
from sentrack.workflows.ctf_known import Known, difference_due
from sentrack.workflows.imports import NEW, RowPlan
from sentrack.workflows.pupils import (
    ContactDetails,
    PupilDetails,
    add_contact,
    add_pupil,
    update_contact,
    update_from_mis,
)

EXTRA_FIELDS = ("sex", "former_upn", "preferred_last_name")  # kept beside the pupil form's fields


def reason(batch: ImportBatch) -> str:
    return f"From the Common Transfer File {batch.file_name}"


def apply_row(
    session: Session, *, actor: User | None, batch: ImportBatch, known: Known, plan: RowPlan, today: date
) -> None:
    if plan.status == NEW and plan.transfer_from is not None:
        _start_transfer(session, actor, batch, known, plan)
        return
    if plan.status == NEW:
        pupil = _add_new_pupil(session, actor, known, plan.values, today)
        _store_history(session, actor, pupil, plan.values, batch)
    else:
        pupil = known.pupils[plan.record_id]
        update_from_mis(session, actor=actor, pupil=pupil, updates=pupil_updates(pupil, plan.values))
        _apply_contacts(session, actor, pupil, plan.values)
        _set_difference_aside(session, actor, known, pupil, plan.values, batch)
    keep_mis_sen(session, known, pupil.id, plan.values, batch)


def _start_transfer(session: Session, actor: User | None, batch: ImportBatch, known: Known, plan: RowPlan) -> None:
    from sentrack.workflows import transfers

    from_pupil = session.get(Pupil, plan.transfer_from)
    transfers.start_transfer(
        session, actor=actor, school=known.school, from_pupil=from_pupil, details=plan.values, batch=batch
    )


def _add_new_pupil(session: Session, actor: User | None, known: Known, values: dict[str, Any], today: date) -> Pupil:
    details = PupilDetails(
        upn=values["upn"],
        first_name=values["first_name"],
        last_name=values["last_name"],
        preferred_name=values["preferred_name"],
        date_of_birth=ctf_rows.day(values["date_of_birth"]),
        year_group=values["year_group"],
        looked_after=False,
        medical_conditions=False,
        medical_notes=None,
        admitted_on=ctf_rows.day(values["admitted_on"]),
    )
    pupil = add_pupil(session, actor=actor, school_id=known.school.id, details=details, group_ids=[], today=today)
    for name in EXTRA_FIELDS:
        setattr(pupil, name, values[name])
    known.pupils[pupil.id] = pupil
    for contact in values["contacts"]:
        _add_contact(session, actor, pupil, contact)
    return pupil


def _method(contact: dict[str, Any]) -> ContactMethod:
    if contact["phone"]:
        return ContactMethod.PHONE
    return ContactMethod.EMAIL if contact["email"] else ContactMethod.LETTER


def _contact_details(contact: dict[str, Any], method: ContactMethod | None = None) -> ContactDetails:
    return ContactDetails(
        name=contact["name"],
        relationship_to_pupil=contact["relationship_to_pupil"],
        parental_responsibility=contact["parental_responsibility"],
        phone=contact["phone"],
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
            "phone": held.phone,
            "email": held.email,
            "address": held.address,
            "priority": held.priority,
        } | updates
        update_contact(session, actor=actor, contact=held, details=_contact_details(merged, held.preferred_contact))


def _store_history(session: Session, actor: User | None, pupil: Pupil, values: dict[str, Any], batch) -> None:
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
    for number, (start, provision) in enumerate(periods):
        ends = periods[number + 1][0] - timedelta(days=1) if number + 1 < len(periods) else None
        with_needs = provision is not Provision.NONE
        session.add(
            SenStatus(
                pupil_id=pupil.id,
                provision=provision,
                primary_need=primary if with_needs else None,
                secondary_need=secondary if with_needs else None,
                start_date=start,
                end_date=ends,
                reason=reason(batch),
                recorded_by_id=actor.id if actor is not None else None,
            )
        )
    if periods:
        session.flush()
        audit.record(
            session,
            "sen_history_imported",
            actor=actor,
            pupil=pupil,
            about=batch,
            details={"periods": len(periods)},
        )


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
