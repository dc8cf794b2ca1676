"""EHC plans: adding the plan the local authority issued, with its needs and outcomes. The pupil's
"E" SEN status follows the plan: adding a plan places the pupil on "E" with the plan's needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import AreaOfNeed, EhcOutcome, EhcPlan, EhcRequest, NeedType, Provision, Pupil, School, User
from sentrack.workflows import RuleBroken
from sentrack.workflows.ehc_register import plan_in_force
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.sen_status import change_sen_status, current_status

NAMED_SETTING_MAX = 160


@dataclass(frozen=True)
class OutcomeDetails:
    description: str
    area_of_need: AreaOfNeed | None = None


@dataclass(frozen=True)
class PlanDetails:
    """An EHC plan as a form gives it."""

    issued_on: date
    named_setting: str
    primary_need: NeedType | None
    secondary_need: NeedType | None = None
    outcomes: tuple[OutcomeDetails, ...] = field(default_factory=tuple)


def plan_in_force_for(session: Session, pupil: Pupil, today: date) -> EhcPlan | None:
    return session.scalar(sa.select(EhcPlan).where(EhcPlan.pupil_id == pupil.id, plan_in_force(today)))


def _check_plan(details: PlanDetails, pupil: Pupil, today: date, request: EhcRequest | None) -> None:
    if details.issued_on > today:
        raise RuleBroken("The date the plan was issued cannot be in the future", field="issued_on")
    if details.issued_on < pupil.date_of_birth:
        raise RuleBroken("The date the plan was issued cannot be before the pupil was born", field="issued_on")
    if request is not None and details.issued_on < request.received_on:
        raise RuleBroken(
            "The final plan cannot be issued before the request for the assessment was received", field="issued_on"
        )
    if not details.named_setting.strip():
        raise RuleBroken("Enter the setting the plan names", field="named_setting")
    if len(details.named_setting.strip()) > NAMED_SETTING_MAX:
        raise RuleBroken(f"The named setting must be {NAMED_SETTING_MAX} characters or fewer", field="named_setting")
    if details.primary_need is None:
        raise RuleBroken("Select the primary type of need the plan records", field="primary_need")
    if NeedType.NSA in (details.primary_need, details.secondary_need):
        raise RuleBroken(
            "An EHC plan records an assessed type of need, not 'no specialist assessment'",
            field="primary_need" if details.primary_need is NeedType.NSA else "secondary_need",
        )
    if details.secondary_need is not None and details.secondary_need == details.primary_need:
        raise RuleBroken("The secondary need must differ from the primary need", field="secondary_need")


def _place_on_ehc(session: Session, *, actor: User, pupil: Pupil, plan: EhcPlan, today: date) -> None:
    """Open "E" with the plan's needs, unless the pupil is on "E" with them already."""
    status = current_status(session, pupil)
    if (
        status is not None
        and status.provision is Provision.EHC_PLAN
        and (status.primary_need, status.secondary_need) == (plan.primary_need, plan.secondary_need)
    ):
        return
    start = plan.issued_on
    if status is not None and status.start_date >= start:
        start = status.start_date + timedelta(days=1)
    if pupil.admitted_on is not None and pupil.admitted_on > start:
        start = pupil.admitted_on
    change_sen_status(
        session,
        actor=actor,
        pupil=pupil,
        provision=Provision.EHC_PLAN,
        primary_need=plan.primary_need,
        secondary_need=plan.secondary_need,
        start_date=min(start, today),
        reason="EHC plan issued",
        today=today,
    )


def add_plan(
    session: Session, *, actor: User, pupil: Pupil, details: PlanDetails, today: date, request: EhcRequest | None = None
) -> EhcPlan:
    """Record the EHC plan the authority issued for `pupil` (from `request`, when it follows one),
    and place the pupil on "E" with the plan's needs. Refused when the pupil has a plan in force
    already, or the details break a rule (`_check_plan`)."""
    _check_plan(details, pupil, today, request)
    if plan_in_force_for(session, pupil, today) is not None:
        raise RuleBroken("The pupil has an EHC plan in force already: amend it instead", field="issued_on")
    authority_id = session.scalar(sa.select(School.local_authority_id).where(School.id == pupil.school_id))
    plan = EhcPlan(
        pupil_id=pupil.id,
        request_id=request.id if request is not None else None,
        local_authority_id=authority_id,
        issued_on=details.issued_on,
        named_setting=details.named_setting.strip(),
        primary_need=details.primary_need,
        secondary_need=details.secondary_need,
        recorded_by_id=actor.id,
        outcomes=[
            EhcOutcome(position=position, description=outcome.description.strip(), area_of_need=outcome.area_of_need)
            for position, outcome in enumerate(details.outcomes, start=1)
            if outcome.description.strip()
        ],
    )
    session.add(plan)
    session.flush()
    _place_on_ehc(session, actor=actor, pupil=pupil, plan=plan, today=today)
    audit.record(session, "ehc_plan_added", actor=actor, pupil=pupil, object_type="ehc_plan", object_id=plan.id)
    settle_tasks(session, today, pupil_ids=[pupil.id])  # the task asking for the plan's record closes
    return plan
