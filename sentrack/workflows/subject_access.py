"""Subject access requests: recording one, its due date, extending it, answering or withdrawing it,
and marking records withheld from its export (interop notes section D).

Due dates, one rule per kind:

- a subject access request (UK GDPR article 12(3), as the ICO words it): one calendar month from
  the day received, the same date next month or, when that month has none, its last day; moved to
  the next working day when it falls on a weekend or a bank holiday. It may be extended once, by
  two further months, with a reason, before it falls due (the requester must be told why).
- a parent's request to see the educational record (the Education (Pupil Information) (England)
  Regulations 2005, regulation 5): 15 school days, by the school's terms less half-terms and bank
  holidays (`school_days.school_days_after`). Only a maintained school has this duty.

The task that follows is the sweep's ("senco_answers_subject_access"): due on the request's due
date, done when it is answered, no longer needed when it is withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import (
    AccessKind,
    AccessStatus,
    Duty,
    Pupil,
    Requester,
    SubjectAccessRequest,
    SubjectAccessWithheld,
    Task,
    TaskStatus,
    User,
)
from sentrack.workflows import RuleBroken, refuse_if_any
from sentrack.workflows.ehc_dates import add_months
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.pupil_data import BY_NAME
from sentrack.workflows.revisions import display
from sentrack.workflows.school_days import next_working_day, school_days_after
from sentrack.workflows.terms import academic_year_of, terms_of_schools

DUTY = "senco_answers_subject_access"
MONTHS = 1
EXTENSION_MONTHS = 2
SCHOOL_DAYS = 15
LONGEST_NAME = 120


def month_due(received_on: date, months: int = MONTHS) -> date:
    """The ICO's rule: the same date `months` calendar months on (the month's last day when it has
    no such date), then the next working day when that is a weekend or bank holiday."""
    return next_working_day(add_months(received_on, months))


def school_days_due(session: Session, school_id: int, received_on: date) -> date:
    """15 school days after the request was received, by the school's terms (bank holidays and
    half-terms left out)."""
    year = academic_year_of(received_on)
    terms = terms_of_schools(session, [school_id], [year, year + 1])[school_id]
    return school_days_after(received_on, SCHOOL_DAYS, terms)


def due_date(session: Session, kind: AccessKind, school_id: int, received_on: date) -> date:
    """When a request of `kind` received on `received_on` is due (see the top)."""
    if kind is AccessKind.EDUCATIONAL_RECORD:
        return school_days_due(session, school_id, received_on)
    return month_due(received_on)


def extended_due(received_on: date) -> date:
    """The due date once extended: two further calendar months, by the same rule."""
    return month_due(received_on, MONTHS + EXTENSION_MONTHS)


@dataclass
class RequestDetails:
    pupil: Pupil
    kind: AccessKind | None
    requester_name: str
    requester: Requester | None
    received_on: date | None


def kinds_offered(maintained: bool) -> list[AccessKind]:
    """The kinds of request the school records: the educational record only at a maintained school."""
    return list(AccessKind) if maintained else [AccessKind.SUBJECT_ACCESS]


def _check_request(details: RequestDetails, *, maintained: bool, today: date) -> None:
    problems = []
    if details.kind is None:
        problems.append(RuleBroken("Select what was asked for", field="kind"))
    elif details.kind not in kinds_offered(maintained):
        problems.append(
            RuleBroken(
                "Only a maintained school must show parents the educational record: record it as a subject "
                "access request",
                field="kind",
            )
        )
    if not details.requester_name.strip():
        problems.append(RuleBroken("Enter the name of the person who asked", field="requester_name"))
    elif len(details.requester_name) > LONGEST_NAME:
        problems.append(RuleBroken(f"The name must be {LONGEST_NAME} characters or fewer", field="requester_name"))
    if details.requester is None:
        problems.append(RuleBroken("Select who asked", field="requester"))
    elif details.kind is AccessKind.EDUCATIONAL_RECORD and details.requester is not Requester.PARENT:
        problems.append(RuleBroken("Only a parent asks to see the educational record", field="requester"))
    problems += _check_received(details.pupil, details.received_on, today)
    refuse_if_any(problems)


def _check_received(pupil: Pupil, received_on: date | None, today: date) -> list[RuleBroken]:
    if received_on is None:
        return [RuleBroken("Enter the date the request was received", field="received_on")]
    if received_on > today:
        return [RuleBroken("The date the request was received cannot be in the future", field="received_on")]
    if received_on < pupil.date_of_birth:
        return [RuleBroken("The request cannot have been received before the pupil was born", field="received_on")]
    if pupil.admitted_on is not None and received_on < pupil.admitted_on:
        return [
            RuleBroken(
                f"The request cannot have been received before the pupil joined the school "
                f"({display(pupil.admitted_on)})",
                field="received_on",
            )
        ]
    return []


def record_request(session: Session, *, actor: User, details: RequestDetails, today: date) -> SubjectAccessRequest:
    """Record a request and its due date (by its kind's rule). Refused (RuleBroken, each problem
    beside its field) without a kind, a requester or a date; a date in the future or before the
    pupil's record could sensibly exist; the educational record at a school that is not maintained,
    or asked by someone other than a parent. Audited."""
    pupil = details.pupil
    _check_request(details, maintained=pupil.school.maintained, today=today)
    request = SubjectAccessRequest(
        pupil_id=pupil.id,
        kind=details.kind,
        requester_name=details.requester_name.strip(),
        requester=details.requester,
        received_on=details.received_on,
        due_on=due_date(session, details.kind, pupil.school_id, details.received_on),
        recorded_by_id=actor.id,
    )
    session.add(request)
    session.flush()
    audit.record(session, "subject_access_recorded", actor=actor, pupil=pupil, about=request)
    return request


def _open(request: SubjectAccessRequest) -> None:
    if request.status is not AccessStatus.OPEN:
        raise RuleBroken(f"This request is already {request.status.label.lower()}")


def extension_problem(request: SubjectAccessRequest, today: date) -> str | None:
    """Why the request cannot be extended today, or None when it can: only an open subject access
    request, once, by its due date."""
    if request.status is not AccessStatus.OPEN:
        return f"This request is already {request.status.label.lower()}"
    if request.kind is not AccessKind.SUBJECT_ACCESS:
        return "Only a subject access request can be extended"
    if request.extended_on is not None:
        return f"This request was already extended on {display(request.extended_on)}"
    if today > request.due_on:
        return f"A request can be extended only by its due date ({display(request.due_on)})"
    return None


def extend_request(
    session: Session, *, actor: User, request: SubjectAccessRequest, reason: str, today: date
) -> SubjectAccessRequest:
    """Extend a subject access request by two further months, once, on or before its due date,
    with the reason (complex, or several requests). Its open task moves to the new date. Refused
    for an educational-record request, a request extended already, closed, or past due."""
    problem = extension_problem(request, today)
    if problem is not None:
        raise RuleBroken(problem)
    if not reason.strip():
        raise RuleBroken("Enter why the request needs longer", field="reason")
    request.extended_on = today
    request.extension_reason = reason.strip()
    request.due_on = extended_due(request.received_on)
    _move_task(session, request)
    session.flush()
    audit.record(session, "subject_access_extended", actor=actor, pupil=request.pupil, about=request)
    return request


def _move_task(session: Session, request: SubjectAccessRequest) -> None:
    """The request's open task is due when the request is: the one date, wherever it is shown."""
    duty = sa.select(Duty.id).where(Duty.code == DUTY).scalar_subquery()
    session.execute(
        sa.update(Task)
        .where(
            Task.duty_id == duty,
            Task.subject_type == SubjectAccessRequest.__tablename__,
            Task.subject_id == request.id,
            Task.status == TaskStatus.OPEN,
        )
        .values(due_on=request.due_on)
        .execution_options(synchronize_session=False)
    )
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Task):
            session.expire(obj)


def close_request(
    session: Session, *, actor: User, request: SubjectAccessRequest, status: AccessStatus, on: date | None, today: date
) -> SubjectAccessRequest:
    """Record the request answered, or withdrawn, on a day (not before it was received, not in
    the future). Its task closes from the record: done when answered, no longer needed when
    withdrawn. Audited."""
    _open(request)
    if status is AccessStatus.OPEN:
        raise RuleBroken("Select how the request ended", field="status")
    if on is None:
        raise RuleBroken("Enter the date", field="on")
    if on > today:
        raise RuleBroken("The date cannot be in the future", field="on")
    if on < request.received_on:
        raise RuleBroken(
            f"The date cannot be before the request was received ({display(request.received_on)})", field="on"
        )
    request.status = status
    request.closed_on = on
    request.closed_by_id = actor.id
    session.flush()
    audit.record(session, f"subject_access_{status.value}", actor=actor, pupil=request.pupil, about=request)
    settle_tasks(session, today, subjects=[(SubjectAccessRequest.__tablename__, request.id)])
    return request


def withhold(
    session: Session, *, actor: User, request: SubjectAccessRequest, table_name: str, row_id: int | None, reason: str
) -> SubjectAccessWithheld:
    """Mark one of the pupil's records withheld from the request's export, with why (information
    about someone else, say). Refused for a table or record that is not the pupil's, a record
    marked already, or no reason."""
    entry = BY_NAME.get(table_name)
    problems = []
    if entry is None or "id" not in entry.table.c:
        problems.append(RuleBroken("Select the kind of record", field="table_name"))
    if row_id is None:
        problems.append(RuleBroken("Enter the record's number, as the export shows it", field="row_id"))
    if not reason.strip():
        problems.append(RuleBroken("Enter why the record is withheld", field="reason"))
    refuse_if_any(problems)
    found = session.scalar(sa.select(entry.table.c.id).where(entry.where(request.pupil_id), entry.table.c.id == row_id))
    if found is None:
        raise RuleBroken(f"The pupil has no record {row_id} in {entry.label.lower()}", field="row_id")
    if any(mark.table_name == table_name and mark.row_id == row_id for mark in request.withheld):
        raise RuleBroken("That record is withheld already", field="row_id")
    mark = SubjectAccessWithheld(table_name=table_name, row_id=row_id, reason=reason.strip(), recorded_by_id=actor.id)
    request.withheld.append(mark)
    session.flush()
    audit.record(
        session,
        "subject_access_withheld",
        actor=actor,
        pupil=request.pupil,
        about=request,
        details={"table": table_name, "row": row_id},
    )
    return mark


def release(session: Session, *, actor: User, request: SubjectAccessRequest, mark: SubjectAccessWithheld) -> None:
    """Take back a record's withholding: the export includes it again. Audited."""
    details = {"table": mark.table_name, "row": mark.row_id}
    request.withheld.remove(mark)
    session.flush()
    audit.record(session, "subject_access_released", actor=actor, pupil=request.pupil, about=request, details=details)
