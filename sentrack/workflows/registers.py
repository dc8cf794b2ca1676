"""Registers of intervention sessions as teachers keep them: taking one (present, or absent with a
reason), recording a session that did not happen and why, correcting a register with its history,
and the one definition of what counts.

- *Delivered*: a session recorded as held (no `not_held_reason`). A session that did not happen
  (staff absent, a trip, the school closed...) is neither delivered nor missed: it has no marks.
- *Attendance*: of a pupil, the marks on delivered sessions: attended of recorded.
- *A usual day*: a school day of the school's terms; a session dated on a weekend or in the
  holidays is stored only once the person confirms it (`unusual_day`).

Every page, list, map and figure counts sessions and attendance through these functions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import access, audit
from sentrack.access import Ability
from sentrack.models import (
    AbsenceReason,
    Intervention,
    InterventionPupil,
    InterventionSession,
    NotHeldReason,
    School,
    SessionAttendance,
    User,
)
from sentrack.models.cycles import RecordRevision
from sentrack.workflows import RuleBroken
from sentrack.workflows.register import is_on_roll
from sentrack.workflows.revisions import Change, EditConflict, begin_edit, display, edit, finish_edit, record_revision
from sentrack.workflows.school_days import is_bank_holiday, is_school_day
from sentrack.workflows.terms import school_terms

# --- What counts --------------------------------------------------------------------------------


def delivered(register=InterventionSession) -> sa.ColumnElement[bool]:
    """Over `InterventionSession`: the session happened (it counts as delivered)."""
    return register.not_held_reason.is_(None)


@dataclass
class Attendance:
    attended: int = 0
    recorded: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.attended / self.recorded) if self.recorded else None


@dataclass
class SessionCounts:
    delivered: int = 0
    not_held: int = 0


def attendance(intervention: Intervention) -> dict[int, Attendance]:
    """Each pupil's attendance over the delivered sessions (from the loaded registers)."""
    found = {place.pupil_id: Attendance() for place in intervention.places}
    for register in intervention.sessions:
        if not register.held:
            continue
        for mark in register.attendance:
            tally = found.setdefault(mark.pupil_id, Attendance())
            tally.recorded += 1
            tally.attended += int(mark.attended)
    return found


def pupil_attendance(session: Session, pupil_id: int, intervention_ids: list[int]) -> dict[int, Attendance]:
    """The pupil's attendance over the delivered sessions of each intervention (one query)."""
    found = {intervention_id: Attendance() for intervention_id in intervention_ids}
    if not intervention_ids:
        return found
    rows = session.execute(
        sa.select(
            InterventionSession.intervention_id,
            sa.func.count(),
            sa.func.sum(sa.case((SessionAttendance.attended, 1), else_=0)),
        )
        .join(SessionAttendance, SessionAttendance.session_id == InterventionSession.id)
        .where(
            SessionAttendance.pupil_id == pupil_id,
            InterventionSession.intervention_id.in_(intervention_ids),
            delivered(),
        )
        .group_by(InterventionSession.intervention_id)
    )
    for intervention_id, recorded, attended in rows:
        found[intervention_id] = Attendance(attended=int(attended or 0), recorded=recorded)
    return found


def session_counts(
    session: Session, intervention_ids: list[int], start: date | None = None, end: date | None = None
) -> dict[int, SessionCounts]:
    """Sessions delivered and not held of each intervention, between `start` and `end` when
    given (one query)."""
    found: dict[int, SessionCounts] = defaultdict(SessionCounts)
    if not intervention_ids:
        return found
    query = (
        sa.select(
            InterventionSession.intervention_id,
            sa.func.sum(sa.case((delivered(), 1), else_=0)),
            sa.func.sum(sa.case((delivered(), 0), else_=1)),
        )
        .where(InterventionSession.intervention_id.in_(intervention_ids))
        .group_by(InterventionSession.intervention_id)
    )
    if start is not None and end is not None:
        query = query.where(InterventionSession.held_on.between(start, end))
    for intervention_id, held, not_held in session.execute(query):
        found[intervention_id] = SessionCounts(int(held or 0), int(not_held or 0))
    return found


def delivered_count(intervention_id_column) -> sa.ScalarSelect:
    """A scalar subquery: the delivered sessions of the intervention whose id is the column."""
    return (
        sa.select(sa.func.count(InterventionSession.id))
        .where(InterventionSession.intervention_id == intervention_id_column, delivered())
        .scalar_subquery()
    )


def not_held_count(intervention_id_column) -> sa.ScalarSelect:
    """A scalar subquery: the sessions of the intervention that did not happen."""
    return (
        sa.select(sa.func.count(InterventionSession.id))
        .where(InterventionSession.intervention_id == intervention_id_column, ~delivered())
        .scalar_subquery()
    )


# --- The day ------------------------------------------------------------------------------------


def unusual_day(session: Session, school: School, day: date) -> str | None:
    """Why `day` is not a usual day for a session ("a Saturday", "in the school holidays"), or None
    on a school day of the school's terms."""
    if day.weekday() == 5:
        return "a Saturday"
    if day.weekday() == 6:
        return "a Sunday"
    if is_bank_holiday(day):
        return "a bank holiday"
    if not is_school_day(day, school_terms(session, school, day)):
        return "in the school holidays"
    return None


def unusual_day_message(day: date, why: str) -> str:
    """What the register says of a session dated on an unusual day, asking to confirm it."""
    return f"{day.day} {day:%B %Y} is {why}: check the date, or confirm that the session took place then"


# --- Who is on a register -----------------------------------------------------------------------


def register_places(intervention: Intervention, day: date) -> list[InterventionPupil]:
    """The places of the intervention whose pupils are on the roll on `day`: a pupil who has left
    is on no register from their leaving date."""
    return [place for place in intervention.places if is_on_roll(place.pupil, day)]


def writable_register(actor: User, intervention: Intervention, day: date) -> list[InterventionPupil]:
    """The places on the register of `day` whose attendance the actor may record: the others are
    recorded by whoever reaches them (`access.place_scope`)."""
    writable = access.intervention_pupil_ids(actor, intervention, Ability.RECORD_SESSION)
    return [place for place in register_places(intervention, day) if place.pupil_id in writable]


# --- Marks --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """A pupil's mark: present, or absent with the reason (None: not given) and a note."""

    attended: bool = True
    absence: AbsenceReason | None = None
    note: str | None = None

    @classmethod
    def absent(cls, reason: AbsenceReason | None, note: str | None = None) -> Mark:
        return cls(False, reason, note)

    @classmethod
    def of(cls, row: SessionAttendance) -> Mark:
        return cls(row.attended, row.absence_reason, row.absence_note)


NOTE_LENGTH = 200


def _clean_marks(marks: dict[int, Mark]) -> dict[int, Mark]:
    """Each mark with its note trimmed (a note of a pupil present is dropped); another reason
    needs its note. Refused beside the pupil's note."""
    cleaned = {}
    for pupil_id, mark in marks.items():
        if mark.attended:
            cleaned[pupil_id] = Mark()
            continue
        note = (mark.note or "").strip() or None
        if mark.absence is AbsenceReason.OTHER and note is None:
            raise RuleBroken("Say why the pupil was absent", field=f"note_{pupil_id}")
        if note is not None and len(note) > NOTE_LENGTH:
            raise RuleBroken(f"The note must be {NOTE_LENGTH} characters or fewer", field=f"note_{pupil_id}")
        cleaned[pupil_id] = Mark.absent(mark.absence, note)
    return cleaned


def _row(pupil_id: int, mark: Mark) -> SessionAttendance:
    return SessionAttendance(
        pupil_id=pupil_id, attended=mark.attended, absence_reason=mark.absence, absence_note=mark.note
    )


def _set_row(row: SessionAttendance, mark: Mark) -> None:
    row.attended, row.absence_reason, row.absence_note = mark.attended, mark.absence, mark.note


def _check_not_held(not_held: NotHeldReason | None, note: str | None) -> str | None:
    note = (note or "").strip() or None
    if not_held is NotHeldReason.OTHER and note is None:
        raise RuleBroken("Say why the session did not happen", field="note")
    return note


# --- Taking a register --------------------------------------------------------------------------

# What the history of a register lists, with the labels its pages give.
SESSION_FIELDS = {"not_held_reason": "Did the session happen?", "note": "Note", "marks": "Attendance"}


def _check_session_date(
    session: Session, intervention: Intervention, held_on: date, today: date, confirmed: bool
) -> None:
    """A session is recorded for a day of the intervention, not in the future; a weekend or a
    holiday only once confirmed."""
    if held_on > today:
        raise RuleBroken("A session cannot be recorded for a date in the future", field="held_on")
    if not intervention.starts_on <= held_on <= intervention.ends_on:
        raise RuleBroken(
            f"The date must be within the intervention: {display(intervention.starts_on)} "
            f"to {display(intervention.ends_on)}",
            field="held_on",
        )
    why = unusual_day(session, session.get(School, intervention.school_id), held_on)
    if why is not None and not confirmed:
        raise RuleBroken(unusual_day_message(held_on, why), field="held_on")


def _audit_register(
    session: Session, actor: User, intervention: Intervention, register: InterventionSession, rows: list
) -> None:
    """The register in the school's trail, and each mark in its pupil's (present or absent: never
    the reason, which may be about the pupil's health)."""
    audit.record(session, "session_recorded", actor=actor, school_id=intervention.school_id, about=register)
    for row in rows:
        audit.record(
            session,
            "attendance_recorded",
            actor=actor,
            pupil_id=row.pupil_id,
            school_id=intervention.school_id,
            object_type="intervention_session",
            object_id=register.id,
            details={"attended": row.attended},
        )


def _record_not_held(
    session: Session,
    actor: User,
    intervention: Intervention,
    existing: InterventionSession | None,
    held_on: date,
    reason: NotHeldReason,
    note: str | None,
) -> InterventionSession:
    if existing is not None:
        raise RuleBroken(
            "A session on this date is already recorded: correct its register to say it did not happen",
            field="held_on",
        )
    register = InterventionSession(
        intervention=intervention,
        held_on=held_on,
        not_held_reason=reason,
        note=_check_not_held(reason, note),
        recorded_by_id=actor.id,
    )
    session.add(register)
    session.flush()
    record_revision(session, "intervention_session", register, SESSION_FIELDS, actor)
    audit.record(session, "session_not_held", actor=actor, school_id=intervention.school_id, about=register)
    session.flush()
    return register


def _marks_from(places: list[InterventionPupil], attended: set[int] | None, marks: dict[int, Mark] | None):
    """The marks of `places`: as given, or present when in `attended` and absent (no reason given)
    otherwise. Marking a pupil not on the register is refused."""
    reachable = {place.pupil_id for place in places}
    if marks is None:
        attended = attended or set()
        if not attended <= reachable:
            raise RuleBroken("Only pupils in the intervention can be marked present", field="attended")
        return {pid: Mark() if pid in attended else Mark.absent(None) for pid in reachable}
    if not set(marks) <= reachable:
        raise RuleBroken("Only pupils in the intervention can be marked", field="attended")
    return _clean_marks(marks)


def _write_register(
    session: Session,
    actor: User,
    intervention: Intervention,
    existing: InterventionSession | None,
    held_on: date,
    note: str | None,
    rows: list[SessionAttendance],
) -> InterventionSession:
    """A new register with `rows` (its first version kept), or `existing` completed with them."""
    if existing is not None:
        with edit(session, "intervention_session", existing, SESSION_FIELDS, None, actor):
            existing.attendance.extend(rows)
        return existing
    register = InterventionSession(
        intervention=intervention,
        held_on=held_on,
        note=(note or "").strip() or None,
        recorded_by_id=actor.id,
        attendance=rows,
    )
    session.add(register)
    session.flush()
    record_revision(session, "intervention_session", register, SESSION_FIELDS, actor)
    return register


def record_session(
    session: Session,
    *,
    actor: User,
    intervention: Intervention,
    held_on: date,
    today: date,
    attended: set[int] | None = None,
    marks: dict[int, Mark] | None = None,
    note: str | None = None,
    not_held: NotHeldReason | None = None,
    confirmed: bool = False,
) -> InterventionSession:
    """Take the register of one session for the pupils whose attendance the actor may record
    (`marks` by pupil id; or `attended`, the ids of those present, the others absent with no
    reason given), or record that it did not happen (`not_held`, with a note for another reason).
    Refused for a date in the future, outside the intervention, a weekend or holiday unless
    `confirmed`, or a date already recorded for all of them. A register already taken for that
    date by someone reaching other pupils is completed: the rows already recorded stay."""
    _check_session_date(session, intervention, held_on, today, confirmed)
    existing = session.scalar(
        sa.select(InterventionSession).where(
            InterventionSession.intervention_id == intervention.id, InterventionSession.held_on == held_on
        )
    )
    if not_held is not None:
        return _record_not_held(session, actor, intervention, existing, held_on, not_held, note)
    if existing is not None and not existing.held:
        raise RuleBroken(
            "This date is recorded as a session that did not happen: correct that register instead", field="held_on"
        )
    marked = {row.pupil_id for row in existing.attendance} if existing is not None else set()
    reached = writable_register(actor, intervention, held_on)
    given = _marks_from(reached, attended, marks)
    places = [place for place in reached if place.pupil_id not in marked]
    if not places:
        raise RuleBroken(
            "A session on this date is already recorded"
            if existing is not None
            else "None of the pupils on this date's register is one whose attendance you record",
            field="held_on",
        )
    rows = [_row(place.pupil_id, given.get(place.pupil_id, Mark())) for place in places]
    register = _write_register(session, actor, intervention, existing, held_on, note, rows)
    _audit_register(session, actor, intervention, register, rows)
    session.flush()
    return register


def record_everyone_present(
    session: Session, *, actor: User, intervention: Intervention, today: date
) -> InterventionSession:
    """The one-click register: today's session, with every pupil whose attendance the actor
    records present. A refusal names the intervention, since it is told away from it."""
    try:
        return record_session(
            session,
            actor=actor,
            intervention=intervention,
            held_on=today,
            marks={place.pupil_id: Mark() for place in writable_register(actor, intervention, today)},
            today=today,
        )
    except RuleBroken as error:
        raise RuleBroken(f"{intervention.name}: {error.message}.") from error


# --- Correcting a register, and its history -----------------------------------------------------


def mark_text(kept: list | None) -> str:
    """A mark as a saved version keeps it (`[code, note]`), in words."""
    if not kept:
        return "Not on the register"
    code, note = kept[0], kept[1] if len(kept) > 1 else None
    if code == "present":
        return "Present"
    reason = AbsenceReason(code).label if code in AbsenceReason._value2member_map_ else "reason not given"
    return f"Absent: {reason}" + (f" ({note})" if note else "")


def held_text(code: str | None) -> str:
    return "Yes" if code is None else f"No: {NotHeldReason(code).label}"


@dataclass
class Correction:
    """One saved version of a register after the first: who saved it, when, and what changed in
    words, naming only the pupils of `names`; `others` counts the changes to other pupils' marks."""

    by: User | None
    at: datetime
    changes: list[Change]
    others: int = 0


def _changes(before: dict, after: dict, names: dict[int, str]) -> tuple[list[Change], int]:
    changes, others = [], 0
    if before.get("not_held_reason") != after.get("not_held_reason"):
        changes.append(Change(SESSION_FIELDS["not_held_reason"], held_text(after.get("not_held_reason"))))
    if (before.get("note") or None) != (after.get("note") or None):
        changes.append(Change(SESSION_FIELDS["note"], after.get("note") or "(blank)"))
    old, new = before.get("marks") or {}, after.get("marks") or {}
    for key in sorted(set(old) | set(new), key=int):
        if old.get(key) == new.get(key):
            continue
        if int(key) in names:
            changes.append(Change(names[int(key)], f"{mark_text(old.get(key))} to {mark_text(new.get(key))}"))
        else:
            others += 1
    return changes, others


def history(session: Session, register: InterventionSession, names: dict[int, str]) -> list[Correction]:
    """The register's corrections (and completions by someone reaching other pupils), oldest first,
    naming the pupils of `names` (by id) and counting the others. Two queries."""
    revisions = list(
        session.scalars(
            sa.select(RecordRevision)
            .where(RecordRevision.record_type == "intervention_session", RecordRevision.record_id == register.id)
            .order_by(RecordRevision.version)
        )
    )
    saved_by = {
        user.id: user
        for user in session.scalars(
            sa.select(User).where(User.id.in_({r.saved_by_id for r in revisions if r.saved_by_id is not None}))
        )
    }
    found = []
    for before, after in zip(revisions, revisions[1:], strict=False):
        changes, others = _changes(before.snapshot, after.snapshot, names)
        if changes or others:
            found.append(Correction(saved_by.get(after.saved_by_id), after.saved_at, changes, others))
    return found


def _conflict(session: Session, register: InterventionSession, opened: int, names: dict[int, str]) -> EditConflict:
    """What someone else changed in the register since the version the person opened, naming only
    the pupils the person reaches."""
    revisions = {
        r.version: r
        for r in session.scalars(
            sa.select(RecordRevision).where(
                RecordRevision.record_type == "intervention_session",
                RecordRevision.record_id == register.id,
                RecordRevision.version.in_([opened, register.version]),
            )
        )
    }
    latest = revisions.get(register.version)
    before = revisions[opened].snapshot if opened in revisions else {}
    changes, others = _changes(before, latest.snapshot if latest else {}, names)
    if others:
        changes.append(Change("Other pupils", f"{others} changed"))
    return EditConflict(
        changes=changes,
        by=latest.saved_by if latest else None,
        at=latest.saved_at if latest else None,
        current_version=register.version,
    )


def _correct_marks(
    intervention: Intervention, register: InterventionSession, marks: dict[int, Mark], writable: frozenset[int]
) -> list[int]:
    """Set the marks of the pupils the actor reaches on the register's day (rows added for those
    not yet marked); the others stay. The ids of the pupils whose mark changed."""
    rows = {row.pupil_id: row for row in register.attendance}
    changed = []
    for place in register_places(intervention, register.held_on):
        if place.pupil_id not in writable or place.pupil_id not in marks:
            continue
        mark, row = marks[place.pupil_id], rows.get(place.pupil_id)
        if row is None:
            register.attendance.append(_row(place.pupil_id, mark))
        elif Mark.of(row) != mark:
            _set_row(row, mark)
        else:
            continue
        changed.append(place.pupil_id)
    return changed


def _audit_correction(
    session: Session, actor: User, register: InterventionSession, was_held: bool, changed: list[int]
) -> None:
    """The correction in the school's trail, and each changed mark in its pupil's."""
    school_id = register.intervention.school_id
    details = {"held": register.held, "was_held": was_held}
    audit.record(session, "register_corrected", actor=actor, school_id=school_id, about=register, details=details)
    for pupil_id in changed:
        audit.record(
            session,
            "attendance_corrected",
            actor=actor,
            pupil_id=pupil_id,
            school_id=school_id,
            object_type="intervention_session",
            object_id=register.id,
        )


def correct_register(
    session: Session,
    *,
    actor: User,
    register: InterventionSession,
    marks: dict[int, Mark],
    note: str | None,
    not_held: NotHeldReason | None,
    today: date,
    expected_version: int | None,
    names: dict[int, str] | None = None,
) -> InterventionSession:
    """Correct a register (the caller loads it through `access.get_register`, for whoever took it
    or the SENCO): whether the session happened, its note, and the marks of the pupils the actor
    reaches (`marks`, by pupil id); other pupils' marks stay as they are. A session that did not
    happen keeps no marks, so saying so is refused while a pupil the actor does not reach is
    marked on it. Each save is a new version kept in the register's history; EditConflict (naming
    only the pupils of `names`) when someone else saved it after `expected_version`."""
    intervention = register.intervention
    writable = access.intervention_pupil_ids(actor, intervention, Ability.RECORD_SESSION)
    note = _check_not_held(not_held, note)
    marks = _clean_marks({pid: mark for pid, mark in marks.items() if pid in writable})
    if not_held is not None and any(row.pupil_id not in writable for row in register.attendance):
        raise RuleBroken(
            "Pupils you do not record are marked on this register: ask the SENCO to record that it did not happen",
            field="happened",
        )
    try:
        begin_edit(session, "intervention_session", register, SESSION_FIELDS, expected_version)
    except EditConflict:
        raise _conflict(session, register, expected_version, names or {}) from None
    was_held = register.held
    register.not_held_reason, register.note = not_held, note
    if not_held is not None:
        changed = [row.pupil_id for row in register.attendance]
        register.attendance.clear()
    else:
        changed = _correct_marks(intervention, register, marks, writable)
    try:
        finish_edit(session, "intervention_session", register, SESSION_FIELDS, actor)
    except EditConflict:
        raise _conflict(session, register, expected_version, names or {}) from None
    _audit_correction(session, actor, register, was_held, changed)
    session.flush()
    return register
