"""Page queries of the EHC pages: each returns a small frozen dataclass or a list of them."""

from __future__ import annotations

# --- requests ---
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from sentrack.models import EhcAdvice, EhcException, EhcPlan, EhcRequest, Pupil, SupportCycle
from sentrack.workflows import ehc_clocks
from sentrack.workflows import ehc_requests as request_flow


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


def request_page(session: Session, request: EhcRequest, today: date) -> RequestPage:
    session.refresh(request, ["advice", "exceptions"])
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
    plan_id = session.scalar(sa.select(EhcPlan.id).where(EhcPlan.request_id == request.id))
    return RequestPage(
        request=request,
        clocks=ehc_clocks.request_clocks(request),
        exceptions=[ExceptionRow(e, ehc_clocks.exception_concerns(e)) for e in request.exceptions],
        weeks_gone=ehc_clocks.weeks_gone(request, today),
        next_date=ehc_clocks.next_statutory_date(request),
        at_risk=ehc_clocks.is_at_risk(request, today),
        ended=request_flow.ended_problem(request),
        steps=request_flow.open_steps(request),
        advice_waiting=[a for a in request.advice if a.received_on is None],
        cycles=cycles,
        plan_id=plan_id,
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
