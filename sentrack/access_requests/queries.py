"""Page queries of the subject access pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from sentrack import access
from sentrack.models import AccessStatus, Pupil, SubjectAccessRequest, SubjectAccessWithheld, User
from sentrack.workflows.pupil_data import BY_NAME


@dataclass
class RequestsPage:
    open: list[SubjectAccessRequest]
    closed: list[SubjectAccessRequest]

    @property
    def pupils(self) -> list[Pupil]:
        return [request.pupil for request in (*self.open, *self.closed)]


CLOSED_SHOWN = 50


def requests_page(session: Session, user: User) -> RequestsPage:
    """The requests the user manages: the open ones, soonest due first, and the latest closed.
    Two queries, the pupils with them."""
    base = sa.select(SubjectAccessRequest).where(access.subject_access_scope(user))
    base = base.options(joinedload(SubjectAccessRequest.pupil))
    open_ = session.scalars(
        base.where(SubjectAccessRequest.status == AccessStatus.OPEN).order_by(
            SubjectAccessRequest.due_on, SubjectAccessRequest.id
        )
    ).all()
    closed = session.scalars(
        base.where(SubjectAccessRequest.status != AccessStatus.OPEN)
        .order_by(SubjectAccessRequest.closed_on.desc(), SubjectAccessRequest.id.desc())
        .limit(CLOSED_SHOWN)
    ).all()
    return RequestsPage(list(open_), list(closed))


@dataclass
class Mark:
    id: int
    kind: str
    row_id: int
    reason: str


def pupil_requests(session: Session, pupil: Pupil) -> list[SubjectAccessRequest]:
    """The pupil's requests, latest first."""
    return list(
        session.scalars(
            sa.select(SubjectAccessRequest)
            .where(SubjectAccessRequest.pupil_id == pupil.id)
            .order_by(SubjectAccessRequest.received_on.desc(), SubjectAccessRequest.id.desc())
        )
    )


def marks_of(session: Session, request: SubjectAccessRequest) -> list[Mark]:
    """What the request withholds, each with its kind of record in words."""
    return [
        Mark(mark.id, _kind(mark.table_name), mark.row_id, mark.reason)
        for mark in session.scalars(
            sa.select(SubjectAccessWithheld)
            .where(SubjectAccessWithheld.request_id == request.id)
            .order_by(SubjectAccessWithheld.id)
        )
    ]


def _kind(table_name: str) -> str:
    entry = BY_NAME.get(table_name)
    return entry.label if entry is not None else table_name


def is_overdue(request: SubjectAccessRequest, today: date) -> bool:
    return request.status is AccessStatus.OPEN and today > request.due_on
