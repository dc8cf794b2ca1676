"""Page queries of the EHC pages: each returns a small frozen dataclass or a list of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from sentrack import access
from sentrack.models import (
    EhcAdvice,
    EhcDocument,
    EhcException,
    EhcPlan,
    EhcRequest,
    EhcReview,
    Pupil,
    School,
    SupportCycle,
    User,
)
from sentrack.workflows import ehc_clocks
from sentrack.workflows import ehc_requests as request_flow
from sentrack.workflows.ehc_figures import EhcFigures, ehc_figures
from sentrack.workflows.ehc_register import plan_in_force, request_in_progress
from sentrack.workflows.ehc_reviews import ReviewCalendar, review_calendar
from sentrack.workflows.ehc_schedule import ReviewDue, review_schedule

# --- caseload ---


@dataclass(frozen=True)
class Caseload:
    """The LA officer's schools, their EHC figures, and the pupils the figures name (those of the
    user's scope, by id)."""

    schools: list[School]
    figures: EhcFigures
    pupils: dict[int, Pupil]

    def school(self, school_id: int) -> School | None:
        return next((s for s in self.schools if s.id == school_id), None)


def authority_schools(session: Session, user: User) -> list[School]:
    """The schools of the officer's authority, by name."""
    if not access.may_see_ehc_caseload(user):
        return []
    return list(
        session.scalars(
            sa.select(School)
            .where(School.local_authority_id == user.local_authority_id)
            .order_by(School.name, School.id)
        )
    )


def _pupils(session: Session, user: User, ids: set[int]) -> dict[int, Pupil]:
    if not ids:
        return {}
    found = session.scalars(sa.select(Pupil).where(Pupil.id.in_(sorted(ids)), access.sen_scope(user)))
    return {pupil.id: pupil for pupil in found}


def caseload(session: Session, user: User, today: date, *, named: tuple[str, ...] = ()) -> Caseload:
    """The EHC figures of the officer's schools; the pupils behind the figures `named` loaded in
    one query, within the user's scope."""
    schools = authority_schools(session, user)
    figures = ehc_figures(session, today, [s.id for s in schools])
    ids = {row.pupil_id for key in named for row in figures.rows(key)}
    return Caseload(schools, figures, _pupils(session, user, ids))


@dataclass(frozen=True)
class Sen2Data:
    """The records the SEN2 person-level return asks for, within the user's scope: the requests
    received since 1 January of last year or still in progress, and the plans in force or ended
    since then, each with its pupil and school."""

    requests: list[EhcRequest]
    plans: list[EhcPlan]

    def plan_of(self, request_id: int) -> EhcPlan | None:
        return next((p for p in self.plans if p.request_id == request_id), None)


def sen2_data(session: Session, user: User, today: date) -> Sen2Data:
    since = date(today.year - 1, 1, 1)
    schools = [s.id for s in authority_schools(session, user)]
    reach = sa.and_(Pupil.school_id.in_(schools), access.sen_scope(user))
    requests = session.scalars(
        sa.select(EhcRequest)
        .join(Pupil, Pupil.id == EhcRequest.pupil_id)
        .where(reach, sa.or_(EhcRequest.received_on >= since, request_in_progress()))
        .options(joinedload(EhcRequest.pupil).joinedload(Pupil.school), selectinload(EhcRequest.exceptions))
        .order_by(EhcRequest.received_on, EhcRequest.id)
    ).all()
    plans = session.scalars(
        sa.select(EhcPlan)
        .join(Pupil, Pupil.id == EhcPlan.pupil_id)
        .where(reach, sa.or_(plan_in_force(today), EhcPlan.ceased_on >= since, EhcPlan.issued_on >= since))
        .options(joinedload(EhcPlan.pupil).joinedload(Pupil.school), selectinload(EhcPlan.reviews))
        .order_by(EhcPlan.issued_on, EhcPlan.id)
    ).all()
    return Sen2Data(list(requests), list(plans))


# --- plans ---


@dataclass(frozen=True)
class DocumentRow:
    id: int
    title: str
    kind_label: str
    filename: str
    size: int
    uploaded_at: datetime
    uploaded_by: str | None

    @property
    def size_words(self) -> str:
        if self.size >= 1024 * 1024:
            return f"{self.size / (1024 * 1024):.1f} MB"
        if self.size >= 1024:
            return f"{self.size / 1024:.0f} KB"
        return f"{self.size} bytes"


@dataclass(frozen=True)
class ReviewRow:
    id: int
    kind_label: str
    meeting_on: date
    held_on: date | None


@dataclass(frozen=True)
class PlanPage:
    documents: list[DocumentRow]
    reviews: list[ReviewRow]
    next_review: ReviewDue | None


def documents_of(session: Session, *conditions: sa.ColumnElement[bool]) -> list[DocumentRow]:
    """The documents meeting `conditions` (of a plan, of a request), newest first, without their content."""
    rows = session.execute(
        sa.select(
            EhcDocument.id,
            EhcDocument.title,
            EhcDocument.kind,
            EhcDocument.filename,
            EhcDocument.size,
            EhcDocument.uploaded_at,
            User.full_name,
        )
        .outerjoin(User, User.id == EhcDocument.uploaded_by_id)
        .where(*conditions)
        .order_by(EhcDocument.uploaded_at.desc(), EhcDocument.id.desc())
    )
    return [
        DocumentRow(id=i, title=t, kind_label=k.label, filename=f, size=s, uploaded_at=at, uploaded_by=by)
        for i, t, k, f, s, at, by in rows
    ]


def plan_page(session: Session, plan: EhcPlan, *, today: date) -> PlanPage:
    """What the plan page shows beside the plan: its documents, its reviews and the next review due."""
    reviews = [
        ReviewRow(id=i, kind_label=k.label, meeting_on=m, held_on=h)
        for i, k, m, h in session.execute(
            sa.select(EhcReview.id, EhcReview.kind, EhcReview.meeting_on, EhcReview.held_on)
            .where(EhcReview.plan_id == plan.id)
            .order_by(EhcReview.meeting_on.desc(), EhcReview.id.desc())
        )
    ]
    due = review_schedule(session, today, EhcPlan.id == plan.id) if plan.ceased_on is None else []
    return PlanPage(
        documents=documents_of(session, EhcDocument.plan_id == plan.id),
        reviews=reviews,
        next_review=due[0] if due else None,
    )


# --- reviews ---


@dataclass(frozen=True)
class ReviewPage:
    """A review (or, for a review not yet convened, None) of `plan` with its calendar."""

    plan: EhcPlan
    review: EhcReview | None
    pupil: Pupil
    school: School
    calendar: ReviewCalendar
    earlier: tuple[EhcReview, ...]  # the plan's other reviews, latest meeting first


def review_page(session: Session, plan: EhcPlan, review: EhcReview | None, today: date) -> ReviewPage:
    """The plan, its reviews, the pupil and the school, read at once; the calendar worked out."""
    plan = session.scalar(
        sa.select(EhcPlan)
        .where(EhcPlan.id == plan.id)
        .options(selectinload(EhcPlan.reviews), selectinload(EhcPlan.pupil).selectinload(Pupil.school))
    )
    pupil = plan.pupil
    others = [r for r in plan.reviews if r is not review]
    others.sort(key=lambda r: (r.held_on or r.meeting_on, r.id), reverse=True)
    return ReviewPage(
        plan=plan,
        review=review,
        pupil=pupil,
        school=pupil.school,
        calendar=review_calendar(plan, review, pupil, pupil.school, today),
        earlier=tuple(others),
    )


# --- requests ---


@dataclass(frozen=True)
class ExceptionRow:
    exception: EhcException
    concerns: str  # the clocks it concerns, in words


@dataclass(frozen=True)
class RequestPage:
    """A request for an EHC needs assessment with its clocks (`ehc_clocks.request_clocks`), the
    exceptions apart, the steps open now, the support cycles that are its evidence when a review
    asked for it, and the plan it ended in."""

    request: EhcRequest
    clocks: list[ehc_clocks.Clock]
    exceptions: list[ExceptionRow]
    weeks_gone: int
    next_date: date | None
    at_risk: bool
    ended: str | None
    steps: list[request_flow.Step]
    advice_waiting: list[EhcAdvice]
    cycles: list[SupportCycle]
    plan_id: int | None
    recorded_by: str | None  # the name of who recorded it; None when a review's decision opened it


def request_page(session: Session, request: EhcRequest, today: date) -> RequestPage:
    """The request's clocks, steps and exceptions, read from its advice and exceptions (one query
    each), with the plan it ended in and who recorded it (one query)."""
    cycles = []
    if request.review_id is not None:
        cycles = list(
            session.scalars(
                sa.select(SupportCycle)
                .where(SupportCycle.pupil_id == request.pupil_id)
                .options(selectinload(SupportCycle.review))
                .order_by(SupportCycle.number)
            )
        )
    plan_id, recorded_by = session.execute(
        sa.select(
            sa.select(EhcPlan.id).where(EhcPlan.request_id == request.id).scalar_subquery(),
            sa.select(User.full_name).where(User.id == request.recorded_by_id).scalar_subquery(),
        )
    ).one()
    standing = ehc_clocks.standing(request, today)
    return RequestPage(
        request=request,
        clocks=ehc_clocks.request_clocks(request),
        exceptions=[ExceptionRow(e, ehc_clocks.exception_concerns(e)) for e in request.exceptions],
        weeks_gone=standing.weeks_gone,
        next_date=standing.next_date,
        at_risk=standing.at_risk,
        ended=request_flow.ended_problem(request),
        steps=request_flow.open_steps(request),
        advice_waiting=[a for a in request.advice if a.received_on is None],
        cycles=cycles,
        plan_id=plan_id,
        recorded_by=recorded_by,
    )


def request_in_progress_of(session: Session, pupil: Pupil) -> EhcRequest | None:
    """The pupil's request in progress, for the page that records a new one."""
    return request_flow.request_in_progress_for(session, pupil)


def advice_of(session: Session, request: EhcRequest, advice_id: int) -> EhcAdvice | None:
    """The request's advice `advice_id`, or None."""
    return session.scalar(sa.select(EhcAdvice).where(EhcAdvice.id == advice_id, EhcAdvice.request_id == request.id))


def request_opened_by_review(session: Session, review_id: int) -> EhcRequest | None:
    """The request a review's decision opened (or added its evidence to)."""
    return session.scalar(sa.select(EhcRequest).where(EhcRequest.review_id == review_id))
