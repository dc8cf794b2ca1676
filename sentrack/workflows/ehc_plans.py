"""EHC plans: adding the plan the local authority issued, with its needs and outcomes; the
authority's changes to it (named setting, needs, outcomes), versioned like every record people
edit; and its ceasing. The pupil's "E" SEN status follows the plan: adding a plan places the pupil
on "E" with the plan's needs, changing the plan's needs changes E's, and a plan that ceases ends
"E" (SEN support, or off the register when the needs are met) from the day it ceases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import AreaOfNeed, EhcOutcome, EhcPlan, EhcRequest, NeedType, Provision, Pupil, School, User
from sentrack.workflows import RuleBroken
from sentrack.workflows import timeline as titles
from sentrack.workflows.ehc_register import plan_in_force
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.revisions import display, edit
from sentrack.workflows.sen_status import change_sen_status, current_status
from sentrack.workflows.timeline import add_event

NAMED_SETTING_MAX = 160
CEASE_REASON_MAX = 2000

# What a saved version of a plan remembers, with the labels its form gives them.
PLAN_FIELDS = {
    "named_setting": "Named setting",
    "primary_need": "Primary need",
    "secondary_need": "Secondary need",
    "outcome_lines": "Outcomes",
    "ceased_on": "Date the plan ceased",
    "cease_reason": "Why the plan ceased",
}


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
    _status_on_plan(session, actor, pupil, plan, min(start, today), "EHC plan issued", today)


def _status_on_plan(
    session: Session, actor: User, pupil: Pupil, plan: EhcPlan, start: date, reason: str, today: date
) -> None:
    """The pupil's SEN status becomes EHC plan, with the plan's needs, from `start`."""
    needs = {"primary_need": plan.primary_need, "secondary_need": plan.secondary_need}
    provision = Provision.EHC_PLAN
    change_sen_status(
        session, actor=actor, pupil=pupil, provision=provision, start_date=start, reason=reason, today=today, **needs
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
    add_event(
        session,
        pupil=pupil,
        actor=actor,
        kind="ehc_plan",
        title=titles.EHC_PLAN_ISSUED,
        detail=f"Named setting: {plan.named_setting}",
        effective_on=plan.issued_on,
    )
    audit.record(session, "ehc_plan_added", actor=actor, pupil=pupil, object_type="ehc_plan", object_id=plan.id)
    settle_tasks(session, today, pupil_ids=[pupil.id])
    return plan


# --- Changing the plan (the local authority) ---------------------------------------------------------


@dataclass(frozen=True)
class PlanChanges:
    """What the authority may change in a plan in force: the named setting, the needs, the outcomes."""

    named_setting: str
    primary_need: NeedType | None
    secondary_need: NeedType | None = None
    outcomes: tuple[OutcomeDetails, ...] = field(default_factory=tuple)


def _refuse_ceased(plan: EhcPlan) -> None:
    if plan.ceased_on is not None:
        raise RuleBroken(f"This plan ceased on {display(plan.ceased_on)}: it can no longer be changed")


def _set_outcomes(plan: EhcPlan, outcomes: tuple[OutcomeDetails, ...]) -> None:
    """The plan's outcomes become `outcomes` (blank ones left out), in order: each position keeps
    its row, so that no two rows ever hold the same position while the change is written."""
    wanted = [o for o in outcomes if o.description.strip()]
    kept = list(plan.outcomes)
    for position, details in enumerate(wanted, start=1):
        if position <= len(kept):
            row = kept[position - 1]
            row.description, row.area_of_need = details.description.strip(), details.area_of_need
        else:
            row = EhcOutcome(position=position, description=details.description.strip())
            row.area_of_need = details.area_of_need
            plan.outcomes.append(row)
    for row in kept[len(wanted) :]:
        plan.outcomes.remove(row)


def _follow_needs(session: Session, *, actor: User, plan: EhcPlan, today: date) -> None:
    """A pupil on "E" has the plan's needs: a change of the plan's needs is a change of E's from
    today (made on the open period itself when it began today)."""
    status = current_status(session, plan.pupil)
    if status is None or status.provision is not Provision.EHC_PLAN:
        return
    if (status.primary_need, status.secondary_need) == (plan.primary_need, plan.secondary_need):
        return
    if status.start_date >= today:
        status.primary_need, status.secondary_need = plan.primary_need, plan.secondary_need
        return
    _status_on_plan(session, actor, plan.pupil, plan, today, "EHC plan amended", today)


def update_plan(
    session: Session,
    *,
    actor: User,
    plan: EhcPlan,
    details: PlanChanges,
    today: date,
    expected_version: int | None,
) -> EhcPlan:
    """Change the named setting, needs and outcomes of a plan in force, as the person saw it at
    `expected_version` (EditConflict when someone else saved it since); the pupil's "E" follows
    the needs. Refused for a ceased plan, or details breaking the rules of `_check_plan`."""
    _refuse_ceased(plan)
    _check_plan(
        PlanDetails(plan.issued_on, details.named_setting, details.primary_need, details.secondary_need),
        plan.pupil,
        today,
        None,
    )
    needs_before = (plan.primary_need, plan.secondary_need)
    with edit(session, "ehc_plan", plan, PLAN_FIELDS, expected_version, actor):
        plan.named_setting = details.named_setting.strip()
        plan.primary_need, plan.secondary_need = details.primary_need, details.secondary_need
        _set_outcomes(plan, details.outcomes)
    if (plan.primary_need, plan.secondary_need) != needs_before:
        _follow_needs(session, actor=actor, plan=plan, today=today)
    add_event(
        session, pupil=plan.pupil, actor=actor, kind="ehc_plan", title=titles.EHC_PLAN_AMENDED, effective_on=today
    )
    about = {"object_type": "ehc_plan", "object_id": plan.id, "details": {"version": plan.version}}
    audit.record(session, "ehc_plan_updated", actor=actor, pupil=plan.pupil, **about)
    settle_tasks(session, today, pupil_ids=[plan.pupil_id])
    return plan


# --- Ceasing the plan (the local authority) ----------------------------------------------------------


@dataclass(frozen=True)
class CeaseDetails:
    """The day the plan ceases, why, and where the pupil stands after it: SEN support ("K") or,
    when the needs are met, off the SEN register ("N")."""

    ceased_on: date | None
    reason: str
    provision_after: Provision | None


def _check_cease(plan: EhcPlan, details: CeaseDetails, today: date) -> None:
    if details.ceased_on is None:
        raise RuleBroken("Enter the date the plan ceases", field="ceased_on")
    if details.ceased_on > today:
        raise RuleBroken("The date the plan ceased cannot be in the future", field="ceased_on")
    if details.ceased_on < plan.issued_on:
        raise RuleBroken(f"The plan cannot cease before it was issued ({display(plan.issued_on)})", field="ceased_on")
    if not details.reason.strip():
        raise RuleBroken("Enter why the plan ceases", field="reason")
    if len(details.reason.strip()) > CEASE_REASON_MAX:
        raise RuleBroken(f"Why the plan ceases must be {CEASE_REASON_MAX} characters or fewer", field="reason")
    if details.provision_after not in (Provision.SEN_SUPPORT, Provision.NONE):
        raise RuleBroken(
            "Choose whether the pupil moves to SEN support or off the SEN register", field="provision_after"
        )


def _end_ehc_status(session: Session, *, actor: User, plan: EhcPlan, details: CeaseDetails, today: date) -> None:
    """The pupil's "E" ends the day before the plan ceases: SEN support with the plan's needs, or
    off the register. A refusal of the status change is the date's."""
    status = current_status(session, plan.pupil)
    if status is None or status.provision is not Provision.EHC_PLAN:
        return
    support = details.provision_after is Provision.SEN_SUPPORT
    try:
        change_sen_status(
            session,
            actor=actor,
            pupil=plan.pupil,
            provision=details.provision_after,
            primary_need=plan.primary_need if support else None,
            secondary_need=plan.secondary_need if support else None,
            start_date=details.ceased_on,
            reason="EHC plan ceased" if support else "EHC plan ceased: the needs are met",
            today=today,
        )
    except RuleBroken as refused:
        raise RuleBroken(refused.message, field="ceased_on") from None


def cease_plan(
    session: Session,
    *,
    actor: User,
    plan: EhcPlan,
    details: CeaseDetails,
    today: date,
    expected_version: int | None,
) -> EhcPlan:
    """Record that the authority ceased the plan on a day, with the reason; the pupil's "E"
    status ends from that day (`_end_ehc_status`). Refused for a plan ceased already, a date in
    the future or before the plan was issued, or no reason."""
    _refuse_ceased(plan)
    _check_cease(plan, details, today)
    with edit(session, "ehc_plan", plan, PLAN_FIELDS, expected_version, actor):
        plan.ceased_on, plan.cease_reason = details.ceased_on, details.reason.strip()
    _end_ehc_status(session, actor=actor, plan=plan, details=details, today=today)
    add_event(
        session,
        pupil=plan.pupil,
        actor=actor,
        kind="ehc_plan",
        title=titles.EHC_PLAN_CEASED,
        detail=plan.cease_reason,
        effective_on=plan.ceased_on,
    )
    audit.record(session, "ehc_plan_ceased", actor=actor, pupil=plan.pupil, object_type="ehc_plan", object_id=plan.id)
    settle_tasks(session, today, pupil_ids=[plan.pupil_id])
    return plan
