"""The census SEN status: dated periods of N, K or E, one open at a time, never deleted."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.clock import now
from sentrack.models import NeedType, ParentLetter, Provision, Pupil, SenStatus, User
from sentrack.workflows import RuleBroken
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.timeline import add_event

SEN_SUPPORT_LETTER = "sen_support_notice"


def current_status(session: Session, pupil: Pupil) -> SenStatus | None:
    """The open period, or None when nothing was ever recorded (which means no SEN)."""
    return session.scalar(sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id, SenStatus.end_date.is_(None)))


def current_provision(status: SenStatus | None) -> Provision:
    return status.provision if status is not None else Provision.NONE


def change_sen_status(
    session: Session,
    *,
    actor: User,
    pupil: Pupil,
    provision: Provision,
    primary_need: NeedType | None,
    secondary_need: NeedType | None,
    start_date: date,
    reason: str,
    today: date,
) -> SenStatus:
    """Close the open period the day before `start_date` and open a new one.

    Refused (RuleBroken) when: the date is in the future, before the pupil was born or was admitted, or not after
    the open period began; K or E has no primary need; NSA goes with anything but K; the secondary
    need repeats the primary or is NSA; or nothing would change.
    """
    if provision is Provision.NONE:
        primary_need = secondary_need = None
    elif primary_need is None:
        raise RuleBroken("Select the pupil's primary type of need", field="primary_need")
    if primary_need is NeedType.NSA and provision is not Provision.SEN_SUPPORT:
        raise RuleBroken("'No specialist assessment' can only be recorded for SEN support", field="primary_need")
    if secondary_need is not None:
        if secondary_need is NeedType.NSA:
            raise RuleBroken("'No specialist assessment' cannot be a secondary need", field="secondary_need")
        if secondary_need == primary_need:
            raise RuleBroken("The secondary need must differ from the primary need", field="secondary_need")
    if start_date > today:
        raise RuleBroken("The date the status starts cannot be in the future", field="start_date")
    if start_date < pupil.date_of_birth:
        raise RuleBroken("The date the status starts cannot be before the pupil was born", field="start_date")
    # Recorded here, a status starts on the roll. History carried from a previous school (brought
    # in with the pupil's records, never through this form) may start earlier: the rules of this
    # school count it only from admission (`register.on_roll`, `register.on_roll_part`).
    if pupil.admitted_on is not None and start_date < pupil.admitted_on:
        raise RuleBroken(
            f"The date the status starts cannot be before the pupil was admitted ({pupil.admitted_on:%d/%m/%Y})",
            field="start_date",
        )
    if not reason.strip():
        raise RuleBroken("Enter the reason for the change", field="reason")

    open_period = current_status(session, pupil)
    if current_provision(open_period) == provision and (
        open_period is None or (open_period.primary_need, open_period.secondary_need) == (primary_need, secondary_need)
    ):
        raise RuleBroken("This is already the pupil's SEN status: change the provision or the needs", field="provision")
    if open_period is not None:
        if start_date <= open_period.start_date:
            raise RuleBroken(
                f"The date must be after the current status began ({open_period.start_date:%d/%m/%Y})",
                field="start_date",
            )
        open_period.end_date = start_date - timedelta(days=1)
        # Close first: the one-open-period index must never see two.
        session.flush()

    status = SenStatus(
        pupil_id=pupil.id,
        provision=provision,
        primary_need=primary_need,
        secondary_need=secondary_need,
        start_date=start_date,
        reason=reason.strip(),
        recorded_by_id=actor.id,
    )
    session.add(status)
    pupil.updated_at = now()
    session.flush()
    before = current_provision(open_period)
    title = {
        Provision.SEN_SUPPORT: "Placed on SEN support",
        Provision.EHC_PLAN: "EHC plan in place",
        Provision.NONE: "Taken off the SEN register",
    }[provision]
    if before == provision:
        title = "Needs recorded again"
    needs = ", ".join(n.value for n in (primary_need, secondary_need) if n is not None)
    add_event(
        session,
        pupil=pupil,
        kind="sen_status",
        title=title,
        effective_on=start_date,
        actor=actor,
        detail=f"{provision.label}{f' ({needs})' if needs else ''}. {reason.strip()}",
        from_state=before.value,
        to_state=provision.value,
    )
    if provision is Provision.SEN_SUPPORT and before is not Provision.SEN_SUPPORT:
        # Parents must be told formally when the school starts making SEN provision (CFA 2014 s.68).
        session.add(ParentLetter(pupil_id=pupil.id, sen_status_id=status.id, kind=SEN_SUPPORT_LETTER, created_on=today))
    audit.record(
        session,
        "sen_status_changed",
        actor=actor,
        pupil=pupil,
        object_type="sen_status",
        object_id=status.id,
        details={"from": current_provision(open_period).value, "to": provision.value},
    )
    settle_tasks(session, today, pupil_ids=[pupil.id])  # off the register: its tasks are no longer needed
    return status
