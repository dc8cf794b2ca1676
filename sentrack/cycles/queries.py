"""The support cycle pages' queries: a pupil's cycle with what its page shows, the timeline,
letters to parents and concerns, always of the pupil the view has already checked access to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from sentrack.models import (
    AreaOfNeed,
    Concern,
    EhcRequest,
    LetterTemplate,
    Observation,
    OutcomeWording,
    ParentLetter,
    Plan,
    Pupil,
    Role,
    RoleAssignment,
    SenStatus,
    SupportCycle,
    TimelineEvent,
    User,
)
from sentrack.pupils.queries import load_staff
from sentrack.workflows import RuleBroken
from sentrack.workflows import cycles as flow
from sentrack.workflows.letter_templates import KIND_OF_LETTER, school_template
from sentrack.workflows.letters import AddressedLetter, write_letters
from sentrack.workflows.meetings import plan_meeting_of
from sentrack.workflows.recipients import Copies, copies_for
from sentrack.workflows.sen_status import current_status


def cycle_of(session: Session, pupil: Pupil, number: int) -> SupportCycle | None:
    """The pupil's cycle `number`, with its outcomes, observations, assessment, plan and review."""
    return session.scalar(
        sa.select(SupportCycle)
        .where(SupportCycle.pupil_id == pupil.id, SupportCycle.number == number)
        .options(
            selectinload(SupportCycle.outcomes),
            selectinload(SupportCycle.observations),
            joinedload(SupportCycle.assessment),
            joinedload(SupportCycle.plan),
            joinedload(SupportCycle.review),
        )
    )


@dataclass(frozen=True)
class CyclePage:
    """What the cycle page shows beside the cycle: the moves it may make and why each is refused,
    the observations by outcome (None: general ones), every cycle of the pupil, and the staff the
    page names (loaded in one query and held while the page renders)."""

    moves: list[flow.Move]
    problems: dict[flow.Move, list[RuleBroken]]
    by_outcome: dict[int | None, list[Observation]]
    cycles: list[SupportCycle]
    staff: list[User]


def cycle_page(session: Session, user: User, cycle: SupportCycle, *, today: date) -> CyclePage:
    moves = flow.allowed_moves(cycle)
    by_outcome: dict[int | None, list[Observation]] = {}
    for observation in cycle.observations:
        by_outcome.setdefault(observation.outcome_id, []).append(observation)
    staff = load_staff(
        session,
        [cycle.opened_by_id, cycle.assessment.assessed_by_id if cycle.assessment else None]
        + [observation.recorded_by_id for observation in cycle.observations],
    )
    cycles = session.scalars(
        sa.select(SupportCycle).where(SupportCycle.pupil_id == cycle.pupil_id).order_by(SupportCycle.number)
    ).all()
    return CyclePage(
        moves=moves,
        problems={move: flow.guard_problems(cycle, move, today=today, actor=user) for move in moves},
        by_outcome=by_outcome,
        cycles=list(cycles),
        staff=staff,
    )


@dataclass(frozen=True)
class StartPage:
    """Starting the plan: whether the pupil must be placed on SEN support, and what stops it."""

    needs_status: bool
    problems: list[RuleBroken]


def start_page(session: Session, pupil: Pupil, cycle: SupportCycle, *, today: date) -> StartPage:
    status = current_status(session, pupil)
    return StartPage(
        needs_status=status is None or status.provision.value == "N",
        problems=flow.guard_problems(cycle, flow.Move.START_SUPPORT, today=today),
    )


def plan_agreed_how(session: Session, plan: Plan | None) -> str | None:
    """How a plan already agreed with parents was agreed, as the plan form asks it: "meeting" when
    it is linked to a meeting with parents, else "without_meeting"; None when not yet agreed."""
    if plan is None or plan.agreed_with_parents_on is None:
        return None
    return "meeting" if plan_meeting_of(session, plan) is not None else "without_meeting"


def outcome_wordings(session: Session, cycle: SupportCycle) -> list[OutcomeWording]:
    """The wordings the school's bank offers for the cycle's outcomes: those of the areas of need
    the assessment found first, then the rest, each area in the Code's order."""
    found = set(cycle.assessment.areas_of_need or []) if cycle.assessment is not None else set()
    order = {area.value: (area.value not in found, place) for place, area in enumerate(AreaOfNeed)}
    offered = session.scalars(
        sa.select(OutcomeWording)
        .where(OutcomeWording.school_id == cycle.pupil.school_id, OutcomeWording.active)
        .order_by(OutcomeWording.id)
    )
    return sorted(offered, key=lambda entry: order[entry.area_of_need.value])


def timeline_events(session: Session, pupil: Pupil) -> list[TimelineEvent]:
    """The pupil's timeline, newest first by the date each step happened."""
    return list(
        session.scalars(
            sa.select(TimelineEvent)
            .where(TimelineEvent.pupil_id == pupil.id)
            .options(selectinload(TimelineEvent.actor))
            .order_by(TimelineEvent.effective_on.desc(), TimelineEvent.id.desc())
        ).all()
    )


def letter_of(session: Session, pupil: Pupil, letter_id: int) -> ParentLetter | None:
    return session.scalar(
        sa.select(ParentLetter).where(ParentLetter.id == letter_id, ParentLetter.pupil_id == pupil.id)
    )


@dataclass(frozen=True)
class LetterPage:
    """A letter to parents as printed: the SEN status it tells of, who signs it (the school's first
    active SENCO, else the person printing it), whom it goes to and who is left out (and why), and
    the letter written from the school's template to each of them."""

    status: SenStatus | None
    senco: User
    copies: Copies
    template: LetterTemplate
    letters: list[AddressedLetter]


def letter_page(session: Session, user: User, pupil: Pupil, letter: ParentLetter, today: date) -> LetterPage:
    senco = (
        session.scalar(
            sa.select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(User.school_id == pupil.school_id, User.active, RoleAssignment.role == Role.SENCO)
            .order_by(User.id)
            .limit(1)
        )
        or user
    )
    status = next((s for s in pupil.sen_statuses if s.id == letter.sen_status_id), None)
    copies = copies_for(pupil.contacts)
    template = school_template(session, pupil.school_id, KIND_OF_LETTER.get(letter.kind, "s68"))
    letters = write_letters(
        template, letter=letter, pupil=pupil, status=status, to=copies.sent, senco_name=senco.full_name, today=today
    )
    return LetterPage(status=status, senco=senco, copies=copies, template=template, letters=letters)


@dataclass(frozen=True)
class PlanCopy:
    """The parents' copy of a plan: whom it goes to (and who not, and why, for staff), and the
    parents' and the pupil's views as the records hold them, each with where it was said."""

    copies: Copies
    parent_views: list[tuple[str, str]]
    pupil_views: list[tuple[str, str]]


def plan_copy(session: Session, pupil: Pupil, cycle: SupportCycle) -> PlanCopy:
    """The views come from the cycle's assessment, the meeting the plan was agreed at and the
    review that ended the cycle before (two queries)."""
    before = session.scalar(
        sa.select(SupportCycle)
        .where(SupportCycle.pupil_id == pupil.id, SupportCycle.number == cycle.number - 1)
        .options(joinedload(SupportCycle.review))
    )
    meeting = plan_meeting_of(session, cycle.plan) if cycle.plan is not None else None
    review = before.review if before is not None else None
    assessment = cycle.assessment
    parents = [
        ("At the last review", review.parent_views if review else None),
        ("When we assessed what would help", assessment.parent_views if assessment else None),
    ]
    pupil_said = [
        ("At the last review", review.pupil_views if review else None),
        ("When we assessed what would help", assessment.pupil_views if assessment else None),
        ("When we agreed this plan", meeting.pupil_views if meeting else None),
    ]
    return PlanCopy(
        copies=copies_for(pupil.contacts),
        parent_views=_said(parents),
        pupil_views=_said(pupil_said),
    )


def _said(views: list[tuple[str, str | None]]) -> list[tuple[str, str]]:
    """The views recorded, each once (a view copied from one record to the next is shown once)."""
    shown, seen = [], set()
    for where, text in views:
        if text and text.strip() and text.strip() not in seen:
            seen.add(text.strip())
            shown.append((where, text.strip()))
    return shown


def concern_of(session: Session, pupil: Pupil, concern_id: int) -> Concern | None:
    return session.scalar(sa.select(Concern).where(Concern.id == concern_id, Concern.pupil_id == pupil.id))


def ehc_request_opened_by(session: Session, review) -> EhcRequest | None:
    """The EHC needs assessment request a review's decision opened (or gave its evidence to)."""
    if review is None:
        return None
    return session.scalar(sa.select(EhcRequest).where(EhcRequest.review_id == review.id))
