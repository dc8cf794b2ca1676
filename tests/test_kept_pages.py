"""Kept pages are never stale: after any change to the records a kept page shows, made the way the
app makes it, the page is exactly what it would be with keeping off (`KEEP_PAGES` False); a kept
view is audited and secured like the first (fresh form tokens, the request's CSRF token); a kept
page is never another user's, another day's, or blind to the request's own uncommitted changes.

Compared as HTML with only what differs between two renders with keeping off taken out: the CSRF
and one-time submission tokens, and the session timer's remaining seconds.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from sentrack import changes, kept, submissions
from sentrack.extensions import db
from sentrack.models import AuditEvent, Concern, CycleState, InterventionSession, Plan, Pupil, School, Task, TaskStatus
from sentrack.scheduler import run_sweep_job
from tests.factories import drive_cycle, make_intervention, make_intervention_type
from tests.helpers import date_parts
from tests.pages import Html
from tests.test_meetings_views import _meeting_form
from tests.test_pupils import _concern_form, _status_form
from tests.test_staff import _edit_form

_VARYING = re.compile(
    r'(name="(?:csrf_token|submission_token)" value=")[^"]*(")|(data-(?:idle|absolute)-left=")[^"]*(")'
)


def normalised(html: str) -> str:
    """`html` with the values that differ between two renders of the same records blanked."""
    return _VARYING.sub(lambda m: (m.group(1) or m.group(3)) + "~" + (m.group(2) or m.group(4)), html)


@pytest.fixture(autouse=True)
def _keeping(app):
    """Each test starts with no page kept and keeping on; the setting is put back after."""
    was = app.config.get("KEEP_PAGES", True)
    app.config["KEEP_PAGES"] = True
    kept.forget(app)
    yield
    app.config["KEEP_PAGES"] = was
    kept.forget(app)


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return response.get_data(as_text=True)


def fresh(app, client, url: str) -> str:
    """The page as it is with keeping off."""
    app.config["KEEP_PAGES"] = False
    try:
        return get(client, url)
    finally:
        app.config["KEEP_PAGES"] = True


def assert_not_stale(app, client, url: str, before: str) -> str:
    """GET `url` (keeping on) after a change: it differs from `before` (the change shows) and is
    what keeping off gives. Messages flashed by the change's post are dropped first: they are shown
    once, and would make the two renders differ."""
    with client.session_transaction() as cookie_session:
        cookie_session.pop("_flashes", None)
    after = get(client, url)
    expected = fresh(app, client, url)
    assert normalised(after) == normalised(expected), f"{url}: a kept page was given for changed records"
    assert normalised(after) != normalised(before), f"{url}: the change does not show on the page (test is vacuous)"
    return after


def audited(session, action: str) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


class Statements:
    """Counts the SQL statements the engine runs while it is open."""

    def __init__(self):
        self.count = 0

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._one)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._one)

    def _one(self, *args):
        self.count += 1


def _every_day_intervention(session, world, pupils=None):
    """An intervention the assistant delivers every weekday, so one is to record on the test day."""
    kind = make_intervention_type(session, actor=world.users["senco"])
    intervention = make_intervention(
        session,
        actor=world.users["senco"],
        kind=kind,
        deliverer=world.users["ta"],
        pupils=pupils or [world.pupils["taught"]],
        weekdays=[0, 1, 2, 3, 4],
    )
    session.commit()
    return intervention


# --- 1. A page is kept ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("senco", "/"),
        ("ta", "/"),
        ("teacher", "/"),
        ("senco", "/dashboard/"),
        ("senco", "/provision-map"),
        ("la", "/ehc/"),
    ],
)
def test_a_second_view_with_no_change_is_kept_and_the_same(app, client, world, login, session, who, url):
    login(world.users[who])
    with Statements() as first:
        one = get(client, url)
    with Statements() as second:
        two = get(client, url)
    assert second.count < first.count, f"{url}: the second view ran {second.count} statements, the first {first.count}"
    assert normalised(two) == normalised(one)
    assert normalised(two) == normalised(fresh(app, client, url))


# --- Changes through the app: each kept page given again for the records now ---------------------


def test_senco_home_after_a_concern_is_raised_by_the_teacher(app, client, world, login, session):
    senco, teacher = world.users["senco"], world.users["teacher"]
    login(senco)
    before = get(client, "/")
    login(teacher)
    pupil = world.pupils["taught_plain"]
    posted = client.post(f"/pupils/{pupil.public_id}/concerns/new", data=_concern_form(raised_on=date(2026, 10, 1)))
    assert posted.status_code == 302
    login(senco)
    after = assert_not_stale(app, client, "/", before)
    assert "Ben Cole" in Html(after).text("#concerns-heading + p + table, section[aria-labelledby=concerns-heading]")


def test_senco_home_after_a_pupils_sen_status_changes(app, client, world, login, session):
    login(world.users["senco"])
    before = get(client, "/")
    pupil = world.pupils["taught_plain"]
    posted = client.post(f"/pupils/{pupil.public_id}/sen-status", data=_status_form(provision="K", reason="Screening"))
    assert posted.status_code == 302
    assert_not_stale(app, client, "/", before)


def test_teacher_home_after_the_head_renames_them_on_the_staff_pages(app, client, world, login, session):
    teacher = world.users["teacher"]
    login(teacher)
    before = get(client, "/")
    assert Html(before).text("h1") == "Good to see you, Teacher"
    login(world.users["head"])
    posted = client.post(f"/staff/{teacher.id}", data=_edit_form(teacher, full_name="Priya Shah"))
    assert posted.status_code == 302, Html(posted.get_data(as_text=True)).error_summary()
    login(teacher)
    after = assert_not_stale(app, client, "/", before)
    assert Html(after).text("h1") == "Good to see you, Priya"


def test_teacher_home_after_a_meeting_is_recorded(app, client, world, login, session):
    teacher = world.users["teacher"]
    login(teacher)
    before = get(client, "/")
    pupil = world.pupils["taught"]
    data = _meeting_form(world, held_on=date_parts(date(2026, 11, 19)))
    posted = client.post(f"/pupils/{pupil.public_id}/meetings/new", data=data)
    assert posted.status_code == 302
    assert_not_stale(app, client, "/", before)


def test_home_after_a_core_update_outside_a_flush(app, client, world, login, session):
    """A statement outside any flush, naming no school: it moves ANY_SCHOOL, read by every page."""
    login(world.users["teacher"])
    before = get(client, "/")
    session.execute(sa.update(Pupil).where(Pupil.id == world.pupils["taught"].id).values(first_name="Adaeze"))
    session.commit()
    after = assert_not_stale(app, client, "/", before)
    assert "Adaeze" in after


def test_ta_home_after_everyone_attended_from_the_kept_page(app, client, world, login, session):
    """The quick register posted with the token of the second (kept) view saves, and the home
    page then has no session left to record."""
    client.sends_submission_tokens = False
    intervention = _every_day_intervention(session, world)
    login(world.users["ta"])
    action = f"/interventions/{intervention.id}/sessions/quick"
    first = Html(get(client, "/"))
    second = Html(get(client, "/"))
    one, two = first.submission_token(action), second.submission_token(action)
    assert one != two
    assert submissions.token_problem(two, world.users["ta"].id) is None
    assert normalised(second.html) == normalised(first.html)
    posted = client.post(action, data={"csrf_token": second.csrf_token(), submissions.FIELD: two})
    assert posted.status_code == 302
    saved = session.scalars(
        sa.select(InterventionSession).where(InterventionSession.intervention_id == intervention.id)
    )
    assert [s.held_on for s in saved] == [date(2026, 11, 27)]
    after = assert_not_stale(app, client, "/", second.html)
    assert Html(after).all(f'form[action="{action}"]') == []


def test_dashboard_after_a_sweep_and_after_a_task_is_closed(app, client, world, login, session):
    senco = world.users["senco"]
    login(senco)
    pupil = world.pupils["taught_plain"]
    assert (
        client.post(
            f"/pupils/{pupil.public_id}/concerns/new", data=_concern_form(raised_on=date(2026, 9, 1))
        ).status_code
        == 302
    )
    school_id, pupil_id, public_id = world.school.id, pupil.id, pupil.public_id
    before = get(client, "/dashboard/")
    run_sweep_job(app)  # as the scheduler runs it (its own app context, which ends the session)
    after_sweep = assert_not_stale(app, client, "/dashboard/", before)
    task = session.scalar(
        sa.select(Task).where(Task.school_id == school_id, Task.status == TaskStatus.OPEN).order_by(Task.id)
    )
    assert task is not None, "the sweep made no task at the school"
    task_id = task.id
    # The concern's task closes when the concern is decided: decided through the page.
    concern = session.scalar(sa.select(Concern).where(Concern.pupil_id == pupil_id))
    decision = {
        "decision": "no_further_action",
        "reason": "Class strategies are working",
        "decided_on": date_parts(date(2026, 11, 24)),
        "version": str(concern.version),
    }
    posted = client.post(f"/pupils/{public_id}/concerns/{concern.id}/decide", data=decision)
    assert posted.status_code == 302
    after_decision = assert_not_stale(app, client, "/dashboard/", after_sweep)
    run_sweep_job(app)
    session.expire_all()
    assert session.get(Task, task_id).status is not TaskStatus.OPEN
    assert normalised(get(client, "/dashboard/")) == normalised(fresh(app, client, "/dashboard/"))
    assert normalised(after_decision) != normalised(before)


def test_dashboard_after_a_sen_status_change(app, client, world, login, session):
    login(world.users["senco"])
    before = get(client, "/dashboard/")
    pupil = world.pupils["taught_plain"]
    posted = client.post(f"/pupils/{pupil.public_id}/sen-status", data=_status_form(provision="K", reason="Screening"))
    assert posted.status_code == 302
    assert_not_stale(app, client, "/dashboard/", before)


def test_provision_map_after_an_intervention_ends_and_a_session_is_registered(app, client, world, login, session):
    intervention = _every_day_intervention(session, world)
    login(world.users["senco"])
    before = get(client, "/provision-map")
    login(world.users["ta"])
    assert client.post(f"/interventions/{intervention.id}/sessions/quick").status_code == 302
    login(world.users["senco"])
    after_session = get(client, "/provision-map")
    assert normalised(after_session) == normalised(fresh(app, client, "/provision-map"))
    ended = client.post(f"/interventions/{intervention.id}/end", data={"ended_on": date_parts(date(2026, 11, 27))})
    assert ended.status_code == 302
    assert_not_stale(app, client, "/provision-map", before)


def test_ehc_caseload_after_the_school_records_an_ehc_request(app, client, world, login, session):
    login(world.users["la"])
    before = get(client, "/ehc/")
    login(world.users["senco"])
    pupil = world.pupils["taught"]
    posted = client.post(
        f"/pupils/{pupil.public_id}/ehc/requests/new",
        data={"requested_by": "parent", "requester_detail": "Mother", "received_on": date_parts(date(2026, 9, 7))},
    )
    assert posted.status_code == 302
    login(world.users["la"])
    assert_not_stale(app, client, "/ehc/", before)


def test_ehc_caseload_after_a_core_update_naming_its_school(app, client, world, login, session):
    """An UPDATE outside a flush that declares its school (`changes.touching`)."""
    login(world.users["la"])
    before = get(client, "/ehc/")
    session.execute(
        sa.update(School)
        .where(School.id == world.sibling.id)
        .values(name="Ash Academy")
        .execution_options(**changes.touching(world.sibling.id))
    )
    session.commit()
    after = assert_not_stale(app, client, "/ehc/", before)
    assert "Ash Academy" in after


# --- 2. Versions: a change moves its own school's only -------------------------------------------


def test_a_change_to_another_school_leaves_this_schools_version(app, client, world, login, session):
    school, foreign = world.school.id, world.foreign.id
    start = changes.versions(session, [school])
    foreign_start = changes.versions(session, [foreign])
    login(world.users["foreign_senco"])
    pupil = world.pupils["foreign"]
    posted = client.post(f"/pupils/{pupil.public_id}/concerns/new", data=_concern_form())
    assert posted.status_code == 302
    assert changes.versions(session, [school]) == start
    assert dict(changes.versions(session, [foreign]))[foreign] != dict(foreign_start)[foreign]
    login(world.users["teacher"])
    posted = client.post(f"/pupils/{world.pupils['taught'].public_id}/concerns/new", data=_concern_form())
    assert posted.status_code == 302
    moved = changes.versions(session, [school])
    assert moved != start
    assert dict(moved)[school] != dict(start)[school]


# --- 3. Every view is audited as the first -------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "url", "actions"),
    [
        ("senco", "/", ["named_on_home_page"]),
        ("ta", "/", ["passport_viewed"]),
        ("teacher", "/", ["passport_viewed"]),
        ("senco", "/dashboard/", ["dashboard_viewed"]),
        ("senco", "/provision-map", ["provision_map_viewed", "named_in_provision_map"]),
        ("la", "/ehc/", ["ehc_caseload_viewed"]),
    ],
)
def test_each_view_of_a_kept_page_is_audited_as_the_first(app, client, world, login, session, who, url, actions):
    _every_day_intervention(session, world)
    login(world.users[who])
    start = {action: audited(session, action) for action in actions}
    get(client, url)
    once = {action: audited(session, action) - start[action] for action in actions}
    assert all(n > 0 for n in once.values()), f"{url}: the first view audited {once}"
    with Statements() as second:
        get(client, url)
    twice = {action: audited(session, action) - start[action] for action in actions}
    assert twice == {action: 2 * n for action, n in once.items()}
    with Statements() as third:
        fresh(app, client, url)
    assert second.count < third.count, f"{url}: the second view was not kept"


# --- 4. Form tokens: the request's own CSRF token, a fresh submission token ----------------------


def test_a_kept_home_carries_the_csrf_token_of_each_session(app, client, world, login, session):
    """The same user signed in twice: the second session is given the kept page, with its own CSRF
    token in the kept forms (the one the page's own layout carries), never the first session's."""
    intervention = _every_day_intervention(session, world)
    action = f"/interventions/{intervention.id}/sessions/quick"
    ta = world.users["ta"]
    login(ta)
    first = Html(get(client, "/"))
    other = app.test_client()
    login(ta, other)
    with Statements() as counted:
        second = Html(get(other, "/"))
    with Statements() as unkept:
        fresh(app, other, "/")
    assert counted.count < unkept.count, "the second session was not given the kept page"

    def tokens(page: Html) -> set[str]:
        return {field["value"] for field in page.all('input[name="csrf_token"]')}

    assert len(tokens(first)) == 1 and len(tokens(second)) == 1
    assert tokens(first) != tokens(second)
    assert second.form(action).select_one('input[name="csrf_token"]')["value"] in tokens(second)
    assert first.submission_token(action) != second.submission_token(action)


# --- 5. Two users never share a kept page --------------------------------------------------------


def test_the_senco_and_the_head_each_have_their_own_home(app, client, world, login, session):
    login(world.users["senco"])
    senco_home = Html(get(client, "/"))
    login(world.users["head"])
    head_home = Html(get(client, "/"))
    assert senco_home.text("h1") == "Good to see you, Senco"
    assert head_home.text("h1") == "Good to see you, Head"
    assert normalised(head_home.html) == normalised(fresh(app, client, "/"))


def test_a_teacher_sees_only_their_classes_after_another_teachers_home_was_kept(app, client, world, login, session):
    from sentrack.models import Role
    from tests.factories import make_user

    other_group = world.pupils["untaught"].groups[0]
    other = make_user(session, "elm@oak.test", Role.TEACHER, school=world.school, name="Elm Teacher")
    other_group.teachers.append(other)
    session.commit()
    login(other)
    elm_home = Html(get(client, "/"))
    assert "Cara Dale" in elm_home.text() and "Ada Brook" not in elm_home.text()
    login(world.users["teacher"])
    oak_home = Html(get(client, "/"))
    assert "Ada Brook" in oak_home.text()
    assert "Cara Dale" not in oak_home.text() and "Dev Ellis" not in oak_home.text()
    assert normalised(oak_home.html) == normalised(fresh(app, client, "/"))


# --- 6. The request's own uncommitted changes are shown ------------------------------------------


@pytest.mark.parametrize("flushed", [False, True])
def test_a_change_in_the_current_transaction_is_shown(app, client, world, login, session, flushed):
    login(world.users["senco"])
    before = get(client, "/")
    assert "Ben Cole" not in Html(before).text("section[aria-labelledby=concerns-heading]")
    pupil = world.pupils["taught_plain"]
    session.add(
        Concern(
            pupil_id=pupil.id,
            raised_by_id=world.users["teacher"].id,
            raised_on=date(2026, 10, 1),
            description="Reverses letters",
            deadline=date(2026, 10, 15),
        )
    )
    if flushed:
        session.flush()
    after = get(client, "/")
    assert "Ben Cole" in Html(after).text("section[aria-labelledby=concerns-heading]")


# --- 7. The day moving on ------------------------------------------------------------------------


def test_the_next_day_gives_a_fresh_page(app, client, world, login, session):
    login(world.users["senco"])
    today = get(client, "/")
    assert "As of 27 November 2026" in Html(today).text()
    app.config["TODAY"] = date(2026, 11, 30)
    later = get(client, "/")
    assert "As of 30 November 2026" in Html(later).text()
    assert normalised(later) == normalised(fresh(app, client, "/"))


def test_cycle_page_after_its_plan_is_changed(app, client, world, login, session):
    """A record of the cycle (its plan) traced to the pupil's school through the cycle."""
    cycle = drive_cycle(session, actor=world.users["senco"], pupil=world.pupils["taught"], to=CycleState.DO)
    session.commit()
    url = f"/pupils/{world.pupils['taught'].public_id}/cycles/{cycle.number}"
    login(world.users["senco"])
    before = get(client, url)
    assert get(client, url) and normalised(get(client, url)) == normalised(before)
    plan = session.scalar(sa.select(Plan).where(Plan.cycle_id == cycle.id))
    plan.strategies = "Pre-teach the week's new words on Mondays."
    session.commit()
    after = assert_not_stale(app, client, url, before)
    assert "Pre-teach the week" in after
