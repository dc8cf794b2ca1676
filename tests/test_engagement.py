"""The parent engagement rule (DESIGN section 6), walked through an academic year on fixed dates.

Unless a test says otherwise the school has the default terms (autumn 1 Sep to 31 Dec 2026,
spring 1 Jan to 31 Mar 2027, summer 1 Apr to 31 Aug 2027) and settings (28 days on the register
for a term to count, due within 21 days of the term's end). Each expected value is worked out
from the rule in the comment beside it.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.models import (
    CycleState,
    MeetingMode,
    NeedType,
    ParentMeeting,
    Provision,
    Pupil,
    ReviewDecision,
    Role,
    SchoolTerm,
    Season,
    SenStatus,
    TimelineEvent,
)
from sentrack.workflows import RuleBroken
from sentrack.workflows.engagement import Engagement, engagement_for_pupil, engagement_for_school
from sentrack.workflows.meetings import MeetingDetails, PlannedDetails, plan_meeting, record_meeting
from tests.factories import HELD_ON, drive_cycle, make_pupil, make_user
from tests.helpers import audit_events

ON_TRACK, DUE, OVERDUE = Engagement.ON_TRACK, Engagement.DUE, Engagement.OVERDUE


def _pupil(session, world, periods: list[tuple[Provision, date, date | None]], **kwargs) -> Pupil:
    """A pupil of Oak with the SEN status periods given (provision, start, end)."""
    pupil = make_pupil(
        session, world.school, first=kwargs.pop("first", "Iris"), last=kwargs.pop("last", "Jones"), **kwargs
    )
    for provision, start, end in periods:
        session.add(
            SenStatus(
                pupil_id=pupil.id,
                provision=provision,
                start_date=start,
                end_date=end,
                reason="Test",
                primary_need=None if provision is Provision.NONE else NeedType.SLCN,
            )
        )
    session.flush()
    return pupil


def _meeting(session, pupil, held_on: date) -> None:
    session.add(
        ParentMeeting(
            pupil_id=pupil.id,
            held_on=held_on,
            mode=MeetingMode.IN_PERSON,
            outcomes="Agreed",
            pupil_views="Likes reading",
        )
    )
    session.flush()


def _state(session, pupil, on: date) -> tuple[Engagement, int, int] | None:
    found = engagement_for_pupil(session, pupil, on)
    return None if found is None else (found.status, found.held, found.required)


@pytest.fixture
def iris(session, world):
    """On SEN support from the first day of the year."""
    return _pupil(session, world, [(Provision.SEN_SUPPORT, date(2026, 9, 1), None)])


# --- One pupil through the year -------------------------------------------------------------


def test_early_in_the_autumn_term_nothing_is_required_or_due(session, iris):
    # No term has ended (required 0); autumn ends 31 Dec, 34 days away: outside the window.
    assert _state(session, iris, date(2026, 11, 27)) == (ON_TRACK, 0, 0)


def test_a_meeting_is_due_in_the_last_21_days_of_the_term(session, iris):
    # 31 Dec - 10 Dec = 21 days: within the window; autumn would count (on since 1 Sep); 0 < 0 + 1.
    assert _state(session, iris, date(2026, 12, 10)) == (DUE, 0, 0)


def test_a_day_before_the_window_it_is_not_yet_due(session, iris):
    # 31 Dec - 9 Dec = 22 days: outside the window.
    assert _state(session, iris, date(2026, 12, 9)) == (ON_TRACK, 0, 0)


def test_on_the_last_day_of_the_term_it_is_still_due_not_overdue(session, iris):
    # The autumn term has not ended on its last day: required 0, and 0 days to its end.
    assert _state(session, iris, date(2026, 12, 31)) == (DUE, 0, 0)


def test_after_the_term_ends_without_a_meeting_the_pupil_is_overdue(session, iris):
    # Autumn ended 31 Dec and counts: required 1, held 0.
    assert _state(session, iris, date(2027, 1, 5)) == (OVERDUE, 0, 1)


def test_a_meeting_after_the_term_puts_the_pupil_back_on_track(session, iris):
    _meeting(session, iris, date(2027, 1, 6))
    # Held 1 = required 1; spring ends 31 Mar, 84 days away.
    assert _state(session, iris, date(2027, 1, 7)) == (ON_TRACK, 1, 1)
    # The meeting is counted from the day it was held, not before.
    assert _state(session, iris, date(2027, 1, 5)) == (OVERDUE, 0, 1)


def test_one_meeting_a_term_keeps_the_pupil_on_track_all_year(session, iris):
    _meeting(session, iris, date(2026, 11, 2))
    # Autumn meeting held before the window: on 10 Dec held 1 is not < required 0 + 1.
    assert _state(session, iris, date(2026, 12, 10)) == (ON_TRACK, 1, 0)
    # 15 Mar: required 1 (autumn), held 1; spring ends in 16 days and would count: due.
    assert _state(session, iris, date(2027, 3, 15)) == (DUE, 1, 1)
    _meeting(session, iris, date(2027, 3, 20))
    assert _state(session, iris, date(2027, 3, 21)) == (ON_TRACK, 2, 1)
    # 2 Apr: autumn and spring ended: required 2, held 2.
    assert _state(session, iris, date(2027, 4, 2)) == (ON_TRACK, 2, 2)
    # 20 Aug: summer ends in 11 days: due the third.
    assert _state(session, iris, date(2027, 8, 20)) == (DUE, 2, 2)
    _meeting(session, iris, date(2027, 7, 10))
    assert _state(session, iris, date(2027, 8, 20)) == (ON_TRACK, 3, 2)


def test_meetings_of_last_year_do_not_count_in_this_one(session, iris):
    _meeting(session, iris, date(2026, 8, 28))
    assert _state(session, iris, date(2027, 1, 5)) == (OVERDUE, 0, 1)


def test_two_meetings_in_one_term_count_as_two(session, iris):
    _meeting(session, iris, date(2026, 10, 1))
    _meeting(session, iris, date(2026, 11, 1))
    # 15 Mar: required 1, held 2: not < 1 + 1, so the spring meeting is not yet due.
    assert _state(session, iris, date(2027, 3, 15)) == (ON_TRACK, 2, 1)


# --- The 28-day rule and pupils joining or leaving the register --------------------------------


@pytest.mark.parametrize(
    ("placed_on", "required"),
    [(date(2026, 12, 4), 1), (date(2026, 12, 5), 0)],
    ids=["28-days-counts", "27-days-does-not"],
)
def test_a_term_counts_after_28_days_on_the_register_by_its_last_day(session, world, placed_on, required):
    # 4 Dec to 31 Dec is 28 days, the last day included; 5 Dec to 31 Dec is 27.
    pupil = _pupil(session, world, [(Provision.SEN_SUPPORT, placed_on, None)])
    assert _state(session, pupil, date(2027, 1, 5)) == ((OVERDUE, 0, 1) if required else (ON_TRACK, 0, 0))
    # On 10 Dec the autumn term would count only if it will have had 28 days.
    assert _state(session, pupil, date(2026, 12, 10)) == ((DUE, 0, 0) if required else (ON_TRACK, 0, 0))


def test_a_pupil_placed_on_the_register_late_in_a_term_is_first_due_the_next(session, world):
    pupil = _pupil(session, world, [(Provision.SEN_SUPPORT, date(2026, 12, 20), None)])
    # 12 days by 31 Dec: the autumn term never counts.
    assert _state(session, pupil, date(2026, 12, 22)) == (ON_TRACK, 0, 0)
    assert _state(session, pupil, date(2027, 1, 5)) == (ON_TRACK, 0, 0)
    # Spring would count (101 days by 31 Mar): due from 10 Mar.
    assert _state(session, pupil, date(2027, 3, 10)) == (DUE, 0, 0)
    assert _state(session, pupil, date(2027, 4, 1)) == (OVERDUE, 0, 1)


def test_the_min_days_setting_is_the_schools(session, world):
    world.school.parent_meeting_min_days = 10
    pupil = _pupil(session, world, [(Provision.SEN_SUPPORT, date(2026, 12, 20), None)])
    # 12 days by 31 Dec is now enough.
    assert _state(session, pupil, date(2027, 1, 5)) == (OVERDUE, 0, 1)


def test_the_due_window_setting_is_the_schools(session, world, iris):
    world.school.parent_due_window_days = 30
    # 31 Dec - 1 Dec = 30 days: inside a 30-day window.
    assert _state(session, iris, date(2026, 12, 1)) == (DUE, 0, 0)
    assert _state(session, iris, date(2026, 11, 30)) == (ON_TRACK, 0, 0)


def test_an_ehc_plan_counts_like_sen_support_and_a_move_from_k_to_e_is_no_break(session, world):
    pupil = _pupil(
        session,
        world,
        [
            (Provision.SEN_SUPPORT, date(2026, 9, 1), date(2026, 12, 14)),
            (Provision.EHC_PLAN, date(2026, 12, 15), None),
        ],
    )
    # On the register without a break since 1 Sep: autumn counts though the plan began 15 Dec.
    assert _state(session, pupil, date(2027, 1, 5)) == (OVERDUE, 0, 1)


def test_a_break_off_the_register_starts_the_28_days_again(session, world):
    pupil = _pupil(
        session,
        world,
        [
            (Provision.SEN_SUPPORT, date(2026, 9, 1), date(2026, 11, 15)),
            (Provision.NONE, date(2026, 11, 16), date(2026, 12, 19)),
            (Provision.EHC_PLAN, date(2026, 12, 20), None),
        ],
    )
    # On the register on 31 Dec, but only since 20 Dec (12 days): autumn does not count.
    assert _state(session, pupil, date(2027, 1, 5)) == (ON_TRACK, 0, 0)


def test_a_pupil_off_the_register_today_has_no_engagement_status(session, world):
    pupil = _pupil(
        session,
        world,
        [
            (Provision.SEN_SUPPORT, date(2026, 9, 1), date(2026, 11, 30)),
            (Provision.NONE, date(2026, 12, 1), None),
        ],
    )
    assert _state(session, pupil, date(2026, 12, 10)) is None
    assert pupil.id not in engagement_for_school(session, world.school, date(2026, 12, 10))


def test_a_pupil_placed_on_the_register_after_today_is_not_yet_on_it(session, world):
    pupil = _pupil(session, world, [(Provision.SEN_SUPPORT, date(2026, 12, 1), None)])
    assert _state(session, pupil, date(2026, 11, 27)) is None


# --- School-defined terms ---------------------------------------------------------------------


@pytest.fixture
def oak_terms(session, world):
    for season, start, end in [
        (Season.AUTUMN, date(2026, 9, 2), date(2026, 12, 18)),
        (Season.SPRING, date(2027, 1, 5), date(2027, 3, 26)),
        (Season.SUMMER, date(2027, 4, 12), date(2027, 7, 21)),
    ]:
        session.add(
            SchoolTerm(school_id=world.school.id, academic_year=2026, season=season, starts_on=start, ends_on=end)
        )
    session.flush()


def test_with_the_default_terms_the_autumn_term_runs_to_31_december(session, iris):
    # 20 Dec is in the default autumn term, 11 days from its end: due.
    found = engagement_for_pupil(session, iris, date(2026, 12, 20))
    assert (found.status, found.required, found.term.name) == (DUE, 0, "Autumn 2026")


def test_with_the_schools_own_terms_the_autumn_term_ends_on_its_date(session, iris, oak_terms):
    # The school's autumn ended 18 Dec and counts: required 1 on 20 Dec, in the holiday (no term).
    found = engagement_for_pupil(session, iris, date(2026, 12, 20))
    assert (found.status, found.held, found.required, found.term) == (OVERDUE, 0, 1, None)


def test_with_the_schools_own_terms_the_window_runs_to_their_end(session, iris, oak_terms):
    # 18 Dec - 27 Nov = 21 days: due under the school's terms (34 days with the defaults).
    assert _state(session, iris, date(2026, 11, 27)) == (DUE, 0, 0)


def test_terms_of_another_school_change_nothing(session, world, iris):
    session.add(
        SchoolTerm(
            school_id=world.foreign.id,
            academic_year=2026,
            season=Season.AUTUMN,
            starts_on=date(2026, 9, 7),
            ends_on=date(2026, 12, 1),
        )
    )
    session.flush()
    assert _state(session, iris, date(2026, 12, 5)) == (ON_TRACK, 0, 0)


# --- Set-based ---------------------------------------------------------------------------------


def _queries(session, work) -> int:
    engine = session.get_bind()
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len([s for s in statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))])


def test_the_number_of_queries_does_not_grow_with_the_number_of_pupils(session, world, iris):
    on = date(2027, 1, 5)
    session.flush()
    one = _queries(session, lambda: engagement_for_school(session, world.school, on))
    for n in range(12):
        pupil = _pupil(
            session,
            world,
            [
                (Provision.SEN_SUPPORT, date(2026, 9, 1), date(2026, 10, 31)),
                (Provision.EHC_PLAN, date(2026, 11, 1), None),
            ],
            first=f"P{n}",
        )
        _meeting(session, pupil, date(2026, 10, n + 1))
    session.flush()
    many = _queries(session, lambda: engagement_for_school(session, world.school, on))
    found = engagement_for_school(session, world.school, on)

    assert many == one <= 3
    assert len(found) >= 13


def test_the_whole_school_holds_every_pupil_on_the_register_and_only_them(session, world):
    found = engagement_for_school(session, world.school, date(2026, 11, 27))
    # The world's Oak pupils: taught (K), untaught (E), untaught_k (K); taught_plain has no SEN.
    assert set(found) == {world.pupils[k].id for k in ("taught", "untaught", "untaught_k")}


# --- Meetings: planning, recording, and reviews with parents -------------------------------------


def _details(world, **changes) -> MeetingDetails:
    values = dict(
        held_on=date(2026, 11, 20),
        mode=MeetingMode.PHONE,
        led_by_id=world.users["teacher"].id,
        attendees="Mother; class teacher",
        pupil_views="Likes the reading group",
        outcomes="Keep going with the reading group",
        actions="Read at home nightly",
        shared_with_parents_on=date(2026, 11, 23),
    )
    values.update(changes)
    return MeetingDetails(**values)


def test_recording_a_meeting_counts_it_and_writes_the_timeline_and_audit(session, world):
    pupil = world.pupils["taught"]
    meeting = record_meeting(
        session, actor=world.users["senco"], pupil=pupil, details=_details(world), today=date(2026, 11, 27)
    )

    assert meeting.held_on == date(2026, 11, 20)
    assert engagement_for_pupil(session, pupil, date(2026, 11, 27)).held == 1
    event = session.scalar(
        sa.select(TimelineEvent).where(TimelineEvent.pupil_id == pupil.id, TimelineEvent.kind == "parent_meeting")
    )
    assert (event.title, event.effective_on) == ("Parents met", date(2026, 11, 20))
    assert len(audit_events(session, "parent_meeting_recorded", pupil_id=pupil.id)) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"held_on": date(2026, 11, 28)}, "held_on"),
        ({"shared_with_parents_on": date(2026, 11, 19)}, "shared_with_parents_on"),
        ({"shared_with_parents_on": date(2026, 11, 28)}, "shared_with_parents_on"),
        ({"led_by_id": None}, "led_by_id"),
        ({"outcomes": "  "}, "outcomes"),
    ],
    ids=["held-in-the-future", "shared-before-held", "shared-in-the-future", "no-leader", "no-outcomes"],
)
def test_a_meeting_with_bad_details_is_refused(session, world, changes, field):
    with pytest.raises(RuleBroken) as refused:
        record_meeting(
            session,
            actor=world.users["senco"],
            pupil=world.pupils["taught"],
            details=_details(world, **changes),
            today=date(2026, 11, 27),
        )
    assert refused.value.field == field
    assert session.scalar(sa.select(sa.func.count()).select_from(ParentMeeting)) == 0


@pytest.mark.parametrize("leader", ["governor", "admin", "foreign_senco", "la"])
def test_the_meeting_must_be_led_by_staff_of_the_school(session, world, leader):
    with pytest.raises(RuleBroken, match="staff"):
        record_meeting(
            session,
            actor=world.users["senco"],
            pupil=world.pupils["taught"],
            details=_details(world, led_by_id=world.users[leader].id),
            today=date(2026, 11, 27),
        )


def test_a_deactivated_member_of_staff_cannot_lead(session, world):
    former = make_user(session, "former@oak.test", Role.TEACHER, school=world.school)
    former.active = False
    session.flush()
    with pytest.raises(RuleBroken):
        record_meeting(
            session,
            actor=world.users["senco"],
            pupil=world.pupils["taught"],
            details=_details(world, led_by_id=former.id),
            today=date(2026, 11, 27),
        )


def test_a_planned_meeting_does_not_count_until_it_is_recorded_as_held(session, world):
    pupil = world.pupils["taught"]
    planned = plan_meeting(
        session,
        actor=world.users["teacher"],
        pupil=pupil,
        today=date(2026, 11, 27),
        details=PlannedDetails(
            planned_for=date(2026, 12, 3),
            mode=MeetingMode.IN_PERSON,
            led_by_id=world.users["teacher"].id,
            attendees=None,
        ),
    )
    assert engagement_for_pupil(session, pupil, date(2026, 12, 4)).held == 0

    record_meeting(
        session,
        actor=world.users["teacher"],
        pupil=pupil,
        planned=planned,
        details=_details(world, held_on=date(2026, 12, 3), shared_with_parents_on=None),
        today=date(2026, 12, 4),
    )

    assert session.scalar(sa.select(sa.func.count()).select_from(ParentMeeting)) == 1
    assert planned.held_on == date(2026, 12, 3)
    assert engagement_for_pupil(session, pupil, date(2026, 12, 4)).held == 1


def test_a_meeting_cannot_be_planned_in_the_past(session, world):
    with pytest.raises(RuleBroken, match="past") as refused:
        plan_meeting(
            session,
            actor=world.users["teacher"],
            pupil=world.pupils["taught"],
            today=date(2026, 11, 27),
            details=PlannedDetails(
                planned_for=date(2026, 11, 26),
                mode=MeetingMode.PHONE,
                led_by_id=world.users["teacher"].id,
                attendees=None,
            ),
        )
    assert refused.value.field == "planned_for"


def test_a_review_with_a_parent_present_is_a_parent_meeting(session, world):
    pupil = world.pupils["taught"]
    cycle = drive_cycle(
        session,
        actor=world.users["senco"],
        pupil=pupil,
        to=CycleState.CLOSED,
        review={"decision": ReviewDecision.CONTINUE},
    )

    meeting = session.scalar(sa.select(ParentMeeting).where(ParentMeeting.pupil_id == pupil.id))
    assert (meeting.held_on, meeting.review_id, meeting.cycle_id) == (HELD_ON, cycle.review.id, cycle.id)
    titles = session.scalars(
        sa.select(TimelineEvent.title).where(TimelineEvent.pupil_id == pupil.id, TimelineEvent.kind == "parent_meeting")
    ).all()
    assert titles == ["Parents met at the review"]
    assert engagement_for_pupil(session, pupil, date(2026, 11, 27)).held == 1


def test_a_review_without_a_parent_is_not_a_parent_meeting(session, world):
    pupil = world.pupils["taught"]
    drive_cycle(
        session,
        actor=world.users["senco"],
        pupil=pupil,
        to=CycleState.CLOSED,
        review={"parent_attended": False, "decision": ReviewDecision.CONTINUE},
    )

    assert session.scalar(sa.select(sa.func.count()).select_from(ParentMeeting)) == 0


# --- A day counts once ------------------------------------------------------------------------------


def test_two_records_of_one_day_count_as_one_meeting(session, iris):
    # Whatever wrote them (older records, a separate meeting with the other parent): one day held.
    _meeting(session, iris, date(2026, 10, 1))
    _meeting(session, iris, date(2026, 10, 1))
    assert _state(session, iris, date(2026, 11, 27)) == (ON_TRACK, 1, 0)
    # ...so in spring, with autumn ended (required 1), a second day is still owed before the end.
    assert _state(session, iris, date(2027, 3, 15)) == (DUE, 1, 1)
    _meeting(session, iris, date(2026, 10, 2))
    assert _state(session, iris, date(2026, 11, 27)) == (ON_TRACK, 2, 0)


def test_a_separate_meeting_with_another_parent_is_recorded_and_counted_once(session, world):
    pupil = world.pupils["taught"]
    record_meeting(session, actor=world.users["senco"], pupil=pupil, details=_details(world), today=date(2026, 11, 27))
    with pytest.raises(RuleBroken) as refused:
        record_meeting(
            session, actor=world.users["senco"], pupil=pupil, details=_details(world), today=date(2026, 11, 27)
        )
    assert refused.value.field == "held_on" and "already recorded" in refused.value.message

    separate = record_meeting(
        session,
        actor=world.users["senco"],
        pupil=pupil,
        today=date(2026, 11, 27),
        details=_details(world, separate=True, separate_with="Father"),
    )

    assert (separate.held_on, separate.separate_with) == (date(2026, 11, 20), "Father")
    assert engagement_for_pupil(session, pupil, date(2026, 11, 27)).held == 1
    # The next day is another meeting.
    record_meeting(
        session,
        actor=world.users["senco"],
        pupil=pupil,
        details=_details(world, held_on=date(2026, 11, 21)),
        today=date(2026, 11, 27),
    )
    assert engagement_for_pupil(session, pupil, date(2026, 11, 27)).held == 2


def test_a_review_on_the_day_of_a_recorded_meeting_links_it_and_counts_once(session, world):
    pupil = world.pupils["taught"]
    first = record_meeting(
        session,
        actor=world.users["teacher"],
        pupil=pupil,
        details=_details(world, held_on=HELD_ON),
        today=date(2026, 11, 27),
    )

    cycle = drive_cycle(
        session,
        actor=world.users["senco"],
        pupil=pupil,
        to=CycleState.CLOSED,
        review={"decision": ReviewDecision.CONTINUE},
    )

    assert session.scalars(sa.select(ParentMeeting.id).where(ParentMeeting.pupil_id == pupil.id)).all() == [first.id]
    assert (first.review_id, first.cycle_id) == (cycle.review.id, cycle.id)
    assert engagement_for_pupil(session, pupil, date(2026, 11, 27)).held == 1


def test_a_plan_agreed_at_a_meeting_with_parents_is_counted(session, world):
    from sentrack.workflows import cycles as flow
    from tests.factories import plan_details

    pupil = world.pupils["untaught_k"]
    cycle = drive_cycle(session, actor=world.users["senco"], pupil=pupil, to=CycleState.PLAN)
    assert engagement_for_pupil(session, pupil, date(2026, 11, 27)).held == 0

    flow.save_plan(
        session,
        actor=world.users["senco"],
        cycle=cycle,
        expected_version=None,
        today=date(2026, 11, 27),
        details=plan_details(agreed_with_parents_on=date(2026, 11, 24), agreed_at_meeting=True),
    )

    assert engagement_for_pupil(session, pupil, date(2026, 11, 23)).held == 0  # not before the day
    assert engagement_for_pupil(session, pupil, date(2026, 11, 24)).held == 1
