"""Transfers of a pupil's record between schools of this SEN Track (DESIGN section 3).

A pupil's stay at each school is its own record. When the receiving school's import finds the
arriving pupil's UPN on another school's record, `start_transfer` asks the previous school: its
SENCO is told (a notification that names no pupil) and confirms or declines. `confirm_transfer`
gives the receiving school a new record from the details imported, linked to the old one, with
the SEN history copied; the old record gets its leaving (with the destination) if it had none and
stays read-only. `decline_transfer` records why: the receiving school then adds the pupil as a
new pupil (from its import, or with "Add a pupil") with no SEN history from the previous school.

The database keeps one awaiting transfer per pupil record; a transfer decided is decided once.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sentrack import access, audit
from sentrack.clock import now
from sentrack.models import (
    Contact,
    ContactMethod,
    ImportBatch,
    Notification,
    Pupil,
    PupilTransfer,
    Role,
    School,
    SenStatus,
    TransferStatus,
    User,
)
from sentrack.models.enums import YEAR_GROUP_MAX, YEAR_GROUP_MIN
from sentrack.workflows import RuleBroken, timeline
from sentrack.workflows.ctf_format import RELATIONSHIPS
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.pupils import upn_on_roll_clash
from sentrack.workflows.revisions import display
from sentrack.workflows.roll import LEAVING_REASONS, LEFT_EVENT
from sentrack.workflows.timeline import add_event

# The notifications' kinds (their emails' words: `outbox.EMAIL_WHAT`).
TRANSFER_ASKED = "transfer_asked"
TRANSFER_DECIDED = "transfer_decided"
TRANSFERRED_EVENT = "transferred_in"
TRANSFERRED_IN = "Joined from another school: SEN history copied"
NOTE_MAX = 1000


def _existing(session: Session, from_pupil: Pupil, school: School) -> PupilTransfer | None:
    """The latest transfer of `from_pupil` asked by `school`, whatever became of it."""
    return session.scalar(
        sa.select(PupilTransfer)
        .where(PupilTransfer.from_pupil_id == from_pupil.id, PupilTransfer.to_school_id == school.id)
        .order_by(PupilTransfer.requested_at.desc(), PupilTransfer.id.desc())
        .limit(1)
    )


def _tell_sencos(session: Session, transfer: PupilTransfer, school_id: int, kind: str, title: str, body: str):
    """One notification to each SENCO of the school: no pupil named, only a link to the transfers."""
    link = current_app.url_map.bind("localhost").build("transfers.index", {})
    for senco_id in session.scalars(access.role_holders(school_id, Role.SENCO)):
        session.add(Notification.once(senco_id, kind, transfer, title=title, body=body, link=link))


def _tell_previous_school(session: Session, transfer: PupilTransfer, from_school_id: int) -> None:
    title = "Another school asks for the SEN record of a pupil who joined it"
    body = "A school in SEN Track asked for a pupil's record. Confirm or decline it on the transfers page."
    _tell_sencos(session, transfer, from_school_id, TRANSFER_ASKED, title, body)


def _tell_receiving_school(session: Session, transfer: PupilTransfer, status: TransferStatus) -> None:
    if status is TransferStatus.CONFIRMED:
        title = "A pupil's previous school confirmed their transfer"
        body = "The pupil's record is on your roll, with the SEN history from the previous school."
    else:
        title = "A pupil's previous school declined their transfer"
        body = "Add the pupil as a new pupil (Add a pupil, or import again); the reason is on the transfers page."
    _tell_sencos(session, transfer, transfer.to_school_id, TRANSFER_DECIDED, title, body)


def start_transfer(
    session: Session, *, actor: User | None, school: School, from_pupil: Pupil, details: dict, batch: ImportBatch | None
) -> PupilTransfer:
    """Ask `from_pupil`'s school for the pupil's record for `school`, which imported `details`.
    Idempotent: the transfer already asked by `school` for this record (awaiting, or decided) is
    returned, not asked again. Refused (RuleBroken) for a record of `school` itself, or one
    another school is already waiting for."""
    if from_pupil.school_id == school.id:
        raise RuleBroken("The pupil's record is this school's own: there is nothing to transfer")
    found = _existing(session, from_pupil, school)
    if found is not None:
        return found
    transfer = PupilTransfer(
        from_pupil_id=from_pupil.id,
        to_school_id=school.id,
        batch_id=batch.id if batch is not None else None,
        details=dict(details),
        requested_by_id=actor.id if actor is not None else None,
    )
    try:
        with session.begin_nested():
            session.add(transfer)
            session.flush()
    except IntegrityError:
        found = _existing(session, from_pupil, school)
        if found is not None:  # the same import, confirmed twice at once
            return found
        raise RuleBroken("Another school is already waiting for this pupil's previous school to confirm") from None
    _tell_previous_school(session, transfer, from_pupil.school_id)
    audit.record(
        session, "transfer_started", actor=actor, pupil=from_pupil, about=transfer, details={"to_school_id": school.id}
    )
    return transfer


def _contact(raw: dict, priority: int) -> Contact:
    code = (raw.get("relationship_code") or "").strip().upper() or None
    email, numbers = raw.get("email") or None, _numbers(raw)
    words = (raw.get("relationship_to_pupil") or "").strip() or RELATIONSHIPS.get(code or "", "Other contact")
    return Contact(
        name=(raw.get("name") or "").strip()[:120] or "Name not given",
        relationship_to_pupil=words[:40],
        relationship_code=code if code in RELATIONSHIPS else None,
        parental_responsibility=bool(raw.get("parental_responsibility")),
        phone_numbers=numbers,
        email=email,
        address=raw.get("address") or None,
        preferred_contact=ContactMethod.EMAIL if email and not numbers else ContactMethod.PHONE,
        priority=priority,
    )


def _numbers(raw: dict) -> tuple[tuple[str | None, str], ...]:
    """The contact's numbers as an import's row holds them ([kind, number] each), or one number
    alone as a row kept from before a contact had several."""
    if raw.get("phones"):
        return tuple((kind or None, str(number)[:30]) for kind, number in raw["phones"] if number)
    return ((None, str(raw["phone"])[:30]),) if raw.get("phone") else ()


def _optional_date(value) -> date | None:
    return date.fromisoformat(value) if value else None


def _required(details: dict) -> tuple[str, str, str, date, int, date | None]:
    """The UPN, names, date of birth, year group and admission date of the imported details;
    RuleBroken when one is missing or unreadable (the import that asked is to be run again)."""
    try:
        upn, first, last = (str(details[key] or "").strip() for key in ("upn", "first_name", "last_name"))
        born, year = date.fromisoformat(details["date_of_birth"]), int(details["year_group"])
        admitted = _optional_date(details.get("admitted_on"))
    except (KeyError, TypeError, ValueError):
        upn = first = last = ""
        year = YEAR_GROUP_MIN - 1
    if not (upn and first and last) or not YEAR_GROUP_MIN <= year <= YEAR_GROUP_MAX:
        raise RuleBroken(
            "The details the other school imported for this pupil are incomplete (UPN, names, date of birth or "
            "year group): decline the transfer saying so, and the other school can import the pupil again"
        )
    return upn, first, last, born, year, admitted


def new_record(transfer: PupilTransfer) -> Pupil:
    """The receiving school's record of the pupil, from the details imported, linked to the old one."""
    details = transfer.details
    upn, first, last, born, year, admitted = _required(details)
    return Pupil(
        school_id=transfer.to_school_id,
        upn=upn,
        first_name=first,
        last_name=last,
        preferred_name=details.get("preferred_name") or None,
        preferred_last_name=details.get("preferred_last_name") or None,
        former_upn=details.get("former_upn") or None,
        sex=details.get("sex") or None,
        date_of_birth=born,
        year_group=year,
        admitted_on=admitted,
        previous_pupil_id=transfer.from_pupil_id,
        contacts=[_contact(raw, n) for n, raw in enumerate(details.get("contacts") or [], start=1)],
    )


def copy_history(session: Session, *, actor: User, old: Pupil, new: Pupil, at: datetime | None = None) -> int:
    """Each SEN status of the old record, with its dates, onto the new one, recorded by `actor` at
    `at` (now, unless the demo dates it). Returns how many."""
    school_name = old.school.name
    statuses = session.scalars(
        sa.select(SenStatus).where(SenStatus.pupil_id == old.id).order_by(SenStatus.start_date, SenStatus.id)
    ).all()
    for status in statuses:
        session.add(
            SenStatus(
                pupil_id=new.id,
                provision=status.provision,
                primary_need=status.primary_need,
                secondary_need=status.secondary_need,
                start_date=status.start_date,
                end_date=status.end_date,
                reason=f"Copied from the previous school ({school_name}): {status.reason}",
                recorded_by_id=actor.id,
                recorded_at=at or now(),
            )
        )
    session.flush()
    return len(statuses)


def _leaving_of_old(old: Pupil, new: Pupil, today: date) -> date | None:
    """The leaving the old record gets: None when it has one; else the day the pupil was admitted to
    the new school, or today. Refused when that is not after the old record's admission."""
    if old.left_on is not None:
        return None
    left_on = new.admitted_on or today
    if old.admitted_on is not None and left_on <= old.admitted_on:
        raise RuleBroken(
            f"The pupil joined the new school on {display(left_on)}, not after their admission here "
            f"({display(old.admitted_on)}): correct the admission date first"
        )
    return left_on


def _mark_destination(old: Pupil, school: School) -> None:
    if old.destination_name or old.destination_urn or old.destination_estab:
        return
    old.destination_name = school.name
    old.destination_urn = school.urn
    old.destination_la = school.local_authority.code
    old.destination_estab = school.estab_number


def _decide(session: Session, transfer: PupilTransfer, actor: User, status: TransferStatus, **values) -> None:
    """Set the decision once: an UPDATE of an awaiting transfer only, so that of two decisions at
    once the second finds it decided and is refused."""
    decided = session.execute(
        sa.update(PupilTransfer)
        .where(PupilTransfer.id == transfer.id, PupilTransfer.status == TransferStatus.AWAITING)
        .values(status=status, decided_by_id=actor.id, decided_at=now(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if decided != 1:
        raise RuleBroken("This transfer has already been confirmed or declined")
    session.expire(transfer)
    _tell_receiving_school(session, transfer, status)


def _refuse_decided(transfer: PupilTransfer) -> None:
    if transfer.status is not TransferStatus.AWAITING:
        raise RuleBroken(f"This transfer is already {transfer.status.label.lower()}")


def confirm_transfer(session: Session, *, actor: User, transfer: PupilTransfer, today: date) -> Pupil:
    """Confirm, for the previous school, that the pupil moved: the receiving school gets its new
    record with the SEN history copied, and the old record its leaving (with the destination)
    when it had none. Refused when decided already, or when the receiving school already has a
    pupil on its roll with this UPN. Returns the new record."""
    _refuse_decided(transfer)
    old = transfer.from_pupil
    new = new_record(transfer)
    if upn_on_roll_clash(session, school_id=new.school_id, upn=new.upn, pupil_id=None):
        raise RuleBroken("The receiving school already has a pupil on its roll with this UPN")
    left_on = _leaving_of_old(old, new, today)
    session.add(new)
    session.flush()
    copied = copy_history(session, actor=actor, old=old, new=new)
    _decide(session, transfer, actor, TransferStatus.CONFIRMED, to_pupil_id=new.id)
    add_event(
        session,
        pupil=new,
        kind=TRANSFERRED_EVENT,
        title=TRANSFERRED_IN,
        effective_on=new.admitted_on or today,
        actor=actor,
        detail=f"{copied} SEN status period(s) copied from {old.school.name}",
    )
    if left_on is not None:
        old.left_on, old.leaving_reason, old.updated_at = left_on, LEAVING_REASONS["moved_school"], now()
        add_event(
            session,
            pupil=old,
            kind=LEFT_EVENT,
            title=timeline.LEFT_THE_ROLL,
            effective_on=left_on,
            actor=actor,
            detail=old.leaving_reason,
        )
        audit.record(session, "pupil_left", actor=actor, pupil=old, about=old, details={"fields": ["left_on"]})
    _mark_destination(old, transfer.to_school)
    session.flush()
    audit.record(session, "transfer_confirmed", actor=actor, pupil=old, about=transfer, details={"copied": copied})
    audit.record(session, "pupil_added", actor=actor, pupil=new, about=new, details={"from_transfer": transfer.id})
    settle_tasks(session, today, pupil_ids=[old.id, new.id])
    return new


def decline_transfer(session: Session, *, actor: User, transfer: PupilTransfer, note: str | None) -> None:
    """Decline, for the previous school, with the reason (`note`): the receiving school adds the
    pupil as a new pupil, without the SEN history. Refused when decided already, or with no reason."""
    _refuse_decided(transfer)
    text = (note or "").strip()
    if not text:
        raise RuleBroken("Enter why the transfer is declined", field="note")
    if len(text) > NOTE_MAX:
        raise RuleBroken(f"The reason must be {NOTE_MAX} characters or fewer", field="note")
    _decide(session, transfer, actor, TransferStatus.DECLINED, note=text)
    audit.record(session, "transfer_declined", actor=actor, pupil=transfer.from_pupil, about=transfer)
