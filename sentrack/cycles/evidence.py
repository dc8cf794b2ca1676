"""What the review form shows beside each outcome: the observations recorded against it in the
cycle, and the impact recorded in the interventions that served it.

An intervention serves an outcome when the pupil's place in it names the outcome (or the outcome
of the last cycle it carries forward, when the intervention ran in this cycle). A place that names
no outcome but ran in the cycle's dates is shown beside the outcomes of its area of need, saying
it is not linked; one whose area no outcome shares is shown with the provision's impact. Loaded
in two queries whatever the number of outcomes and interventions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import (
    AreaOfNeed,
    Intervention,
    InterventionPupil,
    InterventionSession,
    InterventionType,
    Observation,
    SessionAttendance,
    SupportCycle,
    User,
)
from sentrack.pupils.queries import load_staff


@dataclass(frozen=True)
class InterventionImpact:
    """The pupil's place in one intervention, as the review reads it."""

    name: str
    area_of_need: AreaOfNeed
    starts_on: date
    ends_on: date
    measure: str | None
    entry_score: str | None
    exit_score: str | None
    impact: str | None  # the school's label for the impact recorded, None while none is
    impact_comment: str | None
    attended: int
    sessions: int
    linked: bool  # the place names this outcome (or the one it carries forward)


@dataclass
class OutcomeEvidence:
    observations: list[Observation] = field(default_factory=list)
    interventions: list[InterventionImpact] = field(default_factory=list)


@dataclass(frozen=True)
class ReviewEvidence:
    """Evidence by outcome id, and what belongs to no outcome: general observations and
    interventions of an area of need no outcome has."""

    by_outcome: dict[int, OutcomeEvidence]
    general_observations: list[Observation]
    other_interventions: list[InterventionImpact]
    staff: list[User]  # who recorded the observations, held while the page renders

    def of(self, outcome_id: int) -> OutcomeEvidence:
        return self.by_outcome.get(outcome_id) or OutcomeEvidence()


def cycle_dates(cycle: SupportCycle, today: date) -> tuple[date, date]:
    """The days the cycle's evidence comes from: from its opening to the review meeting (or today)."""
    held = cycle.review.held_on if cycle.review is not None else None
    return cycle.opened_on, held or today


def _places(session: Session, cycle: SupportCycle, today: date) -> list[tuple]:
    own = [outcome.id for outcome in cycle.outcomes]
    earlier = [outcome.carried_from_id for outcome in cycle.outcomes if outcome.carried_from_id]
    start, end = cycle_dates(cycle, today)
    in_the_cycle = sa.and_(Intervention.starts_on <= end, Intervention.ends_on >= start)
    return session.execute(
        sa.select(InterventionPupil, Intervention, InterventionType.area_of_need)
        .join(Intervention, Intervention.id == InterventionPupil.intervention_id)
        .join(InterventionType, InterventionType.id == Intervention.type_id)
        .where(
            InterventionPupil.pupil_id == cycle.pupil_id,
            sa.or_(
                InterventionPupil.outcome_id.in_(own),
                sa.and_(
                    in_the_cycle,
                    sa.or_(InterventionPupil.outcome_id.is_(None), InterventionPupil.outcome_id.in_(earlier)),
                ),
            ),
        )
        .order_by(Intervention.starts_on, Intervention.id)
    ).all()


def _attendance(session: Session, pupil_id: int, intervention_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per intervention: the sessions the pupil attended, and the sessions with the pupil on the register."""
    if not intervention_ids:
        return {}
    rows = session.execute(
        sa.select(
            InterventionSession.intervention_id,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((SessionAttendance.attended, 1), else_=0)), 0),
        )
        .join(SessionAttendance, SessionAttendance.session_id == InterventionSession.id)
        .where(SessionAttendance.pupil_id == pupil_id, InterventionSession.intervention_id.in_(intervention_ids))
        .group_by(InterventionSession.intervention_id)
    ).all()
    return {row[0]: (int(row[2]), int(row[1])) for row in rows}


def review_evidence(session: Session, cycle: SupportCycle, *, today: date) -> ReviewEvidence:
    """The evidence the review of `cycle` is shown beside its outcomes (see the module's docstring)."""
    rows = _places(session, cycle, today)
    attendance = _attendance(session, cycle.pupil_id, sorted({intervention.id for _, intervention, _ in rows}))
    labels = cycle.pupil.school.impact_labels
    mine = {outcome.id: outcome.id for outcome in cycle.outcomes}
    mine |= {outcome.carried_from_id: outcome.id for outcome in cycle.outcomes if outcome.carried_from_id}
    by_outcome = {outcome.id: OutcomeEvidence() for outcome in cycle.outcomes}
    for observation in cycle.observations:
        if observation.outcome_id in by_outcome:
            by_outcome[observation.outcome_id].observations.append(observation)
    other: list[InterventionImpact] = []
    for place, intervention, area in rows:
        attended, sessions = attendance.get(intervention.id, (0, 0))
        target = mine.get(place.outcome_id)
        shown = InterventionImpact(
            name=intervention.name,
            area_of_need=area,
            starts_on=intervention.starts_on,
            ends_on=intervention.ends_on,
            measure=intervention.measure,
            entry_score=place.entry_score,
            exit_score=place.exit_score,
            impact=labels.get(place.impact) if place.impact is not None else None,
            impact_comment=place.impact_comment,
            attended=attended,
            sessions=sessions,
            linked=target is not None,
        )
        if target is not None:
            by_outcome[target].interventions.append(shown)
            continue
        same_area = [outcome.id for outcome in cycle.outcomes if outcome.area_of_need is area]
        for outcome_id in same_area:
            by_outcome[outcome_id].interventions.append(shown)
        if not same_area:
            other.append(shown)
    general = [observation for observation in cycle.observations if observation.outcome_id is None]
    staff = load_staff(session, [observation.recorded_by_id for observation in cycle.observations])
    return ReviewEvidence(by_outcome, general_observations=general, other_interventions=other, staff=staff)
