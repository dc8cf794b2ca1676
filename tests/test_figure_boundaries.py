"""Every figure of the compliance dashboard at its boundaries: the day before, on and after each date
that matters (a review date, a concern's deadline, an intervention's end, a task's due date, the
records-stale cutoff, the EHC anniversary and its 8-week window, an SEN status's start and end, a
pupil's admission and leaving dates, a term's last day under the 28-day rule), and the records
that must and must not count. Each school here is built row by row with only the records a case
needs, so that every count is exact; a few cases check that the page, its drill-down and
`flask compliance --json` give the same count."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from sentrack.clock import SCHOOL_TIME
from sentrack.dashboard.cards import BY_KEY
from sentrack.models import (
    Concern,
    ConcernStatus,
    CostBasis,
    CycleState,
    Delivery,
    Duty,
    EhcPlan,
    EhcReview,
    Intervention,
    InterventionPupil,
    InterventionType,
    LocalAuthority,
    NeedType,
    ParentMeeting,
    Phase,
    Plan,
    Provision,
    Pupil,
    ReviewDecision,
    ReviewKind,
    Role,
    School,
    SchoolTerm,
    Season,
    SenStatus,
    SupportCycle,
    Task,
    TaskStatus,
    TeachingGroup,
    TimelineEvent,
)
from sentrack.models.enums import AreaOfNeed
from sentrack.models.meetings import MeetingMode
from sentrack.workflows.compliance import PupilFilter, compliance_figures, to_json
from sentrack.workflows.duty_catalogue import sync_catalogue
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.sen_status import change_sen_status
from sentrack.workflows.sweep import run_sweep
from tests.factories import HELD_ON, REVIEW_DATE, drive_cycle, make_upn, make_user
from tests.pages import Page
from tests.test_dashboard import _cards, _linked_public_ids

K, E, N = Provision.SEN_SUPPORT, Provision.EHC_PLAN, Provision.NONE
D = date
ONE = timedelta(days=1)
RECENT = datetime(2026, 11, 25, 9, tzinfo=UTC)  # a record touched lately: never stale in these tests


# --- Building a school row by row -------------------------------------------------------------------


@pytest.fixture
def school(session) -> School:
    la = LocalAuthority(code="990", name="Boundary Borough")
    session.add(la)
    session.flush()
    school = School(urn="910001", name="Boundary Primary", phase=Phase.PRIMARY, local_authority_id=la.id)
    session.add(school)
    session.flush()
    return school


@pytest.fixture
def senco(session, school):
    return make_user(session, "senco@boundary.test", Role.SENCO, school=school)


def pupil(session, school, *statuses, year=4, admitted_on=None, left_on=None, updated_at=RECENT, group=None) -> Pupil:
    """A pupil with `statuses`, each (provision, need, start, end or None), in order."""
    p = Pupil(
        school_id=school.id,
        upn=make_upn(),
        first_name="Pat",
        last_name=f"Row{next(_names)}",
        date_of_birth=D(2016, 1, 15),
        year_group=year,
        admitted_on=admitted_on,
        left_on=left_on,
        leaving_reason="Moved away" if left_on else None,
        updated_at=updated_at,
    )
    session.add(p)
    session.flush()
    if group is not None:
        group.pupils.append(p)
    for provision, need, start, end in statuses:
        session.add(
            SenStatus(
                pupil_id=p.id,
                provision=provision,
                primary_need=None if provision is N else need,
                start_date=start,
                end_date=end,
                reason="Test",
            )
        )
    session.flush()
    return p


_names = iter(range(1, 1_000_000))


SEPTEMBER_2025 = D(2025, 9, 1)


def k_since(start=SEPTEMBER_2025, need=NeedType.SLCN, end=None):
    return (K, need, start, end)


def e_since(start, need=NeedType.ASD, end=None):
    return (E, need, start, end)


_cycle_numbers: dict[int, int] = {}


def cycle(session, p, state: CycleState, review_date: date | None = None, plan=True) -> SupportCycle:
    number = _cycle_numbers[p.id] = _cycle_numbers.get(p.id, 0) + 1
    c = SupportCycle(
        pupil_id=p.id,
        number=number,
        state=state,
        opened_on=D(2026, 9, 1),
        closed_on=D(2026, 10, 1) if state is CycleState.CLOSED else None,
    )
    session.add(c)
    session.flush()
    if plan:
        session.add(Plan(cycle_id=c.id, starts_on=D(2026, 9, 7), review_date=review_date or D(2027, 3, 1)))
        session.flush()
    return c


def concern(session, p, deadline, status=ConcernStatus.OPEN) -> Concern:
    c = Concern(
        pupil_id=p.id,
        raised_on=D(2026, 10, 1),
        description="Slow to read",
        deadline=deadline,
        status=status,
        decided_on=None if status is ConcernStatus.OPEN else D(2026, 10, 20),
    )
    session.add(c)
    session.flush()
    return c


_subjects = iter(range(1, 1_000_000))


def task(
    session, school, due_on, *, role=Role.SENCO, status=TaskStatus.OPEN, pupil_id=None, code="senco_holds_review"
) -> Task:
    duty = sync_catalogue(session)[code]
    closed = None if status is TaskStatus.OPEN else D(2026, 10, 1)
    t = Task(
        school_id=school.id,
        duty_id=duty.id,
        subject_type="pupil",
        subject_id=next(_subjects),
        period="",
        pupil_id=pupil_id,
        for_role=role,
        title="Do the work",
        due_on=due_on,
        status=status,
        completed_on=closed if status is TaskStatus.DONE else None,
        closed_on=closed,
    )
    session.add(t)
    session.flush()
    return t


def intervention(session, school, senco, ends_on, impacts: list[int | None]) -> Intervention:
    """An intervention ending `ends_on` with one place per entry of `impacts` (None: not recorded)."""
    kind = session.scalars(sa.select(InterventionType).where(InterventionType.school_id == school.id)).first()
    if kind is None:
        kind = InterventionType(
            school_id=school.id,
            name="Reading",
            area_of_need=AreaOfNeed.COGNITION,
            wave=2,
            sessions_per_week=2,
            minutes_per_session=30,
            weeks=10,
            cost_basis=CostBasis.PER_SESSION,
            cost_per_session_pence=100,
        )
        session.add(kind)
        session.flush()
    iv = Intervention(
        school_id=school.id,
        type_id=kind.id,
        name=f"Group {next(_names)}",
        delivery=Delivery.GROUP,
        delivered_by_id=senco.id,
        weekdays=[0, 3],
        minutes_per_session=30,
        starts_on=ends_on - timedelta(days=60),
        ends_on=ends_on,
    )
    session.add(iv)
    session.flush()
    for impact in impacts:
        p = pupil(session, school, k_since())
        session.add(
            InterventionPupil(
                intervention_id=iv.id,
                pupil_id=p.id,
                impact=impact,
                impact_recorded_on=None if impact is None else ends_on,
            )
        )
    session.flush()
    return iv


def meeting(session, p, held_on) -> ParentMeeting:
    m = ParentMeeting(pupil_id=p.id, held_on=held_on, mode=MeetingMode.IN_PERSON, pupil_views="Likes maths")
    session.add(m)
    session.flush()
    return m


def real_terms(session, school):
    """The school's own terms of 2026/27, with holidays between them."""
    for name, start, end in (
        ("Autumn 2026", D(2026, 9, 3), D(2026, 12, 18)),
        ("Spring 2027", D(2027, 1, 5), D(2027, 3, 26)),
        ("Summer 2027", D(2027, 4, 12), D(2027, 7, 21)),
    ):
        session.add(
            SchoolTerm(
                school_id=school.id,
                academic_year=2026,
                season=Season(name.split()[0].lower()),
                starts_on=start,
                ends_on=end,
            )
        )
    session.flush()


def figures(session, school, day, **narrow):
    return compliance_figures(session, school, day, PupilFilter(**narrow) if narrow else None)


def engagement(session, school, day) -> dict[int, str]:
    """Each pupil's engagement status on `day`, read from the three engagement figures."""
    found = figures(session, school, day)
    out = {}
    for status in ("on_track", "due", "overdue"):
        for pid in found[f"engagement_{status}"].ids:
            assert pid not in out  # a pupil is in one of the three
            out[pid] = status
    return out


# --- On the register and on the roll ----------------------------------------------------------------


def test_a_status_is_on_the_register_from_its_start_day_to_its_end_day(session, school):
    # SEN support from 5 October to 20 November, then no SEN.
    p = pupil(session, school, k_since(D(2026, 10, 5), end=D(2026, 11, 20)), (N, None, D(2026, 11, 21), None))
    # Another pupil with no SEN status at all, on the roll throughout.
    pupil(session, school)
    expected = {D(2026, 10, 4): False, D(2026, 10, 5): True, D(2026, 11, 20): True, D(2026, 11, 21): False}
    for day, on_k in expected.items():
        found = figures(session, school, day)
        register = found.register
        assert register.pupils == 2, day
        assert register.count(K) == (1 if on_k else 0), day
        assert register.count(N) == (1 if on_k else 2), day
        assert register.by_year[4].get(K, 0) == (1 if on_k else 0), day
        assert dict(register.by_need) == ({NeedType.SLCN: {K: 1}} if on_k else {}), day
        assert set(found["k_without_plan"].ids) == ({p.id} if on_k else set()), day
        assert found["k_without_plan"].population == (1 if on_k else 0), day
        assert found["records_stale"].population == (1 if on_k else 0), day
        assert found["engagement_on_track"].population == (1 if on_k else 0), day
        data = to_json(found)["register"]
        assert data["by_provision"]["K"]["count"] == (1 if on_k else 0), day


def test_moving_from_sen_support_to_an_ehc_plan_changes_column_and_need_on_the_day(session, school):
    p = pupil(
        session,
        school,
        k_since(D(2025, 9, 1), NeedType.SLCN, end=D(2026, 11, 20)),
        e_since(D(2026, 11, 21), NeedType.ASD),
    )
    ehc_plan(session, p, D(2026, 11, 21))
    before = figures(session, school, D(2026, 11, 20))
    assert (before.register.count(K), before.register.count(E)) == (1, 0)
    assert dict(before.register.by_need) == {NeedType.SLCN: {K: 1}}
    assert before["k_without_plan"].ids == (p.id,) and before["ehc_reviews_due"].population == 0
    after = figures(session, school, D(2026, 11, 21))
    assert (after.register.count(K), after.register.count(E)) == (0, 1)
    assert dict(after.register.by_need) == {NeedType.ASD: {E: 1}}  # not the past status's need
    assert after["k_without_plan"].population == 0 and after["ehc_reviews_due"].population == 1


def test_the_roll_runs_from_the_admission_date_to_the_day_before_leaving(session, school):
    # SEN support carried from a previous school, long before admission here.
    p = pupil(session, school, k_since(D(2024, 9, 1)), admitted_on=D(2026, 10, 5), left_on=D(2026, 11, 20))
    always = pupil(session, school, k_since(D(2024, 9, 1)))  # no admission date recorded: on the roll
    expected = {
        D(2026, 10, 4): False,
        D(2026, 10, 5): True,
        D(2026, 11, 19): True,
        D(2026, 11, 20): False,
        D(2026, 11, 21): False,
    }
    for day, on in expected.items():
        found = figures(session, school, day)
        assert found.register.pupils == (2 if on else 1), day
        assert found.register.count(K) == (2 if on else 1), day
        assert set(found["k_without_plan"].ids) == ({p.id, always.id} if on else {always.id}), day
        everyone = set().union(*(found[f"engagement_{s}"].ids for s in ("on_track", "due", "overdue")))
        assert everyone == ({p.id, always.id} if on else {always.id}), day


def test_a_pupil_who_left_counts_in_no_figure_from_the_leaving_date(session, school, senco):
    left = D(2026, 11, 20)
    stale = datetime(2026, 6, 1, 9, tzinfo=UTC)
    k = pupil(session, school, k_since(D(2025, 9, 1)), admitted_on=D(2025, 9, 1), left_on=left, updated_at=stale)
    cycle(session, k, CycleState.DO, review_date=D(2026, 11, 2))
    concern(session, k, deadline=D(2026, 11, 1))
    t = task(session, school, D(2026, 11, 1), pupil_id=k.id)
    e = pupil(session, school, e_since(D(2024, 11, 1)), admitted_on=D(2024, 9, 1), left_on=left)
    e_due = pupil(session, school, e_since(D(2024, 12, 20)), admitted_on=D(2024, 9, 1), left_on=left)
    ehc_plan(session, e, D(2024, 11, 1))  # review due 1 November 2025
    # Reviewed on 20 December 2025: next due 20 December 2026.
    ehc_plan(session, e_due, D(2024, 12, 20), reviews=[(ReviewKind.ANNUAL, D(2025, 12, 1), D(2025, 12, 20))])
    k2 = pupil(session, school, k_since(), left_on=left, admitted_on=D(2025, 9, 1))  # no plan

    day_before = figures(session, school, left - ONE)
    assert set(day_before["reviews_overdue"].ids) == {k.id}
    assert set(day_before["k_without_plan"].ids) == {k2.id}
    assert len(day_before["concerns_past_deadline"].ids) == 1
    assert set(day_before["records_stale"].ids) == {k.id}
    assert set(day_before["ehc_reviews_overdue"].ids) == {e.id}
    assert set(day_before["ehc_reviews_due"].ids) == {e_due.id}
    assert set(day_before["tasks_overdue"].ids) == {t.id}
    assert day_before.register.pupils == 4

    settle_tasks(session, left)  # the morning's sweep: the pupil's tasks are no longer needed
    assert session.get(Task, t.id).status is TaskStatus.CANCELLED
    for day in (left, left + ONE):
        found = figures(session, school, day)
        for key, figure in found.figures.items():
            assert figure.count == 0 and figure.population == 0, (day, key)
        assert found.tasks_overdue_by_role == {} and found.register.pupils == 0
        assert to_json(found)["register"]["by_provision"]["K"]["count"] == 0


# --- Reviews overdue --------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [CycleState.DO, CycleState.REVIEW])
def test_a_review_is_overdue_only_the_day_after_its_date_at_do_or_review(session, school, state):
    p = pupil(session, school, k_since())
    cycle(session, p, state, review_date=D(2026, 11, 10))
    for day, overdue in ((D(2026, 11, 9), False), (D(2026, 11, 10), False), (D(2026, 11, 11), True)):
        figure = figures(session, school, day)["reviews_overdue"]
        assert set(figure.ids) == ({p.id} if overdue else set()), day
        assert figure.population == 1, day


def test_only_a_running_plan_can_be_overdue_and_a_closed_cycle_is_not_counted(session, school):
    day = D(2026, 11, 27)
    closed = pupil(session, school, k_since())
    cycle(session, closed, CycleState.CLOSED, review_date=D(2026, 10, 1))
    planned = pupil(session, school, k_since())  # a plan written, support not started
    cycle(session, planned, CycleState.PLAN, review_date=D(2026, 10, 1))
    assessing = pupil(session, school, k_since())
    cycle(session, assessing, CycleState.ASSESS, plan=False)
    running = pupil(session, school, k_since())
    cycle(session, closed, CycleState.DO, review_date=D(2026, 11, 26))  # the closed one's next cycle
    cycle(session, running, CycleState.DO, review_date=D(2026, 11, 27))
    figure = figures(session, school, day)["reviews_overdue"]
    assert set(figure.ids) == {closed.id}  # its open cycle's date, 26 November, has passed
    assert figure.population == 4  # the open cycles: plan, assess and two at do


def test_reviews_overdue_with_cycles_driven_through_the_workflow(session, school, senco):
    # Plans written and started by the workflow, review date 2 November 2026.
    doing = pupil(session, school, k_since())
    drive_cycle(session, actor=senco, pupil=doing, to=CycleState.DO)
    reviewing = pupil(session, school, k_since())
    drive_cycle(session, actor=senco, pupil=reviewing, to=CycleState.REVIEW)
    continued = pupil(session, school, k_since())  # reviewed on 20 November; the next cycle at 'assess'
    drive_cycle(
        session,
        actor=senco,
        pupil=continued,
        to=CycleState.CLOSED,
        review={"decision": ReviewDecision.CONTINUE, "decision_reason": None},
    )
    stepped_down = pupil(session, school, k_since())  # reviewed and stepped down
    drive_cycle(session, actor=senco, pupil=stepped_down, to=CycleState.CLOSED)
    for day, overdue in (
        (REVIEW_DATE, set()),
        (REVIEW_DATE + ONE, {doing.id, reviewing.id}),
        (HELD_ON + ONE, {doing.id, reviewing.id}),
    ):
        found = figures(session, school, day)
        assert set(found["reviews_overdue"].ids) == overdue, day
        assert found["reviews_overdue"].population == 3, day  # the continued pupil's new cycle is open
    after = figures(session, school, HELD_ON + ONE)
    # Stepped down from SEN support on the review day: no longer on K, so not "without a plan".
    assert set(after["k_without_plan"].ids) == {continued.id}
    assert after["k_without_plan"].population == 3


# --- On SEN support without a plan ------------------------------------------------------------------


def test_sen_support_without_a_plan_at_do_or_review(session, school):
    day = D(2026, 11, 27)
    none = pupil(session, school, k_since())
    assessing = pupil(session, school, k_since())
    cycle(session, assessing, CycleState.ASSESS, plan=False)
    planning = pupil(session, school, k_since())
    cycle(session, planning, CycleState.PLAN)  # a plan exists but is not being delivered
    doing = pupil(session, school, k_since())
    cycle(session, doing, CycleState.DO)
    reviewing = pupil(session, school, k_since())
    cycle(session, reviewing, CycleState.REVIEW)
    only_closed = pupil(session, school, k_since())
    cycle(session, only_closed, CycleState.CLOSED)
    ehc = pupil(session, school, e_since(D(2026, 3, 1)))  # on the register, not on SEN support
    no_sen = pupil(session, school, (N, None, D(2025, 9, 1), None))
    cycle(session, no_sen, CycleState.ASSESS, plan=False)
    figure = figures(session, school, day)["k_without_plan"]
    assert set(figure.ids) == {none.id, assessing.id, planning.id, only_closed.id}
    assert figure.population == 6
    assert ehc.id not in figure.ids


# --- Concerns past their deadline -------------------------------------------------------------------


def test_a_concern_is_past_its_deadline_only_the_day_after_it_and_never_once_decided(session, school):
    p = pupil(session, school)
    open_one = concern(session, p, deadline=D(2026, 11, 29))
    concern(session, p, deadline=D(2026, 10, 2), status=ConcernStatus.ASSESSED)
    concern(session, p, deadline=D(2026, 10, 2), status=ConcernStatus.NO_FURTHER_ACTION)
    for day, past in ((D(2026, 11, 28), False), (D(2026, 11, 29), False), (D(2026, 11, 30), True)):
        figure = figures(session, school, day)["concerns_past_deadline"]
        assert set(figure.ids) == ({open_one.id} if past else set()), day
        assert figure.population == 1, day  # decided concerns are not open ones


# --- Interventions ended without impact -------------------------------------------------------------


def test_an_intervention_counts_from_the_day_after_it_ends_until_every_impact_is_recorded(session, school, senco):
    ends = D(2026, 11, 20)
    missing_one = intervention(session, school, senco, ends, [1, None])
    intervention(session, school, senco, ends, [0, -1, 2])  # every place has its impact
    for day, ended in ((ends - ONE, False), (ends, False), (ends + ONE, True)):
        figure = figures(session, school, day)["interventions_without_impact"]
        assert set(figure.ids) == ({missing_one.id} if ended else set()), day
        assert figure.population == (2 if ended else 0), day
    place = session.scalars(
        sa.select(InterventionPupil).where(
            InterventionPupil.intervention_id == missing_one.id, InterventionPupil.impact.is_(None)
        )
    ).one()
    place.impact, place.impact_recorded_on = 0, ends + ONE
    session.flush()
    figure = figures(session, school, ends + ONE)["interventions_without_impact"]
    assert figure.ids == () and figure.population == 2


def test_interventions_count_in_the_academic_year_they_ended(session, school, senco):
    last_year = intervention(session, school, senco, D(2026, 8, 31), [None])
    this_year = intervention(session, school, senco, D(2026, 9, 1), [None])
    on_first = figures(session, school, D(2026, 9, 1))["interventions_without_impact"]
    assert on_first.ids == () and on_first.population == 0  # last year's is last year's
    on_second = figures(session, school, D(2026, 9, 2))["interventions_without_impact"]
    assert set(on_second.ids) == {this_year.id} and on_second.population == 1
    in_august = figures(session, school, D(2026, 8, 31))["interventions_without_impact"]
    assert last_year.id not in in_august.ids  # it ends that day: not ended yet


# --- Tasks overdue ----------------------------------------------------------------------------------


def test_a_task_is_overdue_only_the_day_after_it_is_due_and_never_once_closed(session, school):
    due = D(2026, 11, 20)
    senco_task = task(session, school, due, role=Role.SENCO)
    teacher_task = task(session, school, due - ONE, role=Role.TEACHER, code="teacher_meets_parents")
    task(session, school, D(2026, 10, 1), role=Role.SENCO, status=TaskStatus.DONE)
    task(session, school, D(2026, 10, 1), role=Role.SENCO, status=TaskStatus.CANCELLED)  # no longer needed
    task(session, school, D(2026, 10, 1), role=Role.LA_OFFICER, status=TaskStatus.DONE, code="la_decides_ehc_review")
    expected = {due - ONE: set(), due: {teacher_task.id}, due + ONE: {teacher_task.id, senco_task.id}}
    for day, overdue in expected.items():
        found = figures(session, school, day)
        assert set(found["tasks_overdue"].ids) == overdue, day
        assert found["tasks_overdue"].population == 2, day
        by_role = found.tasks_overdue_by_role
        assert set(by_role) == {Role.SENCO, Role.TEACHER}, day  # the LA's only task is done
        assert set(by_role[Role.SENCO].ids) == overdue & {senco_task.id}, day
        assert set(by_role[Role.TEACHER].ids) == overdue & {teacher_task.id}, day
        assert by_role[Role.SENCO].population == by_role[Role.TEACHER].population == 1, day


# --- Records not updated ----------------------------------------------------------------------------


def test_a_record_is_stale_from_the_day_the_schools_weeks_have_passed_since_its_latest_change(session, school):
    today = D(2026, 11, 27)
    # The last moment of the day 8 weeks before, and the first of the next, at the school: a day
    # is London's (in October, an hour ahead of UTC).
    last_moment = datetime(2026, 10, 2, 23, 59, 59, tzinfo=SCHOOL_TIME)
    next_day = datetime(2026, 10, 3, tzinfo=SCHOOL_TIME)
    old = datetime(2026, 6, 1, 9, tzinfo=UTC)
    eight_weeks = pupil(session, school, k_since(), updated_at=last_moment)
    under_eight = pupil(session, school, k_since(), updated_at=next_day)
    event_eight_weeks = pupil(session, school, k_since(), updated_at=old)
    event_under_eight = pupil(session, school, k_since(), updated_at=old)
    for p, at in ((event_eight_weeks, last_moment), (event_under_eight, next_day), (event_under_eight, old)):
        session.add(TimelineEvent(pupil_id=p.id, kind="note", title="Note", effective_on=at.date(), recorded_at=at))
    pupil(session, school, (N, None, D(2025, 9, 1), None), updated_at=old)  # not on the register
    pupil(session, school, k_since(end=D(2026, 9, 1)), updated_at=old)  # off the register since September
    session.flush()
    assert set(figures(session, school, today - ONE)["records_stale"].ids) == set()
    figure = figures(session, school, today)["records_stale"]
    assert set(figure.ids) == {eight_weeks.id, event_eight_weeks.id}
    assert figure.population == 4
    # A day later the changes of the day after go stale too.
    assert set(figures(session, school, today + ONE)["records_stale"].ids) == {
        eight_weeks.id,
        under_eight.id,
        event_eight_weeks.id,
        event_under_eight.id,
    }
    # The school's own number of weeks sets the day.
    school.records_stale_weeks = 9
    session.flush()
    assert figures(session, school, today)["records_stale"].ids == ()


# --- EHC annual reviews -----------------------------------------------------------------------------


def ehc_plan(session, p, issued_on, *, ceased_on=None, reviews=()) -> EhcPlan:
    """The pupil's EHC plan issued on `issued_on`, with `reviews` as (kind, convened_on, held_on)."""
    plan = EhcPlan(
        pupil_id=p.id,
        local_authority_id=p.school.local_authority_id,
        issued_on=issued_on,
        named_setting="Boundary Primary",
        primary_need=NeedType.ASD,
        ceased_on=ceased_on,
    )
    session.add(plan)
    session.flush()
    for kind, convened_on, held_on in reviews:
        meeting_on = held_on or convened_on + timedelta(weeks=3)
        session.add(
            EhcReview(plan_id=plan.id, kind=kind, meeting_on=meeting_on, convened_on=convened_on, held_on=held_on)
        )
    session.flush()
    return plan


def test_an_ehc_review_is_due_from_eight_weeks_before_its_date_and_overdue_after_it(session, school):
    p = pupil(session, school, e_since(D(2025, 12, 11)))
    ehc_plan(session, p, D(2025, 12, 11))
    review_due = D(2026, 12, 11)  # 12 months after the plan was issued
    opens = review_due - timedelta(weeks=8)  # 16 October 2026
    assert opens == D(2026, 10, 16)
    expected = {
        opens - ONE: (False, False),
        opens: (True, False),
        review_due: (True, False),
        review_due + ONE: (False, True),
    }
    for day, (due, overdue) in expected.items():
        found = figures(session, school, day)
        assert set(found["ehc_reviews_due"].ids) == ({p.id} if due else set()), day
        assert set(found["ehc_reviews_overdue"].ids) == ({p.id} if overdue else set()), day
        assert found["ehc_reviews_due"].population == found["ehc_reviews_overdue"].population == 1, day


def test_only_an_annual_review_meeting_held_for_this_year_stops_it_being_overdue(session, school):
    day = D(2026, 12, 12)
    issued = D(2024, 12, 11)
    held = pupil(session, school, e_since(issued))
    ehc_plan(session, held, issued, reviews=[(ReviewKind.ANNUAL, D(2025, 11, 20), D(2025, 12, 20))])
    held_last_year = pupil(session, school, e_since(D(2023, 12, 11)))  # reviewed once, a year ago
    ehc_plan(session, held_last_year, D(2023, 12, 11), reviews=[(ReviewKind.ANNUAL, D(2024, 11, 20), D(2024, 12, 11))])
    convened_only = pupil(session, school, e_since(issued))  # convened is not held
    ehc_plan(session, convened_only, issued, reviews=[(ReviewKind.ANNUAL, D(2025, 11, 20), None)])
    interim = pupil(session, school, e_since(issued))  # an interim review does not move the date
    ehc_plan(session, interim, issued, reviews=[(ReviewKind.INTERIM, D(2025, 11, 20), D(2025, 12, 20))])
    none = pupil(session, school, e_since(issued))
    ehc_plan(session, none, issued)
    found = figures(session, school, day)
    assert set(found["ehc_reviews_overdue"].ids) == {held_last_year.id, convened_only.id, interim.id, none.id}
    assert set(found["ehc_reviews_due"].ids) == {held.id}  # next due 20 December 2026


def test_a_ceased_ehc_plan_is_not_counted_from_the_day_it_ceases(session, school):
    p = pupil(session, school, e_since(D(2025, 12, 11), end=D(2026, 12, 1)), (N, None, D(2026, 12, 2), None))
    ehc_plan(session, p, D(2025, 12, 11), ceased_on=D(2026, 12, 2))
    assert figures(session, school, D(2026, 12, 1))["ehc_reviews_due"].ids == (p.id,)
    after = figures(session, school, D(2026, 12, 2))
    assert after["ehc_reviews_due"].ids == () and after["ehc_reviews_due"].population == 0


def test_a_pupil_on_e_without_a_plan_record_has_no_review_date_to_count(session, school):
    pupil(session, school, e_since(D(2024, 12, 11)))
    found = figures(session, school, D(2026, 12, 12))
    assert found["ehc_reviews_overdue"].ids == () and found["ehc_reviews_overdue"].population == 0


def test_an_ehc_plan_issued_on_29_february_is_reviewed_on_28_february(session, school):
    p = pupil(session, school, e_since(D(2024, 2, 29)))
    ehc_plan(session, p, D(2024, 2, 29))
    for day, (due, overdue) in {
        D(2025, 2, 27): (True, False),
        D(2025, 2, 28): (True, False),
        D(2025, 3, 1): (False, True),
    }.items():
        found = figures(session, school, day)
        assert set(found["ehc_reviews_due"].ids) == ({p.id} if due else set()), day
        assert set(found["ehc_reviews_overdue"].ids) == ({p.id} if overdue else set()), day


# --- Parent engagement: the 28-day rule at a term's last day ----------------------------------------


def test_a_term_counts_when_on_the_register_28_days_by_its_last_day(session, school):
    real_terms(session, school)  # autumn ends on Friday 18 December
    exactly = pupil(session, school, k_since(D(2026, 11, 21)))  # 28 days to 18 December, both counted
    short = pupil(session, school, k_since(D(2026, 11, 22)))  # 27 days
    assert engagement(session, school, D(2026, 12, 18)) == {exactly.id: "due", short.id: "on_track"}
    # The day after the last day (the holiday), the term has ended and is owed.
    assert engagement(session, school, D(2026, 12, 19)) == {exactly.id: "overdue", short.id: "on_track"}


def test_a_meeting_is_due_within_21_days_of_the_term_end(session, school):
    real_terms(session, school)
    p = pupil(session, school, k_since(D(2026, 9, 1)))
    assert engagement(session, school, D(2026, 11, 26)) == {p.id: "on_track"}  # 22 days before
    assert engagement(session, school, D(2026, 11, 27)) == {p.id: "due"}  # 21 days before
    meeting(session, p, D(2026, 11, 28))
    assert engagement(session, school, D(2026, 11, 27)) == {p.id: "due"}  # not held yet
    assert engagement(session, school, D(2026, 11, 28)) == {p.id: "on_track"}
    # In spring, before the spring term's window: one held for the one term owed.
    assert engagement(session, school, D(2027, 1, 10)) == {p.id: "on_track"}


def test_only_the_days_on_this_schools_roll_count_toward_a_term(session, school):
    real_terms(session, school)
    exactly = pupil(session, school, k_since(D(2025, 9, 1)), admitted_on=D(2026, 11, 21))
    short = pupil(session, school, k_since(D(2025, 9, 1)), admitted_on=D(2026, 11, 22))
    assert engagement(session, school, D(2026, 12, 19)) == {exactly.id: "overdue", short.id: "on_track"}
    assert engagement(session, school, D(2026, 11, 21)) == {exactly.id: "on_track"}
    assert engagement(session, school, D(2026, 11, 20)) == {}


def test_statuses_that_follow_on_day_by_day_are_one_stretch_on_the_register(session, school):
    real_terms(session, school)
    # SEN support to 21 November then an EHC plan from the 22nd: one unbroken stretch.
    joined = pupil(session, school, k_since(D(2026, 9, 1), end=D(2026, 11, 21)), e_since(D(2026, 11, 22)))
    # A day off the register on 21 November: the stretch at the term's end is only 27 days.
    broken = pupil(
        session,
        school,
        k_since(D(2026, 9, 1), end=D(2026, 11, 20)),
        (N, None, D(2026, 11, 21), D(2026, 11, 21)),
        e_since(D(2026, 11, 22)),
    )
    assert engagement(session, school, D(2026, 12, 19)) == {joined.id: "overdue", broken.id: "on_track"}


def test_meetings_count_in_the_academic_year_they_were_held(session, school):
    real_terms(session, school)
    last_year = pupil(session, school, k_since())
    meeting(session, last_year, D(2026, 8, 31))
    this_year = pupil(session, school, k_since())
    meeting(session, this_year, D(2026, 9, 1))
    assert engagement(session, school, D(2026, 12, 19)) == {last_year.id: "overdue", this_year.id: "on_track"}


def test_engagement_stops_on_the_leaving_date(session, school):
    real_terms(session, school)
    p = pupil(session, school, k_since(), admitted_on=D(2025, 9, 1), left_on=D(2026, 12, 10))
    assert engagement(session, school, D(2026, 12, 9)) == {p.id: "due"}
    assert engagement(session, school, D(2026, 12, 10)) == {}


# --- The filters ------------------------------------------------------------------------------------


def test_the_need_filter_matches_only_the_need_of_the_status_covering_the_day(session, school):
    changed = pupil(
        session,
        school,
        k_since(D(2025, 9, 1), NeedType.SLCN, end=D(2026, 11, 20)),
        k_since(D(2026, 11, 21), NeedType.ASD),
    )
    always = pupil(session, school, k_since(D(2025, 9, 1), NeedType.SLCN))
    formerly = pupil(
        session, school, k_since(D(2025, 9, 1), NeedType.SLCN, end=D(2026, 10, 1)), (N, None, D(2026, 10, 2), None)
    )
    for p in (changed, always, formerly):
        task(session, school, D(2026, 11, 1), pupil_id=p.id)
    expected = {
        (D(2026, 11, 20), NeedType.SLCN): {changed.id, always.id},
        (D(2026, 11, 20), NeedType.ASD): set(),
        (D(2026, 11, 21), NeedType.SLCN): {always.id},
        (D(2026, 11, 21), NeedType.ASD): {changed.id},
        (D(2026, 9, 30), NeedType.SLCN): {changed.id, always.id, formerly.id},
    }
    for (day, need), chosen in expected.items():
        found = figures(session, school, day, need=need)
        assert set(found["k_without_plan"].ids) == chosen, (day, need)
        assert found.register.pupils == len(chosen), (day, need)
        assert found["tasks_overdue"].population == len(chosen), (day, need)
        by_need = {n: sum(c.values()) for n, c in found.register.by_need.items()}
        assert by_need == ({need: len(chosen)} if chosen else {}), (day, need)


def test_a_need_changed_through_the_workflow_moves_the_pupil_between_need_filters(session, school, senco):
    p = pupil(session, school)
    change_sen_status(
        session,
        actor=senco,
        pupil=p,
        provision=K,
        primary_need=NeedType.SLCN,
        secondary_need=None,
        start_date=D(2026, 9, 1),
        reason="Speech assessed",
        today=D(2026, 9, 1),
    )
    change_sen_status(
        session,
        actor=senco,
        pupil=p,
        provision=K,
        primary_need=NeedType.ASD,
        secondary_need=None,
        start_date=D(2026, 11, 21),
        reason="Diagnosis",
        today=D(2026, 11, 21),
    )
    for day, slcn, asd in (
        (D(2026, 8, 31), 0, 0),
        (D(2026, 9, 1), 1, 0),
        (D(2026, 11, 20), 1, 0),
        (D(2026, 11, 21), 0, 1),
    ):
        assert figures(session, school, day, need=NeedType.SLCN).register.pupils == slcn, day
        assert figures(session, school, day, need=NeedType.ASD).register.pupils == asd, day
        assert figures(session, school, day).register.by_need == (
            {NeedType.SLCN: {K: 1}} if slcn else {NeedType.ASD: {K: 1}} if asd else {}
        ), day


def test_a_filter_counts_an_intervention_by_its_chosen_pupils_places(session, school, senco):
    day = D(2026, 11, 27)
    ends = D(2026, 11, 20)
    kind = intervention(session, school, senco, D(2026, 12, 11), []).type_id  # running still: not counted
    year4 = pupil(session, school, k_since(), year=4)
    year5 = pupil(session, school, k_since(), year=5)

    def ended(places):
        iv = Intervention(
            school_id=school.id,
            type_id=kind,
            name=f"Group {next(_names)}",
            delivery=Delivery.GROUP,
            delivered_by_id=senco.id,
            weekdays=[1],
            minutes_per_session=30,
            starts_on=D(2026, 9, 14),
            ends_on=ends,
        )
        session.add(iv)
        session.flush()
        for p, impact in places:
            session.add(
                InterventionPupil(
                    intervention_id=iv.id,
                    pupil_id=p.id,
                    impact=impact,
                    impact_recorded_on=None if impact is None else ends,
                )
            )
        session.flush()
        return iv

    both_missing = ended([(year4, None), (year5, None)])
    year5_missing = ended([(year4, 1), (year5, None)])
    only_year5 = ended([(year5, None)])
    whole = figures(session, school, day)["interventions_without_impact"]
    assert set(whole.ids) == {both_missing.id, year5_missing.id, only_year5.id} and whole.population == 3
    in_year4 = figures(session, school, day, year_group=4)["interventions_without_impact"]
    assert set(in_year4.ids) == {both_missing.id} and in_year4.population == 2
    in_year5 = figures(session, school, day, year_group=5)["interventions_without_impact"]
    assert set(in_year5.ids) == {both_missing.id, year5_missing.id, only_year5.id} and in_year5.population == 3


def test_the_year_and_class_filters_narrow_every_figure(session, school):
    oak = TeachingGroup(school_id=school.id, name="4 Oak", year_group=4)
    session.add(oak)
    session.flush()
    day = D(2026, 11, 27)
    in_both = pupil(session, school, k_since(), year=4, group=oak)
    year_only = pupil(session, school, k_since(), year=4)
    class_only = pupil(session, school, k_since(), year=5, group=oak)
    neither = pupil(session, school, k_since(), year=5)
    everyone = (in_both, year_only, class_only, neither)
    for p in everyone:
        cycle(session, p, CycleState.DO, review_date=D(2026, 11, 1))
        concern(session, p, deadline=D(2026, 11, 1))
        task(session, school, D(2026, 11, 1), pupil_id=p.id)
    task(session, school, D(2026, 11, 1))  # about the school, no pupil
    cases = (
        ({"year_group": 4}, {in_both, year_only}),
        ({"group_id": oak.id}, {in_both, class_only}),
        ({"year_group": 4, "group_id": oak.id}, {in_both}),
    )
    for narrow, chosen in cases:
        found = figures(session, school, day, **narrow)
        ids_ = {p.id for p in chosen}
        assert set(found["reviews_overdue"].ids) == ids_, narrow
        assert len(found["concerns_past_deadline"].ids) == len(chosen), narrow
        assert found["tasks_overdue"].count == len(chosen), narrow
        assert found.register.pupils == len(chosen), narrow
    whole = figures(session, school, day)
    assert whole["tasks_overdue"].count == 5 and whole.register.pupils == 4


# --- The page, its drill-down and the command agree -------------------------------------------------


def _linked_ids(page: Page, kind: str) -> set[int]:
    """The ids of the records of `kind` ("tasks", "interventions") a page links to."""
    return {int(match.group(1)) for href in page.links() if (match := re.fullmatch(rf"/{kind}/(\d+)", href))}


def _drill_down_count(page: Page, kind: str) -> int:
    if kind in ("pupil", "concern"):
        return len(_linked_public_ids(page.html)) if kind == "pupil" else page.text().count("Decision was due")
    return len(_linked_ids(page, "tasks"))


def _role_rows(page: Page) -> dict[str, tuple[int, int]]:
    """The 'tasks overdue by role' table: role label -> (overdue, open)."""
    return {role: (int(overdue), int(open_)) for role, overdue, open_ in page.table("Tasks overdue by role")}


@pytest.mark.parametrize("day", [D(2026, 11, 10), D(2026, 11, 11)])
def test_the_page_the_drill_down_and_the_command_count_the_same_at_the_boundary(
    app, session, school, login, client, monkeypatch, day
):
    head = make_user(session, "head@boundary.test", Role.HEAD, school=school)
    boundary = D(2026, 11, 10)
    for _ in range(2):
        p = pupil(session, school, k_since())
        cycle(session, p, CycleState.REVIEW, review_date=boundary)
    p = pupil(session, school, k_since())
    cycle(session, p, CycleState.DO, review_date=boundary)
    concern(session, p, deadline=boundary)
    task(session, school, boundary, pupil_id=p.id)
    task(session, school, boundary, role=Role.TEACHER, code="teacher_meets_parents", pupil_id=p.id)
    task(session, school, boundary - ONE, role=Role.TEACHER, code="teacher_meets_parents", pupil_id=p.id)
    task(session, school, boundary - ONE, status=TaskStatus.DONE, pupil_id=p.id)
    # The 8 weeks before its review date (6 January 2027) open the day after `boundary`.
    ehc_plan(session, pupil(session, school, e_since(D(2026, 1, 6))), D(2026, 1, 6))
    pupil(session, school, k_since())  # no plan
    session.commit()
    expected = figures(session, school, day)
    after = day > boundary
    assert expected["reviews_overdue"].count == (3 if after else 0)
    assert expected["concerns_past_deadline"].count == (1 if after else 0)
    assert expected["tasks_overdue"].count == (3 if after else 1)
    assert expected["ehc_reviews_due"].count == (1 if after else 0)
    assert expected["k_without_plan"].count == 1

    result = app.test_cli_runner().invoke(
        args=["compliance", "--school", school.urn, "--date", day.isoformat(), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    monkeypatch.setitem(app.config, "TODAY", day)
    login(head)
    page = client.page("/dashboard/")
    cards = _cards(page.html)
    roles = _role_rows(page)
    for key in (
        "reviews_overdue",
        "concerns_past_deadline",
        "tasks_overdue",
        "ehc_reviews_due",
        "k_without_plan",
        "ehc_reviews_overdue",
    ):
        figure = expected[key]
        assert data["figures"][key]["count"] == figure.count, key
        assert data["figures"][key]["population"] == figure.population, key
        assert cards[BY_KEY[key].title][0] == figure.count, key
        assert cards[BY_KEY[key].title][2] == figure.population, key
        listed = client.page(f"/dashboard/figures/{key}")
        assert _drill_down_count(listed, figure.id_kind) == figure.count, key
    for role, figure in expected.tasks_overdue_by_role.items():
        assert data["tasks_overdue_by_role"][role.value]["count"] == figure.count
        assert roles[role.label] == (figure.count, figure.population)
        listed = client.page(f"/dashboard/figures/tasks_overdue_{role.value}")
        assert _drill_down_count(listed, "task") == figure.count, role


@pytest.mark.parametrize("day", [D(2026, 12, 18), D(2026, 12, 19)])
def test_the_page_and_the_command_agree_on_engagement_staleness_and_impact_at_a_term_end(
    app, session, school, senco, login, client, monkeypatch, day
):
    real_terms(session, school)  # autumn ends on 18 December
    head = make_user(session, "head@boundary.test", Role.HEAD, school=school)
    last_day = D(2026, 12, 18)
    owed = pupil(session, school, k_since(D(2026, 11, 21)))  # 28 days on the register by the term's end
    pupil(session, school, k_since(D(2026, 11, 22)))  # 27 days: the term does not count
    changed = datetime(2026, 10, 24, tzinfo=UTC)  # 8 weeks before 19 December
    stale = pupil(session, school, k_since(), updated_at=changed)  # stale from the 19th
    iv = intervention(session, school, senco, last_day, [None])
    in_group = session.scalars(
        sa.select(InterventionPupil.pupil_id).where(InterventionPupil.intervention_id == iv.id)
    ).one()
    for met in (stale.id, in_group):  # their parents were met this term
        session.add(
            ParentMeeting(pupil_id=met, held_on=D(2026, 10, 1), mode=MeetingMode.PHONE, pupil_views="Likes maths")
        )
    session.commit()
    expected = figures(session, school, day)
    after = day > last_day
    assert expected["engagement_overdue"].ids == ((owed.id,) if after else ())
    assert expected["engagement_due"].ids == (() if after else (owed.id,))
    assert expected["records_stale"].count == (1 if after else 0)
    assert expected["interventions_without_impact"].ids == ((iv.id,) if after else ())

    result = app.test_cli_runner().invoke(
        args=["compliance", "--school", school.urn, "--date", day.isoformat(), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    monkeypatch.setitem(app.config, "TODAY", day)
    login(head)
    cards = _cards(client.page("/dashboard/").html)
    for key in (
        "engagement_overdue",
        "engagement_due",
        "engagement_on_track",
        "records_stale",
        "interventions_without_impact",
    ):
        figure = expected[key]
        assert data["figures"][key]["count"] == cards[BY_KEY[key].title][0] == figure.count, key
        assert data["figures"][key]["population"] == cards[BY_KEY[key].title][2] == figure.population, key
        listed = client.page(f"/dashboard/figures/{key}")
        if figure.id_kind == "intervention":
            assert _linked_ids(listed, "interventions") == set(figure.ids), key
        else:
            assert len(_linked_public_ids(listed.html)) == figure.count, key


# --- One definition: the figure and the sweep's task about the same record ----------------------------


@pytest.mark.parametrize("day", [D(2026, 11, 26), D(2026, 11, 27), D(2026, 11, 28)])
def test_records_the_figure_counts_as_stale_are_those_the_sweep_asks_to_bring_up_to_date(
    app, session, school, senco, monkeypatch, day
):
    """A record last changed on 2 October 2026 (placed on SEN support through the workflow that
    day): "not updated for 8 weeks" must start on the same day for the dashboard figure and for the
    SENCO's task "Bring the pupil's SEN record up to date"."""
    p = pupil(session, school, updated_at=datetime(2026, 6, 1, 9, tzinfo=UTC))
    monkeypatch.setitem(app.config, "TODAY", D(2026, 10, 2))  # entered on the day it took effect
    change_sen_status(
        session,
        actor=senco,
        pupil=p,
        provision=K,
        primary_need=NeedType.SLCN,
        secondary_need=None,
        start_date=D(2026, 10, 2),
        reason="Speech assessed",
        today=D(2026, 10, 2),
    )
    monkeypatch.setitem(app.config, "TODAY", day)
    run_sweep(session, day, codes=["senco_keeps_records_current"])
    asked = set(
        session.scalars(
            sa.select(Task.pupil_id)
            .join(Duty, Duty.id == Task.duty_id)
            .where(Task.status == TaskStatus.OPEN, Duty.code == "senco_keeps_records_current")
        )
    )
    counted = set(figures(session, school, day)["records_stale"].ids)
    assert counted == asked, (
        f"on {day} the figure counts {counted or 'nobody'}, the sweep asks about {asked or 'nobody'}"
    )


def test_the_overdue_figures_name_the_records_whose_sweep_tasks_are_overdue(session, school, senco):
    """Reviews, concerns, EHC reviews and meetings with parents all fall due on 10 December: on the
    day before, on and after it, each overdue figure counts exactly the records whose task from
    the daily sweep is open and overdue."""
    last_day = D(2026, 12, 10)
    session.add(
        SchoolTerm(
            school_id=school.id, academic_year=2026, season=Season.AUTUMN, starts_on=D(2026, 9, 3), ends_on=last_day
        )
    )
    session.add(
        SchoolTerm(
            school_id=school.id,
            academic_year=2026,
            season=Season.SPRING,
            starts_on=D(2027, 1, 5),
            ends_on=D(2027, 3, 26),
        )
    )
    reviewed = pupil(session, school, k_since())
    cycle(session, reviewed, CycleState.DO, review_date=last_day)
    concerned = pupil(session, school, k_since())
    raised = Concern(pupil_id=concerned.id, raised_on=D(2026, 11, 12), description="Slow to read", deadline=last_day)
    session.add(raised)
    ehc = pupil(session, school, e_since(D(2025, 12, 10)))
    ehc_plan(session, ehc, D(2025, 12, 10))  # its annual review is due on 10 December
    met = pupil(session, school, k_since())
    meeting(session, met, D(2026, 10, 1))  # the only pupil whose parents were met this term
    session.flush()
    pairs = {
        "reviews_overdue": "senco_holds_review",
        "concerns_past_deadline": "senco_decides_concern",
        "ehc_reviews_overdue": "senco_holds_ehc_review",
        "engagement_overdue": "teacher_meets_parents",
    }
    for day in (D(2026, 11, 26), last_day - ONE, last_day, last_day + ONE):
        run_sweep(session, day, codes=list(pairs.values()))
        found = figures(session, school, day)
        for key, code in pairs.items():
            overdue = set(
                session.scalars(
                    sa.select(Task.subject_id if key == "concerns_past_deadline" else Task.pupil_id)
                    .join(Duty, Duty.id == Task.duty_id)
                    .where(Duty.code == code, Task.status == TaskStatus.OPEN, Task.due_on < day)
                )
            )
            assert set(found[key].ids) == overdue, (day, key)
        everyone = {reviewed.id, concerned.id, ehc.id, met.id}
        assert set(found["reviews_overdue"].ids) == ({reviewed.id} if day > last_day else set()), day
        assert set(found["concerns_past_deadline"].ids) == ({raised.id} if day > last_day else set()), day
        assert set(found["ehc_reviews_overdue"].ids) == ({ehc.id} if day > last_day else set()), day
        assert set(found["engagement_overdue"].ids) == (everyone - {met.id} if day > last_day else set()), day
