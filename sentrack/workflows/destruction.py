"""Destroying a leaver's records once their retention has ended (issue 18, point 4): the SENCO or
head teacher approves, a legal hold stops it, and a log that names no child keeps what went.

In one transaction: every row of the pupil in every table of `pupil_data.PUPIL_TABLES` is deleted
(documents with their bytes, tasks, notifications, saved versions, drafts of forms about the
pupil), audit rows about the pupil are kept with the pupil's identity taken out (no pupil id, no
record id, no details), and import previews lose the pupil's rows. What remains is the
`DestructionLog` row: the kind of record, how many rows of each kind, why, when and who approved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.clock import now
from sentrack.models import AuditEvent, DestructionLog, ImportBatch, LegalHold, Pupil, User
from sentrack.workflows import RuleBroken
from sentrack.workflows.pupil_data import PUPIL_TABLES, PupilTable
from sentrack.workflows.retention import Retention, retention_of

AUDIT_KEPT = "Audit rows kept without the pupil's identity"
HOLD_REASON_MAX = 2000

# What the log's `reason` says, in words.
REASONS = {
    "retention_ended": "Retention period ended",
    "transferred": "The next school has the SEN file",
}


def _audit_entry() -> PupilTable:
    return next(entry for entry in PUPIL_TABLES if entry.name == AuditEvent.__tablename__)


def _deleted_entries() -> list[PupilTable]:
    """Every table of the pupil's data but the audit, whose rows are kept anonymised."""
    return [entry for entry in PUPIL_TABLES if entry.name != AuditEvent.__tablename__]


def _count(session: Session, entry: PupilTable, pupil_id: int) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(entry.rows_of(pupil_id).subquery())) or 0


def what_goes(session: Session, pupil: Pupil) -> dict[str, int]:
    """How many rows of each kind of record destroying `pupil`'s records removes (kinds with none
    left out), and how many audit rows are kept anonymised: the confirmation page and the log."""
    counts = {entry.label: _count(session, entry, pupil.id) for entry in _deleted_entries()}
    counts[AUDIT_KEPT] = _count(session, _audit_entry(), pupil.id)
    return {label: n for label, n in counts.items() if n}


def due_retention(session: Session, pupil: Pupil, today: date) -> Retention:
    """The pupil's retention, due today and not held; else refused with the reason."""
    found = retention_of(session, [pupil], today).get(pupil.id)
    if found is None:
        raise RuleBroken("Only the records of a pupil who has left can be destroyed")
    if found.hold is not None:
        raise RuleBroken("A legal hold stops the destruction of this pupil's records: lift it first")
    if found.due_because is None:
        raise RuleBroken("This pupil's records are kept until their retention date has passed")
    return found


def _anonymise_audit(session: Session, pupil_id: int) -> None:
    """Audit rows about the pupil stay (who did what, when), without anything leading back to the
    pupil: no pupil id, no record id, no details."""
    session.execute(
        sa.update(AuditEvent)
        .where(_audit_entry().where(pupil_id))
        .values(pupil_id=None, object_id=None, details=None)
        .execution_options(synchronize_session=False)
    )


def _scrub_import_previews(session: Session, pupil: Pupil) -> None:
    """Import previews hold a row per pupil of the file (name, UPN, what it would change): the
    pupil's rows go, matched by UPN or by the pupil's record."""
    marks = {pupil.upn, *([pupil.former_upn] if pupil.former_upn else [])}
    for batch in session.scalars(sa.select(ImportBatch)):
        kept = [row for row in batch.rows or [] if not _names_pupil(row, pupil, marks)]
        if len(kept) != len(batch.rows or []):
            batch.rows = kept


def _names_pupil(row: dict, pupil: Pupil, marks: set[str]) -> bool:
    if row.get("transfer_from") == pupil.id:
        return True
    text = json.dumps(row)
    return any(mark in text for mark in marks)


def destroy_records(session: Session, *, actor: User, pupil: Pupil, today: date) -> DestructionLog:
    """Destroy every record of `pupil`, a leaver whose retention has ended (or whose SEN file the
    next school has), not under a legal hold. Refused otherwise (`due_retention`). Returns the log
    row, which names no child. Flushes."""
    retention = due_retention(session, pupil, today)
    counts = what_goes(session, pupil)
    log = DestructionLog(
        school_id=pupil.school_id,
        record_kind=retention.kind.value,
        reason=retention.due_because.value,
        kept_until=retention.kept_until,
        counts=counts,
        approved_by_id=actor.id,
        approved_by_name=actor.full_name,
        destroyed_at=now(),
    )
    pupil_id = pupil.id
    _anonymise_audit(session, pupil_id)
    _scrub_import_previews(session, pupil)
    # A later school's record keeps no link to the record destroyed.
    session.execute(
        sa.update(Pupil)
        .where(Pupil.previous_pupil_id == pupil_id)
        .values(previous_pupil_id=None)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    session.expunge(pupil)
    for entry in _deleted_entries():
        session.execute(
            sa.delete(entry.table).where(entry.where(pupil_id)).execution_options(synchronize_session=False)
        )
    session.expire_all()
    session.add(log)
    session.flush()
    audit.record(session, "records_destroyed", actor=actor, school_id=log.school_id, about=log)
    return log


def place_hold(session: Session, *, actor: User, pupil: Pupil, details: str) -> LegalHold:
    """Place a legal hold on a leaver's records, with its reason: nothing is destroyed while it
    stands. Refused without a reason, or when a hold stands already."""
    reason = (details or "").strip()
    if not reason:
        raise RuleBroken("Enter why the records are held", field="reason")
    if len(reason) > HOLD_REASON_MAX:
        raise RuleBroken(f"The reason must be {HOLD_REASON_MAX} characters or fewer", field="reason")
    if pupil.left_on is None:
        raise RuleBroken("A legal hold is placed on the records of a pupil who has left")
    if active_hold(session, pupil) is not None:
        raise RuleBroken("A legal hold already stands on this pupil's records", field="reason")
    hold = LegalHold(pupil_id=pupil.id, reason=reason, placed_by_id=actor.id, placed_at=now())
    session.add(hold)
    session.flush()
    audit.record(session, "legal_hold_placed", actor=actor, pupil=pupil, about=hold)
    return hold


def lift_hold(session: Session, *, actor: User, pupil: Pupil) -> LegalHold:
    """Lift the legal hold standing on `pupil`'s records: refused when none stands."""
    hold = active_hold(session, pupil)
    if hold is None:
        raise RuleBroken("No legal hold stands on this pupil's records")
    hold.lifted_at, hold.lifted_by_id = now(), actor.id
    session.flush()
    audit.record(session, "legal_hold_lifted", actor=actor, pupil=pupil, about=hold)
    return hold


def active_hold(session: Session, pupil: Pupil) -> LegalHold | None:
    return session.scalar(sa.select(LegalHold).where(LegalHold.pupil_id == pupil.id, LegalHold.lifted_at.is_(None)))


@dataclass(frozen=True)
class Destroyed:
    """What the destruction log page shows of one row."""

    log: DestructionLog
    reason: str
