"""Scope holds per pupil on every intervention page: a teacher whose pupil shares an intervention
with another class's pupil sees and changes only their own pupil there (the other is counted,
never named, shown or written); whoever delivers an intervention reaches all its pupils on its
pages and no further; a support assistant's reach ends a set number of weeks after the
intervention ends (a school setting); support assistants see no parents' home addresses.

The app's date is Friday 27 November 2026. Records set up outside a request go through the
workflow operations, as the app itself would write them.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from sentrack.models import (
    AreaOfNeed,
    CostBasis,
    CycleState,
    Delivery,
    InterventionPupil,
    InterventionSession,
    Outcome,
    SessionAttendance,
)
from sentrack.workflows import interventions as flow
from tests.factories import drive_cycle
from tests.helpers import audit_events, date_parts, rows
from tests.pages import Page

TODAY = date(2026, 11, 27)  # a Friday

# What only the other class's pupil's records hold: none of it may reach their teacher.
THEIR_ENTRY, THEIR_OUTCOME = "Dev-entry-41", "Dev-outcome: joins in group talk"
THEIR_EXIT, THEIR_COMMENT = "Dev-exit-9", "Dev-comment: quiet in the first weeks"


def _entry(session, world):
    return flow.save_intervention_type(
        session,
        actor=world.users["senco"],
        details=flow.TypeDetails(
            name="Talk group",
            description=None,
            area_of_need=AreaOfNeed.COMMUNICATION,
            wave=2,
            sessions_per_week=3,
            minutes_per_session=20,
            weeks=8,
            cost_basis=CostBasis.PER_SESSION,
            cost_per_session_pence=900,
            hourly_rate_pence=None,
        ),
    )


def _start(
    session, world, places, *, deliverer="ta", starts=date(2026, 11, 2), ends=date(2026, 12, 18), name="Talk group"
):
    entry = session.scalar(sa.select(flow.InterventionType).where(flow.InterventionType.name == "Talk group"))
    intervention = flow.start_intervention(
        session,
        actor=world.users["senco"],
        details=flow.InterventionDetails(
            type_id=(entry or _entry(session, world)).id,
            name=name,
            delivery=Delivery.GROUP,
            delivered_by_id=world.users[deliverer].id,
            weekdays=[0, 2, 4],
            minutes_per_session=20,
            starts_on=starts,
            ends_on=ends,
            measure="Words in a minute",
        ),
        places=places,
        today=starts,
    )
    session.commit()
    return intervention


@pytest.fixture
def ours(world):
    return world.pupils["taught"]  # Ada Brook, of the teacher's class


@pytest.fixture
def theirs(world, session):
    """Dev Ellis, of another class, with an open plan whose first outcome the interventions serve."""
    pupil = world.pupils["untaught_k"]
    cycle = drive_cycle(session, actor=world.users["senco"], pupil=pupil, to=CycleState.DO)
    outcome = session.scalar(sa.select(Outcome).where(Outcome.cycle_id == cycle.id).order_by(Outcome.position))
    outcome.description = THEIR_OUTCOME
    session.commit()
    return pupil


def _their_outcome(session, pupil) -> int:
    from sentrack.models import SupportCycle

    return session.scalar(
        sa.select(Outcome.id)
        .join(SupportCycle, SupportCycle.id == Outcome.cycle_id)
        .where(SupportCycle.pupil_id == pupil.id, Outcome.description == THEIR_OUTCOME)
    )


def _places(session, ours, theirs):
    return [
        flow.Place(pupil=ours, entry_score="12"),
        flow.Place(pupil=theirs, entry_score=THEIR_ENTRY, outcome_id=_their_outcome(session, theirs)),
    ]


@pytest.fixture
def running(session, world, ours, theirs):
    """Running today (Mondays, Wednesdays and Fridays), delivered by the assistant; a register
    on Monday 23 November with Ada present and Dev absent."""
    intervention = _start(session, world, _places(session, ours, theirs))
    flow.record_session(
        session,
        actor=world.users["ta"],
        intervention=intervention,
        held_on=date(2026, 11, 23),
        attended={ours.id},
        note=None,
        today=TODAY,
    )
    session.commit()
    return intervention


@pytest.fixture
def ended(session, world, ours, theirs):
    """Ended on Friday 20 November, with a register and the impact of both pupils recorded by the
    assistant on the 23rd."""
    intervention = _start(
        session,
        world,
        _places(session, ours, theirs),
        starts=date(2026, 10, 5),
        ends=date(2026, 11, 20),
        name="Talk group, autumn",
    )
    flow.record_session(
        session,
        actor=world.users["ta"],
        intervention=intervention,
        held_on=date(2026, 11, 16),
        attended={ours.id},
        note=None,
        today=TODAY,
    )
    flow.record_impact(
        session,
        actor=world.users["ta"],
        intervention=intervention,
        today=date(2026, 11, 23),
        results={
            ours.id: flow.ImpactResult("14", 1, None),
            theirs.id: flow.ImpactResult(THEIR_EXIT, 2, THEIR_COMMENT),
        },
    )
    session.commit()
    return intervention


def assert_not_shown(page: str, pupil) -> None:
    """Nothing of the other class's pupil is on the page: name, link, parent, scores, outcome."""
    for word in (pupil.first_name, pupil.last_name, pupil.contacts[0].name):
        assert not re.search(rf"\b{re.escape(word)}\b", page), word
    assert pupil.public_id not in page and pupil.upn not in page
    for secret in (THEIR_ENTRY, THEIR_OUTCOME, THEIR_EXIT, THEIR_COMMENT):
        assert secret not in page, secret


def _place(session, intervention, pupil) -> InterventionPupil:
    session.expire_all()
    return session.scalar(
        sa.select(InterventionPupil).where(
            InterventionPupil.intervention_id == intervention.id, InterventionPupil.pupil_id == pupil.id
        )
    )


def _row(place: InterventionPupil) -> tuple:
    return (
        place.entry_score,
        place.outcome_id,
        place.exit_score,
        place.impact,
        place.impact_comment,
        place.impact_recorded_on,
        place.impact_recorded_by_id,
    )


def _marks(session, intervention, held_on) -> dict[int, bool]:
    session.expire_all()
    return dict(
        session.execute(
            sa.select(SessionAttendance.pupil_id, SessionAttendance.attended)
            .join(InterventionSession, InterventionSession.id == SessionAttendance.session_id)
            .where(InterventionSession.intervention_id == intervention.id, InterventionSession.held_on == held_on)
        ).all()
    )


# --- Pages: the teacher sees only their own pupil ------------------------------------------------

PAGES = {
    "list": lambda r, e: "/interventions/",
    "ended list": lambda r, e: "/interventions/?show=ended",
    "show": lambda r, e: f"/interventions/{r.id}",
    "show ended": lambda r, e: f"/interventions/{e.id}",
    "edit": lambda r, e: f"/interventions/{r.id}/edit",
    "edit ended": lambda r, e: f"/interventions/{e.id}/edit",
    "end": lambda r, e: f"/interventions/{r.id}/end",
    "register": lambda r, e: f"/interventions/{r.id}/sessions/new",
    "register ended": lambda r, e: f"/interventions/{e.id}/sessions/new",
    "impact": lambda r, e: f"/interventions/{e.id}/impact",
    "impact running": lambda r, e: f"/interventions/{r.id}/impact",
    "home": lambda r, e: "/",
}
NAMES_OURS = {"list", "ended list", "show", "show ended", "edit", "edit ended", "register", "impact", "home"}


@pytest.mark.parametrize("page", list(PAGES))
def test_a_teacher_sees_nothing_of_another_class_s_pupil_on_a_shared_intervention(
    client,
    world,
    login,
    running,
    ended,
    ours,
    theirs,
    page,
):
    login(world.users["teacher"])

    shown = client.page(PAGES[page](running, ended))

    assert_not_shown(shown.html, theirs)
    if page in NAMES_OURS:
        assert ours.last_name in shown  # the control: their own pupil is there


@pytest.mark.parametrize("page", ["show ended", "edit ended", "register", "impact"])
def test_whoever_delivers_it_and_the_senco_see_every_pupil(client, world, login, running, ended, theirs, page):
    for role in ("senco",) if page.startswith("edit") else ("ta", "senco"):  # an assistant changes none
        login(world.users[role])
        shown = client.page(PAGES[page](running, ended))
        assert theirs.last_name in shown, role
    if page in ("show ended", "impact"):
        assert THEIR_COMMENT in shown


def test_the_other_pupils_are_counted(client, world, login, running, ended):
    login(world.users["teacher"])

    assert "1 from other classes" in client.page("/interventions/")
    assert "A pupil from another class" in client.page(f"/interventions/{running.id}")
    assert "1 other pupil is on this register" in client.page(f"/interventions/{running.id}/sessions/new")
    assert "The impact for 1 other pupil is recorded" in client.page(f"/interventions/{ended.id}/impact")
    assert "1 other pupil is in the intervention" in client.page(f"/interventions/{running.id}/edit")


def test_the_register_shows_only_the_teacher_s_pupils_marks(client, world, login, running):
    login(world.users["teacher"])

    register = client.page(f"/interventions/{running.id}").table('[aria-label="Register"]')

    assert [row[1] for row in register] == ["1 of 1"]  # Ada's mark only: Dev's absence is not told
    assert [row[2] for row in register] == ["None"]  # nobody the teacher reaches was absent


@pytest.mark.parametrize("page", ["show", "register", "impact", "edit"])
def test_each_page_is_audited_for_the_pupils_it_shows(
    client, world, login, session, running, ended, ours, theirs, page
):
    action = {
        "show": "intervention_viewed",
        "register": "register_viewed",
        "impact": "impact_viewed",
        "edit": "intervention_form_viewed",
    }[page]
    login(world.users["teacher"])

    client.get(PAGES[page](running, ended))

    assert [e.pupil_id for e in audit_events(session, action)] == [ours.id]


# --- Posts: nothing of the other pupil is written -------------------------------------------------


def test_a_register_posting_a_mark_for_the_other_pupil_marks_only_ours(
    client, world, login, session, running, ours, theirs
):
    login(world.users["teacher"])

    response = client.post(
        f"/interventions/{running.id}/sessions/new",
        data={
            "held_on": date_parts(date(2026, 11, 25)),
            **rows(
                {"pupil": str(theirs.id), "mark": "ill", "note": "Posted"}, {"pupil": str(ours.id), "mark": "present"}
            ),
        },
    )

    assert response.status_code == 302
    assert _marks(session, running, date(2026, 11, 25)) == {ours.id: True}


def test_a_teacher_s_register_marks_only_their_pupils_and_the_deliverer_completes_it(
    client,
    world,
    login,
    session,
    running,
    ours,
    theirs,
):
    wednesday = date(2026, 11, 25)
    login(world.users["teacher"])
    response = client.post(
        f"/interventions/{running.id}/sessions/new", data={"held_on": date_parts(wednesday), "attended": [str(ours.id)]}
    )
    assert response.status_code == 302
    assert _marks(session, running, wednesday) == {ours.id: True}

    login(world.users["ta"])
    response = client.post(
        f"/interventions/{running.id}/sessions/new",
        data={"held_on": date_parts(wednesday), "attended": [str(theirs.id)]},
    )
    assert response.status_code == 302
    assert _marks(session, running, wednesday) == {ours.id: True, theirs.id: True}

    response = client.post(
        f"/interventions/{running.id}/sessions/new", data={"held_on": date_parts(wednesday), "attended": [str(ours.id)]}
    )
    assert Page(response).field_error("held_on") == "A session on this date is already recorded"
    assert _marks(session, running, wednesday) == {ours.id: True, theirs.id: True}


def test_the_one_click_register_marks_only_the_teacher_s_pupils(client, world, login, session, running, ours, theirs):
    login(world.users["teacher"])

    assert client.post(f"/interventions/{running.id}/sessions/quick").status_code == 302

    assert _marks(session, running, TODAY) == {ours.id: True}


def test_impact_posted_for_the_other_pupil_changes_nothing_of_theirs(
    client, world, login, session, ended, ours, theirs
):
    before = _row(_place(session, ended, theirs))
    login(world.users["teacher"])

    response = client.post(
        f"/interventions/{ended.id}/impact",
        data=rows(
            {"pupil": str(ours.id), "impact": "2", "exit": "18", "version": str(_place(session, ended, ours).version)},
            {
                "pupil": str(theirs.id),
                "impact": "-2",
                "version": str(_place(session, ended, theirs).version),
                "exit": "Overwritten",
                "comment": "Overwritten",
            },
        ),
    )

    assert response.status_code == 302
    assert _row(_place(session, ended, theirs)) == before  # "recorded by" the assistant still
    mine = _place(session, ended, ours)
    assert (mine.impact, mine.exit_score, mine.impact_recorded_by_id) == (2, "18", world.users["teacher"].id)


def test_an_impact_conflict_lists_only_the_pupils_whose_impact_the_person_records(
    client, world, login, session, ended, ours, theirs
):
    """The teacher opens the impact page; the assistant then records both pupils' impact again.
    The teacher's save is stopped with what changed for her own pupil, her typing kept, and
    nothing of the other class's pupil on the page."""
    opened = str(_place(session, ended, ours).version)
    flow.record_impact(
        session,
        actor=world.users["ta"],
        intervention=ended,
        today=TODAY,
        results={
            ours.id: flow.ImpactResult("16", 2, None),
            theirs.id: flow.ImpactResult("Dev-exit-12", -1, THEIR_COMMENT),
        },
    )
    session.commit()
    login(world.users["teacher"])

    response = client.post(
        f"/interventions/{ended.id}/impact",
        data=rows(
            {"pupil": str(ours.id), "version": opened, "impact": "1", "exit": "15", "comment": "Reads to the class now"}
        ),
    )

    page = Page(response)
    assert ["Ada Brook: Exit score", "16"] in page.table("What they changed")
    assert "Reads to the class now" in page
    assert_not_shown(page.html, theirs)
    assert "Dev-exit-12" not in page.html
    assert _place(session, ended, ours).exit_score == "16"


def test_impact_only_for_the_other_pupil_is_refused(client, world, login, session, ended, ours, theirs):
    before = (_row(_place(session, ended, ours)), _row(_place(session, ended, theirs)))
    login(world.users["teacher"])

    response = client.post(
        f"/interventions/{ended.id}/impact",
        data=rows(
            {"pupil": str(theirs.id), "impact": "-2"},
            {"pupil": str(ours.id), "version": str(_place(session, ended, ours).version)},
        ),
    )

    assert Page(response).field_error("rows-1-impact") == "Choose the impact for Ada Brook"
    assert (_row(_place(session, ended, ours)), _row(_place(session, ended, theirs))) == before


def _edit_form(intervention, pupils, **changes) -> dict:
    form = {
        "type_id": str(intervention.type_id),
        "name": intervention.name,
        "delivery": intervention.delivery.value,
        "delivered_by_id": str(intervention.delivered_by_id),
        "weekdays": [str(d) for d in intervention.weekdays],
        "minutes_per_session": str(intervention.minutes_per_session),
        "starts_on": date_parts(intervention.starts_on),
        "ends_on": date_parts(intervention.ends_on),
        "measure": intervention.measure or "",
        "pupils": [p.public_id for p in pupils],
        "version": str(intervention.version),
    }
    form.update(rows(*({"pupil": p.public_id, "entry": "13"} for p in pupils)))
    form.update(changes)
    return form


@pytest.mark.parametrize("posted", ["ours-only", "both"])
def test_saving_an_intervention_keeps_the_other_pupil_as_they_are(
    client, world, login, session, running, ours, theirs, posted
):
    before = _row(_place(session, running, theirs))
    pupils = [ours] if posted == "ours-only" else [ours, theirs]
    login(world.users["teacher"])

    response = client.post(
        f"/interventions/{running.id}/edit",
        data=_edit_form(
            running, pupils, **rows({"pupil": theirs.public_id, "entry": "Overwritten", "outcome": ""}, start=1)
        ),
    )

    assert response.status_code == 302
    assert _row(_place(session, running, theirs)) == before
    assert _place(session, running, ours).entry_score == "13"


def test_a_teacher_cannot_add_a_pupil_they_do_not_teach(client, world, login, session, running, ours):
    cara = world.pupils["untaught"]
    login(world.users["teacher"])

    response = client.post(f"/interventions/{running.id}/edit", data=_edit_form(running, [ours, cara]))

    assert "not a pupil you can set up an intervention for" in Page(response).field_error("pupils")
    assert _place(session, running, cara) is None


def test_a_teacher_cannot_take_the_other_pupil_out_through_the_workflow(session, world, running, ours, theirs):
    """The workflow keeps the places the actor may not change, whoever calls it."""
    details = flow.InterventionDetails(
        type_id=running.type_id,
        name=running.name,
        delivery=running.delivery,
        delivered_by_id=running.delivered_by_id,
        weekdays=list(running.weekdays),
        minutes_per_session=20,
        starts_on=running.starts_on,
        ends_on=running.ends_on,
        measure=None,
    )
    flow.update_intervention(
        session,
        actor=world.users["teacher"],
        intervention=running,
        details=details,
        places=[flow.Place(pupil=ours, entry_score="12")],
        today=TODAY,
    )

    assert _place(session, running, theirs).entry_score == THEIR_ENTRY


def test_the_workflow_ignores_impact_for_pupils_the_actor_does_not_reach(session, world, ended, ours, theirs):
    before = _row(_place(session, ended, theirs))

    flow.record_impact(
        session,
        actor=world.users["teacher"],
        intervention=ended,
        today=TODAY,
        results={
            ours.id: flow.ImpactResult(None, 0, None),
            theirs.id: flow.ImpactResult("Overwritten", -2, "Overwritten"),
        },
    )

    assert _row(_place(session, ended, theirs)) == before


# --- Whoever delivers it reaches its pupils there, and no further ---------------------------------


def test_a_teacher_delivering_an_intervention_reaches_its_pupils_on_its_pages_only(
    client, world, login, session, theirs
):
    from sentrack.access import intervention_pupil_ids

    delivered = _start(session, world, [flow.Place(pupil=theirs, entry_score=THEIR_ENTRY)], deliverer="teacher")
    teacher = world.users["teacher"]
    login(teacher)

    assert THEIR_ENTRY in client.page(f"/interventions/{delivered.id}")
    assert theirs.full_name in client.page(f"/interventions/{delivered.id}/sessions/new")
    response = client.post(
        f"/interventions/{delivered.id}/sessions/new",
        data={"held_on": date_parts(date(2026, 11, 25)), "attended": [str(theirs.id)]},
    )
    assert response.status_code == 302
    assert _marks(session, delivered, date(2026, 11, 25)) == {theirs.id: True}
    # Not their other records.
    assert client.get(f"/pupils/{theirs.public_id}").status_code == 404
    assert theirs.last_name not in client.page("/pupils/").html
    assert intervention_pupil_ids(teacher, delivered) == {theirs.id}


# --- A support assistant's access ends a set period after the intervention ends --------------------


def _delivered_by_the_assistant(session, world, pupil, days_ago: int):
    ends = TODAY - timedelta(days=days_ago)
    return _start(
        session,
        world,
        [flow.Place(pupil=pupil, entry_score="10")],
        starts=ends - timedelta(weeks=6),
        ends=ends,
        name="Reading pairs",
    )


def _reaches(client, intervention, pupil) -> tuple:
    return (
        client.get(f"/interventions/{intervention.id}").status_code,
        client.get(f"/interventions/{intervention.id}/impact").status_code,
        client.get(f"/pupils/{pupil.public_id}").status_code,
        "Reading pairs" in client.page("/interventions/?show=ended").html,
        pupil.last_name in client.page("/pupils/").html,
    )


@pytest.mark.parametrize(
    ("days_ago", "reached"),
    [
        pytest.param(27, True, id="the-day-before-the-boundary"),
        pytest.param(28, True, id="at-the-boundary"),  # four weeks after its last day: the last day of access
        pytest.param(29, False, id="the-day-after"),
        pytest.param(800, False, id="years-ago"),
    ],
)
def test_an_assistant_reaches_an_intervention_s_pupils_for_four_weeks_after_it_ends(
    client,
    world,
    login,
    session,
    ours,
    days_ago,
    reached,
):
    intervention = _delivered_by_the_assistant(session, world, ours, days_ago)
    login(world.users["ta"])

    expected = (200, 200, 200, True, True) if reached else (404, 404, 404, False, False)
    assert _reaches(client, intervention, ours) == expected


def _rules(weeks: str, school) -> dict:
    return {
        "concern_deadline_days": "28",
        "review_interval_weeks": "8",
        "parent_meeting_min_days": "28",
        "parent_due_window_days": "21",
        "records_stale_weeks": "8",
        "assistant_access_weeks": weeks,
        "sen_file_kept_years": str(school.sen_file_kept_years),
        "pupil_record_kept_years": str(school.pupil_record_kept_years),
        "lowest_year": str(school.lowest_year),
        "highest_year": str(school.highest_year),
        "version": str(school.version),
    }


@pytest.mark.parametrize(
    ("weeks", "days_ago", "reached"),
    [
        pytest.param("5", 35, True, id="five-weeks-at-the-boundary"),
        pytest.param("5", 36, False, id="five-weeks-the-day-after"),
        pytest.param("0", 0, True, id="none-on-its-last-day"),
        pytest.param("0", 1, False, id="none-the-day-after"),
        pytest.param("52", 364, True, id="a-year"),
    ],
)
def test_the_setting_changes_how_long_the_assistant_keeps_access(
    client,
    world,
    login,
    session,
    ours,
    weeks,
    days_ago,
    reached,
):
    intervention = _delivered_by_the_assistant(session, world, ours, days_ago)
    login(world.users["senco"])
    assert client.post("/settings/rules", data=_rules(weeks, world.school)).status_code == 302
    session.expire_all()
    assert world.school.assistant_access_weeks == int(weeks)
    login(world.users["ta"])

    assert _reaches(client, intervention, ours)[:3] == ((200, 200, 200) if reached else (404, 404, 404))


@pytest.mark.parametrize(
    ("weeks", "message"),
    [
        (
            "53",
            "Weeks a support assistant keeps access to an intervention's pupils after it ends must be between 0 and 52",
        ),
        (
            "-1",
            "Weeks a support assistant keeps access to an intervention's pupils after it ends must be between 0 and 52",
        ),
        (
            "four",
            "Weeks a support assistant keeps access to an intervention's pupils after it ends must be a whole number",
        ),
    ],
)
def test_the_setting_is_bounded(client, world, login, session, weeks, message):
    login(world.users["senco"])

    response = client.post("/settings/rules", data=_rules(weeks, world.school))

    assert Page(response).field_error("assistant_access_weeks") == message
    session.expire_all()
    assert world.school.assistant_access_weeks == 4


def test_the_settings_page_shows_the_assistants_access(client, world, login):
    login(world.users["senco"])

    page = client.page("/settings")

    assert "Weeks a support assistant keeps access to an intervention's pupils after it ends" in page


# --- Parents' home addresses -----------------------------------------------------------------------


def test_an_assistant_sees_no_parents_home_address(client, world, login, session, ours):
    ours.contacts[0].address = "12 Acacia Road, Oakford"
    session.commit()
    _start(session, world, [flow.Place(pupil=ours, entry_score="10")], name="Reading pairs")

    login(world.users["ta"])
    page = client.page(f"/pupils/{ours.public_id}")
    assert "Parent of Ada" in page and "07700 900123" in page  # the control: the contact is there
    assert "Acacia" not in page.html

    login(world.users["teacher"])
    assert "12 Acacia Road, Oakford" in client.page(f"/pupils/{ours.public_id}")


# --- A register's own page and its corrections: per pupil too -------------------------------------


def _register_of(session, intervention, held_on):
    return session.scalar(
        sa.select(InterventionSession).where(
            InterventionSession.intervention_id == intervention.id, InterventionSession.held_on == held_on
        )
    )


def test_the_register_page_names_only_the_teacher_s_pupil(client, world, login, session, running, ours, theirs):
    register = _register_of(session, running, date(2026, 11, 23))
    login(world.users["teacher"])

    page = client.page(f"/interventions/{running.id}/sessions/{register.id}")

    assert page.table("Attendance") == [
        [ours.full_name, "Present"],
        ["A pupil from another class", "Recorded by whoever delivers the intervention or teaches them"],
    ]
    assert theirs.first_name not in page.html and "Correct the register" not in page


def test_a_teacher_corrects_only_their_own_pupil_on_a_register_they_took(
    client, world, login, session, running, ours, theirs
):
    wednesday = date(2026, 11, 25)
    login(world.users["teacher"])
    client.post(f"/interventions/{running.id}/sessions/new", data={"held_on": date_parts(wednesday)})
    login(world.users["ta"])
    client.post(f"/interventions/{running.id}/sessions/new", data={"held_on": date_parts(wednesday)})
    register = _register_of(session, running, wednesday)
    login(world.users["teacher"])

    response = client.post(
        f"/interventions/{running.id}/sessions/{register.id}/correct",
        data={
            "version": str(register.version),
            "happened": "yes",
            **rows({"pupil": str(theirs.id), "mark": "ill"}, {"pupil": str(ours.id), "mark": "appointment"}),
        },
    )

    assert response.status_code == 302
    assert _marks(session, running, wednesday) == {ours.id: False, theirs.id: True}
    history = client.page(f"/interventions/{running.id}/sessions/{register.id}").html
    assert f"{ours.full_name}: Present to Absent: At an appointment" in history
    assert theirs.first_name not in history


def test_a_teacher_cannot_say_a_register_with_another_class_s_pupil_did_not_happen(
    client, world, login, session, running, ours, theirs
):
    wednesday = date(2026, 11, 25)
    login(world.users["teacher"])
    client.post(f"/interventions/{running.id}/sessions/new", data={"held_on": date_parts(wednesday)})
    login(world.users["ta"])
    client.post(f"/interventions/{running.id}/sessions/new", data={"held_on": date_parts(wednesday)})
    register = _register_of(session, running, wednesday)
    login(world.users["teacher"])

    page = client.post_page(
        f"/interventions/{running.id}/sessions/{register.id}/correct",
        data={"version": str(register.version), "happened": "staff_absent"},
    )

    assert "ask the SENCO to record that it did not happen" in page.field_error("happened")
    assert _marks(session, running, wednesday) == {ours.id: True, theirs.id: True}


def test_a_teacher_cannot_open_the_correction_of_a_register_someone_else_took(client, world, login, session, running):
    register = _register_of(session, running, date(2026, 11, 23))  # taken by the assistant
    login(world.users["teacher"])

    assert client.get(f"/interventions/{running.id}/sessions/{register.id}/correct").status_code == 404
