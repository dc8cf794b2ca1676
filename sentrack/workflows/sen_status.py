"""The census SEN status: dated periods of N, K or E, one open at a time, never deleted."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.clock import now
from sentrack.models import NeedType, ParentLetter, Provision, Pupil, SenStatus, User
from sentrack.workflows import RuleBroken, timeline
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.revisions import display
from sentrack.workflows.timeline import add_event

SEN_SUPPORT_LETTER = "sen_support_notice"


def current_status(session: Session, pupil: Pupil) -> SenStatus | None:
    """The open period, or None when nothing was ever recorded (which means no SEN)."""
    return session.scalar(sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id, SenStatus.end_date.is_(None)))


def current_provision(status: SenStatus | None) -> Provision:
    return status.provision if status is not None else Provision.NONE


@dataclass(frozen=True)
class StatusDetails:
    """A change of SEN status as a form gives it: what `change_sen_status` takes besides who and when."""

    provision: Provision
    primary_need: NeedType | None
    secondary_need: NeedType | None
    start_date: date
    reason: str


def record_status(session: Session, *, actor: User, pupil: Pupil, details: StatusDetails, today: date) -> SenStatus:
    """`change_sen_status` with the details of the SEN status form."""
    return change_sen_status(session, actor=actor, pupil=pupil, today=today, **asdict(details))


def _checked_needs(
    provision: Provision, primary_need: NeedType | None, secondary_need: NeedType | None
) -> tuple[NeedType | None, NeedType | None]:
    """The needs to record with `provision` (none for No SEN); refused when they do not fit it."""
    if provision is Provision.NONE:
        return None, None
    if primary_need is None:
        raise RuleBroken("Select the pupil's primary type of need", field="primary_need")
    if primary_need is NeedType.NSA and provision is not Provision.SEN_SUPPORT:
        raise RuleBroken("'No specialist assessment' can only be recorded for SEN support", field="primary_need")
    if secondary_need is NeedType.NSA:
        raise RuleBroken("'No specialist assessment' cannot be a secondary need", field="secondary_need")
    if secondary_need is not None and secondary_need == primary_need:
        raise RuleBroken("The secondary need must differ from the primary need", field="secondary_need")
    return primary_need, secondary_need


def _check_start(pupil: Pupil, start_date: date, reason: str, today: date) -> None:
    """Refused when the status would start in the future, before the pupil was born or admitted,
    or has no reason."""
    if start_date > today:
        raise RuleBroken("The date the status starts cannot be in the future", field="start_date")
    if start_date < pupil.date_of_birth:
        raise RuleBroken("The date the status starts cannot be before the pupil was born", field="start_date")
    # Recorded here, a status starts on the roll. History carried from a previous school (brought
    # in with the pupil's records, never through this form) may start earlier: the rules of this
    # school count it only from admission (`register.on_roll`, `register.on_roll_part`).
    if pupil.admitted_on is not None and start_date < pupil.admitted_on:
        raise RuleBroken(
            f"The date the status starts cannot be before the pupil was admitted ({display(pupil.admitted_on)})",
            field="start_date",
        )
    if not reason.strip():
        raise RuleBroken("Enter the reason for the change", field="reason")


def _close_open_period(session: Session, pupil: Pupil, new: SenStatus) -> SenStatus | None:
    """Close the pupil's open period the day before `new` starts and return it (None when there is
    none); refused when `new` changes nothing or does not start after it."""
    open_period = current_status(session, pupil)
    if current_provision(open_period) == new.provision and (
        open_period is None
        or (open_period.primary_need, open_period.secondary_need) == (new.primary_need, new.secondary_need)
    ):
        raise RuleBroken("This is already the pupil's SEN status: change the provision or the needs", field="provision")
    if open_period is not None:
        if new.start_date <= open_period.start_date:
            raise RuleBroken(
                f"The date must be after the current status began ({display(open_period.start_date)})",
                field="start_date",
            )
        open_period.end_date = new.start_date - timedelta(days=1)
        # Close first: the one-open-period index must never see two.
        session.flush()
    return open_period


def _add_to_timeline(session: Session, actor: User, pupil: Pupil, status: SenStatus, before: Provision) -> None:
    """The change on the pupil's timeline, and the letter to parents when SEN support starts."""
    provision = status.provision
    needs = ", ".join(n.value for n in (status.primary_need, status.secondary_need) if n is not None)
    add_event(
        session,
        pupil=pupil,
        kind="sen_status",
        title=timeline.NEEDS_RECORDED_AGAIN if before == provision else timeline.STATUS_TITLES[provision],
        effective_on=status.start_date,
        actor=actor,
        detail=f"{provision.label}{f' ({needs})' if needs else ''}. {status.reason}",
        from_state=before.value,
        to_state=provision.value,
    )


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
    primary_need, secondary_need = _checked_needs(provision, primary_need, secondary_need)
    _check_start(pupil, start_date, reason, today)
    status = SenStatus(
        pupil_id=pupil.id,
        provision=provision,
        primary_need=primary_need,
        secondary_need=secondary_need,
        start_date=start_date,
        reason=reason.strip(),
        recorded_by_id=actor.id,
    )
    before = current_provision(_close_open_period(session, pupil, status))
    session.add(status)
    pupil.updated_at = now()
    session.flush()
    _add_to_timeline(session, actor, pupil, status, before)
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
        details={"from": before.value, "to": provision.value},
    )
    settle_tasks(session, today, pupil_ids=[pupil.id])  # off the register: its tasks are no longer needed
    return status
