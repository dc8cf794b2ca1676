"""The compliance dashboard's figures (DESIGN section 7), each checked against a plain recomputation
from every row of the raw tables (simple Python loops, not the module's queries), on a demo school
made older and untidier by hand so that every figure has something to count."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from sentrack.demo import build_demo
from sentrack.models import (
    Concern,
    ConcernStatus,
    CycleState,
    EhcPlan,
    EhcReview,
    Intervention,
    InterventionPupil,
    NeedType,
    ParentMeeting,
    Plan,
    Provision,
    Pupil,
    School,
    SchoolTerm,
    SenStatus,
    SupportCycle,
    Task,
    TaskStatus,
    TimelineEvent,
)
from sentrack.workflows.compliance import PupilFilter, compliance_figures, school_figure, to_json
from sentrack.workflows.ehc_figures import ehc_figures
from sentrack.workflows.register import is_on_roll
from sentrack.workflows.sweep import run_sweep
from sentrack.workflows.terms import default_terms
from tests.conftest import TODAY


def _all(session, model):
    return session.scalars(sa.select(model)).all()


def _add_ehc(session, school, issued_on: date, year: int = 6, held_on=None, ceased_on=None, born=None) -> Pupil:
    """A pupil on "E" with the EHC plan issued on `issued_on`, and an annual review held on
    `held_on` when given."""
    pupil = Pupil(
        school_id=school.id,
        upn=f"Z{abs(hash((school.id, issued_on, year, held_on))) % 10**12:012d}",
        first_name="Zed",
        last_name="Quill",
        date_of_birth=born or date(2021 - year, 1, 1),
        year_group=year,
    )
    session.add(pupil)
    session.flush()
    session.add(
        SenStatus(
            pupil_id=pupil.id,
            provision=Provision.EHC_PLAN,
            primary_need=NeedType.ASD,
            start_date=issued_on,
            reason="Test",
        )
    )
    plan = EhcPlan(
        pupil_id=pupil.id,
        local_authority_id=school.local_authority_id,
        issued_on=issued_on,
        named_setting=school.name,
        primary_need=NeedType.ASD,
        ceased_on=ceased_on,
    )
    session.add(plan)
    session.flush()
    if held_on is not None:
        session.add(
            EhcReview(plan_id=plan.id, meeting_on=held_on, convened_on=held_on - timedelta(weeks=3), held_on=held_on)
        )
    session.flush()
    return pupil


def _make_world(session, pupils: int = 80) -> School:
    build_demo(session, today=TODAY, schools=1, pupils_per_school=pupils)
    school = session.scalars(sa.select(School)).one()
    run_sweep(session, TODAY - timedelta(days=40))
    run_sweep(session, TODAY)
    # EHC plans: review due in 2 weeks, passed (overdue), reviewed in March and so due next March,
    # far off, a Year 6 pupil whose review comes before the move to secondary school, a
    # child under five reviewed every 6 months, and a plan that has ceased.
    _add_ehc(session, school, date(2025, 12, 11), year=4)
    _add_ehc(session, school, date(2024, 10, 1), year=4)
    _add_ehc(session, school, date(2023, 11, 1), year=4, held_on=date(2026, 3, 15))
    _add_ehc(session, school, date(2026, 3, 1), year=4)
    _add_ehc(session, school, date(2026, 1, 20), year=6)  # brought forward to 23 November 2026
    _add_ehc(session, school, date(2026, 7, 1), year=0, born=date(2022, 3, 1))  # 6 months: 1 January 2027
    _add_ehc(session, school, date(2025, 1, 5), year=4, ceased_on=date(2026, 6, 1))
    # Some records go stale: every third pupil's row and timeline are old.
    old = datetime(2026, 6, 1, 9, tzinfo=UTC)
    pupil_ids = sorted(p.id for p in _all(session, Pupil))
    stale = pupil_ids[::3]
    session.execute(sa.update(Pupil).where(Pupil.id.in_(stale)).values(updated_at=old))
    session.execute(sa.update(TimelineEvent).where(TimelineEvent.pupil_id.in_(stale)).values(recorded_at=old))
    # A pupil whose row is old but whose timeline is recent is not stale.
    session.execute(sa.update(Pupil).where(Pupil.id == pupil_ids[1]).values(updated_at=old))
    session.flush()
    session.expire_all()
    return school


# --- The plain recomputation ----------------------------------------------------------------------


def _status_on(statuses, pupil_id, day, provisions=("K", "E")):
    return any(
        s.pupil_id == pupil_id
        and s.provision.value in provisions
        and s.start_date <= day
        and (s.end_date is None or s.end_date >= day)
        for s in statuses
    )


def _plain(session, school: School, today: date) -> dict:
    """Every figure, recomputed from the raw rows one step at a time."""
    w = _plain_world(session, school, today)
    out: dict = {"register": w.register, "on_k": w.on_k, "on_e": w.on_e}
    out["engagement"] = _plain_engagement(w)
    out.update(_plain_cycles(w))
    concerns = [c for c in _all(session, Concern) if c.pupil_id in w.ids and c.status is ConcernStatus.OPEN]
    out["open_concerns"] = len(concerns)
    out["concerns_past_deadline"] = {c.id for c in concerns if c.deadline < today}
    out.update(_plain_interventions(w))
    out.update(_plain_tasks(w))
    out["stale"] = _plain_stale(w)
    out["ehc_due"], out["ehc_overdue"], out["with_plan"] = _plain_ehc(w)
    return out


def _plain_world(session, school: School, today: date) -> SimpleNamespace:
    """The school's pupils on roll today, their statuses, the register and the academic year."""
    w = SimpleNamespace(session=session, school=school, today=today)
    w.every = {p.id: p for p in _all(session, Pupil) if p.school_id == school.id}
    w.pupils = [p for p in w.every.values() if _plain_on_roll(w, p.id, today)]
    w.ids = {p.id for p in w.pupils}
    w.statuses = [s for s in _all(session, SenStatus) if s.pupil_id in w.ids]
    w.register = {p.id for p in w.pupils if _plain_on_register(w, p.id, today)}
    w.on_k = {p.id for p in w.pupils if _plain_on_register(w, p.id, today, ("K",))}
    w.on_e = {p.id for p in w.pupils if _plain_on_register(w, p.id, today, ("E",))}
    year = today.year if today.month >= 9 else today.year - 1
    w.year, w.first, w.last = year, date(year, 9, 1), date(year + 1, 8, 31)
    return w


def _plain_on_roll(w, pid, day) -> bool:
    p = w.every[pid]
    return (p.admitted_on is None or p.admitted_on <= day) and (p.left_on is None or day < p.left_on)


def _plain_on_register(w, pid, day, provisions=("K", "E")) -> bool:
    return _plain_on_roll(w, pid, day) and _status_on(w.statuses, pid, day, provisions)


def _plain_engagement(w) -> dict:
    """Parent engagement, the rule of DESIGN section 6 walked day by day."""
    school, today = w.school, w.today
    # The school's own dates replace the default of exactly the terms they name.
    own = {
        t.season: (t.starts_on, t.ends_on)
        for t in _all(w.session, SchoolTerm)
        if t.school_id == school.id and t.academic_year == w.year
    }
    terms = sorted(own.get(t.season, (t.starts_on, t.ends_on)) for t in default_terms(w.year))
    meetings = _all(w.session, ParentMeeting)

    def since(pid, day):
        while _plain_on_register(w, pid, day - timedelta(days=1)):
            day -= timedelta(days=1)
        return day

    def counts(pid, day, term_end):
        return (term_end - since(pid, day)).days + 1 >= school.parent_meeting_min_days

    engagement = {"on_track": set(), "due": set(), "overdue": set()}
    for pid in w.register:
        required = sum(
            1 for start, end in terms if end < today and _plain_on_register(w, pid, end) and counts(pid, end, end)
        )
        held = sum(
            1
            for m in meetings
            if m.pupil_id == pid and m.held_on is not None and w.first <= m.held_on <= min(today, w.last)
        )
        current = next(((s, e) for s, e in terms if s <= today <= e), None)
        if held < required:
            engagement["overdue"].add(pid)
        elif (
            current
            and counts(pid, today, current[1])
            and held < required + 1
            and (current[1] - today).days <= school.parent_due_window_days
        ):
            engagement["due"].add(pid)
        else:
            engagement["on_track"].add(pid)
    return engagement


def _plain_cycles(w) -> dict:
    today = w.today
    cycles = [c for c in _all(w.session, SupportCycle) if c.pupil_id in w.ids and c.state is not CycleState.CLOSED]
    plans = {p.cycle_id: p for p in _all(w.session, Plan)}
    at_do = [c for c in cycles if c.state in (CycleState.DO, CycleState.REVIEW) and c.id in plans]
    return {
        "open_cycles": len(cycles),
        # Overdue whether the cycle is at "do" or at "review": the review is not recorded yet.
        "reviews_overdue": {
            c.pupil_id for c in at_do if plans[c.id].review_date is not None and plans[c.id].review_date < today
        },
        "k_without_plan": w.on_k - {c.pupil_id for c in at_do},
    }


def _plain_interventions(w) -> dict:
    today = w.today
    ended = [i for i in _all(w.session, Intervention) if i.school_id == w.school.id and w.first <= i.ends_on < today]
    places = _all(w.session, InterventionPupil)
    # A pupil who left before the intervention ended has no impact to record.
    left = {p.id: p.left_on for p in _all(w.session, Pupil)}
    without = {
        i.id
        for i in ended
        if any(
            p.intervention_id == i.id
            and p.impact is None
            and (left[p.pupil_id] is None or left[p.pupil_id] > i.ends_on)
            for p in places
        )
    }
    return {"ended_interventions": len(ended), "without_impact": without}


def _plain_tasks(w) -> dict:
    today = w.today
    tasks = [t for t in _all(w.session, Task) if t.school_id == w.school.id and t.status is TaskStatus.OPEN]
    by_role: dict = {}
    for t in tasks:
        entry = by_role.setdefault(t.for_role, [0, set()])
        entry[0] += 1
        if t.due_on < today:
            entry[1].add(t.id)
    return {"open_tasks": len(tasks), "tasks_overdue": {t.id for t in tasks if t.due_on < today}, "by_role": by_role}


def _plain_stale(w) -> set:
    """Stale from the day the school's weeks have passed since the latest change (in UTC)."""
    events = _all(w.session, TimelineEvent)
    stale = set()
    for p in w.pupils:
        if p.id in w.register:
            times = [e.recorded_at for e in events if e.pupil_id == p.id] + [p.updated_at]
            last = max(t.astimezone(UTC) if t.tzinfo else t for t in times).date()
            if last + timedelta(weeks=w.school.records_stale_weeks) <= w.today:
                stale.add(p.id)
    return stale


def _plain_add_months(day: date, months: int) -> date:
    year, month = day.year, day.month
    for _ in range(months):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    last = 31
    while True:
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            last -= 1


def _plain_review_due(plan, pupil, school, meetings: list[date], today: date) -> date:
    """12 months (6 under five) after the issue or the last annual review meeting held; before a
    move out of the school's top year, no later than 12 weeks before 15 February (31 March from
    Year 11) of the calendar year of the move, unless a review was held in that academic year."""
    since = max([plan.issued_on, *meetings])
    born = pupil.date_of_birth
    fifth = (
        date(born.year + 5, born.month, born.day) if (born.month, born.day) != (2, 29) else date(born.year + 5, 3, 1)
    )
    due = _plain_add_months(since, 6 if since < fifth else 12)
    starts = due.year if due.month >= 9 else due.year - 1
    if since >= date(starts, 9, 1):
        return due
    year_then = pupil.year_group + starts - (today.year if today.month >= 9 else today.year - 1)
    if year_then == school.highest_year and school.lowest_year <= year_then and school.lowest_year < 12:
        deadline = date(starts + 1, 3, 31) if year_then >= 11 else date(starts + 1, 2, 15)
        return min(due, deadline - timedelta(days=84))
    return due


def _plain_ehc(w) -> tuple[set, set, set]:
    """(due within 8 weeks, overdue, pupils with a plan in force): every plan in force today of a
    pupil on the roll, its next review from its issue and its annual review meetings."""
    today = w.today
    reviews = _all(w.session, EhcReview)
    due, overdue, population = set(), set(), set()
    for plan in _all(w.session, EhcPlan):
        if plan.pupil_id not in w.ids or plan.issued_on > today:
            continue
        if plan.ceased_on is not None and plan.ceased_on <= today:
            continue
        population.add(plan.pupil_id)
        meetings = [r.held_on for r in reviews if r.plan_id == plan.id and r.kind.value == "annual" and r.held_on]
        on = _plain_review_due(plan, w.every[plan.pupil_id], w.school, meetings, today)
        if on < today:
            overdue.add(plan.pupil_id)
        elif (on - today).days <= 56:
            due.add(plan.pupil_id)
    return due, overdue, population


def _check(figure, ids, population):
    assert set(figure.ids) == set(ids)
    assert figure.count == len(ids)
    assert figure.population == population
    assert figure.percent == (round(100 * len(ids) / population, 1) if population else 0.0)


@pytest.mark.parametrize("today", [TODAY, date(2027, 1, 20), date(2027, 3, 20)])
def test_every_figure_matches_a_plain_recomputation(session, today):
    school = _make_world(session)
    figures = compliance_figures(session, school, today)
    plain = _plain(session, school, today)

    n = len(plain["register"])
    assert n > 0
    for status in ("on_track", "due", "overdue"):
        _check(figures[f"engagement_{status}"], plain["engagement"][status], n)
    _check(figures["reviews_overdue"], plain["reviews_overdue"], plain["open_cycles"])
    _check(figures["k_without_plan"], plain["k_without_plan"], len(plain["on_k"]))
    _check(figures["concerns_past_deadline"], plain["concerns_past_deadline"], plain["open_concerns"])
    _check(figures["interventions_without_impact"], plain["without_impact"], plain["ended_interventions"])
    _check(figures["tasks_overdue"], plain["tasks_overdue"], plain["open_tasks"])
    assert set(figures.tasks_overdue_by_role) == set(plain["by_role"])
    for role, (population, ids) in plain["by_role"].items():
        _check(figures.tasks_overdue_by_role[role], ids, population)
    _check(figures["records_stale"], plain["stale"], n)
    _check(figures["ehc_reviews_due"], plain["ehc_due"], len(plain["with_plan"]))
    _check(figures["ehc_reviews_overdue"], plain["ehc_overdue"], len(plain["with_plan"]))

    if today == TODAY:  # the world was built so that each figure has something to count
        for key in (
            "reviews_overdue",
            "concerns_past_deadline",
            "interventions_without_impact",
            "tasks_overdue",
            "records_stale",
            "ehc_reviews_due",
            "ehc_reviews_overdue",
        ):
            assert figures[key].count > 0, key
        assert 0 < figures["records_stale"].count < n


@pytest.mark.parametrize("today", [TODAY, date(2027, 3, 20)])
def test_a_figure_counted_alone_is_the_figure_counted_with_the_others(session, today):
    """A drill-down counts its one figure (`school_figure`) by the same step as the dashboard:
    the same count, population and ids, for the whole school and for a year group."""
    school = _make_world(session)
    year = session.scalar(sa.select(Pupil.year_group).where(Pupil.school_id == school.id).limit(1))
    for pupils in (None, PupilFilter(year_group=year)):
        every = compliance_figures(session, school, today, pupils)
        figures = every.figures | {f"tasks_overdue_{r.value}": f for r, f in every.tasks_overdue_by_role.items()}
        assert len(figures) > len(every.figures)
        for key, figure in figures.items():
            assert school_figure(session, school, today, key, pupils) == figure, key
    assert school_figure(session, school, today, "no_such_figure") is None
    assert school_figure(session, school, today, "tasks_overdue_no_such_role") is None


def test_register_breakdown_matches_the_open_statuses(session):
    school = _make_world(session)
    register = compliance_figures(session, school, TODAY).register
    # The pupils on the roll today: the demo's leavers are not.
    pupils = [p for p in _all(session, Pupil) if p.school_id == school.id and is_on_roll(p, TODAY)]
    assert len(pupils) < len([p for p in _all(session, Pupil) if p.school_id == school.id])
    open_status = {s.pupil_id: s for s in _all(session, SenStatus) if s.end_date is None}
    assert register.pupils == len(pupils)
    for provision in Provision:
        expected = sum(
            1 for p in pupils if (open_status[p.id].provision if p.id in open_status else Provision.NONE) is provision
        )
        assert register.count(provision) == expected
    for year in {p.year_group for p in pupils}:
        assert sum(register.by_year[year].values()) == sum(1 for p in pupils if p.year_group == year)
    needs = {}
    for p in pupils:
        s = open_status.get(p.id)
        if s is not None and s.provision is not Provision.NONE:
            needs.setdefault(s.primary_need, {}).setdefault(s.provision, 0)
            needs[s.primary_need][s.provision] += 1
    assert {k: dict(v) for k, v in register.by_need.items()} == needs


def test_json_has_counts_and_percentages_and_no_names(session):
    school = _make_world(session)
    figures = compliance_figures(session, school, TODAY)
    data = to_json(figures)
    assert data["urn"] == school.urn and data["date"] == TODAY.isoformat()
    assert data["figures"]["reviews_overdue"] == {
        "count": figures["reviews_overdue"].count,
        "population": figures["reviews_overdue"].population,
        "population_label": "open cycles",
        "percent": figures["reviews_overdue"].percent,
    }
    text = json.dumps(data)
    for pupil in _all(session, Pupil):
        for name in (pupil.first_name, pupil.last_name):
            assert f'"{name}' not in text and f" {name}" not in text
    assert "ids" not in text


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["compliance", *args])


def test_command_prints_the_json_of_one_school_or_every_school(app, session):
    school = _make_world(session)
    session.commit()
    result = _cli(app, "--school", school.urn, "--date", TODAY.isoformat(), "--json")
    assert result.exit_code == 0, result.output
    expected = to_json(compliance_figures(session, school, TODAY))
    expected["ehc"] = ehc_figures(session, TODAY, [school.id]).to_json(school.id)
    assert json.loads(result.output) == json.loads(json.dumps(expected))
    names = {n for p in _all(session, Pupil) for n in (p.first_name, p.last_name)}
    words = set(result.output.replace('"', " ").replace(",", " ").split())
    assert not (names & words)

    every = _cli(app, "--date", TODAY.isoformat(), "--json")
    assert every.exit_code == 0, every.output
    assert json.loads(every.output) == {school.urn: json.loads(json.dumps(expected))}


def test_command_refuses_an_unknown_school_or_a_bad_date(app, session):
    _make_world(session, pupils=20)
    session.commit()
    unknown = _cli(app, "--school", "999999", "--date", TODAY.isoformat(), "--json")
    assert unknown.exit_code != 0
    assert "no school has URN 999999" in unknown.output
    bad = _cli(app, "--school", "100001", "--date", "27/11/2026")
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output


def _statements(session, school) -> int:
    """The statements `compliance_figures` runs for a school whose row is already loaded."""
    session.refresh(school)
    engine = session.get_bind()
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        compliance_figures(session, school, TODAY)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_number_of_queries_does_not_grow_with_the_school(session):
    small = _make_world(session, pupils=40)
    at_40 = _statements(session, small)
    session.rollback()  # undo the first world (flushed, never committed), then build a bigger one
    big = _make_world(session, pupils=120)
    assert session.scalar(sa.select(sa.func.count()).select_from(Pupil)) == 127
    at_120 = _statements(session, big)
    assert at_40 == at_120 == 11
