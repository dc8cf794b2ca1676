"""Unit tests of the support cycle (sentrack/workflows/cycles.py): a session and a `today`, no request.

Cycles are driven through the operations by `tests.factories.drive_cycle`, each step on its own
day: opened and assessed 1 Sep 2026, plan from 7 Sep with its review on 2 Nov, review meeting on
20 Nov. The test date is 27 Nov 2026.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from sentrack.models import (
    AreaOfNeed,
    Assessment,
    Concern,
    ConcernStatus,
    CycleState,
    EarlyReviewReason,
    NeedType,
    Observation,
    Outcome,
    OutcomeRating,
    ParentLetter,
    Plan,
    Provision,
    RecordRevision,
    Review,
    ReviewDecision,
    Role,
    SenStatus,
    SupportCycle,
    TimelineEvent,
)
from sentrack.workflows import RuleBroken
from sentrack.workflows import cycles as flow
from sentrack.workflows.concerns import decide_no_further_action, raise_concern
from sentrack.workflows.cycles import MOVES, Move
from sentrack.workflows.revisions import Change, EditConflict
from sentrack.workflows.sen_status import SEN_SUPPORT_LETTER, current_status
from tests.factories import (
    HELD_ON,
    OPENED_ON,
    PLAN_STARTS,
    REVIEW_DATE,
    assessment_details,
    drive_cycle,
    make_pupil,
    make_user,
    outcome_details,
    plan_details,
    review_details,
)
from tests.helpers import audit_events, count

TODAY = date(2026, 11, 27)
DAY = timedelta(days=1)


def _drive(session, world, to: CycleState, pupil_key="taught", **options) -> SupportCycle:
    return drive_cycle(session, actor=world.users["senco"], pupil=world.pupils[pupil_key], to=to, **options)


def _problems(cycle, move, today=TODAY) -> list[tuple[str | None, str]]:
    return [(p.field, p.message) for p in flow.guard_problems(cycle, move, today=today)]


def _events(session, pupil) -> list[TimelineEvent]:
    return list(
        session.scalars(sa.select(TimelineEvent).where(TimelineEvent.pupil_id == pupil.id).order_by(TimelineEvent.id))
    )


def _statuses(session, pupil) -> list[SenStatus]:
    return list(
        session.scalars(sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id).order_by(SenStatus.start_date))
    )


def _save_review(session, world, cycle, today=HELD_ON, **changes):
    return flow.save_review(
        session,
        actor=world.users["senco"],
        cycle=cycle,
        details=review_details(cycle, **changes),
        expected_version=None,
        today=today,
    )


# --- The table of moves -------------------------------------------------------------------------


def _ready_at(session, world, state: CycleState) -> SupportCycle:
    """A cycle at `state` that has everything its own move needs."""
    if state is CycleState.ASSESS:
        cycle = _drive(session, world, CycleState.ASSESS)
        flow.save_assessment(
            session, actor=world.users["senco"], cycle=cycle, details=assessment_details(), today=OPENED_ON
        )
    elif state is CycleState.PLAN:
        cycle = _drive(session, world, CycleState.PLAN)
        flow.save_plan(
            session,
            actor=world.users["senco"],
            cycle=cycle,
            details=plan_details(),
            expected_version=None,
            today=PLAN_STARTS,
        )
        flow.save_outcome(
            session, actor=world.users["senco"], cycle=cycle, details=outcome_details(), today=PLAN_STARTS
        )
    elif state is CycleState.REVIEW:
        cycle = _drive(session, world, CycleState.REVIEW)
        _save_review(session, world, cycle)
    else:
        cycle = _drive(session, world, state)
    assert cycle.state is state
    return cycle


def _make(move: Move, session, world, cycle) -> None:
    actor = world.users["senco"]
    if move is Move.START_SUPPORT:
        flow.start_support(session, actor=actor, cycle=cycle, today=TODAY, needs=flow.Needs(NeedType.SPLD))
    else:
        operation = {
            Move.FINISH_ASSESSMENT: flow.finish_assessment,
            Move.START_REVIEW: flow.start_review,
            Move.RECORD_REVIEW: flow.record_review,
        }[move]
        operation(session, actor=actor, cycle=cycle, today=TODAY)


def test_the_table_holds_exactly_the_four_moves_of_the_graduated_approach():
    assert MOVES == {
        (CycleState.ASSESS, Move.FINISH_ASSESSMENT): CycleState.PLAN,
        (CycleState.PLAN, Move.START_SUPPORT): CycleState.DO,
        (CycleState.DO, Move.START_REVIEW): CycleState.REVIEW,
        (CycleState.REVIEW, Move.RECORD_REVIEW): CycleState.CLOSED,
    }


PAIRS = list(itertools.product(CycleState, Move))


@pytest.mark.parametrize(("state", "move"), [p for p in PAIRS if p in MOVES], ids=lambda v: v.value)
def test_an_allowed_move_succeeds_when_its_guard_is_satisfied(session, world, state, move):
    cycle = _ready_at(session, world, state)
    assert _problems(cycle, move) == []

    _make(move, session, world, cycle)

    assert cycle.state is MOVES[(state, move)]
    moved = [e for e in _events(session, cycle.pupil) if e.kind == f"cycle_{move.value}" and e.cycle_id == cycle.id]
    assert [(e.from_state, e.to_state) for e in moved] == [(state.value, MOVES[(state, move)].value)]
    assert session.get(SupportCycle, cycle.id).state is MOVES[(state, move)]


@pytest.mark.parametrize(("state", "move"), [p for p in PAIRS if p not in MOVES], ids=lambda v: v.value)
def test_every_other_pair_is_refused(session, world, state, move):
    cycle = _ready_at(session, world, state)
    events_before = len(_events(session, cycle.pupil))
    expected = f"A cycle at '{state.label}' cannot '{move.label.lower()}'"
    assert _problems(cycle, move) == [(None, expected)]

    with pytest.raises(RuleBroken) as refused:
        _make(move, session, world, cycle)

    assert refused.value.message == expected
    assert cycle.state is state
    assert len(_events(session, cycle.pupil)) == events_before


@pytest.mark.parametrize("state", list(CycleState), ids=lambda s: s.value)
def test_allowed_moves_are_read_from_the_table(session, world, state):
    cycle = _ready_at(session, world, state)

    assert flow.allowed_moves(cycle) == [move for (s, move) in MOVES if s is state]


# --- Guards: why a move is refused --------------------------------------------------------------


def test_finish_assessment_needs_the_assessment(session, world):
    cycle = _drive(session, world, CycleState.ASSESS)

    assert _problems(cycle, Move.FINISH_ASSESSMENT) == [("assessment", "Record the assessment first")]
    with pytest.raises(RuleBroken):
        flow.finish_assessment(session, actor=world.users["senco"], cycle=cycle, today=TODAY)
    assert cycle.state is CycleState.ASSESS


@pytest.mark.parametrize(
    ("plan", "outcomes", "expected"),
    [
        (None, 1, [("plan", "Write the plan first")]),
        ({}, 0, [("outcomes", "Add at least one outcome to the plan")]),
        ({"review_date": None}, 1, [("review_date", "Set a review date for the plan")]),
        (
            {"agreed_with_parents_on": None},
            1,
            [("agreed_with_parents_on", "Record the date the plan was agreed with parents")],
        ),
    ],
    ids=["no-plan", "no-outcome", "no-review-date", "no-parent-agreement"],
)
def test_start_support_guards(session, world, plan, outcomes, expected):
    actor = world.users["senco"]
    cycle = _drive(session, world, CycleState.PLAN)
    if plan is not None:
        flow.save_plan(
            session, actor=actor, cycle=cycle, details=plan_details(**plan), expected_version=None, today=PLAN_STARTS
        )
    for number in range(1, outcomes + 1):
        flow.save_outcome(session, actor=actor, cycle=cycle, details=outcome_details(number), today=PLAN_STARTS)

    assert _problems(cycle, Move.START_SUPPORT) == expected
    with pytest.raises(RuleBroken) as refused:
        flow.start_support(session, actor=actor, cycle=cycle, today=TODAY, needs=flow.Needs(NeedType.SPLD))
    assert refused.value.field == expected[0][0]
    assert cycle.state is CycleState.PLAN


def test_a_plan_with_nothing_lists_every_problem(session, world):
    cycle = _drive(session, world, CycleState.PLAN)

    assert [field for field, _ in _problems(cycle, Move.START_SUPPORT)] == ["plan", "outcomes"]


def test_the_review_cannot_start_before_the_review_date(session, world):
    cycle = _drive(session, world, CycleState.DO)

    assert _problems(cycle, Move.START_REVIEW, today=REVIEW_DATE - DAY) == [
        ("early_reason", "The review is not due until 2 November 2026: to hold it earlier, choose why")
    ]
    with pytest.raises(RuleBroken) as refused:
        flow.start_review(session, actor=world.users["senco"], cycle=cycle, today=REVIEW_DATE - DAY)
    assert refused.value.field == "early_reason"
    assert cycle.state is CycleState.DO
    assert count(session, Review, Review.cycle_id == cycle.id) == 0


def test_the_review_may_start_on_the_review_date(session, world):
    cycle = _drive(session, world, CycleState.DO)

    review = flow.start_review(session, actor=world.users["senco"], cycle=cycle, today=REVIEW_DATE)

    assert cycle.state is CycleState.REVIEW
    assert (review.cycle_id, review.recorded_at, review.decision) == (cycle.id, None, None)


def _first_outcome_unrated(cycle):
    return {"ratings": {cycle.outcomes[0].id: None}}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            _first_outcome_unrated,
            "rating_{first}",
            "Rate the outcome 'Outcome 1: reads a book banded at the right level'",
        ),
        ({"decision": None}, "decision", "Choose what happens next"),
        (
            {"decision": ReviewDecision.STEP_DOWN, "decision_reason": "  "},
            "decision_reason",
            "Give the reason the pupil no longer needs SEN support",
        ),
        (
            {"decision": ReviewDecision.REQUEST_EHC, "ehc_requested_on": None},
            "ehc_requested_on",
            "Enter the date the EHC needs assessment was requested",
        ),
        ({"pupil_views": None}, "pupil_views", "Record the pupil's views"),
        ({"parent_views": " "}, "parent_views", "Record the parents' views"),
        ({"held_on": None}, "held_on", "Enter the date of the review meeting"),
        (
            {"held_on": REVIEW_DATE - DAY},
            "early_reason",
            "The review is not due until 2 November 2026: to hold it earlier, choose why",
        ),
    ],
    ids=[
        "unrated-outcome",
        "no-decision",
        "step-down-without-reason",
        "ehc-without-date",
        "no-pupil-views",
        "no-parent-views",
        "not-held",
        "held-before-review-date",
    ],
)
def test_record_review_guards(session, world, changes, field, message):
    cycle = _drive(session, world, CycleState.REVIEW)
    _save_review(session, world, cycle, **(changes(cycle) if callable(changes) else changes))
    field = field.format(first=cycle.outcomes[0].id)

    assert _problems(cycle, Move.RECORD_REVIEW) == [(field, message)]
    with pytest.raises(RuleBroken) as refused:
        flow.record_review(session, actor=world.users["senco"], cycle=cycle, today=TODAY)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert cycle.state is CycleState.REVIEW
    assert cycle.review.recorded_at is None
    assert count(session, SupportCycle, SupportCycle.pupil_id == cycle.pupil_id) == 1


def test_a_meeting_dated_after_today_cannot_be_recorded_as_held(session, world):
    """save_review refuses such a date (below); the guard holds even if one got in."""
    cycle = _drive(session, world, CycleState.REVIEW)
    _save_review(session, world, cycle, today=TODAY, held_on=TODAY)

    assert _problems(cycle, Move.RECORD_REVIEW, today=TODAY - DAY) == [
        ("held_on", "The review cannot be recorded before the meeting has been held")
    ]


def test_a_review_with_several_problems_lists_them_all(session, world):
    cycle = _drive(session, world, CycleState.REVIEW)

    assert [field for field, _ in _problems(cycle, Move.RECORD_REVIEW)] == [
        "held_on",
        f"rating_{cycle.outcomes[0].id}",
        f"rating_{cycle.outcomes[1].id}",
        "decision",
        "pupil_views",
        "parent_views",
    ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"held_on": TODAY + DAY}, "held_on", "The review meeting cannot be dated in the future"),
        (
            {"decision": ReviewDecision.REQUEST_EHC, "ehc_requested_on": TODAY + DAY},
            "ehc_requested_on",
            "The request date cannot be in the future",
        ),
    ],
    ids=["held-in-future", "requested-in-future"],
)
def test_save_review_refuses_future_dates(session, world, changes, field, message):
    cycle = _drive(session, world, CycleState.REVIEW)

    with pytest.raises(RuleBroken) as refused:
        _save_review(session, world, cycle, today=TODAY, **changes)

    assert (refused.value.field, refused.value.message) == (field, message)
    assert cycle.review.version == 0
    assert cycle.review.held_on is None


# --- Rules of each operation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"areas_of_need": []}, "areas_of_need", "Select at least one area of need"),
        ({"assessed_on": TODAY + DAY}, "assessed_on", "The assessment date cannot be in the future"),
        ({"assessed_on": date(2016, 1, 1)}, "assessed_on", "The assessment date cannot be before the pupil was born"),
    ],
    ids=["no-area", "future", "before-birth"],
)
def test_save_assessment_rules(session, world, changes, field, message):
    cycle = flow.open_cycle(session, actor=world.users["senco"], pupil=world.pupils["taught"], today=TODAY)

    with pytest.raises(RuleBroken) as refused:
        flow.save_assessment(
            session, actor=world.users["senco"], cycle=cycle, details=assessment_details(**changes), today=TODAY
        )

    assert (refused.value.field, refused.value.message) == (field, message)
    assert count(session, Assessment) == 0


def test_an_assessment_typed_in_later_dates_the_cycle_from_when_it_began(session, world):
    cycle = flow.open_cycle(session, actor=world.users["senco"], pupil=world.pupils["taught"], today=TODAY)

    flow.save_assessment(
        session, actor=world.users["senco"], cycle=cycle, details=assessment_details(assessed_on=OPENED_ON), today=TODAY
    )

    opened = next(e for e in _events(session, cycle.pupil) if e.kind == "cycle_opened")
    assert cycle.opened_on == OPENED_ON
    assert opened.effective_on == OPENED_ON
    assert opened.recorded_at.date() == TODAY  # entered today, effective from the assessment


def test_the_next_cycles_assessment_cannot_be_before_the_last_review(session, world):
    first = _drive(session, world, CycleState.REVIEW)
    _save_review(session, world, first, ratings={first.outcomes[0].id: OutcomeRating.NOT_ACHIEVED})
    following = flow.record_review(session, actor=world.users["senco"], cycle=first, today=TODAY)

    with pytest.raises(RuleBroken) as refused:
        flow.save_assessment(
            session,
            actor=world.users["senco"],
            cycle=following,
            details=assessment_details(assessed_on=HELD_ON - DAY),
            today=TODAY,
        )

    assert refused.value.field == "assessed_on"
    assert "before the last cycle's review (20 November 2026)" in refused.value.message


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"review_date": PLAN_STARTS}, "review_date", "The review date must be after the date the plan starts"),
        ({"review_date": PLAN_STARTS - DAY}, "review_date", "The review date must be after the date the plan starts"),
        (
            {"agreed_with_parents_on": TODAY + DAY},
            "agreed_with_parents_on",
            "The date agreed with parents cannot be in the future",
        ),
        (
            {"starts_on": OPENED_ON - DAY, "review_date": REVIEW_DATE},
            "starts_on",
            "The plan cannot start before the cycle opened (1 September 2026)",
        ),
    ],
    ids=["review-on-start", "review-before-start", "agreed-in-future", "starts-before-opened"],
)
def test_save_plan_rules(session, world, changes, field, message):
    cycle = _drive(session, world, CycleState.PLAN)

    with pytest.raises(RuleBroken) as refused:
        flow.save_plan(
            session,
            actor=world.users["senco"],
            cycle=cycle,
            details=plan_details(**changes),
            expected_version=None,
            today=TODAY,
        )

    assert (refused.value.field, refused.value.message) == (field, message)
    assert count(session, Plan) == 0


@pytest.mark.parametrize("interval", [8, 6])
def test_the_default_review_date_is_the_schools_interval_after_the_start(session, world, interval):
    world.school.review_interval_weeks = interval
    cycle = _drive(session, world, CycleState.PLAN)

    assert flow.default_review_date(cycle, PLAN_STARTS) == PLAN_STARTS + timedelta(weeks=interval)


def test_an_outcome_target_must_be_after_the_cycle_opened(session, world):
    cycle = _drive(session, world, CycleState.PLAN)

    with pytest.raises(RuleBroken) as refused:
        flow.save_outcome(
            session,
            actor=world.users["senco"],
            cycle=cycle,
            details=outcome_details(target_date=OPENED_ON),
            today=TODAY,
        )

    assert refused.value.field == "target_date"
    assert count(session, Outcome) == 0


def test_an_outcome_may_be_removed_before_support_starts(session, world):
    cycle = _ready_at(session, world, CycleState.PLAN)

    flow.remove_outcome(session, actor=world.users["senco"], cycle=cycle, outcome=cycle.outcomes[0])

    assert count(session, Outcome, Outcome.cycle_id == cycle.id) == 0
    assert len(audit_events(session, "outcome_removed")) == 1


def test_an_outcome_may_be_added_after_one_was_removed(session, world):
    """SQLite gives a new row the id of the row just deleted: the new outcome must not collide
    with the removed one's saved versions."""
    cycle = _ready_at(session, world, CycleState.PLAN)
    flow.remove_outcome(session, actor=world.users["senco"], cycle=cycle, outcome=cycle.outcomes[0])

    added = flow.save_outcome(
        session,
        actor=world.users["senco"],
        cycle=cycle,
        details=outcome_details(description="Replacement"),
        today=TODAY,
    )

    [revision] = session.scalars(
        sa.select(RecordRevision).where(RecordRevision.record_type == "outcome", RecordRevision.record_id == added.id)
    ).all()
    assert (revision.version, revision.snapshot["description"]) == (1, "Replacement")


def test_outcomes_stay_once_support_has_started(session, world):
    cycle = _drive(session, world, CycleState.DO)

    with pytest.raises(RuleBroken) as refused:
        flow.remove_outcome(session, actor=world.users["senco"], cycle=cycle, outcome=cycle.outcomes[0])

    assert refused.value.message == "The cycle is at 'Do': outcomes can be removed only at plan"
    assert count(session, Outcome, Outcome.cycle_id == cycle.id) == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"observed_on": TODAY + DAY}, "observed_on"),
        ({"observed_on": PLAN_STARTS - DAY}, "observed_on"),
        ({"note": "  \n"}, "note"),
        ({"other_cycles_outcome": True}, "outcome"),
    ],
    ids=["future", "before-plan-start", "blank-note", "outcome-of-another-cycle"],
)
def test_add_observation_rules(session, world, changes, field):
    cycle = _drive(session, world, CycleState.DO)
    outcome = cycle.outcomes[0]
    if changes.pop("other_cycles_outcome", False):
        outcome = _drive(session, world, CycleState.DO, pupil_key="untaught_k").outcomes[0]
    arguments = {"observed_on": date(2026, 10, 1), "note": "Read 8 of 10 words", "outcome": outcome} | changes

    with pytest.raises(RuleBroken) as refused:
        flow.add_observation(session, actor=world.users["teacher"], cycle=cycle, today=TODAY, **arguments)

    assert refused.value.field == field
    assert count(session, Observation) == 0


def test_an_observation_is_dated_on_the_timeline_when_it_was_made(session, world):
    cycle = _drive(session, world, CycleState.DO)

    observation = flow.add_observation(
        session,
        actor=world.users["teacher"],
        cycle=cycle,
        observed_on=date(2026, 10, 1),
        note="  Read 8 of 10 words  ",
        outcome=cycle.outcomes[1],
        today=TODAY,
    )

    assert (observation.note, observation.outcome_id, observation.recorded_by_id) == (
        "Read 8 of 10 words",
        cycle.outcomes[1].id,
        world.users["teacher"].id,
    )
    event = _events(session, cycle.pupil)[-1]
    assert (event.kind, event.effective_on, event.detail) == ("observation", date(2026, 10, 1), "Read 8 of 10 words")


def test_observations_may_be_added_while_the_review_is_open(session, world):
    cycle = _drive(session, world, CycleState.REVIEW)

    flow.add_observation(
        session,
        actor=world.users["senco"],
        cycle=cycle,
        observed_on=TODAY,
        note="Final check",
        outcome=None,
        today=TODAY,
    )

    assert count(session, Observation, Observation.cycle_id == cycle.id) == 1


# --- A reviewed cycle is locked -----------------------------------------------------------------


def _lock_snapshot(session, cycle) -> dict:
    session.expire_all()
    return {
        "outcomes": [
            (o.id, o.description, o.version, o.rating)
            for o in session.scalars(sa.select(Outcome).where(Outcome.cycle_id == cycle.id).order_by(Outcome.id))
        ],
        "observations": count(session, Observation, Observation.cycle_id == cycle.id),
        "assessment": (cycle.assessment.strengths, cycle.assessment.assessed_on),
        "plan": (cycle.plan.version, cycle.plan.strategies),
        "review": (cycle.review.version, cycle.review.pupil_views),
        "revisions": count(session, RecordRevision),
        "events": count(session, TimelineEvent),
        "state": (cycle.state, cycle.closed_on),
    }


EDITS = {
    "save_assessment": lambda s, a, c: flow.save_assessment(
        s, actor=a, cycle=c, details=assessment_details(strengths="Changed"), today=TODAY
    ),
    "save_plan": lambda s, a, c: flow.save_plan(
        s, actor=a, cycle=c, details=plan_details(strategies="Changed"), expected_version=c.plan.version, today=TODAY
    ),
    "add_outcome": lambda s, a, c: flow.save_outcome(s, actor=a, cycle=c, details=outcome_details(9), today=TODAY),
    "change_outcome": lambda s, a, c: flow.save_outcome(
        s,
        actor=a,
        cycle=c,
        details=outcome_details(description="Changed"),
        outcome=c.outcomes[0],
        expected_version=c.outcomes[0].version,
        today=TODAY,
    ),
    "remove_outcome": lambda s, a, c: flow.remove_outcome(s, actor=a, cycle=c, outcome=c.outcomes[0]),
    "add_observation": lambda s, a, c: flow.add_observation(
        s, actor=a, cycle=c, observed_on=TODAY, note="Late note", outcome=None, today=TODAY
    ),
    "save_review": lambda s, a, c: flow.save_review(
        s,
        actor=a,
        cycle=c,
        details=review_details(c, pupil_views="Changed"),
        expected_version=c.review.version,
        today=TODAY,
    ),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_every_edit_of_a_reviewed_cycle_is_refused(session, world, edit):
    cycle = _drive(session, world, CycleState.CLOSED)
    before = _lock_snapshot(session, cycle)

    with pytest.raises(RuleBroken) as refused:
        EDITS[edit](session, world.users["senco"], cycle)

    assert refused.value.message.startswith("This cycle was reviewed on 20 November 2026 and is locked")
    assert refused.value.field is None
    assert _lock_snapshot(session, cycle) == before


# --- Opening ------------------------------------------------------------------------------------


def test_opening_a_cycle(session, world):
    pupil = world.pupils["taught"]

    cycle = flow.open_cycle(session, actor=world.users["teacher"], pupil=pupil, today=TODAY)

    assert (cycle.number, cycle.state, cycle.opened_on, cycle.opened_by_id) == (
        1,
        CycleState.ASSESS,
        TODAY,
        world.users["teacher"].id,
    )
    assert flow.open_cycle_of(session, pupil) is cycle
    [event] = _events(session, pupil)
    assert (event.kind, event.effective_on, event.to_state, event.cycle_id) == (
        "cycle_opened",
        TODAY,
        "assess",
        cycle.id,
    )


def test_opening_is_refused_for_a_pupil_with_an_ehc_plan(session, world):
    with pytest.raises(RuleBroken) as refused:
        flow.open_cycle(session, actor=world.users["senco"], pupil=world.pupils["untaught"], today=TODAY)

    assert refused.value.message == "Pupils with an EHC plan are reviewed through the plan's annual review"
    assert count(session, SupportCycle) == 0


def test_opening_is_refused_while_a_cycle_is_open(session, world):
    _drive(session, world, CycleState.DO)

    with pytest.raises(RuleBroken) as refused:
        flow.open_cycle(session, actor=world.users["senco"], pupil=world.pupils["taught"], today=TODAY)

    assert refused.value.message == "This pupil already has an open support cycle"
    assert count(session, SupportCycle) == 1


def test_a_cycle_may_open_after_the_last_one_closed(session, world):
    _drive(session, world, CycleState.CLOSED, pupil_key="taught_plain")

    cycle = flow.open_cycle(session, actor=world.users["senco"], pupil=world.pupils["taught_plain"], today=TODAY)

    assert cycle.number == 2


def _concern(session, world, pupil_key="taught_plain", raised_on=date(2026, 10, 1)) -> Concern:
    return raise_concern(
        session,
        actor=world.users["teacher"],
        pupil=world.pupils[pupil_key],
        raised_on=raised_on,
        area_of_need=AreaOfNeed.COGNITION,
        description="Finds phonics hard",
        today=TODAY,
    )


def test_opening_from_a_concern_decides_it(session, world):
    concern = _concern(session, world)

    cycle = flow.open_cycle(session, actor=world.users["senco"], pupil=concern.pupil, today=TODAY, concern=concern)

    assert cycle.concern_id == concern.id
    assert (concern.status, concern.decided_on, concern.decided_by_id) == (
        ConcernStatus.ASSESSED,
        TODAY,
        world.users["senco"].id,
    )
    assert concern.decision_note == "Assessment opened (support cycle 1)"
    assert not concern.is_overdue(TODAY)


def test_a_decided_concern_cannot_open_a_cycle(session, world):
    concern = _concern(session, world)
    decide_no_further_action(
        session, actor=world.users["senco"], concern=concern, reason="Progress is good", decided_on=TODAY, today=TODAY
    )

    with pytest.raises(RuleBroken) as refused:
        flow.open_cycle(session, actor=world.users["senco"], pupil=concern.pupil, today=TODAY, concern=concern)

    assert refused.value.message == "This concern has already been decided"
    assert count(session, SupportCycle) == 0


# --- Concerns: no further action ----------------------------------------------------------------


def test_no_further_action_closes_the_concern_with_its_reason(session, world):
    concern = _concern(session, world)

    decide_no_further_action(
        session,
        actor=world.users["senco"],
        concern=concern,
        reason="  Caught up after phonics recap ",
        decided_on=date(2026, 10, 20),
        today=TODAY,
    )

    assert (concern.status, concern.decided_on, concern.decision_note) == (
        ConcernStatus.NO_FURTHER_ACTION,
        date(2026, 10, 20),
        "Caught up after phonics recap",
    )
    event = _events(session, concern.pupil)[-1]
    assert (event.kind, event.effective_on, event.detail) == (
        "concern_decided",
        date(2026, 10, 20),
        "Caught up after phonics recap",
    )


@pytest.mark.parametrize(
    ("reason", "decided_on", "field"),
    [(" ", TODAY, "reason"), ("Fine", TODAY + DAY, "decided_on"), ("Fine", date(2026, 9, 30), "decided_on")],
    ids=["no-reason", "future", "before-raised"],
)
def test_no_further_action_rules(session, world, reason, decided_on, field):
    concern = _concern(session, world)

    with pytest.raises(RuleBroken) as refused:
        decide_no_further_action(
            session, actor=world.users["senco"], concern=concern, reason=reason, decided_on=decided_on, today=TODAY
        )

    assert refused.value.field == field
    assert concern.status is ConcernStatus.OPEN


def test_a_concern_is_decided_once(session, world):
    concern = _concern(session, world)
    flow.open_cycle(session, actor=world.users["senco"], pupil=concern.pupil, today=TODAY, concern=concern)

    with pytest.raises(RuleBroken):
        decide_no_further_action(
            session, actor=world.users["senco"], concern=concern, reason="Fine", decided_on=TODAY, today=TODAY
        )

    assert concern.status is ConcernStatus.ASSESSED


# --- Decisions at the review --------------------------------------------------------------------


def test_continue_opens_the_next_cycle_with_exactly_the_unmet_outcomes(session, world):
    cycle = _drive(session, world, CycleState.REVIEW, outcomes=4)
    first, second, third, fourth = cycle.outcomes
    ratings = {
        first.id: OutcomeRating.NOT_ACHIEVED,
        second.id: OutcomeRating.PARTLY_ACHIEVED,
        third.id: OutcomeRating.ACHIEVED,
        fourth.id: OutcomeRating.EXCEEDED,
    }
    _save_review(session, world, cycle, ratings=ratings)

    following = flow.record_review(session, actor=world.users["senco"], cycle=cycle, today=TODAY)

    assert (cycle.state, cycle.closed_on) == (CycleState.CLOSED, HELD_ON)
    assert cycle.review.recorded_at is not None
    # The next cycle begins at the review meeting, whenever the review was typed in.
    assert (following.number, following.state, following.opened_on, following.previous_cycle_id) == (
        2,
        CycleState.ASSESS,
        HELD_ON,
        cycle.id,
    )
    assert flow.open_cycle_of(session, cycle.pupil) is following
    carried = session.scalars(
        sa.select(Outcome).where(Outcome.cycle_id == following.id).order_by(Outcome.position)
    ).all()
    assert [(o.carried_from_id, o.position) for o in carried] == [(first.id, 1), (second.id, 2)]
    for new, old in zip(carried, (first, second), strict=True):
        assert (new.description, new.success_criteria, new.area_of_need) == (
            old.description,
            old.success_criteria,
            old.area_of_need,
        )
        # Aimed at the next cycle's default review date: the school's interval after the meeting.
        assert new.target_date == HELD_ON + timedelta(weeks=world.school.review_interval_weeks)
        assert new.rating is None
        [revision] = session.scalars(
            sa.select(RecordRevision).where(RecordRevision.record_type == "outcome", RecordRevision.record_id == new.id)
        ).all()
        assert revision.version == 1
    assert current_status(session, cycle.pupil).provision is Provision.SEN_SUPPORT


def test_continue_with_every_outcome_met_carries_none(session, world):
    cycle = _drive(session, world, CycleState.REVIEW)
    _save_review(session, world, cycle)

    following = flow.record_review(session, actor=world.users["senco"], cycle=cycle, today=TODAY)

    assert count(session, Outcome, Outcome.cycle_id == following.id) == 0


def test_step_down_ends_sen_support_from_the_meeting_with_the_reason(session, world):
    pupil = world.pupils["taught"]

    _drive(
        session,
        world,
        CycleState.CLOSED,
        review={"decision": ReviewDecision.STEP_DOWN, "decision_reason": "Reading at age-related expectations"},
    )

    support, none = _statuses(session, pupil)
    assert (support.provision, support.start_date, support.end_date) == (
        Provision.SEN_SUPPORT,
        date(2025, 9, 10),
        HELD_ON - DAY,
    )
    assert (none.provision, none.start_date, none.end_date, none.primary_need) == (Provision.NONE, HELD_ON, None, None)
    assert none.reason == "Stepped down from SEN support at the review: Reading at age-related expectations"
    assert flow.open_cycle_of(session, pupil) is None
    event = next(e for e in _events(session, pupil) if e.kind == "sen_status")
    assert (event.effective_on, event.from_state, event.to_state) == (HELD_ON, "K", "N")


def test_request_ehc_records_the_date_and_a_timeline_event(session, world):
    pupil = world.pupils["taught"]
    cycle = _drive(session, world, CycleState.REVIEW)
    _save_review(
        session, world, cycle, today=TODAY, decision=ReviewDecision.REQUEST_EHC, ehc_requested_on=date(2026, 11, 24)
    )

    following = flow.record_review(session, actor=world.users["senco"], cycle=cycle, today=TODAY)

    assert following is None
    assert (cycle.state, cycle.review.ehc_requested_on) == (CycleState.CLOSED, date(2026, 11, 24))
    [event] = [e for e in _events(session, pupil) if e.kind == "ehc_requested"]
    assert (event.effective_on, event.title, event.cycle_id) == (
        date(2026, 11, 24),
        "EHC needs assessment requested",
        cycle.id,
    )
    assert [s.provision for s in _statuses(session, pupil)] == [Provision.SEN_SUPPORT]
    assert count(session, SupportCycle, SupportCycle.pupil_id == pupil.id) == 1


# --- Starting support: placing a pupil on SEN support -------------------------------------------


def _ready_plan(session, world, pupil_key):
    cycle = _drive(session, world, CycleState.PLAN, pupil_key=pupil_key)
    flow.save_plan(
        session,
        actor=world.users["senco"],
        cycle=cycle,
        details=plan_details(),
        expected_version=None,
        today=PLAN_STARTS,
    )
    flow.save_outcome(session, actor=world.users["senco"], cycle=cycle, details=outcome_details(), today=PLAN_STARTS)
    return cycle


def test_start_support_needs_a_primary_need_for_a_pupil_not_on_sen_support(session, world):
    cycle = _ready_plan(session, world, "taught_plain")

    with pytest.raises(RuleBroken) as refused:
        flow.start_support(session, actor=world.users["senco"], cycle=cycle, today=TODAY, needs=flow.Needs(None))

    assert refused.value.field == "primary_need"
    assert cycle.state is CycleState.PLAN
    assert (count(session, SenStatus, SenStatus.pupil_id == cycle.pupil_id), count(session, ParentLetter)) == (0, 0)


def test_start_support_places_a_pupil_with_no_status_on_k_and_prepares_one_letter(session, world):
    pupil = world.pupils["taught_plain"]
    cycle = _ready_plan(session, world, "taught_plain")

    flow.start_support(session, actor=world.users["senco"], cycle=cycle, today=TODAY, needs=flow.Needs(NeedType.NSA))

    [status] = _statuses(session, pupil)
    assert (status.provision, status.primary_need, status.start_date, status.end_date) == (
        Provision.SEN_SUPPORT,
        NeedType.NSA,
        PLAN_STARTS,
        None,
    )
    assert status.reason == "Placed on SEN support: plan of support cycle 1 agreed with parents"
    [letter] = session.scalars(sa.select(ParentLetter)).all()
    assert (letter.pupil_id, letter.sen_status_id, letter.kind, letter.created_on, letter.sent_on) == (
        pupil.id,
        status.id,
        SEN_SUPPORT_LETTER,
        TODAY,
        None,
    )
    placed = next(e for e in _events(session, pupil) if e.kind == "sen_status")
    assert (placed.title, placed.effective_on, placed.to_state) == ("Placed on SEN support", PLAN_STARTS, "K")
    assert cycle.state is CycleState.DO


def test_start_support_moves_a_pupil_recorded_as_n_onto_k(session, world):
    pupil = make_pupil(session, world.school, first="Nia", provision=Provision.NONE, since=date(2025, 9, 10))
    cycle = drive_cycle(session, actor=world.users["senco"], pupil=pupil, to=CycleState.PLAN)
    flow.save_plan(
        session,
        actor=world.users["senco"],
        cycle=cycle,
        details=plan_details(),
        expected_version=None,
        today=PLAN_STARTS,
    )
    flow.save_outcome(session, actor=world.users["senco"], cycle=cycle, details=outcome_details(), today=PLAN_STARTS)

    flow.start_support(
        session,
        actor=world.users["senco"],
        cycle=cycle,
        today=TODAY,
        needs=flow.Needs(NeedType.MLD, NeedType.SLCN),
    )

    none, support = _statuses(session, pupil)
    assert (none.provision, none.end_date) == (Provision.NONE, PLAN_STARTS - DAY)
    assert (support.provision, support.primary_need, support.secondary_need, support.start_date) == (
        Provision.SEN_SUPPORT,
        NeedType.MLD,
        NeedType.SLCN,
        PLAN_STARTS,
    )
    assert count(session, ParentLetter, ParentLetter.pupil_id == pupil.id) == 1


def test_start_support_leaves_a_pupil_already_on_k_as_they_are(session, world):
    pupil = world.pupils["taught"]
    cycle = _ready_plan(session, world, "taught")

    flow.start_support(session, actor=world.users["senco"], cycle=cycle, today=TODAY)

    assert [(s.provision, s.primary_need, s.end_date) for s in _statuses(session, pupil)] == [
        (Provision.SEN_SUPPORT, NeedType.SPLD, None)
    ]
    assert count(session, ParentLetter) == 0


def test_a_plan_starting_in_the_future_cannot_place_a_pupil_on_k(session, world):
    cycle = _drive(session, world, CycleState.PLAN, pupil_key="taught_plain")
    flow.save_plan(
        session,
        actor=world.users["senco"],
        cycle=cycle,
        details=plan_details(
            starts_on=TODAY + DAY, review_date=TODAY + timedelta(weeks=8), agreed_with_parents_on=TODAY
        ),
        expected_version=None,
        today=TODAY,
    )
    flow.save_outcome(session, actor=world.users["senco"], cycle=cycle, details=outcome_details(), today=TODAY)

    with pytest.raises(RuleBroken) as refused:
        flow.start_support(
            session, actor=world.users["senco"], cycle=cycle, today=TODAY, needs=flow.Needs(NeedType.SPLD)
        )

    assert refused.value.field == "starts_on"
    assert count(session, SenStatus, SenStatus.pupil_id == cycle.pupil_id) == 0


# --- Two people editing at once -----------------------------------------------------------------


@pytest.fixture
def colleague(session, world):
    return make_user(session, "deputy.senco@oak.test", Role.SENCO, school=world.school, name="Dana Deputy")


def test_a_stale_plan_save_is_refused_with_the_other_persons_changes(session, world, colleague):
    senco = world.users["senco"]
    cycle = _drive(session, world, CycleState.PLAN)
    plan = flow.save_plan(session, actor=senco, cycle=cycle, details=plan_details(), expected_version=None, today=TODAY)
    flow.save_plan(
        session,
        actor=colleague,
        cycle=cycle,
        expected_version=1,
        today=TODAY,
        details=plan_details(strategies="Visual timetable", review_date=date(2026, 11, 9)),
    )

    with pytest.raises(EditConflict) as conflict:
        flow.save_plan(
            session, actor=senco, cycle=cycle, expected_version=1, today=TODAY, details=plan_details(provision="Mine")
        )

    assert conflict.value.changes == [
        Change("Strategies for everyone who teaches the pupil", "Visual timetable"),
        Change("Review date", "9 November 2026"),
    ]
    assert (conflict.value.by, conflict.value.current_version) == (colleague, 2)
    assert conflict.value.message == "Dana Deputy changed this record while you were editing it"
    session.expire_all()
    assert (plan.version, plan.strategies, plan.provision) == (
        2,
        "Visual timetable",
        "Daily phonics catch-up, 15 minutes",
    )

    flow.save_plan(
        session, actor=senco, cycle=cycle, expected_version=2, today=TODAY, details=plan_details(provision="Mine")
    )

    assert (plan.version, plan.provision, plan.updated_by_id) == (3, "Mine", senco.id)


def test_a_stale_outcome_save_is_refused_with_the_other_persons_changes(session, world, colleague):
    senco = world.users["senco"]
    cycle = _drive(session, world, CycleState.DO)
    outcome = cycle.outcomes[0]
    flow.save_outcome(
        session,
        actor=colleague,
        cycle=cycle,
        outcome=outcome,
        expected_version=1,
        today=TODAY,
        details=outcome_details(description="Reads 50 common exception words"),
    )

    with pytest.raises(EditConflict) as conflict:
        flow.save_outcome(
            session,
            actor=senco,
            cycle=cycle,
            outcome=outcome,
            expected_version=1,
            today=TODAY,
            details=outcome_details(success_criteria="Mine"),
        )

    assert conflict.value.changes == [Change("Outcome", "Reads 50 common exception words")]
    assert (conflict.value.by, conflict.value.current_version) == (colleague, 2)
    session.expire_all()
    assert (outcome.version, outcome.success_criteria) == (2, "Criteria 1: reads 9 words in 10 correctly")


def test_a_stale_review_save_is_refused_with_the_other_persons_changes(session, world, colleague):
    senco = world.users["senco"]
    cycle = _drive(session, world, CycleState.REVIEW)
    flow.save_review(session, actor=senco, cycle=cycle, details=review_details(cycle), expected_version=0, today=TODAY)
    flow.save_review(
        session,
        actor=colleague,
        cycle=cycle,
        expected_version=1,
        today=TODAY,
        details=review_details(cycle, parent_views="Worried about spelling", attendees="SENCO, father"),
    )

    with pytest.raises(EditConflict) as conflict:
        flow.save_review(
            session,
            actor=senco,
            cycle=cycle,
            expected_version=1,
            today=TODAY,
            details=review_details(cycle, next_steps="Mine"),
        )

    assert conflict.value.changes == [
        Change("Who attended", "SENCO, father"),
        Change("The parents' views", "Worried about spelling"),
    ]
    assert (conflict.value.by, conflict.value.current_version) == (colleague, 2)
    session.expire_all()
    assert (cycle.review.version, cycle.review.next_steps) == (2, "Keep the group going")


def test_a_conflict_on_the_first_save_of_a_draft_review_lists_only_what_was_changed(session, world, colleague):
    """Both opened the empty draft (version 0); the colleague saved only the pupil's views."""
    cycle = _drive(session, world, CycleState.REVIEW)
    empty = flow.ReviewDetails(
        held_on=None,
        attendees=None,
        parent_attended=False,
        provision_impact=None,
        pupil_views="Likes the group",
        parent_views=None,
        next_steps=None,
        decision=None,
        decision_reason=None,
        ehc_requested_on=None,
        ratings={},
    )
    flow.save_review(session, actor=colleague, cycle=cycle, details=empty, expected_version=0, today=TODAY)

    with pytest.raises(EditConflict) as conflict:
        flow.save_review(
            session,
            actor=world.users["senco"],
            cycle=cycle,
            details=review_details(cycle),
            expected_version=0,
            today=TODAY,
        )

    assert conflict.value.changes == [Change("The pupil's views", "Likes the group")]


def test_a_plan_written_meanwhile_is_a_conflict_for_a_form_opened_before_it_existed(session, world, colleague):
    """A form opened before the plan was written carries version 0."""
    cycle = _drive(session, world, CycleState.PLAN)
    flow.save_plan(
        session, actor=colleague, cycle=cycle, details=plan_details(provision="Theirs"), expected_version=0, today=TODAY
    )

    with pytest.raises(EditConflict) as conflict:
        flow.save_plan(
            session,
            actor=world.users["senco"],
            cycle=cycle,
            details=plan_details(provision="Mine"),
            expected_version=0,
            today=TODAY,
        )

    assert Change("Provision", "Theirs") in conflict.value.changes
    assert cycle.plan.provision == "Theirs"


def test_a_conflict_lists_ratings_the_other_person_changed(session, world, colleague):
    cycle = _drive(session, world, CycleState.REVIEW)
    first = cycle.outcomes[0]
    flow.save_review(
        session, actor=world.users["senco"], cycle=cycle, details=review_details(cycle), expected_version=0, today=TODAY
    )
    flow.save_review(
        session,
        actor=colleague,
        cycle=cycle,
        expected_version=1,
        today=TODAY,
        details=review_details(cycle, ratings={first.id: OutcomeRating.NOT_ACHIEVED}),
    )

    with pytest.raises(EditConflict) as conflict:
        flow.save_review(
            session,
            actor=world.users["senco"],
            cycle=cycle,
            details=review_details(cycle),
            expected_version=1,
            today=TODAY,
        )

    [change] = conflict.value.changes
    assert change.label == "Outcome ratings"
    assert change.value.startswith("1. Not achieved")


def test_a_save_without_a_version_is_not_checked(session, world, colleague):
    cycle = _drive(session, world, CycleState.DO)
    flow.save_plan(
        session,
        actor=colleague,
        cycle=cycle,
        details=plan_details(strategies="Theirs"),
        expected_version=1,
        today=TODAY,
    )

    plan = flow.save_plan(
        session,
        actor=world.users["senco"],
        cycle=cycle,
        details=plan_details(strategies="Mine"),
        expected_version=None,
        today=TODAY,
    )

    assert (plan.version, plan.strategies) == (3, "Mine")


def test_each_save_keeps_a_revision(session, world, colleague):
    cycle = _drive(session, world, CycleState.DO)
    flow.save_plan(
        session,
        actor=colleague,
        cycle=cycle,
        details=plan_details(strategies="Theirs"),
        expected_version=1,
        today=TODAY,
    )

    revisions = session.scalars(
        sa.select(RecordRevision)
        .where(RecordRevision.record_type == "plan", RecordRevision.record_id == cycle.plan.id)
        .order_by(RecordRevision.version)
    ).all()

    assert [(r.version, r.saved_by_id, r.snapshot["strategies"]) for r in revisions] == [
        (1, world.users["senco"].id, "Seat near the front; instructions one step at a time"),
        (2, colleague.id, "Theirs"),
    ]


# --- The timeline -------------------------------------------------------------------------------


def test_every_step_writes_a_dated_event(session, world):
    pupil = world.pupils["taught"]

    cycle = _drive(session, world, CycleState.CLOSED)

    assert [(e.kind, e.effective_on, e.from_state, e.to_state) for e in _events(session, pupil)] == [
        ("cycle_opened", OPENED_ON, None, "assess"),
        ("assessment_recorded", OPENED_ON, None, None),
        ("cycle_finish_assessment", OPENED_ON, "assess", "plan"),
        ("plan_written", PLAN_STARTS, None, None),
        ("cycle_start_support", PLAN_STARTS, "plan", "do"),
        ("cycle_start_review", REVIEW_DATE, "do", "review"),
        ("cycle_record_review", HELD_ON, "review", "closed"),
        ("parent_meeting", HELD_ON, None, None),
        ("sen_status", HELD_ON, "K", "N"),
    ]
    assert {e.cycle_id for e in _events(session, pupil) if e.kind != "sen_status"} == {cycle.id}
    assert {e.actor_id for e in _events(session, pupil)} == {world.users["senco"].id}


def test_moves_are_audited(session, world):
    cycle = _drive(session, world, CycleState.CLOSED)

    moved = audit_events(session, "cycle_moved", object_id=str(cycle.id))
    assert [e.details["move"] for e in moved] == [m.value for m in Move]


# --- The database keeps the rules even when the code is bypassed --------------------------------


def _insert_refused(session, *rows) -> None:
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add_all(rows)
        session.flush()


def _raw_cycle(pupil, number, state=CycleState.ASSESS, **values) -> SupportCycle:
    return SupportCycle(pupil_id=pupil.id, number=number, state=state, opened_on=TODAY, **values)


def test_a_second_open_cycle_is_refused_by_the_database(session, world):
    pupil = world.pupils["taught"]
    _drive(session, world, CycleState.PLAN)

    _insert_refused(session, _raw_cycle(pupil, 2, CycleState.DO))

    assert count(session, SupportCycle, SupportCycle.pupil_id == pupil.id) == 1  # the test's transaction lives on


def test_closed_cycles_do_not_count_against_the_open_one(session, world):
    pupil = world.pupils["taught"]
    with session.begin_nested():
        session.add_all(
            [
                _raw_cycle(pupil, 1, CycleState.CLOSED, closed_on=TODAY),
                _raw_cycle(pupil, 2, CycleState.CLOSED, closed_on=TODAY),
                _raw_cycle(pupil, 3, CycleState.ASSESS),
                _raw_cycle(world.pupils["taught_plain"], 1, CycleState.ASSESS),
            ]
        )
        session.flush()

    assert count(session, SupportCycle) == 4


@pytest.mark.parametrize(
    "row",
    [
        lambda p: _raw_cycle(p, 1, CycleState.CLOSED),
        lambda p: _raw_cycle(p, 1, CycleState.DO, closed_on=TODAY),
    ],
    ids=["closed-without-date", "open-with-closing-date"],
)
def test_a_cycles_closing_date_matches_its_state_in_the_database(session, world, row):
    _insert_refused(session, row(world.pupils["taught"]))


def test_cycle_numbers_are_unique_per_pupil_in_the_database(session, world):
    pupil = world.pupils["taught"]
    with session.begin_nested():
        session.add(_raw_cycle(pupil, 1, CycleState.CLOSED, closed_on=TODAY))
        session.flush()

    _insert_refused(session, _raw_cycle(pupil, 1))


def test_a_plan_reviewed_before_it_starts_is_refused_by_the_database(session, world):
    cycle = _drive(session, world, CycleState.PLAN)

    _insert_refused(session, Plan(cycle_id=cycle.id, starts_on=PLAN_STARTS, review_date=PLAN_STARTS, version=1))


def test_a_review_recorded_without_a_decision_is_refused_by_the_database(session, world):
    cycle = _drive(session, world, CycleState.REVIEW)
    review = cycle.review

    with pytest.raises(IntegrityError), session.begin_nested():
        review.recorded_at = review.updated_at
        session.flush()


# --- The cycle as the Code of Practice reads (CoP 6.48 to 6.52) -----------------------------------

EARLY = flow.EarlyReview(reason=EarlyReviewReason.PARENTS_ASKED, detail="Mother asked at parents' evening")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"provision": None}, "provision", "Describe the provision to be made"),
        ({"provision": "   "}, "provision", "Describe the provision to be made"),
        ({"expected_impact": None}, "expected_impact", "Describe the expected impact of the support"),
        ({"expected_impact": " "}, "expected_impact", "Describe the expected impact of the support"),
    ],
    ids=["no-provision", "blank-provision", "no-expected-impact", "blank-expected-impact"],
)
def test_support_cannot_start_without_the_provision_and_its_expected_impact(session, world, changes, field, message):
    cycle = _ready_at(session, world, CycleState.PLAN)
    flow.save_plan(
        session,
        actor=world.users["senco"],
        cycle=cycle,
        details=plan_details(**changes),
        expected_version=None,
        today=PLAN_STARTS,
    )

    assert _problems(cycle, Move.START_SUPPORT) == [(field, message)]
    with pytest.raises(RuleBroken) as refused:
        flow.start_support(
            session, actor=world.users["senco"], cycle=cycle, today=TODAY, needs=flow.Needs(NeedType.SPLD)
        )
    assert refused.value.field == field
    assert cycle.state is CycleState.PLAN


def test_the_expected_impact_is_kept_with_the_plan_and_its_revisions(session, world):
    cycle = _drive(session, world, CycleState.DO)

    assert cycle.plan.expected_impact == "Reading age up 6 months by the review"
    snapshot = session.scalar(
        sa.select(RecordRevision.snapshot).where(
            RecordRevision.record_type == "plan", RecordRevision.record_id == cycle.plan.id
        )
    )
    assert snapshot["expected_impact"] == "Reading age up 6 months by the review"


def test_a_first_plan_starts_from_nothing_but_the_dates(session, world):
    cycle = _drive(session, world, CycleState.PLAN)

    start = flow.plan_starting_point(cycle, TODAY)

    assert (start.starts_on, start.review_date, start.agreed_with_parents_on) == (
        TODAY,
        flow.default_review_date(cycle, TODAY),
        None,
    )
    assert (start.strategies, start.provision, start.expected_impact, start.responsibilities) == (
        None,
        None,
        None,
        None,
    )


def test_the_next_cycles_plan_starts_from_the_last_plan(session, world):
    cycle = _drive(session, world, CycleState.CLOSED, review={"decision": ReviewDecision.CONTINUE})
    following = flow.open_cycle_of(session, world.pupils["taught"])

    start = flow.plan_starting_point(following, TODAY)

    before = cycle.plan
    assert (start.strategies, start.provision, start.expected_impact, start.responsibilities) == (
        before.strategies,
        before.provision,
        before.expected_impact,
        before.responsibilities,
    )
    assert (start.starts_on, start.agreed_with_parents_on) == (TODAY, None)


@pytest.mark.parametrize(
    ("target", "allowed"),
    [(REVIEW_DATE - DAY, True), (REVIEW_DATE, True), (REVIEW_DATE + DAY, False)],
    ids=["day-before", "on-review-date", "day-after"],
)
def test_an_outcomes_target_date_cannot_fall_after_the_review_date(session, world, target, allowed):
    cycle = _ready_at(session, world, CycleState.PLAN)
    details = outcome_details(2, target_date=target)

    if allowed:
        outcome = flow.save_outcome(
            session, actor=world.users["senco"], cycle=cycle, details=details, today=PLAN_STARTS
        )
        assert outcome.target_date == target
    else:
        with pytest.raises(RuleBroken) as refused:
            flow.save_outcome(session, actor=world.users["senco"], cycle=cycle, details=details, today=PLAN_STARTS)
        assert (refused.value.field, refused.value.message) == (
            "target_date",
            "The target date cannot be after the plan's review date (2 November 2026)",
        )
        assert len(cycle.outcomes) == 1


def test_changing_an_outcome_to_after_the_review_date_is_refused(session, world):
    cycle = _drive(session, world, CycleState.DO)
    outcome = cycle.outcomes[0]

    with pytest.raises(RuleBroken) as refused:
        flow.save_outcome(
            session,
            actor=world.users["senco"],
            cycle=cycle,
            outcome=outcome,
            expected_version=outcome.version,
            details=outcome_details(1, target_date=REVIEW_DATE + DAY),
            today=TODAY,
        )

    assert refused.value.field == "target_date"


def test_an_outcome_of_a_cycle_without_a_plan_has_no_review_date_to_keep_within(session, world):
    cycle = _drive(session, world, CycleState.PLAN)

    outcome = flow.save_outcome(
        session,
        actor=world.users["senco"],
        cycle=cycle,
        details=outcome_details(1, target_date=REVIEW_DATE + 30 * DAY),
        today=PLAN_STARTS,
    )

    assert outcome.target_date == REVIEW_DATE + 30 * DAY


@pytest.mark.parametrize(
    ("review_date", "allowed"),
    [(REVIEW_DATE - 2 * DAY, False), (REVIEW_DATE - DAY, True), (REVIEW_DATE, True)],
    ids=["day-before-the-target", "on-the-target", "day-after-the-target"],
)
def test_a_plans_review_date_cannot_move_before_an_outcomes_target_date(session, world, review_date, allowed):
    cycle = _drive(session, world, CycleState.DO)
    senco = world.users["senco"]
    second = cycle.outcomes[1]
    flow.save_outcome(
        session,
        actor=senco,
        cycle=cycle,
        outcome=second,
        expected_version=second.version,
        details=outcome_details(2, target_date=REVIEW_DATE - DAY),
        today=TODAY,
    )
    flow.save_outcome(
        session,
        actor=senco,
        cycle=cycle,
        outcome=cycle.outcomes[0],
        expected_version=cycle.outcomes[0].version,
        details=outcome_details(1, target_date=REVIEW_DATE - 5 * DAY),
        today=TODAY,
    )
    version = cycle.plan.version

    if allowed:
        flow.save_plan(
            session,
            actor=senco,
            cycle=cycle,
            details=plan_details(review_date=review_date),
            expected_version=version,
            today=TODAY,
        )
        assert cycle.plan.review_date == review_date
    else:
        with pytest.raises(RuleBroken) as refused:
            flow.save_plan(
                session,
                actor=senco,
                cycle=cycle,
                details=plan_details(review_date=review_date),
                expected_version=version,
                today=TODAY,
            )
        assert refused.value.field == "review_date"
        assert refused.value.message == (
            "The outcome 'Outcome 2: reads a book banded at the right level' has a target date of 1 November 2026, "
            "after this review date: choose a later review date or change the outcome first"
        )
        assert (cycle.plan.review_date, cycle.plan.version) == (REVIEW_DATE, version)


def test_the_senco_starts_the_review_early_with_the_reason(session, world):
    cycle = _drive(session, world, CycleState.DO)

    review = flow.start_review(session, actor=world.users["senco"], cycle=cycle, today=REVIEW_DATE - DAY, early=EARLY)

    assert cycle.state is CycleState.REVIEW
    assert (review.early_reason, review.early_reason_detail) == (
        EarlyReviewReason.PARENTS_ASKED,
        "Mother asked at parents' evening",
    )
    event = _events(session, cycle.pupil)[-1]
    assert (event.kind, event.title, event.effective_on) == (
        "cycle_start_review",
        "Review started early: the parents asked for an earlier review",
        REVIEW_DATE - DAY,
    )


def test_an_early_reason_without_words_is_refused_beside_the_text(session, world):
    cycle = _drive(session, world, CycleState.DO)

    with pytest.raises(RuleBroken) as refused:
        flow.start_review(
            session,
            actor=world.users["senco"],
            cycle=cycle,
            today=REVIEW_DATE - DAY,
            early=flow.EarlyReview(EarlyReviewReason.NEEDS_CHANGED, "  "),
        )

    assert (refused.value.field, refused.value.message) == (
        "early_reason_detail",
        "Say why the review is held before the review date",
    )
    assert cycle.state is CycleState.DO


def test_a_teacher_cannot_start_a_review_early_even_with_a_reason(session, world):
    cycle = _drive(session, world, CycleState.DO)

    with pytest.raises(RuleBroken) as refused:
        flow.start_review(session, actor=world.users["teacher"], cycle=cycle, today=REVIEW_DATE - DAY, early=EARLY)

    assert refused.value.message == "The review is not due until 2 November 2026: only the SENCO can hold it earlier"
    assert cycle.state is CycleState.DO
    assert count(session, Review, Review.cycle_id == cycle.id) == 0


def test_on_the_review_date_no_reason_is_asked_for_and_none_is_kept(session, world):
    cycle = _drive(session, world, CycleState.DO)

    review = flow.start_review(session, actor=world.users["senco"], cycle=cycle, today=REVIEW_DATE, early=EARLY)

    assert review.early_reason is None


def _early_plan(session, world) -> SupportCycle:
    """A plan starting on 7 Sep and agreed with parents on 10 Sep, started on the 10th."""
    senco = world.users["senco"]
    cycle = _drive(session, world, CycleState.PLAN)
    agreed = PLAN_STARTS + 3 * DAY
    flow.save_plan(
        session,
        actor=senco,
        cycle=cycle,
        details=plan_details(agreed_with_parents_on=agreed),
        expected_version=None,
        today=agreed,
    )
    flow.save_outcome(session, actor=senco, cycle=cycle, details=outcome_details(), today=agreed)
    flow.start_support(session, actor=senco, cycle=cycle, today=agreed, needs=flow.Needs(NeedType.SPLD))
    return cycle


def test_a_review_cannot_start_before_the_plan_was_agreed(session, world):
    cycle = _early_plan(session, world)
    agreed = cycle.plan.agreed_with_parents_on

    assert flow.plan_started_on(cycle) == agreed
    with pytest.raises(RuleBroken) as refused:
        flow.start_review(session, actor=world.users["senco"], cycle=cycle, today=agreed - DAY, early=EARLY)
    assert (refused.value.field, refused.value.message) == (
        "review_date",
        "The review cannot be before the plan started (10 September 2026)",
    )
    assert cycle.state is CycleState.DO

    flow.start_review(session, actor=world.users["senco"], cycle=cycle, today=agreed, early=EARLY)
    assert cycle.state is CycleState.REVIEW


def test_a_review_held_on_the_day_the_plan_started_is_recorded_with_the_reason(session, world):
    cycle = _drive(session, world, CycleState.DO)
    senco = world.users["senco"]
    flow.start_review(session, actor=senco, cycle=cycle, today=PLAN_STARTS, early=EARLY)
    _save_review(
        session,
        world,
        cycle,
        today=PLAN_STARTS,
        held_on=PLAN_STARTS,
        early_reason=EARLY.reason,
        early_reason_detail=EARLY.detail,
    )

    flow.record_review(session, actor=senco, cycle=cycle, today=PLAN_STARTS)

    assert (cycle.state, cycle.closed_on) == (CycleState.CLOSED, PLAN_STARTS)
    assert cycle.review.early_reason is EarlyReviewReason.PARENTS_ASKED


def test_a_review_dated_the_day_before_the_plan_started_is_refused_and_nothing_stored(session, world):
    cycle = _drive(session, world, CycleState.DO)
    flow.start_review(session, actor=world.users["senco"], cycle=cycle, today=PLAN_STARTS, early=EARLY)

    with pytest.raises(RuleBroken) as refused:
        _save_review(
            session,
            world,
            cycle,
            today=PLAN_STARTS,
            held_on=PLAN_STARTS - DAY,
            early_reason=EARLY.reason,
            early_reason_detail=EARLY.detail,
        )

    assert (refused.value.field, refused.value.message) == (
        "held_on",
        "The review cannot be before the plan started (7 September 2026)",
    )
    assert (cycle.review.version, cycle.review.held_on) == (0, None)


def test_the_guard_refuses_a_meeting_before_the_plan_started_even_if_one_got_in(session, world):
    cycle = _drive(session, world, CycleState.REVIEW)
    _save_review(session, world, cycle, early_reason=EARLY.reason, early_reason_detail=EARLY.detail)
    cycle.review.held_on = PLAN_STARTS - DAY

    assert _problems(cycle, Move.RECORD_REVIEW) == [
        ("held_on", "The review cannot be before the plan started (7 September 2026)")
    ]


@pytest.mark.parametrize(("early", "recorded"), [(None, False), (EARLY, True)], ids=["without-reason", "with-reason"])
def test_a_review_held_the_day_before_the_review_date_needs_the_reason(session, world, early, recorded):
    cycle = _drive(session, world, CycleState.REVIEW)
    _save_review(
        session,
        world,
        cycle,
        held_on=REVIEW_DATE - DAY,
        early_reason=early.reason if early else None,
        early_reason_detail=early.detail if early else None,
    )

    if recorded:
        flow.record_review(session, actor=world.users["senco"], cycle=cycle, today=TODAY)
        assert cycle.state is CycleState.CLOSED
    else:
        with pytest.raises(RuleBroken) as refused:
            flow.record_review(session, actor=world.users["senco"], cycle=cycle, today=TODAY)
        assert refused.value.field == "early_reason"
        assert cycle.state is CycleState.REVIEW


def test_a_teacher_cannot_record_an_early_review(session, world):
    cycle = _drive(session, world, CycleState.REVIEW)
    _save_review(
        session, world, cycle, held_on=REVIEW_DATE - DAY, early_reason=EARLY.reason, early_reason_detail=EARLY.detail
    )

    with pytest.raises(RuleBroken) as refused:
        flow.record_review(session, actor=world.users["teacher"], cycle=cycle, today=TODAY)

    assert refused.value.message == "The review is not due until 2 November 2026: only the SENCO can hold it earlier"
    assert cycle.state is CycleState.REVIEW


def test_a_teacher_cannot_save_an_early_reason(session, world):
    cycle = _drive(session, world, CycleState.REVIEW)

    with pytest.raises(RuleBroken) as refused:
        flow.save_review(
            session,
            actor=world.users["teacher"],
            cycle=cycle,
            expected_version=None,
            today=HELD_ON,
            details=review_details(
                cycle, held_on=REVIEW_DATE - DAY, early_reason=EARLY.reason, early_reason_detail=EARLY.detail
            ),
        )

    assert (refused.value.field, refused.value.message) == (
        "early_reason",
        "Only the SENCO can hold a review before the review date",
    )
    assert cycle.review.version == 0


@pytest.mark.parametrize("held_on", [REVIEW_DATE, REVIEW_DATE + DAY], ids=["on-review-date", "after"])
def test_a_review_on_or_after_the_review_date_keeps_no_early_reason(session, world, held_on):
    cycle = _drive(session, world, CycleState.REVIEW)

    _save_review(session, world, cycle, held_on=held_on, early_reason=EARLY.reason, early_reason_detail=EARLY.detail)
    flow.record_review(session, actor=world.users["senco"], cycle=cycle, today=TODAY)

    assert (cycle.review.early_reason, cycle.review.early_reason_detail) == (None, None)
    assert cycle.state is CycleState.CLOSED


# --- The meeting with parents a review or a plan stands for -------------------------------------

from sentrack.models import MeetingMode, ParentMeeting  # noqa: E402
from sentrack.workflows.meetings import PLAN_VIEWS_NOT_GATHERED, MeetingDetails, record_meeting  # noqa: E402


def _meetings(session, pupil) -> list[ParentMeeting]:
    return list(
        session.scalars(sa.select(ParentMeeting).where(ParentMeeting.pupil_id == pupil.id).order_by(ParentMeeting.id))
    )


def _recorded_meeting(session, world, pupil, held_on, **changes) -> ParentMeeting:
    values = dict(
        held_on=held_on,
        mode=MeetingMode.PHONE,
        led_by_id=world.users["teacher"].id,
        attendees="Mother",
        pupil_views="Likes the group",
        outcomes="Keep going",
        actions=None,
        shared_with_parents_on=None,
    )
    values.update(changes)
    return record_meeting(
        session, actor=world.users["teacher"], pupil=pupil, details=MeetingDetails(**values), today=TODAY
    )


def test_a_review_with_a_parent_on_the_day_of_a_recorded_meeting_links_it(session, world):
    pupil = world.pupils["taught"]
    recorded = _recorded_meeting(session, world, pupil, HELD_ON)

    cycle = _drive(session, world, CycleState.CLOSED)

    assert _meetings(session, pupil) == [recorded]
    assert (recorded.review_id, recorded.cycle_id) == (cycle.review.id, cycle.id)
    assert recorded.outcomes == "Keep going"  # the teacher's record stays as written
    event = [e for e in _events(session, pupil) if e.title == "Parents met at the review"]
    assert [(e.effective_on, e.detail) for e in event] == [
        (HELD_ON, "The meeting with parents recorded for 20 November 2026")
    ]
    assert [e.object_id for e in audit_events(session, "parent_meeting_linked")] == [str(recorded.id)]


@pytest.mark.parametrize("day", [HELD_ON - DAY, HELD_ON + DAY], ids=["day-before", "day-after"])
def test_a_meeting_of_another_day_is_not_linked_to_the_review(session, world, day):
    pupil = world.pupils["taught"]
    recorded = _recorded_meeting(session, world, pupil, day)

    cycle = _drive(session, world, CycleState.CLOSED)

    other, made = _meetings(session, pupil)
    assert other is recorded and recorded.review_id is None
    assert (made.held_on, made.review_id, made.pupil_views) == (HELD_ON, cycle.review.id, "I like the reading group")


def test_a_review_whose_meeting_is_already_recorded_is_recorded_without_a_second(session, world):
    """What the demo had made: the meeting of a review still in progress. Recording the review
    links it instead of failing on the unique parent_meeting.review_id."""
    pupil = world.pupils["taught"]
    cycle = _drive(session, world, CycleState.REVIEW)
    _save_review(session, world, cycle)
    early = ParentMeeting(
        pupil_id=pupil.id,
        held_on=HELD_ON,
        mode=MeetingMode.IN_PERSON,
        pupil_views="Views",
        outcomes="Review of support cycle 1: decision still to be made",
        cycle_id=cycle.id,
        review_id=cycle.review.id,
    )
    session.add(early)
    session.flush()

    flow.record_review(session, actor=world.users["senco"], cycle=cycle, today=HELD_ON)

    assert _meetings(session, pupil) == [early]
    assert cycle.state is CycleState.CLOSED


def test_a_review_without_a_parent_leaves_the_days_meeting_unlinked(session, world):
    pupil = world.pupils["taught"]
    recorded = _recorded_meeting(session, world, pupil, HELD_ON)

    _drive(session, world, CycleState.CLOSED, review={"parent_attended": False})

    assert _meetings(session, pupil) == [recorded] and recorded.review_id is None


def _save_plan(session, world, cycle, **changes):
    return flow.save_plan(
        session,
        actor=world.users["senco"],
        cycle=cycle,
        details=plan_details(**changes),
        expected_version=cycle.plan.version if cycle.plan else None,
        today=TODAY,
    )


def test_a_plan_agreed_at_a_meeting_records_the_meeting_with_the_pupils_views_from_the_assessment(session, world):
    pupil = world.pupils["taught"]
    cycle = _drive(session, world, CycleState.PLAN)

    plan = _save_plan(session, world, cycle, agreed_at_meeting=True)

    (meeting,) = _meetings(session, pupil)
    assert (meeting.held_on, meeting.plan_id, meeting.cycle_id, meeting.review_id) == (
        PLAN_STARTS,
        plan.id,
        cycle.id,
        None,
    )
    assert (meeting.pupil_views, meeting.views_not_gathered) == ("Reading is hard when the words are long", None)
    assert meeting.outcomes == "Plan for support cycle 1 agreed with parents"
    assert [
        (e.kind, e.title, e.effective_on) for e in _events(session, pupil) if e.kind.startswith("parent_meeting")
    ] == [("parent_meeting", "Parents met: plan agreed", PLAN_STARTS)]
    # Saved again the same way: still the one meeting.
    _save_plan(session, world, cycle, agreed_at_meeting=True, strategies="Changed")
    assert _meetings(session, pupil) == [meeting]


def test_a_plan_agreed_at_a_meeting_without_the_pupils_views_says_so(session, world):
    pupil = world.pupils["taught"]
    cycle = _drive(session, world, CycleState.ASSESS)
    flow.save_assessment(
        session, actor=world.users["senco"], cycle=cycle, details=assessment_details(pupil_views=None), today=OPENED_ON
    )
    flow.finish_assessment(session, actor=world.users["senco"], cycle=cycle, today=OPENED_ON)

    _save_plan(session, world, cycle, agreed_at_meeting=True)

    (meeting,) = _meetings(session, pupil)
    assert (meeting.pupil_views, meeting.views_not_gathered) == (None, PLAN_VIEWS_NOT_GATHERED)


def test_a_plan_agreed_on_the_day_of_a_recorded_meeting_links_it(session, world):
    pupil = world.pupils["taught"]
    recorded = _recorded_meeting(session, world, pupil, PLAN_STARTS)
    cycle = _drive(session, world, CycleState.PLAN)

    plan = _save_plan(session, world, cycle, agreed_at_meeting=True)

    assert _meetings(session, pupil) == [recorded]
    assert (recorded.plan_id, recorded.cycle_id) == (plan.id, cycle.id)
    assert [e.title for e in _events(session, pupil) if e.kind == "parent_meeting_linked"] == [
        "Plan agreed at the meeting with parents"
    ]


@pytest.mark.parametrize("how", [False, None], ids=["without-a-meeting", "not-said"])
def test_a_plan_agreed_without_a_meeting_records_none(session, world, how):
    pupil = world.pupils["taught"]
    cycle = _drive(session, world, CycleState.PLAN)

    _save_plan(session, world, cycle, agreed_at_meeting=how)

    assert _meetings(session, pupil) == []


def test_a_plan_said_to_be_agreed_at_a_meeting_needs_its_date(session, world):
    cycle = _drive(session, world, CycleState.PLAN)

    with pytest.raises(RuleBroken) as refused:
        _save_plan(session, world, cycle, agreed_with_parents_on=None, agreed_at_meeting=True)

    assert refused.value.field == "agreed_with_parents_on"
    assert count(session, ParentMeeting) == 0 and cycle.plan is None


def test_changing_how_or_when_the_plan_was_agreed_moves_its_link_and_keeps_the_meeting_held(session, world):
    pupil = world.pupils["taught"]
    cycle = _drive(session, world, CycleState.PLAN)
    plan = _save_plan(session, world, cycle, agreed_at_meeting=True)
    (first,) = _meetings(session, pupil)

    _save_plan(session, world, cycle, agreed_with_parents_on=PLAN_STARTS + DAY, agreed_at_meeting=True)

    first_again, second = _meetings(session, pupil)
    assert first_again is first and first.plan_id is None and first.held_on == PLAN_STARTS
    assert (second.held_on, second.plan_id) == (PLAN_STARTS + DAY, plan.id)

    _save_plan(session, world, cycle, agreed_with_parents_on=PLAN_STARTS + DAY, agreed_at_meeting=False)

    assert second.plan_id is None and len(_meetings(session, pupil)) == 2
    assert len(audit_events(session, "parent_meeting_unlinked")) == 2


def test_the_next_plan_agreed_at_the_review_links_the_reviews_meeting(session, world):
    pupil = world.pupils["taught"]
    cycle = _drive(session, world, CycleState.CLOSED, review={"decision": ReviewDecision.CONTINUE})
    following = flow.open_cycle_of(session, pupil)
    flow.save_assessment(
        session,
        actor=world.users["senco"],
        cycle=following,
        details=assessment_details(assessed_on=HELD_ON),
        today=HELD_ON,
    )
    flow.finish_assessment(session, actor=world.users["senco"], cycle=following, today=HELD_ON)

    plan = flow.save_plan(
        session,
        actor=world.users["senco"],
        cycle=following,
        expected_version=None,
        today=TODAY,
        details=plan_details(
            starts_on=HELD_ON, review_date=HELD_ON + 42 * DAY, agreed_with_parents_on=HELD_ON, agreed_at_meeting=True
        ),
    )

    (meeting,) = _meetings(session, pupil)
    assert (meeting.review_id, meeting.plan_id, meeting.cycle_id) == (cycle.review.id, plan.id, cycle.id)
