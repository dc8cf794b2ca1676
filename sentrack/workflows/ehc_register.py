"""The definitions of EHC work every page, figure, scope and the sweep share, each once, as a SQL
expression and, where a caller holds the row, a Python predicate with the same meaning.

- *Request in progress*: received and not yet ended. A request ends when the authority refuses to
  assess, decides not to issue a plan, issues the final plan, or the request is withdrawn.
- *Plan in force*: issued on or before the day and not ceased by it (a plan ceases on `ceased_on`).
- *EHC work of the counted years*: a request received or decided, or a plan ceased, since 1 January
  of last year: the calendar years the authority's figures and its SEN2 return count, so that every
  pupil counted in them can be listed by the officer who sees the figure.
- *On an EHC plan without a plan record*: an open "E" SEN status and no plan in force recorded:
  flagged, and the SENCO is asked to add the plan.
"""

from __future__ import annotations

import functools
from datetime import date

import sqlalchemy as sa

from sentrack.models import AssessmentDecision, EhcPlan, EhcRequest, PlanDecision, Provision, Pupil, SenStatus
from sentrack.workflows.among import among


def request_in_progress(request=EhcRequest) -> sa.ColumnElement[bool]:
    """The request (the `EhcRequest` entity or an alias) has not ended."""
    return sa.and_(
        request.withdrawn_on.is_(None),
        request.final_issued_on.is_(None),
        request.assessment != AssessmentDecision.REFUSED,
        sa.or_(request.plan_decision.is_(None), request.plan_decision != PlanDecision.NO_PLAN),
    )


def is_request_in_progress(request: EhcRequest) -> bool:
    return (
        request.withdrawn_on is None
        and request.final_issued_on is None
        and request.assessment is not AssessmentDecision.REFUSED
        and request.plan_decision is not PlanDecision.NO_PLAN
    )


def plan_in_force(day: date, plan=EhcPlan) -> sa.ColumnElement[bool]:
    """The plan (the `EhcPlan` entity or an alias) is in force on `day`."""
    return sa.and_(plan.issued_on <= day, sa.or_(plan.ceased_on.is_(None), plan.ceased_on > day))


def is_plan_in_force(plan: EhcPlan, day: date) -> bool:
    return plan.issued_on <= day and (plan.ceased_on is None or plan.ceased_on > day)


# The pupils of each kind of EHC work, as a SELECT of their ids; each `has_...` is an uncorrelated
# IN over one of them, so that it holds inside a query that also joins these tables.


def _requests_in_progress() -> sa.Select:
    return sa.select(EhcRequest.pupil_id).where(request_in_progress())


def _plans_in_force(day: date) -> sa.Select:
    return sa.select(EhcPlan.pupil_id).where(plan_in_force(day))


def _open_ehc_statuses() -> sa.Select:
    return sa.select(SenStatus.pupil_id).where(SenStatus.end_date.is_(None), SenStatus.provision == Provision.EHC_PLAN)


def counted_since(day: date) -> date:
    """The first day of the calendar years the authority's EHC figures count: 1 January last year."""
    return date(day.year - 1, 1, 1)


def _counted_work(day: date) -> tuple[sa.Select, sa.Select]:
    """A request received or decided, or a plan ceased, in the calendar years the figures count:
    the requests' pupils and the plans' pupils."""
    since = counted_since(day)
    dates = (
        EhcRequest.received_on,
        EhcRequest.assessment_decided_on,
        EhcRequest.plan_decided_on,
        EhcRequest.parents_told_on,
        EhcRequest.final_issued_on,
        EhcRequest.withdrawn_on,
    )
    requests = sa.select(EhcRequest.pupil_id).where(sa.or_(*(column >= since for column in dates)))
    plans = sa.select(EhcPlan.pupil_id).where(EhcPlan.ceased_on >= since)
    return requests, plans


def has_request_in_progress(pupil=Pupil) -> sa.ColumnElement[bool]:
    return pupil.id.in_(_requests_in_progress())


def has_plan_in_force(day: date, pupil=Pupil) -> sa.ColumnElement[bool]:
    return pupil.id.in_(_plans_in_force(day))


def has_open_ehc_status(pupil=Pupil) -> sa.ColumnElement[bool]:
    return pupil.id.in_(_open_ehc_statuses())


def has_counted_ehc_work(day: date, pupil=Pupil) -> sa.ColumnElement[bool]:
    """A request received or decided, or a plan ceased, in the calendar years the figures count."""
    requests, plans = _counted_work(day)
    return sa.or_(pupil.id.in_(requests), pupil.id.in_(plans))


@functools.lru_cache(maxsize=16)
def in_ehc_work(day: date, pupil=Pupil, *, listing: bool = False) -> sa.ColumnElement[bool]:
    """The pupil has a request in progress, a plan in force, an open "E" status, or EHC work of the
    years the figures count: the pupils an LA officer reaches in the authority's schools.

    An OR of one EXISTS for each kind of work, each narrowed to the pupil, rather than INs or one
    EXISTS over their union: a page about one pupil (their record, the abilities on them) then
    probes each kind's pupil index for that pupil. (Over a UNION ALL, PostgreSQL made the EXISTS a
    semi-join and hashed the authority's whole set of pupils in EHC work for every page, 20 ms at
    250,000 pupils; an OR keeps each EXISTS a probe.) For a list of the pupils in EHC work
    themselves (`listing`), the union's ids are listed first (`among`), so that PostgreSQL reads
    those pupils by their ids instead of testing every pupil of the authority (the same pupils
    either way).

    Made once for each day (pupil entity and form) and kept: the expression of the five kinds of
    work takes longer to build than a page about one pupil takes to ask it, and it reads only `day`."""
    if listing:
        work = sa.union(_requests_in_progress(), _plans_in_force(day), _open_ehc_statuses(), *_counted_work(day))
        return among(pupil.id, work)
    kinds = (_requests_in_progress(), _plans_in_force(day), _open_ehc_statuses(), *_counted_work(day))
    # Correlated to the pupil alone: a query around it may read these tables too (a plan's page).
    return sa.or_(*(kind.where(kind.selected_columns.pupil_id == pupil.id).correlate(pupil).exists() for kind in kinds))


def ehc_without_plan(day: date, pupil=Pupil) -> sa.ColumnElement[bool]:
    """The pupil is recorded as "E" with no plan in force recorded."""
    return sa.and_(has_open_ehc_status(pupil), sa.not_(has_plan_in_force(day, pupil)))
